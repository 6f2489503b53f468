#!/bin/sh
# test-alerts.sh — telling someone (daemon/service/alerts.c) and
# `redress status` as a monitoring check, against a real Dovecot and
# Postfix on 127.0.0.1 (tests/mailservers.sh):
#  - status exits 1 without a database, 3 and says why when no daemon runs;
#  - a mailbox whose password is wrong: after [daemon] alert_after, one
#    alert mail reaches [council] it_contact, with the error and what to
#    do, and status exits 3 naming the mailbox; no second alert while it
#    stays broken;
#  - the password fixed and the daemon reloaded: one "works again" mail,
#    and status exits 0 with nothing to attend to.
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d)
D=$(mktemp -d /tmp/rd-alerts.XXXXXX)
DPID=""
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" 2>/dev/null; fi
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    rm -rf "$D" "$T"
}
trap cleanup EXIT
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
printf 'not-the-password\n' > "$T/badpw"
chmod 600 "$T/pw" "$T/badpw"
IT="staff@$MAIL_DOMAIN"
IT_MB="$MAIL_ROOT/$IT/Maildir"

# write_conf PASSWORD_FILE
write_conf() {
    cat > "$T/redress.conf" <<CONF
[council]
domain = $MAIL_DOMAIN
it_contact = $IT
[mailbox:complaints]
address = complaints@$MAIL_DOMAIN
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $1
imap_ca_file = $CA_FILE
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
timeout = 10
[daemon]
poll_interval = 1
send_interval = 2
sweep_interval = 1h
alert_after = 3s
CONF
}
C="$T/redress.conf"
write_conf "$T/badpw"
alerts() { cat "$IT_MB"/new/* "$IT_MB"/cur/* 2>/dev/null; }
n_alerts() { ls "$IT_MB/new" "$IT_MB/cur" 2>/dev/null | grep -c '^[0-9]'; }

out=$("$R" --config "$C" status 2>&1)
is "$?" "1" "status exits 1 when there is no database yet"
like "$out" "no database at" "and says so"
mkdir -p "$T/empty"
"$R" --config "$C" ingest --quiet "$T/empty" >/dev/null 2>&1
out=$("$R" --config "$C" status 2>&1)
is "$?" "3" "status exits 3 when no daemon has run on the database"
like "$out" "no daemon is running" "and says so"

"$R" --config "$C" daemon > "$T/log" 2>&1 &
DPID=$!
check "the wrong password is reported" until_true 15 grep -q 'connected=no' "$T/log"
check "one alert mail reaches it_contact after alert_after" until_true 30 sh -c "[ \$(ls '$IT_MB/new' '$IT_MB/cur' 2>/dev/null | grep -c '^[0-9]') -ge 1 ]"
a=$(alerts)
like "$a" "Subject: redress: mailbox complaints is failing" "its subject names the mailbox"
like "$a" "Authentication failed" "it carries the server's error"
like "$a" "password (imap_password_file) or the OAuth grant" "and says what to do"
like "$a" "Auto-Submitted: auto-generated" "it is marked automatic"
out=$("$R" --config "$C" status 2>&1)
is "$?" "3" "status exits 3 while the mailbox fails"
like "$out" "a mailbox cannot be fetched" "status says what needs attention"
like "$out" "mailbox complaints: " "and which mailbox"
out=$("$R" --config "$C" status --json 2>&1)
like "$(echo "$out" | tr -d ' \n')" '"ok":false' "status --json: ok false"
like "$out" '"what" : "a mailbox cannot be fetched"' "status --json lists the problem"
sleep 5
is "$(n_alerts)" "1" "no second alert while it stays broken"

# Fixed, reloaded: it works again, and someone is told.
write_conf "$T/pw"
kill -HUP "$DPID"
check "the mailbox connects after the reload" until_true 20 sh -c "grep -q 'mailbox=complaints connected=yes' '$T/log'"
check "a second mail says it works again" until_true 30 sh -c "[ \$(ls '$IT_MB/new' '$IT_MB/cur' 2>/dev/null | grep -c '^[0-9]') -ge 2 ]"
like "$(alerts)" "Subject: redress: mailbox complaints works again" "its subject says so"
check "status exits 0 once nothing needs attention" until_true 15 "$R" --config "$C" status
out=$("$R" --config "$C" status --json 2>&1)
like "$(echo "$out" | tr -d ' \n')" '"ok":true,"problems":[]' "status --json: ok, no problems"
kill -TERM "$DPID"
wait "$DPID"
DPID=""
out=$("$R" --config "$C" status 2>&1)
is "$?" "3" "status exits 3 once the daemon has stopped"
like "$out" "the daemon is not running" "and says so"
done_testing
