#!/bin/sh
# test-survey.sh — satisfaction surveys, offline (README "Satisfaction
# surveys"), time moved with --now:
#   - sent once, [surveys] delay working days after the final response:
#     the sweep run again, and again after a "restart" (a new process),
#     sends no second; its Reply-To is the survey's own address;
#   - a Stage 1 answer escalated before the survey went: surveyed once,
#     after the Stage 2 answer;
#   - no survey after opt-out (redress case REF no-contact, #nocontact by
#     a handler, "STOP" in a reply), nor to a postal complainant, nor to
#     an address a letter bounced from; [surveys] profiles filters;
#   - a Welsh case gets the Welsh letter, and Welsh words parse;
#   - replies in the common shapes recorded, the comment anonymised; an
#     unreadable one in triage (kept on the case); a second reply and one
#     after the last day kept, not counted, and in triage when they have
#     words; "STOP" with words in triage; a forged address is no survey
#     reply;
#   - no-contact on one case withdraws the person's queued surveys on all,
#     and the sender holds back a survey letter to someone not to be contacted;
#   - the staff survey to the handler, its reply on no case;
#   - redress surveys list|record (an expired survey only when its reply
#     came in time), and the report's satisfaction figures.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset REDRESS_CONFIG
export REDRESS_DB="$T/r.db"
export SUDO_USER=officer1
cat > "$T/r.conf" <<'CONF'
[council]
name = Testshire Council
complaints_manager = morgan@council.test
[mailbox:complaints]
address = complaints@council.test
[staff:jo@council.test]
name = Jo Bloggs
role = handler
[staff:morgan@council.test]
name = Morgan Lee
role = complaints-manager
[staff_auth]
policy = from-only
[surveys]
enabled = true
delay = 5
expire_after = 10
staff = true
CONF
RR() { "$R" --config "$T/r.conf" "$@" 2>>"$T/log"; }
RE() { "$R" --config "$T/r.conf" "$@" 2>"$T/err"; }
q() { sqlite3 "$REDRESS_DB" "$1"; }
sweep() { RR sweep --now "$1" > "$T/sweep.out"; }
# A complaint from $1 <$2> received at $3; the case's reference is printed.
complaint() {
    n=$(($(q "select count(*) from messages" 2>/dev/null || echo 0) + 1))
    printf 'From: %s <%s>\nTo: complaints@council.test\nSubject: Complaint %s\nMessage-ID: <c%s@public.test>\n\n%s\n' \
        "$1" "$2" "$n" "$n" "${4:-My bins were missed three weeks running.}" > "$T/c$n.eml"
    RR ingest -q --received-at "$3" "$T/c$n.eml"
    q "select c.reference from cases c join people p on p.id = c.complainant_id where p.email = '$2' order by c.id desc limit 1"
}
# A reply to address $1 from $2 with body $3 at $4.
reply() {
    k=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
    printf 'From: %s\nTo: %s\nSubject: Re: survey\nMessage-ID: <r%s@public.test>\n\n%s\n' "$2" "$1" "$k" "$3" > "$T/r$k.eml"
    RR ingest -q --received-at "$4" "$T/r$k.eml"
}
# The text part of the letter queued under idempotency key $1, decoded.
text_of() {
    q "select writefile('$T/letter.eml', raw) from outbox where idem_key = '$1'" >/dev/null
    python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))' "$T/letter.eml"
}
unlike() {
    _tap_n=$((_tap_n + 1))
    case "$1" in
    *"$2"*) echo "not ok $_tap_n - $3"; printf '#   contains: %s\n' "$2"; _tap_failed=$((_tap_failed + 1)) ;;
    *) echo "ok $_tap_n - $3" ;;
    esac
}
reply_to() { q "select raw from outbox where idem_key = '$1'" | grep -i '^Reply-To:' | sed 's/^[^:]*: *//; s/[<>]//g' | tr -d '\r'; }

