#!/bin/sh
# purge.sh — how long a retention purge holds the database's write lock
# over a busy case file (README "Benchmarks").
#
# Builds a case file of PURGE_CASES generated complaint histories
# (bench/report-gen, default 20,000 over 2021-22 to 2025-26), then adds
#   - PURGE_MESSAGES messages (default 2,000), each with its stored mail
#     (2 KB), on the earliest closed cases, which the purge removes;
#   - PURGE_KEPT messages (default 20,000) with their mail on the other
#     cases, which stay;
#   - PURGE_EVENTS events (default 200,000) on the cases that stay, one in
#     ten pointing at a kept message;
# and times `redress purge --now 2028-01-01` (cases closed before 2022
# go), wall clock, one run on a fresh copy of the file each time: the
# purge's transaction and the rebuild of the file after it.
#
# R is the redress to time (default $B/redress); with BEFORE=1 the two
# indexes the purge's foreign-key checks use (events_msg,
# action_events_msg) are dropped first, to time a build from before them
# on the same file. Environment: PURGE_CASES, PURGE_MESSAGES, PURGE_KEPT,
# PURGE_EVENTS, B (build folder), R, BEFORE.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
R=${R:-$B/redress}
N=${PURGE_CASES:-20000}
M=${PURGE_MESSAGES:-2000}
K=${PURGE_KEPT:-20000}
E=${PURGE_EVENTS:-200000}
# The kept mail and events go round the latest W cases (5,000, or half of
# a smaller file), all of them real cases.
W=$(( N / 2 < 5000 ? N / 2 : 5000 ))
DIR="$B/bench-purge"
TIME=/usr/bin/time
die() {
	echo "purge bench: $*" >&2
	exit 1
}
[ -x "$TIME" ] || die "$TIME not found (apt-get install time, or make deps-bench)"
command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 not found"
[ -x "$B/bench/report-gen" ] || die "$B/bench/report-gen not built (make $B/bench/report-gen)"
[ -x "$R" ] || die "$R not built (run make)"
mkdir -p "$DIR/empty"
CONF="$DIR/purge.conf"
printf '[redress]\nlog_level = warning\n\n[council]\nname = Bench Council\npopulation = 1000000\n' > "$CONF"

BASE="$DIR/base-$N-$M-$K-$E.db"
if [ ! -f "$BASE" ]; then
	echo "purge bench: generating $N cases, $M + $K messages, $E events into $BASE"
	rm -f "$BASE" "$BASE-wal" "$BASE-shm" "$BASE.lock"
	"$B/redress" --db "$BASE" --config "$CONF" ingest --quiet "$DIR/empty" > /dev/null
	"$B/bench/report-gen" "$BASE" "$N" 1 > /dev/null || die "report-gen failed"
	sqlite3 "$BASE" <<SQL >/dev/null || die "filling the file failed"
BEGIN;
-- The purged cases' mail: on the earliest closed cases, received the day each opened.
INSERT INTO messages (case_id, direction, raw_sha256, size, message_id, subject, from_email, to_addrs,
                      received_at, kind)
  SELECT c.id, 'in', lower(hex(randomblob(32))), 2048, 'gone-' || x.n || '@bench.test', 'Complaint ' || x.n,
         'person' || x.n || '@public.test', 'complaints@council.test', c.opened_at, 'complaint'
  FROM (SELECT id, opened_at, row_number() OVER (ORDER BY opened_at) AS r FROM cases
        WHERE state IN ('closed', 'stage1-closed') ORDER BY opened_at LIMIT $M) c
  JOIN (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $M) SELECT n FROM k) x
    ON x.n = c.r;
-- The kept cases' mail: the latest W cases, round robin.
INSERT INTO messages (case_id, direction, raw_sha256, size, message_id, subject, from_email, to_addrs,
                      received_at, kind)
  SELECT (SELECT max(id) FROM cases) - (x.n % $W), 'in', lower(hex(randomblob(32))), 2048,
         'kept-' || x.n || '@bench.test', 'Complaint ' || x.n, 'kept' || x.n || '@public.test',
         'complaints@council.test', 1770000000, 'complaint'
  FROM (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $K) SELECT n FROM k) x;
INSERT INTO raw_messages (sha256, size, data) SELECT raw_sha256, 2048, randomblob(2048) FROM messages
  WHERE raw_sha256 IS NOT NULL;
INSERT INTO events (case_id, at, actor, type, detail, msg_id)
  SELECT (SELECT max(id) FROM cases) - (x.n % $W), 1770000000 + x.n, 'cli:bench', 'note',
         'A note on the case, number ' || x.n,
         CASE WHEN x.n % 10 = 0 THEN (SELECT min(id) FROM messages WHERE message_id LIKE 'kept-%') + (x.n % $K) END
  FROM (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $E) SELECT n FROM k) x;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
fi

DB="$DIR/run.db"
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.lock"
cp "$BASE" "$DB"
if [ -n "${BEFORE:-}" ]; then
	sqlite3 "$DB" "DROP INDEX IF EXISTS events_msg; DROP INDEX IF EXISTS action_events_msg;" >/dev/null
fi
cat "$DB" > /dev/null
"$TIME" -f '%e %M' -o "$DIR/time" "$R" --db "$DB" --config "$CONF" purge --now 2028-01-01T12:00:00Z \
	> "$DIR/out" 2> "$DIR/err" || { cat "$DIR/err" >&2; die "purge failed"; }
read -r secs rss < "$DIR/time"
echo "purge bench: $(tail -n 1 "$DIR/out" | head -c 200)"
echo "purge bench: $(grep -c 'purged:' "$DIR/out" || true) cases purged in $secs s (peak RSS ${rss} KB)$( [ -n "${BEFORE:-}" ] && echo ', indexes dropped')"
echo "purge bench: foreign_key_check: $(sqlite3 "$DB" 'PRAGMA foreign_key_check' | wc -l) broken references"
