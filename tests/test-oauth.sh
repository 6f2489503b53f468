#!/bin/sh
# test-oauth.sh — XOAUTH2 against a real Dovecot and Postfix on 127.0.0.1
# (tests/mailservers.sh), with tokens from a throwaway OAuth server
# (tests/oauth-server.py: HTTPS token endpoint with its own test CA;
# Dovecot's oauth2 passdb asks its introspection endpoint about every
# token, and Postfix's AUTH goes through Dovecot, so both servers check
# the tokens redress presents).
#
#   fetch with the client-credentials grant (token endpoint verified with
#   oauth_ca_file; scope sent; no token or secret in the log); a wrong
#   client secret, a wrong CA for the endpoint, and configuration mistakes
#   are refused with messages that say what to do; the refresh-token grant
#   writes the rotated token back (mode 0600) and the next run uses it; a
#   revoked refresh token fails that mailbox only, the other mailbox is
#   still fetched; SMTP AUTH XOAUTH2 delivers a letter; the daemon reuses
#   its cached token across reconnects, gets a new one when the server
#   refuses the cached one, and shows a failed refresh in `redress status`
#   for that mailbox alone while the other keeps ingesting.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "python3 is not installed (make deps installs it)"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d /tmp/rd-oauth-t.XXXXXX)
D=$(mktemp -d /tmp/rd-oauth.XXXXXX)
OPID="" DPID=""
cleanup() {
    [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
    [ -n "$OPID" ] && kill -TERM "$OPID" 2>/dev/null
    bash tests/mailservers.sh stop "$D" >/dev/null 2>&1
    rm -rf "$D" "$T"
}
trap cleanup EXIT

# The authorisation server, with a certificate of its own (not the mail
# servers' CA: oauth_ca_file is a separate trust).
openssl req -x509 -nodes -days 2 -subj "/CN=localhost" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$T/oauth-key.pem" -out "$T/oauth-ca.pem" \
    2>/dev/null || skip_all "openssl could not make a certificate"
"$PY" tests/oauth-server.py "$T" "$T/oauth-ca.pem" "$T/oauth-key.pem" 2>"$T/oauth.err" &
OPID=$!
until_true 10 test -s "$T/oauth.env" || skip_all "the OAuth test server did not start ($(tail -n 1 "$T/oauth.err"))"
. "$T/oauth.env"
env=$(MAIL_OAUTH_INTROSPECT_URL="$OAUTH_CONTROL_URL/introspect" bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
stat_of() {   # stat_of KEY: a number or word from the server's /stats
    curl -s "$OAUTH_CONTROL_URL/stats" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
control() { curl -s -X POST "$OAUTH_CONTROL_URL/control?$1" >/dev/null; }
MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
S2="$MAIL_ROOT/stage2@$MAIL_DOMAIN/Maildir"
CITIZEN=complainant@$PUBLIC_DOMAIN
CIT_MB="$MAIL_ROOT/$CITIZEN/Maildir"

printf 'client-secret\n' > "$T/secret"
printf 'not-the-secret\n' > "$T/badsecret"
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
printf 'refresh-1\n' > "$T/refresh"
chmod 600 "$T/secret" "$T/badsecret" "$T/pw" "$T/refresh"

# oauth_box FILE GRANT [key = value...]: [mailbox:complaints] with XOAUTH2.
oauth_box() {
    f=$1 grant=$2; shift 2
    { echo "[council]"; echo "domain = $MAIL_DOMAIN"
      echo "[mailbox:complaints]"; echo "address = complaints@$MAIL_DOMAIN"
      echo "imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX"; echo "imap_user = complaints@$MAIL_DOMAIN"
      echo "imap_ca_file = $CA_FILE"; echo "imap_auth = xoauth2"
      echo "oauth_token_url = $OAUTH_TOKEN_URL"; echo "oauth_client_id = redress-test"
      echo "oauth_scope = https://outlook.office365.com/.default"
      if [ "$grant" = client_credentials ]; then
          echo "oauth_grant = client_credentials"; echo "oauth_client_secret_file = $T/secret"
      else
          echo "oauth_grant = refresh_token"; echo "oauth_refresh_token_file = $T/refresh"
      fi
      for kv in "$@"; do echo "$kv"; done; } > "$f"
}
# stage2_box FILE: append a password mailbox.
stage2_box() {
    printf '[mailbox:stage2]\naddress = stage2@%s\nimap_url = imaps://127.0.0.1:%s/INBOX\nimap_user = stage2\nimap_password_file = %s\nimap_ca_file = %s\n' \
        "$MAIL_DOMAIN" "$IMAPS_PORT" "$T/pw" "$CA_FILE" >> "$1"
}
n=0
send() {   # send TO SUBJECT
    n=$((n + 1))
    printf 'From: Pat Public <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <oauth-%s@public.test>\r\n\r\nPlease look into this.\r\n' \
        "$CITIZEN" "$1" "$2" "$n" > "$T/m$n.eml"
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$CITIZEN" --mail-rcpt "$1" --upload-file "$T/m$n.eml"
}
inbox() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
has_mail() { test "$(inbox "$1")" -ge "$2"; }
cases_n() { test "$(sql "select count(*) from cases")" -ge "$1"; }

# 1. The client-credentials grant: fetch logs in with XOAUTH2.
C="$T/cc.conf"
oauth_box "$C" client_credentials "oauth_ca_file = $T/oauth-ca.pem"
send "complaints@$MAIL_DOMAIN" "Fly-tipping behind the library"
until_true 10 has_mail "$MB" 1
out=$("$R" --config "$C" fetch 2>"$T/err"); rc=$?
is "$rc" 0 "fetch with imap_auth = xoauth2 (client credentials) succeeds"
like "$out" "complaints: 1 new message (1 stored)" "and stores the message"
is "$(sql "select count(*) from cases")" 1 "which opened a case"
is "$(stat_of client_credentials)" 1 "one token was asked for"
is "$(stat_of introspect_active)" 1 "and Dovecot checked it with the authorisation server"
is "$(stat_of last_scope)" "https://outlook.office365.com/.default" "oauth_scope is sent"
like "$(cat "$T/err")" "oauth mailbox complaints token=new grant=client_credentials" "the new token is logged"
check "the log holds no token" sh -c "! grep -q 'at-[0-9a-f]' '$T/err'"
check "the log holds no client secret" sh -c "! grep -q 'client-secret' '$T/err'"

# 2. What goes wrong says what to do.
oauth_box "$T/bad.conf" client_credentials "oauth_ca_file = $T/oauth-ca.pem"
sed -i "s|$T/secret|$T/badsecret|" "$T/bad.conf"
"$R" --config "$T/bad.conf" fetch >/dev/null 2>"$T/err"; rc=$?
check "a wrong client secret fails the fetch (exit $rc)" test "$rc" -ne 0
like "$(cat "$T/err")" "mailbox complaints: the token endpoint $OAUTH_TOKEN_URL refused the client_credentials grant (HTTP 401, invalid_client" \
    "naming the mailbox, the endpoint and the provider's error"
like "$(cat "$T/err")" "Check oauth_client_id, the client secret" "and what to check"
oauth_box "$T/ca.conf" client_credentials "oauth_ca_file = $CA_FILE"
"$R" --config "$T/ca.conf" fetch >/dev/null 2>"$T/err"; rc=$?
check "a token endpoint whose certificate is not trusted is refused (exit $rc)" test "$rc" -ne 0
like "$(cat "$T/err")" "cannot reach the token endpoint" "saying the endpoint could not be used"
oauth_box "$T/sys.conf" client_credentials
"$R" --config "$T/sys.conf" fetch >/dev/null 2>"$T/err"; rc=$?
check "without oauth_ca_file the system store does not trust the test endpoint (exit $rc)" test "$rc" -ne 0
is "$(stat_of client_credentials)" 1 "no token was issued over an unverified connection"
chmod 644 "$T/secret"
"$R" --config "$C" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "a client secret file others can read is refused (exit 1)"
like "$(cat "$T/err")" "chmod 600 $T/secret" "with the command that fixes it"
chmod 600 "$T/secret"
oauth_box "$T/g.conf" client_credentials "oauth_grant = password"
out=$("$R" --config "$T/g.conf" config check 2>&1); rc=$?
is "$rc" 1 "oauth_grant = password is a configuration error"
like "$out" "oauth_grant must be client_credentials or refresh_token, not 'password'" "listing the grants there are"
printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:%s/INBOX\nimap_user = complaints\nimap_auth = xoauth2\noauth_grant = client_credentials\noauth_client_id = x\noauth_client_secret_file = %s\n' \
    "$IMAPS_PORT" "$T/secret" > "$T/nourl.conf"
"$R" --config "$T/nourl.conf" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "imap_auth = xoauth2 without oauth_token_url: exit 1"
like "$(cat "$T/err")" "XOAUTH2 needs oauth_token_url" "naming the missing key"
printf '[mailbox:complaints]\noauth_token_url = http://login.example/token\n' > "$T/http.conf"
out=$("$R" --config "$T/http.conf" config check 2>&1); rc=$?
is "$rc" 1 "an http:// token endpoint is refused"
like "$out" "oauth_token_url must be an https:// address" "saying it must be https"

# 3. The refresh-token grant: the rotated token is written back.
C="$T/rt.conf"
oauth_box "$C" refresh_token "oauth_ca_file = $T/oauth-ca.pem"
stage2_box "$C"
like "$("$R" --config "$C" config check 2>/dev/null)" "IMAP imaps://127.0.0.1:$IMAPS_PORT/INBOX (XOAUTH2, refresh_token)" \
    "config check shows how the mailbox logs in"
send "complaints@$MAIL_DOMAIN" "Noise from the depot"
until_true 10 has_mail "$MB" 1
"$R" --config "$C" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 0 "fetch with the refresh-token grant succeeds"
is "$(cat "$T/refresh")" "refresh-2" "the rotated refresh token was written back"
is "$(stat -c %a "$T/refresh")" 600 "mode 0600"
like "$(cat "$T/err")" "refresh_token=rotated" "the rotation is logged"
check "no temporary file is left beside it" sh -c "! ls -A '$T' | grep -q '^\.refresh'"
send "complaints@$MAIL_DOMAIN" "Noise again"
until_true 10 has_mail "$MB" 1
"$R" --config "$C" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 0 "the next run refreshes with the rotated token"
is "$(cat "$T/refresh")" "refresh-3" "and saves the next one"
is "$(stat_of refresh_token)" 2 "two refreshes, one per run"
is "$(sql "select count(*) from cases")" 3 "three complaints, three cases"

# 3b. Two runs at once share the rotating token through the lock: each
#     refreshes in turn with the token the other saved, none is refused.
refused0=$(stat_of refused)
rt0=$(stat_of refresh_token)
"$R" --config "$C" fetch --mailbox complaints >/dev/null 2>"$T/p1.err" &
p1=$!
"$R" --config "$C" fetch --mailbox complaints >/dev/null 2>"$T/p2.err"; rc2=$?
wait "$p1"; rc1=$?
is "$rc1 $rc2" "0 0" "two fetches at once both log in with the refresh-token grant"
is "$(stat_of refused)" "$refused0" "no refresh token was refused (the second waited for the first)"
is "$(stat_of refresh_token)" "$((rt0 + 2))" "each refreshed once, in turn"
is "$(cat "$T/refresh")" "$(stat_of refresh)" "the file holds the token the server expects next"

# 3c. Settings that would be silently ignored are errors.
oauth_box "$T/both.conf" client_credentials "imap_password_file = $T/pw"
out=$("$R" --config "$T/both.conf" config check 2>&1); rc=$?
is "$rc" 1 "imap_password_file with imap_auth = xoauth2 is a configuration error"
like "$out" "imap_password_file is not used with imap_auth = xoauth2" "saying which one is not used"
printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:%s/INBOX\nimap_user = complaints\nimap_password_file = %s\noauth_client_id = x\n' \
    "$IMAPS_PORT" "$T/pw" > "$T/stray.conf"
out=$("$R" --config "$T/stray.conf" fetch 2>&1); rc=$?
is "$rc" 1 "oauth_ keys without imap_auth = xoauth2 are refused by fetch too"
like "$out" "used only with imap_auth = xoauth2" "naming the missing imap_auth"

# 4. A revoked refresh token: that mailbox fails, the other is fetched.
saved=$(cat "$T/refresh")
control revoke
send "complaints@$MAIL_DOMAIN" "Waiting behind a revoked token"
send "stage2@$MAIL_DOMAIN" "Stage 2 meanwhile"
until_true 10 has_mail "$S2" 1
out=$("$R" --config "$C" fetch 2>"$T/err"); rc=$?
check "the fetch reports the failure (exit $rc)" test "$rc" -ne 0
like "$(cat "$T/err")" "The refresh token is no longer valid: sign in again and put the new refresh token in oauth_refresh_token_file" \
    "the error says a person must sign in again"
like "$out" "stage2: 1 new message (1 stored)" "the other mailbox was still fetched"
is "$(inbox "$MB")" 1 "the complaint waits safely on the server"
is "$(cat "$T/refresh")" "$saved" "the refresh token file is left as it was"
control restore

# 5. SMTP AUTH XOAUTH2 (Postfix asks Dovecot, Dovecot the authorisation server).
cat >> "$C" <<EOF
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints@$MAIL_DOMAIN
auth = xoauth2
oauth_grant = client_credentials
oauth_token_url = $OAUTH_TOKEN_URL
oauth_client_id = redress-test
oauth_client_secret_file = $T/secret
oauth_ca_file = $T/oauth-ca.pem
EOF
before=$(stat_of introspect_active)
out=$("$R" --config "$C" outbox send 2>"$T/err"); rc=$?
is "$rc" 0 "outbox send with [smtp] auth = xoauth2 succeeds"
check "the acknowledgements reached the complainant" until_true 10 has_mail "$CIT_MB" 1
check "Postfix had the token checked" test "$(stat_of introspect_active)" -gt "$before"
is "$(sql "select count(*) from outbox where status = 'queued'")" 0 "nothing left queued"

# 6. The daemon: the token is cached across reconnects, replaced when the
#    server refuses it, and a failed refresh shows in status for that
#    mailbox only.
"$R" --config "$C" fetch >/dev/null 2>&1   # the complaint left waiting in 4
cat >> "$C" <<EOF
[daemon]
idle = true
send_interval = 5
sweep_interval = 1h
EOF
rt0=$(stat_of refresh_token)
"$R" --config "$C" daemon 2>"$T/log" &
DPID=$!
connected() { "$R" --config "$C" status --json 2>/dev/null | tr -d ' \n' | grep -q "\"mailbox\":\"$1\",\"connected\":true"; }
check "the daemon connects the XOAUTH2 mailbox" until_true 15 connected complaints
is "$(stat_of refresh_token)" "$((rt0 + 1))" "with one refresh"
bash tests/mailservers.sh stop-imap "$D" >/dev/null 2>&1
bash tests/mailservers.sh start-imap "$D" >/dev/null 2>&1
check "after Dovecot restarts the mailbox reconnects" until_true 30 sh -c \
    "test \$(grep -c 'mailbox=complaints connected=yes' '$T/log') -ge 2"
is "$(stat_of refresh_token)" "$((rt0 + 1))" "with the cached token: no new refresh"
control expire
bash tests/mailservers.sh stop-imap "$D" >/dev/null 2>&1
bash tests/mailservers.sh start-imap "$D" >/dev/null 2>&1
check "a token the server refuses is replaced and the mailbox reconnects" until_true 40 sh -c \
    "test \$(grep -c 'mailbox=complaints connected=yes' '$T/log') -ge 3"
is "$(stat_of refresh_token)" "$((rt0 + 2))" "with one new refresh"
control expire
control revoke
bash tests/mailservers.sh stop-imap "$D" >/dev/null 2>&1
bash tests/mailservers.sh start-imap "$D" >/dev/null 2>&1
check "the failed refresh shows in status for complaints" until_true 40 sh -c \
    "'$R' --config '$C' status --json | grep -q 'refresh token is no longer valid'"
check "stage2 is connected meanwhile" until_true 30 connected stage2
check "complaints is not" sh -c "! '$R' --config '$C' status --json | tr -d ' \n' | grep -q '\"mailbox\":\"complaints\",\"connected\":true'"
like "$(cat "$T/log")" "mailbox=complaints connected=no" "the log says which mailbox"
msgs_n() { test "$(sql "select count(*) from messages where direction = 'in'")" -ge "$1"; }
before=$(sql "select count(*) from messages where direction = 'in'")
send "stage2@$MAIL_DOMAIN" "Stage 2 while complaints cannot log in"
check "stage2 keeps ingesting" until_true 15 msgs_n $((before + 1))
check "the log holds no token or secret" sh -c "! grep -q -e 'at-[0-9a-f]' -e 'client-secret' -e 'refresh-[0-9]' '$T/log'"
kill -TERM "$DPID"
wait "$DPID"; rc=$?
DPID=""
is "$rc" 0 "the daemon stops cleanly"

done_testing