# The first sweep with surveys on marks the day they start (surveys_since).
sweep 2026-06-01T07:00:00Z
is "$(q "select value from settings where key = 'surveys_since'")" "2026-06-01" "surveys start on the first sweep"

# ---- sent once, on the right working day --------------------------------------------
C1=$(complaint "Ann Adams" ann@public.test 2026-06-01T09:00:00Z)
RR case "$C1" assign jo@council.test --at 2026-06-01T10:00:00Z >/dev/null
RR case "$C1" respond --outcome upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
is "$(q "select state from cases where reference = '$C1'")" "stage1-closed" "case 1 answered at Stage 1 on Tuesday 2 June"
sweep 2026-06-08T08:00:00Z
is "$(q "select count(*) from surveys")" "0" "nothing on Monday 8 June (4 working days)"
sweep 2026-06-09T08:00:00Z
is "$(q "select to_addr from outbox where kind = 'survey'")" "ann@public.test" "the survey on Tuesday 9 June (5 working days)"
like "$(cat "$T/sweep.out")" "$C1" "the sweep says so"
is "$(q "select status||' '||sent_day||' '||expires||' '||language from surveys where kind = 'complainant'")" \
   "sent 2026-06-09 2026-06-23 en" "recorded: sent, replies counted for 10 working days"
is "$(q "select to_addr from outbox where kind = 'staff-survey'")" "jo@council.test" "the staff survey to the handler"
sweep 2026-06-09T09:00:00Z
sweep 2026-06-10T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'survey'")" "1" "sent once, however often the sweep runs"
is "$(q "select count(*) from outbox where kind = 'staff-survey'")" "1" "the staff survey once too"
A1=$(reply_to "survey/$C1/complainant")
like "$A1" "complaints+svy-1-" "its Reply-To is the survey's own address"
RAW=$(text_of "survey/$C1/complainant")
like "$RAW" "How easy was it to make your complaint" "the letter asks the questions"
like "$RAW" "Reply 1 (very poor) to 5 (very good)" "each with its scale"
like "$RAW" "23 June 2026" "and says until when replies count"
like "$(q "select subject from outbox where kind = 'survey'")" "How did we handle your complaint $C1" "the English subject"

# ---- replies in the common shapes ----------------------------------------------------
reply "$A1" "Ann Adams <ann@public.test>" "$(printf '1. 4\n2) 5\nQ3: 3/5\n4 out of 5\n\n5. Mrs Adams here. Jo Bloggs rang me on 07700 900123 about CMP-2026-000001, thanks.\n\nOn Tue, Jo wrote:\n> 1. How easy was it to make your complaint?')" \
      2026-06-10T12:00:00Z
is "$(q "select group_concat(question||'='||value, ' ') from survey_answers where survey_id = 1")" "1=4 2=5 3=3 4=4" \
   "numbered, bracketed, Q-labelled, /5 and 'out of 5' answers recorded"
is "$(q "select text from survey_comments where survey_id = 1")" \
   "[name] here. [name] rang me on [phone] about [reference], thanks." "the comment stored anonymised"
is "$(q "select status||' '||answered_day from surveys where id = 1")" "answered 2026-06-10" "the survey answered"
is "$(q "select m.case_id = c.id from messages m, cases c where m.kind = 'survey-reply' and c.reference = '$C1'")" "1" \
   "the reply kept on the case"
like "$(q "select detail from events where type = 'survey-answered'")" "1=4 2=5 3=3 4=4" "and on its journey"
reply "$A1" "Ann Adams <ann@public.test>" "1. 1" 2026-06-11T12:00:00Z
is "$(q "select group_concat(value, '') from survey_answers where survey_id = 1")" "4534" "a second reply is not counted"
is "$(q "select count(*) from events where type = 'survey-reply-not-counted'")" "1" "but noted"
is "$(q "select count(*) from messages where kind = 'survey-reply'")" "2" "and kept"

