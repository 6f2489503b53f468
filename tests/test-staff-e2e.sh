#!/bin/sh
# test-staff-e2e.sh — staff by email end to end, from mail clients,
# against the real servers: Dovecot, Postfix, and the council's border
# (MILTERS=1: OpenDKIM and OpenDMARC write the Authentication-Results
# that [staff_auth] policy = authentication-results trusts).
#
# The complainant writes with s-nail through $SMTP_PORT (the internet);
# the member of staff (staff@$MAIL_DOMAIN, a complaints manager, who is
# also [council] complaints_manager and so gets the notices) answers
# with s-nail through the signing submission port (tests/lib.sh
# staff_reply_top, staff_send); redress is driven by `redress fetch` and
# `redress outbox send`. What is checked is what lands in people's
# Maildirs (each delivered file parsed: headers, the text/plain part
# decoded) and `redress show --json`:
#   1. a complaint opens a case: the acknowledgement, and the staff
#      notice with the staff reply address and the marker line;
#   2. staff reply above the quoted notice: the complainant gets only the
#      new words and the signature, from complaints@, threaded;
#   3. reply all: recorded once, nothing sent twice;
#   4. #note: kept, never sent on;
#   6. From staff@ unsigned from outside: spoofed-staff, nothing applied,
#      an alert to staff;
#   7. the same with a forged Authentication-Results on top: the same;
#   5. commands: #holding, a typo, #outcome + #final; the complainant
#      asks for Stage 2; Stage 2 closed with #outcome + #final: the case
#      runs from first email to Stage 2 closure from mail clients, every
#      step on its record;
#   8. a complaint forwarded by staff opens a case for the original
#      sender, acknowledged to them (the catch-all, by Delivered-To).
# (6 and 7 run before 5, while the case is open, so "nothing applied"
# can be seen.) The header order of the delivered copies of 6 and 7 and
# the relayed text of 2 are printed as TAP comments.
# Skips when not root or when the servers cannot be started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
for c in curl jq s-nail python3 sqlite3; do
    command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
done
T=$(mktemp -d /tmp/rd-staff-e2e.XXXXXX)
M="$T/servers"
chmod 711 "$T"
trap 'bash tests/mailservers.sh stop "$M" >/dev/null 2>&1; rm -rf "$T"' EXIT
env_lines=$(MILTERS=1 bash tests/mailservers.sh start "$M" 2>"$T/start.err") || {
    sed 's/^/# /' "$T/start.err"
    skip_all "the mail servers would not start with their milters"
}
eval "$env_lines"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
D=$MAIL_DOMAIN
PAT="complainant@$PUBLIC_DOMAIN"
TENANT="tenant@$PUBLIC_DOMAIN"
SM="$MAIL_ROOT/staff@$D/Maildir"          # the member of staff's mailbox
CM="$MAIL_ROOT/$PAT/Maildir"              # the complainant's
MARKER="##- Please type your reply above this line -##"

printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
chmod 600 "$T/pw"
C="$T/redress.conf"
# daily_cap: the whole procedure runs here in a minute, and Pat gets
# six letters from redress in it; the default cap (5 a day) would hold
# the Stage 2 response back (as a command-result then tells staff).
cat > "$C" <<EOF
[council]
domain = $D
complaints_manager = staff@$D
[mailbox:complaints]
address = complaints@$D
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[mailbox:stage2]
address = stage2@$D
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = stage2
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw
envelope_from = complaints@$D
timeout = 10
[letters]
daily_cap = 20
[staff:staff@$D]
name = Sam Patel
role = complaints-manager
[staff_auth]
policy = authentication-results
trusted_authserv_ids = $AUTHSERV_ID
domains = $D
EOF

# ---- helpers ------------------------------------------------------------------

