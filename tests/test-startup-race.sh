#!/bin/sh
# test-startup-race.sh — everything started at once on a new database.
#
# What went wrong on a fresh machine: `redress daemon` and the test's first
# `redress status` opened a NEW database at the same moment, and the daemon
# died with "database is locked" (SQLite's switch to WAL returns
# SQLITE_BUSY at once when two connections want it together). The same
# happens to an operator who runs `redress status` while systemd starts
# the service.
#
# ROUNDS times, each on a new database file: two daemons, STATUS `redress
# status` and INGEST `redress ingest` (each with its own message) are held
# at a gate (flock) and released at the same instant. Then:
#  - no process failed because of a lock (status may find no database yet,
#    or one being set up: that is an answer, not a failure);
#  - exactly one daemon runs; the other was refused, naming its pid;
#  - every ingested message is stored, once;
#  - the daemon then stops cleanly (SIGTERM, exit 0) and the file is whole.
# The figures are printed as TAP diagnostics. No mail servers: the daemon
# runs with no mailbox to watch (its sweep and heartbeat still run).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v flock >/dev/null 2>&1 || skip_all "flock (util-linux) is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
: "${ROUNDS:=50}"
STATUS=3
INGEST=2
T=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
unset REDRESS_DB REDRESS_CONFIG

# One message per ingest process, each with its own Message-ID.
k=1
while [ $k -le $INGEST ]; do
    printf 'From: Person %s <person%s@public.test>\nTo: complaints@council.test\nSubject: Complaint %s at start-up\nMessage-ID: <race-%s@public.test>\nDate: Fri, 20 Nov 2026 09:00:00 +0000\n\nComplaint %s, sent while everything starts.\n' \
        "$k" "$k" "$k" "$k" "$k" > "$T/m$k.eml"
    k=$((k + 1))
done

# Each process is started with REDRESS_TEST_OPEN_GATE=GATE: once started
# and configured it waits for a shared flock on GATE just before it opens
# the database (the daemon: before it takes its lock), while the test holds
# GATE shut. When all are waiting, the test lets go, and they reach the
# database within microseconds of each other, as the start-up jitter of a
# sanitised binary would otherwise never allow.
#
# Still under ASan and UBSan, but without the leak check at each exit: it
# makes every process a third slower, and these are hundreds of short
# processes whose code paths the other tests check for leaks.
at_gate() {
    gate=$1; shift
    REDRESS_TEST_OPEN_GATE=$gate ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        exec "$@"
}
# waiting GATE: how many processes are blocked on GATE's flock.
waiting() {
    ino=$(stat -c %i "$1")
    grep -c -- "-> FLOCK .*:$ino " /proc/locks
}

