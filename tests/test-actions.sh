#!/bin/sh
# test-actions.sh — learning actions, offline (README "Learning actions"):
#   - `redress actions add|list|agree|done|verify|drop|extend` with their
#     exit statuses, --json and --overdue, every change an event;
#   - #action on a staff reply to a case, and #done, #verified, #extend in
#     replies to an action's letter (its reply address names the action);
#   - the sweep's letters on the right working days (time moved with
#     --now): the reminder 5 working days before the target date, the
#     overdue letter on the first working day after, the escalation to the
#     complaints manager once, 5 working days after;
#   - the public digest lists publishable completed actions by service,
#     with no names, addresses or references.
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
CONF
# Warnings (the from-only policy, the computed calendar) go to a log;
# RE keeps the stderr of what is refused in $T/err.
RR() { "$R" --config "$T/r.conf" "$@" 2>>"$T/log"; }
RE() { "$R" --config "$T/r.conf" "$@" 2>"$T/err"; }
q() { sqlite3 "$REDRESS_DB" "$1"; }

# A complaint on Monday 1 June 2026.
printf 'From: Ann Adams <ann@public.test>\nTo: complaints@council.test\nSubject: Bins missed\nMessage-ID: <c1@public.test>\n\nMy bins were missed three weeks running.\n' > "$T/c1.eml"
RR ingest -q --received-at 2026-06-01T09:00:00Z "$T/c1.eml"
C1=CMP-2026-000001
is "$(q "select reference from cases")" "$C1" "a case to learn from"

# ---- the command line ---------------------------------------------------------------
RE actions add --case "$C1" --owner jo@council.test --due 2026-05-01 --text "x" --at 2026-06-01T10:00:00Z >/dev/null
is "$?" "1" "a target date already past is refused"
like "$(cat "$T/err")" "has passed already; nothing changed" "and says so"
RE actions add --owner jo@council.test --due 2026-06-19 --text "x" --at 2026-06-01T10:00:00Z
is "$?" "1" "an action needs a case or a service"
RE actions add --case CMP-2026-000099 --owner jo@council.test --due 2026-06-19 --text "x" --at 2026-06-01T10:00:00Z
is "$?" "1" "an unknown case is refused"
like "$(cat "$T/err")" "no case CMP-2026-000099" "naming it"
RR actions add --case "cmp 2026 1" --owner Jo@Council.Test --due 2026-06-19 \
    --text "Crews get the new round lists the day they change" --publishable --at 2026-06-01T10:00:00Z > "$T/out"
is "$?" "0" "add on a case, the reference typed loosely"
like "$(cat "$T/out")" "action 1 proposed" "it starts proposed without an authorising manager"
is "$(q "select owner||' '||status||' '||coalesce(service,'-') from actions where id = 1")" "jo@council.test proposed -" \
   "owner folded to lower case"
is "$(q "select count(*) from events where type = 'learning-action'")" "1" "the case's journey says an action came of it"
RR actions agree 1 --at 2026-06-01T11:00:00Z >/dev/null
is "$(q "select status from actions where id = 1")" "agreed" "agree"
RE actions agree 1
is "$?" "1" "agreeing twice is refused"
like "$(cat "$T/err")" "it is agreed already" "and says why"
RE actions verify 1
is "$?" "1" "verify before done is refused"
RR actions add --service "Waste" --owner jo@council.test --due 2026-07-31 --authorised-by morgan@council.test \
    --text "Missed-bin reports go to the crew supervisor within a day" --at 2026-06-01T10:00:00Z >/dev/null
is "$(q "select status||' '||service||' '||authorised_by from actions where id = 2")" \
   "agreed Waste morgan@council.test" "add on a service alone, authorised: agreed at once"
RR --json actions list > "$T/list.json"
is "$(jq -r 'length' "$T/list.json")" "2" "list --json"
is "$(jq -r '.[0].cases[0]' "$T/list.json")" "$C1" "with its cases"
RR actions list --overdue --now 2026-06-22T09:00:00Z > "$T/out"
like "$(cat "$T/out")" "1 action" "--overdue: only the one past its date"
like "$(cat "$T/out")" "2026-06-19" "listing its date"

