#!/bin/sh
# run.sh — run libFuzzer targets one after the other, each for SECONDS.
#
#   sh tests/fuzz/run.sh [-b] SECONDS TARGET...
#
# Targets must be built first (make fuzz-build). Each runs alone, at the
# lowest priority, in one process (no -jobs/-workers): the machine is
# shared. Its corpus grows in build-fuzz/corpus/TARGET/, seeded from the
# hand-made seeds, the target's regression inputs, the project's examples
# and fixtures (tests/fixtures for messages, tests/fixtures/relay for
# relay) and, for messages, ../shared/corpus when it exists (read in
# place, never copied into the project). Crashes are saved in
# build-fuzz/crashes/TARGET/, the log in build-fuzz/logs/TARGET.log, and
# one line per run is added to build-fuzz/runs.tsv (date, target,
# seconds taken, executions, result) for the table in tests/fuzz/README.md.
#
# -b (brief, for `make test`): a fresh corpus of seeds and regressions
# only, so that a run of a few seconds fuzzes rather than loads.
#
# FUZZ_MAX_LEN overrides the largest input tried (4096 bytes; holidays
# and relay 16384, messages 65536).
#
# Prints "TARGET: N executions in S s, ok" or "..., CRASH: FILE" per
# target; exits 1 if any target crashed.
set -u
cd "$(dirname "$0")/../.."
brief=0
if [ "${1:-}" = "-b" ]; then
    brief=1
    shift
fi
seconds=${1:?usage: run.sh [-b] SECONDS TARGET...}
shift
B=build-fuzz
mkdir -p "$B/logs"
# As `make test` runs the sanitised tests: GLib's slice allocator off so
# LeakSanitizer sees real frees.
export G_SLICE=always-malloc G_DEBUG=gc-friendly
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
status=0
for t in "$@"; do
    case "$t" in
    templates) prefix=template- ;;
    *) prefix=$t- ;;
    esac
    if [ "$brief" -eq 1 ]; then
        corpus=$(mktemp -d "${TMPDIR:-/tmp}/redress-fuzz-$t.XXXXXX")
    else
        corpus=$B/corpus/$t
        mkdir -p "$corpus"
    fi
    crashes=$B/crashes/$t
    mkdir -p "$crashes"
    # Regression inputs join the corpus (libFuzzer takes directories).
    for f in tests/fuzz/regressions/"$prefix"*; do
        [ -f "$f" ] && cp "$f" "$corpus/"
    done
    extra=""
    max_len=4096
    case "$t" in
    message)
        max_len=65536
        extra="tests/fixtures"
        [ "$brief" -eq 0 ] && [ -d ../shared/corpus ] && extra="$extra ../shared/corpus"
        ;;
    relay)
        max_len=16384
        extra="tests/fixtures/relay"
        ;;
    config) cp examples/redress.conf "$corpus/" ;;
    holidays) max_len=16384; cp examples/bank-holidays.json "$corpus/" ;;
    templates)
        for f in templates/letters/en/*.txt; do
            [ -f "$f" ] && cp "$f" "$corpus/"
        done
        ;;
    esac
    max_len=${FUZZ_MAX_LEN:-$max_len}
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    before=$(ls "$crashes" | wc -l)
    log=$B/logs/$t.log
    start=$(date +%s)
    # shellcheck disable=SC2086
    nice -n 19 "$B/fuzz-$t" -max_total_time="$seconds" -max_len="$max_len" \
        -timeout=30 -print_final_stats=1 -artifact_prefix="$crashes/" $dict \
        "$corpus" tests/fuzz/seeds/"$t" $extra >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    [ -n "$execs" ] || execs=0
    result=ok
    if [ "$rc" -ne 0 ] || [ "$(ls "$crashes" | wc -l)" -ne "$before" ]; then
        result="CRASH: $(ls -t "$crashes" | head -1) (see $log)"
        status=1
    fi
    echo "$t: $execs executions in $elapsed s (${secs:-0}/s), $result"
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M)" "$t" "$elapsed" "$execs" \
        "$result" >>"$B/runs.tsv"
    [ "$brief" -eq 1 ] && rm -rf "$corpus"
done
exit "$status"
