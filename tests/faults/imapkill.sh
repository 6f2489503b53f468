#!/bin/sh
# imapkill.sh — the IMAP server dies (kill -9 of Dovecot and every process
# under it, `tests/mailservers.sh kill-imap`: connections cut, nothing
# said to the client) and is started again:
#
#   sh tests/faults/imapkill.sh
#
#   FAULT_ROUNDS    kills of each kind (default 5)
#   FAULT_MESSAGES  messages of about 30 KB per mid-fetch round (default 1000)
#
#  mid-IDLE   `redress daemon` waits in IDLE; Dovecot is killed; status
#             must show the mailbox disconnected; a complaint arrives;
#             Dovecot starts again; the daemon must connect again and
#             store the complaint once.
#  mid-fetch  FAULT_MESSAGES arrive; once the daemon has committed its
#  (daemon)   first batch and after a random 0–400 ms more, Dovecot is
#             killed; the daemon must keep running, and once Dovecot is back store
#             the rest and empty INBOX.
#  mid-fetch  The same under `redress fetch`, which must exit 2 with the
#  (fetch)    error, and whose next run must store the rest and exit 0.
#
# At the end, the checks of common.sh over everything that arrived: each
# message stored once, on its case, one acknowledgement per case, the
# database whole, and each message on the server once, in Processed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
ROUNDS=${FAULT_ROUNDS:-5}
M=${FAULT_MESSAGES:-1000}
servers_start || skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
DB="$T/case.db"
C="$T/redress.conf"
write_conf "$C"
PAD_30K="$T/pad30k"
pad_file "$PAD_30K" 30000
DPID=""
start_daemon() {
    "$R" --config "$C" --db "$DB" daemon 2>>"$T/log" &
    DPID=$!
    bg_pid "$DPID"
}
status_is() {
    "$R" --config "$C" --db "$DB" status --json 2>/dev/null | tr -d ' \n' |
        grep -q "\"mailbox\":\"complaints\",\"connected\":$1"
}
connections() { grep -c 'daemon mailbox=complaints connected=yes' "$T/log"; }
stored() { sql "$DB" "select count(*) from messages where direction = 'in'"; }
stored_ge() { test "$(stored)" -ge "$1"; }
inbox_empty() { test "$(files "$MB")" = 0; }
# first_commit FILE LINES: wait (20 ms steps, 60 s at most) until FILE
# logs more than LINES messages stored: the first commit of the batch.
first_commit() {
    _k=0
    while [ "$_k" -lt 3000 ]; do
        [ "$(grep -c 'ingested mailbox=' "$1" 2>/dev/null)" -gt "$2" ] && return 0
        sleep 0.02
        _k=$((_k + 1))
    done
    return 1
}
imap_down() { bash tests/mailservers.sh kill-imap "$D" 2>>"$T/log.servers"; }
# imap_up: when Dovecot will not start, the reason goes into the TAP
# output (CI keeps nothing else).
imap_up() {
    bash tests/mailservers.sh start-imap "$D" 2>>"$T/log.servers" && return 0
    tail -n 3 "$T/log.servers" "$D/log/dovecot.log" 2>/dev/null | sed 's/^/# /'
    return 1
}
# part_figures FAULT ROUNDS FIRST LAST SECONDS: the row for messages
# FIRST..LAST, counted in the database and on the server.
part_figures() {
    _n=$(( $4 - $3 + 1 ))
    _num="cast(substr(message_id, 7, instr(message_id, '@') - 7) as integer)"
    _rows=$(sql "$DB" "select count(*) from messages where message_id like 'fault-%' and $_num between $3 and $4")
    _ids=$(sql "$DB" "select count(distinct message_id) from messages where message_id like 'fault-%' and $_num between $3 and $4")
    { maildir_ids "$MB"; maildir_ids "$MB/.Processed"; } | sed 's/^fault-//' |
        awk -v a="$3" -v b="$4" '$1 >= a && $1 <= b' > "$T/part.ids"
    _srv=$(wc -l < "$T/part.ids" | tr -d ' ')
    _srv_u=$(sort -u "$T/part.ids" | wc -l | tr -d ' ')
    figure "$1" "$2" "$_n" $(( (_n - _ids) + (_n - _srv_u) )) $(( (_rows - _ids) + (_srv - _srv_u) )) "$5"
}
last=0

