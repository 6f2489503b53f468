#!/bin/sh
# diskfull.sh — the disk holding the database fills up under `redress
# ingest` and `redress fetch`.
#
#   sh tests/faults/diskfull.sh
#
#   FAULT_MESSAGES  messages for each command (default 600), about 30 KB each
#
# The database lives on a tmpfs of its own (mount -t tmpfs -o size=…; the
# script skips when it may not mount one, and unmounts it at exit).
#
#  ingest  The tmpfs starts at 2 MB. `redress ingest --json` of the folder
#          fails once the disk is full; the tmpfs is then made larger by a
#          sixth of what the messages take once stored (at least 3 MB)
#          (mount -o remount,size=…) and ingest runs again, until a run
#          completes. Every failed run is a round, and must: exit 2; say
#          "disk full" and name the database; leave a database that a copy
#          of its files opens whole (pragma integrity_check); have nothing
#          half-written (every message stored is on a case, every case has
#          its acknowledgement queued); and have reported as stored only
#          messages that are. The completed run must store the rest, none
#          twice.
#  no room A run started with a few KB free: a clear "disk full" refusal,
#          exit 2, and no crash (the parse journal once died of SIGBUS
#          here, storing into a hole of its mapping).
#  fetch   The same against the complaints INBOX, on a tmpfs that filler
#          files of that size fill but for 2 MB; after each failed round
#          one filler is deleted. Besides the above, a message must be moved to
#          Processed only once stored, and every message must be in INBOX
#          or Processed, once; after the last run INBOX is empty.
#  daemon  `redress daemon` on a tmpfs that holds about half the mail,
#          which arrives 20 messages at a time: once a fetch has failed
#          for the full disk, for 10 s the daemon must keep running and
#          not reconnect more than a backoff allows (it once did a dozen
#          times a second); after the tmpfs is made large it must store
#          the rest, empty INBOX and send every acknowledgement.
#  sending The daemon hands an acknowledgement to an SMTP server that
#          answers 3 s after the message (tests/faults/fake-smtp.py slow);
#          meanwhile the disk fills, so the letter is delivered but cannot
#          be marked sent. For 12 s the server must not get it again (it
#          once got it at every sending run); once there is room the
#          letter must be recorded sent, still delivered once.
#
# Stored, a message takes about 3.5 times its size (the raw bytes, its
# text, the new text), and the write-ahead log some more.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
N=${FAULT_MESSAGES:-600}
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a small tmpfs"
command -v mount >/dev/null 2>&1 || skip_all "no mount command"
SMALL="$T/small"
mkdir -p "$SMALL"
mount -t tmpfs -o size=2m,mode=0755 tmpfs "$SMALL" 2>"$T/mount.err" ||
    skip_all "mounting a tmpfs is not allowed here ($(head -n 1 "$T/mount.err"))"
at_exit "umount '$SMALL' || umount -l '$SMALL'"
PAD_FILE="$T/pad30k"
pad_file "$PAD_FILE" 30000
DB="$SMALL/case.db"
C="$T/redress.conf"
write_conf "$C"
MAX_ROUNDS=60
STEP_MB=$(( N * 105 / 1024 / 6 ))
[ "$STEP_MB" -ge 3 ] || STEP_MB=3

# snapshot: copy the database's files as they are now (a crash would see
# the same) to $T/snap.db, where sqlite3 can open them whatever the space.
snapshot() {
    rm -f "$T/snap.db" "$T/snap.db-wal" "$T/snap.db-shm"
    cp "$DB" "$T/snap.db"
    [ -f "$DB-wal" ] && cp "$DB-wal" "$T/snap.db-wal"
    return 0
}
# round_checks LABEL ERRFILE RC: what every failed round must show.
round_checks() {
    is "$3" "2" "$1: exits 2"
    like "$(cat "$2")" "disk full" "$1: the error says the disk is full"
    like "$(cat "$2")" "$DB" "$1: and names the database"
    snapshot
    is "$(sql "$T/snap.db" "pragma integrity_check")" "ok" "$1: the database is whole"
    is "$(sql "$T/snap.db" "select count(*) from messages where direction = 'in' and case_id is null")" "0" \
       "$1: every message stored is on a case"
    is "$(sql "$T/snap.db" "select count(*) from cases c where not exists (select 1 from outbox o where o.case_id = c.id and o.kind like '%acknowledgement')")" \
       "0" "$1: every case stored has its acknowledgement queued"
}
df_kb() { df -k "$SMALL" | awk 'NR == 2 { print $4 }'; }

# ---- ingest ----------------------------------------------------------------------
mkdir -p "$T/in"
i=1
while [ "$i" -le "$N" ]; do
    mail_file "$T/in/$(printf %06d "$i").eml" "$i"
    i=$((i + 1))
