#!/bin/sh
# test-report.sh — `redress report`, offline:
#   - a published table reproduced: Fife Council's SPSO indicators for
#     2016/17 (2,626 received, 2,149 closed: 1,648 at Stage 1, 385 at
#     Stage 2 directly, 116 after escalation; population 367,260) from
#     generated case histories (tests/report/fife.py), in JSON, CSV and
#     text;
#   - cases worked through `redress case`, counted on the path they took,
#     and the LGSCO / Housing Ombudsman figures for them;
#   - periods and options that are refused.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (make deps installs it)"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
F=tests/fixtures/mail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset REDRESS_CONFIG

# ---- Fife 2016/17 --------------------------------------------------------------------
export REDRESS_DB="$T/fife.db"
printf '[council]\nname = Fife Council\npopulation = 367260\n' > "$T/fife.conf"
RF() { "$R" --config "$T/fife.conf" "$@"; }
RF sweep -q --now 2016-04-01T09:00:00Z 2>/dev/null    # a database with the schema
python3 -B tests/report/fife.py "$REDRESS_DB" > "$T/expect"
want() { sed -n "s/^$1=//p" "$T/expect"; }
RF report --period 2016-17 --format json > "$T/r.json"
is "$?" "0" "report --format json exits 0"
j() { jq -r "$1" "$T/r.json"; }
is "$(j '.period.from + " " + .period.to')" "2016-04-01 2017-03-31" "the financial year 2016-17"
is "$(j .spso.received)" "2626" "2,626 received"
is "$(j .spso.closed)" "2149" "2,149 closed"
is "$(j .spso.closed_by_path.stage1)" "1648" "1,648 closed at Stage 1"
is "$(j .spso.closed_by_path.stage2_direct)" "385" "385 at Stage 2 directly"
is "$(j .spso.closed_by_path.escalated)" "116" "116 after escalation"
is "$(j .spso.received_per_1000)" "7.2" "7.2 received per 1,000 people"
is "$(j .spso.closed_per_1000)" "5.9" "5.9 closed per 1,000 people"
is "$(j .spso.closed_by_path_percent.stage1)" "76.7" "76.7% of those closed at Stage 1"
for p in stage1 stage2_direct escalated; do
    is "$(j .spso.within_timescale.$p)" "$(want within_$p)" "$p: within timescale as generated"
    is "$(j .spso.extended.$p)" "$(want extended_$p)" "$p: extended as generated"
    is "$(printf '%.1f' "$(j .spso.average_working_days.$p)")" "$(want avg_$p)" "$p: average working days as generated"
    is "$(j ".spso.outcomes.$p.upheld") $(j ".spso.outcomes.$p[\"partly-upheld\"]") $(j ".spso.outcomes.$p[\"not-upheld\"]") $(j ".spso.outcomes.$p.resolved")" \
       "$(want out_${p}_upheld) $(want out_${p}_partly_upheld) $(want out_${p}_not_upheld) $(want out_${p}_resolved)" \
       "$p: outcomes as generated"
done
RF report --period 2016-17 --format csv --out "$T/r.csv"
is "$(head -n 1 "$T/r.csv" | tr -d '\r')" "indicator,measure,stage1,stage2_direct,escalated,all" "CSV: a header row"
is "$(grep '^closed,number' "$T/r.csv" | tr -d '\r')" "closed,number,1648,385,116,2149" "CSV: closed by path"
check "CSV: CRLF line ends, as spreadsheets expect" sh -c "head -n 1 '$T/r.csv' | od -c | grep -q '\\\\r'"
text=$(RF report --period 2016-17)
like "$text" "Fife Council — complaints 2016-04-01 to 2017-03-31" "text: the council and the period"
like "$text" "Received    2626   7.2 per 1,000 people" "text: received, per 1,000"
like "$text" "Closed      2149   5.9 per 1,000 people" "text: closed, per 1,000"
is "$(RF report --period 2016Q2 --json | jq -r .spso.received)" \
   "$(sqlite3 "$REDRESS_DB" "select count(*) from stages where stage = 1 and received between '2016-04-01' and '2016-06-30'")" \
   "a calendar quarter counts only its own receipts (2016Q2 is April to June)"
is "$(RF report --period 2015-16 --json | jq -r '.spso.received + .spso.closed')" "0" "nothing in the year before"

