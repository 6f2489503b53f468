#!/bin/sh
# test-welsh.sh — the language of a case from the complaint's own words,
# and the acknowledgement sent again when a person changes it: a Welsh
# complaint with no Content-Language gets Welsh letters, an English one
# English, one that cannot be told English letters that ask in both
# languages; `redress case REF language cy` after the English
# acknowledgement went sends it again in Welsh, and one not yet sent is
# replaced rather than sent as well.
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
body() { tr -d '\r' < "$1" | sed 's/=$//' | tr -d '\n'; }

# mail FILE FROM MSGID SUBJECT TEXT: a complaint with no Content-Language.
mail() {
    printf 'From: %s\nTo: complaints@council.test\nSubject: %s\nDate: Fri, 20 Nov 2026 09:12:00 +0000\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
        "$2" "$4" "$3" "$5" > "$1"
}
ref_of() { sql "select reference from cases where complainant_id=(select id from people where email='$1')"; }

mail "$T/cy.eml" "Siân <sian@public.test>" cy1@public.test "Biniau" \
    "Dydy'r biniau ddim wedi cael eu casglu ers tair wythnos. Dw i wedi ffonio ddwywaith a does neb wedi dod."
mail "$T/en.eml" "Jane <jane@public.test>" en1@public.test "Bins" \
    "My bins on Heol y Nant, Llanelli have not been collected for three weeks."
mail "$T/unsure.eml" "Alex <alex@public.test>" un1@public.test "CMP" "Litter"
for f in cy en unsure; do
    "$R" ingest -q --received-at 2026-11-20T10:00:00Z "$T/$f.eml"
done
CY=$(ref_of sian@public.test); EN=$(ref_of jane@public.test); UN=$(ref_of alex@public.test)
is "$(sql "select language from cases where reference='$CY'")" "cy" "Welsh words, no header: Welsh case"
is "$(sql "select language from cases where reference='$EN'")" "en" "English words with Welsh names: English case"
is "$(sql "select language from cases where reference='$UN'")" "en" "unsure: the council's language"
like "$(sql "select detail from events e join cases c on c.id=e.case_id where c.reference='$CY' and e.type='language-chosen'")" \
    "detected from its words" "how the language was chosen is on the case"
like "$(sql "select detail from events e join cases c on c.id=e.case_id where c.reference='$UN' and e.type='language-chosen'")" \
    "Language unsure" "and that it was not sure"

"$R" outbox flush -q --to "$T/out" --now 2026-11-20T10:05:00Z
cyb=$(body "$T/out/${CY}_s1_ack.eml")
like "$cyb" "Cawsom eich cwyn ar ddydd Gwener 20 Tachwedd 2026" "the Welsh complaint's acknowledgement is in Welsh"
enb=$(body "$T/out/${EN}_s1_ack.eml")
like "$enb" "We received your complaint on Friday 20 November 2026" "the English one in English"
case "$enb" in *"Cymraeg neu Saesneg"*) asked=yes ;; *) asked=no ;; esac
is "$asked" "no" "and it does not ask which language"
unb=$(body "$T/out/${UN}_s1_ack.eml")
like "$unb" "Welsh or English? / Cymraeg neu Saesneg?" "the unsure one asks"
like "$unb" "If you would like our letters in Welsh" "in English"
like "$unb" "Os hoffech gael ein llythyrau yn Gymraeg" "and in Welsh"

# The English acknowledgement went; Welsh is asked for: it goes again.
out=$("$R" case "$UN" language cy --at 2026-11-20T11:00:00Z)
like "$out" "Letters from now on in Welsh" "language set"
like "$out" "went in English on 2026-11-20; it is sent again in Welsh" "says the acknowledgement goes again"
like "$out" "letter queued: stage1-acknowledgement" "and queues it"
is "$(sql "select language||' '||status from outbox where kind='stage1-acknowledgement' and case_id=(select id from cases where reference='$UN') order by id")" \
   "en sent
cy queued" "the English one stays sent, the Welsh one is queued"
"$R" outbox flush -q --to "$T/out" --now 2026-11-20T11:05:00Z
again=$(ls "$T/out" | grep "^${UN}_s1_ack" | grep -v "^${UN}_s1_ack.eml$")
check "the Welsh acknowledgement was written" test -n "$again"
unc=$(body "$T/out/$again")
like "$unc" "Cawsom eich cwyn ar ddydd Gwener 20 Tachwedd 2026" "in Welsh, with the date it was received"
like "$unc" "Dyma'r hyn a ysgrifennoch" "quoting the complaint again"
is "$(tr -d '\r' < "$T/out/$again" | sed '/^$/q' | sed -n 's/^In-Reply-To: //Ip')" "<un1@public.test>" \
   "threaded under the complaint"
case "$unc" in *"Cymraeg neu Saesneg"*) asked=yes ;; *) asked=no ;; esac
is "$asked" "no" "and it no longer asks"

# The same again changes nothing and sends nothing.
out=$("$R" case "$UN" language cy --at 2026-11-20T11:10:00Z)
like "$out" "already in Welsh" "setting the same language again does nothing"
is "$(sql "select count(*) from outbox where case_id=(select id from cases where reference='$UN')")" "2" \
   "no further letter"

# Back to English: a third acknowledgement, under a key of its own.
"$R" case "$UN" language en --at 2026-11-20T11:20:00Z > /dev/null
is "$(sql "select language||' '||status from outbox where kind='stage1-acknowledgement' and case_id=(select id from cases where reference='$UN') order by id")" \
   "en sent
cy sent
en queued" "changed back, the English one goes again"

# Not yet sent: the English acknowledgement is replaced, not sent too.
mail "$T/en2.eml" "Bob <bob@public.test>" en2@public.test "Potholes" \
    "There is a pothole on the road to Aberystwyth that has burst my tyre."
"$R" ingest -q --received-at 2026-11-20T12:00:00Z "$T/en2.eml"
B=$(ref_of bob@public.test)
out=$("$R" case "$B" language welsh --at 2026-11-20T12:01:00Z)
like "$out" "not sent yet, is replaced by one in Welsh" "a waiting acknowledgement is replaced"
is "$(sql "select language||' '||status||coalesce(' '||detail,'') from outbox where kind='stage1-acknowledgement' and case_id=(select id from cases where reference='$B') order by id")" \
   "en suppressed replaced by the letter in Welsh
cy queued" "the English one is withdrawn, the Welsh one queued"
like "$(sql "select detail from events e join cases c on c.id=e.case_id where c.reference='$B' and e.type='acknowledgement-resent'")" \
    "replaced by one in Welsh" "an event says so"

# A closed stage gets no acknowledgement again.
"$R" case "$EN" respond --outcome upheld --at 2026-11-25T10:00:00Z > /dev/null
out=$("$R" case "$EN" language cy --at 2026-11-25T11:00:00Z)
like "$out" "not sent again: Stage 1 is no longer open" "no acknowledgement for a stage already answered"
is "$(sql "select count(*) from outbox where kind='stage1-acknowledgement' and case_id=(select id from cases where reference='$EN')")" "1" \
   "and none queued"
"$R" case "$EN" language fr > /dev/null 2>&1
is "$?" "1" "an unknown language is refused"

done_testing