done
t0=$(date +%s)
size_mb=2
rounds=0
while :; do
    "$R" --config "$C" --db "$DB" ingest --json "$T/in" >"$T/ingest.out" 2>"$T/ingest.err"
    rc=$?
    [ "$rc" = 0 ] && break
    rounds=$((rounds + 1))
    round_checks "ingest, disk full at $size_mb MB" "$T/ingest.err" "$rc"
    [ -n "${FAULT_VERBOSE:-}" ] && echo "# ingest round $rounds at $size_mb MB: status $rc, $(sql "$T/snap.db" "select count(*) from messages") stored; $(head -c 300 "$T/ingest.err" | tr '\n' ' ')"
    sed -n 's/.*"status":"stored","message_id":"\([^"]*\)".*/\1/p' "$T/ingest.out" | sort > "$T/reported"
    sql "$T/snap.db" "select message_id from messages where direction = 'in'" | sort > "$T/present"
    is "$(comm -23 "$T/reported" "$T/present" | wc -l | tr -d ' ')" "0" \
       "ingest, disk full at $size_mb MB: every message reported stored ($(wc -l < "$T/reported" | tr -d ' ')) is in the database"
    [ "$rounds" -lt "$MAX_ROUNDS" ] || break
    size_mb=$((size_mb + STEP_MB))
    mount -o remount,size=${size_mb}m "$SMALL"
done
is "$rc" "0" "ingest completes once the disk has room ($size_mb MB, after $rounds disk-full runs)"
check "the disk filled up at least once" test "$rounds" -ge 1
case_file_checks "$DB" "$N" "disk full under ingest"
figure "disk full under redress ingest" "$rounds" "$N" "$LOST" "$DUPS" "$(( $(date +%s) - t0 ))"

# ---- no room at all --------------------------------------------------------------------
# Room for the filler to leave exactly what is wanted.
mount -o remount,size=$((size_mb + 8))m "$SMALL"
for left in 96 64 48 32 24 16 8; do
    rm -f "$SMALL/filler"
    fallocate -l $(( ($(df_kb) - left) * 1024 )) "$SMALL/filler"
    mail_file "$T/extra.eml" $((N + 1))
    "$R" --config "$C" --db "$DB" ingest --quiet "$T/extra.eml" >/dev/null 2>"$T/noroom.err"
    rc=$?
    is "$rc" "2" "ingest on a disk with ${left} KB left: exits 2, no crash"
    like "$(cat "$T/noroom.err")" "disk full" "ingest on a disk with ${left} KB left: the error says the disk is full"
done
rm -f "$SMALL/filler"
umount "$SMALL"

# ---- fetch -----------------------------------------------------------------------------
servers_start || skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
write_conf "$C"
mount -t tmpfs -o size=$(( N * 105 * 3 / 2 / 1024 + 16 ))m,mode=0755 tmpfs "$SMALL"
k=0
while [ "$(df_kb)" -gt $((2048 + STEP_MB * 1024)) ]; do
    k=$((k + 1))
    fallocate -l "${STEP_MB}m" "$SMALL/filler.$k"
done
fallocate -l $(( ($(df_kb) - 2048) * 1024 )) "$SMALL/filler.0"
deliver "$MB" 1 "$N"
t0=$(date +%s)
rounds=0
while :; do
    "$R" --config "$C" --db "$DB" fetch >"$T/fetch.out" 2>"$T/fetch.err"
    rc=$?
    [ "$rc" = 0 ] && break
    rounds=$((rounds + 1))
    [ -n "${FAULT_VERBOSE:-}" ] && echo "# fetch round $rounds: status $rc; $(head -c 300 "$T/fetch.err" | tr '\n' ' ')"
    round_checks "fetch, disk full (round $rounds)" "$T/fetch.err" "$rc"
    sql "$T/snap.db" "select substr(message_id, 1, instr(message_id, '@') - 1) from messages where direction = 'in'" | sort > "$T/present"
    maildir_ids "$MB/.Processed" > "$T/moved"
    maildir_ids "$MB" > "$T/waiting"
    is "$(comm -23 "$T/moved" "$T/present" | wc -l | tr -d ' ')" "0" \
       "fetch, disk full (round $rounds): nothing unstored was moved to Processed ($(wc -l < "$T/moved" | tr -d ' ') moved, $(wc -l < "$T/present" | tr -d ' ') stored)"
    is "$(sort -u "$T/moved" "$T/waiting" | wc -l | tr -d ' ')" "$N" \
       "fetch, disk full (round $rounds): every message is still on the server"
    [ "$rounds" -lt "$MAX_ROUNDS" ] || break
    rm -f "$SMALL/filler.$k"
    k=$((k - 1))
    [ "$k" -ge 0 ] || break
done
is "$rc" "0" "fetch completes once the disk has room (after $rounds disk-full runs)"
check "the disk filled up at least once" test "$rounds" -ge 1
case_file_checks "$DB" "$N" "disk full under fetch"
server_checks "$MB" "$N" "disk full under fetch"
figure "disk full under redress fetch" "$rounds" "$N" "$LOST" "$DUPS" "$(( $(date +%s) - t0 ))"
umount "$SMALL"

