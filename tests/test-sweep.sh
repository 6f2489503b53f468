#!/bin/sh
# test-sweep.sh — `redress sweep` on the right days, once each: late
# acknowledgement, reminder, automatic holding reply (recorded as an
# extension), overdue alert; a staff extension pre-empts the holding
# reply; a second sweep does nothing; `cases --overdue/--due-within`.
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
printf '[council]\ncomplaints_manager = manager@council.example\n' > "$T/r.conf"
export REDRESS_CONFIG="$T/r.conf"
sql() { sqlite3 "$REDRESS_DB" "$1"; }
sweep() { "$R" sweep --json --now "$1T09:00:00Z" 2>/dev/null; }
actions() { sweep "$1" | sed -n 's/.*"action" : "\([^"]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

# Received Friday 20 November 2026: acknowledgement due Tue 24th, response
# due Fri 4 December (council profile: 2 and 10 working days).
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sql "select next_check from stages")" "2026-11-25" "first check: the day after the acknowledgement is due"

is "$(actions 2026-11-24)" "" "nothing due on the acknowledgement's due day"
is "$(actions 2026-11-25)" "ack-overdue" "late acknowledgement alerted the next day"
is "$(actions 2026-11-25)" "" "the same sweep again does nothing"
is "$(actions 2026-12-01)" "" "nothing before the reminder"
is "$(actions 2026-12-02)" "reminder" "reminder two working days before the due date"
is "$(actions 2026-12-03)" "" "the reminder fires once"
is "$(actions 2026-12-04)" "holding-reply" "automatic holding reply on the due date with no response"
is "$(sql "select extended_to||' | '||extension_reason from stages")" \
   "2026-12-18 | automatic holding reply: no response by the due date" "the holding reply is recorded as an extension"
is "$(sql "select count(*) from outbox where kind='holding-reply' and to_addr='jane.citizen@public.test'")" "1" \
   "holding reply queued to the complainant"
"$R" outbox flush -q --to "$T/out" --now 2026-12-04T09:05:00Z
H="$T/out/CMP-2026-000001_s1_holding_2026-12-04.eml"
check "holding reply written" test -f "$H"
hb=$(tr -d '\r' < "$H" | sed 's/=$//' | tr -d '\n')
like "$hb" "Friday 18 December 2026" "holding reply gives the new date"
like "$hb" "respond to your complaint by Friday 4 December 2026" "and the date the complainant had been given, not the new one twice"
case "$hb" in *"by 2026-12-04"*|*"reason for the delay"*) circular=yes ;; *) circular=no ;; esac
is "$circular" "no" "and no circular reason line with a date in ISO form"
like "$hb" "Ombudsman" "holding reply names the Ombudsman (council profile requires it)"
is "$(actions 2026-12-16)" "reminder" "a reminder two working days before the extended date"
is "$(actions 2026-12-21)" "overdue" "overdue once the extended date has passed"
is "$(sql "select count(*) from outbox where kind='staff-overdue'")" "3" "late-ack, holding and overdue notices went to the manager"
is "$(actions 2026-12-22)" "" "overdue fires once"
is "$(sql "select next_check is null from stages")" "1" "nothing left to check"
is "$(sql "select count(*) from events where type like 'deadline-%'")" "5" "every action is on the case journey"

# A staff extension before the due date: no automatic holding reply.
sed 's/c1-bins@public.test/x2@public.test/; s/Jane.Citizen@Public.Test/pat@public.test/' "$F/01-new-complaint.eml" > "$T/2.eml"
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$T/2.eml"
C2="(select c.id from cases c join people p on p.id=c.complainant_id where p.email='pat@public.test')"
sql "update stages set extended_to='2026-12-11', extension_reason='waiting for contractor', ack_sent='2026-11-20' where case_id=$C2"
sweep 2026-12-04 > "$T/s.json"
is "$(grep -c '"holding-reply"' "$T/s.json")" "0" "a staff extension pre-empts the automatic holding reply"
is "$(sql "select count(*) from outbox where kind='holding-reply' and case_id=$C2")" "0" "no holding reply queued"

