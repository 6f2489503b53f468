#!/bin/sh
# test-faults.sh — `redress daemon` survives faults with nothing lost or
# duplicated, against a real Dovecot and Postfix on 127.0.0.1
# (tests/mailservers.sh):
#  1. kill -9 of the daemon at random moments, restarted each time, 20
#     rounds, while 500 distinct complaints arrive → every message on
#     exactly one case, one acknowledgement per case, the database whole,
#     every message in INBOX or Processed on the server;
#  2. Dovecot stopped and started while the daemon waits in IDLE, a
#     complaint arriving meanwhile → the daemon connects again and
#     ingests it;
#  3. Postfix stopped, a complaint arriving → its acknowledgement stays
#     queued with the error and a retry time; Postfix started again →
#     `redress outbox send` after the retry time delivers it exactly once;
#  4. Dovecot stopped in the middle of fetching 600 messages (30 MB) and started
#     again → every message stored once, on a case, and moved.
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d)
D=$(mktemp -d /tmp/rd-faults.XXXXXX)
DPID=""
FEEDER=""
# stop_daemon SIGNAL: signal our daemon (by its pid only) and reap it.
stop_daemon() {
    if [ -n "$DPID" ]; then
        kill "-$1" "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
        DPID=""
    fi
}
cleanup() {
    if [ -n "$FEEDER" ]; then kill -KILL "$FEEDER" 2>/dev/null; wait "$FEEDER" 2>/dev/null; fi
    stop_daemon KILL
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    [ -n "${RD_KEEP_T:-}" ] && cat "$T"/log* > /tmp/faults-test.log 2>/dev/null
    rm -rf "$D" "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 -cmd '.timeout 5000' "$REDRESS_DB" "$1"; }
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
cat > "$C" <<EOF
[council]
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
envelope_from = bounces@$MAIL_DOMAIN
timeout = 10
[daemon]
idle = true
poll_interval = 1
send_interval = 1
sweep_interval = 1h
EOF

# The Maildirs belong to the user Dovecot runs mail processes as.
MAILUSER=$(stat -c '%u:%g' "$MAIL_ROOT")
maildir() {
    mkdir -p "$1/new" "$1/cur" "$1/tmp"
    chown -R "$MAILUSER" "$MAIL_ROOT"
}
maildir "$MB"
# deliver N FROM SUBJECT: a complaint written straight into the complaints
# Maildir (tmp/, then renamed into new/, as a delivery agent does).
deliver() {
    f="$1.$$.faults"
    printf 'From: Citizen %s <%s>\r\nTo: complaints@%s\r\nSubject: %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fault-%s@public.test>\r\n\r\nPlease look into this: %s.\r\n' \
        "$1" "$2" "$MAIL_DOMAIN" "$3" "$1" "$3" > "$MB/tmp/$f"
    chown "$MAILUSER" "$MB/tmp/$f"
    mv "$MB/tmp/$f" "$MB/new/$f"
}
files() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
connected() {
    "$R" --config "$C" status --json 2>/dev/null | tr -d ' \n' |
        grep -q '"mailbox":"complaints","connected":true'
}
not_connected() {
    "$R" --config "$C" status --json 2>/dev/null | tr -d ' \n' |
        grep -q '"mailbox":"complaints","connected":false'
}
cases_ge() { test "$(sql "select count(*) from cases")" -ge "$1"; }
start_daemon() {
    "$R" --config "$C" daemon 2>>"$T/log" &
    DPID=$!
}
# A random sleep of 0.10–0.89 s: under ASan the daemon needs ~0.4 s to
# connect, so shorter rounds would seldom kill it in the middle of a batch.
rsleep() { sleep "0.$(( 10 + $(od -An -N1 -tu1 /dev/urandom) % 80 ))"; }

# ---------------------------------------------------------------------------
# 1. kill -9 at random moments while 500 complaints arrive, 20 rounds.
N=500
ROUNDS=20
PER=$((N / ROUNDS))
t0=$(date +%s)
i=0
round=0
while [ "$round" -lt "$ROUNDS" ]; do
    # This round's share of the mail arrives as the daemon starts.
    j=0
    while [ "$j" -lt "$PER" ]; do
        i=$((i + 1)); j=$((j + 1))
        deliver "$i" "citizen$i@$PUBLIC_DOMAIN" "Fault test complaint number $i about the road"
    done
    start_daemon
    rsleep
    stop_daemon KILL
    [ -n "${RD_FAULTS_VERBOSE:-}" ] && echo "# round $round: $(sql "select count(*) from messages where direction = 'in'") stored"
    round=$((round + 1))
done
killed_at=$(sql "select count(*) from messages where direction = 'in'")
echo "# after $ROUNDS kill -9 rounds ($(( $(date +%s) - t0 )) s): $killed_at of $N messages stored"
start_daemon
check "after the last restart all $N complaints become cases within 60 s" until_true 60 cases_ge "$N"
inbox_empty() { test "$(files "$MB")" = 0; }
check "and INBOX is emptied into Processed" until_true 30 inbox_empty
if ! inbox_empty; then
    echo "# still in INBOX: $(files "$MB"):"
    for f in "$MB"/new/* "$MB"/cur/*; do
        [ -f "$f" ] || continue
        id=$(grep -i '^Message-ID:' "$f" | tr -d '\r' | sed 's/^[^<]*//')
        echo "#   $(basename "$f") $id stored=$(sql "select count(*) from messages where message_id like '%${id#<}'" )"
    done | head -20
    sql "select * from mailbox_cursors" 2>/dev/null | sed 's/^/#   cursor: /'
fi
check "and every acknowledgement is sent" until_true 60 sh -c \
    "test \"\$(sqlite3 -cmd '.timeout 5000' '$REDRESS_DB' \"select count(*) from outbox where status = 'queued'\")\" = 0"
echo "# block 1 took $(( $(date +%s) - t0 )) s"
is "$(sql "select count(*) from messages where direction = 'in'")" "$N" "$N messages stored"
is "$(sql "select count(distinct message_id) from messages where direction = 'in'")" "$N" \
   "$N distinct Message-IDs: none stored twice"
is "$(sql "select count(*) from messages where direction = 'in' and case_id is null")" "0" \
   "every message is on a case"
is "$(sql "select count(*) from cases")" "$N" "$N cases, one per complaint"
is "$(sql "select count(*) from outbox")" "$(sql "select count(distinct idem_key) from outbox")" \
   "as many outbox rows as idempotency keys"
is "$(sql "select count(*) from cases c where (select count(*) from outbox o where o.case_id = c.id and o.kind like '%acknowledgement') <> 1")" "0" \
   "every case has exactly one acknowledgement row"
is "$(sql "select count(*) from outbox where kind like '%acknowledgement' and status <> 'sent'")" "0" \
   "and every acknowledgement was sent"
is "$(sql "pragma integrity_check")" "ok" "pragma integrity_check: ok"
# Each start of the daemon also sent its self-test mail (service/
# selftest.c), which intake removes; one whose removal a kill cut off is
# moved to Processed with the rest by the next start. It is no complaint.
selftest_mail() { grep -l '^X-Redress-Selftest:' "$1"/cur/* "$1"/new/* 2>/dev/null | wc -l | tr -d ' '; }
inbox=$(( $(files "$MB") - $(selftest_mail "$MB") ))
ours=$(selftest_mail "$MB/.Processed")
processed=$(( $(files "$MB/.Processed") - ours ))
if [ "$ours" -gt 0 ]; then echo "# $ours self-test mails in Processed (their removal was killed)"; fi
is "$((inbox + processed))" "$N" "INBOX ($inbox) + Processed ($processed) = $N on the server: none lost or copied twice"
is "$(cat "$MB"/.Processed/cur/* "$MB"/.Processed/new/* 2>/dev/null | grep -i '^Message-ID: <fault-' | sort -u | wc -l | tr -d ' ')" \
   "$processed" "no message is in Processed twice"

# ---------------------------------------------------------------------------
# 2. Dovecot stopped and started while the daemon waits in IDLE.
t0=$(date +%s)
check "the daemon is connected and waiting in IDLE" until_true 10 connected
check "its log says wait=idle" until_true 10 grep -q 'wait=idle' "$T/log"
bash tests/mailservers.sh stop-imap "$D" 2>>"$T/log.servers"
check "Dovecot stopped (IMAPS refuses connections)" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$IMAPS_PORT) 2>/dev/null"
check "status shows the mailbox disconnected" until_true 10 not_connected
n=$((N + 1))
deliver "$n" "citizen$n@$PUBLIC_DOMAIN" "Arrived while the IMAP server was down"
sleep 1
bash tests/mailservers.sh start-imap "$D" 2>>"$T/log.servers"
check "Dovecot is back" bash tests/mailservers.sh status "$D"
check "the daemon connects again within 30 s" until_true 30 connected
check "and ingests the message that arrived meanwhile" until_true 30 cases_ge "$n"
is "$(sql "select count(*) from messages where message_id like '%fault-$n@%'")" "1" "stored once"
like "$(cat "$T/log")" "connected=no" "the lost connection is logged"
echo "# block 2 took $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------------------
# 3. Postfix down when the acknowledgement is due, then up again.
t0=$(date +%s)
bash tests/mailservers.sh stop-smtp "$D" 2>>"$T/log.servers"
check "Postfix stopped (SMTP refuses connections)" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT) 2>/dev/null"
n=$((N + 2))
CIT="citizen$n@$PUBLIC_DOMAIN"
deliver "$n" "$CIT" "Arrived while the SMTP server was down"
check "the complaint becomes a case" until_true 30 cases_ge "$n"
ackq="select %s from outbox where to_addr = '$CIT' and kind like '%%acknowledgement'"
# shellcheck disable=SC2059
tried() { test "$(sql "$(printf "$ackq" "attempts")")" -ge 1; }
check "the daemon tried to send the acknowledgement" until_true 20 tried
# shellcheck disable=SC2059
row=$(sql "$(printf "$ackq" "status || '|' || attempts || '|' || (last_error is not null) || '|' || (next_try > strftime('%s','now'))")")
is "$row" "queued|1|1|1" "it stays queued after one attempt, with the error and a retry time ahead"
# shellcheck disable=SC2059
next=$(sql "$(printf "$ackq" "next_try")")
stop_daemon TERM
bash tests/mailservers.sh start-smtp "$D" 2>>"$T/log.servers"
check "Postfix is back" bash tests/mailservers.sh status "$D"
# shellcheck disable=SC2059
is "$(sql "$(printf "$ackq" "count(*)")")" "1" "the letter is queued once, not lost"
before=$("$R" --config "$C" outbox send --now "$(date -u -d "@$((next - 1))" +%Y-%m-%dT%H:%M:%SZ)" 2>&1)
like "$before" "0 sent" "before its retry time nothing is sent"
out=$("$R" --config "$C" outbox send --now "$(date -u -d "@$((next + 1))" +%Y-%m-%dT%H:%M:%SZ)" 2>&1)
like "$out" "1 sent" "after its retry time the letter is sent"
again=$("$R" --config "$C" outbox send --now "$(date -u -d "@$((next + 3600))" +%Y-%m-%dT%H:%M:%SZ)" 2>&1)
like "$again" "0 sent" "running send again sends nothing"
# shellcheck disable=SC2059
is "$(sql "$(printf "$ackq" "status || '|' || attempts")")" "sent|2" "marked sent on the second attempt"
# Postfix hands everyone else to the catch-all, each copy headed by its
# Delivered-To.
CA_MB="$MAIL_ROOT/$CATCHALL_USER/Maildir"
got() { test "$(grep -l "^Delivered-To: <*$CIT>*" "$CA_MB"/new/* "$CA_MB"/cur/* 2>/dev/null | wc -l)" -ge 1; }
check "the acknowledgement reaches the citizen" until_true 15 got
sleep 1
is "$(grep -l "^Delivered-To: <*$CIT>*" "$CA_MB"/new/* "$CA_MB"/cur/* 2>/dev/null | wc -l | tr -d ' ')" "1" \
   "exactly once"
is "$(sql "pragma integrity_check")" "ok" "the database is whole at the end"
echo "# block 3 took $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------------------
# 4. Dovecot stopped in the middle of a fetch, then started again.
t0=$(date +%s)
start_daemon
check "the daemon is connected again" until_true 15 connected
base=$(sql "select count(*) from messages where direction = 'in'")
M=600
first=$((N + 3))
last=$((first + M - 1))
# Large enough bodies that fetching them takes a few seconds under ASan.
pad=$(head -c 50000 /dev/zero | tr '\0' 'x' | fold -w 76)
i=$first
while [ "$i" -le "$last" ]; do
    f="$i.$$.faults"
    printf 'From: Citizen %s <citizen%s@%s>\r\nTo: complaints@%s\r\nSubject: Batch complaint %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fault-%s@public.test>\r\n\r\nPlease look into this.\r\n%s\r\n' \
        "$i" "$i" "$PUBLIC_DOMAIN" "$MAIL_DOMAIN" "$i" "$i" "$pad" > "$MB/tmp/$f"
    i=$((i + 1))
done
chown -R "$MAILUSER" "$MB/tmp"
mv "$MB"/tmp/*.faults "$MB/new/"
stored() { test "$(sql "select count(*) from messages where direction = 'in'")" -gt "$1"; }
check "the daemon starts fetching the $M messages" until_true 30 stored "$base"
bash tests/mailservers.sh stop-imap "$D" 2>>"$T/log.servers"
got=$(( $(sql "select count(*) from messages where direction = 'in'") - base ))
echo "# Dovecot stopped after $got of $M messages were stored"
check "it was stopped in the middle of the fetch ($got of $M stored)" test "$got" -lt "$M"
check "the daemon notices" until_true 15 not_connected
check "and keeps running" kill -0 "$DPID"
bash tests/mailservers.sh start-imap "$D" 2>>"$T/log.servers"
all() { test "$(sql "select count(*) from messages where direction = 'in'")" -ge $((base + M)); }
check "after Dovecot is back every message is stored" until_true 60 all
left() { test "$(files "$MB")" -eq 0; }
check "and the INBOX is emptied into Processed" until_true 30 left
is "$(files "$MB/.Processed")" "$(sql "select count(*) from messages where direction = 'in'")" \
   "Processed holds exactly the messages stored"
is "$(sql "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")" "0" \
   "no message stored twice"
is "$(sql "select count(*) from messages where direction = 'in' and case_id is null")" "0" "every message is on a case"
stop_daemon TERM
is "$(sql "pragma integrity_check")" "ok" "the database is whole"
echo "# block 4 took $(( $(date +%s) - t0 )) s"

done_testing