# A forged address (another survey's number, this MAC) is no survey reply.
FORGED=$(printf '%s' "$A1" | sed 's/svy-1-/svy-2-/')
reply "$FORGED" "Ann Adams <ann@public.test>" "1. 5" 2026-06-11T13:00:00Z
is "$(q "select count(*) from messages where kind = 'survey-reply'")" "2" "a forged survey address is not a survey reply"
is "$(q "select count(*) from survey_answers where value = 5 and question = 1")" "0" "and counts nothing"

# ---- the staff survey -------------------------------------------------------------
S1=$(reply_to "survey/$C1/staff/jo@council.test")
like "$S1" "complaints+svy-2-" "the staff survey has its own address"
reply "$S1" "Jo Bloggs <jo@council.test>" "$(printf '4 3 5 2\nThe reminders came too late for Ann Adams'"'"'s case.')" 2026-06-10T13:00:00Z
is "$(q "select group_concat(value, '') from survey_answers where survey_id = 2")" "4352" "a handler's four numbers on one line"
is "$(q "select text from survey_comments where survey_id = 2")" "The reminders came too late for [name]'s case." \
   "their comment anonymised"
is "$(q "select count(*) from messages where kind = 'survey-reply' and case_id is null")" "1" \
   "a handler's reply is kept on no case"
unlike "$(q "select group_concat(detail, '|') from events where type = 'survey-answered'")" "4 3 5 2" \
   "and the journey does not show their numbers"

# The staff letter in Welsh, with the council working in Welsh.
(cat "$T/r.conf"; printf '[letters]\nlanguage = cy\n') > "$T/cy.conf"
"$R" --config "$T/cy.conf" letters preview --text staff-survey "$C1" > "$T/staffcy.txt" 2>>"$T/log"
like "$(cat "$T/staffcy.txt")" "Mae'r ymateb terfynol i gŵyn $C1 wedi'i anfon." "the Welsh staff letter: the final response to complaint X has been sent"
like "$(cat "$T/staffcy.txt")" "a byddant yn cyfrif os byddant yn ein cyrraedd erbyn dydd" "and they count if they reach us by …"
like "$(cat "$T/staffcy.txt")" "i'w dilyn yn yr achos hwn?" "its first question in natural Welsh"

# ---- escalated before the survey went: once, after Stage 2 -------------------------------
C2=$(complaint "Dai Davies" dai@public.test 2026-06-01T09:00:00Z)
RR case "$C2" respond --outcome not-upheld --date 2026-06-03 --at 2026-06-03T10:00:00Z >/dev/null
RR case "$C2" escalate --at 2026-06-05T10:00:00Z >/dev/null
is "$(q "select state from cases where reference = '$C2'")" "stage2" "case 2 escalated two days after its Stage 1 answer"
sweep 2026-06-11T08:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C2/complainant'")" "0" "no survey while Stage 2 is open"
RR case "$C2" respond --outcome partly-upheld --date 2026-06-22 --at 2026-06-22T10:00:00Z >/dev/null
sweep 2026-06-26T08:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C2/complainant'")" "0" "not 4 working days after Stage 2"
sweep 2026-06-29T08:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C2/complainant'")" "1" "5 working days after the Stage 2 answer"
is "$(q "select due from surveys s join cases c on c.id = s.case_id where c.reference = '$C2'")" "2026-06-29" \
   "due counted from the final response"

# ---- Welsh ------------------------------------------------------------------------
C3=$(complaint "Bethan Rhys" bethan@public.test 2026-06-01T09:00:00Z "Ni chasglwyd fy miniau ers tair wythnos. Diolch.")
RR case "$C3" language cy --at 2026-06-01T10:00:00Z >/dev/null
RR case "$C3" respond --outcome resolved --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
sweep 2026-06-09T10:00:00Z
like "$(q "select subject from outbox where idem_key = 'survey/$C3/complainant'")" "Sut gwnaethom ymdrin â'ch cwyn $C3" \
   "a Welsh case gets the Welsh survey"