# ---- the sweep: right working days ---------------------------------------------------
# Target Friday 19 June: reminder Friday 12 June (5 working days before),
# overdue Monday 22 June, escalation Friday 26 June.
sweep() { RR sweep --now "$1" > "$T/sweep.out"; }
sweep 2026-06-11T08:00:00Z
is "$(q "select count(*) from outbox where kind like 'action-%'")" "0" "nothing on Thursday 11 June"
sweep 2026-06-12T08:00:00Z
is "$(q "select to_addr from outbox where kind = 'action-reminder'")" "jo@council.test" "reminder to the owner on Friday 12 June"
like "$(cat "$T/sweep.out")" "action 1" "the sweep says so"
sweep 2026-06-15T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'action-reminder'")" "1" "reminded once"
sweep 2026-06-20T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'action-overdue'")" "0" "not overdue on Saturday 20 June"
sweep 2026-06-22T08:00:00Z
is "$(q "select to_addr from outbox where kind = 'action-overdue'")" "jo@council.test" "overdue on Monday 22 June"
sweep 2026-06-25T08:00:00Z
is "$(q "select count(*) from outbox where kind like 'action-%'")" "2" "nothing more until the escalation"
sweep 2026-06-26T08:00:00Z
is "$(q "select to_addr from outbox where kind = 'action-escalated'")" "morgan@council.test" \
   "escalated to the complaints manager on Friday 26 June"
sweep 2026-06-29T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'action-escalated'")" "1" "escalated once"
REPLY=$(q "select raw from outbox where kind = 'action-reminder'" | grep -i '^Reply-To:' | sed 's/^[^:]*: *//; s/[<>]//g' | tr -d '\r')
like "$REPLY" "complaints+act-1-" "the reminder's Reply-To names the action"
is "$(q "select count(*) from action_events where action_id = 1 and type = 'letter-queued'")" "3" \
   "each letter an event on the action"

# ---- replies by mail -------------------------------------------------------------------
mail() {  # NAME FROM TO BODY
    printf 'From: %s\nTo: %s\nSubject: Re: action\nMessage-ID: <%s@council.test>\n\n%s\n' "$2" "$3" "$1" "$4" > "$T/$1.eml"
    RR ingest -q --received-at "$5" "$T/$1.eml"
}
mail m1 "Jo Bloggs <jo@council.test>" "$REPLY" "#extend 2026-07-10 the new lists are at the printer" 2026-06-29T10:00:00Z
is "$(q "select due||' '||status from actions where id = 1")" "2026-07-10 agreed" "#extend by the owner moves the date"
like "$(q "select detail from action_events where type = 'action-extended'")" "from 2026-06-19 to 2026-07-10" \
     "recorded with both dates"
is "$(q "select actor from action_events where type = 'action-extended'")" "jo@council.test" "and who did it"
like "$(q "select raw from outbox where kind = 'command-result'" | tr -d '\r')" "Done:" "a command-result goes back"
# The new date earns a new reminder and overdue letter, but no second escalation.
sweep 2026-07-03T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'action-reminder'")" "2" "a new reminder for the new date"
sweep 2026-07-20T08:00:00Z
is "$(q "select count(*) from outbox where kind = 'action-overdue'")" "2" "a new overdue letter"
is "$(q "select count(*) from outbox where kind = 'action-escalated'")" "1" "still escalated only once"
mail m2 "Jo Bloggs <jo@council.test>" "$REPLY" "#verified" 2026-07-20T10:00:00Z
like "$(q "select raw from outbox where kind = 'command-result' order by id desc limit 1" | tr -d '\r' | tr -d '\n' | sed 's/=//g')" \
     "only a complaints manager" "the owner may not verify"
mail m3 "Jo Bloggs <jo@council.test>" "$REPLY" "#done Lists issued 13 July; copy at http://intranet/bins" 2026-07-20T11:00:00Z
is "$(q "select status||' '||done_on||' '||evidence from actions where id = 1")" \
   "done 2026-07-20 Lists issued 13 July; copy at http://intranet/bins" "#done with the evidence"
