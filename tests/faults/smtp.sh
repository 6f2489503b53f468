#!/bin/sh
# smtp.sh — the SMTP server misbehaves while `redress outbox send` delivers
# acknowledgements (a fake server, tests/faults/fake-smtp.py, plain text on
# loopback; no root needed):
#
#   sh tests/faults/smtp.sh
#
#   FAULT_ROUNDS  rounds (default 5); each round files three complaints
#
#  5xx      the server answers 550 to RCPT TO: the letter must be failed
#           at once, the case must record it (a letter-failed event that
#           says the complaint is not acknowledged), the complaints
#           manager's alert must be queued, and it is never tried again.
#  silent   the server accepts the connection and never answers: the send
#           must give up after [smtp] timeout (3 s here), and the letter
#           stay queued with the error and a retry time ahead.
#  drop     the server closes the connection after 512 bytes of DATA: the
#           letter must stay queued with the error and a retry time.
#  then     a good server, after the retry time: the deferred letters are
#           sent once each (the server gets one copy), the case records
#           it (letter-sent, the stage's ack_sent), the failed one is not
#           sent, and a further run sends nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
ROUNDS=${FAULT_ROUNDS:-5}
TIMEOUT=3
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
DB="$T/case.db"

# fake MODE: start fake-smtp.py in MODE, write $T/MODE.conf for it.
fake() {
    mkdir -p "$T/$1"
    python3 tests/faults/fake-smtp.py "$1" "$T/$1/port" "$T/$1" 2>"$T/$1/stderr" &
    bg_pid $!
    until_true 10 test -s "$T/$1/port" || { echo "Bail out! fake-smtp.py $1 did not start"; exit 1; }
    FAULT_SMTP_TIMEOUT=$TIMEOUT write_conf "$T/$1.conf" "" "smtp://127.0.0.1:$(cat "$T/$1/port")"
}
for m in reject silent drop accept; do fake "$m"; done

