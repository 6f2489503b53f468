#!/bin/sh
# test-closed.sh — a complainant writes again on a closed case, offline:
# the mail stays on the case, its handler (else the complaints manager) is
# told, and it waits in triage offering reopen, new complaint, Stage 2
# request (only while Stage 1 alone is closed) or correspondence only;
# each of `redress triage reopen|stage2|new|assign` does what it says, and
# `redress case REF reopen` does the same by hand.
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
printf '[council]\ncomplaints_manager = manager@council.test\n' > "$T/c.conf"
export REDRESS_CONFIG="$T/c.conf"
sql() { sqlite3 "$REDRESS_DB" "$1"; }
n=0
# again REPLYTO TEXT: Jane writes again, in reply to REPLYTO (a Message-ID); $F1 is the file.
again() {
    n=$((n + 1))
    F1="$T/again$n.eml"
    printf 'From: Jane Citizen <jane.citizen@public.test>\nTo: complaints@council.test\nSubject: Re: bins\nMessage-ID: <again-%s@public.test>\nIn-Reply-To: <%s>\n\n%s\n' \
        "$n" "$1" "$2" > "$F1"
}
msg_of() { sql "select id from messages where message_id = 'again-$1@public.test'"; }

# ---- Stage 1 answered; Jane writes again --------------------------------------------
"$R" ingest -q --received-at 2026-11-02T10:00:00Z "$F/01-new-complaint.eml"
C1=$(sql "select reference from cases")
"$R" case "$C1" respond --outcome not-upheld --at 2026-11-10T10:00:00Z >/dev/null
again c1-bins@public.test "The rubbish is back, worse than before."
"$R" ingest -q --received-at 2026-11-16T09:00:00Z "$F1"
M1=$(msg_of 1)
is "$(sql "select c.reference||' '||m.kind from messages m join cases c on c.id = m.case_id where m.id = $M1")" \
   "$C1 correspondence" "the mail is filed on its closed case"
is "$(sql "select count(*) from outbox where kind = 'staff-correspondence' and to_addr = 'manager@council.test'")" "1" \
   "the complaints manager is told (no handler)"
tri=$("$R" triage)
like "$tri" "Written on $C1 after it was closed (Stage 1 answered)" "it waits in triage, saying the case is closed"
like "$tri" "redress triage reopen $M1" "offering to reopen it"
like "$tri" "redress triage new $M1" "to make it a new complaint"
like "$tri" "redress triage stage2 $M1" "to take it as a Stage 2 request"
like "$tri" "redress triage assign $M1 $C1" "or to leave it on the case"
"$R" outbox flush -q --to "$T/out" --now 2026-11-16T09:05:00Z
like "$(cat "$T"/out/*correspondence* 2>/dev/null | tr -d '\r' | sed 's/=$//' | tr -d '\n')" "waits in triage" \
     "the notice says it waits in triage"

# reopen: Stage 1 again, counted from when the mail came.
out=$("$R" triage reopen "$M1")
is "$?" "0" "triage reopen exits 0"
like "$out" "reopened $C1" "and says what it did"
is "$(sql "select state from cases where reference = '$C1'")" "stage1" "the case is open at Stage 1 again"
is "$(sql "select received||' '||coalesce(responded,'-')||' '||coalesce(outcome,'-')||' '||response_due from stages where stage = 1")" \
   "2026-11-16 - - $("$R" workdays add 2026-11-16 10 | head -n 1 | cut -d' ' -f1)" \
   "its clock restarts from the mail's arrival: 10 working days"
like "$(sql "select detail from events where type = 'reopened'")" "Stage 1 reopened (it was closed on 2026-11-10, outcome not-upheld)" \
     "an event says what was reopened"
is "$(sql "select count(*) from triage where resolved_at is null")" "0" "triage is empty again"
"$R" triage reopen "$M1" 2>"$T/err"
is "$?" "1" "deciding the same message twice is refused"

