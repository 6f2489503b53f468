#!/bin/sh
# test-sar.sh — `redress export`, the subject access export, offline:
# two complainants' cases with their letters sent (outbox flush), a staff
# note, mail on no case; then an export by person and by case. The mbox
# holds every message and letter of that person and nothing of the other
# complainant, byte for byte (mboxrd quoting undone), and mutt reads it;
# record.json parses and has the case; summary.html has no script; the
# review list names the note; files 0600, folders 0700, no overwrite
# without --force; the export is an event on the case; a .zip too.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
for tool in jq sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (make deps)"
done
F=tests/fixtures/mail
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
export SUDO_USER=officer1
sql() { sqlite3 "$REDRESS_DB" "$1"; }
# A manager, so every new case sends a notice to staff too (a letter the
# person is not the recipient of: listed for review).
printf '[council]\ncomplaints_manager = manager@council.test\n' > "$T/r.conf"
export REDRESS_CONFIG="$T/r.conf"

"$R" ingest -q --received-at 2026-11-20T10:00:00Z "$F/01-new-complaint.eml"
"$R" ingest -q --received-at 2026-11-21T10:00:00Z "$F/02-reply-headers.eml"
"$R" ingest -q --received-at 2026-11-21T11:00:00Z "$F/07-ce-complaint.eml"
# Jane again, with CRLF lines, a "From " line in her text (mboxrd must
# quote it, and one already quoted) and an attachment, on her case.
{
    printf 'From: Jane Citizen <jane.citizen@public.test>\r\nTo: complaints@council.test\r\n'
    printf 'Subject: Re: Bins not collected for three weeks\r\nMessage-ID: <sar-3@public.test>\r\n'
    printf 'In-Reply-To: <c1-bins@public.test>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    printf -- '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA photo of the bins.\r\n'
    printf 'From the window you can see them.\r\n>From here too.\r\n'
    printf -- '--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="bins.jpg"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN\r\n'
    printf -- '--b1--\r\n'
} > "$T/sar-3.eml"
"$R" ingest -q --received-at 2026-11-23T09:00:00Z "$T/sar-3.eml"
# Mail from Jane that matches no case (an automatic reply): on no case.
sed -e 's/Someone Away <away@public.test>/Jane Citizen <jane.citizen@public.test>/' \
    -e 's/c6-ooo@/sar-ooo@/' "$F/06-ooo-unmatched.eml" > "$T/ooo.eml"
"$R" ingest -q --received-at 2026-11-24T09:00:00Z "$T/ooo.eml"
"$R" outbox flush -q --to "$T/out" --now 2026-11-24T10:00:00Z
"$R" case CMP-2026-000001 note "Spoke to her neighbour Bob Smith, who says the bins were out on time." >/dev/null

JANE=CMP-2026-000001
ROB=$(sql "select reference from cases c join people p on p.id = c.complainant_id where p.email = 'robert.roe@public.test'")
check "Jane's letters were sent by outbox flush" test "$(sql "select count(*) from outbox o join cases c on c.id = o.case_id where c.reference = '$JANE' and o.status = 'sent'")" -ge 2
check "her automatic reply is on no case" test "$(sql "select count(*) from messages where message_id = 'sar-ooo@public.test' and case_id is null")" -eq 1

# ---- by person -----------------------------------------------------------------
out=$("$R" export --person Jane.Citizen@Public.Test --to "$T/jane" 2>"$T/err")
is "$?" "0" "export --person exits 0"
like "$out" "Exported person jane.citizen@public.test to $T/jane" "and says what it wrote"
like "$(cat "$T/err")" "export subject=\"person jane.citizen@public.test\"" "a log line says so"
for f in messages.mbox record.json summary.html review.txt; do
    check "$f is written" test -s "$T/jane/$f"
    is "$(stat -c %a "$T/jane/$f")" "600" "$f is 0600"
done
is "$(stat -c %a "$T/jane")" "700" "the folder is 0700"
check "no temporary folder is left" sh -c "! ls -a '$T' | grep -q tmp-"