rounds=0 processes=0 lined_up=0 lock_failures=0 other_failures=0 no_db_yet=0
refused_ok=0 running_ok=0 stored_ok=0 stopped_ok=0 whole_ok=0
t0=$(date +%s)
i=1
while [ "$i" -le "$ROUNDS" ]; do
    d="$T/r$i"
    mkdir "$d"
    db="$d/case.db"
    gate="$d/gate"
    : > "$gate"
    # Hold the gate shut while the processes line up behind it.
    exec 9>"$gate"
    flock -x 9
    ( at_gate "$gate" "$R" --config /dev/null --db "$db" daemon ) 9>&- 2>"$d/daemon1.err" &
    dp1=$!
    ( at_gate "$gate" "$R" --config /dev/null --db "$db" daemon ) 9>&- 2>"$d/daemon2.err" &
    dp2=$!
    PIDS="$dp1 $dp2"
    others=""
    k=1
    while [ $k -le $STATUS ]; do
        ( at_gate "$gate" "$R" --config /dev/null --db "$db" status ) 9>&- >"$d/status$k.out" 2>"$d/status$k.err" &
        others="$others $!:status$k"
        k=$((k + 1))
    done
    k=1
    while [ $k -le $INGEST ]; do
        ( at_gate "$gate" "$R" --config /dev/null --db "$db" ingest --json --no-letters "$T/m$k.eml" ) 9>&- \
            >"$d/ingest$k.out" 2>"$d/ingest$k.err" &
        others="$others $!:ingest$k"
        k=$((k + 1))
    done
    want=$((STATUS + INGEST + 2)) n=0
    while [ "$(waiting "$gate")" -lt "$want" ] && [ $n -lt 300 ]; do
        sleep 0.02; n=$((n + 1))
    done
    lined_up=$((lined_up + $(waiting "$gate")))
    exec 9>&-   # open the gate: all at once
    for o in $others; do
        pid=${o%%:*} name=${o#*:}
        wait "$pid"; rc=$?
        processes=$((processes + 1))
        if grep -qiE 'locked|busy' "$d/$name.err"; then
            lock_failures=$((lock_failures + 1))
            echo "# round $i $name: $(head -n 1 "$d/$name.err")"
        elif [ "$rc" -ne 0 ] && case $name in status*) grep -qE 'no database at|not been set up' "$d/$name.err" ;; *) false ;; esac; then
            no_db_yet=$((no_db_yet + 1))
        elif [ "$rc" -eq 3 ] && case $name in status*) true ;; *) false ;; esac; then
            :   # status answered: something needs attention (the daemon is starting)
        elif [ "$rc" -ne 0 ]; then
            other_failures=$((other_failures + 1))
            echo "# round $i $name: exit $rc: $(head -n 1 "$d/$name.err")"
        fi
    done
    processes=$((processes + 2))
    # One daemon refused, naming the other; that one still running, with
    # its pid in the lock file (`redress status` reads it from there; it
    # is asked once, after the rounds, to keep each round short).
    n=0
    while kill -0 "$dp1" 2>/dev/null && kill -0 "$dp2" 2>/dev/null && [ $n -lt 200 ]; do
        sleep 0.05; n=$((n + 1))
    done
    if kill -0 "$dp1" 2>/dev/null; then live=$dp1 lost=$dp2 lerr="$d/daemon2.err" werr="$d/daemon1.err"
    else live=$dp2 lost=$dp1 lerr="$d/daemon1.err" werr="$d/daemon2.err"; fi
    wait "$lost"; lrc=$?
    if [ "$lrc" -eq 1 ] && grep -q "a redress daemon (pid $live) is already running on the database $db" "$lerr"; then
        refused_ok=$((refused_ok + 1))
    else
        echo "# round $i: the second daemon (exit $lrc): $(head -n 2 "$lerr" | tr '\n' ' ')"
        grep -qiE 'locked|busy' "$lerr" && lock_failures=$((lock_failures + 1))
    fi
    if kill -0 "$live" 2>/dev/null && [ "$(cat "$db.lock")" = "$live" ]; then
        running_ok=$((running_ok + 1))
    else
        echo "# round $i: the daemon is not running: $(tail -n 2 "$werr" | tr '\n' ' ')"
        grep -qiE 'locked|busy' "$werr" && lock_failures=$((lock_failures + 1))
    fi
    kill -TERM "$live" 2>/dev/null
    wait "$live"; src=$?
    PIDS=""
    [ "$src" -eq 0 ] && stopped_ok=$((stopped_ok + 1))
    got=$(sqlite3 "$db" "select count(*) || '/' || count(distinct message_id) from messages where message_id like 'race-%'; pragma integrity_check" | tr '\n' ' ')
    stored=$(cat "$d"/ingest*.out | grep -c '"status":"stored"')
    if [ "${got% ok }" = "$INGEST/$INGEST" ] && [ "$stored" = "$INGEST" ]; then
        stored_ok=$((stored_ok + 1))
    else
        echo "# round $i: messages stored/distinct and integrity: $got; reported stored $stored (want $INGEST)"
    fi
    case $got in *" ok ") whole_ok=$((whole_ok + 1)) ;; esac
    rounds=$((rounds + 1))
    i=$((i + 1))
done
took=$(( $(date +%s) - t0 ))

echo "# rounds: $rounds, processes started: $processes ($((STATUS + INGEST + 2)) per round), ${took}s"
echo "# released together at the gate: $lined_up of $processes"
echo "# failures due to a lock: $lock_failures; other failures: $other_failures"
echo "# status before any database existed (answered 'no database'): $no_db_yet"
is "$lock_failures" "0" "no process failed because of a lock in $rounds rounds"
is "$other_failures" "0" "no status or ingest failed for any other reason"
is "$refused_ok" "$rounds" "in every round the second daemon was refused, naming the running one's pid"
is "$running_ok" "$rounds" "in every round one daemon kept running (its pid in the lock file)"
is "$stopped_ok" "$rounds" "the daemon then stopped cleanly (SIGTERM, exit 0)"
is "$stored_ok" "$rounds" "in every round every ingested message was stored, once"
is "$whole_ok" "$rounds" "and the database was whole (integrity_check ok)"

# The message a second daemon gives, as an operator sees it.
db="$T/r1/case.db"
"$R" --config /dev/null --db "$db" daemon 2>"$T/d.err" &
dp=$!
PIDS=$dp
until_true 10 sh -c "'$R' --config /dev/null --db '$db' status | grep -q 'daemon: running (pid $dp'"
"$R" --config /dev/null --db "$db" daemon 2>"$T/second.err"
is "$?" "1" "a second daemon exits 1"
like "$(cat "$T/second.err")" "a redress daemon (pid $dp) is already running on the database $db" \
     "and names the running one's pid"
like "$("$R" --config /dev/null --db "$db" status --json | tr -d ' \n')" "\"running\":true,\"pid\":$dp" \
     "status --json gives the running daemon's pid"
"$R" --config /dev/null --db "$db" ingest --quiet --no-letters "$T/m1.eml" 2>/dev/null
is "$?" "0" "ingest runs beside the daemon"
kill -KILL "$dp"; wait "$dp" 2>/dev/null
PIDS=""
like "$("$R" --config /dev/null --db "$db" status)" "daemon: not running" \
     "a daemon killed with SIGKILL is at once no longer shown running (its lock went with it)"
"$R" --config /dev/null --db "$db" daemon 2>"$T/third.err" &
dp=$!
PIDS=$dp
check "and a new daemon starts on the same database" until_true 10 sh -c \
    "'$R' --config /dev/null --db '$db' status | grep -q 'daemon: running (pid $dp'"
kill -TERM "$dp"; wait "$dp"
is "$?" "0" "which stops cleanly"
PIDS=""

done_testing