RAWCY=$(text_of "survey/$C3/complainant")
like "$RAWCY" "Pa mor hawdd oedd gwneud eich cwyn" "with the questions in Welsh"
like "$RAWCY" "Atebwch 1 (gwael iawn) i 5 (da iawn)" "and the scale"
like "$RAWCY" "dydd Mawrth 23 Mehefin 2026" "and the last day in Welsh"
A3=$(reply_to "survey/$C3/complainant")
reply "$A3" "Bethan Rhys <bethan@public.test>" "$(printf 'da iawn\nda\ngweddol\ngwael\nRoedd Jo yn help mawr, diolch.')" 2026-06-12T09:00:00Z
is "$(q "select group_concat(a.value, '') from survey_answers a join surveys s on s.id = a.survey_id join cases c on c.id = s.case_id where c.reference = '$C3' and s.kind = 'complainant'")" \
   "5432" "Welsh words parse: da iawn, da, gweddol, gwael"
is "$(q "select m.text from survey_comments m join surveys s on s.id = m.survey_id join cases c on c.id = s.case_id where c.reference = '$C3' and s.kind = 'complainant'")" \
   "Roedd [name] yn help mawr, diolch." "the Welsh comment anonymised"

# A counted reply whose comment asks for Stage 2 is also put before a person.
C11=$(complaint "Jac Jones" jac@public.test 2026-06-01T09:00:00Z)
RR case "$C11" respond --outcome not-upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
sweep 2026-06-09T10:30:00Z
A11=$(reply_to "survey/$C11/complainant")
reply "$A11" "Jac Jones <jac@public.test>" "$(printf '2 2 1 1\nI am not satisfied with your response and want it looked at again.')" \
      2026-06-12T08:00:00Z
is "$(q "select group_concat(a.value, '') from survey_answers a join surveys s on s.id = a.survey_id join cases c on c.id = s.case_id where c.reference = '$C11'")" \
   "2211" "a reply asking for more is still counted"
like "$(q "select t.reason from triage t join messages m on m.id = t.msg_id where m.from_email = 'jac@public.test'")" \
     "may ask for Stage 2" "and put in triage for a person to read"

# ---- unreadable → triage -----------------------------------------------------------
C4=$(complaint "Carl Cole" carl@public.test 2026-06-01T09:00:00Z)
RR case "$C4" respond --outcome upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
sweep 2026-06-09T11:00:00Z
A4=$(reply_to "survey/$C4/complainant")
like "$A4" "svy-" "case 4 surveyed"
reply "$A4" "Carl Cole <carl@public.test>" "$(printf '4\n8/10\nIt was all fine I suppose.')" 2026-06-12T09:00:00Z
is "$(q "select count(*) from triage t join messages m on m.id = t.msg_id where m.kind = 'survey-reply' and m.from_email = 'carl@public.test'")" "1" \
   "an unreadable reply goes to triage"
like "$(q "select t.reason from triage t join messages m on m.id = t.msg_id where m.from_email = 'carl@public.test'")" "8/10" \
   "saying what could not be read"
is "$(q "select m.case_id = c.id from messages m join triage t on t.msg_id = m.id, cases c where c.reference = '$C4' and m.from_email = 'carl@public.test'")" "1" \
   "kept on the case, not lost"
SV4=$(q "select s.id from surveys s join cases c on c.id = s.case_id where c.reference = '$C4' and s.kind = 'complainant'")
is "$(q "select status from surveys where id = $SV4")" "sent" "nothing counted"
RR surveys record "$SV4" 4 4 3 --at 2026-06-12T10:00:00Z >/dev/null
is "$(q "select group_concat(value, '') from survey_answers where survey_id = $SV4")" "443" \
   "redress surveys record: what a person read in it"
is "$(q "select status from surveys where id = $SV4")" "answered" "and the survey answered"

