#!/bin/sh
# test-logged.sh — end to end with the real servers (Postfix, Dovecot) and a
# real mail client (s-nail):
#   1. a complaint sent with s-nail with a photo and a PDF attached is
#      fetched; `redress attachment ID --out` gives back the very files and
#      `redress message ID --raw` the message as Dovecot holds it;
#   2. `redress case new` logs a phone complaint with an email address (the
#      acknowledgement reaches their mailbox) and one without (the letter
#      reaches the complaints manager FOR POSTING);
#   3. a complaint sent in by a council officer (a forward taken for a
#      complaint) is corrected with `redress case REF complainant`: the
#      acknowledgement queued to the officer is withdrawn and the
#      complainant gets one at their own address;
#   4. the complainant replies with s-nail to the acknowledgement of a case
#      since closed: the mail is fetched onto the case, waits in triage,
#      and the manager's notice arrives with the photo attached;
#   5. an auto-responder without RFC 3834 headers sends the same mail
#      twice: the second waits in triage as a possible loop.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v s-nail >/dev/null 2>&1 || skip_all "s-nail is not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
T=$(mktemp -d /tmp/rd-logged.XXXXXX)
M="$T/servers"
chmod 711 "$T"
trap 'bash tests/mailservers.sh stop "$M" >/dev/null 2>&1; rm -rf "$T"' EXIT
env_lines=$(bash tests/mailservers.sh start "$M" 2>"$T/start.err") || {
    sed 's/^/# /' "$T/start.err"
    skip_all "the mail servers would not start"
}
eval "$env_lines"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
CB="$MAIL_ROOT/complainant@$PUBLIC_DOMAIN/Maildir"
ALL="$MAIL_ROOT/catchall@$MAIL_DOMAIN/Maildir"
count() { find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l; }
# wait_mail MAILDIR N: delivery is asynchronous.
wait_mail() { until_true 20 sh -c "[ \$(find '$1/new' '$1/cur' -type f 2>/dev/null | wc -l) -ge $2 ]"; }
# The files of MAILDIR whose headers match the extended regex.
with_header() { grep -lE "$2" "$1"/new/* "$1"/cur/* 2>/dev/null; }

printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
cat > "$C" <<EOF
[council]
name = Example Council
domain = $MAIL_DOMAIN
complaints_manager = manager@$MAIL_DOMAIN
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
envelope_from = complaints@$MAIL_DOMAIN
timeout = 10
EOF
RC() { "$R" --config "$C" "$@"; }

# ---- 1. attachments and the raw message ------------------------------------------
head -c 5000 /dev/urandom > "$T/tip.jpg"
printf '%%PDF-1.4\n%s\n' "a letter from the landlord" > "$T/landlord.pdf"
printf 'The fly-tip behind the library is back. Photos and the landlord'"'"'s letter attached.\n' |
    s-nail -#:/ -S v15-compat -S nosave -S "mta=smtp://127.0.0.1:$SMTP_PORT" -S smtp-auth=none \
        -S "from=Jane Citizen <complainant@$PUBLIC_DOMAIN>" \
        -a "$T/tip.jpg" -a "$T/landlord.pdf" -s "Fly-tipping again" "complaints@$MAIL_DOMAIN"
is "$?" "0" "s-nail sends the complaint with two attachments"
wait_mail "$MB" 1
RC fetch -q 2>"$T/fetch1.err"
is "$?" "0" "the complaint is fetched"
REF1=$(sql "select reference from cases where summary = 'Fly-tipping again'")
like "$REF1" "CMP-" "it opened a case"
json=$(RC show "$REF1" --attachments --json)
is "$(printf '%s' "$json" | jq -r '[.attachments[].filename] | sort | join(",")')" "landlord.pdf,tip.jpg" \
   "show --attachments lists both files"
A_JPG=$(printf '%s' "$json" | jq -r '.attachments[] | select(.filename == "tip.jpg") | .id')
A_PDF=$(printf '%s' "$json" | jq -r '.attachments[] | select(.filename == "landlord.pdf") | .id')
RC -q attachment "$A_JPG" --out "$T/got.jpg"
check "the photo comes back as it was sent" cmp "$T/tip.jpg" "$T/got.jpg"
RC -q attachment "$A_PDF" --out "$T/got.pdf"
check "so does the PDF" cmp "$T/landlord.pdf" "$T/got.pdf"
MSG1=$(printf '%s' "$json" | jq -r '.attachments[0].message')
RC message "$MSG1" --raw --out "$T/raw.eml"
held=$(grep -l "Fly-tipping again" "$MB"/.Processed/cur/* "$MB"/.Processed/new/* 2>/dev/null | head -n 1)
check "the message as Dovecot holds it is in Processed" test -n "$held"
# IMAP gives messages with CRLF line ends; Dovecot's Maildir keeps LF.
tr -d '\r' < "$T/raw.eml" > "$T/raw.lf"
check "message ID --raw gives it as IMAP delivered it (the Maildir file, with CRLF line ends)" cmp "$held" "$T/raw.lf"
is "$(grep -c "$(printf '\r')\$" "$T/raw.eml")" "$(wc -l < "$T/raw.eml" | tr -d ' ')" "every line of it ends in CRLF"

# ---- 2. complaints made by phone ---------------------------------------------------
out=$(RC case new --name "Rhiannon Price" --email "complainant@$PUBLIC_DOMAIN" --phone "01554 777000" \
      --channel phone --summary "Missed bin collections on Heol y Nant" --received-at 2026-12-04T16:00:00Z)
is "$?" "0" "case new with an email address exits 0"
REF2=$(printf '%s\n' "$out" | sed -n 's/^\(CMP-[0-9-]*\):.*/\1/p' | head -n 1)
like "$REF2" "CMP-" "and names the case"
like "$out" "stage1-acknowledgement to complainant@$PUBLIC_DOMAIN" "the acknowledgement is queued to them"
is "$(RC show "$REF2" --json | jq -r '.case.channel')" "phone" "the case's channel is phone"
is "$(RC show "$REF2" --json | jq -r '.stages[0].received')" "2026-12-04" \
   "the clock counts from when the council had it"
like "$(RC show "$REF2" --json | jq -r '.events[] | select(.type == "logged-complaint") | .detail')" \
     "Telephone: 01554 777000" "the telephone number is on the case journey"

out=$(RC case new --name "Dai Morgan" --address "2 Stryd Fawr, Llanelli SA15 1AA" --channel letter \
      --summary "Street light out for a month")
is "$?" "0" "case new without email exits 0 (with a postal address)"
REF3=$(printf '%s\n' "$out" | sed -n 's/^\(CMP-[0-9-]*\):.*/\1/p' | head -n 1)
like "$out" "stage1-acknowledgement to manager@$MAIL_DOMAIN" "its acknowledgement goes to the manager to post"
RC case new --name "No Way" --channel phone --summary "Something" 2>"$T/err"
is "$?" "1" "without email or postal address: refused"
like "$(cat "$T/err")" "give --email or --address" "saying what to give"
is "$(sql "select count(*) from cases")" "3" "and no case was opened"

# ---- 3. a complaint sent in by an officer, corrected -------------------------------
printf 'From: Pat Clerk <pat.clerk@%s>\r\nTo: complaints@%s\r\nSubject: Noise from the depot\r\nMessage-ID: <officer-1@%s>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nA resident, Mr Ellis, rang about lorries at 5am.\r\n' \
    "$MAIL_DOMAIN" "$MAIL_DOMAIN" "$MAIL_DOMAIN" > "$T/officer.eml"
curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "pat.clerk@$MAIL_DOMAIN" \
     --mail-rcpt "complaints@$MAIL_DOMAIN" --upload-file "$T/officer.eml"
wait_mail "$MB" 1
RC fetch -q 2>"$T/fetch2.err"
REF4=$(sql "select reference from cases where summary = 'Noise from the depot'")
like "$REF4" "CMP-" "the officer's mail opened a case"
is "$(sql "select to_addr from outbox o join cases c on c.id = o.case_id where c.reference = '$REF4' and kind = 'stage1-acknowledgement'")" \
   "pat.clerk@$MAIL_DOMAIN" "its acknowledgement is queued to the officer"
out=$(RC case "$REF4" complainant "Gareth Ellis <complainant@$PUBLIC_DOMAIN>")
is "$?" "0" "case REF complainant exits 0"
like "$out" "withdrawn before it went" "the officer's acknowledgement is withdrawn"
like "$out" "letter queued: stage1-acknowledgement" "and a new one queued"
is "$(RC show "$REF4" --json | jq -r '.case.complainant_email // .case.complainant')" "complainant@$PUBLIC_DOMAIN" \
   "the case's complainant is corrected"
like "$(RC show "$REF4" --json | jq -r '.events[] | select(.type == "complainant-corrected") | .detail')" \
     "(was Pat Clerk <pat.clerk@$MAIL_DOMAIN>)" "an event records who it was before"

before_all=$(count "$ALL")
RC outbox send -q 2>"$T/send.err"
is "$?" "0" "outbox send exits 0"
wait_mail "$CB" 3     # the fly-tip's acknowledgement, the phone complaint's, the corrected one
is "$(with_header "$CB" "^Subject:.*$REF2" | wc -l)" "1" "the phone complainant's acknowledgement arrives"
is "$(with_header "$CB" "^Subject:.*$REF4" | wc -l)" "1" "the corrected complainant's acknowledgement arrives"
f=$(with_header "$CB" "^Subject:.*$REF4" | head -n 1)
like "$(tr -d '\r' < "$f")" "Dear Gareth Ellis" "addressed to them by name"
wait_mail "$ALL" $((before_all + 1))
check "the letter for posting reaches the manager" sh -c "grep -l 'FOR POSTING' '$ALL'/new/* | xargs grep -l '$REF3' >/dev/null"
check "nothing reaches the officer" sh -c "! grep -l '^Delivered-To: pat.clerk@' '$ALL'/new/* '$ALL'/cur/* 2>/dev/null | grep -q ."

# ---- 4. a reply from a mail client on a closed case ----------------------------------
RC case "$REF1" respond --outcome not-upheld >/dev/null
ack1=$(with_header "$CB" "^Subject:.*$REF1" | head -n 1)
mkdir -p "$T/one/cur" "$T/one/new" "$T/one/tmp"
cp "$ack1" "$T/one/cur/1:2,S"
head -c 3000 /dev/urandom > "$T/again.jpg"
{ printf 'Reply 1\n'; printf '~@ %s\n' "$T/again.jpg"; printf 'The rubbish is back, worse than before.\n'; printf '~.\n'; } |
    s-nail -#:/ -S v15-compat -S nosave -S "mta=smtp://127.0.0.1:$SMTP_PORT" -S smtp-auth=none \
        -S "from=Jane Citizen <complainant@$PUBLIC_DOMAIN>" -S reply-to-honour=yes -R -S errexit -f "$T/one" >/dev/null 2>&1
is "$?" "0" "s-nail replies to the acknowledgement, with a photo"
before=$(sql "select count(*) from messages")
until_true 20 sh -c "[ \$(find '$MB/new' '$MB/cur' -type f 2>/dev/null | wc -l) -ge 1 ]"
RC fetch -q 2>"$T/fetch3.err"
is "$(sql "select c.reference||' '||m.kind from messages m join cases c on c.id = m.case_id order by m.id desc limit 1")" \
   "$REF1 correspondence" "the reply is filed on its closed case"
like "$(RC triage)" "Written on $REF1 after it was closed" "and waits in triage"
before_all=$(count "$ALL")
RC outbox send -q 2>>"$T/send.err"
wait_mail "$ALL" $((before_all + 1))
note=$(grep -l "wrote on complaint $REF1" "$ALL"/new/* 2>/dev/null | head -n 1)
check "the manager's notice arrives" test -n "$note"
got=$(python3 -B -c '
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
for p in m.iter_attachments():
    sys.stdout.buffer.write(p.get_content())
' "$note" 2>/dev/null | cmp - "$T/again.jpg" >/dev/null 2>&1 && echo same)
is "$got" "same" "with the complainant's photo attached, byte for byte"

# ---- 5. an auto-responder that repeats itself ------------------------------------------
for k in 1 2; do
    printf 'From: Robot <robot@%s>\r\nTo: complaints@%s\r\nSubject: Thank you for contacting us\r\nMessage-ID: <robot-%s@%s>\r\n\r\nYour message has been received and will be dealt with shortly.\r\n' \
        "$PUBLIC_DOMAIN" "$MAIL_DOMAIN" "$k" "$PUBLIC_DOMAIN" > "$T/robot$k.eml"
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "robot@$PUBLIC_DOMAIN" \
         --mail-rcpt "complaints@$MAIL_DOMAIN" --upload-file "$T/robot$k.eml"
    wait_mail "$MB" 1
    RC fetch -q 2>>"$T/fetch4.err"
done
is "$(sql "select count(*) from cases c join people p on p.id = c.complainant_id where p.email = 'robot@$PUBLIC_DOMAIN'")" "1" \
   "the auto-responder's second identical mail opens no case"
like "$(RC triage)" "Possible automatic loop: the same subject and text came from robot@$PUBLIC_DOMAIN" "it waits in triage, saying why"

done_testing
