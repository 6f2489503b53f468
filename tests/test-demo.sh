#!/bin/sh
# test-demo.sh — `make demo` keeps working: the live demo (real Dovecot and
# Postfix on 127.0.0.1, redress daemon) and the offline one, each to the
# end, with the steps a newcomer sees.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
export REDRESS_BIN="$PWD/$RD_BUILD/redress"
[ -x "$REDRESS_BIN" ] || { echo "Bail out! $REDRESS_BIN not built"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

sh examples/demo-offline.sh > "$T/offline" 2>&1
is "$?" "0" "offline demo runs to the end"
like "$(cat "$T/offline")" "10 letters written" "offline demo writes the letters (with the notice of the complainant writing again)"
like "$(cat "$T/offline")" "holding-reply" "offline demo shows the sweep"

if [ "$(id -u)" != 0 ]; then
    echo "ok 4 # SKIP the live demo needs root"
    echo "1..4"
    exit 0
fi
sh examples/demo.sh > "$T/live" 2>&1
rc=$?
is "$rc" "0" "live demo runs to the end"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/live" | tail -n 30
live=$(cat "$T/live")
for who in margaret.hughes d.okafor rhiannon.pryce alan.whitfield; do
    like "$live" "acknowledgement delivered to $who@public.test" "acknowledgement reached $who"
done
like "$live" "chief-executive" "the Chief Executive's mail is a case with its channel"
like "$live" "Stage 2 acknowledgement delivered" "the Stage 2 request got its acknowledgement"
like "$live" "Reply-To: complaints+cmp-2026-" "the citizen's letter carries the case's reply address"
like "$live" "redress daemon stopped cleanly" "the daemon stops cleanly"
check "nothing left running" sh -c "! pgrep -f '[r]edress-demo' >/dev/null"
done_testing
