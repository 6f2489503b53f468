#!/bin/sh
# test-readonly.sh — commands that only read never create or convert a
# database: status, cases, show, triage (the list), outbox (the list),
# letters preview, config check and backup. On a missing file they say
# where the database comes from and change nothing; on an older schema
# they say how to upgrade it and leave it as it is; writers (ingest)
# still create and upgrade. Then as an unprivileged user (as root the
# part runs as nobody, through setpriv): reading a database the user may
# read works beside a running daemon, and what cannot work says why.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
F=tests/fixtures/mail
T=$(mktemp -d)
chmod 755 "$T"
DPID=""
cleanup() {
    [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
unset REDRESS_DB REDRESS_CONFIG
REF=CMP-2026-000001

# Each read-only command, as "NAME|ARGS".
READERS="status|status
cases|cases
show|show $REF
triage|triage
outbox|outbox
outbox list|outbox list
letters preview|letters preview stage1-acknowledgement $REF
backup|backup $T/backup-out.db"

# 1. No database: each says so, exit 1, and nothing appears.
mkdir "$T/none"
DB="$T/none/case.db"
while IFS='|' read -r name args; do
    # shellcheck disable=SC2086
    out=$("$R" --config /dev/null --db "$DB" $args 2>&1)
    rc=$?
    is "$rc" "1" "$name with no database: exit 1"
    like "$out" "no database at $DB (it is created by redress ingest, fetch or daemon)" \
         "$name with no database: says where it comes from"
    is "$(ls -A "$T/none")" "" "$name with no database: creates nothing (no file, -wal, -shm or lock)"
done <<EOF
$READERS
EOF
"$R" --config /dev/null --db "$DB" config check >/dev/null 2>&1
is "$?" "0" "config check with no database: exit 0"
is "$(ls -A "$T/none")" "" "config check creates no database"

# 2. An older schema: reported with what to run, and left as it was.
mkdir "$T/old"
DB="$T/old/case.db"
"$R" --config /dev/null --db "$DB" ingest --quiet --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
sqlite3 "$DB" "drop table quarantine; alter table outbox drop column bounced_at;
    alter table outbox drop column bounce_status; alter table outbox drop column bounce_detail;
    alter table outbox drop column bounce_msg_id; pragma user_version = 4"
while IFS='|' read -r name args; do
    # A backup of an old file is what one wants before upgrading.
    [ "$name" = backup ] && continue
    # shellcheck disable=SC2086
    out=$("$R" --config /dev/null --db "$DB" $args 2>&1)
    rc=$?
    is "$rc" "1" "$name on schema 4: exit 1"
    like "$out" "the database at $DB has schema 4 (this redress uses" "$name on schema 4: names the schema"
    like "$out" "run the daemon or \`redress ingest\` once to upgrade it" "$name on schema 4: says what to run"
    is "$(sqlite3 "$DB" 'pragma user_version')" "4" "$name on schema 4: does not upgrade it"
done <<EOF
$READERS
EOF
"$R" --config /dev/null --db "$DB" ingest --quiet --received-at 2026-11-20T10:00:00Z "$F/07-ce-complaint.eml"
is "$?" "0" "ingest upgrades it"
check "to the current schema" test "$(sqlite3 "$DB" 'pragma user_version')" -gt 4
like "$("$R" --config /dev/null --db "$DB" cases 2>&1)" "$REF" "after which cases lists it"
like "$("$R" --config /dev/null --db "$DB" letters preview stage1-acknowledgement "$REF" --text 2>&1)" \
     "$REF" "and letters preview writes the letter"

# A database being written by the daemon is read beside it (WAL).
DB="$T/old/case.db"
"$R" --config /dev/null --db "$DB" daemon 2>"$T/daemon.log" &
DPID=$!
check "the daemon starts" until_true 10 sh -c \
    "'$R' --config /dev/null --db '$DB' status | grep -q 'daemon: running (pid $DPID'"
like "$("$R" --config /dev/null --db "$DB" show "$REF" 2>&1)" "$REF" "show reads beside the running daemon"
kill -TERM "$DPID"; wait "$DPID"; DPID=""

# 3. As an unprivileged user.
if [ "$(id -u)" != 0 ]; then
    echo "ok $((_tap_n + 1)) # SKIP not root: cannot run as another user"
    _tap_n=$((_tap_n + 1))
    done_testing
    exit $?
fi
AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
if ! $AS "$R" --help >/dev/null 2>&1; then
    echo "ok $((_tap_n + 1)) # SKIP nobody cannot run $R (a folder on the way is private)"
    _tap_n=$((_tap_n + 1))
    done_testing
    exit $?
fi

# 3a. nobody's own database, in nobody's folder.
mkdir "$T/nb"
chown nobody "$T/nb"
DB="$T/nb/case.db"
out=$($AS "$R" --config /dev/null --db "$DB" status 2>&1)
is "$?" "1" "nobody: status with no database: exit 1"
is "$(ls -A "$T/nb")" "" "nobody: and nothing is created"
$AS "$R" --config /dev/null --db "$DB" ingest --quiet --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$?" "0" "nobody: ingest creates the database"
is "$(stat -c '%U %a' "$DB")" "nobody 600" "owned by nobody, mode 0600"
like "$($AS "$R" --config /dev/null --db "$DB" cases 2>&1)" "$REF" "nobody: cases reads it"
like "$($AS "$R" --config /dev/null --db "$DB" status 2>&1)" "daemon: not running" "nobody: status reads it"

# 3b. root's database in root's folder, readable by all (0644), while
# root's daemon runs: its -wal and -shm copy the file's mode, and nobody
# can read beside it. The lock file stays root's (0600), so status falls
# back on the heartbeat, which the daemon writes at start.
mkdir "$T/rootdb"
DB="$T/rootdb/case.db"
"$R" --config /dev/null --db "$DB" ingest --quiet --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
chmod 644 "$DB"
"$R" --config /dev/null --db "$DB" daemon 2>"$T/daemon2.log" &
DPID=$!
check "root's daemon starts" until_true 10 sh -c \
    "'$R' --config /dev/null --db '$DB' status | grep -q 'daemon: running (pid $DPID'"
like "$($AS "$R" --config /dev/null --db "$DB" status 2>&1)" "daemon: running (pid $DPID" \
     "nobody: status beside root's daemon"
like "$($AS "$R" --config /dev/null --db "$DB" show "$REF" 2>&1)" "$REF" "nobody: show beside root's daemon"
out=$($AS "$R" --config /dev/null --db "$DB" ingest --quiet "$F/07-ce-complaint.eml" 2>&1)
check "nobody: ingest into root's database is refused" test "$?" -ne 0
is "$(sqlite3 "$DB" "select count(*) from messages")" "1" "and stores nothing"
kill -TERM "$DPID"; wait "$DPID"; DPID=""

# 3c. The daemon stopped: SQLite removed the -wal and -shm, and nobody
# cannot create them in root's folder. A clear error, nothing changed.
rm -f "$DB-wal" "$DB-shm"
before=$(ls -A "$T/rootdb" | tr '\n' ' ')
out=$($AS "$R" --config /dev/null --db "$DB" status 2>&1)
is "$?" "2" "nobody: a WAL database with no -shm in a folder it cannot write: exit 2"
like "$out" "cannot open the database $DB" "nobody: says it cannot read it"
like "$out" "needs its -wal and -shm files" "nobody: and why"
is "$(ls -A "$T/rootdb" | tr '\n' ' ')" "$before" "nobody: and creates nothing"
out=$($AS "$R" --config /dev/null --db "$T/rootdb/other.db" cases 2>&1)
is "$?" "1" "nobody: a missing database in root's folder: exit 1"
like "$out" "no database at $T/rootdb/other.db" "nobody: says there is none"

done_testing
