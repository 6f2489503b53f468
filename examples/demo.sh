#!/bin/sh
# demo.sh — `make demo`: sample complaints in, cases out, offline.
#
# Ingests the messages under examples/mail/ into a fresh database, as if
# they had arrived in the council's mailboxes, and shows what redress made
# of them: the cases, one case file in full, and the triage list. Nothing
# leaves the machine. (Real mailboxes and letters by SMTP come with the
# mail I/O work; see README.md.)
set -eu
cd "$(dirname "$0")/.."
R=build/redress
D=$(mktemp -d /tmp/redress-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
export REDRESS_DB="$D/redress.db"
unset REDRESS_CONFIG

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Mail to the Chief Executive's mailbox"
$R ingest --verbose --mailbox chief-executive --received-at header examples/mail/chief-executive
step "Mail to the complaints mailbox"
$R ingest --verbose --mailbox complaints --received-at header examples/mail/complaints
step "The same mailbox again (nothing is stored twice)"
$R ingest --mailbox complaints examples/mail/complaints
step "Cases"
$R cases
step "One case file: CMP-2026-000002"
$R show CMP-2026-000002
step "Triage: messages a person must place"
$R triage
step "Done"
echo "The database was $REDRESS_DB (removed now). Run the same commands on your own"
echo "mail with: build/redress --db my.db ingest PATH; build/redress --db my.db cases"
