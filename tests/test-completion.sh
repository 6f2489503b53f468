#!/bin/sh
# test-completion.sh — the bash completion (completion/redress) as bash
# runs it: subcommands, a command's options, sub-actions, case actions,
# mailbox roles, letter kinds, and case references read from the
# database named on the command line (and none when it cannot be read).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || skip_all "bash-completion not installed (make deps)"
command -v bash >/dev/null 2>&1 || skip_all "no bash"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset REDRESS_DB REDRESS_CONFIG

"$R" --db "$T/c.db" ingest -q --received-at 2026-11-20T10:00:00Z \
    tests/fixtures/mail/01-new-complaint.eml tests/fixtures/mail/07-ce-complaint.eml >/dev/null 2>&1

# complete WORD... : what bash offers for the last word (one per line, sorted).
complete_() {
    bash -c '. "$1"; . completion/redress; shift
             COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
             _redress; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$BC" "$@" 2>&1
}
one_line() { tr '\n' ' ' | sed 's/ $//'; }

is "$(complete_ "$R" "" | grep -c .)" "$(sed -n 's/^\t{ "[a-z]*", *rd_cmd_.*/x/p' daemon/cli/main.c | grep -c .)" "every subcommand of main.c's table"
like "$(complete_ "$R" "" | one_line)" "daemon export fetch holidays ingest" "the subcommands by name"
is "$(complete_ "$R" st | one_line)" "staff status" "a subcommand from its first letters"
is "$(complete_ "$R" --d | one_line)" "--db" "a global option"
like "$(complete_ "$R" ingest -- | one_line)" "--mailbox --no-letters --quiet --received-at --verbose" "ingest's options (and the global ones)"
is "$(complete_ "$R" ingest --mailbox "" | one_line)" "chief-executive complaints monitoring-officer stage2" "mailbox roles"
is "$(complete_ "$R" outbox "" | one_line)" "flush list send" "outbox's actions"
is "$(complete_ "$R" outbox flush --t | one_line)" "--to" "outbox flush's own option"
like "$(complete_ "$R" case new --s | one_line)" "--service --summary" "case new's options"
is "$(complete_ "$R" --db "$T/c.db" show "" | one_line)" "CMP-2026-000001 CMP-2026-000002" "case references from the database on the command line"
is "$(complete_ "$R" --db "$T/c.db" case CMP-2026-000001 "" | grep -c .)" "17" "the case actions, from redress case --help (no-contact, hold and release too)"
like "$(complete_ "$R" --db "$T/c.db" case CMP-2026-000001 "" | one_line)" "assign cause close complainant escalate" "case actions by name"
is "$(complete_ "$R" --db "$T/c.db" case CMP-2026-000001 language "" | one_line)" "cy en" "a case's languages"
is "$(complete_ "$R" letters preview "" | grep -c .)" "$(ls templates/letters/en/*.subject | grep -c .)" "every letter kind, from the templates"
like "$(complete_ "$R" letters preview "" | one_line)" "stage1-acknowledgement stage2-acknowledgement" "letter kinds by name"
is "$(complete_ "$R" --db "$T/c.db" letters preview holding-reply CMP-2026-00000 | one_line)" "CMP-2026-000001 CMP-2026-000002" "then a reference"
is "$(complete_ "$R" --db "$T/c.db" export --case "" | one_line)" "CMP-2026-000001 CMP-2026-000002" "export --case: a reference"
is "$(complete_ "$R" --db "$T/none.db" show "" | one_line)" "" "no database: no references, no error"
is "$(complete_ "$R" report --set "" | one_line)" "all hos lgsco reg18 spso" "report sets"
done_testing
