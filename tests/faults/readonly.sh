#!/bin/sh
# readonly.sh — the database file is made read-only (chmod 444) under the
# user redress runs as:
#
#   sh tests/faults/readonly.sh
#
#   FAULT_MESSAGES  messages per step (default 200)
#
# Root ignores file modes, so as root every command runs as nobody
# (setpriv), on a database nobody owns; otherwise as the user running the
# script, without the mail servers (fetch and the daemon are skipped).
# With the file read-only, `redress ingest`, `redress fetch` and `redress
# daemon` must each refuse at once: exit 2, a message that says the
# database is read-only and names it, the file unchanged (nothing
# half-written), and for fetch nothing moved on the server. After chmod
# back, each must complete, and at the end every message is stored once,
# on its case, and once in Processed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
N=${FAULT_MESSAGES:-200}
AS=""
SERVERS=""
if [ "$(id -u)" = 0 ]; then
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    $AS "$R" --help >/dev/null 2>&1 || skip_all "nobody cannot run $R (a folder on the way is private)"
    servers_start && SERVERS=yes
fi
U="$T/ro"
mkdir -p "$U"
DB="$U/case.db"
C="$U/redress.conf"
write_conf "$C"
if [ -n "$AS" ]; then
    # nobody's own copy of the password: secrets must belong to the user.
    [ -n "$SERVERS" ] && cp "$T/pw" "$U/pw" && sed -i "s#$T/pw#$U/pw#" "$C"
    chown -R nobody:nogroup "$U"
fi
chmod 644 "$C"
rd() { $AS "$R" --config "$C" --db "$DB" "$@"; }
stored() { sql "$DB" "select count(*) from messages where direction = 'in'"; }
sum() { sha256sum "$DB" | cut -c1-64; }
# refused WHAT RC ERRFILE SUM-BEFORE: what every refusal must show.
refused() {
    is "$2" "2" "read-only, $1: exits 2"
    like "$(cat "$3")" "read-only" "read-only, $1: says the database is read-only"
    like "$(cat "$3")" "$DB" "read-only, $1: and names it"
    check "read-only, $1: with one message, not one per mail ($(wc -l < "$3") lines)" test "$(wc -l < "$3")" -le 3
    is "$(sum)" "$4" "read-only, $1: the database file is unchanged"
    check "read-only, $1: and has no log beside it" test ! -s "$DB-wal"
}
mkdir -p "$T/in1" "$T/in2"
[ -n "$AS" ] && chown nobody:nogroup "$T/in1" "$T/in2"
i=1
while [ "$i" -le "$N" ]; do mail_file "$T/in1/$(printf %06d "$i").eml" "$i"; i=$((i + 1)); done
while [ "$i" -le $((2 * N)) ]; do mail_file "$T/in2/$(printf %06d "$i").eml" "$i"; i=$((i + 1)); done
chmod -R a+rX "$T/in1" "$T/in2"

t0=$(date +%s)
rd ingest --quiet "$T/in1" >/dev/null 2>"$T/err"
is "$?" "0" "the first $N messages are ingested while the file is writable"
total=$N

# ---- read-only --------------------------------------------------------------------
chmod 444 "$DB"
before=$(sum)
rd ingest "$T/in2" >"$T/out" 2>"$T/err"
refused "ingest" "$?" "$T/err" "$before"
if [ -n "$SERVERS" ]; then
    deliver "$MB" $((2 * N + 1)) $((3 * N))
    rd fetch >"$T/out" 2>"$T/err"
    refused "fetch" "$?" "$T/err" "$before"
    is "$(files "$MB")|$(files "$MB/.Processed")" "$N|0" "read-only, fetch: nothing was moved on the server"
    $AS "$R" --config "$C" --db "$DB" daemon 2>"$T/err" &   # not through rd(): $! must be the daemon
    dp=$!
    bg_pid "$dp"
    gone() { ! kill -0 "$dp" 2>/dev/null; }
    check "read-only, daemon: it stops at once" until_true 15 gone
    kill -KILL "$dp" 2>/dev/null
    wait "$dp"
    rc=$?
    bg_done "$dp"
    refused "daemon" "$rc" "$T/err" "$before"
    is "$(files "$MB")|$(files "$MB/.Processed")" "$N|0" "read-only, daemon: nothing was moved on the server"
fi
is "$(stored)" "$N" "read-only: still the first $N messages, nothing more"

# ---- writable again -------------------------------------------------------------------
chmod 644 "$DB"
rd ingest --quiet "$T/in2" >/dev/null 2>"$T/err"
is "$?" "0" "writable again: ingest completes"
total=$((2 * N))
if [ -n "$SERVERS" ]; then
    rd fetch --quiet >/dev/null 2>"$T/err"
    is "$?" "0" "writable again: fetch completes"
    deliver "$MB" $((3 * N + 1)) $((4 * N))
    $AS "$R" --config "$C" --db "$DB" daemon 2>"$T/err" &   # not through rd(): $! must be the daemon
    dp=$!
    bg_pid "$dp"
    total=$((4 * N))
    all() { test "$(stored)" -ge "$total" && test "$(files "$MB")" = 0; }
    check "writable again: the daemon stores the next $N and empties INBOX" until_true 120 all
    kill -TERM "$dp"
    wait "$dp"
    is "$?" "0" "writable again: the daemon stops with status 0"
    bg_done "$dp"
fi
case_file_checks "$DB" "$total" "after read-only"
if [ -n "$SERVERS" ]; then
    # Only messages from 2N+1 went through the server.
    server_checks "$MB" $((2 * N)) "after read-only"
fi
figure "database file read-only (chmod 444)" 1 "$total" "$LOST" "$DUPS" "$(( $(date +%s) - t0 ))"
done_testing
