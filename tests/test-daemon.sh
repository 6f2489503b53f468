#!/bin/sh
# test-daemon.sh — `redress daemon` and `redress status` against a real
# Dovecot and Postfix on 127.0.0.1 (tests/mailservers.sh): two mailboxes
# watched with IDLE over IMAPS; a complaint sent by SMTP becomes a case and
# its acknowledgement is delivered into the complainant's mailbox within
# seconds; status shows both mailboxes connected; SIGHUP with a broken
# configuration keeps the daemon running on the old one; a mailbox with a
# wrong password shows its error while the other keeps ingesting; polling
# mode (idle = false) picks mail up; SIGTERM exits 0 within seconds with
# the database whole and every message on exactly one case.
# Skips when not root or when the servers cannot be started.
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
D=$(mktemp -d /tmp/rd-daemon.XXXXXX)
DPID=""
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" 2>/dev/null; fi
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    [ -n "${RD_KEEP_T:-}" ] && cp "$T/log" /tmp/daemon-test.log; rm -rf "$D" "$T"
}
trap cleanup EXIT
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
CITIZEN=complainant@$PUBLIC_DOMAIN
CIT_MB="$MAIL_ROOT/$CITIZEN/Maildir"

printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
printf 'not-the-password\n' > "$T/badpw"
chmod 600 "$T/pw" "$T/badpw"

# write_conf FILE CE_PASSWORD_FILE IDLE
write_conf() {
    cat > "$1" <<EOF
[council]
domain = $MAIL_DOMAIN
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[mailbox:chief-executive]
address = chief.executive@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = chief.executive
imap_password_file = $2
imap_ca_file = $CA_FILE
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
envelope_from = bounces@$MAIL_DOMAIN
timeout = 10
sent_mailbox = complaints
[daemon]
idle = $3
poll_interval = 1
send_interval = 5
sweep_interval = 1h
# One citizen sends four new complaints, each within seconds of our last
# letter: the loop check would rightly hold the later ones in triage
# (tests/test-loop.sh), which is not what this test is about.
[letters]
loop_quick_max = 0
EOF
}
C="$T/redress.conf"
write_conf "$C" "$T/pw" true

# msg ID TO SUBJECT: a complaint from the citizen.
msg() {
    printf 'From: Pat Public <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@public.test>\r\n\r\nPlease look into this: %s.\r\n' \
        "$CITIZEN" "$2" "$3" "$1" "$3" > "$T/$1.eml"
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$CITIZEN" \
         --mail-rcpt "$2" --upload-file "$T/$1.eml"
}
count() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
status_json() { "$R" --config "$C" status --json 2>/dev/null; }
# connected ROLE: status says the mailbox is connected.
connected() {
    status_json | tr -d ' \n' | grep -q "\"mailbox\":\"$1\",\"connected\":true"
}
cases_n() { test "$(sql "select count(*) from cases")" -ge "$1"; }
acks_n() { test "$(count "$CIT_MB")" -ge "$1"; }

# 1. Start: both mailboxes connected, READY-equivalent status.
"$R" --config "$C" daemon 2>"$T/log" &
DPID=$!
check "both mailboxes are connected within 10 s" until_true 10 sh -c \
    "'$R' --config '$C' status --json | tr -d ' \n' | grep -q '\"mailbox\":\"chief-executive\",\"connected\":true' &&
     '$R' --config '$C' status --json | tr -d ' \n' | grep -q '\"mailbox\":\"complaints\",\"connected\":true'"
out=$("$R" --config "$C" status 2>&1)
like "$out" "daemon: running (pid $DPID" "status says the daemon runs, with its pid"
like "$(cat "$T/log")" "wait=idle" "the watchers wait with IDLE"