rd() { "$R" --config "$C" "$@"; }
fetch() { rd fetch -q 2>>"$T/fetch.err"; }
send() { rd outbox send -q 2>>"$T/send.err"; }
j() { rd show --json "$1" | jq -r "$2"; }
# Messages in a Maildir (new/ and cur/), and waiting for N of them.
count() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }
has() { [ "$(count "$1")" -ge "$2" ]; }
wait_count() { until_true 10 has "$1" "$2"; }
# with_mid MAILDIR ID: the delivered file whose Message-ID is <ID>.
with_mid() { grep -lis "^message-id: *<$2>" "$1"/new/* "$1"/cur/* 2>/dev/null | head -n 1; }
wait_mid() { until_true 10 sh -c 'grep -qis "^message-id: *<$2>" "$1"/new/* "$1"/cur/*' _ "$1" "$2"; }
newest() { ls -t "$1"/new/* "$1"/cur/* 2>/dev/null | head -n 1; }
# readmail FILE body|header NAME|addr NAME: what a person's client shows:
# the text/plain part decoded, a header field decoded, or the bare
# address of an address field.
readmail() {
    python3 - "$@" <<'PY'
import sys, email, email.utils
from email import policy
f, what = sys.argv[1], sys.argv[2]
with open(f, 'rb') as fh:
    m = email.message_from_binary_file(fh, policy=policy.default)
if what == 'body':
    part = m.get_body(preferencelist=('plain',))
    sys.stdout.write(part.get_content() if part is not None else '')
elif what == 'header':
    v = m.get(sys.argv[3])
    sys.stdout.write(' '.join(str(v).split()) if v is not None else '')
elif what == 'addr':
    sys.stdout.write(email.utils.parseaddr(str(m.get(sys.argv[3], '')))[1].lower())
PY
}
# fields FILE: the header fields, unfolded, one a line; order FILE N:
# the names of the first N.
fields() {
    tr -d '\r' < "$1" | sed '/^$/q' | awk '
        /^$/ { exit }
        /^[ \t]/ { sub(/^[ \t]+/, " "); cur = cur $0; next }
        { if (cur != "") print cur; cur = $0 }
        END { if (cur != "") print cur }'
}
order() { fields "$1" | head -n "$2" | sed 's/:.*//' | tr '\n' ' ' | sed 's/ $//'; }
show_fields() {
    echo "# $1: the delivered copy's first 12 header fields, top first"
    fields "$2" | head -n 12 | cut -c1-140 | sed 's/^/#   /'
}
comment() { printf '%s\n' "$1" | sed 's/^/#   /'; }
# The complainant's own mail client: s-nail through the internet's port
# (STARTTLS, no AUTH), as Pat Citizen.
_public_snail() {
    s-nail -#:/ -S v15-compat -S nosave -S "mta=smtp://localhost:$SMTP_PORT" -S smtp-auth=none \
        -S smtp-use-starttls -S "tls-ca-file=$CA_FILE" -S tls-ca-no-defaults \
        -S "from=Pat Citizen <$PAT>" "$@"
}
public_send() {   # public_send TO SUBJECT TEXT...
    _to=$1 _subject=$2
    shift 2
    printf '%s\n' "$@" | _public_snail -s "$_subject" "$_to"
}
public_reply() {  # public_reply MSG TEXT...: top-posted, to the Reply-To
    _msg=$1
    shift
    { printf 'Reply %s\n' "$_msg"; printf '%s\n' "$@"; printf '\n~Q\n~.\n'; } |
        _public_snail -R -S errexit -S reply-to-honour=yes -S 'indentprefix=> ' -f "$CM"
}
# letter_mid REF KIND [N]: the Message-ID of the case's Nth letter of
# KIND (default the last).
letter_mid() { j "$1" "[.letters[] | select(.kind==\"$2\")][${3:--1}].message_id"; }
nletters() { j "$1" "[.letters[] | select(.kind==\"$2\")] | length"; }
# staff_did MID TEXT...: staff reply above the notice whose Message-ID is
# MID; then fetch, and send what that queued.
staff_did() {
    _mid=$1
    shift
    _n=$(count "$MAIL_ROOT/complaints@$D/Maildir")
    staff_reply_top "$SM" "@message-id@<$_mid>" "$@" >> "$T/snail.out" 2>&1 ||
        echo "# s-nail failed: $(tail -n 3 "$T/snail.out")"
    wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((_n + 1))
    fetch
    send
}
# last_result: the newest command-result letter, as delivered to staff.
last_result() {
    _m=$(letter_mid "$REF" command-result)
    wait_mid "$SM" "$_m"
    readmail "$(with_mid "$SM" "$_m")" body
}

# ---- 1. a complaint --------------------------------------------------------------
public_send "complaints@$D" "Damp in my flat" \
    "There is black mould in the bedroom of 3 Elm Court." \
    "I reported it in October and nobody has come." "" "Pat Citizen" > "$T/snail.out" 2>&1
is "$?" 0 "1. the complainant sends a complaint with s-nail on the internet's port"
check "1. it reaches the complaints mailbox" wait_count "$MAIL_ROOT/complaints@$D/Maildir" 1
fetch
is "$?" 0 "1. redress fetch reads it"
REF=$(sqlite3 "$REDRESS_DB" "select reference from cases")
like "$REF" "CMP-" "1. a case is opened"
ref_lc=$(printf '%s' "$REF" | tr 'A-Z' 'a-z')
is "$(j "$REF" '.case.state')" "stage1" "1. at Stage 1"
PAT_MID=$(j "$REF" '.messages[0].message_id')
send
ACK=$(letter_mid "$REF" stage1-acknowledgement)
check "1. the acknowledgement is delivered to the complainant" wait_mid "$CM" "$ACK"
A=$(with_mid "$CM" "$ACK")
like "$(readmail "$A" header Subject)" "$REF" "1. its subject has the reference"
is "$(readmail "$A" addr From)" "complaints@$D" "1. from complaints@"
NOTICE=$(letter_mid "$REF" staff-new-case)
check "1. the staff-new-case notice is delivered to staff's Maildir" wait_mid "$SM" "$NOTICE"
N=$(with_mid "$SM" "$NOTICE")
RA=$(readmail "$N" addr Reply-To)
check "1. its Reply-To is a staff reply address (complaints+$ref_lc-r-…@): $RA" \
    sh -c 'printf "%s\n" "$1" | grep -Eqx "complaints\+$2-r-[a-z0-9]{8}@$3"' _ "$RA" "$ref_lc" "$D"
is "$(readmail "$N" body | head -n 1)" "$MARKER" "1. its text starts with the marker line"

# ---- 2. staff reply, above the quoted notice ---------------------------------------
nc=$(count "$CM")
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
staff_reply_top "$SM" "@message-id@<$NOTICE>" \
    "Dear Pat," "" \
    "Thank you for your complaint. An inspector will visit 3 Elm Court on Friday at 10am." "" \
    "-- " "Sam Patel" "Housing Officer, Example Council" > "$T/snail.out" 2>&1
is "$?" 0 "2. staff reply to the notice with s-nail (top-posted, the notice quoted below with '> ')"
check "2. the reply reaches the complaints mailbox at the reply address" \
    wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
S2=$(newest "$MAIL_ROOT/complaints@$D/Maildir")
is "$(readmail "$S2" addr To)" "$RA" "2. s-nail honoured the Reply-To"
UA=$(readmail "$S2" header User-Agent)
is "$(readmail "$S2" body | head -n 1)" "Dear Pat," "2. top-posted: the new text first"
like "$(readmail "$S2" body)" "> $MARKER" "2. the notice quoted below it, marker and all"
echo "# 2. what s-nail sent (the first 14 lines of its text):"
comment "$(readmail "$S2" body | head -n 14)"
fetch
is "$(j "$REF" '[.messages[] | select(.kind=="staff-reply")] | length')" 1 "2. recorded as a message of kind staff-reply"
send
is "$(nletters "$REF" staff-reply)" 1 "2. one staff-reply letter"
is "$(j "$REF" '[.letters[] | select(.kind=="staff-reply")][0].status')" "sent" "2. with status sent"
RELAY1=$(letter_mid "$REF" staff-reply)
check "2. it is delivered to the complainant" wait_mid "$CM" "$RELAY1"
sleep 0.3
is "$(count "$CM")" $((nc + 1)) "2. the complainant has ONE new mail"
F=$(with_mid "$CM" "$RELAY1")
B=$(readmail "$F" body)
echo "# 2. written by: $UA (the staff mail's User-Agent); relayed to the complainant as:"
comment "$B"
like "$B" "Dear Pat,

Thank you for your complaint. An inspector will visit 3 Elm Court on Friday at 10am." "2. the body has the new text"
like "$B" "-- 
Sam Patel
Housing Officer, Example Council" "2. and the signature"
check "2. not the marker" sh -c '! printf "%s" "$1" | grep -qF -- "$2"' _ "$B" "##-"
check "2. not the quoted notice" sh -c '! printf "%s" "$1" | grep -qE "^>|wrote:|A new complaint has been opened|Response due"' _ "$B"
check "2. not any '#' command" sh -c '! printf "%s" "$1" | grep -qE "^ *#"' _ "$B"
is "$(readmail "$F" addr From)" "complaints@$D" "2. From is complaints@"
like "$(readmail "$F" header Subject)" "$REF" "2. the Subject has the reference"
is "$(readmail "$F" header In-Reply-To)" "<$PAT_MID>" "2. In-Reply-To is the complainant's Message-ID"

# ---- 3. reply all -----------------------------------------------------------------------
nc=$(count "$CM")
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
staff_reply_top "$SM" "@message-id@<$NOTICE>" "~c Pat Citizen <$PAT>" \
    "Dear Pat, the inspector is booked: Friday, 10am." "" "-- " "Sam Patel" > "$T/snail.out" 2>&1
is "$?" 0 "3. staff reply to the notice and copy the complainant (Cc)"
check "3. the complainant has s-nail's own copy" wait_count "$CM" $((nc + 1))
is "$(readmail "$(newest "$CM")" addr From)" "staff@$D" "3. that copy is from staff@ directly"
wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
fetch
is "$(j "$REF" '.messages[-1].kind')" "staff-reply" "3. recorded as kind staff-reply"
like "$(j "$REF" '.messages[-1].reason')" "reply all" "3. as a reply-all: not sent again"
is "$(j "$REF" '[.messages[] | select(.kind=="staff-reply")] | length')" 2 "3. recorded once (two staff replies in all)"
send
is "$(nletters "$REF" staff-reply)" 1 "3. no second staff-reply letter"
sleep 0.3
is "$(count "$CM")" $((nc + 1)) "3. the complainant got only the copy s-nail sent"

# ---- 4. #note -----------------------------------------------------------------------------
nc=$(count "$CM")
staff_did "$NOTICE" "#note Spoke to the landlord by phone; access agreed for Friday."
is "$(j "$REF" '.messages[-1].kind')" "staff-note" "4. #note: kind staff-note"
is "$(j "$REF" '[.events[] | select(.type=="note")][-1].detail')" \
    "Spoke to the landlord by phone; access agreed for Friday." "4. an event note with its text"
is "$(nletters "$REF" staff-reply)" 1 "4. no letter to the complainant"
like "$(last_result)" "Done:    #note" "4. the command-result to staff says it was done"
is "$(count "$CM")" "$nc" "4. nothing reached the complainant"

# ---- 6. From staff@, unsigned, from outside -----------------------------------------------
# The mail a stranger writes: curl on the internet's port, to the reply
# address a notice gave staff (it is in the quoted history of any reply).
spoof() {   # spoof FILE MSGID [FIRST-HEADER]
    { [ -z "${3:-}" ] || printf '%s\n' "$3"
      printf 'From: Sam Patel <staff@%s>\nTo: %s\nSubject: Re: %s\nDate: %s\nMessage-ID: <%s@attacker.test>\n\n#close withdrawn x\n' \
          "$D" "$RA" "$REF" "$(date -R)" "$2"
    } | sed 's/$/\r/' > "$1"
    curl -sS --url "smtp://$MAIL_HOST:$SMTP_PORT" --mail-from "staff@$D" --mail-rcpt "$RA" --upload-file "$1"
}
spoof_checks() {   # spoof_checks N LABEL: after fetch and send
    is "$(j "$REF" '.case.state')" "stage1" "$1. not applied: the case is still at Stage 1"
    is "$(j "$REF" '[.events[] | select(.type=="closed")] | length')" 0 "$1. no closed event"
    is "$(j "$REF" '.messages[-1].kind')" "spoofed-staff" "$1. kind spoofed-staff"
    is "$(j "$REF" "[.events[] | select(.type==\"spoofing-attempt\")] | length")" "$2" "$1. a spoofing-attempt event"
    like "$(j "$REF" '[.events[] | select(.type=="spoofing-attempt")][-1].detail')" "dmarc=fail" \
        "$1. which gives the border's verdict"
    _a=$(letter_mid "$REF" staff-spoof-alert)
    check "$1. a staff-spoof-alert is delivered to staff's Maildir" wait_mid "$SM" "$_a"
    like "$(readmail "$(with_mid "$SM" "$_a")" header Subject)" "Not accepted: a message on complaint $REF" \
        "$1. under its own subject"
}
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
nc=$(count "$CM")
spoof "$T/spoof6.eml" spoof-6
is "$?" 0 "6. a mail From staff@$D is sent on the internet's port to the staff reply address"
check "6. and delivered" wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
S6=$(newest "$MAIL_ROOT/complaints@$D/Maildir")
show_fields "6. unsigned From staff@$D from outside" "$S6"
is "$(order "$S6" 7)" "Return-Path Delivered-To Received Authentication-Results Authentication-Results Received From" \
    "6. delivered order: the border's two A-R under Dovecot's Received"
fetch
send
spoof_checks 6 1

# ---- 7. the same, with a forged Authentication-Results on top ------------------------------
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
spoof "$T/spoof7.eml" spoof-7 "Authentication-Results: $AUTHSERV_ID; dmarc=pass header.from=$D"
check "7. a mail with a forged 'A-R: $AUTHSERV_ID; dmarc=pass' as its first header is delivered" \
    wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
S7=$(newest "$MAIL_ROOT/complaints@$D/Maildir")
show_fields "7. forged Authentication-Results first" "$S7"
is "$(order "$S7" 8)" \
    "Return-Path Delivered-To Received Authentication-Results Authentication-Results Received Authentication-Results From" \
    "7. delivered order: the forged field stays below Postfix's Received, under the border's"
fetch
send
spoof_checks 7 2
like "$(j "$REF" '.messages[-1].reason')" "a lower dmarc result under a trusted authserv-id was ignored" \
    "7. the forged dmarc=pass was seen and ignored"
is "$(count "$CM")" "$nc" "6, 7. nothing reached the complainant"

# ---- 5. commands, to Stage 2 closure --------------------------------------------------------
# #holding +5: five working days more than the date the complainant
# was given (docs/staff-by-email.md), as `redress workdays add` counts
# them; then a date written out, later still but within the procedure's
# limit (10 working days for the council's Stage 1).
due=$(j "$REF" '.stages[0].extended_to // .stages[0].response_due')
want=$(rd workdays add "$due" 5 --json | jq -r .date)
want_text=$(LC_ALL=C date -d "$want" '+%A %-d %B %Y')
staff_did "$NOTICE" "#holding +5 waiting for the surveyor"
res=$(last_result)
echo "# 5. command-result for '#holding +5 waiting for the surveyor' (Stage 1 due $due):"
comment "$res"
is "$(nletters "$REF" holding-reply)" 1 "5. #holding +5: a holding-reply letter ($want_text)"
like "$res" "Done:    #holding +5" "5. #holding +5: the command-result says Done:"
is "$(j "$REF" '.stages[0].extended_to')" "$want" "5. #holding +5: Stage 1 extended to $want"
HOLD=$(letter_mid "$REF" holding-reply)
check "5. the holding reply is delivered to the complainant" wait_mid "$CM" "$HOLD"
H=$(readmail "$(with_mid "$CM" "$HOLD")" body)
like "$H" "We now expect to send you our response by $want_text." "5. with the new date"
like "$H" "The reason for the delay: waiting for the surveyor" "5. and the reason"
want2=$(rd workdays add "$due" 8 --json | jq -r .date)
staff_did "$NOTICE" "#holding $(LC_ALL=C date -d "$want2" '+%d/%m/%Y') waiting for the surveyor's report"
like "$(last_result)" "Done:    #holding" "5. #holding DD/MM/YYYY: the command-result says Done:"
is "$(j "$REF" '.stages[0].extended_to')" "$want2" "5. Stage 1 extended to $want2"
is "$(nletters "$REF" holding-reply)" 2 "5. with a second holding reply"

staff_did "$NOTICE" "#outcom upheld"
res=$(last_result)
like "$res" "NOT DONE: #outcom upheld" "5. a typo: NOT DONE"
like "$res" "did you mean #outcome?" "5. with the suggestion #outcome"
is "$(j "$REF" '.case.state')" "stage1" "5. and nothing changed"

nc=$(count "$CM")
staff_did "$NOTICE" "#outcome upheld" "#final" "Dear Pat," "" \
    "We agree the mould is ours to treat: our contractor will do it on Monday and fit an extractor fan." "" \
    "-- " "Sam Patel"
like "$(last_result)" "Done:    #outcome upheld" "5. #outcome upheld + #final: Done:"
is "$(j "$REF" '.case.state')" "stage1-closed" "5. the case is stage1-closed"
is "$(j "$REF" '.stages[0].outcome')" "upheld" "5. Stage 1 outcome upheld"
is "$(nletters "$REF" closing-letter)" 0 "5. no separate closing letter"
FINAL1=$(letter_mid "$REF" staff-reply)
check "5. the response is delivered to the complainant" wait_mid "$CM" "$FINAL1"
sleep 0.3
is "$(count "$CM")" $((nc + 1)) "5. one mail"
B=$(readmail "$(with_mid "$CM" "$FINAL1")" body)
like "$B" "our contractor will do it on Monday" "5. the staff text"
like "$B" "If you are not satisfied" "5. with the 'If you are not satisfied' paragraph"
responded=$(j "$REF" '.stages[0].responded')
by=$(rd workdays add "$responded" 20 --json | jq -r .date)
like "$B" "reply to this email by $(LC_ALL=C date -d "$by" '+%A %-d %B %Y')," \
    "5. giving the date to ask for Stage 2 by, as the closing letter would"

# The complainant is not satisfied: a reply to the response, in their client.
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
nc=$(count "$CM")
public_reply "@message-id@<$FINAL1>" "I am not satisfied, please escalate. The mould has come back." > "$T/snail.out" 2>&1
is "$?" 0 "5. the complainant replies to the response with s-nail"
wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
fetch
is "$(j "$REF" '.messages[-1].kind')" "stage2-request" "5. a stage2-request"
is "$(j "$REF" '.case.state')" "stage2" "5. Stage 2 opens"
send
ACK2=$(letter_mid "$REF" stage2-acknowledgement)
check "5. the Stage 2 acknowledgement is delivered to the complainant" wait_mid "$CM" "$ACK2"
NOTICE2=$(letter_mid "$REF" staff-new-case)
check "5. a Stage 2 staff-new-case notice is delivered to staff" wait_mid "$SM" "$NOTICE2"
is "$(readmail "$(with_mid "$SM" "$NOTICE2")" addr Reply-To)" "$RA" "5. answered at the same staff reply address"

# The request opened Stage 2 already: #stage2 investigate has nothing to
# open (the casework refuses "already at Stage 2"); the command-result
# says so rather than pretending.
staff_did "$NOTICE2" "#stage2 investigate"
res=$(last_result)
like "$res" "NOT DONE: #stage2 investigate" "5. #stage2 investigate on an open Stage 2: not done"
like "$res" "already at Stage 2" "5. because the request opened it already"

nc=$(count "$CM")
staff_did "$NOTICE2" "#outcome not-upheld" "#final" "Dear Pat," "" \
    "The Stage 2 review found that the treatment was done properly; the fan has now been fitted." "" \
    "-- " "Sam Patel"
like "$(last_result)" "Done:    #outcome not-upheld" "5. Stage 2: #outcome not-upheld + #final: Done:"
is "$(j "$REF" '.case.state')" "closed" "5. the case is closed"
is "$(j "$REF" '.stages[1].outcome')" "not-upheld" "5. Stage 2 outcome not-upheld"
is "$(nletters "$REF" closing-letter)" 0 "5. no closing letter at Stage 2 either"
FINAL2=$(letter_mid "$REF" staff-reply)
check "5. the Stage 2 response is delivered to the complainant" wait_mid "$CM" "$FINAL2"
B=$(readmail "$(with_mid "$CM" "$FINAL2")" body)
like "$B" "the fan has now been fitted" "5. the staff text"
like "$B" "This was the last stage of our complaints procedure." "5. and the Ombudsman paragraph"
sleep 0.3
is "$(count "$CM")" $((nc + 1)) "5. one mail"
ev=$(j "$REF" '[.events[].type] | unique | join(" ")')
echo "# 5. event types on $REF: $ev"
for e in new-complaint staff-reply note staff-note spoofing-attempt staff-command extended responded stage2-request; do
    like " $ev " " $e " "5. on the case's record: $e"
done
is "$(j "$REF" '[.letters[] | select(.status != "sent")] | length')" 0 "5. every letter of the case was sent"

# ---- 8. a complaint forwarded by staff ----------------------------------------------------
FWD_DATE=$(LC_ALL=C TZ=Europe/London date -d '2 days ago 09:15' '+%a, %-d %b %Y at %H:%M')
FWD_DAY=$(TZ=Europe/London date -d '2 days ago' +%F)
n_in=$(count "$MAIL_ROOT/complaints@$D/Maildir")
nt=$(count "$MAIL_ROOT/$CATCHALL_USER/Maildir")
staff_send "complaints@$D" "Fwd: Broken boiler at 12 Oak Road" \
    "Please log this one: it came to me directly." "" \
    "---------- Forwarded message ---------" \
    "From: Terry Tenant <$TENANT>" \
    "Date: $FWD_DATE" \
    "Subject: Broken boiler at 12 Oak Road" \
    "To: <staff@$D>" "" \
    "Our boiler has been broken for two weeks and nobody has come to fix it." \
    "We have two small children." "" "Terry" > "$T/snail.out" 2>&1
is "$?" 0 "8. staff forward a complaint (Gmail's 'Forwarded message' block) with s-nail"
wait_count "$MAIL_ROOT/complaints@$D/Maildir" $((n_in + 1))
fetch
REF2=$(sqlite3 "$REDRESS_DB" "select reference from cases where reference != '$REF'")
like "$REF2" "CMP-" "8. a new case"
is "$(j "$REF2" '.case.complainant')" "$TENANT" "8. for the tenant"
is "$(j "$REF2" '.case.complainant_name')" "Terry Tenant" "8. by name"
is "$(j "$REF2" '.case.channel')" "forwarded" "8. channel forwarded"
is "$(j "$REF2" '.case.opened' | cut -c1-10)" "$FWD_DAY" "8. opened on the date the tenant wrote"
# (its clock starts on the first working day from then)
first_wd=$(rd workdays add "$(date -d "$FWD_DAY - 1 day" +%F)" 1 --json | jq -r .date)
is "$(j "$REF2" '.stages[0].received')" "$first_wd" "8. received, for the clock, when the council first had it ($first_wd)"
is "$(j "$REF2" '.messages[0].kind')" "forwarded-complaint" "8. kind forwarded-complaint"
send
ACK3=$(letter_mid "$REF2" stage1-acknowledgement)
check "8. the acknowledgement is delivered to the tenant (the catch-all)" wait_mid "$MAIL_ROOT/$CATCHALL_USER/Maildir" "$ACK3"
A3=$(with_mid "$MAIL_ROOT/$CATCHALL_USER/Maildir" "$ACK3")
is "$(fields "$A3" | sed -n 's/^Delivered-To: //p' | head -n 1)" "$TENANT" "8. Delivered-To: the tenant"
like "$(readmail "$A3" header Subject)" "$REF2" "8. with the new reference"
CONF=$(letter_mid "$REF2" staff-forward-confirmation)
check "8. a staff-forward-confirmation is delivered to staff" wait_mid "$SM" "$CONF"
F8=$(with_mid "$SM" "$CONF")
like "$(readmail "$F8" header Subject)" "Complaint $REF2 opened from the mail you forwarded" "8. naming the new case"
ref2_lc=$(printf '%s' "$REF2" | tr 'A-Z' 'a-z')
check "8. with staff's reply address for the new case" \
    sh -c 'printf "%s\n" "$1" | grep -Eqx "complaints\+$2-r-[a-z0-9]{8}@$3"' _ "$(readmail "$F8" addr Reply-To)" "$ref2_lc" "$D"

# ---- nothing else went anywhere ------------------------------------------------------------
sleep 0.3
is "$(count "$CM")" "$(j "$REF" '[.letters[] | select(.to=="'"$PAT"'")] | length + 1')" \
    "the complainant's mailbox holds redress's letters and the one reply-all copy, nothing more"
check "no errors or warnings from fetch and send" sh -c '! grep -qiE "error|fail|warn" "$1" "$2"' _ "$T/fetch.err" "$T/send.err" ||
    grep -hiE "error|fail|warn" "$T/fetch.err" "$T/send.err" | head -n 20 | sed 's/^/#   /'

done_testing
