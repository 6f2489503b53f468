#!/bin/sh
# test-report-facts.sh — the case facts the oversight reports count, and
# the statutory adult social care (reg 18) set, offline:
#   - `redress case REF cause|remedy|ombudsman` record them (each an
#     event) and refuse what cannot be counted: a cause outside the
#     council's categories, a decision without a finding, a future date;
#   - a response recorded on Friday whose letter left on Monday counts
#     from Monday (the letter's send event), in the SPSO and LGSCO sets;
#   - `report --set reg18` counts received, well-founded and referred
#     for adult social care cases only, in text, JSON, CSV and HTML.
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
cat > "$T/r.conf" <<'CONF'
[council]
name = Testshire Council
[procedure]
causes = service standards; policy; staff attitude; delay; communication
[services]
Adult social care = adult-social-care
CONF
RR() { "$R" --config "$T/r.conf" "$@"; }
q() { sqlite3 "$REDRESS_DB" "$1"; }
new() {  # NAME SERVICE RECEIVED-AT
    RR case new --name "$1" --email "$(echo "$1" | tr 'A-Z ' 'a-z.')@public.test" --channel phone \
        --summary "About $1" --service "$2" --received-at "$3" --at "$3" >/dev/null
    q "select reference from cases where summary = 'About $1'"
}

# ---- cause -------------------------------------------------------------------------
A=$(new "Ann Adams" "Adult social care" 2026-05-04T10:00:00Z)
RR case "$A" cause "Delay: the care assessment waited three weeks" --at 2026-05-05T10:00:00Z > "$T/out"
is "$?" "0" "cause: a category with detail is recorded"
is "$(q "select cause from cases where reference = '$A'")" "delay" "the category as configured, whatever its case"
like "$(q "select detail from events where type = 'cause'")" "Root cause: delay — the care assessment waited three weeks" \
     "the detail kept on the case journey"
RR case "$A" cause "Policyholder confusion" 2>"$T/err"
is "$?" "1" "a word that only starts with a category is refused"
like "$(cat "$T/err")" "service standards, policy, staff attitude, delay, communication" "naming the categories"
RR case "$A" cause "weather" 2>/dev/null
is "$?" "1" "a cause outside the list is refused"
is "$(q "select cause from cases where reference = '$A'")" "delay" "and the recorded one stays"
RR case "$A" cause "Staff attitude" --at 2026-05-06T10:00:00Z >/dev/null
is "$(q "select cause from cases where reference = '$A'")" "staff attitude" "a later cause replaces it"

# ---- remedy ------------------------------------------------------------------------
RR case "$A" remedy "Apology and £50 for time and trouble" --at 2026-05-06T10:00:00Z >/dev/null
is "$(q "select remedy from cases where reference = '$A'")" "Apology and £50 for time and trouble" "remedy recorded"
RR case "$A" remedy "  " 2>/dev/null
is "$?" "1" "an empty remedy is refused"

# ---- responses: counted from the day the letter left --------------------------------
# Ann: received on Monday 4 May 2026, the early May bank holiday, so day
# zero is Tuesday 5 May; the response is recorded on Friday 8 May (3
# working days) but its letter leaves on Monday 11 May (4).
RR case "$A" respond --outcome upheld --date 2026-05-08 --at 2026-05-08T16:00:00Z >/dev/null
is "$(q "select response_sent is null from stages where case_id = (select id from cases where reference = '$A')")" "1" \
   "no response_sent until the letter goes"
mkdir -p "$T/out.d"
RR outbox flush --to "$T/out.d" --now 2026-05-11T09:00:00Z >/dev/null
is "$(q "select response_sent from stages where case_id = (select id from cases where reference = '$A')")" "2026-05-11" \
   "the closing letter's sending sets response_sent"
is "$(q "select received from stages where case_id = (select id from cases where reference = '$A')")" "2026-05-05" \
   "day zero: 5 May (4 May 2026 was the early May bank holiday)"
out=$(RR report --period 2026-27 --json)
is "$(printf '%s' "$out" | jq -r .spso.average_working_days.stage1)" "4" \
   "SPSO: 4 working days, to the day the letter left (11 May), not the 3 to the day recorded"

