#!/bin/sh
# test-report-send.sh — the scheduled oversight report ([reports]) and
# `redress report send`, against a real Postfix and Dovecot on 127.0.0.1
# (tests/mailservers.sh):
#   - the daemon mails the latest ended quarter (and financial year) once
#     to each of two recipients: a letter with the headline figures, the
#     period in words and the HTML report attached;
#   - after a clean restart and after a kill -9, nothing is sent again;
#   - `redress report send` by hand says it was sent already, sends to
#     another address with --to, and a second copy with --again;
#   - no complainant's name, address or words appear in any report mail.
# Today is the machine's: the cases are put in the quarter before it, and
# send_after_days = 0 makes that quarter due today whatever the date.
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
F=tests/fixtures/mail
T=$(mktemp -d)
D=$(mktemp -d /tmp/rd-reports.XXXXXX)
DPID=""
# RD_KEEP_T=1 keeps the daemon's logs and the database in /tmp/report-send.keep.
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" 2>/dev/null; fi
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    [ -n "${RD_KEEP_T:-}" ] && rm -rf /tmp/report-send.keep && cp -r "$T" /tmp/report-send.keep
    rm -rf "$D" "$T"
}
trap cleanup EXIT
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"

CE=chief.executive@$MAIL_DOMAIN
MO=staff@$MAIL_DOMAIN
CE_MB="$MAIL_ROOT/$CE/Maildir"
MO_MB="$MAIL_ROOT/$MO/Maildir"
ALL_MB="$MAIL_ROOT/catchall@$MAIL_DOMAIN/Maildir"
C="$T/redress.conf"
cat > "$C" <<EOF
[redress]
log_level = debug
[council]
name = Testshire Council
domain = $MAIL_DOMAIN
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
timeout = 10
[daemon]
send_interval = 2
sweep_interval = 1h
[reports]
recipients = $CE, $MO
send_after_days = 0
EOF
RR() { "$R" --config "$C" "$@"; }

# The quarter before today's, and a working Monday-to-Friday span in it.
y=$(date +%Y); m=$(date +%-m)
q=$(( (m - 1) / 3 ))
[ "$q" -eq 0 ] && { q=4; y=$((y - 1)); }
sm=$(( (q - 1) * 3 + 1 ))
QN="${y}Q$q"
d() { printf '%d-%02d-%02d' "$y" "$sm" "$1"; }
case $q in
1) WORDS="1 January to 31 March $y" ;;
2) WORDS="1 April to 30 June $y" ;;
3) WORDS="1 July to 30 September $y" ;;
4) WORDS="1 October to 31 December $y" ;;
esac

# Two complaints received in that quarter; one answered four days later.
RR ingest -q --no-letters --received-at "$(d 6)T10:00:00Z" "$F/01-new-complaint.eml"
printf 'From: "Rhiannon Pryce" <r.pryce@public.test>\r\nTo: complaints@%s\r\nSubject: Potholes on Heol y Nant\r\nMessage-ID: <rp1@public.test>\r\n\r\nThe road outside 7 Heol y Nant is full of potholes.\r\n' \
    "$MAIL_DOMAIN" > "$T/rp.eml"
RR ingest -q --no-letters --received-at "$(d 7)T10:00:00Z" "$T/rp.eml"
REF1=$(sql "select reference from cases order by id limit 1")
RR case "$REF1" respond --outcome upheld --date "$(d 10)" --at "$(d 10)T10:00:00Z" >/dev/null
is "$(sql "select count(*) from cases")" "2" "two complaints in $QN"

count() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
has_n() { test "$(count "$1")" -ge "$2"; }
# decoded FILE: the mail decoded, every part: headers, then each text
# part and attachment as text (what a reader or a search would see).
decoded() {
    python3 -B - "$1" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
for k, v in m.items():
    print(f"{k}: {v}")
for p in m.walk():
    if p.is_multipart():
        continue
    print(f"--- {p.get_content_type()} {p.get_filename() or ''}")
    print(p.get_payload(decode=True).decode('utf-8', 'replace'))
PY
}
# the mail in MAILDIR whose Subject holds TEXT
mail_with() { grep -l "^Subject: .*$2" "$1"/new/* "$1"/cur/* 2>/dev/null | head -n 1; }

# 1. The daemon sends the quarter's report (and the year's) once to each.
"$R" --config "$C" daemon 2>"$T/log1" &
DPID=$!
check "the reports reach the first recipient" until_true 30 has_n "$CE_MB" 2
check "and the second" until_true 30 has_n "$MO_MB" 2
is "$(grep -c "report queued period=$QN" "$T/log1")" "2" "one log line per recipient for $QN"
ce_q=$(mail_with "$CE_MB" "$WORDS")
check "the quarter's report is the letter whose subject names $WORDS" test -n "$ce_q"
out=$(decoded "$ce_q")
like "$out" "Subject: Testshire Council complaints report: $WORDS" "the subject gives the council and the period in words"
like "$out" "To: $CE" "it is addressed to the recipient"
like "$out" "Auto-Submitted: auto-generated" "an automatic letter"
like "$out" "Complaints received: 2" "the text gives the complaints received"
like "$out" "Complaints closed: 1" "and closed"
like "$out" "Stage 1: 1 closed; 1 (100.0%) within 5 working days" "and Stage 1 within the timescale, as a %"
like "$out" "Stage 2: 0 closed." "and Stage 2"
like "$out" "The full report is attached (complaints-report-$QN.html)" "it says the report is attached"
like "$out" "--- text/html complaints-report-$QN.html" "the HTML report is attached under that name"
like "$out" "<title>Testshire Council" "the attachment is the HTML report of the council"
mo_q=$(mail_with "$MO_MB" "$WORDS")
like "$(decoded "$mo_q")" "Complaints received: 2" "the second recipient has the same figures"
everything=$(for f in "$CE_MB"/new/* "$CE_MB"/cur/* "$MO_MB"/new/* "$MO_MB"/cur/*; do [ -f "$f" ] && decoded "$f"; done)
for pd in "Jane" "Citizen" "jane.citizen" "Acacia" "Rhiannon" "Pryce" "r.pryce" "Heol y Nant" "Bins not collected" "potholes"; do
    case "$everything" in
    *"$pd"*) check "no '$pd' in any report mail" false ;;
    *) check "no '$pd' in any report mail" true ;;
    esac
done
check "the outbox records four report letters sent" test "$(sql "select count(*) from outbox where kind = 'oversight-report' and status = 'sent'")" = 4

# 2. A clean restart, then a kill -9: nothing is sent a second time.
kill -TERM "$DPID"; wait "$DPID"
is "$?" "0" "the daemon stops cleanly (exit 0, nothing left for the sanitizers)"
"$R" --config "$C" daemon 2>"$T/log2" &
DPID=$!
check "the restarted daemon has swept (and looked at the reports)" until_true 20 grep -q "sweep stages=" "$T/log2"
sleep 3    # more than send_interval: anything queued would have gone
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
"$R" --config "$C" daemon 2>"$T/log3" &
DPID=$!
check "after a kill -9 it sweeps again" until_true 20 grep -q "sweep stages=" "$T/log3"
sleep 3
kill -TERM "$DPID"; wait "$DPID"
is "$?" "0" "the restarted daemon stops cleanly too"
DPID=""
is "$(count "$CE_MB") $(count "$MO_MB")" "2 2" "after two restarts each recipient still has one quarter's and one year's report"
is "$(grep -c 'report queued' "$T/log2" "$T/log3" | awk -F: '{ n += $2 } END { print n }')" "0" "and no report was queued again"

# 3. By hand.
out=$(RR report send --period "$QN" 2>&1)
like "$out" "$CE: the $QN report was already sent on" "report send: already sent to the first recipient"
like "$out" "$MO: the $QN report was already sent on" "and to the second"
PANEL=oversight.panel@$MAIL_DOMAIN
out=$(RR report send --period "$QN" --to "$PANEL" 2>&1)
like "$out" "queued the $QN report for $PANEL" "report send --to queues it for another address"
like "$out" "No daemon is running on this database: 'redress outbox send'" "and says how it will be sent"
out=$(RR report send --period "$QN" --to "$CE" --again 2>&1)
like "$out" "queued the $QN report for $CE" "--again queues a second copy"
RR outbox send >/dev/null 2>&1
check "the copy sent by hand arrives" until_true 15 sh -c "grep -l 'Delivered-To: $PANEL' '$ALL_MB'/new/* '$ALL_MB'/cur/* 2>/dev/null | grep -q ."
panel=$(grep -l "Delivered-To: $PANEL" "$ALL_MB"/new/* "$ALL_MB"/cur/* 2>/dev/null | head -n 1)
out=$(decoded "$panel")
like "$out" "--- text/html complaints-report-$QN.html" "with the HTML report attached"
like "$out" "Complaints received: 2" "and the same figures"
check "the first recipient has the copy asked for again" until_true 15 has_n "$CE_MB" 3
out=$(RR report send --period 2026-13 2>&1); rc=$?
is "$rc" "1" "a period that is not one exits 1"
like "$out" "is not a period" "and says so"
printf '[reports]\n' > "$T/none.conf"
out=$("$R" --config "$T/none.conf" report send --period "$QN" 2>&1); rc=$?
is "$rc" "1" "no recipients and no --to: exit 1"
like "$out" "nobody to send it to" "with what to do"
done_testing
