#!/bin/sh
# test-oracle.sh — the letters oracle (tests/oracle/oracle.py) on a fixed
# seed: complaints scripted through every path, profile, nation and
# language with the redress command line, and every letter that results
# checked against dates worked out independently of the C code (the
# received, reply-by, new and escalate-by dates, parsed back from the
# prose), for ISO dates, doubled words, empty variables and English in
# Welsh letters, and for the letter kinds each path should give. A larger
# run with more seeds and years is `make check-letters`.
set -u
cd "$(dirname "$0")/.."
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 is not installed (make deps installs it)"
    exit 0
fi
# 24 cases: each of the 14 paths at least once, all six profiles and three
# nations, a third of them in Welsh; about 35 s under ASan on two cores.
exec python3 -B tests/oracle/oracle.py --redress "$R" --seed "${RD_ORACLE_SEED:-12}" \
    --cases "${RD_ORACLE_CASES:-24}" --jobs "${RD_ORACLE_JOBS:-2}" --years 2026-2026
