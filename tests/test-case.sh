#!/bin/sh
# test-case.sh — `redress case REF ACTION`: what case handlers record at
# the command line (assign, extend, respond, close, escalate, link,
# service), each with its event and letters, and the refusals that change
# nothing.
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
export SUDO_USER=officer1
sql() { sqlite3 "$REDRESS_DB" "$1"; }
# The text of a letter file with quoted-printable soft breaks undone.
body() { tr -d '\r' < "$1" | sed 's/=$//' | tr -d '\n'; }
# A plain complaint from a new person.
complaint() {
    printf 'From: %s <%s>\nTo: complaints@council.test\nSubject: %s\nMessage-ID: <%s>\n\nPlease look into this.\n' \
        "$2" "$3" "$4" "$1" > "$T/$1.eml"
    "$R" ingest -q --received-at "$5" "$T/$1.eml"
}
C1=CMP-2026-000001

# Friday 20 November 2026: council profile, response due Friday 4
# December, extension cap 10 working days later (18 December).
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"

# ---- assign
"$R" case $C1 assign bob >/dev/null 2>"$T/err"
is "$?" "1" "assign refuses an address without @"
like "$(cat "$T/err")" "not an email address" "and says why"
is "$(sql "select coalesce(handler,'none') from cases")" "none" "nothing changed"
"$R" case "cmp 2026 1" assign Bob.Officer@Council.Example --at 2026-11-23T09:00:00Z >/dev/null
is "$?" "0" "assign with a loosely typed reference"
is "$(sql "select c.handler||' '||s.handler from cases c join stages s on s.case_id=c.id")" \
   "bob.officer@council.example bob.officer@council.example" "handler set on the case and the open stage"
is "$(sql "select actor||' '||type from events where type='handler-assigned'")" "cli:officer1 handler-assigned" \
   "event names who did it"

# ---- extend
"$R" case $C1 extend --to 2027-01-15 --reason "Waiting for the contractor" --at 2026-12-03T10:00:00Z >/dev/null 2>"$T/err"
is "$?" "1" "an extension beyond the cap is refused"
like "$(cat "$T/err")" "2026-12-18" "the refusal gives the cap date"
is "$(sql "select coalesce(extended_to,'none')||' '||(select count(*) from outbox) from stages")" "none 1" \
   "refused extension: no date, no letter"
"$R" case $C1 extend --to 2026-12-11 >/dev/null 2>&1
is "$?" "1" "an extension needs a reason"
"$R" case $C1 extend --to 2026-12-11 --reason "We are waiting for the contractor's report" --at 2026-12-03T10:00:00Z >/dev/null
is "$?" "0" "extension within the cap"
is "$(sql "select extended_to||' | '||extension_reason from stages where stage=1")" \
   "2026-12-11 | We are waiting for the contractor's report" "extended_to and reason recorded"
is "$(sql "select idem_key from outbox where kind='holding-reply'")" "$C1/s1/holding-2026-12-11" \
   "holding reply queued under its key"
"$R" case $C1 extend --to 2026-12-11 --reason "We are waiting for the contractor's report" --at 2026-12-03T11:00:00Z >/dev/null
is "$(sql "select count(*) from outbox where kind='holding-reply'")" "1" "repeating the extension queues no second letter"
is "$(sql "select count(*) from events where type='extended'")" "1" "and records no second extension"
"$R" outbox flush -q --to "$T/out" --now 2026-12-03T10:05:00Z
H="$T/out/${C1}_s1_holding-2026-12-11.eml"
check "holding reply written" test -f "$H"
hb=$(body "$H")
like "$hb" "Friday 11 December 2026" "holding reply gives the new date written out"
like "$hb" "Friday 4 December 2026" "and the date we had given"
like "$hb" "the contractor" "and the reason"
like "$hb" "Local Government and Social Care Ombudsman" "and the Ombudsman's details (council profile)"
case "$hb" in *"the Local Government"*) lgsco=lower ;; *) lgsco=capital ;; esac
is "$lgsco" "capital" "the Ombudsman's name heads its details as its name, with no article"
"$R" case $C1 extend --reason "More time needed" --at 2026-12-04T10:00:00Z >/dev/null
is "$(sql "select extended_to from stages where stage=1")" "2026-12-18" "--reason alone takes the profile's full extension"

