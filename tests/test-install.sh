#!/bin/sh
# test-install.sh — `make install` into a staging directory: every file in
# its place, the installed binary finds the installed templates, and the
# systemd unit is well formed and tightly sandboxed.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D="$T/root"

make -s install DESTDIR="$D" PREFIX=/usr >"$T/log" 2>&1
rc=$?
is "$rc" "0" "make install succeeds"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/log" | tail -n 20
for f in usr/bin/redress lib/systemd/system/redress.service \
         lib/systemd/system/redress-backup.service lib/systemd/system/redress-backup.timer \
         usr/lib/sysusers.d/redress.conf \
         usr/lib/tmpfiles.d/redress.conf usr/share/doc/redress/examples/redress.conf \
         usr/share/redress/templates/en/stage1-acknowledgement.txt \
         usr/share/redress/templates/cy/stage1-acknowledgement.txt \
         usr/share/redress/bank-holidays.json usr/share/man/man1/redress.1 \
         usr/share/man/man5/redress.conf.5 usr/share/bash-completion/completions/redress; do
    check "installed: /$f" test -f "$D/$f"
done
is "$(stat -c %a "$D/usr/bin/redress")" "755" "binary is executable"

# The installed binary, run from where it was installed, uses the
# installed templates (not the source tree's).
"$D/usr/bin/redress" --db "$T/x.db" ingest -q tests/fixtures/mail/01-new-complaint.eml
out=$("$D/usr/bin/redress" --db "$T/x.db" config check 2>/dev/null | sed -n 's/^  templates *//p')
is "$out" "$D/usr/bin/../share/redress/templates" "installed binary finds the installed templates"
like "$("$D/usr/bin/redress" --db "$T/x.db" letters preview stage1-acknowledgement CMP-2026-000001 --text)" \
     "CMP-2026-000001" "and writes letters with them"

U="$D/lib/systemd/system/redress.service"
is "$(grep '^ExecStart=' "$U")" "ExecStart=/usr/bin/redress --config /etc/redress/redress.conf daemon" "unit runs the installed binary"
# One place names the database: the configuration, which the units pass.
is "$(cat "$U" "$D/lib/systemd/system/redress-backup.service" | grep -c 'REDRESS_DB\|--db')" "0" \
   "the units name the configuration, not the database"
like "$(grep '^Type=' "$U")" "notify" "Type=notify"
B="$D/lib/systemd/system/redress-backup.service"
like "$(grep '^ExecStart=' "$B")" "/usr/bin/redress --config /etc/redress/redress.conf backup --keep 14 /var/lib/redress/backups" \
     "the backup unit runs the installed binary, keeping 14 dated copies"
like "$(grep '^Type=' "$B")" "oneshot" "the backup unit is a oneshot"
like "$(grep '^OnCalendar=' "$D/lib/systemd/system/redress-backup.timer")" "daily" "its timer runs it daily"
if command -v systemd-analyze >/dev/null 2>&1; then
    for unit in redress redress-backup; do
        exposure=$(systemd-analyze security --offline=yes "$D/lib/systemd/system/$unit.service" 2>/dev/null |
                   sed -n "s/.*Overall exposure level for $unit.service: \([0-9.]*\).*/\1/p")
        ok=$(awk -v e="${exposure:-99}" 'BEGIN { print (e <= 2.0) ? "yes" : "no" }')
        is "$ok" "yes" "$unit.service: systemd-analyze security exposure is low (got ${exposure:-none}, want <= 2.0)"
    done
else
    echo "ok $((_tap_n + 1)) # SKIP systemd-analyze not installed"
    _tap_n=$((_tap_n + 1))
fi

done_testing
