#!/bin/sh
# demo.sh — `make demo`: a small council's complaints mail, live.
#
# Starts throwaway Dovecot (IMAP) and Postfix (SMTP) on 127.0.0.1 with the
# mailboxes of a small council and a few citizens, starts `redress daemon`
# on them, sends four complaints by SMTP (one to the Chief Executive), waits
# until every acknowledgement has been delivered to the citizen's mailbox,
# has a case handler answer one complaint, lets that citizen ask for Stage
# 2, and shows the cases, the daemon's status and one acknowledgement as
# the citizen sees it. Then it stops everything it started. Nothing leaves
# the machine: Postfix here cannot deliver anywhere but these mailboxes.
# Without root (or if the servers cannot start) it runs the offline demo.
set -eu
cd "$(dirname "$0")/.."
R="${REDRESS_BIN:-$PWD/build/redress}"

if [ "$(id -u)" != 0 ]; then
    echo "demo: the live demo runs its own mail servers and needs root; showing the offline demo"
    exec sh examples/demo-offline.sh
fi

D=$(mktemp -d /tmp/redress-demo.XXXXXX)
chmod 711 "$D"
DPID=""
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
        kill -TERM "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null || true
    fi
    bash tests/mailservers.sh stop "$D/mail" >/dev/null 2>&1 || true
    if [ -n "${DEMO_KEEP:-}" ]; then echo "demo: kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

CITIZENS="margaret.hughes@public.test d.okafor@public.test rhiannon.pryce@public.test alan.whitfield@public.test"
step "Starting Dovecot and Postfix on 127.0.0.1 (the council's mail server, for this demo)"
mkdir -p "$D/mail"
if ! env=$(MAIL_DOMAIN=council.test MAIL_USERS="complaints stage2 chief.executive manager catchall $CITIZENS" \
           bash tests/mailservers.sh start "$D/mail" 2>"$D/start.err"); then
    echo "demo: the mail servers could not start ($(tail -n 1 "$D/start.err")); showing the offline demo"
    exec sh examples/demo-offline.sh
fi
eval "$env"
echo "IMAP on 127.0.0.1:$IMAPS_PORT (TLS), SMTP on 127.0.0.1:$SMTP_PORT (STARTTLS), mail for @council.test and @public.test"

printf '%s\n' "$MAIL_PASSWORD" > "$D/password"
chmod 600 "$D/password"
export REDRESS_DB="$D/redress.db"
export REDRESS_CONFIG="$D/redress.conf"
mailbox() {  # ROLE LOCALPART
    printf '[mailbox:%s]\naddress = %s@council.test\nimap_url = imaps://127.0.0.1:%s/INBOX\nimap_user = %s@council.test\nimap_password_file = %s/password\nimap_ca_file = %s\n' \
        "$1" "$2" "$IMAPS_PORT" "$2" "$D" "$CA_FILE"
}
{
    printf '[council]\nname = Kingsbridge Borough Council\ndomain = council.test\nphone = 01632 960000\n'
    printf 'website = https://www.kingsbridge.example/complaints\ncomplaints_manager = manager@council.test\n'
    mailbox complaints complaints
    mailbox stage2 stage2
    mailbox chief-executive chief.executive
    printf 'office_name = the Chief Executive\n'
    printf '[smtp]\nurl = smtp://127.0.0.1:%s\nca_file = %s\nuser = complaints@council.test\n' "$SMTP_PORT" "$CA_FILE"
    printf 'password_file = %s/password\nenvelope_from = complaints@council.test\n' "$D"
    printf '[calendar]\nbank_holidays = %s/examples/bank-holidays.json\n' "$PWD"
    printf '[daemon]\nsend_interval = 2\npoll_interval = 5\n'
} > "$REDRESS_CONFIG"
"$R" config check --quiet

step "Starting redress daemon (log: what it did, one line per message and per letter)"
"$R" daemon > "$D/daemon.log" 2>&1 &
DPID=$!
sleep 1