# ---- mid-IDLE --------------------------------------------------------------------
start_daemon
check "the daemon connects and waits in IDLE" until_true 30 grep -q 'connected=yes wait=idle' "$T/log"
t0=$(date +%s)
first=$((last + 1))
round=1
while [ "$round" -le "$ROUNDS" ]; do
    n=$(connections)
    until_true 30 status_is true
    sleep 0.5          # past the fetch pass, into IDLE
    imap_down
    check "mid-IDLE $round: Dovecot is dead (IMAPS refuses connections)" \
        sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$IMAPS_PORT) 2>/dev/null"
    check "mid-IDLE $round: status shows the mailbox disconnected" until_true 15 status_is false
    last=$((last + 1))
    deliver "$MB" "$last" "$last"
    check "mid-IDLE $round: Dovecot starts again" imap_up
    check "mid-IDLE $round: the daemon is still running" kill -0 "$DPID"
    reconnected() { test "$(connections)" -gt "$n"; }
    check "mid-IDLE $round: it connects again once Dovecot is back" until_true 60 reconnected
    check "mid-IDLE $round: and stores the complaint that arrived meanwhile" until_true 30 stored_ge "$last"
    is "$(sql "$DB" "select count(*) from messages where message_id = 'fault-$last@public.test'")" "1" \
       "mid-IDLE $round: once"
    round=$((round + 1))
done
part_figures "kill -9 of Dovecot in IDLE (daemon)" "$ROUNDS" "$first" "$last" "$(( $(date +%s) - t0 ))"

# ---- mid-fetch, the daemon -----------------------------------------------------------
PAD_FILE="$PAD_30K"     # from here on, complaints of about 30 KB
t0=$(date +%s)
first=$((last + 1))
round=1
while [ "$round" -le "$ROUNDS" ]; do
    until_true 60 status_is true
    base=$(stored)
    lines=$(grep -c 'ingested mailbox=' "$T/log")
    deliver "$MB" $((last + 1)) $((last + M))
    last=$((last + M))
    check "mid-fetch $round (daemon): it starts storing the $M messages" first_commit "$T/log" "$lines"
    sleep_ms "$(rand 400)"
    imap_down
    got=$(( $(stored) - base ))
    echo "# mid-fetch $round (daemon): Dovecot killed after $got of $M were stored"
    check "mid-fetch $round (daemon): Dovecot died in the middle ($got of $M stored)" test "$got" -lt "$M"
    check "mid-fetch $round (daemon): status shows the mailbox disconnected" until_true 15 status_is false
    check "mid-fetch $round (daemon): the daemon keeps running" kill -0 "$DPID"
    check "mid-fetch $round (daemon): Dovecot starts again" imap_up
    [ -n "${FAULT_VERBOSE:-}" ] && echo "# $(date +%T) Dovecot back"
    check "mid-fetch $round (daemon): once Dovecot is back it stores the rest" until_true 120 stored_ge "$last"
    [ -n "${FAULT_VERBOSE:-}" ] && echo "# $(date +%T) all stored"
    check "mid-fetch $round (daemon): and empties INBOX" until_true 60 inbox_empty
    round=$((round + 1))
done
kill -TERM "$DPID"
wait "$DPID"
is "$?" "0" "the daemon stops with status 0 on SIGTERM"
bg_done "$DPID"
like "$(cat "$T/log")" "connected=no" "the lost connections are logged"
part_figures "kill -9 of Dovecot mid-fetch (daemon)" "$ROUNDS" "$first" "$last" "$(( $(date +%s) - t0 ))"

# ---- mid-fetch, redress fetch ---------------------------------------------------------------
t0=$(date +%s)
first=$((last + 1))
round=1
while [ "$round" -le "$ROUNDS" ]; do
    base=$(stored)
    deliver "$MB" $((last + 1)) $((last + M))
    last=$((last + M))
    "$R" --config "$C" --db "$DB" fetch --quiet >/dev/null 2>"$T/fetch.err" &
    fp=$!
    bg_pid "$fp"
    check "mid-fetch $round (fetch): it starts storing the $M messages" first_commit "$T/fetch.err" 0
    sleep_ms "$(rand 400)"
    imap_down
    got=$(( $(stored) - base ))
    wait "$fp"
    rc=$?
    bg_done "$fp"
    echo "# mid-fetch $round (fetch): Dovecot killed after $got of $M were stored"
    check "mid-fetch $round (fetch): Dovecot died in the middle ($got of $M stored)" test "$got" -lt "$M"
    is "$rc" "2" "mid-fetch $round (fetch): fetch exits 2"
    like "$(cat "$T/fetch.err")" "redress fetch: error: " "mid-fetch $round (fetch): and says why"
    check "mid-fetch $round (fetch): Dovecot starts again" imap_up
    "$R" --config "$C" --db "$DB" fetch --quiet >/dev/null 2>"$T/fetch2.err"
    is "$?" "0" "mid-fetch $round (fetch): once Dovecot is back the next fetch exits 0"
    check "mid-fetch $round (fetch): and has stored the rest" stored_ge "$last"
    check "mid-fetch $round (fetch): and emptied INBOX" inbox_empty
    round=$((round + 1))
done
part_figures "kill -9 of Dovecot mid-fetch (redress fetch)" "$ROUNDS" "$first" "$last" "$(( $(date +%s) - t0 ))"

case_file_checks "$DB" "$last" "Dovecot killed"
server_checks "$MB" "$last" "Dovecot killed"
done_testing
