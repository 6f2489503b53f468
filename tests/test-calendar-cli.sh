#!/bin/sh
# test-calendar-cli.sh — `redress holidays` and `redress workdays` through
# the real binary: computed and file years for the three nations, closures,
# --json, and the exit codes and messages of bad input.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="${RD_REDRESS:-$PWD/$RD_BUILD/redress}"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
if "$R" holidays 2026 2>&1 | grep -q "unknown command"; then
    skip_all "holidays/workdays are not in main.c's command table yet"
fi
BH=examples/bank-holidays.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset REDRESS_CONFIG REDRESS_DB

# Exit status of a command, its output thrown away.
status() { "$@" >/dev/null 2>&1; echo $?; }

# 1. Computed years, one per nation.
out=$("$R" holidays 2026)
like "$out" "england-and-wales 2026: bank holidays computed from the rules" "header names nation and source"
like "$out" "2026-12-28 Mon  computed  Boxing Day (substitute day)" "Boxing Day on a Saturday: Monday substitute"
like "$out" "8 days" "8 bank holidays in England and Wales"
is "$("$R" holidays 2026 --quiet | wc -l)" "8" "--quiet prints the days only"
out=$("$R" holidays 2025 --nation scotland)
like "$out" "2025-12-01 Mon  computed  St Andrew’s Day (substitute day)" "St Andrew's Day substitute"
like "$out" "2025-01-02 Thu  computed  2nd January" "2 January in Scotland"
like "$out" "9 days" "9 in Scotland"
out=$("$R" holidays 2025 --nation northern-ireland)
like "$out" "2025-07-14 Mon  computed  Battle of the Boyne" "Boyne substitute"
like "$out" "10 days" "10 in Northern Ireland"
out=$("$R" holidays 2022 -n scotland)
like "$out" "2022-01-04 Tue" "Scottish 1-2 January cascade (2022)"
like "$out" "2022-09-19 Mon  computed  Bank Holiday for the State Funeral" "state funeral"

# 2. The official file: its years from the file, others computed.
out=$("$R" holidays 2027 --bank-holidays "$BH")
like "$out" "bank holidays from the bank-holidays file" "2027 from the file"
like "$out" "2027-12-27 Mon  file      Christmas Day (substitute day)" "file day with its substitute note"
out=$("$R" holidays 2031 --bank-holidays "$BH")
like "$out" "computed from the rules" "2031 is beyond the file: computed"
cat >"$T/fake.json" <<'EOF'
{"england-and-wales":{"division":"england-and-wales","events":[
 {"title":"Fake Day","date":"2026-06-15","notes":"","bunting":true}]},
 "scotland":{"division":"scotland","events":[]},
 "northern-ireland":{"division":"northern-ireland","events":[]}}
EOF
is "$("$R" holidays 2026 --quiet --bank-holidays "$T/fake.json")" \
   "2026-06-15 Mon  file      Fake Day" "a covered year uses only the file's days"
is "$("$R" workdays add 2026-04-02 1 --quiet --bank-holidays "$T/fake.json")" \
   "2026-04-03 Fri" "Good Friday omitted by the file is a working day"

# 3. --json.
out=$("$R" holidays 2026 --json --nation northern-ireland)
like "$out" '"nation" : "northern-ireland"' "json nation"
like "$out" '"source" : "computed"' "json year source"
like "$out" '"date" : "2026-07-13"' "json Boyne substitute 2026"
is "$(echo "$out" | grep -c '"title"')" "10" "json lists 10 days"
out=$("$R" --json holidays 2025 --bank-holidays "$BH")
like "$out" '"source" : "file"' "json source file"

# 4. Closures.
out=$("$R" holidays 2026 --closure 2026-12-29 --closure 2026-12-30)
like "$out" "2026-12-29 Tue  closure   Closure" "closure listed"
like "$out" "10 days" "closures counted"

# 5. workdays add.
is "$("$R" workdays add 2026-12-24 1 | head -1)" "2026-12-29 Tue" "Christmas Eve + 1 skips Christmas and the substitute"
out=$("$R" workdays add 2026-12-24 1)
like "$out" "skipped 2026-12-28 Mon  Boxing Day (substitute day) (computed)" "skipped days are listed"
is "$("$R" workdays add 2026-12-24 1 --quiet --closure 2026-12-29)" "2026-12-30 Wed" "closure skipped"
is "$("$R" workdays add 2026-04-02 1 --quiet)" "2026-04-07 Tue" "Easter in England"
is "$("$R" workdays add 2026-04-02 1 --quiet --nation scotland)" "2026-04-06 Mon" "no Easter Monday in Scotland"
is "$("$R" workdays add 2026-11-21 0 --quiet)" "2026-11-23 Mon" "N = 0 from a Saturday: Monday"
out=$("$R" workdays add 2026-11-20 10 --json)
like "$out" '"date" : "2026-12-04"' "json date"
like "$out" '"working_days" : 10' "json working_days"

# 6. Bad input: exit 1 and a message that says what to do.
is "$(status "$R" holidays)" "1" "holidays without a year"
is "$(status "$R" holidays 26)" "1" "two-digit year refused"
is "$(status "$R" holidays 2026 --nation wales)" "1" "unknown nation refused"
like "$("$R" holidays 2026 --nation wales 2>&1)" "use england-and-wales, scotland or northern-ireland" "nation error lists the choices"
is "$(status "$R" holidays 2026 --bank-holidays "$T/missing.json")" "1" "missing file"
like "$("$R" holidays 2026 --bank-holidays "$T/missing.json" 2>&1)" "gov.uk/bank-holidays.json" "missing file says where to get it"
printf '{"england-and-wales":{"events":[{"title":"X","date":"2026-02-30"}]}}' >"$T/bad.json"
like "$("$R" holidays 2026 --bank-holidays "$T/bad.json" 2>&1)" "$T/bad.json: england-and-wales event 1: date \"2026-02-30\"" "bad date names file and event"
is "$(status "$R" holidays 2026 --closure 30/12/2026)" "1" "bad closure refused"
is "$(status "$R" workdays add 2026-13-01 1)" "1" "bad date refused"
is "$(status "$R" workdays add 2026-12-01 -1)" "1" "negative N refused"
is "$(status "$R" workdays sub 2026-12-01 1)" "1" "unknown workdays verb"
like "$("$R" workdays 2>&1)" "redress workdays add DATE N" "usage shows the form"

done_testing
