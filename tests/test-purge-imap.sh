#!/bin/sh
# test-purge-imap.sh — [retention] purge_mailbox_copies against a real
# Dovecot and Postfix on 127.0.0.1 (tests/mailservers.sh): complaints
# fetched over IMAPS (moved to Processed) and their letters sent by SMTP
# (copied to the Sent folder); a purge expunges the purged case's copies
# from both folders, by Message-ID, and leaves the held case's; with the
# IMAP server down the database purge still happens, the copies wait in
# purge_copies, and the next purge expunges them.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d)
D=$(mktemp -d /tmp/rd-purge.XXXXXX)
trap 'bash tests/mailservers.sh stop "$D" >/dev/null 2>&1; rm -rf "$D" "$T"' EXIT
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
C="$T/redress.conf"
cat > "$C" <<EOF
[redress]
log_level = info
[council]
name = Testshire Council
domain = $MAIL_DOMAIN
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
timeout = 10
sent_mailbox = complaints
sent_folder = Sent Letters
[retention]
keep_for = 6y
purge_mailbox_copies = true
EOF
RR() { "$R" --config "$C" "$@" 2>>"$T/log"; }
count() { ls "$1/cur" "$1/new" 2>/dev/null | grep -c '^[0-9]'; }
# holding DIR TEXT: how many messages of the folder contain TEXT.
holding() { n=0; for f in "$1"/cur/* "$1"/new/*; do [ -f "$f" ] && grep -q -F -- "$2" "$f" && n=$((n + 1)); done; echo "$n"; }
PROC="$MB/.Processed"
SENT="$MB/.Sent Letters"

# complain ID NAME: one complaint by SMTP, fetched and filed.
complain() {
    printf 'From: %s <%s@public.test>\r\nTo: complaints@%s\r\nSubject: Complaint %s\r\nMessage-ID: <%s@public.test>\r\n\r\nMy complaint, from %s.\r\n' \
        "$2" "$1" "$MAIL_DOMAIN" "$1" "$1" "$2" > "$T/$1.eml"
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$1@public.test" \
         --mail-rcpt "complaints@$MAIL_DOMAIN" --upload-file "$T/$1.eml"
    until_true 10 sh -c "ls '$MB/new' '$MB/cur' 2>/dev/null | grep -q ."
    RR fetch >/dev/null
}
complain gone1 "Gwen Gone"
complain kept2 "Kit Kept"
complain late3 "Lou Later"
is "$(sql "select count(*) from cases")" "3" "three complaints fetched over IMAPS"
is "$(count "$PROC")" "3" "and moved to Processed"
A=$(sql "select c.reference from cases c join people p on p.id = c.complainant_id where p.email = 'gone1@public.test'")
B=$(sql "select c.reference from cases c join people p on p.id = c.complainant_id where p.email = 'kept2@public.test'")
L=$(sql "select c.reference from cases c join people p on p.id = c.complainant_id where p.email = 'late3@public.test'")
for ref in $A $B $L; do
    RR case "$ref" respond --outcome upheld >/dev/null
done
RR outbox send >/dev/null
is "$(sql "select count(*) from outbox where status = 'sent' and sent_copy = 'done'")" \
   "$(sql "select count(*) from outbox")" "every letter sent, with its copy in the Sent folder"
sent_a=$(holding "$SENT" "$A")
check "the purged case's letters are in the Sent folder" test "$sent_a" -gt 0
sent_b=$(holding "$SENT" "$B")
RR case "$B" hold --reason "Insurance claim" >/dev/null

# Seven years on, the IMAP server up: Gwen's mail and letters go, Lou's is
# purged later (below), Kit's stays (held).
q_later=$(sql "select id from cases where reference = '$L'")
sql "update stages set closed = '2099-01-01', responded = '2099-01-01', response_sent = '2099-01-01' where case_id = $q_later"
out=$(RR purge --now 2034-01-01T12:00:00Z)
is "$?" "0" "purge"
like "$out" "purged 1 case" "one case purged"
like "$out" "mailbox copies: $((1 + sent_a)) expunged, 0 left" "its copies expunged: the mail and every letter"
is "$(holding "$PROC" "gone1@public.test")" "0" "the purged complaint is gone from Processed"
is "$(holding "$PROC" "kept2@public.test")" "1" "the held case's complaint is still there"
is "$(holding "$PROC" "late3@public.test")" "1" "and the case within its period"
is "$(holding "$SENT" "$A")" "0" "the purged case's letters are gone from the Sent folder"
is "$(holding "$SENT" "$B")" "$sent_b" "the held case's letters are not"
is "$(sql "select count(*) from purge_copies")" "0" "no copy left to expunge"
like "$(cat "$T/log")" "purge copies expunged=$((1 + sent_a)) messages=$((1 + sent_a)) left=0" "the expunge is logged with counts"

# The IMAP server down: the database purge still happens, the copies wait.
sql "update stages set closed = '2020-01-01', responded = '2020-01-01', response_sent = '2020-01-01' where case_id = $q_later"
bash tests/mailservers.sh stop-imap "$D" >/dev/null 2>&1
out=$(RR purge --now 2034-01-02T12:00:00Z)
is "$?" "0" "purge with the IMAP server down"
like "$out" "purged 1 case" "the database purge is done"
like "$out" "expunged, $(sql "select count(*) from purge_copies") left for the next purge" "the copies are left for later"
check "some copies wait" test "$(sql "select count(*) from purge_copies")" -gt 0
check "with the reason" test -n "$(sql "select last_error from purge_copies limit 1")"
is "$(holding "$PROC" "late3@public.test")" "1" "the mail is still on the server"
bash tests/mailservers.sh start-imap "$D" >/dev/null 2>&1
out=$(RR purge --now 2034-01-03T12:00:00Z)
like "$out" "purged 0 cases" "the next purge has no case to purge"
like "$out" "0 left for the next purge" "but expunges the copies that waited"
is "$(holding "$PROC" "late3@public.test")" "0" "the mail is gone from Processed"
is "$(holding "$SENT" "$L")" "0" "and its letters from the Sent folder"
is "$(sql "select count(*) from purge_copies")" "0" "nothing left waiting"
is "$(holding "$PROC" "kept2@public.test")" "1" "the held case's mail is untouched throughout"

done_testing