at() { date -u -d "@$(( $(date +%s) + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
send() { "$R" --config "$T/$1.conf" --db "$DB" outbox send ${2:+--now "$2"} 2>>"$T/send.log"; }
ingest() {
    mail_file "$T/m$1.eml" "$1"
    "$R" --config "$T/accept.conf" --db "$DB" ingest --quiet "$T/m$1.eml" 2>>"$T/ingest.log"
}
# ack I FIELDS: FIELDS of complaint I's acknowledgement row.
ack() { sql "$DB" "select $2 from outbox where to_addr = 'citizen$1@public.test' and kind = 'stage1-acknowledgement'"; }
ref_of() { sql "$DB" "select c.reference from cases c join messages m on m.case_id = c.id where m.message_id = 'fault-$1@public.test'"; }
# shown I STATUS: `redress show` of complaint I's case lists its
# acknowledgement with STATUS.
shown() { "$R" --config "$T/accept.conf" --db "$DB" show "$(ref_of "$1")" 2>&1 | grep -qE "  stage1-acknowledgement +$2 "; }
# drops: connections the drop server cut.
drops() { cat "$T/drop/log" 2>/dev/null | grep -c 'dropped the connection'; }
# copies I: messages the good server received for complainant I.
copies() { grep -l "^To: .*citizen$1@public.test" "$T/accept"/*.eml 2>/dev/null | wc -l | tr -d ' '; }

t_reject=0; t_silent=0; t_drop=0
lost_r=0; lost_s=0; lost_d=0; dup_r=0; dup_s=0; dup_d=0
round=1
while [ "$round" -le "$ROUNDS" ]; do
    a=$((round * 10 + 1)); b=$((a + 1)); c=$((a + 2))   # never a tenth: those are replies

    # ---- 5xx to RCPT ----
    t0=$(date +%s)
    ingest "$a"
    out=$(send reject)
    like "$out" "FAILED stage1-acknowledgement to citizen$a@public.test" "round $round, 5xx: the letter is reported failed"
    is "$(ack "$a" "status")" "failed" "round $round, 5xx: it is marked failed at once"
    like "$(ack "$a" "last_error")" "550 5.1.1" "round $round, 5xx: with the server's reply"
    ev=$(sql "$DB" "select detail from events e join cases c on c.id = e.case_id where c.reference = '$(ref_of "$a")' and e.type = 'letter-failed'")
    like "$ev" "NOT been acknowledged" "round $round, 5xx: the case records it, saying the complaint is not acknowledged"
    is "$(sql "$DB" "select count(*) from outbox where kind = 'staff-letter-failed' and idem_key like '$(ref_of "$a")/alert/%'")" "1" \
       "round $round, 5xx: the complaints manager's alert is queued"
    check "round $round, 5xx: redress show lists the letter failed" shown "$a" failed
    t_reject=$((t_reject + $(date +%s) - t0))

    # ---- silent: no answer at all ----
    t0=$(date +%s)
    ingest "$b"
    s0=$(date +%s)
    out=$(send silent)
    took=$(( $(date +%s) - s0 ))
    like "$out" "deferred stage1-acknowledgement to citizen$b@public.test" "round $round, silent: the letter is deferred"
    # Two letters (the acknowledgement and the manager's notice), each
    # given up after the timeout.
    check "round $round, silent: given up after the timeout (${took} s for 2 letters, ${TIMEOUT} s each)" \
        test "$took" -ge "$TIMEOUT" -a "$took" -le $((2 * TIMEOUT + 10))
    is "$(ack "$b" "status || '|' || attempts || '|' || (next_try > strftime('%s', 'now'))")" "queued|1|1" \
       "round $round, silent: it stays queued after one attempt, with a retry time ahead"
    like "$(ack "$b" "last_error")" "timed out" "round $round, silent: the error says it timed out"
    check "round $round, silent: redress show lists the letter deferred (queued again, with the error)" shown "$b" deferred
    t_silent=$((t_silent + $(date +%s) - t0))

    # ---- drop in the middle of DATA ----
    t0=$(date +%s)
    ingest "$c"
    n_drops=$(drops)
    out=$(send drop)
    check "round $round, drop: the server dropped the connection in the middle of DATA" \
        test "$(drops)" -gt "$n_drops"
    like "$out" "deferred stage1-acknowledgement to citizen$c@public.test" "round $round, drop: the letter is deferred"
    is "$(ack "$c" "status || '|' || attempts || '|' || (next_try > strftime('%s', 'now')) || '|' || (last_error is not null)")" "queued|1|1|1" \
       "round $round, drop: it stays queued after one attempt, with the error and a retry time ahead"
    t_drop=$((t_drop + $(date +%s) - t0))

    # ---- a good server, after the retry time ----
    out=$(send accept "$(at 7200)")
    like "$out" "sent stage1-acknowledgement to citizen$b@public.test" "round $round, later: the letter the silent server held is sent"
    like "$out" "sent stage1-acknowledgement to citizen$c@public.test" "round $round, later: the letter cut off in DATA is sent"
    is "$(ack "$b" "status || '|' || attempts")|$(ack "$c" "status || '|' || attempts")" "sent|2|sent|2" \
       "round $round, later: both marked sent on their second attempt"
    is "$(copies "$b")|$(copies "$c")|$(copies "$a")" "1|1|0" \
       "round $round, later: the server got one copy of each, and none of the failed one"
    for i in "$b" "$c"; do
        is "$(sql "$DB" "select count(*) from events e join cases c on c.id = e.case_id where c.reference = '$(ref_of "$i")' and e.type = 'letter-sent' and e.detail like 'Letter stage1-acknowledgement sent%'")|$(sql "$DB" "select ack_sent is not null from stages s join cases c on c.id = s.case_id where c.reference = '$(ref_of "$i")' and s.stage = 1")" \
           "1|1" "round $round, later: complaint $i's case records the letter sent and the stage acknowledged"
    done
    out=$(send accept "$(at 14400)")
    like "$out" "0 sent" "round $round, later: a further run sends nothing"
    is "$(copies "$b")|$(copies "$c")|$(copies "$a")" "1|1|0" "round $round, later: still one copy each"
    [ "$(ack "$a" "status")" = failed ] || lost_r=$((lost_r + 1))
    [ "$(ack "$b" "status")" = sent ] || lost_s=$((lost_s + 1))
    [ "$(ack "$c" "status")" = sent ] || lost_d=$((lost_d + 1))
    dup_r=$((dup_r + $(copies "$a")))
    [ "$(copies "$b")" -gt 1 ] && dup_s=$((dup_s + $(copies "$b") - 1))
    [ "$(copies "$c")" -gt 1 ] && dup_d=$((dup_d + $(copies "$c") - 1))
    round=$((round + 1))
done
is "$(grep -c '^< RCPT TO:<citizen' "$T/reject/log")" "$ROUNDS" "the refused letters were each offered once, never again"
is "$(grep -c '^< DATA' "$T/reject/log")" "0" "and never got as far as DATA"
is "$(sql "$DB" "pragma integrity_check")" "ok" "the database is whole"
figure "SMTP 550 to RCPT (letter failed)" "$ROUNDS" "$ROUNDS" "$lost_r" "$dup_r" "$t_reject"
figure "SMTP server silent ([smtp] timeout)" "$ROUNDS" "$ROUNDS" "$lost_s" "$dup_s" "$t_silent"
figure "SMTP connection dropped mid-DATA" "$ROUNDS" "$ROUNDS" "$lost_d" "$dup_d" "$t_drop"
done_testing
