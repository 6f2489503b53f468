#!/bin/sh
# test-smtp.sh — `redress outbox send` against a real Postfix and Dovecot on
# 127.0.0.1 (tests/mailservers.sh): the acknowledgement arrives in the
# complainant's mailbox with its headers, over STARTTLS with the test CA
# and AUTH, and over implicit TLS; a wrong CA is refused and retried; the
# server down → backoff, then delivered exactly once; a 5xx is a permanent
# failure with an event; a 4xx is retried until retry_for, then failed; a
# password file others can read is refused; no [smtp] means no sink.
# Skips when not root or when the servers cannot be installed or started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run Postfix and Dovecot"
command -v bash >/dev/null || skip_all "needs bash for tests/mailservers.sh"
bash tests/mailservers.sh install >/dev/null 2>&1 || skip_all "cannot install Dovecot and Postfix"

T=$(mktemp -d /tmp/rd-smtp-test.XXXXXX)
M="$T/servers"
chmod 711 "$T"   # the servers' users must reach $M
trap 'bash tests/mailservers.sh stop "$M" >/dev/null 2>&1; rm -rf "$T"' EXIT
env_lines=$(bash tests/mailservers.sh start "$M" 2>"$T/start.err") || {
    sed 's/^/# /' "$T/start.err"
    skip_all "the mail servers would not start"
}
eval "$env_lines"