# ---- escalate on an open Stage 1, respond
"$R" case $C1 escalate --at 2026-12-05T10:00:00Z >/dev/null 2>"$T/err"
is "$?" "1" "escalate refused while Stage 1 is open"
like "$(cat "$T/err")" "respond" "and says to record the response first"
"$R" case $C1 respond --outcome maybe >/dev/null 2>&1
is "$?" "1" "an unknown outcome is refused"
"$R" case $C1 respond --outcome partly-upheld --at 2026-12-10T15:00:00Z >/dev/null
is "$?" "0" "respond"
is "$(sql "select responded||' '||outcome||' '||closed from stages where stage=1")" \
   "2026-12-10 partly-upheld 2026-12-10" "responded, outcome and closed recorded"
is "$(sql "select state from cases where reference='$C1'")" "stage1-closed" "state stage1-closed"
is "$(sql "select count(*) from events where type='responded' and actor='cli:officer1'")" "1" "respond event"
"$R" case $C1 respond --outcome upheld --at 2026-12-11T10:00:00Z >/dev/null 2>"$T/err"
is "$?" "1" "respond on a closed stage is refused"
like "$(cat "$T/err")" "closed on 2026-12-10" "and says when it closed"
"$R" outbox flush -q --to "$T/out" --now 2026-12-10T15:05:00Z
cb=$(body "$T/out/${C1}_s1_closing.eml")
like "$cb" "Stage 2" "closing letter says how to ask for Stage 2"
like "$cb" "Tuesday 12 January 2027" "by 20 working days after the response (Christmas skipped)"
like "$cb" "Outcome: partly upheld" "with the outcome in words, not its code"

# ---- escalate: Stage 2 opens as ingest would open it
"$R" case $C1 escalate --at 2026-12-14T10:00:00Z >/dev/null
is "$?" "0" "escalate"
is "$(sql "select received||' '||ack_due||' '||dept_notice_due||' '||response_due from stages where stage=2")" \
   "2026-12-14 2026-12-16 2026-12-21 2027-01-14" "Stage 2 dates by the council profile"
is "$(sql "select state from cases where reference='$C1'")" "stage2" "state stage2"
is "$(sql "select idem_key from outbox where kind='stage2-acknowledgement'")" "$C1/s2/ack" "Stage 2 acknowledgement queued"
is "$(sql "select count(*) from events where type='clock-started'")" "2" "clock-started event for Stage 2"
"$R" case $C1 escalate --at 2026-12-14T11:00:00Z >/dev/null 2>&1
is "$?" "1" "escalate twice is refused"
"$R" case $C1 respond --outcome not-upheld --at 2027-01-08T10:00:00Z >/dev/null
is "$(sql "select state from cases where reference='$C1'")" "closed" "Stage 2 response closes the case"
"$R" outbox flush -q --to "$T/out" --now 2027-01-08T10:05:00Z
fb=$(body "$T/out/${C1}_s2_closing.eml")
like "$fb" "final (Stage 2)" "final closing letter"
like "$fb" "www.lgo.org.uk" "gives the Ombudsman after Stage 2"

# ---- decline and refer back
complaint c2@public.test "Ann Two" ann@public.test "Parking fine" 2026-11-23T10:00:00Z
complaint c3@public.test "Cal Three" cal@public.test "Noise" 2026-11-24T10:00:00Z
C2=CMP-2026-000002 C3=CMP-2026-000003
"$R" case $C2 respond --outcome not-upheld --at 2026-12-01T10:00:00Z >/dev/null
"$R" case $C3 respond --outcome resolved --at 2026-12-01T10:00:00Z >/dev/null
"$R" case $C2 escalate --decline "The parking appeal is a matter for the tribunal" --at 2026-12-07T10:00:00Z >/dev/null
is "$?" "0" "escalate --decline"
is "$(sql "select state from cases where reference='$C2'")" "closed" "declined: case closed"
is "$(sql "select outcome || ' ' || closed || ' ' || coalesce(response_due, '-') || ' ' || coalesce(next_check, '-') from stages s join cases c on c.id=s.case_id where c.reference='$C2' and s.stage=2")" \
   "declined 2026-12-07 - -" "declined: the request is on record as a Stage 2 closed the same day, with no clock"
