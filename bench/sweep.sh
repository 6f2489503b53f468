#!/bin/sh
# sweep.sh — the deadline sweep over 1,000,000 open cases (make bench).
#
# Builds a case file with SWEEP_CASES open cases (default 1,000,000)
# straight in SQLite — the ingest path is measured elsewhere — then times
# `redress sweep` (a) when nothing is due, the everyday case, and (b) when
# 1,000 stages are due. The sweep logs (log_level=debug) how long its own
# work took, apart from start-up (loading the calendar and templates).
# Goal: under 100 ms when nothing is due.
set -eu
cd "$(dirname "$0")/.."
B=${BENCH_BUILD:-build}
OUT=bench/out
N=${SWEEP_CASES:-1000000}
DB="$OUT/sweep.db"
mkdir -p "$OUT"
rm -f "$DB" "$DB-wal" "$DB-shm"
CONF="$OUT/sweep.conf"
printf '[redress]\nlog_level = debug\n' > "$CONF"

# The schema, as redress creates it: an ingest of an empty folder (the
# commands that only read, such as `cases`, never create a database).
mkdir -p "$OUT/empty"
"$B/redress" --db "$DB" --config "$CONF" ingest --quiet "$OUT/empty" >/dev/null
start=$(date +%s.%N)
sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO people (id, email) SELECT i, 'person' || i || '@public.test' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO cases (id, reference, year, seq, channel, complainant_id, state, language, profile,
                   summary, opened_at, updated_at)
SELECT i, printf('CMP-2026-%07d', i), 2026, i, 'email', i, 'stage1', 'en', 'council',
       'Generated case ' || i, 1795168800, 1795168800 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO stages (case_id, stage, opened_at, received, ack_due, ack_sent, response_due, next_check)
SELECT i, 1, 1795168800, '2026-11-20', '2026-11-24', '2026-11-20', '2026-12-04',
       -- spread the next checks over the coming year, none due yet
       date('2026-12-02', '+' || (i % 300) || ' days') FROM n;
INSERT OR REPLACE INTO reference_counters (prefix, year, next) VALUES ('CMP', 2026, $N + 1);
COMMIT;
SQL
end=$(date +%s.%N)
echo "sweep bench: $N open cases generated in $(awk "BEGIN { printf \"%.1f\", $end - $start }") s"

measure() {
	label=$1
	now=$2
	t0=$(date +%s%N)
	"$B/redress" --db "$DB" --config "$CONF" sweep --quiet --now "$now" 2> "$OUT/sweep.log"
	t1=$(date +%s%N)
	own=$(sed -n 's/.*sweep: \([0-9]*\) stages looked at in \([0-9.]*\) ms.*/\2 ms (\1 stages)/p' "$OUT/sweep.log")
	printf '%-34s whole command %6d ms; the sweep itself %s\n' "$label" $(( (t1 - t0) / 1000000 )) "$own"
}
measure "nothing due (1 December)" 2026-12-01T09:00:00Z
# 1,000 stages due: move their next check to today.
sqlite3 "$DB" "UPDATE stages SET next_check = '2026-12-01' WHERE case_id <= 1000"
measure "1,000 stages due" 2026-12-01T09:00:00Z
measure "nothing due again (same day)" 2026-12-01T09:00:00Z
