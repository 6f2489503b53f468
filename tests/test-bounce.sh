#!/bin/sh
# test-bounce.sh — a letter that bounces, end to end with the real servers:
# a complaint from an address Postfix accepts and then cannot deliver to
# ($BOUNCE_ADDR: its error transport writes a real DSN to the envelope
# sender, the complaints mailbox here); `redress fetch` reads the report
# and marks the acknowledgement bounced with Postfix's status and
# diagnostic, says on the case that the complaint has NOT been
# acknowledged, and queues one alert to the complaints manager;
# `redress show --json` gives every letter's delivery state (a letter
# put off with a 4xx is deferred, with the reason).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
T=$(mktemp -d /tmp/rd-bounce.XXXXXX)
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
inbox() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
wait_inbox() {   # wait_inbox MAILDIR N: delivery is asynchronous
    i=0
    while [ "$(inbox "$1")" -lt "$2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
cat > "$C" <<EOF
[council]
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

# 1. A complaint from an address that will bounce.
printf 'From: Gone Away <%s>\r\nTo: complaints@%s\r\nSubject: Fly-tipping in the lane\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <bounce-1@public.test>\r\n\r\nThere is rubbish dumped in the lane behind the shops.\r\n' \
    "$BOUNCE_ADDR" "$MAIL_DOMAIN" > "$T/c.eml"
curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$BOUNCE_ADDR" \
     --mail-rcpt "complaints@$MAIL_DOMAIN" --upload-file "$T/c.eml"
wait_inbox "$MB" 1
"$R" --config "$C" fetch -q 2>"$T/fetch1.err"
is "$?" 0 "the complaint is fetched"
REF=$(sql "select reference from cases")
like "$REF" "CMP-" "it opened a case"
state() { "$R" --config "$C" show --json "$REF" | jq -r "$1"; }
is "$(state '.letters[] | select(.kind=="stage1-acknowledgement") | .status')" "queued" \
   "the acknowledgement is queued before it is sent"

# 2. Postfix takes the acknowledgement (250), then bounces it.
"$R" --config "$C" outbox send -q 2>"$T/send.err"
is "$?" 0 "outbox send exits 0"
is "$(state '.letters[] | select(.kind=="stage1-acknowledgement") | .status')" "sent" "the acknowledgement is sent"
like "$(state '.letters[] | select(.kind=="stage1-acknowledgement") | .server_reply')" "250" \
     "the server's reply is kept with the sent letter"
wait_inbox "$MB" 1
i=0
until [ "$(inbox "$MB")" -ge 1 ] && grep -qil "report-type=delivery-status" "$MB"/new/* 2>/dev/null || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1))
done
ok_dsn=0
grep -qil "report-type=delivery-status" "$MB"/new/* 2>/dev/null && ok_dsn=1
is "$ok_dsn" 1 "Postfix mailed a delivery status notification to the envelope sender"

# 3. The report is read like any mail and marks the letter.
"$R" --config "$C" fetch -q 2>"$T/fetch2.err"
is "$?" 0 "the report is fetched"
ack='.letters[] | select(.kind=="stage1-acknowledgement")'
is "$(state "$ack | .status")" "bounced" "the acknowledgement is marked bounced"
is "$(state "$ack | .bounce.status")" "5.1.1" "with the DSN status"
like "$(state "$ack | .bounce.diagnostic")" "Mailbox unavailable (redress test bounce)" \
     "and Postfix's diagnostic"
like "$(state '.messages[-1].kind')" "bounce" "the report is a message of kind bounce on the case"
ev=$(state '.events[] | select(.type=="letter-bounced") | .detail')
like "$ev" "stage1-acknowledgement sent to $BOUNCE_ADDR" "an event names the letter and the address"
like "$ev" "NOT been acknowledged" "and says the complaint has not been acknowledged"
is "$(state '[.letters[] | select(.kind=="staff-letter-failed" and .to=="manager@'"$MAIL_DOMAIN"'")] | length')" "1" \
   "one alert is queued to the complaints manager"

# 4. The alert goes out; a second fetch changes nothing.
"$R" --config "$C" outbox send -q 2>>"$T/send.err"
is "$(state '.letters[] | select(.kind=="staff-letter-failed") | .status')" "sent" "the alert is sent"
"$R" --config "$C" fetch -q 2>>"$T/fetch2.err"
is "$(state '[.letters[] | select(.kind=="staff-letter-failed")] | length')" "1" "no second alert"
is "$(sql "select count(*) from outbox where bounced_at is not null")" "1" "exactly one letter is marked bounced"

# 5. The text view says it too.
out=$("$R" --config "$C" show "$REF")
is "$(printf '%s\n' "$out" | grep -c 'stage1-acknowledgement *bounced')" 1 "redress show lists the letter as bounced"
like "$out" "bounced: 5.1.1" "with its status"

# 6. A letter the server puts off (4xx) is "deferred", with the reason.
printf 'From: Busy Person <%s>\r\nTo: complaints@%s\r\nSubject: Potholes\r\nDate: Fri, 04 Dec 2026 11:00:00 +0000\r\nMessage-ID: <busy-1@public.test>\r\n\r\nThe road is full of potholes.\r\n' \
    "$TEMPFAIL_ADDR" "$MAIL_DOMAIN" > "$T/b.eml"
"$R" --config "$C" ingest -q "$T/b.eml"
REF2=$(sql "select reference from cases where reference != '$REF'")
"$R" --config "$C" outbox send -q 2>>"$T/send.err"
ack2=$("$R" --config "$C" show --json "$REF2" | jq -c '.letters[] | select(.kind=="stage1-acknowledgement")')
is "$(printf '%s' "$ack2" | jq -r .status)" "deferred" "a letter refused for now is deferred"
like "$(printf '%s' "$ack2" | jq -r .error)" "450 4.2.1" "with the server's reason"
is "$(printf '%s' "$ack2" | jq -r .attempts)" "1" "after one attempt"

done_testing