is "$(sql "select count(*) from outbox o join cases c on c.id=o.case_id where c.reference='$C2' and o.kind='stage2-acknowledgement'")" "0" \
   "declined: no Stage 2 acknowledgement"
"$R" case $C3 escalate --refer-back "The service has not yet answered your second point" --at 2026-12-07T10:00:00Z >/dev/null
is "$?" "0" "escalate --refer-back"
is "$(sql "select c.state||' '||coalesce(s.responded,'-')||' '||coalesce(s.closed,'-')||' '||s.response_due from cases c join stages s on s.case_id=c.id where c.reference='$C3' and s.stage=1")" \
   "stage1 - - 2026-12-21" "referred back: Stage 1 reopened, response due 10 working days from today"
"$R" outbox flush -q --to "$T/out" --now 2026-12-07T10:05:00Z
db=$(body "$T/out/${C2}_s2_declined-2026-12-07.eml")
like "$db" "not to investigate" "decline letter"
like "$db" "tribunal" "gives the reason"
like "$db" "www.lgo.org.uk" "and the Ombudsman"
rb=$(body "$T/out/${C3}_s2_referred-back-2026-12-07.eml")
like "$rb" "refer your complaint back" "referred-back letter"
like "$rb" "second point" "gives the reason"
# The sweep works from the restarted clock: nothing is overdue.
"$R" sweep -q --now 2026-12-08T09:00:00Z 2>/dev/null
is "$(sql "select s.response_due from stages s join cases c on c.id=s.case_id where c.reference='$C3' and s.stage=1")" \
   "2026-12-21" "the sweep keeps the referred-back response date"
is "$(sql "select count(*) from events e join cases c on c.id=e.case_id where c.reference='$C3' and e.type like 'deadline-%overdue'")" \
   "0" "no overdue alert from the old clock"
"$R" case $C3 respond --outcome upheld --at 2026-12-15T10:00:00Z >/dev/null
is "$(sql "select count(*) from outbox o join cases c on c.id=o.case_id where c.reference='$C3' and o.kind='closing-letter'")" "2" \
   "a second Stage 1 response after referral gets its own closing letter"
# A Stage 2 opened by mail, referred back, answered again, then asked for
# again: the old Stage 2 row opens afresh with its own acknowledgement, and
# the message is stored (it used to be rolled back on the unique row).
MAIN_DB=$REDRESS_DB
export REDRESS_DB="$T/reopen.db"
complaint c6@public.test "Fay Six" fay@public.test "Fence" 2026-11-24T10:00:00Z
C6=CMP-2026-000001
"$R" case $C6 respond --outcome not-upheld --at 2026-12-01T10:00:00Z >/dev/null
s2mail() {
    printf 'From: Fay Six <fay@public.test>\nTo: stage2@council.test\nSubject: %s\nMessage-ID: <%s>\n\nI want this looked at again.\n' "$1" "$2" > "$T/$2.eml"
    "$R" ingest --json --mailbox stage2 --received-at "$3" "$T/$2.eml" 2>/dev/null
}
s2mail "Review please" c6-s2a@public.test 2026-12-02T10:00:00Z >/dev/null
"$R" case $C6 escalate --refer-back "We had not answered the second point" --at 2026-12-03T10:00:00Z >/dev/null
"$R" case $C6 respond --outcome upheld --at 2026-12-10T10:00:00Z >/dev/null
out=$(s2mail "Still not resolved" c6-s2b@public.test 2026-12-16T10:00:00Z)
like "$out" '"kind":"stage2-request"' "a second Stage 2 request is recognised"
like "$out" '"status":"stored"' "and stored"
is "$(sql "select c.state||' '||s.received||' '||coalesce(s.closed,'-') from cases c join stages s on s.case_id=c.id where c.reference='$C6' and s.stage=2")" \
   "stage2 2026-12-16 -" "Stage 2 reopened with a new clock"
