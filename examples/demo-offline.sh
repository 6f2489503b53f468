#!/bin/sh
# demo-offline.sh — the demo without mail servers (no root, or the servers
# cannot start): sample complaints in from files, cases, deadlines and
# letters out to a folder.
#
# Ingests the messages under examples/mail/ into a fresh database, as if
# they had arrived in the council's mailboxes, and shows what redress made
# of them: the cases with their deadlines, the acknowledgements written to
# a folder (one shown as the citizen sees it), a deadline sweep three weeks
# later, one case file in full, and the triage list. Nothing leaves the
# machine: letters go to a folder here (examples/demo.sh, the live demo,
# fetches by IMAP and sends by SMTP through its own local mail servers).
set -eu
cd "$(dirname "$0")/.."
R="${REDRESS_BIN:-build/redress}"
D=$(mktemp -d /tmp/redress-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
export REDRESS_DB="$D/redress.db"
# A small council: its name, the office copies and the complaints manager.
cat > "$D/redress.conf" <<'CONF'
[council]
name = Kingsbridge Borough Council
phone = 01632 960000
website = https://www.kingsbridge.example/complaints
complaints_manager = complaints.manager@kingsbridge.example
[mailbox:complaints]
address = complaints@kingsbridge.example
[mailbox:chief-executive]
address = chief.executive@kingsbridge.example
copy_to = ceo.office@kingsbridge.example
[calendar]
nation = england-and-wales
bank_holidays = examples/bank-holidays.json
CONF
export REDRESS_CONFIG="$D/redress.conf"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Mail to the Chief Executive's mailbox"
$R ingest --verbose --mailbox chief-executive --received-at header examples/mail/chief-executive
step "Mail to the complaints mailbox"
$R ingest --verbose --mailbox complaints --received-at header examples/mail/complaints
step "The same mailbox again (nothing is stored twice)"
$R ingest --mailbox complaints examples/mail/complaints
step "Cases"
$R cases
step "Letters written (acknowledgements, the Chief Executive referral, notices)"
$R outbox flush --to "$D/letters" --now 2026-11-19T09:35:00Z
step "The acknowledgement Margaret Hughes receives (text part)"
$R letters preview stage1-acknowledgement CMP-2026-000002 --text
step "30 November: the daily deadline sweep (no response recorded yet)"
$R sweep --now 2026-11-30T09:00:00Z
step "16 December: cases overdue even after the holding replies"
$R sweep --quiet --now 2026-12-16T09:00:00Z
$R cases --overdue --now 2026-12-16T09:00:00Z
step "One case file: CMP-2026-000002"
$R show CMP-2026-000002
step "Triage: messages a person must place"
$R triage
step "Done"
echo "The database was $REDRESS_DB (removed now). Run the same commands on your own"
echo "mail with: build/redress --db my.db ingest PATH; build/redress --db my.db cases"