export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
# A header of a stored message (header block only, first occurrence).
hdr() { tr -d '\r' < "$2" | sed '/^$/q' | sed -n "s/^$1: //Ip" | head -n 1; }
# Messages in a user's Maildir.
count() { ls "$MAIL_ROOT/$1/Maildir/new" "$MAIL_ROOT/$1/Maildir/cur" 2>/dev/null | grep -c '^[0-9]'; }
# Wait (up to 5 s) until a user's Maildir holds N messages; delivery
# happens about 0.2 s after the server's 250.
wait_count() {
    i=0
    while [ "$i" -lt 100 ]; do
        [ "$(count "$1")" -ge "$2" ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}
# ISO time N seconds from now.
at() { date -u -d "@$(( $(date +%s) + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
# A complaint from $1 with Message-ID $2, from the fixture; its subject
# names $2, as the same complaint again within hours would be held in
# triage as a possible loop (tests/test-loop.sh).
complaint() {
    sed -e "s/complainant@public.test/$1/" -e "s/smtp-lamp-1@/$2@/" -e "s/^\(Subject: .*\)$/\1 ($2)/" \
        tests/fixtures/smtp/complaint.eml > "$T/$2.eml"
    "$R" --config "$T/good.conf" ingest -q "$T/$2.eml"
}
CITIZEN=complainant@public.test

printf '%s\n' "$MAIL_PASSWORD" > "$T/smtp.pw"
chmod 600 "$T/smtp.pw"
# write_conf FILE URL CA: the council's settings and an [smtp] group.
write_conf() {
    cat > "$1" <<EOF
[council]
domain = $MAIL_DOMAIN
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
# One citizen's complaints follow our letters to them within seconds
# here; the loop check (tests/test-loop.sh) would hold them in triage.
# (Before [smtp]: tests append [smtp] keys to these files.)
[letters]
loop_quick_max = 0
[smtp]
url = $2
ca_file = $3
user = complaints
password_file = $T/smtp.pw
envelope_from = bounces@$MAIL_DOMAIN
timeout = 10
EOF
}
write_conf "$T/good.conf" "smtp://127.0.0.1:$SMTP_PORT" "$CA_FILE"
write_conf "$T/tls.conf" "smtps://localhost:$SMTPS_PORT" "$CA_FILE"
openssl req -x509 -nodes -days 2 -subj "/CN=localhost" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$T/wrong.key" -out "$T/wrong.pem" 2>/dev/null
write_conf "$T/wrong-ca.conf" "smtp://127.0.0.1:$SMTP_PORT" "$T/wrong.pem"

# ---- no sink, unsafe password file -------------------------------------
complaint "$CITIZEN" c1
out=$("$R" outbox send 2>&1); rc=$?
is "$rc" "1" "outbox send without [smtp] url exits 1"
like "$out" "no sink is configured" "and says that no sink is configured"
chmod 644 "$T/smtp.pw"
out=$("$R" --config "$T/good.conf" outbox send 2>&1); rc=$?
chk=$("$R" --config "$T/good.conf" config check 2>&1); crc=$?
chmod 600 "$T/smtp.pw"
is "$rc" "1" "a password file others can read is refused (exit 1)"
like "$out" "other users can read or change it" "with a clear reason"
is "$crc" "1" "config check refuses it too"
like "$chk" "chmod 600" "and says how to fix it"
is "$(sql "select status||' '||attempts from outbox")" "queued 0" "nothing was tried"

# ---- delivered over STARTTLS with the test CA and AUTH --------------------
REF1=$(sql "select reference from cases where id = 1")
start=$(date +%s)
"$R" --config "$T/good.conf" outbox send > "$T/send.out" 2> "$T/send.log"; rc=$?
is "$rc" "0" "outbox send exits 0"
like "$(cat "$T/send.out")" "1 sent, 0 deferred, 0 failed" "one letter sent"
check "it arrives in the complainant's mailbox" wait_count "$CITIZEN" 1
L=$(ls "$MAIL_ROOT/$CITIZEN/Maildir/new/"* "$MAIL_ROOT/$CITIZEN/Maildir/cur/"* 2>/dev/null | head -n 1)
like "$(hdr Subject "$L")" "$REF1" "Subject carries the case reference"
is "$(hdr Auto-Submitted "$L")" "auto-replied" "Auto-Submitted: auto-replied"
is "$(hdr In-Reply-To "$L")" "<c1@public.test>" "In-Reply-To the complaint"
like "$(hdr Reply-To "$L")" "complaints+$(echo "$REF1" | tr 'A-Z' 'a-z')-" "Reply-To is the case's token address"
is "$(hdr Return-Path "$L")" "<bounces@$MAIL_DOMAIN>" "envelope sender is envelope_from"
like "$(tr -d '\r' < "$L" | sed '/^$/q')" "ESMTPSA" "sent with TLS and AUTH (Received: … with ESMTPSA)"
row=$(sql "select status||'|'||detail||'|'||(sent_at >= $start) from outbox where id = 1")
like "$row" "sent|250 2.0.0 Ok: queued as " "the row records the server's reply"
like "$row" "|1" "and the time it was sent"
is "$(sql "select count(*) from events where type = 'letter-sent'")" "1" "letter-sent event on the case"
like "$(sql "select ack_sent from stages where case_id = 1")" "-" "acknowledgement date recorded on the stage"
log=$(cat "$T/send.log")
like "$log" "letter sent case=$REF1 kind=stage1-acknowledgement to=$CITIZEN smtp=\"250 2.0.0 Ok: queued as" \
    "one key=value log line per letter"
case "$log" in *streetlight*|*Streetlight*) r=1 ;; *) r=0 ;; esac
is "$r" "0" "the log holds no part of the letter"
"$R" --config "$T/good.conf" outbox send -q
sleep 0.3
is "$(count "$CITIZEN")" "1" "a second run sends nothing again"

# ---- implicit TLS (smtps://, host name checked against localhost) ----------
complaint "$CITIZEN" c2
"$R" --config "$T/tls.conf" outbox send -q 2>/dev/null
check "delivered over smtps:// too" wait_count "$CITIZEN" 2
is "$(sql "select status from outbox where id = 2")" "sent" "and marked sent"

# ---- wrong CA: refused, kept, retried; fixed → delivered -------------------
complaint "$CITIZEN" c3
out=$("$R" --config "$T/wrong-ca.conf" outbox send 2>&1)
like "$out" "0 sent, 1 deferred, 0 failed" "a server the CA does not vouch for is refused"
is "$(sql "select status||' '||attempts from outbox where id = 3")" "queued 1" "the letter stays queued, one attempt counted"
like "$(sql "select last_error from outbox where id = 3")" "certificate" "the TLS error is recorded"
is "$(sql "select next_try - strftime('%s','now') between 50 and 60 from outbox where id = 3")" "1" \
   "next try in a minute"
