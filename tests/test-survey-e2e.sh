#!/bin/sh
# test-survey-e2e.sh — a satisfaction survey end to end against the real
# servers (Dovecot, Postfix; tests/mailservers.sh), the complainant using
# a real mail client (s-nail):
#   1. a complaint sent with s-nail, fetched by IMAP, answered (redress
#      case respond), and the sweep --now some working days on sends the
#      survey through SMTP;
#   2. it lands in the complainant's Maildir with the questions and the
#      survey's own Reply-To;
#   3. they answer with s-nail's Reply (to the Reply-To, the survey
#      quoted under their answers), the reply reaches the complaints
#      mailbox, redress fetch reads it: the answers recorded, the comment
#      anonymised, the reply kept on the case; the quoted questions are
#      not read as answers.
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
for c in s-nail python3 sqlite3; do
    command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
done
T=$(mktemp -d /tmp/rd-survey-e2e.XXXXXX)
M="$T/servers"
chmod 711 "$T"
trap 'bash tests/mailservers.sh stop "$M" >/dev/null 2>&1; rm -rf "$T"' EXIT
env_lines=$(bash tests/mailservers.sh start "$M" 2>"$T/start.err") || {
    sed 's/^/# /' "$T/start.err"
    skip_all "the mail servers would not start"
}
eval "$env_lines"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
D=$MAIL_DOMAIN
PAT="complainant@$PUBLIC_DOMAIN"
CM="$MAIL_ROOT/$PAT/Maildir"
printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
cat > "$C" <<EOF
[council]
domain = $D
[mailbox:complaints]
address = complaints@$D
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
envelope_from = complaints@$D
timeout = 10
[surveys]
enabled = true
delay = 5
EOF
rd() { "$R" --config "$C" "$@"; }
q() { sqlite3 "$REDRESS_DB" "$1"; }
count() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
has() { [ "$(count "$1")" -ge "$2" ]; }
wait_count() { until_true 10 has "$1" "$2"; }
with_mid() { grep -lis "^message-id: *<$2>" "$1"/new/* "$1"/cur/* 2>/dev/null | head -n 1; }
wait_mid() { until_true 10 sh -c 'grep -qis "^message-id: *<$2>" "$1"/new/* "$1"/cur/*' _ "$1" "$2"; }
body() {
    python3 - "$1" <<'PY'
import sys, email
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
p = m.get_body(preferencelist=('plain',))
sys.stdout.write(p.get_content() if p is not None else '')
PY
}
_public_snail() {
    s-nail -#:/ -S v15-compat -S nosave -S "mta=smtp://localhost:$SMTP_PORT" -S smtp-auth=none \
        -S smtp-use-starttls -S "tls-ca-file=$CA_FILE" -S tls-ca-no-defaults \
        -S "from=Pat Citizen <$PAT>" "$@"
}

# ---- 1. a complaint, answered, surveyed ------------------------------------------
printf '%s\n' "The bins in Elm Court were missed again." "" "Pat Citizen" |
    _public_snail -s "Missed bins" "complaints@$D" > "$T/snail.out" 2>&1
is "$?" 0 "1. the complainant sends a complaint with s-nail"
check "1. it reaches the complaints mailbox" wait_count "$MAIL_ROOT/complaints@$D/Maildir" 1
TODAY=$(date -u +%Y-%m-%d)
rd sweep --now "${TODAY}T06:00:00Z" >/dev/null 2>>"$T/err"   # surveys start today
rd fetch -q 2>>"$T/err"
REF=$(q "select reference from cases")
like "$REF" "CMP-" "1. redress fetch opens the case"
rd case "$REF" respond --outcome upheld --date "$TODAY" >/dev/null 2>>"$T/err"
rd outbox send -q 2>>"$T/err"
LATER=$(date -u -d "$TODAY + 14 days" +%Y-%m-%d)
rd sweep --now "${LATER}T08:00:00Z" > "$T/sweep.out" 2>>"$T/err"
like "$(cat "$T/sweep.out")" "Satisfaction survey sent to $PAT" "1. the sweep sends the survey"
# The letter is due from the sweep's (moved) time.
rd outbox send -q --now "${LATER}T08:01:00Z" 2>>"$T/err"
MID=$(q "select message_id from outbox where kind = 'survey'" | tr -d '<>')
check "1. it is delivered through SMTP" wait_mid "$CM" "$MID"

# ---- 2. what the complainant sees ------------------------------------------------
F=$(with_mid "$CM" "$MID")
B=$(body "$F")
like "$B" "1. How easy was it to make your complaint?" "2. the survey asks the questions"
like "$(grep -i '^Reply-To:' "$F")" "complaints+svy-1-" "2. its Reply-To is the survey's address"

# ---- 3. the answer, with s-nail's Reply -------------------------------------------
N=$(count "$MAIL_ROOT/complaints@$D/Maildir")
{ printf 'Reply @message-id@<%s>\n' "$MID"
  printf '%s\n' "1. 4" "2. 3" "3: 5" "4 out of 5" "" "5. Call me on 07700 900123 if you like. Pat Citizen"
  printf '\n~Q\n~.\n'; } |
    _public_snail -R -S errexit -S reply-to-honour=yes -S 'indentprefix=> ' -f "$CM" >> "$T/snail.out" 2>&1
is "$?" 0 "3. the complainant replies with s-nail"
check "3. the reply reaches the complaints mailbox" wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((N + 1))
rd fetch -q 2>>"$T/err"
is "$(q "select group_concat(question || '=' || value, ' ') from survey_answers")" "1=4 2=3 3=5 4=4" \
   "3. redress fetch reads the answers, not the quoted questions"
is "$(q "select text from survey_comments")" "Call me on [phone] if you like. [name]" "3. the comment anonymised"
is "$(q "select status from surveys")" "answered" "3. the survey answered"
is "$(q "select count(*) from messages m join cases c on c.id = m.case_id where m.kind = 'survey-reply'")" "1" \
   "3. the reply kept on the case"
is "$(q "select count(*) from triage")" "0" "3. nothing in triage"
done_testing