M="$T/jane/messages.mbox"
# Every stored message and letter of Jane's case and her mail on no case.
want=$(sql "select count(*) from messages where case_id = (select id from cases where reference = '$JANE')
            or message_id = 'sar-ooo@public.test'")
wantl=$(sql "select count(*) from outbox where case_id = (select id from cases where reference = '$JANE')")
is "$(grep -c '^From ' "$M")" "$((want + wantl))" "the mbox has one record per message ($want) and letter ($wantl)"
for id in c1-bins@public.test c2-bins-followup@public.test sar-3@public.test sar-ooo@public.test; do
    check "message $id is in the mbox" grep -qi "^Message-ID: <$id>" "$M"
done
for mid in $(sql "select message_id from outbox where case_id = (select id from cases where reference = '$JANE')"); do
    check "letter $mid is in the mbox" grep -qi "^Message-ID: <$mid>" "$M"
done
check "nothing of the other complainant's mail" sh -c "! grep -qi 'c7-pothole\|robert.roe' '$M'"
check "a From line in her text is quoted (mboxrd)" grep -q "^>From the window" "$M"
check "a quoted one gets one more >" grep -q "^>>From here too" "$M"

# Byte for byte: each record, unquoted, is what `redress message ID --raw`
# gives (and the letters what the outbox holds).
python3 -B - "$M" "$T/rec" <<'EOF'
import os, re, sys
data = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
recs = re.split(rb"(?:\A|(?<=\n)\n)From [^\n]*\n", data)[1:]
for i, r in enumerate(recs, 1):
    r = re.sub(rb"(?m)^>(>*From )", rb"\1", r)
    if i == len(recs):
        r = r[:-1]            # the blank line that ends the last record
    open(os.path.join(sys.argv[2], "%d" % i), "wb").write(r)
EOF
n=$(jq -r '.cases[0].messages[] | select(.message_id == "sar-3@public.test") | .mbox' "$T/jane/record.json")
id=$(sql "select id from messages where message_id = 'sar-3@public.test'")
"$R" message "$id" --raw > "$T/raw3"
check "the CRLF message with From lines is byte for byte in the mbox (record $n)" cmp "$T/raw3" "$T/rec/$n"
n=$(jq -r '.cases[0].messages[] | select(.message_id == "c1-bins@public.test") | .mbox' "$T/jane/record.json")
check "so is her first complaint (record $n)" cmp "$F/01-new-complaint.eml" "$T/rec/$n"
lid=$(jq -r '.cases[0].letters[0].id' "$T/jane/record.json")
n=$(jq -r '.cases[0].letters[0].mbox' "$T/jane/record.json")
sql "select writefile('$T/letter1', raw) from outbox where id = $lid" >/dev/null
check "and a letter, as the outbox holds it (record $n)" cmp "$T/letter1" "$T/rec/$n"

# A mail client reads it: mutt, read-only, each message piped to a script
# that takes its Message-ID (mutt needs a terminal: script(1) gives one).
if command -v mutt >/dev/null 2>&1 && command -v script >/dev/null 2>&1; then
    printf '#!/bin/sh\ngrep -i "^message-id:" >> "%s/mutt-ids"\n' "$T" > "$T/take"
    chmod +x "$T/take"
    # Its folder exists, or a first run asks whether to create it (and
    # takes the keys pushed below as the answer).
    mkdir -p "$T/Mail"
    TERM=vt100 HOME="$T" timeout 30 script -qec "mutt -n -F /dev/null -R -f '$M' \
        -e 'set wait_key=no pipe_split=yes quit=yes sort=mailbox-order' \
        -e 'push \"<tag-pattern>~A<enter><tag-prefix><pipe-message>$T/take<enter><exit>\"'" /dev/null \
        >"$T/mutt-screen" 2>&1 </dev/null
    is "$?" "0" "mutt -f opens the mbox and leaves"
    is "$(wc -l < "$T/mutt-ids" 2>/dev/null | tr -d ' ')" "$((want + wantl))" "mutt reads every message in it"
    check "the first is her complaint" sh -c "head -n 1 '$T/mutt-ids' | grep -q c1-bins@public.test"
else
    echo "# mutt or script(1) not installed: the mail client check is skipped (make deps)"
fi

J="$T/jane/record.json"
check "record.json parses" jq -e . "$J"
is "$(jq -r '.format' "$J")" "redress-subject-access-1" "it names its format"
is "$(jq -r '.subject.person' "$J")" "jane.citizen@public.test" "and the person"
is "$(jq -r '[.cases[].reference] | join(",")' "$J")" "$JANE" "it has her case, and only hers"
is "$(jq -r '.cases[0].stages[0].stage' "$J")" "1" "with its stages"
check "its events with who and when" jq -e '.cases[0].events[] | select(.type == "note" and .actor == "cli:officer1" and .at != null)' "$J"
is "$(jq -r '.unfiled_messages[0].message_id' "$J")" "sar-ooo@public.test" "her mail on no case"
is "$(jq -r '.counts.messages + .counts.letters' "$J")" "$((want + wantl))" "the counts match the mbox"
check "attachments are listed" jq -e '.cases[0].messages[] | select(.attachments[0].filename == "bins.jpg")' "$J"

H="$T/jane/summary.html"
check "summary.html has no script" sh -c "! grep -qi '<script' '$H'"
check "and loads nothing from elsewhere" sh -c "! grep -qiE '(src|href)=' '$H'"
like "$(cat "$H")" "$JANE" "it names the case"
like "$(cat "$H")" "Needs review before disclosure" "and has the review section"

V="$T/jane/review.txt"
like "$(cat "$V")" "Bob Smith" "review.txt names the staff note"
like "$(cat "$V")" "by cli:officer1" "with its author"
like "$(cat "$V")" "$JANE" "and its case"
like "$(cat "$V")" "to manager@council.test" "a notice to staff is listed too"
like "$(cat "$V")" "INCLUDED" "it says the items are included, not dropped"
check "the note is in the JSON review list" jq -e '.review[] | select(.what == "event note" and (.excerpt | test("Bob Smith")))' "$J"

ev=$(sql "select detail from events where type = 'export' and case_id = (select id from cases where reference = '$JANE')")
like "$ev" "Subject access export (person jane.citizen@public.test) to $T/jane" "the export is an event on the case"
like "$ev" "letters," "with counts"
is "$(sql "select actor from events where type = 'export'")" "cli:officer1" "naming who exported"
is "$(sql "select count(*) from events where type = 'export' and case_id != (select id from cases where reference = '$JANE')")" "0" \
   "and no event on the other case"

# ---- the target -----------------------------------------------------------------
"$R" export --person jane.citizen@public.test --to "$T/jane" >/dev/null 2>"$T/err"
is "$?" "1" "an existing folder is not replaced (exit 1)"
like "$(cat "$T/err")" "already exists" "saying so"
echo keep > "$T/jane/notes-of-mine"
"$R" export -q --person jane.citizen@public.test --to "$T/jane" --force 2>/dev/null
is "$?" "0" "--force replaces the export"
is "$(cat "$T/jane/notes-of-mine")" "keep" "leaving other files in the folder alone"
mkdir -m 755 "$T/open"
"$R" export -q --person jane.citizen@public.test --to "$T/open" --force 2>"$T/err"
is "$?" "1" "a folder others can read is refused, even with --force"
check "and nothing is written in it" test ! -e "$T/open/messages.mbox"
"$R" export --person nobody@public.test --to "$T/none" 2>"$T/err"
is "$?" "1" "nobody held: exit 1"
like "$(cat "$T/err")" "nothing is held about nobody@public.test" "saying so"
check "and nothing written" test ! -e "$T/none"
"$R" export --person jane.citizen@public.test 2>/dev/null
is "$?" "1" "without --to: exit 1"
"$R" export --person jane.citizen@public.test --case "$JANE" --to "$T/x" 2>/dev/null
is "$?" "1" "--person and --case together: exit 1"

# ---- by case, to a zip ------------------------------------------------------------
"$R" export -q --case "$ROB" --to "$T/rob.zip" 2>/dev/null
is "$?" "0" "export --case REF --to FILE.zip exits 0"
is "$(stat -c %a "$T/rob.zip")" "600" "the zip is 0600"
if command -v unzip >/dev/null 2>&1; then
    is "$(unzip -Z1 "$T/rob.zip" | sort | tr '\n' ' ')" "messages.mbox record.json review.txt summary.html " \
       "it holds the four files"
    unzip -q -d "$T/rob" "$T/rob.zip"
    is "$(jq -r '.subject.case' "$T/rob/record.json")" "$ROB" "its record names the case"
    check "Robert's complaint is in its mbox" grep -qi "^Message-ID: <c7-pothole@public.test>" "$T/rob/messages.mbox"
    check "and nothing of Jane's" sh -c "! grep -qi 'jane.citizen' '$T/rob/messages.mbox'"
else
    echo "# unzip not installed: the zip's contents are not checked"
fi
"$R" export -q --case "$ROB" --to "$T/rob.zip" 2>/dev/null
is "$?" "1" "an existing zip is not replaced without --force"
"$R" export -q --case "$ROB" --to "$T/rob.zip" --force 2>/dev/null
is "$?" "0" "and is with --force"
"$R" export --case CMP-2026-999999 --to "$T/none.zip" 2>"$T/err"
is "$?" "1" "an unknown case: exit 1"
check "nothing written" test ! -e "$T/none.zip"
is "$(sql "select count(*) from events where type = 'export' and case_id = (select id from cases where reference = '$ROB')")" "2" \
   "each export of the case is an event on it"

done_testing