# ---- Ombudsman ----------------------------------------------------------------------
RR case "$A" ombudsman decided --date 2026-09-01 --at 2026-09-02T10:00:00Z 2>"$T/err"
is "$?" "1" "decided without a finding: refused"
like "$(cat "$T/err")" "not-investigated" "listing the findings"
RR case "$A" ombudsman referred --date 2030-01-01 --at 2026-09-02T10:00:00Z 2>/dev/null
is "$?" "1" "a date in the future: refused"
RR case "$A" ombudsman referred --date 2026-06-15 --at 2026-06-16T10:00:00Z >/dev/null
is "$(q "select ombudsman_referred from cases where reference = '$A'")" "2026-06-15" "referral recorded"
RR case "$A" ombudsman decided --outcome partly-upheld --date 2026-06-01 --at 2026-09-02T10:00:00Z 2>/dev/null
is "$?" "1" "a decision before the referral: refused"
RR case "$A" ombudsman decided --outcome partly-upheld --date 2026-09-01 --at 2026-09-02T10:00:00Z >/dev/null
is "$(q "select ombudsman_decided || ' ' || ombudsman_outcome from cases where reference = '$A'")" \
   "2026-09-01 partly-upheld" "decision and finding recorded"
is "$(q "select count(*) from events where type like 'ombudsman-%'")" "2" "each an event"

# ---- reg 18 ------------------------------------------------------------------------
B=$(new "Bob Brown" "Adult social care" 2026-06-01T10:00:00Z)
RR case "$B" respond --outcome not-upheld --date 2026-06-10 --at 2026-06-10T10:00:00Z >/dev/null
C=$(new "Cat Cole" "Adult social care" 2026-07-01T10:00:00Z)   # still open
D=$(new "Dan Dare" "Housing" 2026-06-01T10:00:00Z)              # not social care
RR case "$D" respond --outcome upheld --date 2026-06-03 --at 2026-06-03T10:00:00Z >/dev/null
RR case "$D" ombudsman referred --date 2026-07-01 --at 2026-07-01T10:00:00Z >/dev/null
E=$(new "Eve Evans" "Adult social care" 2025-12-01T10:00:00Z)  # the year before
RR case "$E" ombudsman referred --date 2026-04-20 --at 2026-04-20T10:00:00Z >/dev/null
out=$(RR report --period 2026-27 --set reg18 --json)
r() { printf '%s' "$out" | jq -r "$1"; }
is "$(r .reg18.received)" "3" "reg 18: three adult social care complaints received in the year (not Housing, not last year's)"
is "$(r .reg18.decided)" "2" "two decided"
is "$(r .reg18.well_founded)" "1" "one well-founded (upheld)"
is "$(r .reg18.referred_to_ombudsman)" "2" "two referrals learned of in the year (one from last year's complaint)"
is "$(r .reg18.ombudsman_decided) $(r .reg18.ombudsman_upheld)" "1 1" "one Ombudsman decision, partly upheld"
is "$(r '.reg18.decided_by_cause | to_entries | map("\(.key)=\(.value)") | join(" ")')" \
   "not recorded=1 staff attitude=1" "decided, by cause"
is "$(r 'has("spso")')" "false" "only the set asked for"
RR report --period 2026-27 --set reg18 --format csv > "$T/r.csv"
is "$(head -n 1 "$T/r.csv" | tr -d '\r')" "indicator,measure,value" "CSV: a header row"
is "$(grep '^well-founded,number' "$T/r.csv" | tr -d '\r')" "well-founded,number,1" "CSV: well-founded"
text=$(RR report --period 2026-27 --set reg18)
like "$text" "adult social care complaints 2026-04-01 to 2027-03-31" "text: the period"
like "$text" "Decided well-founded (upheld or partly)" "text: well-founded"
RR report --period 2026-27 --set all --format html --out "$T/r.html"
like "$(cat "$T/r.html")" "Statutory adult social care complaints" "HTML: the reg 18 table"
all=$(RR report --period 2026-27 --set all --json)
is "$(printf '%s' "$all" | jq -r '[has("spso"), has("lgsco"), has("reg18"), has("trend")] | join(" ")')" \
   "true true true true" "all: every set, and the trend"
is "$(printf '%s' "$all" | jq -r '.trend | map(.label) | join(" ")')" "2022-23 2023-24 2024-25 2025-26 2026-27" \
   "the trend: this financial year and the four before it"
