#!/bin/sh
# test-letters.sh — from `redress ingest` to letters in the outbox folder:
# deadlines on the council's calendar, the acknowledgement's headers and
# text, Welsh, the Chief Executive referral, Stage 2, idempotency, header
# injection, the daily cap, elected members, a reply to the token address
# and another procedure profile.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
F=tests/fixtures/mail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
# A header of a letter file (the header block only, name case-insensitive).
hdr() { tr -d '\r' < "$2" | sed '/^$/q' | sed -n "s/^$1: //Ip" | head -n 1; }

# Friday 20 November 2026, 10:00 (GMT): acknowledgement due Tuesday 24th,
# response due Friday 4 December under the council profile.
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sql "select received||' '||ack_due||' '||response_due from stages")" \
   "2026-11-20 2026-11-24 2026-12-04" "stage 1 dates on working days"
is "$(sql "select profile from cases")" "council" "default profile recorded on the case"
is "$(sql "select kind||' '||status||' '||language from outbox")" "stage1-acknowledgement queued en" \
   "acknowledgement queued with the case"
showj=$("$R" show --json CMP-2026-000001)
like "$showj" '"ack_due" : "2026-11-24"' "show --json gives ack_due"
like "$showj" '"response_due" : "2026-12-04"' "show --json gives response_due"

# Ingesting the same message again queues nothing more.
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sql "select count(*) from outbox")" "1" "re-ingest queues no second letter"

# Flush to a folder: one file, marked sent, ack_sent recorded.
"$R" outbox flush -q --to "$T/out" --now 2026-11-20T10:05:00Z
L="$T/out/CMP-2026-000001_s1_ack.eml"
check "acknowledgement written to the folder" test -f "$L"
is "$(sql "select status from outbox")" "sent" "letter marked sent"
is "$(sql "select ack_sent from stages")" "2026-11-20" "ack_sent recorded when it went out"
is "$(hdr Auto-Submitted "$L")" "auto-replied" "Auto-Submitted: auto-replied"
is "$(hdr X-Auto-Response-Suppress "$L")" "All" "X-Auto-Response-Suppress: All"
is "$(hdr In-Reply-To "$L")" "<c1-bins@public.test>" "In-Reply-To the complaint"
like "$(hdr Subject "$L")" "CMP-2026-000001" "subject carries the reference"
like "$(hdr Message-ID "$L")" "cmp-2026-000001" "Message-ID names the case"
like "$(hdr Reply-To "$L")" "complaints+cmp-2026-000001-" "Reply-To is the case's token address"
like "$(hdr To "$L")" "jane.citizen@public.test" "to the complainant"
like "$(hdr Content-Type "$L")" "multipart/alternative" "text and HTML parts"
body=$(tr -d '\r' < "$L" | sed 's/=$//' | tr -d '\n')
like "$body" "Friday 4 December 2026" "reply-by date written out in the letter"
like "$body" "text/html" "HTML part present"
"$R" outbox flush -q --to "$T/out" --now 2026-11-20T10:06:00Z
is "$(ls "$T/out" | wc -l)" "1" "a second flush sends nothing again"

# The complainant's reply to the token address, from another account,
# lands on the case.
reply_to=$(hdr Reply-To "$L" | sed 's/.*<\(.*\)>.*/\1/; s/^ *//')
printf 'From: Jane at work <jane@work.test>\nTo: %s\nSubject: more\nMessage-ID: <tok@work.test>\n\nAnother photo to follow.\n' \
    "$reply_to" > "$T/tok.eml"
out=$("$R" ingest --json "$T/tok.eml" 2>/dev/null)
like "$out" '"via":"token"' "reply to the token address threads by token"
like "$out" '"case":"CMP-2026-000001"' "onto the right case"

# Automatic mail and bounces get no letter.
before=$(sql "select count(*) from outbox")
"$R" ingest -q "$F/05-ooo-on-case.eml" "$F/08-bounce.eml" "$F/06-ooo-unmatched.eml"
is "$(sql "select count(*) from outbox")" "$before" "no letter to automatic mail or bounces"