# A response recorded: the sweep leaves the case alone.
sed 's/c1-bins@public.test/x3@public.test/; s/Jane.Citizen@Public.Test/kim@public.test/' "$F/01-new-complaint.eml" > "$T/3.eml"
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$T/3.eml"
C3="(select c.id from cases c join people p on p.id=c.complainant_id where p.email='kim@public.test')"
sql "update stages set responded='2026-11-27', outcome='upheld', ack_sent='2026-11-20' where case_id=$C3"
sweep 2026-12-04 > "$T/s3.json"
is "$(grep -c "$(sql "select reference from cases where id=$C3")" "$T/s3.json")" "0" "answered cases get no alerts"

# What needs action.
out=$("$R" cases --overdue --now 2026-12-22T09:00:00Z)
like "$out" "CMP-2026-000001" "cases --overdue lists the overdue case"
out=$("$R" cases --overdue --now 2026-12-10T09:00:00Z)
like "$out" "no cases" "nothing overdue before the extended date"
out=$("$R" cases --due-within 3 --now 2026-12-08T09:00:00Z --json)
like "$out" "$(sql "select reference from cases where id=$C2")" "cases --due-within 3 finds the case due on the 11th"

# A closure added to the calendar moves open deadlines (once), with an
# event on the case; answered cases keep theirs.
export REDRESS_DB="$T/cal.db"
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
"$R" sweep -q --now 2026-11-21T09:00:00Z
printf '[council]\ncomplaints_manager = manager@council.example\n[calendar]\nclosures = 2026-11-30\n' > "$T/closure.conf"
REDRESS_CONFIG="$T/closure.conf" "$R" sweep -q --now 2026-11-21T09:00:00Z
is "$(sqlite3 "$REDRESS_DB" "select ack_due||' '||response_due from stages")" "2026-11-24 2026-12-07" \
   "a new closure day moves the response date by one working day"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from events where type='deadlines-moved'")" "1" "the case says its deadlines moved"
moved=$(sqlite3 "$REDRESS_DB" "select detail from events where type='deadlines-moved'")
like "$moved" "Stage 1 response due moved from 2026-12-04 to 2026-12-07" "naming the date that moved, from what to what"
case "$moved" in *acknowledgement*) ackmoved=yes ;; *) ackmoved=no ;; esac
is "$ackmoved" "no" "and not the acknowledgement date, which did not move"
REDRESS_CONFIG="$T/closure.conf" "$R" sweep -q --now 2026-11-22T09:00:00Z
is "$(sqlite3 "$REDRESS_DB" "select count(*) from events where type='deadlines-moved'")" "1" "an unchanged calendar moves nothing"

# The Chief Executive's office asked for a daily digest instead of a copy
# of each referral: one letter a day, listing that day's cases.
export REDRESS_DB="$T/digest.db"
printf '[mailbox:chief-executive]\ncopy_to = ceo.office@council.example\ncopy = digest\n' > "$T/digest.conf"
export REDRESS_CONFIG="$T/digest.conf"
"$R" ingest -q --mailbox chief-executive --received-at 2026-11-23T08:00:00Z "$F/07-ce-complaint.eml"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from outbox where to_addr='ceo.office@council.example'")" "0" \
   "with copy = digest no copy goes with each referral"
"$R" sweep -q --now 2026-11-23T17:00:00Z 2>/dev/null
"$R" sweep -q --now 2026-11-23T17:30:00Z 2>/dev/null
is "$(sqlite3 "$REDRESS_DB" "select count(*) from outbox where kind='staff-digest' and to_addr='ceo.office@council.example'")" "1" \
   "one digest a day, however often the sweep runs"