sleep 0.3
is "$(count "$CITIZEN")" "2" "nothing was delivered"

# ---- server down, backoff, then up: delivered exactly once -----------------
bash tests/mailservers.sh stop-smtp "$M" 2>/dev/null
complaint "$CITIZEN" c4
t1=$(at 70)
out=$("$R" --config "$T/good.conf" outbox send --now "$t1" 2>&1)
like "$out" "0 sent, 2 deferred, 0 failed" "server down: both letters deferred"
like "$(sql "select last_error from outbox where id = 4")" "onnect" "the connection failure is recorded"
t1s=$(date -u -d "$t1" +%s)
is "$(sql "select next_try - $t1s from outbox where id = 3")" "120" "second failure: two minutes"
is "$(sql "select next_try - $t1s from outbox where id = 4")" "60" "first failure: one minute"
out=$("$R" --config "$T/good.conf" outbox send --now "$t1" 2>&1)
like "$out" "0 sent, 0 deferred, 0 failed" "nothing is tried before its time"
bash tests/mailservers.sh start-smtp "$M" 2>/dev/null
out=$("$R" --config "$T/good.conf" outbox send --now "$(at 200)" 2>&1)
like "$out" "2 sent, 0 deferred, 0 failed" "server up again: both sent"
check "both arrive" wait_count "$CITIZEN" 4
"$R" --config "$T/good.conf" outbox send -q --now "$(at 4000)"
sleep 0.4
is "$(count "$CITIZEN")" "4" "each delivered exactly once"
is "$(sql "select count(*) from outbox where status = 'sent'")" "4" "all four marked sent"

# ---- 5xx: a permanent failure, with an event that says what it means --------
complaint "$REJECT_ADDR" c5
# The case has a handler: the failure must reach them by mail too.
c5ref=$(sql "select c.reference from cases c join people p on p.id=c.complainant_id where p.email='$REJECT_ADDR'")
"$R" --config "$T/good.conf" case "$c5ref" assign "staff@$MAIL_DOMAIN" >/dev/null
out=$("$R" --config "$T/good.conf" outbox send 2>&1)
like "$out" "1 sent, 0 deferred, 1 failed" "a recipient refused with 550 fails at once (and the handler's alert goes)"
is "$(sql "select to_addr||' '||status from outbox where kind='staff-letter-failed'")" "staff@$MAIL_DOMAIN sent" \
   "the handler is alerted by mail"
check "the alert reaches the handler's mailbox" wait_count "staff@$MAIL_DOMAIN" 1
like "$(cat "$MAIL_ROOT/staff@$MAIL_DOMAIN/Maildir/new/"* 2>/dev/null | tr -d '\r')" "Letter not delivered on complaint $c5ref" \
   "saying which complaint"
is "$(sql "select status from outbox where id = 5")" "failed" "marked failed"
like "$(sql "select last_error from outbox where id = 5")" "550 5.1.1" "the server's refusal is recorded"
ev=$(sql "select detail from events where type = 'letter-failed'")
like "$ev" "NOT been acknowledged" "letter-failed event: the complaint has not been acknowledged"
like "$out" "letter failed case=" "and a log line"

# ---- 4xx: retried until retry_for, then failed -------------------------------
complaint "$TEMPFAIL_ADDR" c6
out=$("$R" --config "$T/good.conf" outbox send 2>&1)
like "$out" "0 sent, 1 deferred, 0 failed" "a 450 is deferred"
like "$(sql "select last_error from outbox where to_addr = '$TEMPFAIL_ADDR'")" "450 4.2.1" "with the server's reply recorded"
out=$("$R" --config "$T/good.conf" outbox send --now "$(at $((5 * 86400 + 60)))" 2>&1)
like "$out" "0 sent, 0 deferred, 1 failed" "after 5 days (retry_for) it is given up"
like "$(sql "select last_error from outbox where to_addr = '$TEMPFAIL_ADDR'")" "still undelivered after 2 attempts" "saying why"
is "$(sql "select count(*) from events where type = 'letter-failed'")" "2" "with a letter-failed event"

