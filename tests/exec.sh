#!/bin/bash
# exec.sh — how prove runs one test: shell scripts with sh, programs as is.
#
# GLib's TAP output says "Bail out!" when an assertion fails, which would
# make prove stop every later test file too; here it becomes a comment, so
# one failing file is reported as failed and the others still run. The TAP
# is also saved under $RD_TAP_LOG for the pass/fail count in run.sh.
set -o pipefail
log=/dev/null
if [ -n "${RD_TAP_LOG:-}" ]; then
    log="$RD_TAP_LOG/$(basename "$1").tap"
fi
case "$1" in
*.sh) cmd=(sh "$@") ;;
*) cmd=("$@") ;;
esac
"${cmd[@]}" | sed -u 's/^Bail out!/# Bail out!/' | tee "$log"
exit "${PIPESTATUS[0]}"