is "$(sql "select count(*) from outbox o join cases c on c.id=o.case_id where c.reference='$C6' and o.idem_key='$C6/s2/ack-2026-12-16'")" \
   "1" "the reopened Stage 2 has its own acknowledgement"
is "$(sql "select count(*) from events e join cases c on c.id=e.case_id where c.reference='$C6' and e.type='stage-reopened'")" \
   "1" "the case journey says Stage 2 was opened again"
# Stage 2 needs a different handler from Stage 1.
sql "update stages set handler='first.officer@council.example' where stage=1"
"$R" case $C6 assign first.officer@council.example --stage 2 >/dev/null 2>"$T/err"
is "$?" "1" "the Stage 1 handler cannot handle Stage 2"
like "$(cat "$T/err")" "Stage 2 needs someone else" "and the refusal says why"
"$R" case $C6 assign second.officer@council.example --stage 2 >/dev/null
is "$?" "0" "another officer can"
export REDRESS_DB=$MAIN_DB

# ---- close
complaint c4@public.test "Dee Four" dee@public.test "Streetlight" 2026-11-25T10:00:00Z
complaint c5@public.test "Eve Five" eve@public.test "Old matter" 2026-11-25T11:00:00Z
C4=CMP-2026-000004 C5=CMP-2026-000005
"$R" case $C4 close --outcome upheld --reason x >/dev/null 2>&1
is "$?" "1" "close takes only withdrawn or excluded"
"$R" case $C4 close --outcome withdrawn --reason "Complainant asked us to stop" --at 2026-11-26T10:00:00Z >/dev/null
is "$(sql "select c.state||' '||s.outcome||' '||s.closed from cases c join stages s on s.case_id=c.id where c.reference='$C4'")" \
   "closed withdrawn 2026-11-26" "withdrawn: case and stage closed"
is "$(sql "select count(*) from outbox o join cases c on c.id=o.case_id where c.reference='$C4'")" "1" "withdrawn: no letter (only the acknowledgement)"
"$R" case $C5 close --outcome excluded --reason "The events are more than 12 months old" --at 2026-11-26T10:00:00Z >/dev/null
is "$(sql "select c.state||' '||s.outcome from cases c join stages s on s.case_id=c.id where c.reference='$C5'")" \
   "closed excluded" "excluded: case closed"
"$R" outbox flush -q --to "$T/out" --now 2026-11-26T10:05:00Z
xb=$(body "$T/out/${C5}_s1_closing.eml")
like "$xb" "12 months old" "exclusion letter gives the reason"
like "$xb" "www.lgo.org.uk" "and the right to go to the Ombudsman"
"$R" case $C5 close --outcome withdrawn --reason again >/dev/null 2>&1
is "$?" "1" "closing a closed case is refused"

# ---- link
"$R" case $C3 link $C2 >/dev/null
is "$(sql "select group_concat(reference||'='||group_id, ' ') from (select reference, group_id from cases where reference in ('$C2','$C3') order by id)")" \
   "$C2=2 $C3=2" "linked cases share the older case's id as group"
"$R" case $C4 link $C3 >/dev/null
is "$(sql "select group_id from cases where reference='$C4'")" "2" "linking with a grouped case joins its group"
sj=$("$R" show --json $C2)
like "$sj" "\"$C3\"" "show --json lists the other cases of the group"
like "$sj" "\"$C4\"" "all of them"
like "$("$R" show $C2)" "Group:        $C3, $C4" "show gives a Group line"
"$R" case $C2 link $C2 >/dev/null 2>&1
is "$?" "1" "a case cannot be linked with itself"
"$R" case $C2 link CMP-2026-000999 >/dev/null 2>&1
is "$?" "1" "linking an unknown case is refused"