# ---- cases worked through redress case ------------------------------------------------
export REDRESS_DB="$T/cases.db"
"$R" ingest -q --received-at 2026-06-01T10:00:00Z "$F/01-new-complaint.eml"
C1=$(sqlite3 "$REDRESS_DB" "select reference from cases")
"$R" case "$C1" respond --outcome not-upheld --date 2026-06-04 --at 2026-06-04T10:00:00Z >/dev/null
"$R" case "$C1" escalate --at 2026-06-08T10:00:00Z >/dev/null
out=$("$R" report --period 2026-27 --json)
is "$(printf '%s' "$out" | jq -r '.spso.closed')" "0" "Stage 2 open: the complaint is not closed yet"
"$R" case "$C1" respond --outcome upheld --date 2026-06-22 --at 2026-06-22T10:00:00Z >/dev/null
out=$("$R" report --period 2026-27 --json)
is "$(printf '%s' "$out" | jq -r '.spso.closed_by_path.escalated')" "1" "answered at Stage 2: closed after escalation"
is "$(printf '%s' "$out" | jq -r '.spso.closed_by_path.stage1')" "0" "and not counted at Stage 1 as well"
is "$(printf '%s' "$out" | jq -r '.spso.outcomes.escalated.upheld')" "1" "with the Stage 2 outcome"
is "$(printf '%s' "$out" | jq -r '.spso.average_working_days.escalated')" "10" \
   "10 working days from Stage 2's day zero (8 June) to 22 June"
is "$(printf '%s' "$out" | jq -r '.population')" "null" "no population configured: null"
is "$(printf '%s' "$out" | jq -r '.spso.received_per_1000')" "null" "and no figure per 1,000"

# ---- the LGSCO / Housing Ombudsman figures -----------------------------------------
"$R" case new --name "Dai Morgan" --email dai@public.test --channel phone --summary "Street light" \
    --received-at 2026-07-01T10:00:00Z --at 2026-07-01T10:00:00Z >/dev/null
"$R" case new --name "Ann Other" --email ann@public.test --channel letter --summary "Fence" \
    --received-at 2026-07-01T10:00:00Z --at 2026-07-01T10:00:00Z >/dev/null
C3=$(sqlite3 "$REDRESS_DB" "select reference from cases where summary = 'Fence'")
"$R" case "$C3" close --outcome withdrawn --reason "Sorted with the neighbour" --at 2026-07-02T10:00:00Z >/dev/null
out=$("$R" report --period 2026-27 --set lgsco --json)
l() { printf '%s' "$out" | jq -r "$1"; }
is "$(l .lgsco.received)" "3" "lgsco: three received"
is "$(l .lgsco.stage2_received)" "1" "one Stage 2"
is "$(l '.lgsco.received_by_channel | to_entries | map("\(.key)=\(.value)") | join(" ")')" "email=1 letter=1 phone=1" \
   "received by channel"
is "$(l .lgsco.withdrawn)" "1" "the withdrawn one is counted as withdrawn"
is "$(l .lgsco.responded.stage1) $(l .lgsco.responded.stage2)" "1 1" "responses at each stage"
like "$(l '[.lgsco.outside_timescales[] | .reference + " " + .what] | join(", ")')" "response" \
     "the phone complaint, never acknowledged nor answered, is outside the timescales"
case "$(l '[.lgsco.outside_timescales[].reference] | join(" ")')" in *"$C3"*) ok=1 ;; *) ok=0 ;; esac
is "$ok" "0" "the withdrawn one is not"
both=$("$R" report --period 2026-27 --set all --json)
is "$(printf '%s' "$both" | jq -r '(.spso | type) + " " + (.lgsco | type)')" "object object" "--set all: both sets in one document"
text=$("$R" report --period 2026-27 --set hos)
like "$text" "LGSCO / Housing Ombudsman annual figures" "--set hos is the same report"
like "$text" "Outside the timescales" "with the list by reference"
"$R" report --period 2026-27 --set all --format csv 2>"$T/err"
is "$?" "1" "CSV of two sets: exit 1"
like "$(cat "$T/err")" "CSV file holds one set" "saying which to give"
"$R" report --period 2026-27 --set lgsco --format csv > "$T/l.csv"
is "$(head -n 1 "$T/l.csv" | tr -d '\r')" "indicator,measure,stage1,stage2,all" "lgsco CSV: its header"

# ---- refused -----------------------------------------------------------------------
"$R" report --period 2026Q5 2>"$T/err"
is "$?" "1" "a period that is not one: exit 1"
like "$(cat "$T/err")" "is not a period" "saying what periods look like"
"$R" report --set spso,ombudsman 2>"$T/err"
is "$?" "1" "an unknown set: exit 1"
like "$(cat "$T/err")" "reg18 or all" "naming the sets there are"
"$R" report --format xml 2>/dev/null
is "$?" "1" "an unknown format: exit 1"

done_testing
