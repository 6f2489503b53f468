#!/bin/sh
# latency.sh — the latency benchmark behind `make bench`: how long a
# complainant waits, with `redress daemon` running and waiting with IDLE,
# against the project's throwaway Dovecot and Postfix on 127.0.0.1
# (tests/mailservers.sh).
#
#   floor      a plain mail submitted to Postfix (the moment it says 250 to
#              DATA) until it lands in a Dovecot Maildir: what the mail
#              servers alone cost, one delivery. Beside it, when a bare
#              IMAP client idling on that mailbox is told (EXISTS): Dovecot
#              waits 0.5 s after the first change it sees before it tells
#              an idling client (NOTIFY_DELAY_MSECS in its source, no
#              setting), so this, not the delivery, is the floor of any
#              path that waits with IDLE.
#   ack        a complaint submitted to Postfix for complaints@ until its
#              stage 1 acknowledgement lands in the complainant's Maildir:
#              a delivery to the complaints mailbox, redress (IDLE, fetch,
#              store, commit, send), a second delivery. So at least twice
#              the floor.
#   staff      a staff reply to the Reply-To of a staff-new-case notice
#              until the letter redress relays from it ("Re: Your
#              complaint CMP-…") lands in the complainant's Maildir. Only
#              when the program has staff-by-email (`redress staff list`);
#              otherwise one line says it was skipped.
#
# Each is LATENCY_COUNT mails (default 100) sent evenly over LATENCY_SECONDS
# (default 20), each on its own SMTP connection and, for the complaints,
# from its own address @public.test (the catch-all mailbox, whose
# Delivered-To says whom each copy was for). bench/latency.py sends and
# watches the Maildirs' new/ with inotify, on one clock. A short warm-up
# first, so that Dovecot's and Postfix's first process starts are not
# counted. The floor and the ack are measured LATENCY_RUNS times (default
# 3) on the same servers and daemon; the table gives the median over the
# runs of each figure (p50, p95, max). Goal: p95 under 0.5 s for each
# redress path, and within 0.2 s of twice the floor's p95.
#
# The daemon runs as a council would run it: IMAPS with IDLE, letters by
# SMTP with STARTTLS and AUTH, a copy of each in the Sent folder, the
# defaults for every interval. Its log is bench/out/latency-daemon.log
# (LATENCY_LOG_LEVEL=debug for more); each run's samples are in
# bench/out/latency-*.json.
#
# Needs root (Postfix's master) and python3; otherwise, or when the servers
# cannot be started, it prints a skip line and exits 0. Exit 1 when a run
# failed (a mail lost, the daemon gone). The table is appended to
# bench/out/results.txt. Servers and daemon are stopped at exit.
#
# Environment:
#   LATENCY_COUNT, LATENCY_SECONDS, LATENCY_RUNS   see above
#   LATENCY_LOG_LEVEL   the daemon's log_level (default info)
#   B                   build directory (default build)
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=${B:-build}
case $B in /*) ;; *) B="$ROOT/$B" ;; esac
COUNT=${LATENCY_COUNT:-100}
SECS=${LATENCY_SECONDS:-20}
RUNS=${LATENCY_RUNS:-3}
OUT="$ROOT/bench/out"
RESULTS="$OUT/results.txt"
R="$B/redress"

die() {
	echo "latency bench: $*" >&2
	exit 1
}
skip() {
	echo "latency bench: skipped ($*)"
	exit 0
}
note() {
	echo "latency bench: $*"
}

for v in "$COUNT" "$SECS" "$RUNS"; do
	case $v in ''|*[!0-9]*|0) die "LATENCY_COUNT, LATENCY_SECONDS and LATENCY_RUNS must be whole numbers above 0" ;; esac
done
[ "$(id -u)" = 0 ] || skip "needs root to run the test mail servers"
command -v bash > /dev/null || skip "needs bash for tests/mailservers.sh"
command -v python3 > /dev/null || skip "needs python3"
[ -x "$R" ] || die "$R not built (make bench builds it)"
mkdir -p "$OUT"

# ---- the servers ----------------------------------------------------------
T=$(mktemp -d /tmp/rd-bench-lat.XXXXXX)
chmod 711 "$T"   # the servers' users must reach $T/servers
M="$T/servers"
DPID=""
stop_daemon() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2> /dev/null; then
		kill -TERM "$DPID" 2> /dev/null || true
		i=0
		while kill -0 "$DPID" 2> /dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$DPID" 2> /dev/null || true
		wait "$DPID" 2> /dev/null || true
	fi
	DPID=""
}
# The servers' logs are kept: Postfix's say where its own time went
# (delays=a/b/c/d on each delivery).
trap 'stop_daemon; cp "$M/log/postfix.log" "$OUT/latency-postfix.log" 2> /dev/null
	bash tests/mailservers.sh stop "$M" > /dev/null 2>&1; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
bash tests/mailservers.sh install > /dev/null 2>&1 || true
note "starting Dovecot and Postfix on 127.0.0.1"
env_lines=$(bash tests/mailservers.sh start "$M" 2> "$T/start.err") ||
	skip "the mail servers would not start: $(tail -n 1 "$T/start.err")"
eval "$env_lines"
ENVF="$M/env"
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"

# ---- the daemon -------------------------------------------------------------
# write_conf FILE [staff]: what tests/test-daemon.sh runs, with the
# defaults for every interval; "staff" adds staff-by-email.
write_conf() {
	cat > "$1" <<EOF
[redress]
log_level = ${LATENCY_LOG_LEVEL:-info}
[council]
domain = $MAIL_DOMAIN
EOF
	if [ "${2:-}" = staff ]; then
		cat >> "$1" <<EOF
complaints_manager = staff@$MAIL_DOMAIN
[staff:staff@$MAIL_DOMAIN]
role = handler
[staff_auth]
policy = token
EOF
	fi
	cat >> "$1" <<EOF
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://$MAIL_HOST:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[smtp]
url = smtp://$MAIL_HOST:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
envelope_from = bounces@$MAIL_DOMAIN
sent_mailbox = complaints
[daemon]
idle = true
EOF
}

LOG="$OUT/latency-daemon.log"
: > "$LOG"
rm -f "$OUT"/latency-*.json
# start_daemon CONF DB: returns once the complaints watcher waits in IDLE
# and the start-up self-test has finished (its mail must not be counted).
start_daemon() {
	rm -f "$2" "$2-wal" "$2-shm"
	echo "---- $(date -u +%FT%TZ) $1" >> "$LOG"
	"$R" --config "$1" --db "$2" daemon 2>> "$LOG" &
	DPID=$!
	i=0
	until grep -q 'selftest \(ok\|failed\)' "$LOG" && grep -q 'mailbox=complaints connected=yes wait=idle' "$LOG"; do
		kill -0 "$DPID" 2> /dev/null || die "the daemon exited; see $LOG"
		[ $i -lt 900 ] || die "the daemon was not ready within 90 s; see $LOG"
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'selftest ok' "$LOG" || note "the daemon's self-test failed (see $LOG); measuring anyway"
}

probe() {   # probe MODE RUN N SECONDS OUT.json
	python3 bench/latency.py "$1" "$ENVF" "$2" "$3" "$4" "$5"
}

CONF="$T/redress.conf"
DB="$T/latency.db"
write_conf "$CONF"
note "redress daemon with IDLE on the complaints mailbox"
start_daemon "$CONF" "$DB"

# Warm-up: Postfix's and Dovecot's first deliveries start their processes.
note "warm-up (not counted)"
probe floor w 5 1 "$T/warm-floor.json" > /dev/null
probe ack w 3 1 "$T/warm-ack.json" > /dev/null

failed=""
run=1
while [ $run -le "$RUNS" ]; do
	note "run $run of $RUNS: $COUNT plain mails over $SECS s (the floor)"
	probe floor "$run" "$COUNT" "$SECS" "$OUT/latency-floor-$run.json" || failed="$failed floor"
	note "run $run of $RUNS: $COUNT complaints over $SECS s"
	probe ack "$run" "$COUNT" "$SECS" "$OUT/latency-ack-$run.json" || failed="$failed ack"
	run=$((run + 1))
done
kill -0 "$DPID" 2> /dev/null || failed="$failed daemon-died"
stop_daemon

# ---- staff replies ---------------------------------------------------------------
# Staff-by-email is being built elsewhere: measured only when this program
# has it. A fresh case file and a daemon with the staff settings, so the
# runs above are the same with or without it.
staff_state=skip
if "$R" --config "$CONF" --db "$T/probe.db" staff list > /dev/null 2> "$T/staff.err" ||
   ! grep -q "unknown command" "$T/staff.err"; then
	SCONF="$T/staff.conf"
	write_conf "$SCONF" staff
	if "$R" --config "$SCONF" --db "$T/probe.db" config check > "$T/staff-check.out" 2>&1; then
		note "staff replies: $COUNT complaints, then $COUNT staff replies over $SECS s"
		start_daemon "$SCONF" "$T/staff.db"
		probe ack sw 3 1 "$T/warm-staff.json" > /dev/null
		if probe staff 1 "$COUNT" "$SECS" "$OUT/latency-staff-1.json"; then
			staff_state=ran
		else
			staff_state=failed
			failed="$failed staff"
		fi
		stop_daemon
	else
		staff_state=badconf
		failed="$failed staff"
		sed 's/^/  /' "$T/staff-check.out" >&2
	fi
fi

# ---- the report -----------------------------------------------------------------------
{
	echo ""
	python3 - "$OUT" "$RUNS" "$COUNT" "$SECS" "$staff_state" <<'EOF'
import json, os, statistics, sys
out, runs, count, secs, staff = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def load(kind, run):
	try:
		with open(os.path.join(out, "latency-%s-%d.json" % (kind, run))) as f:
			return json.load(f)
	except (OSError, ValueError):
		return None

def rank(v, p):
	return v[max(0, -(-len(v) * p // 100) - 1)]

def metric(kind, nruns, a, b):
	"""Median over the runs of p50, p95 and max of sample[b] - sample[a]."""
	per = []
	for r in range(1, nruns + 1):
		d = load(kind, r)
		v = sorted(s[b] - s[a] for s in (d or {}).get("samples", {}).values() if s.get(a) and s.get(b))
		if v:
			per.append({"p50": rank(v, 50), "p95": rank(v, 95), "max": v[-1]})
	if not per:
		return None
	return {k: statistics.median(x[k] for x in per) for k in ("p50", "p95", "max")}

def lost(kind, nruns):
	n = 0
	for r in range(1, nruns + 1):
		d = load(kind, r)
		if d:
			n += d["lost"] + len(d["send_errors"])
	return n

def row(label, m, extra=""):
	if m is None:
		return "  %-40s FAILED" % label
	return "  %-40s %6.3f s %6.3f s %6.3f s%s" % (label, m["p50"], m["p95"], m["max"], extra)

floor = metric("floor", runs, "submitted", "delivered")
told = metric("floor", runs, "submitted", "told")
ack = metric("ack", runs, "submitted", "delivered")
into = metric("ack", runs, "submitted", "complaint_in")
label = "median of %d runs" % runs if runs > 1 else "1 run"
print("latency (%d mails over %s s, IDLE; %s)       p50      p95      max" % (count, secs, label))
print(row("floor: SMTP -> Dovecot", floor))
print(row("floor: SMTP -> Dovecot -> IDLE told", told))
twice = 2 * floor["p95"] if floor else None
bound = floor["p95"] + told["p95"] if floor and told else None
extra = "   (2 x floor p95 = %.3f s)" % twice if twice is not None else ""
print(row("complaint -> acknowledgement", ack, extra))
print(row("  complaint into the complaints Maildir", into))
verdicts = []
def goal(name, m):
	if m is None or twice is None:
		return
	ok = m["p95"] < 0.5 and m["p95"] <= twice + 0.2
	verdicts.append("%s %s" % (name, "PASS" if ok else "FAIL"))
goal("ack", ack)
if staff == "ran":
	s = metric("staff", 1, "submitted", "delivered")
	print(row("staff reply -> relayed letter", s, extra))
	goal("staff", s)
elif staff == "skip":
	print("  staff reply -> relayed letter            skipped: no staff-by-email in this redress ('redress staff list')")
else:
	print("  staff reply -> relayed letter            FAILED (%s)" %
	      ("its configuration was refused" if staff == "badconf" else "see above"))
n = lost("floor", runs) + lost("ack", runs)
if n:
	print("  %d mails lost or refused (see bench/out/latency-*.json)" % n)
print("  (IDLE told: when a bare IMAP client idling on the same INBOX heard EXISTS; the")
print("   server's wait before it says so is part of every IDLE path, the daemon's too")
if bound is not None:
	print("   floor p95 + IDLE-told p95 = %.3f s is the least an IDLE round trip can cost here)" % bound)
else:
	print("   )")
print("goal: p95 < 0.50 s and within 0.20 s of 2 x floor p95: %s" % (", ".join(verdicts) or "n/a"))
EOF
} | tee -a "$RESULTS"

if [ -n "$failed" ]; then
	echo "latency bench: failed:$failed (logs: $LOG, bench/out/latency-*.json)" >&2
	exit 1
fi
exit 0