# ---- the daemon ------------------------------------------------------------------------
# Another mailbox and database: the chief executive's INBOX, read as the
# complaints mailbox.
MB="$MAIL_ROOT/chief.executive@$MAIL_DOMAIN/Maildir"
maildir "$MB"
write_conf "$C" chief.executive
DLOG="$T/daemon.log"
mount -t tmpfs -o size=$(( N * 105 / 2 / 1024 + 2 ))m,mode=0755 tmpfs "$SMALL"
t0=$(date +%s)
"$R" --config "$C" --db "$DB" daemon 2>"$DLOG" &
DPID=$!
bg_pid "$DPID"
i=1
while [ "$i" -le "$N" ]; do
    deliver "$MB" "$i" $((i + 19 < N ? i + 19 : N))
    i=$((i + 20))
    sleep 0.3
done
full() { grep -q 'fetch failed (the database).*disk full' "$DLOG"; }
check "daemon: a fetch fails for the full disk" until_true 120 full
n0=$(grep -c 'connected=yes' "$DLOG")
sleep 10
n1=$(grep -c 'connected=yes' "$DLOG")
check "daemon: in the next 10 s it connects again no more than its backoff allows ($((n1 - n0)) times)" \
    test $((n1 - n0)) -le 3
check "daemon: and keeps running" kill -0 "$DPID"
mount -o remount,size=$(( N * 105 * 2 / 1024 + 16 ))m "$SMALL"
want=$(cases_for "$N")
settled() {
    test "$(sql "$DB" "select count(*) from cases")" -ge "$want" &&
    test "$(files "$MB")" = 0 &&
    test "$(sql "$DB" "select count(*) from outbox where status = 'queued'")" = 0
}
check "daemon: once there is room it stores the rest, empties INBOX and sends every letter" until_true 300 settled
kill -TERM "$DPID"
wait "$DPID"
is "$?" "0" "daemon: it stops with status 0"
bg_done "$DPID"
case_file_checks "$DB" "$N" "disk full under the daemon"
server_checks "$MB" "$N" "disk full under the daemon"
figure "disk full under redress daemon" 1 "$N" "$LOST" "$DUPS" "$(( $(date +%s) - t0 ))"
umount "$SMALL"

# ---- the daemon sending while the disk fills -----------------------------------------
t0=$(date +%s)
mkdir -p "$T/slow"
FAKE_DELAY=3 python3 tests/faults/fake-smtp.py slow "$T/slow/port" "$T/slow" 2>"$T/slow/stderr" &
bg_pid $!
until_true 10 test -s "$T/slow/port"
MB="$MAIL_ROOT/stage2@$MAIL_DOMAIN/Maildir"
maildir "$MB"
write_conf "$C" stage2 "smtp://127.0.0.1:$(cat "$T/slow/port")"
mount -t tmpfs -o size=16m,mode=0755 tmpfs "$SMALL"
"$R" --config "$C" --db "$DB" daemon 2>"$DLOG" &
DPID=$!
bg_pid "$DPID"
deliver "$MB" 1 1
in_data() { grep -q '^stored message' "$T/slow/log" 2>/dev/null; }
check "sending: the acknowledgement reaches the SMTP server" until_true 60 in_data
fallocate -l $(( $(df_kb) * 1024 )) "$SMALL/filler" 2>/dev/null ||
    fallocate -l $(( ($(df_kb) - 4) * 1024 )) "$SMALL/filler"
# The acknowledgements the server got (the daemon's alert about the
# database goes through it too).
copies() { grep -l '^To: .*citizen1@public.test' "$T/slow"/*.eml 2>/dev/null | wc -l | tr -d ' '; }
unrecorded() { grep -q 'daemon sender: .*disk full' "$DLOG"; }
check "sending: the disk fills before the server's 250, so the letter cannot be marked sent" until_true 20 unrecorded
sleep 12
is "$(copies)" "1" "sending: in the next 12 s the server gets the letter no second time"
rm -f "$SMALL/filler"
sent() { test "$(sql "$DB" "select count(*) from outbox where status = 'queued'")" = 0; }
check "sending: once there is room the letters are recorded sent" until_true 60 sent
is "$(sql "$DB" "select status || '|' || attempts from outbox where kind = 'stage1-acknowledgement'")" "sent|1" \
   "sending: the acknowledgement is marked sent, after one delivery"
is "$(copies)" "1" "sending: the server got it once"
kill -TERM "$DPID"
wait "$DPID"
is "$?" "0" "sending: the daemon stops with status 0"
bg_done "$DPID"
figure "disk full while the daemon sends" 1 1 "$(( 1 - $(sql "$DB" "select count(*) from outbox where kind = 'stage1-acknowledgement' and status = 'sent'") ))" \
    "$(( $(copies) - 1 ))" "$(( $(date +%s) - t0 ))"
done_testing