# ---- opt-out, bounce, postal, profiles ------------------------------------------------
C5=$(complaint "Eve Evans" eve@public.test 2026-06-01T09:00:00Z)
RR case "$C5" respond --outcome upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
RR case "$C5" no-contact --reason "asked on the phone" --at 2026-06-03T10:00:00Z > "$T/out"
like "$(cat "$T/out")" "no satisfaction survey will be sent" "redress case REF no-contact"
sweep 2026-06-09T12:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C5/complainant'")" "0" "no survey after opt-out"
is "$(q "select status from surveys s join cases c on c.id = s.case_id where c.reference = '$C5' and s.kind = 'complainant'")" \
   "suppressed" "recorded as suppressed"
like "$(q "select reason from surveys s join cases c on c.id = s.case_id where c.reference = '$C5' and s.kind = 'complainant'")" \
   "asked on the phone" "with the reason"

# STOP in a reply: no survey on their next case.
C6=$(complaint "Fay Ford" fay@public.test 2026-06-01T09:00:00Z)
RR case "$C6" respond --outcome upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
sweep 2026-06-09T13:00:00Z
A6=$(reply_to "survey/$C6/complainant")
reply "$A6" "Fay Ford <fay@public.test>" "STOP" 2026-06-10T09:00:00Z
is "$(q "select no_contact_reason from people where email = 'fay@public.test'")" "said stop in reply to a survey" \
   "STOP in a reply: not to be contacted"
is "$(q "select count(*) from triage t join messages m on m.id = t.msg_id where m.from_email = 'fay@public.test'")" "0" \
   "and it is no unreadable reply"
C7=$(complaint "Fay Ford" fay@public.test 2026-06-15T09:00:00Z "$(printf 'Another complaint: the road is still not swept.')")
RR case "$C7" respond --outcome upheld --date 2026-06-16 --at 2026-06-16T10:00:00Z >/dev/null
sweep 2026-06-23T13:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C7/complainant'")" "0" "no survey on their next case"

# #nocontact by the handler, before the survey is due.
C8=$(complaint "Gwen Green" gwen@public.test 2026-06-01T09:00:00Z)
RR case "$C8" assign jo@council.test --at 2026-06-01T10:00:00Z >/dev/null
MID=$(q "select message_id from outbox where case_id = (select id from cases where reference = '$C8') and to_addr = 'jo@council.test' limit 1")
printf 'From: Jo Bloggs <jo@council.test>\nTo: complaints@council.test\nSubject: Re: %s\nIn-Reply-To: %s\nMessage-ID: <nc1@council.test>\n\n#nocontact she asked us not to write again\n#note done\n' "$C8" "$MID" > "$T/nc.eml"
RR ingest -q --received-at 2026-06-02T09:00:00Z "$T/nc.eml"
is "$(q "select no_contact_reason from people where email = 'gwen@public.test'")" "she asked us not to write again" \
   "#nocontact from the handler"

# A postal complainant (no email) and a bounced address get none.
RR case new --name "Hal Hughes" --channel phone --address "1 Mill Lane, Testtown" --summary "Pothole" \
    --received-at 2026-06-01T09:00:00Z --at 2026-06-01T09:00:00Z >/dev/null
C9=$(q "select reference from cases order by id desc limit 1")
RR case "$C9" respond --outcome upheld --date 2026-06-02 --at 2026-06-02T10:00:00Z >/dev/null
sweep 2026-06-09T14:00:00Z
like "$(q "select reason from surveys s join cases c on c.id = s.case_id where c.reference = '$C9' and s.kind = 'complainant'")" \
   "no email address" "a postal complainant gets no survey"
is "$(q "select count(*) from outbox where idem_key = 'survey/$C9/complainant'")" "0" "and no letter for posting"

