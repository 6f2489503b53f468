#!/bin/sh
# test-selftest.sh — `redress selftest` and the daemon's self-test against a
# real Postfix and Dovecot on 127.0.0.1 (tests/mailservers.sh), twice:
#
#  1. servers with plus addressing (the default: Dovecot's own
#     recipient_delimiter): the test mail arrives, the command says OK with
#     the round trip and removes it; nothing reaches the case file; status
#     shows the result. A wrong SMTP port, a wrong IMAP password and a
#     missing setting each fail with exit 1 and say what to fix. The daemon
#     checks at start and logs OK; a self-test run while it runs, whose mail
#     the daemon fetches first (REDRESS_TEST_SELFTEST_IMAP_AFTER keeps the
#     command out of the mailbox for a few seconds), opens no case, queues
#     no letter, and still reports OK from intake's notes.
#  2. servers without plus addressing (RECIPIENT_DELIMITER=, so
#     complaints+…@ goes to the catch-all): the command fails with exit 1
#     and the plus-addressing advice, because the control mail to
#     complaints@ itself arrived; the plus mail is found in the catch-all.
#     That very mail, ingested into the case file, is recognised and filed
#     nowhere; into another case file (another token key) it goes to triage
#     as automatic mail and opens no case.
#  3. servers that bounce plus addresses (PLUS_BOUNCES=1), with the bounce
#     coming back to the complaints mailbox and a daemon reading it: the
#     daemon's own check and a `redress selftest` beside it both fail
#     quickly with the bounce's status, and the bounce, like the test
#     mails, is filed nowhere.
#
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
bash tests/mailservers.sh install >/dev/null 2>&1 || skip_all "cannot install Dovecot and Postfix"

T=$(mktemp -d /tmp/rd-selftest-test.XXXXXX)
chmod 711 "$T"   # the servers' users must reach the folders below
D="$T/plus"
N="$T/noplus"
B="$T/bounce"
DPID=""
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" 2>/dev/null; fi
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    bash tests/mailservers.sh stop "$N" >/dev/null 2>&1
    bash tests/mailservers.sh stop "$B" >/dev/null 2>&1
    [ -n "${RD_KEEP_T:-}" ] && cp "$T/log" /tmp/selftest-test.log 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
unset REDRESS_CONFIG REDRESS_DB
DB="$T/case.db"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
printf 'not-the-password\n' > "$T/badpw"
chmod 600 "$T/pw" "$T/badpw"

