#!/bin/sh
# test-poison.sh — one bad mail never stops intake (daemon/inbound/journal.c).
#
# The crashes found so far are fixed, so the test makes one with the test
# hook REDRESS_TEST_PARSE_CRASH=STRING: the parser raises SIGSEGV on a
# message containing STRING (REDRESS_TEST_PARSE_CRASH_SIGNAL=KILL makes it
# SIGKILL instead, like the OOM killer).
#
#  1. `redress ingest` of a folder with one such mail dies; the next run
#     stores every message, the bad one unparsed and in triage with the
#     reason; a third run changes nothing; `triage reparse` refuses the same
#     build and, with --force and no crash, files it on a case.
#  2. A run killed (SIGKILL) while parsing makes every message then being
#     parsed a suspect; a suspect is parsed alone, and two deaths while it
#     is parsed alone quarantine it. The innocent message parsed beside it
#     is not quarantined.
#  3. The daemon over IMAP (real Dovecot and Postfix on loopback): it dies
#     on the bad mail, is started again (as systemd would), stores the
#     other mail on cases and the bad one in triage, moves all of them to
#     the processed folder, and keeps running.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
F=tests/fixtures/mail
T=$(mktemp -d)
D=""
DPID=""
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" 2>/dev/null; fi
    [ -n "$D" ] && bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    rm -rf "$T" ${D:+"$D"}
}
trap cleanup EXIT
unset REDRESS_CONFIG REDRESS_DB
# A crash is expected here: the sanitizer's report goes to a log, not the TAP.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$T/asan"
export REDRESS_TEST_PARSE_CRASH=POISON-PILL-7f3a

bad() { # FILE SUBJECT: a message the parser "crashes" on
    printf 'From: Someone <someone@public.test>\nTo: complaints@council.test\nSubject: %s\nMessage-ID: <%s@public.test>\nDate: Fri, 20 Nov 2026 09:00:00 +0000\n\nPOISON-PILL-7f3a\n' \
        "$2" "$2" > "$1"
}

# ---- 1. ingest ------------------------------------------------------------
mkdir -p "$T/in"
cp "$F/01-new-complaint.eml" "$T/in/01.eml"
bad "$T/in/02.eml" "bad-one"
cp "$F/07-ce-complaint.eml" "$T/in/03.eml"
cp "$F/11-stage2-request.eml" "$T/in/04.eml"
DB="$T/a.db"
"$R" --db "$DB" ingest --quiet "$T/in" >/dev/null 2>&1
rc=$?
# Status 139 (SIGSEGV), or the sanitizer's 1 or 134 when it reports it.
check "the first ingest dies on the bad mail (status $rc)" test "$rc" -ne 0
is "$(ls "$DB.parsing" | wc -l)" "1" "it leaves its parse journal behind"

out=$("$R" --db "$DB" ingest --json "$T/in" 2>"$T/err2")
is "$?" "0" "the next ingest completes"
like "$(cat "$T/err2")" "died while parsing file:$T/in/02.eml with SIGSEGV" "it names the message the dead run was parsing"
is "$(echo "$out" | grep -c '"status":"stored"')" "4" "all four messages are stored"
is "$(sqlite3 "$DB" "select count(*) from messages where case_id is not null")" "3" "the three good ones are on cases"
is "$(sqlite3 "$DB" "select problem from messages where case_id is null")" "crashed-parser" "the bad one is kept unparsed"
like "$(sqlite3 "$DB" "select reason from triage where resolved_at is null")" \
     "crashed the parser (redress $("$R" --version | cut -d' ' -f2), SIGSEGV)" "triage says it crashed the parser, and which redress"
is "$(sqlite3 "$DB" "select length(data) from raw_messages r join messages m on m.raw_sha256 = r.sha256 where m.case_id is null")" \
   "$(wc -c < "$T/in/02.eml" | tr -d ' ')" "its bytes are kept whole"
is "$(ls "$DB.parsing" | wc -l)" "0" "the dead run's journal was taken over and removed"
tri=$("$R" --db "$DB" triage 2>&1)
like "$tri" "redress triage reparse" "redress triage says how to parse it again"

out=$("$R" --db "$DB" ingest --json "$T/in" 2>/dev/null)
is "$?" "0" "a third ingest completes without parsing the bad mail"
is "$(echo "$out" | grep -c '"status":"duplicate"')" "4" "and changes nothing"

msg=$(sqlite3 "$DB" "select id from messages where case_id is null")
"$R" --db "$DB" triage reparse "$msg" >/dev/null 2>"$T/err3"
is "$?" "1" "reparse refuses while this same build crashed on it"
like "$(cat "$T/err3")" "crashed this same redress" "and says why"
out=$(REDRESS_TEST_PARSE_CRASH= "$R" --db "$DB" triage reparse --force --json "$msg" 2>/dev/null)
is "$?" "0" "reparse --force with a parser that copes"
is "$(echo "$out" | tr -d ' \n' | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')" "new-complaint" "the message is filed as if it had just arrived"
is "$(sqlite3 "$DB" "select count(*) from messages where case_id is null or problem = 'crashed-parser'")" "0" "nothing is left unparsed"
is "$(sqlite3 "$DB" "select count(*) from triage where resolved_at is null")" "0" "triage is empty"
is "$(sqlite3 "$DB" "select count(*) from quarantine")" "0" "the quarantine is lifted"
is "$(sqlite3 "$DB" "pragma integrity_check")" "ok" "database intact"

