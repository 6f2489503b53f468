#!/bin/sh
# test-backup.sh — `redress backup` during a busy ingest, and `redress
# restore`.
#
# "Acknowledged before the backup began" is made precise with what ingest
# itself prints: `redress ingest --json` prints a message's line only once
# its batch is on disk. The test copies ingest's output so far, then starts
# the backup: every message whose "stored" line is in that copy was durable
# before the backup began, and must be in the backup. The backup is also a
# snapshot, so it must be whole (integrity, foreign keys, and every message
# filed with everything its transaction wrote) and hold fewer messages than
# the ingest stores in the end.
#
# Then restore: into a new place; refused while a daemon runs there;
# in place once it is stopped, keeping the database as it was (with what
# was still only in its -wal); the daemon starts on the restored file; a
# damaged copy is refused with nothing changed; a damaged database is
# moved aside. And the backup's own refusals: an existing DEST, a missing
# folder, a full disk (a 1 MB tmpfs, where it can be mounted), --keep.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
: "${BACKUP_MESSAGES:=3000}"
T=$(mktemp -d)
PIDS=""
SMALL=""
cleanup() {
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$SMALL" ] && umount "$SMALL" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
unset REDRESS_DB REDRESS_CONFIG
# (Not for what runs in the background: $! would be the function's shell.)
rd() { "$R" --config /dev/null "$@"; }
q() { sqlite3 -readonly "$1" "$2"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# BACKUP_MESSAGES complaints of about 3.4 KB each, in one mbox.
awk -v n="$BACKUP_MESSAGES" 'BEGIN {
    pad = ""
    for (k = 0; k < 40; k++)
        pad = pad "The park railings are broken and the gate does not close; children run out. " k "\n"
    for (i = 0; i < n; i++)
        printf "From person%d@public.test Fri Nov 20 09:00:00 2026\nFrom: Person %d <person%d@public.test>\nTo: complaints@council.test\nSubject: Complaint number %d\nMessage-ID: <bk-%d@public.test>\nDate: Fri, 20 Nov 2026 09:00:00 +0000\n\nMy complaint number %d is about the state of the park.\n%s\n", i, i, i, i, i, i, pad
}' > "$T/many.mbox"

# 1. A backup in the middle of a busy ingest.
DB="$T/live.db"
"$R" --config /dev/null --db "$DB" ingest --json "$T/many.mbox" >"$T/ingest.json" 2>"$T/ingest.err" &
IPID=$!
PIDS=$IPID
acked() { grep -c '"status":"stored"' "$1"; }
check "ingest acknowledges its first 300 messages" until_true 120 sh -c "test \$(grep -c '\"status\":\"stored\"' '$T/ingest.json') -ge 300"
cp "$T/ingest.json" "$T/acked.json"
n_acked=$(acked "$T/acked.json")
in_db_before=$(q "$DB" "select count(*) from messages")
t0=$(now)
rd --db "$DB" --json backup "$T/b.db" >"$T/backup.json" 2>"$T/backup.err"
brc=$?
t1=$(now)
in_db_after=$(q "$DB" "select count(*) from messages")
kill -0 "$IPID" 2>/dev/null && ingest_running=yes || ingest_running=no
wait "$IPID"; irc=$?
PIDS=""
t2=$(now)
is "$brc" "0" "backup during the ingest: exit 0"
[ "$brc" -eq 0 ] || sed 's/^/# /' "$T/backup.err"
is "$ingest_running" "yes" "the ingest was still running when the backup finished"
is "$irc" "0" "the ingest finished well: the backup never stood in its way"
is "$(acked "$T/ingest.json")" "$BACKUP_MESSAGES" "and acknowledged every message"
field() { sed -n "s/.*\"$1\" : \([^,]*\).*/\1/p" "$T/backup.json" | tr -d '"'; }
b_msgs=$(q "$T/b.db" "select count(*) from messages")
like "$(cat "$T/backup.json")" '"integrity" : "ok"' "backup --json reports the check"
is "$(field messages)" "$b_msgs" "and the messages it holds"
is "$(field schema)" "$(q "$DB" 'pragma user_version')" "and its schema"
is "$(field bytes)" "$(stat -c %s "$T/b.db")" "and its size"
is "$(stat -c %a "$T/b.db")" "600" "the backup is private (mode 0600)"
is "$(q "$T/b.db" 'pragma journal_mode')" "delete" "the backup is one self-contained file (rollback mode)"
is "$(ls -A "$T" | grep -c '^\.b\.db')" "0" "no temporary file is left beside it"

# Every message acknowledged before the backup began is in it.
sed -n 's/.*"status":"stored","message_id":"\([^"]*\)".*/\1/p' "$T/acked.json" |
    awk 'BEGIN { print "CREATE TEMP TABLE acked(id TEXT);" } { printf "INSERT INTO acked VALUES (\x27%s\x27);\n", $0 }
         END { print "SELECT count(*) FROM acked WHERE id NOT IN (SELECT message_id FROM messages WHERE message_id IS NOT NULL);" }' \
    > "$T/acked.sql"
is "$(sqlite3 -readonly "$T/b.db" < "$T/acked.sql")" "0" \
   "every one of the $n_acked messages acknowledged before the backup began is in the backup"
check "the backup holds at least those ($b_msgs >= $n_acked)" test "$b_msgs" -ge "$n_acked"
check "and is a snapshot from during the ingest ($b_msgs < $BACKUP_MESSAGES)" test "$b_msgs" -lt "$BACKUP_MESSAGES"

# Nothing half-written.
is "$(q "$T/b.db" 'pragma integrity_check')" "ok" "backup: integrity_check ok"
is "$(q "$T/b.db" 'pragma foreign_key_check' | wc -l)" "0" "backup: foreign_key_check empty"
is "$(q "$T/b.db" "select count(*) from messages m where m.case_id is null
                   and not exists (select 1 from triage t where t.msg_id = m.id)")" "0" \
   "backup: every message is on a case or in triage"
is "$(q "$T/b.db" "select count(*) from messages m where not exists
                   (select 1 from message_routes r where r.msg_id = m.id)")" "0" \
   "backup: every message has its route"
is "$(q "$T/b.db" "select count(*) from cases c where not exists (select 1 from stages s where s.case_id = c.id)
                   or not exists (select 1 from outbox o where o.case_id = c.id)
                   or not exists (select 1 from messages m where m.case_id = c.id)")" "0" \
   "backup: every case has its stage, its acknowledgement letter and its message"
is "$(q "$T/b.db" "select count(*) - count(distinct message_id) from messages")" "0" "backup: no message twice"
is "$(q "$DB" 'pragma integrity_check')" "ok" "the live database is whole too"
is "$(q "$DB" "select count(*) from messages")" "$BACKUP_MESSAGES" "and holds every message"
bsize=$(stat -c %s "$T/b.db")
echo "# ingest: $BACKUP_MESSAGES messages of $(($(stat -c %s "$T/many.mbox") / BACKUP_MESSAGES)) bytes each; it finished $(secs "$t0" "$t2") s after the backup began"
echo "# backup: $bsize bytes ($((bsize / 1048576)) MiB), $b_msgs messages, $(secs "$t0" "$t1") s;" \
     "acknowledged before it began: $n_acked; in the database just before/after it: $in_db_before/$in_db_after"

# 2. Restore into a new place.
RDB="$T/restored.db"
out=$(rd --db "$RDB" restore "$T/b.db" 2>&1)
is "$?" "0" "restore into a new place: exit 0"
like "$out" "restored $RDB from $T/b.db: schema" "restore says what it did"
is "$(q "$RDB" 'pragma integrity_check')" "ok" "restored: integrity ok"
is "$(q "$RDB" 'select count(*) from messages')" "$b_msgs" "restored: every message of the backup"
is "$(q "$RDB" 'pragma journal_mode')" "wal" "restored: in WAL mode, ready for the daemon"
is "$(stat -c %a "$RDB")" "600" "restored: private (mode 0600)"

# 3. Refused while a daemon runs on it, nothing changed.
"$R" --config /dev/null --db "$RDB" daemon 2>"$T/daemon.log" &
DPID=$!
PIDS=$DPID
check "a daemon starts on the restored database" until_true 15 sh -c \
    "'$R' --config /dev/null --db '$RDB' status | grep -q 'daemon: running (pid $DPID'"
printf 'From: Late Writer <late@public.test>\nTo: complaints@council.test\nSubject: After the backup\nMessage-ID: <late@public.test>\nDate: Fri, 20 Nov 2026 11:00:00 +0000\n\nThis came after the backup.\n' > "$T/late.eml"
rd --db "$RDB" ingest --quiet "$T/late.eml"
is "$?" "0" "a message ingested beside the daemon"
out=$(rd --db "$RDB" restore "$T/b.db" 2>&1)
is "$?" "1" "restore while the daemon runs: exit 1"
like "$out" "a redress daemon (pid $DPID) is already running on the database $RDB" "naming the daemon"
like "$out" "nothing was changed" "and saying nothing changed"
is "$(ls "$T" | grep -c 'restored.db.before-restore')" "0" "no copy was made"
is "$(q "$RDB" "select count(*) from messages where message_id = 'late@public.test'")" "1" "the database is as it was"
kill -TERM "$DPID"; wait "$DPID"
is "$?" "0" "the daemon stops"
PIDS=""

# 4. In place once the daemon is stopped; the old database is kept.
out=$(rd --db "$RDB" restore "$T/b.db" 2>&1)
is "$?" "0" "restore with the daemon stopped: exit 0"
like "$out" "written into the database in one transaction" "written in place"
kept=$(ls "$T" | grep 'restored.db.before-restore-[0-9]\{8\}-[0-9]\{6\}$')
check "the database as it was is kept as restored.db.before-restore-TIMESTAMP ($kept)" test -n "$kept"
like "$out" "kept as $T/$kept" "and restore says where"
is "$(q "$T/$kept" "select count(*) from messages where message_id = 'late@public.test'")" "1" \
   "the kept database has the message that came after the backup"
is "$(q "$T/$kept" 'pragma integrity_check')" "ok" "and is whole"
is "$(q "$RDB" "select count(*) from messages where message_id = 'late@public.test'")" "0" \
   "the restored database has not"
is "$(q "$RDB" 'select count(*) from messages')" "$b_msgs" "it holds exactly the backup's messages"
check "no log left behind: no -wal, or an empty one" sh -c "test ! -s '$RDB-wal'"
"$R" --config /dev/null --db "$RDB" daemon 2>"$T/daemon2.log" &
DPID=$!
PIDS=$DPID
check "the daemon starts on the restored file" until_true 15 sh -c \
    "'$R' --config /dev/null --db '$RDB' status | grep -q 'daemon: running (pid $DPID'"
like "$(rd --db "$RDB" cases 2>&1 | tail -n 1)" "$(q "$RDB" 'select count(*) from cases') cases" "and the cases are there"
kill -TERM "$DPID"; wait "$DPID"
is "$?" "0" "and stops cleanly"
PIDS=""

# 5. A database whose last commits are only in its -wal (an ingest killed
# with SIGKILL): the copy kept before the restore has them.
"$R" --config /dev/null --db "$RDB" ingest --quiet "$T/many.mbox" >/dev/null 2>&1 &
KPID=$!
until_true 60 sh -c "test \$(sqlite3 -readonly '$RDB' 'select count(*) from messages') -gt $((b_msgs + 50))"
kill -KILL "$KPID"; wait "$KPID" 2>/dev/null
had=$(q "$RDB" 'select count(*) from messages')
check "the killed ingest left a log ($(stat -c %s "$RDB-wal" 2>/dev/null || echo 0) bytes)" test -s "$RDB-wal"
rm -f "$T"/restored.db.before-restore-*
out=$(rd --db "$RDB" restore "$T/b.db" 2>&1)
is "$?" "0" "restore over it: exit 0"
kept=$(ls "$T" | grep 'restored.db.before-restore-[0-9]\{8\}-[0-9]\{6\}$')
is "$(q "$T/$kept" 'select count(*) from messages')" "$had" "the kept copy has every message committed before the kill ($had)"
is "$(q "$RDB" 'select count(*) from messages')" "$b_msgs" "and the database the backup's"
is "$(q "$RDB" 'pragma integrity_check')" "ok" "whole"

# 6. A damaged database (its header overwritten) is moved aside with its
# files, and the copy put in its place.
printf 'this is not a database header; this is not a database header; this is not a database header' |
    dd of="$RDB" conv=notrunc 2>/dev/null
check "the damaged database is refused by the commands" sh -c "! '$R' --config /dev/null --db '$RDB' cases >/dev/null 2>&1"
rm -f "$T"/restored.db.before-restore-*
# As root over a database that belongs to the service's user: what root
# puts in its place must still be that user's.
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then owner=nobody; chown nobody "$RDB" "$RDB.lock"; fi
out=$(rd --db "$RDB" restore "$T/b.db" 2>&1)
is "$?" "0" "restore over a damaged database: exit 0"
like "$out" "the files replaced" "by replacing the files"
kept=$(ls "$T" | grep 'restored.db.before-restore-[0-9]\{8\}-[0-9]\{6\}$')
like "$(head -c 40 "$T/$kept")" "this is not a database header" "the damaged file is kept as it was"
is "$(q "$RDB" 'pragma integrity_check')" "ok" "and the restored one is whole"
is "$(q "$RDB" 'select count(*) from messages')" "$b_msgs" "with the backup's messages"
is "$(stat -c '%U %a' "$RDB") $(stat -c %U "$RDB.lock")" "$owner 600 $owner" \
   "owned by the old database's owner ($owner), mode 0600, and so is its lock file"

# 7. A damaged copy is refused before anything changes.
head -c 100000 "$T/b.db" > "$T/cut.db"
rm -f "$T"/restored.db.before-restore-*
sum_before=$(md5sum < "$RDB")
out=$(rd --db "$RDB" restore "$T/cut.db" 2>&1)
is "$?" "1" "a damaged copy: exit 1"
like "$out" "cut.db" "naming it"
is "$(ls "$T" | grep -c 'restored.db.before-restore')" "0" "nothing kept: nothing was changed"
is "$(md5sum < "$RDB")" "$sum_before" "the database is untouched"
out=$(rd --db "$RDB" restore "$T/nothing.db" 2>&1)
is "$?" "1" "a missing copy: exit 1"

# 8. The backup's refusals.
out=$(rd --db "$DB" backup "$T/b.db" 2>&1)
is "$?" "1" "an existing DEST: exit 1"
like "$out" "exists; choose another name, or use --force to replace it" "saying what to do"
rd --db "$DB" --quiet backup --force "$T/b.db"
is "$?" "0" "--force replaces it"
is "$(q "$T/b.db" 'select count(*) from messages')" "$BACKUP_MESSAGES" "with a new copy"
out=$(rd --db "$DB" backup "$DB" --force 2>&1)
is "$?" "1" "the database itself as DEST: refused even with --force"
out=$(rd --db "$DB" backup "$T/no/such/folder/b.db" 2>&1)
is "$?" "1" "a missing folder: exit 1"
like "$out" "cannot write in the folder $T/no/such/folder" "naming it"
mkdir "$T/keep"
for stamp in 20250101-000000 20250102-000000 20250103-000000; do : > "$T/keep/redress-$stamp.db"; done
: > "$T/keep/notes.txt"
out=$(rd --db "$RDB" backup --keep 2 "$T/keep" 2>&1)
is "$?" "0" "backup into a folder with --keep 2: exit 0"
is "$(ls "$T/keep" | grep -c '^redress-[0-9]\{8\}-[0-9]\{6\}\.db$')" "2" "two dated backups are left"
check "the newest is today's" sh -c "ls '$T/keep' | grep -q 'redress-$(date +%Y%m%d)-'"
check "the other is the newest of the old ones" test -e "$T/keep/redress-20250103-000000.db"
check "files not named as backups are left alone" test -e "$T/keep/notes.txt"
like "$out" "removed the old backup $T/keep/redress-20250101-000000.db" "it says what it removed"
out=$(rd --db "$RDB" backup --keep 2 "$T/b2.db" 2>&1)
is "$?" "1" "--keep with a file as DEST: exit 1"

if [ "$(id -u)" = 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
    SMALL="$T/small"
    out=$(rd --db "$DB" backup "$T/small/b.db" 2>&1)
    is "$?" "2" "a full disk: exit 2"
    like "$out" "disk is full" "saying the disk is full"
    is "$(ls -A "$T/small")" "" "and leaving nothing on it"
    umount "$T/small"
    SMALL=""
else
    echo "ok $((_tap_n + 1)) # SKIP cannot mount a small tmpfs to fill (needs root)"
    _tap_n=$((_tap_n + 1))
fi

done_testing