# write_conf FILE SMTP_PORT IMAP_PASSWORD_FILE [SMTP_URL_LINE]
write_conf() {
    cat > "$1" <<EOF
[council]
domain = $MAIL_DOMAIN
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $3
imap_ca_file = $CA_FILE
[smtp]
${4:-url = smtp://127.0.0.1:$2}
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
envelope_from = bounces@$MAIL_DOMAIN
timeout = 10
[daemon]
idle = true
send_interval = 2
sweep_interval = 1h
EOF
}
C="$T/redress.conf"
write_conf "$C" "$SMTP_PORT" "$T/pw"
st() { "$R" --config "$C" --db "$DB" "$@"; }
# The report is wrapped for people; tests read it as one line.
one_line() { tr '\n' ' ' | tr -s ' '; }
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
files() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
inbox_empty() { test "$(files "$MB")" = 0; }
nothing_filed() {
    is "$(sql "select count(*) from messages")|$(sql "select count(*) from cases")|$(sql "select count(*) from triage")|$(sql "select count(*) from outbox")" \
       "0|0|0|0" "$1"
}

# ---------------------------------------------------------------------------
# 1. A server with plus addressing.
out=$(st selftest --timeout 20 2>"$T/err"); rc=$?
out=$(printf '%s' "$out" | one_line)
is "$rc" "0" "selftest: exit 0 when the mail to the reply address arrives"
like "$out" "OK: a test mail to complaints+cmp-0000-" "it names the reply address tested (a year-0000 token address)"
like "$out" "reached the complaints mailbox in" "and gives the round trip"
like "$(cat "$T/err")" "sending test mail through smtp://127.0.0.1:$SMTP_PORT" "it says what it is doing while it waits"
check "both test mails are removed from the complaints mailbox" until_true 5 inbox_empty
is "$(files "$MB/.Processed")" "0" "and none was moved to Processed"
nothing_filed "no message, case, triage entry or letter in the case file"

json=$(st --json selftest --timeout 20 2>/dev/null); rc=$?
is "$rc" "0" "--json: exit 0"
flat=$(printf '%s' "$json" | tr -d ' \n')
like "$flat" '"ok":true,"outcome":"ok"' "--json: ok and outcome"
like "$flat" '"address":"complaints+cmp-0000-' "--json: the address"
ms=$(printf '%s' "$flat" | sed -n 's/.*"ms":\([0-9]*\).*/\1/p')
check "--json: the round trip in ms ($ms), under the timeout" test -n "$ms" -a "${ms:-99999}" -lt 20000
like "$flat" '"advice":[]' "--json: no advice when it works"
status=$(st status 2>&1)
like "$status" "last self-test: " "status shows the last self-test"
like "$status" ", OK: a test mail to complaints+cmp-0000-" "and that it passed"
like "$(st --json status 2>/dev/null | tr -d ' \n')" '"selftest":{"at":"' "status --json has it too"

# Wrong SMTP port: a clear SMTP error, exit 1, nothing sent.
closed=1   # tcpmux: nothing listens there
write_conf "$T/badport.conf" "$closed" "$T/pw"
out=$("$R" --config "$T/badport.conf" --db "$DB" selftest --timeout 5 2>/dev/null); rc=$?
out=$(printf '%s' "$out" | one_line)
is "$rc" "1" "wrong SMTP port: exit 1"
like "$out" "FAILED (smtp-failed): the SMTP server smtp://127.0.0.1:$closed did not take the test mail" \
    "it says the SMTP server did not take the mail"
like "$out" "onnect" "with curl's reason (no connection)"
like "$out" "Check [smtp] url (host and port)" "and what to check"
sleep 1
is "$(files "$MB")" "0" "no test mail reached the mailbox"

# Wrong IMAP password: nothing to watch, so nothing is sent.
write_conf "$T/badimap.conf" "$SMTP_PORT" "$T/badpw"
out=$("$R" --config "$T/badimap.conf" --db "$DB" selftest --timeout 5 2>/dev/null); rc=$?
out=$(printf '%s' "$out" | one_line)
is "$rc" "1" "wrong IMAP password: exit 1"
like "$out" "FAILED (imap-failed): the complaints mailbox could not be read" "it says the mailbox cannot be read"
like "$out" "LOGIN" "with the server's refusal"
sleep 1
is "$(files "$MB")" "0" "and no test mail was sent"

# Missing settings, bad usage.
write_conf "$T/nosmtp.conf" "$SMTP_PORT" "$T/pw" "#no url"
out=$("$R" --config "$T/nosmtp.conf" --db "$DB" selftest 2>/dev/null); rc=$?
is "$rc" "1" "no [smtp] url: exit 1"
like "$out" "FAILED (not-configured): there is no [smtp] url" "it names the missing setting"
grep -v '^imap_url' "$C" > "$T/noimap.conf"
out=$("$R" --config "$T/noimap.conf" --db "$DB" selftest 2>/dev/null); rc=$?
is "$rc" "1" "no imap_url for complaints: exit 1"
like "$out" "[mailbox:complaints] has no imap_url" "it names the missing setting"
st selftest --timeout 0 >/dev/null 2>&1; rc=$?
is "$rc" "1" "--timeout 0: usage error, exit 1"

# The daemon: its own check at start, and a check whose mail it fetches.
"$R" --config "$C" --db "$DB" daemon 2>"$T/log" &
DPID=$!
check "the daemon logs its start-up self-test as OK" until_true 30 grep -q "selftest ok ms=" "$T/log"
connected() { st status --json 2>/dev/null | tr -d ' \n' | grep -q '"mailbox":"complaints","connected":true'; }
check "its complaints watcher is connected" until_true 10 connected
out=$(REDRESS_TEST_SELFTEST_IMAP_AFTER=5 st --json selftest --timeout 20 2>/dev/null); rc=$?
flat=$(printf '%s' "$out" | tr -d ' \n')
is "$rc" "0" "selftest while the daemon runs: exit 0"
like "$flat" '"seen_by_intake":true' "the daemon fetched the test mail first; selftest found it in intake's notes"
check "the daemon logged the test mails it fetched" until_true 10 sh -c \
    "test \$(grep -c 'selftest mail=seen mailbox=complaints' '$T/log') -ge 2"
check "the mailbox is empty again" until_true 10 inbox_empty
sleep 3   # a send_interval: any letter queued would have gone by now
nothing_filed "the daemon opened no case and queued no letter for it"
is "$(files "$MB/.Processed")" "0" "and moved none of it to Processed: it removed it"
check "the log has no error" sh -c "! grep -q 'error' '$T/log'"
kill -TERM "$DPID"
wait "$DPID"; rc=$?
DPID=""
is "$rc" "0" "the daemon stops cleanly"
bash tests/mailservers.sh stop "$D" >/dev/null 2>&1

# ---------------------------------------------------------------------------
# 2. A server without plus addressing: complaints+…@ goes to the catch-all.
env=$(RECIPIENT_DELIMITER= bash tests/mailservers.sh start "$N" 2>"$T/start.err") || {
    echo "not ok - the servers without plus addressing would not start: $(tail -n 1 "$T/start.err")"
    done_testing
    exit 1
}
eval "$env"
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
CA_MB="$MAIL_ROOT/$CATCHALL_USER/Maildir"
write_conf "$C" "$SMTP_PORT" "$T/pw"
out=$(st selftest --timeout 6 2>/dev/null); rc=$?
out=$(printf '%s' "$out" | one_line)
is "$rc" "1" "no plus addressing: exit 1"
like "$out" "FAILED (no-plus-addressing)" "the failure is named"
like "$out" "but one sent at the same time to complaints@$MAIL_DOMAIN arrived" \
    "because the control mail to the mailbox's own address arrived"
like "$out" "recipient_delimiter = + in main.cf" "advice for Postfix"
like "$out" "DisablePlusAddressInRecipients" "advice for Microsoft 365"
like "$out" "Google Workspace" "advice for Google"
like "$out" "Exchange Server on premises" "advice for Exchange on premises"
caught() { test "$(grep -l '^X-Redress-Selftest:' "$CA_MB"/new/* "$CA_MB"/cur/* 2>/dev/null | wc -l)" -ge 1; }
check "the plus-address mail went to the catch-all instead" until_true 5 caught
check "the control mail was removed from the complaints mailbox" until_true 5 inbox_empty
like "$(st status 2>&1)" ", FAILED: a test mail to complaints+cmp-0000-" "status shows the failure"
like "$(st --json status 2>/dev/null | tr -d ' \n')" '"ok":false,"outcome":"no-plus-addressing"' "status --json too"
nothing_filed "still nothing in the case file"

# The mail as the server delivered it, ingested: recognised by its token.
mail=$(grep -l '^X-Redress-Selftest:' "$CA_MB"/new/* "$CA_MB"/cur/* 2>/dev/null | head -n 1)
out=$(st --json ingest "$mail" 2>/dev/null)
like "$out" '"status":"selftest"' "ingesting the delivered test mail: status selftest"
like "$(st ingest "$mail" 2>&1)" "1 redress self-test mail (noted, filed nowhere)" "the summary counts it apart"
nothing_filed "and files it nowhere"
# Another case file has another token key: the header does not verify.
out=$("$R" --config "$C" --db "$T/other.db" --json ingest "$mail" 2>/dev/null)
like "$out" '"status":"stored"' "in another case file the same mail is an ordinary message"
like "$out" '"kind":"automatic"' "automatic mail (Auto-Submitted)"
like "$out" '"triage":true' "in triage"
is "$(sqlite3 "$T/other.db" "select count(*) from cases")" "0" "and it opens no case"
bash tests/mailservers.sh stop "$N" >/dev/null 2>&1

# ---------------------------------------------------------------------------
# 3. A server that bounces plus addresses, back to the complaints mailbox
#    (no envelope_from: the test mail's MAIL FROM is complaints@ itself).
env=$(RECIPIENT_DELIMITER= PLUS_BOUNCES=1 bash tests/mailservers.sh start "$B" 2>"$T/start.err") || {
    echo "not ok - the servers that bounce plus addresses would not start: $(tail -n 1 "$T/start.err")"
    done_testing
    exit 1
}
eval "$env"
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
DB="$T/bounce.db"
write_conf "$C" "$SMTP_PORT" "$T/pw"
grep -v '^envelope_from' "$C" > "$C.new" && mv "$C.new" "$C"
"$R" --config "$C" --db "$DB" daemon 2>"$T/log" &
DPID=$!
check "the daemon's own check fails on the bounce, well within its 60 s" until_true 40 \
    grep -q "selftest failed outcome=no-plus-addressing: a test mail to complaints+cmp-0000-.* came back undeliverable (5.1.1)" "$T/log"
like "$(cat "$T/log")" "recipient_delimiter = + in main.cf" "the log line carries the advice"
like "$(cat "$T/log")" "selftest mail=seen" "the daemon noted the bounce (and the control mail) and removed them"
t0=$(date +%s)
out=$(st --json selftest --timeout 40 2>/dev/null); rc=$?
took=$(( $(date +%s) - t0 ))
flat=$(printf '%s' "$out" | tr -d '\n' | tr -s ' ')
is "$rc" "1" "selftest beside the daemon: exit 1"
like "$flat" '"outcome" : "no-plus-addressing"' "no plus addressing"
like "$flat" '"detail" : "5.1.1"' "with the bounce's status"
like "$flat" "while one to complaints@$MAIL_DOMAIN arrived" "and the control mail arrived"
check "without waiting for the timeout (took ${took}s)" test "$took" -lt 30
check "the mailbox is empty again: bounces and control mails removed" until_true 10 inbox_empty
nothing_filed "no message, case, triage entry or letter: the bounces too are filed nowhere"
kill -TERM "$DPID"
wait "$DPID"; rc=$?
DPID=""
is "$rc" "0" "the daemon stops cleanly"

done_testing