# Profiles: one that does not exist is refused; a case whose profile is
# not listed is passed over.
sed 's/^staff = true$/profiles = no-such-profile/' "$T/r.conf" > "$T/bad.conf"
"$R" --config "$T/bad.conf" sweep --now 2026-06-23T14:00:00Z >/dev/null 2>"$T/err"
is "$?" "1" "[surveys] profiles naming no profile is refused"
like "$(cat "$T/err")" "[surveys] profiles names 'no-such-profile', which is not a profile" "saying which"
sed 's/^staff = true$/staff = false\nprofiles = housing-ombudsman/' "$T/r.conf" > "$T/p.conf"
C10=$(complaint "Ivy Irwin" ivy@public.test 2026-06-15T09:00:00Z)
RR case "$C10" respond --outcome upheld --date 2026-06-16 --at 2026-06-16T10:00:00Z >/dev/null
"$R" --config "$T/p.conf" sweep --now 2026-06-23T15:00:00Z >/dev/null 2>>"$T/log"
is "$(q "select count(*) from surveys s join cases c on c.id = s.case_id where c.reference = '$C10'")" "0" \
   "a profile not in [surveys] profiles is not surveyed"
sweep 2026-06-23T16:00:00Z
is "$(q "select count(*) from outbox where idem_key = 'survey/$C10/complainant'")" "1" "with every profile, it is"

# ---- expiry, and a late reply ---------------------------------------------------------
# Case 6's survey went on Tuesday 9 June: replies count until Tuesday 23 June.
is "$(q "select status from surveys s join cases c on c.id = s.case_id where c.reference = '$C6' and s.kind = 'complainant'")" \
   "sent" "STOP recorded no answer: still open on its last day"
sweep 2026-06-24T08:00:00Z
is "$(q "select status from surveys where id = 1")" "answered" "an answered survey does not expire"
is "$(q "select status from surveys s join cases c on c.id = s.case_id where c.reference = '$C6' and s.kind = 'complainant'")" \
   "expired" "expired the working day after its last"
A10=$(reply_to "survey/$C10/complainant")
reply "$A10" "Ivy Irwin <ivy@public.test>" "5 5 5 5" 2026-07-09T09:00:00Z
is "$(q "select count(*) from survey_answers a join surveys s on s.id = a.survey_id join cases c on c.id = s.case_id where c.reference = '$C10'")" \
   "0" "a reply after the last day is not counted"
is "$(q "select count(*) from messages m join cases c on c.id = m.case_id where c.reference = '$C10' and m.kind = 'survey-reply'")" \
   "1" "but kept on the case"
like "$(q "select detail from events e join cases c on c.id = e.case_id where c.reference = '$C10' and e.type = 'survey-reply-not-counted'")" \
   "after its last day" "and noted"

# ---- a restart: a new process, the same day ---------------------------------------------
BEFORE=$(q "select count(*) from outbox where kind in ('survey', 'staff-survey')")
"$R" --config "$T/r.conf" sweep --now 2026-06-29T09:00:00Z >/dev/null 2>>"$T/log"
is "$(q "select count(*) from outbox where kind in ('survey', 'staff-survey')")" "$BEFORE" "no survey twice after a restart"

