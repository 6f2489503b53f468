#!/bin/sh
# reload.sh — SIGHUP while the configuration file is broken:
#
#   sh tests/faults/reload.sh
#
#   FAULT_ROUNDS  rounds (default 5) of the three broken files below
#
# `redress daemon` runs on a good configuration; the file is replaced by
#   garbage   a group header, a line with an escape sequence and bytes that
#             are not UTF-8, a NUL byte, then 4 KB of random bytes,
#   missing   nothing (the file is gone),
#   bracket   the good file with a group header missing its ']' and a line
#             that is not 'key = value',
# and the daemon gets SIGHUP. Each time it must log that it keeps the old
# configuration, log every error in the file (both of bracket's, each with
# its line), write nothing but UTF-8 text without control characters to
# the log (no bytes of the garbage), keep running, and still store a complaint that arrives next.
# At the end a good file with a change is reloaded, and every complaint
# must be stored once and moved once.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
ROUNDS=${FAULT_ROUNDS:-5}
servers_start || skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
DB="$T/case.db"
C="$T/redress.conf"
write_conf "$C"
cp "$C" "$T/good.conf"
LOG="$T/log"
"$R" --config "$C" --db "$DB" daemon 2>"$LOG" &
DPID=$!
bg_pid "$DPID"
check "the daemon connects" until_true 30 grep -q 'connected=yes' "$LOG"
stored_ge() { test "$(sql "$DB" "select count(*) from messages where direction = 'in'")" -ge "$1"; }
# since MARK: the log after its first MARK lines.
since() { tail -n +"$(( $1 + 1 ))" "$LOG"; }
# printable MARK: the log since MARK is UTF-8 text without control
# characters (an escape sequence would reach the terminal or journal).
printable() {
    since "$1" > "$T/since"
    iconv -f UTF-8 -t UTF-8 "$T/since" >/dev/null 2>&1 && ! LC_ALL=C grep -q '[[:cntrl:]]' "$T/since"
}
t0=$(date +%s)
last=0
round=1
while [ "$round" -le "$ROUNDS" ]; do
    for kind in garbage missing bracket; do
        case "$kind" in
        garbage) { echo "[council]"; printf 'do\033[2Jmain\001\377 = x\n\000'; head -c 4096 /dev/urandom; } > "$C" ;;
        missing) rm -f "$C" ;;
        bracket) sed -e 's/^\[smtp\]$/[smtp/' "$T/good.conf" > "$C"
                 echo "this line is not a setting" >> "$C" ;;
        esac
        mark=$(wc -l < "$LOG")
        kill -HUP "$DPID"
        kept() { since "$mark" | grep -q 'still running with the old one'; }
        check "round $round, $kind: the daemon logs that it keeps the old configuration" until_true 10 kept
        case "$kind" in
        garbage) like "$(since "$mark")" "config: $C" "round $round, garbage: the error names the file" ;;
        missing) like "$(since "$mark")" "cannot read the configuration file" "round $round, missing: the error says the file cannot be read" ;;
        bracket)
            line=$(grep -n '^\[smtp$' "$C" | cut -d: -f1)
            like "$(since "$mark")" "$C:$line: group header is missing its closing ']'" "round $round, bracket: the missing ']' is logged with its line"
            like "$(since "$mark")" "$C:$(wc -l < "$C"): expected 'key = value'" "round $round, bracket: and so is the line that is not a setting"
            ;;
        esac
        check "round $round, $kind: the log holds only printable text" printable "$mark"
        check "round $round, $kind: the daemon is still running" kill -0 "$DPID"
        cp "$T/good.conf" "$C"
        last=$((last + 1))
        deliver "$MB" "$last" "$last"
        check "round $round, $kind: and still stores the next complaint" until_true 30 stored_ge "$last"
    done
    round=$((round + 1))
done
sed -e 's/^poll_interval = 1$/poll_interval = 2/' "$T/good.conf" > "$C"
mark=$(wc -l < "$LOG")
kill -HUP "$DPID"
reloaded() { since "$mark" | grep -q 'configuration reloaded'; }
check "a good file is then reloaded" until_true 10 reloaded
last=$((last + 1))
deliver "$MB" "$last" "$last"
check "and the daemon goes on storing" until_true 30 stored_ge "$last"
until_true 30 sh -c "test \$(ls '$MB/new' '$MB/cur' 2>/dev/null | grep -c '^[0-9]') = 0"
kill -TERM "$DPID"
wait "$DPID"
is "$?" "0" "the daemon stops with status 0"
bg_done "$DPID"
case_file_checks "$DB" "$last" "after broken reloads"
server_checks "$MB" "$last" "after broken reloads"
figure "corrupt configuration on SIGHUP" "$((ROUNDS * 3))" "$last" "$LOST" "$DUPS" "$(( $(date +%s) - t0 ))"
done_testing