# ---- a copy of each sent letter in the Sent folder over IMAP -----------------
sed -e "s|^address = complaints@$MAIL_DOMAIN|&\nimap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX\nimap_user = complaints\nimap_password_file = $T/smtp.pw\nimap_ca_file = $CA_FILE|" \
    "$T/good.conf" > "$T/copy.conf"
printf 'sent_mailbox = complaints\nsent_folder = Sent Letters\n' >> "$T/copy.conf"
like "$("$R" --config "$T/copy.conf" config check 2>/dev/null)" "sent copies        to Sent Letters in mailbox complaints" \
    "config check shows where copies go"
printf '[mailbox:complaints]\n[smtp]\nurl = smtp://127.0.0.1:%s\nsent_mailbox = complaints\n' "$SMTP_PORT" > "$T/nocopy.conf"
out=$("$R" --config "$T/nocopy.conf" config check 2>&1); rc=$?
is "$rc" 1 "sent_mailbox naming a mailbox without imap_url is a configuration error"
like "$out" "has no imap_url" "saying why"
SENT="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir/.Sent Letters"
sent_n() { ls "$SENT/cur" "$SENT/new" 2>/dev/null | grep -c '^[0-9]'; }
complaint pat8@public.test c8
ref8=$(sql "select reference from cases order by id desc limit 1")
out=$("$R" --config "$T/copy.conf" outbox send 2>&1); rc=$?
is "$rc" 0 "outbox send with sent_mailbox succeeds"
like "$out" "1 letter copied to the Sent folder" "and says the copy was made"
is "$(sent_n)" 1 "the copy is in the complaints account's 'Sent Letters' folder (created)"
like "$(ls "$SENT/cur" "$SENT/new" 2>/dev/null)" ":2,S" "marked \\Seen, so it does not show as unread"
like "$(cat "$SENT"/cur/* "$SENT"/new/* 2>/dev/null | tr -d '\r' | grep -i '^Subject:')" "$ref8" "it is the letter, with the case reference"
is "$(sql "select sent_copy from outbox where to_addr = 'pat8@public.test'")" "done" "the copy is recorded done"
"$R" --config "$T/copy.conf" outbox send >/dev/null 2>&1
is "$(sent_n)" 1 "a second run copies nothing again"
bash tests/mailservers.sh stop-imap "$M" >/dev/null 2>&1
complaint pat9@public.test c9
out=$("$R" --config "$T/copy.conf" outbox send 2>&1); rc=$?
like "$out" "1 sent, 0 deferred, 0 failed" "with the IMAP server down the letter is still sent"
like "$out" "the letters were sent, their copies wait for the next run" "and the missing copy is reported"
is "$(sql "select status || ' ' || sent_copy from outbox where to_addr = 'pat9@public.test'")" "sent pending" \
   "the copy waits"
check "with the reason kept" test -n "$(sql "select copy_error from outbox where to_addr = 'pat9@public.test'")"
bash tests/mailservers.sh start-imap "$M" >/dev/null 2>&1
out=$("$R" --config "$T/copy.conf" outbox send 2>&1); rc=$?
is "$rc" 0 "once IMAP is back the next run succeeds"
like "$out" "0 sent" "without sending the letter again"
is "$(sent_n)" 2 "and makes the waiting copy"
is "$(sql "select count(*) from outbox where sent_copy = 'pending'")" 0 "no copy left waiting"
bash tests/mailservers.sh stop-imap "$M" >/dev/null 2>&1
complaint pat10@public.test c10
"$R" --config "$T/copy.conf" outbox send >/dev/null 2>&1
"$R" --config "$T/copy.conf" outbox send --now "$(at $((5 * 86400 + 120)))" >/dev/null 2>&1
is "$(sql "select sent_copy from outbox where to_addr = 'pat10@public.test'")" "failed" \
   "a copy still impossible after retry_for is recorded failed"
