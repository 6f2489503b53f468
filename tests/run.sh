#!/bin/sh
# run.sh — run every test program and script under prove (TAP).
#
# C tests are $RD_BUILD/tests/test-*, shell tests are tests/test-*.sh. prove
# prints the per-file results and its summary; this script then adds the
# plain "N passed, N failed, N skipped" line, counted from the TAP itself.
set -u
cd "$(dirname "$0")/.."
: "${RD_BUILD:=build-asan}"
export RD_BUILD
files=""
for t in "$RD_BUILD"/tests/test-*; do
    [ -x "$t" ] && files="$files $t"
done
for t in tests/test-*.sh; do
    [ -f "$t" ] && files="$files $t"
done
RD_TAP_LOG=$(mktemp -d)
export RD_TAP_LOG
# shellcheck disable=SC2086
prove --exec 'bash tests/exec.sh' --timer $files
status=$?
passed=$(cat "$RD_TAP_LOG"/*.tap 2>/dev/null | grep -E '^ok ' | grep -vc '# SKIP')
skipped=$(cat "$RD_TAP_LOG"/*.tap 2>/dev/null | grep -cE '^ok .*# SKIP|^1\.\.0 # SKIP')
failed=$(cat "$RD_TAP_LOG"/*.tap 2>/dev/null | grep -cE '^not ok ')
rm -rf "$RD_TAP_LOG"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A test program crashed or broke its plan without a "not ok".
    failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
