#!/bin/sh
# run.sh — the full fault campaign (`make faults`): every script of
# tests/faults/ at full size, then the figures table.
#
#   sh tests/faults/run.sh [SCRIPT…]      e.g. sh tests/faults/run.sh smtp reload
#
# RD_BUILD picks the binary (`make faults` uses the release build, build/).
# Each script's TAP goes to $RD_BUILD/faults/NAME.tap; here one line per
# script (its checks passed and failed, its time) and every failed check.
# Exit status 1 if any check failed. Needs root for the mail servers and
# the tmpfs; without it most scripts skip.
set -u
cd "$(dirname "$0")/../.."
: "${RD_BUILD:=build}"
export RD_BUILD
OUT="$RD_BUILD/faults"
mkdir -p "$OUT"
FAULT_FIGURES="$OUT/figures"
: > "$FAULT_FIGURES"
rm -f "$OUT/counts"
export FAULT_FIGURES

# NAME  ENVIRONMENT  ARGUMENTS: the full size of each.
campaign='
kill      FAULT_ROUNDS=50 FAULT_MESSAGES=2000  ingest fetch daemon
diskfull  FAULT_MESSAGES=600
imapkill  FAULT_ROUNDS=5 FAULT_MESSAGES=1000
smtp      FAULT_ROUNDS=5
readonly  FAULT_MESSAGES=200
reload    FAULT_ROUNDS=5
'
only=" $* "
passed=0
failed=0
t_all=$(date +%s)
echo "fault campaign on $RD_BUILD/redress ($("$RD_BUILD/redress" --version 2>/dev/null | head -n 1)); TAP in $OUT/"
printf '%s\n' "$campaign" | while read -r name rest; do
    [ -n "$name" ] || continue
    [ "$only" = "  " ] || case "$only" in *" $name "*) ;; *) continue ;; esac
    vars=""; args=""
    for w in $rest; do
        case "$w" in *=*) vars="$vars $w" ;; *) args="$args $w" ;; esac
    done
    t0=$(date +%s)
    # shellcheck disable=SC2086
    env $vars sh "tests/faults/$name.sh" $args > "$OUT/$name.tap" 2> "$OUT/$name.err"
    rc=$?
    ok=$(grep -cE '^ok ' "$OUT/$name.tap")
    bad=$(grep -cE '^not ok ' "$OUT/$name.tap")
    skip=$(grep -cE '^ok .*# SKIP|^1\.\.0 # SKIP' "$OUT/$name.tap")
    printf '%-9s %5s passed, %s failed, %s skipped, status %s, %s s\n' "$name" "$((ok - skip))" "$bad" "$skip" "$rc" \
        "$(( $(date +%s) - t0 ))"
    grep -E '^not ok |^#   ' "$OUT/$name.tap" | head -n 40 | sed 's/^/    /'
    grep -E '^1\.\.0 # SKIP' "$OUT/$name.tap" | sed 's/^/    /'
    echo "$((ok - skip)) $bad $rc" >> "$OUT/counts"
done
[ -f "$OUT/counts" ] || { echo "no script ran"; exit 1; }
passed=$(awk '{ s += $1 } END { print s + 0 }' "$OUT/counts")
failed=$(awk '{ s += $2; if ($3 != 0 && $2 == 0) s++ } END { print s + 0 }' "$OUT/counts")
rm -f "$OUT/counts"
printf '\n%-46s %6s %8s %5s %10s %7s\n' "fault" "rounds" "messages" "lost" "duplicated" "time"
printf '%-46s %6s %8s %5s %10s %7s\n' "-----" "------" "--------" "----" "----------" "----"
while IFS='|' read -r f r m l d s; do
    printf '%-46s %6s %8s %5s %10s %6ss\n' "$f" "$r" "$m" "$l" "$d" "$s"
done < "$FAULT_FIGURES"
echo
echo "$passed passed, $failed failed in $(( $(date +%s) - t_all )) s"
[ "$failed" -eq 0 ]