is "$(printf '%s' "$all" | jq -r '.trend[4].spso.received')" "$(printf '%s' "$all" | jq -r '.spso.received')" \
   "the trend's last period is this one"

# ---- refusals, and where few complaints came from ------------------------------------
RR case "$D" escalate --decline "Stage 1 answered every point" --at 2026-06-15T10:00:00Z >/dev/null
F=$(new "Fay Fox" "Housing" 2026-06-02T10:00:00Z)
RR case "$F" close --outcome excluded --reason "A matter for the tribunal" --at 2026-06-03T10:00:00Z >/dev/null
out=$(RR report --period 2026-27 --set lgsco --json)
l() { printf '%s' "$out" | jq -r "$1"; }
is "$(l .lgsco.declined) $(l .lgsco.excluded)" "1 1" "LGSCO: a Stage 2 request refused, a complaint excluded"
is "$(l '[.lgsco.refused[] | "\(.reference)/\(.stage)/\(.what)/\(.date)/\(.service)"] | join(" ")')" \
   "$F/1/excluded/2026-06-03/Housing $D/2/declined/2026-06-15/Housing" "listed by reference, by date, with the service"
case "$out" in *tribunal*|*"every point"*) leak=1 ;; *) leak=0 ;; esac
is "$leak" "0" "the reasons (free text) are not in the report"
is "$(l '[.lgsco.few_or_none[] | "\(.service // .channel)=\(.received)"] | join(" ")')" \
   "adult social care=3 children's services=0 chief-executive=0 email=0 forwarded=0 in-person=0 letter=0 monitoring-officer=0 stage2-mailbox=0" \
   "services and channels with fewer than 5 complaints: configured services (Housing is not one here), then channels (phone had 5)"
is "$(l '.lgsco.by_service.Housing | "\(.received) \(.responded) \(.responded_on_time) \(.well_founded)"')" "2 1 1 1" \
   "by service: Housing received 2, one responded, on time, upheld"
is "$(l '.lgsco.by_channel.phone.received')" "5" "by channel: phone 5"
text=$(RR report --period 2026-27 --set lgsco)
like "$text" "Services and channels with fewer than 5 complaints" "text: the few-or-none list"
like "$text" "$D    Stage 2 declined   2026-06-15  Housing" "text: the refusals by reference"

# ---- the annual report's written parts ----------------------------------------------
printf 'We meet the Code in full.\n\nTwo <b>gaps</b> remain: & we are closing them.\n' > "$T/self.txt"
cat >> "$T/r.conf" <<CONF
[reports]
self_assessment = $T/self.txt
ombudsman_letter = $T/no-such-letter.txt
governance = the Audit and Governance Committee
CONF
RR config check >/dev/null 2>"$T/err"
is "$?" "1" "config check: an Ombudsman letter that cannot be read is an error"
like "$(cat "$T/err")" "r.conf:" "with FILE:LINE"
like "$(cat "$T/err")" "ombudsman_letter $T/no-such-letter.txt: cannot read it" "naming the file"
out=$(RR report --period 2026-27 --set lgsco --json)
is "$(printf '%s' "$out" | jq -r .annual_report.self_assessment)" "$(printf 'We meet the Code in full.\n\nTwo <b>gaps</b> remain: & we are closing them.')" \
   "JSON: the self-assessment, as written"
like "$(printf '%s' "$out" | jq -r .annual_report.ombudsman_letter)" "could not be read" \
   "a file that cannot be read leaves a gap saying so, not silence"
RR report --period 2026-27 --set lgsco --format html --out "$T/l.html"
like "$(cat "$T/l.html")" "<p>Two &lt;b&gt;gaps&lt;/b&gt; remain: &amp; we are closing them.</p>" \
     "HTML: the self-assessment as escaped paragraphs (nothing in it becomes markup)"
like "$(cat "$T/l.html")" "To be completed after the Audit and Governance Committee has considered this report" \
     "HTML: the governance slot names who responds"
like "$(RR report --period 2026-27 --set lgsco)" "Governance response" "text: the governance slot"

RR report --period 2026-27 --set spso,reg18 --format csv 2>"$T/err"
is "$?" "1" "CSV of two sets: refused"

done_testing