# ---- show lists letters
like "$sj" '"kind" : "stage2-declined"' "show --json lists the case's letters"
like "$sj" '"status" : "sent"' "with their status"

# ---- unknown case, unknown action
"$R" case CMP-2026-000999 assign a@b.example >/dev/null 2>&1
is "$?" "1" "unknown case"
"$R" case $C1 frobnicate >/dev/null 2>&1
is "$?" "1" "unknown action"
"$R" case $C1 assign a@b.example --outcome upheld >/dev/null 2>&1
is "$?" "1" "an option that does not apply is refused"

# ---- a single-stage procedure has no Stage 2
export REDRESS_DB="$T/asc.db"
printf '[procedure]\ndefault_profile = adult-social-care\n' > "$T/asc.conf"
"$R" --config "$T/asc.conf" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
"$R" --config "$T/asc.conf" case $C1 respond --outcome not-upheld --at 2026-12-01T10:00:00Z >/dev/null
# respond closes a single-stage case outright; a case whose Stage 1 was
# closed under another procedure, then moved to this one, is the edge.
sql "update cases set state='stage1-closed'"
printf 'From: Jane Citizen <jane.citizen@public.test>\nTo: stage2@council.test\nSubject: Review please\nMessage-ID: <asc-s2@public.test>\n\nPlease review.\n' > "$T/asc-s2.eml"
out=$("$R" --config "$T/asc.conf" ingest --json --mailbox stage2 --received-at 2026-12-02T10:00:00Z "$T/asc-s2.eml" 2>/dev/null)
like "$out" '"kind":"correspondence"' "a Stage 2 request under a single-stage procedure is correspondence"
is "$(sql "select state from cases")" "stage1-closed" "the case does not move to a Stage 2 that does not exist"
is "$(sql "select count(*) from stages where stage=2")" "0" "no Stage 2 row"
is "$(sql "select count(*) from events where type='stage2-not-available'")" "1" "the case says why"

# ---- service: a statutory procedure takes over the Stage 1 clock
printf '[procedure]\ndefault_profile = lgsco-2024\n' > "$T/lgsco.conf"
export REDRESS_DB="$T/svc.db"
"$R" --config "$T/lgsco.conf" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sql "select profile||' '||ack_due||' '||response_due from cases c join stages s on s.case_id=c.id")" \
   "lgsco-2024 2026-11-27 2026-12-04" "LGSCO: reply counted from the acknowledgement, sent the day it arrived"
"$R" --config "$T/lgsco.conf" case $C1 service "Children's services" --at 2026-11-23T10:00:00Z >/dev/null
is "$(sql "select c.service||' '||c.profile||' '||s.ack_due||' '||s.response_due from cases c join stages s on s.case_id=c.id")" \
   "Children's services childrens-statutory 2026-11-25 2026-12-04" "service switches the profile and moves the dates"
like "$(sql "select detail from events where type='profile-changed'")" "acknowledgement due 2026-11-25 (was 2026-11-27)" \
   "event gives the old and new dates"
"$R" --config "$T/lgsco.conf" case $C1 service "Parks" --at 2026-11-24T10:00:00Z >/dev/null
is "$(sql "select service||' '||profile from cases")" "Parks lgsco-2024" "a service of the default procedure switches back"
is "$(sql "select count(*) from outbox where kind='procedure-changed'")" "0" \
   "no letter while the reply date the complainant has stays the same"