# ---- 2. killed while parsing: attempts, not proof ---------------------------
DB2="$T/b.db"
# Each run records what the last one was parsing and parses it again.
n=0
while [ $n -lt 3 ]; do
    REDRESS_TEST_PARSE_CRASH_SIGNAL=KILL "$R" --db "$DB2" ingest --quiet "$T/in" >/dev/null 2>&1
    n=$((n + 1))
done
is "$(sqlite3 "$DB2" "select count(*) from messages")" "0" "three runs killed while parsing stored nothing (one batch)"
REDRESS_TEST_PARSE_CRASH_SIGNAL=KILL "$R" --db "$DB2" ingest --quiet "$T/in" >/dev/null 2>"$T/err4"
is "$?" "0" "the fourth run completes"
is "$(sqlite3 "$DB2" "select attempts || ' ' || crashed from quarantine where source like '%/02.eml'")" "2 0" \
   "two deaths while it was parsed alone were recorded, no crash signal"
# The other parse threads were parsing other mail when the kills came: one
# attempt each at most, so nothing else is quarantined.
is "$(sqlite3 "$DB2" "select count(*) from triage")" "1" "nothing else was kept unparsed"
is "$(sqlite3 "$DB2" "select count(*) from quarantine where source not like '%/02.eml'")" "0" \
   "an innocent suspect is cleared once it has been parsed"
like "$(sqlite3 "$DB2" "select reason from triage")" "stopped the parser 2 times" "then the message is kept unparsed"
is "$(sqlite3 "$DB2" "select count(*) from messages where case_id is not null")" "3" "and the others are on cases"

# ---- 3. the daemon over IMAP -------------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v curl >/dev/null 2>&1; then
    echo "# skipping the daemon part: needs root and curl"
    done_testing
    exit $?
fi
D=$(mktemp -d /tmp/rd-poison.XXXXXX)
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") || {
    echo "# skipping the daemon part: the mail servers could not be started"
    done_testing
    exit $?
}
eval "$env"
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
cat > "$C" <<EOF
[council]
domain = $MAIL_DOMAIN
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[daemon]
poll_interval = 1
send_interval = 1h
sweep_interval = 1h
EOF
export REDRESS_DB="$T/d.db"
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
send() { # FILE
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from someone@public.test \
         --mail-rcpt "complaints@$MAIL_DOMAIN" --upload-file "$1"
}
inbox() { ls "$MB/new" "$MB/cur" 2>/dev/null | grep -c '^[0-9]'; }
i=1
while [ $i -le 4 ]; do
    printf 'From: Person %s <p%s@public.test>\r\nTo: complaints@%s\r\nSubject: Complaint %s\r\nMessage-ID: <imap-%s@public.test>\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n\r\nThe bins were not emptied, case %s.\r\n' \
        "$i" "$i" "$MAIL_DOMAIN" "$i" "$i" "$i" > "$T/m$i.eml"
    send "$T/m$i.eml"
    i=$((i + 1))
done
bad "$T/m5.eml" "imap-bad"
send "$T/m5.eml"
until_true 10 sh -c "[ \$(ls '$MB/new' '$MB/cur' 2>/dev/null | grep -c '^[0-9]') -ge 5 ]"
is "$(inbox)" "5" "five mails wait in the complaints mailbox, one of them bad"

# As systemd would: start it, and start it again when it dies.
"$R" --config "$C" daemon > "$T/d1.log" 2>&1 &
DPID=$!
waited=0
while kill -0 "$DPID" 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
kill -0 "$DPID" 2>/dev/null && alive=yes || alive=no
is "$alive" "no" "the daemon dies on the bad mail"
wait "$DPID" 2>/dev/null
"$R" --config "$C" daemon > "$T/d2.log" 2>&1 &
DPID=$!
until_true 20 sh -c "[ \$(sqlite3 '$REDRESS_DB' 'select count(*) from messages') -ge 5 ]"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from messages")" "5" "after one restart every message is stored"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from messages where case_id is not null")" "4" "the four good ones on cases"
like "$(sqlite3 "$REDRESS_DB" "select reason from triage")" "crashed the parser" "the bad one in triage, unparsed"
like "$(cat "$T/d2.log")" "died while parsing imap:complaints:" "the restarted daemon names the mailbox and UID"
until_true 10 sh -c "[ \$(ls '$MB/new' '$MB/cur' 2>/dev/null | grep -c '^[0-9]') -eq 0 ]"
is "$(inbox)" "0" "all five are moved out of the inbox, the bad one too"
sleep 2
check "the daemon is still running" kill -0 "$DPID"
st=$("$R" --config "$C" status 2>&1)
is "$?" "3" "redress status exits 3: something needs attention"
like "$st" "mail crashed the parser: 1 message kept unparsed in triage" "and says what"
kill -TERM "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=""
is "$(sqlite3 "$REDRESS_DB" "pragma integrity_check")" "ok" "database intact"
done_testing