# The sample complaints, addressed to this demo's domains.
send() {  # FILE FROM RCPT...
    f=$1 from=$2
    shift 2
    rcpts=""
    for r in "$@"; do rcpts="$rcpts --mail-rcpt $r"; done
    cp "$f" "$D/out.eml"
    # shellcheck disable=SC2086
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --ssl-reqd --cacert "$CA_FILE" \
         --mail-from "$from" $rcpts --upload-file "$D/out.eml"
}
step "Four people write in: three to complaints@, one to the Chief Executive"
send examples/mail/complaints/01-missed-bins.eml margaret.hughes@public.test complaints@council.test
send examples/mail/complaints/02-housing-repair.eml d.okafor@public.test complaints@council.test
send examples/mail/complaints/03-welsh-council-tax.eml rhiannon.pryce@public.test complaints@council.test
send examples/mail/chief-executive/01-pothole.eml alan.whitfield@public.test chief.executive@council.test
echo "sent 4 messages by SMTP"

# Wait for an acknowledgement (or any letter) in a citizen's INBOX. It
# usually takes a second or two; DEMO_WAIT (default 120) seconds allows for
# a busy machine, or the sanitised build the tests run.
DEMO_WAIT=${DEMO_WAIT:-120}
delivered() { find "$MAIL_ROOT/$1/Maildir/new" "$MAIL_ROOT/$1/Maildir/cur" -type f 2>/dev/null | wc -l; }
wait_for() {  # ADDRESS COUNT
    i=0
    while [ "$(delivered "$1")" -lt "$2" ] && [ $i -lt "$DEMO_WAIT" ]; do sleep 1; i=$((i + 1)); done
    [ "$(delivered "$1")" -ge "$2" ]
}
for c in $CITIZENS; do
    if wait_for "$c" 1; then echo "acknowledgement delivered to $c"; else echo "demo: no letter reached $c in $DEMO_WAIT s; see $D/daemon.log" >&2; cat "$D/daemon.log" >&2; exit 1; fi
done

step "The cases"
"$R" cases
REF=$(sqlite3 "$REDRESS_DB" "select c.reference from cases c join people p on p.id=c.complainant_id where p.email='d.okafor@public.test'")

step "A case handler answers Daniel Okafor's complaint ($REF): not upheld"
"$R" case "$REF" assign housing.officer@council.test
"$R" case "$REF" respond --outcome not-upheld
if wait_for d.okafor@public.test 2; then
    echo "closing letter (with the right to ask for Stage 2) delivered to d.okafor@public.test"
else
    echo "demo: the closing letter did not arrive in $DEMO_WAIT s; see the daemon's log:" >&2; cat "$D/daemon.log" >&2; exit 1
fi

step "He is not satisfied and writes to stage2@"
printf 'From: Daniel Okafor <d.okafor@public.test>\nTo: stage2@council.test\nSubject: Re: my complaint about damp\nMessage-ID: <demo-stage2@public.test>\n\nI am not satisfied with the answer. The mould is back and my daughter is ill.\n' > "$D/stage2.eml"
curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --ssl-reqd --cacert "$CA_FILE" \
     --mail-from d.okafor@public.test --mail-rcpt stage2@council.test --upload-file "$D/stage2.eml"
if wait_for d.okafor@public.test 3; then
    echo "Stage 2 acknowledgement delivered to d.okafor@public.test"
else
    echo "demo: the Stage 2 acknowledgement did not arrive in $DEMO_WAIT s; see the daemon's log:" >&2; cat "$D/daemon.log" >&2; exit 1
fi
"$R" show "$REF" | sed -n '1,/^Messages/p' | grep -v '^Messages'
"$R" outbox | grep "$REF"

step "The daemon's status"
"$R" status

step "The acknowledgement Margaret Hughes received, as her mail client shows it"
f=$(ls -tr "$MAIL_ROOT/margaret.hughes@public.test/Maildir/new/"* | head -n 1)
# The header block, folded lines joined.
tr -d '\r' < "$f" | sed '/^$/q' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | \
    grep -E '^(Date|From|To|Reply-To|Subject|Auto-Submitted):'
echo
# The text part, quoted-printable undone.
tr -d '\r' < "$f" | awk '/^Content-Type: text\/plain/{p=1;next} p&&/^--/{exit} p' | sed '1,/^$/d' | \
    sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=C2=A3/£/g; s/=E2=80=94/—/g; s/=3D/=/g'

step "Stopping the daemon and the mail servers"
kill -TERM "$DPID"
wait "$DPID" && echo "redress daemon stopped cleanly"
DPID=""