# A service whose procedure gives another reply date: the complainant is
# told, with the date they had and the new one, in their language.
"$R" --config "$T/lgsco.conf" case $C1 service "Adult social care" --at 2026-11-25T10:00:00Z >/dev/null
NEWDUE=$(sql "select response_due from stages where stage = 1")
is "$(sql "select count(*) from outbox where kind='procedure-changed'")" "1" "a new reply date: the complainant is told"
"$R" --config "$T/lgsco.conf" outbox flush -q --to "$T/svc-out" --now 2026-11-25T10:05:00Z
PC=$(ls "$T"/svc-out/*procedure* | head -n 1)
pc_text=$(tr -d '\r' < "$PC" | sed 's/=$//' | tr -d '\n' | sed 's/=E2=80=AF/ /g')
like "$pc_text" "respond to your complaint by Friday 4 December 2026" "the letter gives the date they had"
like "$pc_text" "$(date -d "$NEWDUE" '+%A %-d %B %Y')" "and the new one, $NEWDUE, written out"
like "$pc_text" "Adult social care" "naming the service"

# ---- complainant: corrections, and what is refused
printf '[council]\ndomain = council.example\n' > "$T/council.conf"
export REDRESS_DB="$T/who.db"
RW() { "$R" --config "$T/council.conf" "$@"; }
RW ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
W1=$(sql "select reference from cases")
RW case "$W1" complainant 'a.officer@council.example' 2>"$T/err"
is "$?" "1" "complainant: a council address is refused"
like "$(cat "$T/err")" "council's own" "saying why"
RW case "$W1" complainant 'not an address' 2>/dev/null
is "$?" "1" "complainant: a malformed address is refused"
is "$(sql "select p.email from cases c join people p on p.id = c.complainant_id")" "jane.citizen@public.test" \
   "and nothing changed"
out=$(RW case "$W1" complainant 'jane.c@public.test')
like "$out" "(was Jane Citizen <jane.citizen@public.test>)" "an address alone is taken"
is "$(sql "select p.email||' '||p.name from cases c join people p on p.id = c.complainant_id")" \
   "jane.c@public.test Jane Citizen" "the name is kept"
like "$out" "Complainant jane.c@public.test" "the correction is said"
is "$(sql "select count(*) from outbox where kind = 'stage1-acknowledgement'")" "1" \
   "no second acknowledgement when the old address was the public's own"
out=$(RW case "$W1" complainant '"Jane Q. Citizen" <jane.c@public.test>')
is "$(sql "select p.name from cases c join people p on p.id = c.complainant_id")" "Jane Q. Citizen" \
   "a quoted display name corrects the name"
out=$(RW case "$W1" complainant 'Jane Q. Citizen' 'jane.c@public.test')
like "$out" "already jane.c@public.test; nothing changed" "the same again changes nothing"
is "$(sql "select count(*) from events where type = 'complainant-corrected'")" "2" "one event per correction"

# ---- case new: what is refused
RW case new --name X --channel email --summary s 2>"$T/err"
is "$?" "1" "case new: a complaint by email needs --email"
RW case new --name X --email x@public.test --channel phone --summary s --received-at 2099-01-01T00:00:00Z 2>"$T/err"
is "$?" "1" "case new: a received time in the future is refused"
like "$(cat "$T/err")" "in the future" "saying so"
RW case new --email x@public.test --channel phone --summary s 2>/dev/null
is "$?" "1" "case new: --name is required"
RW case new --name X --email x@public.test --channel phone 2>/dev/null
is "$?" "1" "case new: --summary is required"
RW case new --name X --email x@public.test --channel phone --summary s --language fr 2>/dev/null
is "$?" "1" "case new: --language is en or cy"
RW case new --name X --email x@public.test --channel phone --summary s extra 2>/dev/null
is "$?" "1" "case new: a stray argument is refused"
is "$(sql "select count(*) from cases")" "1" "and none of them opened a case"
out=$(RW case new --name 'Elin Hughes' --email elin@public.test --channel in-person --summary 'Rude staff at the library' \
      --language cy --service Libraries --received-at 2026-11-23T10:00:00Z --json)
is "$(printf '%s' "$out" | jq -r '.letters | join(",")')" "stage1-acknowledgement to elin@public.test" \
   "case new --json lists the letters queued"
N=$(printf '%s' "$out" | jq -r '.case')
is "$(sql "select channel||' '||language||' '||service from cases where reference = '$N'")" "in-person cy Libraries" \
   "channel, language and service are recorded"
is "$(sql "select o.language from outbox o join cases c on c.id = o.case_id where c.reference = '$N' and o.kind = 'stage1-acknowledgement'")" "cy" \
   "its acknowledgement is in Welsh"

done_testing