# Chief Executive: the referral letter, and a copy to the office.
cat > "$T/ce.conf" <<EOF
[mailbox:chief-executive]
copy_to = ceo.office@council.example
office_name = the Chief Executive
[council]
complaints_manager = manager@council.example
EOF
"$R" --config "$T/ce.conf" ingest -q --mailbox chief-executive --received-at 2026-11-23T08:00:00Z "$F/07-ce-complaint.eml"
is "$(sql "select group_concat(kind||'>'||to_addr, ' ') from (select * from outbox where case_id=(select id from cases where reference='CMP-2026-000002') order by id)")" \
   "chief-executive-referral>robert.roe@public.test staff-new-case>ceo.office@council.example staff-new-case>manager@council.example" \
   "CE mail: referral to the complainant, copy to the office, notice to the manager"
"$R" outbox flush -q --to "$T/out" --now 2026-11-23T08:05:00Z
CE="$T/out/CMP-2026-000002_s1_ack.eml"
ce_body=$(tr -d '\r' < "$CE" | sed 's/=$//' | tr -d '\n')
like "$ce_body" "normal" "referral letter says it is handled under the normal procedure"
like "$ce_body" "your email to the Chief Executive" "and names the office (office_name = the Chief Executive: the article is not doubled)"
case "$ce_body" in *"the the "*|*"The the "*) doubled=yes ;; *) doubled=no ;; esac
is "$doubled" "no" "no doubled article anywhere in the referral letter"
# In Welsh, the office by its Welsh name, with the article the sentence needs.
sed -e 's/^Content-Type: text\/html; charset=utf-8$/Content-Language: cy\nContent-Type: text\/html; charset=utf-8/' \
    -e 's/robert.roe@public.test/rhodri@public.test/' -e 's/c7-pothole@/c7-cy@/' "$F/07-ce-complaint.eml" > "$T/ce-cy.eml"
"$R" --config "$T/ce.conf" ingest -q --mailbox chief-executive --received-at 2026-11-23T08:00:00Z "$T/ce-cy.eml"
CYREF=$(sql "select reference from cases where complainant_id=(select id from people where email='rhodri@public.test')")
"$R" outbox flush -q --to "$T/out" --now 2026-11-23T08:06:00Z
ce_cy=$(tr -d '\r' < "$T/out/${CYREF}_s1_ack.eml" | sed 's/=$//' | tr -d '\n')
like "$ce_cy" "at y Prif Weithredwr" "a Welsh referral names y Prif Weithredwr"
like "$ce_cy" "Nid yw'r Prif Weithredwr" "with 'r after a vowel"
case "$ce_cy" in *"Chief Executive"*) english=yes ;; *) english=no ;; esac
is "$english" "no" "and no English office name in the Welsh letter"
is "$(hdr Auto-Submitted "$T/out/CMP-2026-000002_s1_staff-new.eml")" "auto-generated" "staff notices are auto-generated"

# Welsh: a complaint marked Content-Language: cy gets a Welsh letter.
sed 's/^Content-Type: text\/plain; charset=utf-8$/Content-Language: cy\nContent-Type: text\/plain; charset=utf-8/; s/c1-bins@public.test/cy1@public.test/; s/Jane.Citizen@Public.Test/sian@public.test/' \
    "$F/01-new-complaint.eml" > "$T/cy.eml"
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$T/cy.eml"
is "$(sql "select language from cases where complainant_id=(select id from people where email='sian@public.test')")" "cy" "Welsh recorded on the case"
"$R" outbox flush -q --to "$T/out" --now 2026-11-20T10:10:00Z
CY="$(sql "select reference from cases where complainant_id=(select id from people where email='sian@public.test')")_s1_ack.eml"
cy_body=$(tr -d '\r' < "$T/out/$CY" | sed 's/=$//' | tr -d '\n')
like "$cy_body" "Rhagfyr" "Welsh letter dates are in Welsh"
like "$cy_body" "Cawsom eich cwyn ar ddydd Gwener 20 Tachwedd 2026" "with the soft mutation after 'ar' (ar ddydd)"
case "$cy_body" in *"ar Dydd"*|*"ar dydd "*|*"Dydd "*) unmutated=yes ;; *) unmutated=no ;; esac
is "$unmutated" "no" "and no unmutated or capitalised 'Dydd' mid-sentence"
is "$(hdr Content-Language "$T/out/$CY")" "cy" "Content-Language: cy"

# Header injection through the subject: no extra header appears.
printf 'From: Mallory <mallory@public.test>\nTo: complaints@council.test\nSubject: =?UTF-8?B?%s?=\nMessage-ID: <inj@public.test>\n\nText.\n' \
    "$(printf 'Help\r\nBcc: victim@elsewhere.test' | base64 -w0)" > "$T/inj.eml"
