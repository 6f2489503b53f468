#!/bin/sh
# report.sh — the oversight report over 1,000,000 cases (make bench).
#
# Builds (or reuses) a case file of REPORT_CASES generated complaint
# histories (default 1,000,000) over five financial years, 2021-22 to
# 2025-26 (bench/report-gen.c), in a database redress created, so the
# schema and its triggers are the real ones. Then it times
#
#   redress report --period 2025-26 --set all --format html   (goal < 2 s)
#   redress report --period 2026Q1  --set all --format html   (goal < 0.5 s)
#
# each the best of three runs (wall clock, from /usr/bin/time, the
# command as a whole: start-up, reading, counting and writing the file;
# and the best CPU time, user + sys), with the highest peak RSS of the
# three and the load average when it started. The figures are reported, not
# gated.
#
# The file is kept in $B/bench-report/ (REPORT_DB) with a stamp of the
# count, the seed and the sources that shape it (the generator and the
# schema), so a rerun skips the generation (about half a minute), which
# is not timed.
#
# Environment: REPORT_CASES, REPORT_SEED (default 1), B (build folder).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
N=${REPORT_CASES:-1000000}
SEED=${REPORT_SEED:-1}
DIR="$B/bench-report"
DB=${REPORT_DB:-$DIR/report-$N.db}
OUT=bench/out
TIME=/usr/bin/time
mkdir -p "$DIR" "$OUT"

die() {
	echo "report bench: $*" >&2
	exit 1
}
[ -x "$TIME" ] || die "$TIME not found (apt-get install time, or make deps-bench)"
[ -x "$B/bench/report-gen" ] || die "$B/bench/report-gen not built (make bench builds it)"
[ -x "$B/redress" ] || die "$B/redress not built (run make)"

CONF="$DIR/report.conf"
printf '[redress]\nlog_level = warning\n\n[council]\nname = Bench Council\npopulation = 1000000\n' > "$CONF"

stamp="cases=$N seed=$SEED gen=$(cksum < bench/report-gen.c | cut -d' ' -f1)"
stamp="$stamp schema=$(cat store/schema.c store/store.h | cksum | cut -d' ' -f1)"
if [ -f "$DB" ] && [ -f "$DB.stamp" ] && [ "$(cat "$DB.stamp")" = "$stamp" ]; then
	echo "report bench: reusing $DB ($N cases, seed $SEED)"
else
	echo "report bench: generating $N cases (seed $SEED) into $DB"
	rm -rf "$DB" "$DB-wal" "$DB-shm" "$DB.stamp" "$DB.lock" "$DB.parsing"
	mkdir -p "$DIR/empty"
	# The schema, as redress creates it: an ingest of an empty folder.
	"$B/redress" --db "$DB" --config "$CONF" ingest --quiet "$DIR/empty" > /dev/null
	"$B/bench/report-gen" "$DB" "$N" "$SEED" || die "report-gen failed"
	echo "$stamp" > "$DB.stamp"
fi
# Warm the page cache once, as every run after the first finds it.
cat "$DB" > /dev/null

# measure LABEL PERIOD GOAL: best of three (wall clock, and CPU time,
# user + sys, which a shared machine disturbs less), highest RSS.
measure() {
	label=$1 period=$2 goal=$3
	best="" cpu="" rss=0 runs=""
	for _ in 1 2 3; do
		"$TIME" -f '%e %U %S %M' -o "$DIR/time" "$B/redress" --db "$DB" --config "$CONF" report \
			--period "$period" --set all --format html --out "$DIR/report-$period.html" \
			2> "$DIR/report.log" || { cat "$DIR/report.log" >&2; die "redress report failed"; }
		set -- $(tail -n 1 "$DIR/time")
		secs=$1 kb=$4
		c=$(awk "BEGIN { printf \"%.2f\", $2 + $3 }")
		runs="$runs $secs"
		if [ -z "$best" ] || [ "$(awk "BEGIN { print ($secs < $best) }")" = 1 ]; then
			best=$secs
		fi
		if [ -z "$cpu" ] || [ "$(awk "BEGIN { print ($c < $cpu) }")" = 1 ]; then
			cpu=$c
		fi
		[ "$kb" -gt "$rss" ] && rss=$kb
	done
	verdict=$(awk "BEGIN { print ($best < $goal) ? \"PASS\" : \"FAIL\" }")
	printf '%-34s %6.2f s  (goal < %s s: %s; runs:%s)  CPU %s s  peak RSS %5.0f MB\n' "$label" "$best" "$goal" \
		"$verdict" "$runs" "$cpu" "$(awk "BEGIN { print $rss / 1024 }")"
}

echo ""
echo "report bench: $N cases, $(sqlite3 "$DB" 'SELECT count(*) FROM stages') stages, $(nproc) cores," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "annual 2025-26, all sets, HTML" 2025-26 2
measure "quarter 2026Q1, all sets, HTML" 2026Q1 0.5