bash tests/mailservers.sh start-imap "$M" >/dev/null 2>&1
"$R" --config "$T/copy.conf" outbox send >/dev/null 2>&1
is "$(sent_n)" 2 "and is not tried again"

# Without sent_folder: the folder the server marks \Sent ("Sent Items" in
# the test Dovecot, as in Microsoft 365), else "Sent".
grep -v '^sent_folder' "$T/copy.conf" > "$T/copy2.conf"
ITEMS="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir/.Sent Items"
PLAIN="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir/.Sent"
in_dir() { ls "$1/cur" "$1/new" 2>/dev/null | grep -c '^[0-9]'; }
complaint pat11@public.test c11
"$R" --config "$T/copy2.conf" outbox send >/dev/null 2>&1
is "$(in_dir "$ITEMS")" 1 "without sent_folder the copy goes to the folder marked \\Sent (Sent Items)"
bash tests/mailservers.sh stop-imap "$M" >/dev/null 2>&1
sed -i '/special_use/d' "$M/dovecot/dovecot.conf"
bash tests/mailservers.sh start-imap "$M" >/dev/null 2>&1
complaint pat12@public.test c12
out=$("$R" --config "$T/copy2.conf" outbox send 2>&1)
is "$(in_dir "$PLAIN")" 1 "on a server that marks no folder, it goes to Sent (created)"
like "$out" "no folder is marked" "saying why"

# A copy the server refuses for itself alone (over the quota plugin's
# largest message) waits with the reason, while the others are made.
bash tests/mailservers.sh stop-imap "$M" >/dev/null 2>&1
printf 'mail_plugins = $mail_plugins quota\nplugin {\n  quota = maildir:User quota\n  quota_max_mail_size = 50k\n}\n' \
    >> "$M/dovecot/dovecot.conf"
bash tests/mailservers.sh start-imap "$M" >/dev/null 2>&1
complaint pat13@public.test c13
complaint pat14@public.test c14
complaint pat15@public.test c15
# The middle letter made too big to copy: 60 KB more body (SMTP takes it).
sql "select writefile('$T/l14.eml', raw) from outbox where to_addr = 'pat14@public.test'" >/dev/null
head -c 60000 /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/' >> "$T/l14.eml"
sql "update outbox set raw = readfile('$T/l14.eml') where to_addr = 'pat14@public.test'"
before=$(in_dir "$PLAIN")
out=$("$R" --config "$T/copy2.conf" outbox send 2>&1)
like "$out" "3 sent, 0 deferred, 0 failed" "refused copy: all three letters are sent"
is "$(in_dir "$PLAIN")" "$((before + 2))" "the two copies the server takes are made"
is "$(sql "select to_addr || ' ' || sent_copy from outbox where to_addr in ('pat13@public.test', 'pat14@public.test', 'pat15@public.test') order by to_addr" | tr '\n' ' ')" \
   "pat13@public.test done pat14@public.test pending pat15@public.test done " "the refused one waits, the others are done"
like "$(sql "select copy_error from outbox where to_addr = 'pat14@public.test'")" "larger than the maximum size" \
   "with the server's reason kept"
bash tests/mailservers.sh stop-imap "$M" >/dev/null 2>&1
sed -i '/^mail_plugins = \$mail_plugins quota$/,/^}$/d' "$M/dovecot/dovecot.conf"
bash tests/mailservers.sh start-imap "$M" >/dev/null 2>&1
"$R" --config "$T/copy2.conf" outbox send >/dev/null 2>&1
is "$(sql "select sent_copy from outbox where to_addr = 'pat14@public.test'")" "done" \
   "once the server takes it, the waiting copy is made"
is "$(in_dir "$PLAIN")" "$((before + 3))" "and only it"

# ---- the folder sink still works -------------------------------------------
complaint "$CITIZEN" c7
"$R" outbox flush -q --to "$T/out"
is "$(ls "$T/out" | wc -l)" "1" "outbox flush --to DIR writes through the folder sink"

done_testing