"$R" ingest -q "$T/inj.eml"
"$R" outbox flush -q --to "$T/out"
INJ=$(grep -l "mallory@public.test" "$T"/out/*.eml | head -n 1)
is "$(tr -d '\r' < "$INJ" | sed '/^$/q' | grep -ci '^Bcc:')" "0" "no Bcc header injected through the subject"

# And through the sender's display name, which becomes the letter's To.
printf 'From: =?UTF-8?B?%s?= <eve@public.test>\nTo: complaints@council.test\nSubject: Name test\nMessage-ID: <inj2@public.test>\n\nText.\n' \
    "$(printf 'Eve\r\nBcc: victim@elsewhere.test\r\nX-Evil: 1' | base64 -w0)" > "$T/inj2.eml"
"$R" ingest -q "$T/inj2.eml"
"$R" outbox flush -q --to "$T/out"
INJ2=$(grep -l "eve@public.test" "$T"/out/*_s1_ack.eml | head -n 1)
hdrs=$(tr -d '\r' < "$INJ2" | sed '/^$/q')
is "$(printf '%s\n' "$hdrs" | grep -ci '^Bcc:\|^X-Evil:')" "0" "no header injected through the display name"
like "$(printf '%s\n' "$hdrs" | grep -i '^To:')" "eve@public.test" "the letter still goes to the sender"

# Saturday receipt counts from Monday; with a 16:30 cut-off, Friday 17:00
# counts from Monday too.
sed 's/c1-bins@public.test/sat@public.test/; s/Jane.Citizen@Public.Test/sam@public.test/' "$F/01-new-complaint.eml" > "$T/sat.eml"
"$R" ingest -q --received-at 2026-11-21T11:00:00Z "$T/sat.eml"
is "$(sql "select s.received from stages s join cases c on c.id=s.case_id join people p on p.id=c.complainant_id where p.email='sam@public.test'")" \
   "2026-11-23" "received on a Saturday counts from Monday"
printf '[calendar]\ncutoff = 16:30\n' > "$T/cut.conf"
sed 's/c1-bins@public.test/late@public.test/; s/Jane.Citizen@Public.Test/lee@public.test/' "$F/01-new-complaint.eml" > "$T/late.eml"
"$R" --config "$T/cut.conf" ingest -q --received-at 2026-11-20T17:00:00Z "$T/late.eml"
is "$(sql "select s.received||' '||s.ack_due from stages s join cases c on c.id=s.case_id join people p on p.id=c.complainant_id where p.email='lee@public.test'")" \
   "2026-11-23 2026-11-25" "after the Friday cut-off counts from Monday"

# Stage 2: once Stage 1 is closed, a Stage 2 request gets its own clock
# and acknowledgement.
sql "update cases set state='stage1-closed' where reference='CMP-2026-000001'"
"$R" ingest -q --mailbox stage2 --received-at 2026-12-07T09:00:00Z "$F/11-stage2-request.eml"
is "$(sql "select received||' '||ack_due||' '||dept_notice_due||' '||response_due from stages where stage=2")" \
   "2026-12-07 2026-12-09 2026-12-14 2027-01-07" "stage 2 dates: ack 2, department 5, reply 20 working days (Christmas and New Year skipped)"
is "$(sql "select count(*) from outbox where kind='stage2-acknowledgement'")" "1" "stage 2 acknowledgement queued"

# Daily cap: with a cap of 1, a second letter the same day (a holding
# reply) is kept but not sent, and the case says so; a second complaint
# the same day opens no case (the cap counts cases too) but waits in
# triage.
printf '[letters]\ndaily_cap = 1\n' > "$T/cap.conf"
for i in 1 2; do
    printf 'From: busy@public.test\nTo: complaints@council.test\nSubject: Complaint %s\nMessage-ID: <cap%s@public.test>\n\nComplaint %s.\n' "$i" "$i" "$i" > "$T/cap$i.eml"
    "$R" --config "$T/cap.conf" ingest -q "$T/cap$i.eml"
done
BUSY=$(sql "select c.reference from cases c join people p on p.id=c.complainant_id where p.email='busy@public.test'")
is "$(printf '%s\n' "$BUSY" | wc -l | tr -d ' ')" "1" "the second complaint the same day opens no case under a cap of 1"
like "$("$R" --config "$T/cap.conf" triage)" "1 case was opened for busy@public.test in the last 24 hours, the daily cap" \
     "it waits in triage, saying why"
"$R" --config "$T/cap.conf" case "$BUSY" extend --reason "We are waiting for a report." >/dev/null
is "$(sql "select group_concat(status, ' ') from (select status from outbox where to_addr='busy@public.test' order by id)")" \
   "queued suppressed" "the daily cap holds the second letter back"
is "$(sql "select count(*) from events where type='letter-suppressed'")" "1" "an event says the letter was held back"

# Elected members are flagged.
printf '[elected_members]\ndomains = parliament.uk\n' > "$T/mp.conf"
printf 'From: A Member <a.member@parliament.uk>\nTo: complaints@council.test\nSubject: Constituent case\nMessage-ID: <mp1@parliament.uk>\n\nOn behalf of a constituent.\n' > "$T/mp.eml"
"$R" --config "$T/mp.conf" ingest -q "$T/mp.eml"
is "$(sql "select flags from cases c join people p on p.id=c.complainant_id where p.email='a.member@parliament.uk'")" \
   "elected-member" "mail from an MP is flagged"

# Another profile: LGSCO 2024 acknowledges within 5 working days and counts
# the reply from the acknowledgement.
printf '[procedure]\ndefault_profile = lgsco-2024\n' > "$T/lgsco.conf"
"$R" --config "$T/lgsco.conf" --db "$T/lgsco.db" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sqlite3 "$T/lgsco.db" "select ack_due||' '||response_due from stages")" "2026-11-27 2026-12-04" \
   "LGSCO: ack in 5 WD; reply 10 WD after the acknowledgement, which goes out the day the complaint arrives"

# A bad profile or template directory is caught by config check.
printf '[procedure]\ndefault_profile = nonesuch\n' > "$T/bad.conf"
"$R" --config "$T/bad.conf" config check >/dev/null 2>"$T/err"
is "$?" "1" "unknown default profile fails config check"
like "$(cat "$T/err")" "nonesuch" "the error names the profile"
printf '[profile:housing]\nbase = lgsco-2024\nack_days = many\n' > "$T/bad2.conf"
"$R" --config "$T/bad2.conf" config check >/dev/null 2>"$T/err"
is "$?" "1" "a bad profile value fails config check"
like "$(cat "$T/err")" "bad2.conf:1: [profile:housing]: ack_days" "the error gives file:line and names the key"
printf '[services]\nHousing = nowhere\n' > "$T/bad3.conf"
"$R" --config "$T/bad3.conf" config check >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "bad3.conf:2: [services] 'housing' names profile 'nowhere'" "a service naming no profile is caught with its line"

# Every letter, in English and Welsh, renders completely for a real case.
for name in stage1-acknowledgement holding-reply chief-executive-referral stage2-acknowledgement \
            stage2-declined closing-letter staff-new-case staff-reminder staff-overdue; do
    for lang in en cy; do
        txt=$("$R" letters preview "$name" CMP-2026-000001 --lang "$lang" --text 2>&1)
        ok=yes
        case "$txt" in *"{{"*|*"}}"*) ok="template markup left in" ;; esac
        case "$txt" in *CMP-2026-000001*) ;; *) ok="no reference" ;; esac
        is "$ok" "yes" "letter $name ($lang) renders with the reference and no markup"
    done
done
like "$("$R" letters preview holding-reply CMP-2026-000001 --lang cy --text)" "Ombwdsmon" "the Welsh holding reply names the Ombudsman in Welsh"

# A crash after writing a letter but before marking it sent: the next flush
# writes the same file again under the same name, so the folder holds it
# once.
rm -rf "$T/crash"
"$R" --db "$T/crash.db" ingest -q "$F/07-ce-complaint.eml"
"$R" --db "$T/crash.db" outbox flush -q --to "$T/crash"
sqlite3 "$T/crash.db" "update outbox set status='queued', sent_at=null"
"$R" --db "$T/crash.db" outbox flush -q --to "$T/crash"
is "$(ls "$T/crash" | wc -l)" "$(sqlite3 "$T/crash.db" "select count(*) from outbox")" \
   "after a crash between writing and marking sent, each letter is in the folder once"

done_testing