# ---- the command line and the report ---------------------------------------------------
RR --json surveys list > "$T/list.json"
is "$(jq -r "[.[] | select(.case == \"$C1\" and .kind == \"complainant\")][0].status" "$T/list.json")" "answered" \
   "redress surveys list --json"
RR export --case "$C1" --to "$T/sar" >/dev/null
is "$(jq -c '.cases[0].surveys' "$T/sar/record.json")" \
   '[{"status":"answered","reason":null,"sent":"2026-06-09","expires":"2026-06-23","answered":"2026-06-10","answers":[4,5,3,4]}]' \
   "a subject access export holds the complainant's survey and answers, not the handler's"
RR report --period 2026Q2 --json > "$T/rep.json"
is "$(jq -r '.satisfaction.complainant.answered' "$T/rep.json")" "4" "the report: complainant surveys answered in the quarter"
is "$(jq -r '.satisfaction.complainant.questions[0].counts | join(",")' "$T/rep.json")" "0,1,0,2,1" \
   "question 1: counts per answer 1 to 5"
is "$(jq -r '.satisfaction.complainant.questions[0].average' "$T/rep.json")" "3.8" "and the average"
like "$(jq -r '.satisfaction.complainant.comments | join("|")' "$T/rep.json")" "[name] here." "anonymised comments"
unlike "$(cat "$T/rep.json")" "Adams" "no complainant's name anywhere in it"
unlike "$(cat "$T/rep.json")" "07700" "nor a phone number"
is "$(jq -r '.satisfaction.staff.questions' "$T/rep.json")" "null" "staff figures held back below the minimum of answers"
RR report --period 2026Q2 > "$T/rep.txt"
like "$(cat "$T/rep.txt")" "Satisfaction" "the text report has the section"
# ---- replies a person must read, whatever the survey's status ------------------------------
# Three people answered on Thursday 2 July, surveyed together on Thursday
# 9 July (replies count until Thursday 23 July); Lee has two cases.
C12=$(complaint "Kim King" kim@public.test 2026-07-01T09:00:00Z)
C13=$(complaint "Mo Morgan" mo@public.test 2026-07-01T09:00:00Z)
C14=$(complaint "Lee Lloyd" lee@public.test 2026-07-01T09:00:00Z)
C15=$(complaint "Lee Lloyd" lee@public.test 2026-07-01T10:00:00Z "$(printf 'And the streetlight outside is still broken.')")
for c in "$C12" "$C13" "$C14" "$C15"; do
    RR case "$c" respond --outcome not-upheld --date 2026-07-02 --at 2026-07-02T10:00:00Z >/dev/null
done
sweep 2026-07-09T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'survey' and status = 'queued' and to_addr = 'lee@public.test'")" "2" \
   "a person with two cases: both surveys queued in one sweep"
triage_of() { q "select group_concat(t.reason, '|') from triage t join messages m on m.id = t.msg_id where m.kind = 'survey-reply' and m.from_email = '$1'"; }

# "STOP" with words and no answer: not contacted again, and the words to a person.
A12=$(reply_to "survey/$C12/complainant")
reply "$A12" "Kim King <kim@public.test>" "$(printf 'STOP.\nYour handling was appalling, I want to escalate to stage 2')" 2026-07-10T09:00:00Z
is "$(q "select no_contact_reason from people where email = 'kim@public.test'")" "said stop in reply to a survey" \
   "stop with words: not to be contacted"
like "$(triage_of kim@public.test)" "said stop (no more surveys will be sent) with words that are not recorded" \
     "and the words, which nothing records, in triage"
like "$(triage_of kim@public.test)" "may ask for Stage 2" "saying they may ask for Stage 2"

# A late reply with words goes to a person; a late or second one with only numbers does not.
A10=$(reply_to "survey/$C10/complainant")
is "$(triage_of ivy@public.test)" "" "a late reply of numbers only is not in triage"
reply "$A10" "Ivy Irwin <ivy@public.test>" "I am not satisfied, please escalate" 2026-07-10T09:00:00Z
like "$(triage_of ivy@public.test)" "not counted (it came after the survey's last day)" \
     "a late reply with words in triage, saying it came late"
like "$(triage_of ivy@public.test)" "may ask for Stage 2" "and that it may ask for Stage 2"
is "$(triage_of ann@public.test)" "" "a second reply of numbers only is not in triage"
reply "$A1" "Ann Adams <ann@public.test>" "$(printf '1. 1\nThinking about it, the wait was far too long.')" 2026-07-10T10:00:00Z
like "$(triage_of ann@public.test)" "a second reply: the survey was already answered" \
     "a second reply with words in triage, saying why"
unlike "$(triage_of ann@public.test)" "Stage 2" "not called a Stage 2 request when it asks for none"
is "$(q "select group_concat(value, '') from survey_answers where survey_id = 1")" "4534" "and still not counted"

# no-contact on one case withdraws the person's surveys on all of them.
RR case "$C14" no-contact --reason "asked on the phone" --at 2026-07-10T11:00:00Z > "$T/out"
like "$(cat "$T/out")" "the surveys waiting to go were held back" "no-contact on one of Lee's cases"
is "$(q "select count(*) from outbox where kind = 'survey' and status = 'queued' and to_addr = 'lee@public.test'")" "0" \
   "leaves neither of their surveys to be sent"
is "$(q "select group_concat(s.status, ' ') from surveys s join cases c on c.id = s.case_id where c.reference in ('$C14', '$C15') and s.kind = 'complainant'")" \
   "suppressed suppressed" "both recorded as suppressed"

# surveys record: an expired survey whose reply came in time still takes answers.
A13=$(reply_to "survey/$C13/complainant")
reply "$A13" "Mo Morgan <mo@public.test>" "$(printf '4\n8/10')" 2026-07-10T09:00:00Z
like "$(triage_of mo@public.test)" "could not read" "case 13's reply unreadable, in triage"
sweep 2026-07-24T08:00:00Z
SV13=$(q "select s.id from surveys s join cases c on c.id = s.case_id where c.reference = '$C13' and s.kind = 'complainant'")
is "$(q "select status from surveys where id = $SV13")" "expired" "the sweep expires it after its last day"
RE surveys record "$SV13" 4 2 --at 2026-07-24T10:00:00Z >/dev/null
is "$?" "0" "redress surveys record takes the answers of a reply that came in time"
is "$(q "select status||' '||group_concat(a.value, '') from surveys s join survey_answers a on a.survey_id = s.id where s.id = $SV13")" \
   "answered 42" "recorded, the survey answered"
SV10=$(q "select s.id from surveys s join cases c on c.id = s.case_id where c.reference = '$C10' and s.kind = 'complainant'")
RE surveys record "$SV10" 5 5 5 5 --at 2026-07-24T10:00:00Z >/dev/null
is "$?" "1" "but not of a survey whose reply came after its last day"
like "$(cat "$T/err")" "replies count only when they came by its last day, 2026-07-07, and its first reply came later" \
     "saying why"
SV2=$(q "select s.id from surveys s join cases c on c.id = s.case_id where c.reference = '$C2' and s.kind = 'complainant'")
is "$(q "select status from surveys where id = $SV2")" "expired" "case 2's survey expired unanswered"
RE surveys record "$SV2" 3 --at 2026-07-24T10:00:00Z >/dev/null
is "$?" "1" "an expired survey with no reply takes no answers"
like "$(cat "$T/err")" "no reply to it came" "saying so"

# The sender looks again when it sends: a survey letter to someone flagged
# not to be contacted after it was queued (here the flag written straight
# into the store, as no command leaves one behind) is not sent.
C16=$(complaint "Nia Nash" nia@public.test 2026-07-20T09:00:00Z)
RR case "$C16" respond --outcome upheld --date 2026-07-21 --at 2026-07-21T10:00:00Z >/dev/null
sweep 2026-07-28T08:00:00Z
is "$(q "select status from outbox where idem_key = 'survey/$C16/complainant'")" "queued" "case 16's survey queued"
q "update people set no_contact_at = 1785225600, no_contact_reason = 'rang to say so' where email = 'nia@public.test'"
mkdir -p "$T/out-letters"
RR outbox flush --to "$T/out-letters" --now 2026-07-28T09:00:00Z >/dev/null
is "$(q "select status from outbox where idem_key = 'survey/$C16/complainant'")" "suppressed" \
   "the sender withholds a survey to someone not to be contacted"
like "$(q "select status||' '||reason from surveys s join cases c on c.id = s.case_id where c.reference = '$C16' and s.kind = 'complainant'")" \
     "suppressed not sent: the complainant asked not to be contacted (rang to say so)" "and the survey says why"
is "$(grep -l "nia@public.test" "$T/out-letters"/* 2>/dev/null | xargs -r grep -l "How did we handle" | wc -l)" "0" "no survey letter written"
done_testing
