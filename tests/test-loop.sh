#!/bin/sh
# test-loop.sh — mail that would open a case but looks like a machine
# answering our letters goes to triage with the reason, offline:
#   - an auto-responder without RFC 3834 headers: the same subject and text again
#     within loop_window_hours;
#   - one whose text changes every time, answering within
#     loop_quick_seconds of our letter more than loop_quick_max times;
#   - the daily cap counts cases opened for one sender as well as letters;
#   - a person can still open a case from triage; the checks can be off.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
n=0
# mail FROM SUBJECT TEXT: a message file in $F, each with its own
# Message-ID (not in a subshell: $n counts).
mail() {
    n=$((n + 1))
    F="$T/m$n.eml"
    printf 'From: %s\nTo: complaints@council.example\nSubject: %s\nMessage-ID: <loop-%s@public.test>\n\n%s\n' \
        "$1" "$2" "$n" "$3" > "$F"
}
cases_of() { sql "select count(*) from cases c join people p on p.id = c.complainant_id where p.email = '$1'"; }
flush() { "$R" outbox flush -q --to "$T/out" --now "$1"; }

# ---- an auto-responder that repeats itself ---------------------------------------
A=away@public.test
mail "Ann Away <$A>" "Broken paving" "The paving on Mill Lane is broken."
"$R" ingest -q --received-at 2026-11-23T10:00:00Z "$F"
flush 2026-11-23T10:00:30Z
# It answers the acknowledgement (no Auto-Submitted, no In-Reply-To, no
# reference): the first answer looks like new mail and opens a case …
mail "Ann Away <$A>" "Thank you for your email" "I am away from the office until Monday 30 November."
"$R" ingest -q --received-at 2026-11-23T10:00:33Z "$F"
is "$(cases_of $A)" "2" "the auto-responder's first answer opens a case (it cannot be told from a complaint yet)"
flush 2026-11-23T10:01:00Z
# … its answer to that case's acknowledgement is the same text: a loop.
mail "Ann Away <$A>" "Thank you for your email" "I am away from the office until Monday 30 November."
out=$("$R" ingest --json --received-at 2026-11-23T10:01:04Z "$F")
is "$(cases_of $A)" "2" "the same text again within hours opens no case"
like "$out" '"kind":"triage"' "it goes to triage"
tri=$("$R" triage)
like "$tri" "Possible automatic loop: the same subject and text came from $A within the last 6 hours" "with the reason"
# The same text a day later is not a loop (a person may write it again).
mail "Ann Away <$A>" "Thank you for your email" "I am away from the office until Monday 30 November."
"$R" ingest -q --received-at 2026-11-24T12:00:00Z "$F"
is "$(cases_of $A)" "3" "the same text outside the window opens a case as usual"

# Two complaints with the same words under different subjects are a
# person's ("Please see the attached photo."), not a loop.
S=same@public.test
mail "Sam Same <$S>" "Pothole on Mill Lane" "Please look into this."
"$R" ingest -q --received-at 2026-11-23T11:00:00Z "$F"
mail "Sam Same <$S>" "Street light out on Heol y Nant" "Please look into this."
"$R" ingest -q --received-at 2026-11-23T11:05:00Z "$F"
is "$(cases_of $S)" "2" "the same text under another subject opens a case"

# ---- an auto-responder whose text changes, answering within seconds ---------------
Q=quick@public.test
mail "Quick Reply <$Q>" "Noise at night" "Loud music every night from number 4."
"$R" ingest -q --received-at 2026-11-25T09:00:00Z "$F"
for k in 1 2 3; do
    flush "2026-11-25T09:0${k}:00Z"
    mail "Quick Reply <$Q>" "Ticket $k" "Your message has been received as ticket number 1000$k."
    "$R" ingest -q --received-at "2026-11-25T09:0${k}:05Z" "$F"
done
is "$(cases_of $Q)" "3" "answers within seconds of our letter: the third opens no case (loop_quick_max 2)"
like "$("$R" triage)" "Possible automatic loop: $Q has answered our letters within 60 seconds 3 times in 24 hours" \
     "triage says why"
# A message from them that did not come straight after a letter is a new complaint again.
mail "Quick Reply <$Q>" "Another matter" "The bins were missed again."
"$R" ingest -q --received-at 2026-11-25T15:00:00Z "$F"
is "$(cases_of $Q)" "3" "… but more quick answers in the day still count (3 > 2)"

# ---- the daily cap counts cases opened -------------------------------------------
P=prolific@public.test
for k in 1 2 3 4 5 6; do
    mail "Pat Prolific <$P>" "Complaint $k" "This is complaint number $k, about something else."
    "$R" ingest -q --received-at "2026-11-26T0${k}:00:00Z" "$F"
done
is "$(cases_of $P)" "5" "five cases for one sender in a day; the sixth complaint waits in triage"
like "$("$R" triage)" "5 cases were opened for $P in the last 24 hours, the daily cap" "triage says why"
# A person decides it is real: triage new opens it.
M6=$(sql "select m.id from messages m join triage t on t.msg_id = m.id where m.from_email = '$P' and t.resolved_at is null")
"$R" triage new "$M6" >/dev/null
is "$(cases_of $P)" "6" "triage new opens the case a person decided was real"
# The next day the count starts again.
mail "Pat Prolific <$P>" "Complaint 7" "And a seventh, the next day."
"$R" ingest -q --received-at 2026-11-27T09:00:00Z "$F"
is "$(cases_of $P)" "7" "the next day a complaint opens a case again"

# ---- checks off ------------------------------------------------------------------
printf '[letters]\nloop_window_hours = 0\nloop_quick_max = 0\ndaily_cap = 1000\n' > "$T/off.conf"
export REDRESS_DB="$T/off.db"
O=twice@public.test
mail "Tom Twice <$O>" "Bins" "Bins not emptied."
"$R" --config "$T/off.conf" ingest -q --received-at 2026-11-23T10:00:00Z "$F"
mail "Tom Twice <$O>" "Bins" "Bins not emptied."
"$R" --config "$T/off.conf" ingest -q --received-at 2026-11-23T10:05:00Z "$F"
is "$(cases_of $O)" "2" "with loop_window_hours = 0 the same text opens a case"
"$R" --config "$T/off.conf" config check >/dev/null 2>&1
is "$?" "0" "the keys pass config check"
printf '[letters]\nloop_quick_seconds = 0\n' > "$T/bad.conf"
"$R" --config "$T/bad.conf" config check > "$T/err" 2>&1
is "$?" "1" "loop_quick_seconds = 0 is refused by config check"
like "$(cat "$T/err")" "loop_quick_seconds" "naming the key"

done_testing