# ---- stage2: the request in other words --------------------------------------------
"$R" case "$C1" respond --outcome not-upheld --at 2026-11-20T10:00:00Z >/dev/null
again again-1@public.test "I don't accept this. Somebody senior should look at it."
"$R" ingest -q --received-at 2026-11-23T09:00:00Z "$F1"
M2=$(msg_of 2)
"$R" triage stage2 "$M2" >/dev/null
is "$?" "0" "triage stage2 exits 0"
is "$(sql "select state from cases where reference = '$C1'")" "stage2" "the case is at Stage 2"
is "$(sql "select received from stages where stage = 2")" "2026-11-23" "Stage 2 counts from the mail's arrival"
is "$(sql "select kind from messages where id = $M2")" "stage2-request" "the message is the Stage 2 request"
is "$(sql "select count(*) from outbox where kind = 'stage2-acknowledgement'")" "1" "Stage 2 is acknowledged"

# ---- closed for good: no Stage 2 offer; new complaint -------------------------------
"$R" case "$C1" respond --outcome upheld --at 2026-12-01T10:00:00Z >/dev/null
is "$(sql "select state from cases where reference = '$C1'")" "closed" "after Stage 2 the case is closed"
again again-2@public.test "Now the bin store door is broken too."
"$R" ingest -q --received-at 2026-12-02T09:00:00Z "$F1"
M3=$(msg_of 3)
tri=$("$R" triage)
like "$tri" "redress triage reopen $M3" "a case closed for good can be reopened"
case "$tri" in *"triage stage2 $M3"*) ok=1 ;; *) ok=0 ;; esac
is "$ok" "0" "but there is no Stage 2 to offer"
"$R" triage stage2 "$M3" 2>"$T/err"
is "$?" "1" "triage stage2 on it is refused"
like "$(cat "$T/err")" "is closed" "saying why"
before=$(sql "select count(*) from cases")
out=$("$R" triage new "$M3")
is "$(sql "select count(*) from cases")" "$((before + 1))" "triage new opens a new case"
C2=$(sql "select reference from cases order by id desc limit 1")
is "$(sql "select c.reference from messages m join cases c on c.id = m.case_id where m.id = $M3")" "$C2" \
   "the message moves to the new case"
is "$(sql "select count(*) from outbox o join cases c on c.id = o.case_id where c.reference = '$C2' and o.kind = 'stage1-acknowledgement'")" "1" \
   "which is acknowledged"

# ---- correspondence only; a plain Stage 2 request is not offered ------------------
"$R" case "$C2" respond --outcome resolved --at 2026-12-03T10:00:00Z >/dev/null
again again-3@public.test "Thank you, the door is fixed."
"$R" ingest -q --received-at 2026-12-04T09:00:00Z "$F1"
M4=$(msg_of 4)
"$R" triage assign "$M4" "$C2" >/dev/null
is "$(sql "select state from cases where reference = '$C2'")" "stage1-closed" "triage assign leaves the case closed"
is "$(sql "select count(*) from triage where resolved_at is null")" "0" "and resolves the entry"
again again-4@public.test "I am not satisfied and want to escalate to stage 2."
"$R" ingest -q --received-at 2026-12-07T09:00:00Z "$F1"
is "$(sql "select state from cases where reference = '$C2'")" "stage2" "mail that asks for Stage 2 opens it by itself"
is "$(sql "select count(*) from triage where resolved_at is null")" "0" "and is not put in triage"

# ---- case REF reopen by hand -------------------------------------------------------
"$R" case "$C2" reopen --reason "Asked by the Chief Executive" 2>"$T/err"
is "$?" "1" "reopen of an open case is refused"
like "$(cat "$T/err")" "nothing to reopen" "saying so"
"$R" case "$C2" respond --outcome upheld --at 2026-12-08T10:00:00Z >/dev/null
out=$("$R" case "$C2" reopen --reason "Asked by the Chief Executive" --at 2026-12-09T10:00:00Z)
like "$out" "Stage 2 reopened" "reopen of a closed case reopens its last stage"
like "$out" "Asked by the Chief Executive" "with the reason"
is "$(sql "select state from cases where reference = '$C2'")" "stage2" "the case is at Stage 2 again"

done_testing