# Morgan's own reply address for action 1 is in the escalation letter.
MREPLY=$(q "select raw from outbox where kind = 'action-escalated'" | grep -i '^Reply-To:' | sed 's/^[^:]*: *//; s/[<>]//g' | tr -d '\r')
mail m4 "Jo Bloggs <jo@council.test>" "$MREPLY" "#done again" 2026-07-20T12:00:00Z
is "$(q "select count(*) from action_events where type = 'action-done'")" "1" \
   "#done on an action done already changes nothing"
mail m5 "Morgan Lee <morgan@council.test>" "$MREPLY" "#verified checked with the crews" 2026-07-21T09:00:00Z
is "$(q "select status from actions where id = 1")" "verified" "#verified by the complaints manager"

# #action on a staff reply to the case.
printf 'From: Morgan Lee <morgan@council.test>\nTo: complaints@council.test\nSubject: Re: %s\nMessage-ID: <m6@council.test>\n\n#action jo@council.test 2026-09-30 Round changes are texted to residents\n' "$C1" > "$T/m6.eml"
RR ingest -q --received-at 2026-07-21T10:00:00Z "$T/m6.eml"
is "$(q "select status||' '||owner||' '||due||' '||authorised_by from actions where id = 3")" \
   "agreed jo@council.test 2026-09-30 morgan@council.test" "#action from a complaints manager: agreed"
is "$(q "select count(*) from action_cases ac join cases c on c.id = ac.case_id where ac.action_id = 3 and c.reference = '$C1'")" "1" \
   "on the case it was written about"
RR actions drop 3 --reason "covered by action 2" >/dev/null
is "$(q "select status from actions where id = 3")" "dropped" "drop"
RR actions done 3 --evidence x 2>/dev/null
is "$?" "1" "a dropped action cannot be done"

# ---- the public digest ------------------------------------------------------------------
RR actions publish 2 >/dev/null
RR actions done 2 --evidence "Supervisor rota from 1 July, see jo@council.test" --at 2026-07-01T10:00:00Z >/dev/null
q "update actions set text = text || ' (from CMP-2026-000001, raised by ann@public.test)' where id = 2"
RR actions digest --period 2026-27 --out "$T/digest.html" > "$T/out"
is "$?" "0" "digest"
like "$(cat "$T/out")" "2 actions" "two publishable completed actions"
D=$(cat "$T/digest.html")
like "$D" "<h2>Waste</h2>" "by service"
like "$D" "Crews get the new round lists" "the action's text"
like "$D" "[reference removed]" "references taken out"
case "$D" in *@*|*CMP-2026*|*Jo\ Bloggs*|*intranet*) r=leak ;; *) r=clean ;; esac
is "$r" "clean" "no addresses, references, names or evidence"
RR actions digest --period 2025Q1 --out "$T/empty.html" > "$T/out"
like "$(cat "$T/empty.html")" "No changes to report" "an empty period says so"

# ---- in the LGSCO / HOS report: service improvements --------------------------------------
out=$(RR report --period 2026-27 --set lgsco --json)
is "$(printf '%s' "$out" | jq -r '.service_improvements.completed | length')" "2" \
   "report: the two publishable actions completed in the year"
is "$(printf '%s' "$out" | jq -r '[.service_improvements.completed[] | .service // "none"] | join(",")')" "Waste,none" \
   "by service (an action on a case alone has none)"
is "$(printf '%s' "$out" | jq -r '.service_improvements.by_status | "\(.verified) \(.done) \(.dropped)"')" "1 1 1" \
   "and every action counted by status"
like "$(RR report --period 2026-27 --set lgsco)" "Service improvements" "text: the section"
is "$(RR report --period 2026-27 --json | jq -r '.service_improvements.completed | length')" "2" \
   "the SPSO set has them too (its learning statement)"
RR report --period 2026-27 --set lgsco --format html --out "$T/l.html"
like "$(cat "$T/l.html")" "<h2>Service improvements</h2>" "HTML: the section"

# ---- history ----------------------------------------------------------------------------
RR actions show 1 > "$T/out"
like "$(cat "$T/out")" "action-verified" "show: the history"
like "$(cat "$T/out")" "cli:officer1" "with who did each change"

done_testing