"$R" outbox flush -q --to "$T/digest" --now 2026-11-23T17:45:00Z
like "$(cat "$T"/digest/digest_*.eml)" "CMP-2026-000001: Pothole on Mill Lane" "the digest lists the referred case"
# A referral after the day's digest waits for tomorrow's, however often
# the sweep runs in between.
sed 's/c7-pothole@public.test/c7-late@public.test/; s/robert.roe@public.test/rita@public.test/' "$F/07-ce-complaint.eml" > "$T/late-ce.eml"
"$R" ingest -q --mailbox chief-executive --received-at 2026-11-23T17:40:00Z "$T/late-ce.eml"
"$R" sweep -q --now 2026-11-23T18:00:00Z 2>/dev/null
is "$(sqlite3 "$REDRESS_DB" "select count(*) from outbox where kind='staff-digest'")" "1" "no second digest the same day"
"$R" sweep -q --now 2026-11-24T17:00:00Z 2>/dev/null
is "$(sqlite3 "$REDRESS_DB" "select count(*) from outbox where kind='staff-digest'")" "2" "the next day's digest"
"$R" outbox flush -q --to "$T/digest2" --now 2026-11-24T17:45:00Z
like "$(cat "$T"/digest2/digest_*.eml)" "CMP-2026-000002" "it carries the referral that came after yesterday's"
"$R" sweep -q --now 2026-11-25T17:00:00Z 2>/dev/null
is "$(sqlite3 "$REDRESS_DB" "select count(*) from outbox where kind='staff-digest'")" "2" "no digest on a day with no referrals"

# Under a clock that counts from the acknowledgement, a late send would by
# the rule move the response date later; the date the acknowledgement
# promised holds (rd_stage_keep_promise), and nothing is recorded as moved.
export REDRESS_DB="$T/lgsco.db"
printf '[procedure]\ndefault_profile = lgsco-2024\n' > "$T/lgsco.conf"
export REDRESS_CONFIG="$T/lgsco.conf"
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
is "$(sqlite3 "$REDRESS_DB" "select response_due from stages")" "2026-12-04" "promised: 10 working days from the day it arrived"
"$R" outbox flush -q --to "$T/lgsco-out" --now 2026-11-24T09:00:00Z
"$R" sweep -q --now 2026-12-02T09:00:00Z 2>/dev/null
is "$(sqlite3 "$REDRESS_DB" "select ack_sent||' '||response_due from stages")" "2026-11-24 2026-12-04" \
   "the acknowledgement went out on the 24th: the response stays due on the 4th, as it promised"
like "$(tr -d '\r' < "$(ls "$T"/lgsco-out/*ack*.eml | head -n 1)" | sed 's/=$//' | tr -d '\n')" "Friday 4 December 2026" \
     "which is the date the letter states"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from events where type='deadlines-moved'")" "0" "no date was moved"
"$R" sweep -q --now 2026-12-07T09:00:00Z 2>/dev/null
like "$(sqlite3 "$REDRESS_DB" "select detail from events where type='deadline-holding-reply'")" \
     "Stage 1 response was due 2026-12-04" "the sweep acts on the promised date (the holding reply on the 7th)"

# One case that cannot be swept does not stop the others: it is put off
# to tomorrow with an event, and the run says so (exit 2).
export REDRESS_DB="$T/broken.db"
unset REDRESS_CONFIG
"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml" "$F/07-ce-complaint.eml"
sqlite3 "$REDRESS_DB" "update stages set received='not-a-date' where case_id=1"
"$R" sweep -q --now 2026-11-25T09:00:00Z 2>/dev/null
is "$?" "2" "a failing case makes the sweep exit 2"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from events where case_id=2 and type='deadline-ack-overdue'")" "1" \
   "the other case was still swept"
is "$(sqlite3 "$REDRESS_DB" "select next_check from stages where case_id=1")" "2026-11-26" "the failing case is tried again tomorrow"
is "$(sqlite3 "$REDRESS_DB" "select count(*) from events where case_id=1 and type='sweep-failed'")" "1" "and its journey says why"
printf '[mailbox:chief-executive]\ncopy = weekly\n' > "$T/badcopy.conf"
REDRESS_CONFIG="$T/badcopy.conf" "$R" config check >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "badcopy.conf:2: copy must be each, digest or none" "a bad copy setting is caught with its line"

done_testing