# 2. A complaint by SMTP → case → acknowledgement in the citizen's mailbox.
start=$(date +%s)
msg d1 "complaints@$MAIL_DOMAIN" "Street light out on Mill Lane"
check "the complaint became a case within 10 s" until_true 10 cases_n 1
check "the acknowledgement reached the complainant's mailbox" until_true 15 acks_n 1
took=$(( $(date +%s) - start ))
check "case and delivered acknowledgement within seconds (took ${took}s)" test "$took" -lt 10
ack=$(cat "$CIT_MB"/new/* "$CIT_MB"/cur/* 2>/dev/null | tr -d '\r')
ref=$(sql "select reference from cases limit 1")
like "$ack" "Subject: " "the acknowledgement is a mail"
like "$(printf '%s' "$ack" | grep -i '^Subject:')" "$ref" "its subject names the case $ref"
is "$(sql "select status from outbox where kind='stage1-acknowledgement'")" "sent" "the outbox row is marked sent"
SENT="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir/.Sent Items"
check "the sender put a copy in the folder the server marks \\Sent ('Sent Items')" until_true 10 sh -c \
    "ls '$SENT/cur' '$SENT/new' 2>/dev/null | grep -q '^[0-9]'"
is "$(grep -c 'ingested mailbox=complaints' "$T/log")" "1" "one key=value line for the message ingested"
is "$(grep -c 'letter sent case=' "$T/log")" "1" "one key=value line for the letter sent"
check "the log holds no password" sh -c "! grep -q '$MAIL_PASSWORD' '$T/log'"
check "the log holds no message body" sh -c "! grep -q 'Please look into this' '$T/log'"
out=$(status_json | tr -d ' \n')
like "$out" '"last_sweep":"' "status shows the sweep that ran at start"
like "$out" '"sent":1' "status counts the letter sent"

# 2b. The citizen answers the acknowledgement as a mail client does (To:
# its Reply-To, In-Reply-To: its Message-ID), through the real Postfix:
# the reply lands on the same case, by the case's token address.
hdrs=$(printf '%s\n' "$ack" | sed '/^$/q' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g')
reply_to=$(printf '%s\n' "$hdrs" | sed -n 's/^Reply-To: *//Ip' | sed 's/.*<\(.*\)>.*/\1/' | head -n 1)
ack_id=$(printf '%s\n' "$hdrs" | sed -n 's/^Message-I[dD]: *//p' | head -n 1)
like "$reply_to" "complaints+" "the acknowledgement's Reply-To is the case's token address"
printf 'From: Pat Public <%s>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <d1-reply@public.test>\r\nIn-Reply-To: %s\r\nReferences: %s\r\n\r\nThe light is still out tonight.\r\n\r\nOn Fri, the council wrote:\r\n> Thank you for contacting us.\r\n' \
    "$CITIZEN" "$reply_to" "$ref" "$ack_id" "$ack_id" > "$T/reply.eml"
curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$CITIZEN" --mail-rcpt "$reply_to" --upload-file "$T/reply.eml"
reply_on_case() { test "$(sql "select count(*) from messages m join cases c on c.id=m.case_id where m.message_id='d1-reply@public.test' and c.reference='$ref'")" = 1; }
check "the reply through the real SMTP server lands on the same case" until_true 15 reply_on_case
is "$(sql "select via||' '||kind from messages where message_id='d1-reply@public.test'")" "token correspondence" \
   "threaded by the token address, as correspondence"
is "$(sql "select count(*) from cases")" "1" "no new case for the reply"

# 3. SIGHUP with a broken configuration: logged, the old one kept.
cp "$C" "$T/good.conf"
printf '[daemon]\npoll_intervall = 5\n' >> "$C"
kill -HUP "$DPID"
check "the reload error is logged" until_true 5 grep -q "still running with the old one" "$T/log"
like "$(cat "$T/log")" "poll_intervall" "naming the bad key"
check "the daemon is still running" kill -0 "$DPID"
cp "$T/good.conf" "$C"
msg d2 "complaints@$MAIL_DOMAIN" "Potholes after the broken reload"
check "and still ingests" until_true 10 cases_n 2

# 4. A reload with a wrong password for chief-executive: its error shows,
#    complaints keeps working.
write_conf "$C" "$T/badpw" true
kill -HUP "$DPID"
check "the reload is logged" until_true 5 grep -q "configuration reloaded" "$T/log"
# Right after a reload a mailbox that had fetched still says when.
like "$("$R" --config "$C" status --json | tr -d ' \n' | sed -n 's/.*"mailbox":"complaints","connected":[a-z]*,"last_fetch":\("[^"]*"\|null\).*/\1/p')" \
     '"20' "status keeps complaints' last fetch across the reload (not never)"
check "chief-executive shows its LOGIN error in status" until_true 10 sh -c \
    "'$R' --config '$C' status --json | grep -q 'LOGIN on 127.0.0.1 failed'"
check "complaints is connected again after the reload" until_true 10 connected complaints
check "chief-executive is not connected" sh -c "! '$R' --config '$C' status --json | tr -d ' \n' | grep -q '\"mailbox\":\"chief-executive\",\"connected\":true'"
msg d3 "complaints@$MAIL_DOMAIN" "Bins while the other mailbox is broken"
check "the other mailbox keeps ingesting" until_true 10 cases_n 3
like "$("$R" --config "$C" status)" "last error" "the plain status shows the error too"

# 5. Polling mode: idle = false picks mail up at poll_interval.
write_conf "$C" "$T/pw" false
kill -HUP "$DPID"
check "the watchers poll after idle = false" until_true 10 grep -q "wait=poll" "$T/log"
msg d4 "chief.executive@$MAIL_DOMAIN" "To the Chief Executive: planning"
check "a message to the Chief Executive is ingested while polling" until_true 10 cases_n 4
is "$(sql "select channel from cases where summary like 'To the Chief Executive%'")" "chief-executive" \
   "on a case with the chief-executive channel"

# 6. SIGTERM: exit 0 within seconds, nothing half-written.
check "every acknowledgement is delivered before stopping" until_true 15 acks_n 4
kill -TERM "$DPID"
t0=$(date +%s)
wait "$DPID"; rc=$?
took=$(( $(date +%s) - t0 ))
DPID=""
is "$rc" "0" "SIGTERM: exit status 0"
check "within a few seconds (took ${took}s)" test "$took" -le 5
is "$(sql "pragma integrity_check")" "ok" "the database is whole"
is "$(sql "select count(*) from messages where direction = 'in'")" "5" "five messages stored (four complaints and the reply)"
is "$(sql "select count(*) from messages where direction = 'in' and case_id is null")" "0" \
   "every message is on a case"
is "$(sql "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")" "0" \
   "and no message twice"
is "$(sql "select count(*) from outbox where kind like '%acknowledgement' or kind = 'chief-executive-referral'")" "4" \
   "one acknowledgement per case, no duplicate letter"
out=$("$R" --config "$C" status 2>&1)
like "$out" "daemon: not running (stopped" "status: the daemon stopped cleanly"
like "$out" "not connected" "and no mailbox is shown as connected"
like "$(cat "$T/log")" "daemon stopped" "the stop is logged"

done_testing
