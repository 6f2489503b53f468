#!/bin/sh
# test-cli.sh — `redress` end to end on the project's own fixtures: every
# threading and classification rule through the real binary and a real
# SQLite file, plus dedupe, routes, triage, exit codes and crash safety.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
F=tests/fixtures/mail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB="$T/case.db"
export REDRESS_DB="$DB"
unset REDRESS_CONFIG
AT=2026-11-20T10:00:00Z

# jq is not assumed: pick one field out of one JSON line with sed.
field() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\).*/\1/p" | tr -d '"'; }
ingest1() { "$R" ingest --json --received-at "$AT" "$@" 2>/dev/null; }
sql() { sqlite3 "$DB" "$1"; }

# 1. A new complaint opens a case.
out=$(ingest1 "$F/01-new-complaint.eml")
is "$(echo "$out" | field kind)" "new-complaint" "new complaint is classified new-complaint"
is "$(echo "$out" | field case)" "CMP-2026-000001" "first case of 2026 is CMP-2026-000001"
is "$(echo "$out" | field new_case)" "true" "new_case is true"
is "$(stat -c %a "$DB")" "600" "database file is private (0600)"
is "$(sql "select complainant_id is not null from cases")" "1" "complainant recorded"
is "$(sql "select email from people")" "jane.citizen@public.test" "sender address normalised to lower case"

# 2. A reply with In-Reply-To lands on the same case.
out=$(ingest1 "$F/02-reply-headers.eml")
is "$(echo "$out" | field case)" "CMP-2026-000001" "reply threads by In-Reply-To"
is "$(echo "$out" | field via)" "headers" "reply via headers"
is "$(echo "$out" | field kind)" "correspondence" "reply is correspondence"
is "$(sql "select new_text from messages where message_id='c2-bins-followup@public.test'")" \
   "I forgot to say: the recycling box was not emptied either." "quoted history separated from the new text"

# 3. A reference in the subject, typed loosely, from the complainant.
out=$(ingest1 "$F/03-ref-in-subject.eml")
is "$(echo "$out" | field case)" "CMP-2026-000001" "loose reference 'cmp 2026 1' matched"
is "$(echo "$out" | field via)" "reference" "via reference"
is "$(sql "select filename||' '||content_type from attachments")" "bin.jpg image/jpeg" "attachment listed"

# 4. The same reference from a stranger goes to triage with a suggestion.
out=$(ingest1 "$F/04-ref-from-stranger.eml")
is "$(echo "$out" | field case)" "null" "stranger quoting a reference is not put on the case"
is "$(echo "$out" | field triage)" "true" "stranger's message goes to triage"
is "$(sql "select suggestion from triage where resolved_at is null")" "CMP-2026-000001" "triage suggests the referenced case"

# 5-6. Automatic mail: on its case if it threads, else triage; never a case.
out=$(ingest1 "$F/05-ooo-on-case.eml")
is "$(echo "$out" | field kind)" "automatic" "out-of-office is automatic"
is "$(echo "$out" | field case)" "CMP-2026-000001" "threaded out-of-office stored on its case"
out=$(ingest1 "$F/06-ooo-unmatched.eml")
is "$(echo "$out" | field case)" "null" "unmatched automatic mail opens no case"
is "$(sql "select count(*) from cases")" "1" "still one case"

# 7. Mail to the Chief Executive is a normal complaint with its channel.
out=$(ingest1 --mailbox chief-executive "$F/07-ce-complaint.eml")
is "$(echo "$out" | field case)" "CMP-2026-000002" "CE mail opens a case"
is "$(sql "select channel from cases where reference='CMP-2026-000002'")" "chief-executive" "channel chief-executive recorded"
like "$(sql "select body_text from messages where message_id='c7-pothole@public.test'")" "burst my tyre" "HTML-only mail converted to text"

# 8. A bounce naming a message on a case is put on that case.
out=$(ingest1 "$F/08-bounce.eml")
is "$(echo "$out" | field kind)" "bounce" "DSN classified as bounce"
is "$(echo "$out" | field case)" "CMP-2026-000001" "bounce threads by the bounced Message-ID"
is "$(sql "select count(*) from events where type='letter-undelivered'")" "1" "undelivered event recorded"

# 9-10. Garbage and empty files are stored and go to triage with a reason.
out=$(ingest1 "$F/09-garbage.eml")
is "$(echo "$out" | field triage)" "true" "garbage goes to triage"
is "$(echo "$out" | field problem)" "no-headers" "garbage's problem recorded"
out=$(ingest1 "$F/10-empty.eml")
is "$(echo "$out" | field status)" "stored" "empty file stored"
is "$(echo "$out" | field problem)" "empty" "empty file's problem recorded"

# Dedupe: the same file again changes nothing and says so.
before=$(sql "select count(*) from messages")||''
out=$(ingest1 "$F/01-new-complaint.eml")
is "$(echo "$out" | field status)" "duplicate" "same message again is a duplicate"
is "$(sql "select count(*) from messages")" "$before" "duplicate added no message"
human=$("$R" ingest --received-at "$AT" "$F/01-new-complaint.eml" 2>&1)
like "$human" "1 already ingested (nothing changed)" "summary says the duplicate changed nothing"

# The same message delivered to a second mailbox (new trace headers):
# one message, both routes.
{ printf 'Received: from mx by council.test; Fri, 20 Nov 2026 09:13:00 +0000\n'
  printf 'Delivered-To: chief.executive@council.test\n'
  cat "$F/01-new-complaint.eml"; } > "$T/cc-to-ce.eml"
out=$(ingest1 --mailbox chief-executive "$T/cc-to-ce.eml")
is "$(echo "$out" | field status)" "new-route" "copy via another mailbox is recognised"
is "$(sql "select count(*) from messages where message_id='c1-bins@public.test'")" "1" "still one message"
is "$(sql "select group_concat(mailbox, ',') from (select mailbox from message_routes r join messages m on m.id=r.msg_id where m.message_id='c1-bins@public.test' order by mailbox)")" \
   "chief-executive,complaints" "both routes recorded"

# Same Message-ID, different content: a different message (never dedupe
# on Message-ID alone).
sed 's/three\nweeks/four weeks/; s/nothing happened/still nothing happened/' "$F/01-new-complaint.eml" > "$T/reused-id.eml"
out=$(ingest1 "$T/reused-id.eml")
is "$(echo "$out" | field status)" "stored" "reused Message-ID with other content is stored"

# Stage 2: close Stage 1 of case 1 (the staff command arrives with the
# procedure issue), then a mail to the Stage 2 mailbox from the
# complainant with nothing to thread on opens Stage 2 on that case.
sql "update cases set state='stage1-closed' where reference='CMP-2026-000001'"
out=$(ingest1 --mailbox stage2 "$F/11-stage2-request.eml")
is "$(echo "$out" | field kind)" "stage2-request" "stage 2 mailbox request recognised"
is "$(echo "$out" | field via)" "sender" "matched by the sender's one closed case"
is "$(sql "select state from cases where reference='CMP-2026-000001'")" "stage2" "case moved to stage 2"
is "$(sql "select count(*) from stages s join cases c on c.id=s.case_id where c.reference='CMP-2026-000001' and s.stage=2")" "1" "stage 2 row opened"

# An escalation phrase on a closed-Stage-1 case through the normal mailbox.
sql "update cases set state='stage1-closed' where reference='CMP-2026-000002'"
out=$(ingest1 "$F/12-not-satisfied.eml")
is "$(echo "$out" | field kind)" "stage2-request" "'not satisfied' reply on a closed stage 1 asks for stage 2"
is "$(echo "$out" | field case)" "CMP-2026-000002" "on the right case"

# show, cases, triage.
show=$("$R" show CMP-2026-000001)
like "$show" "Bins not collected" "show prints the summary"
like "$show" "stage2-opened" "show lists events"
showj=$("$R" show --json cmp-2026-1)
like "$showj" '"response_due"' "show --json has per-stage fields"
like "$showj" '"routes"' "show --json lists routes"
cases=$("$R" cases --open)
like "$cases" "CMP-2026-000002" "cases --open lists open cases"
tri=$("$R" triage --json)
like "$tri" "nosy@elsewhere.test" "triage lists the stranger's message"
msg=$(sql "select msg_id from triage t where resolved_at is null and msg_id = (select id from messages where message_id='c4-stranger@elsewhere.test')")
"$R" triage assign "$msg" CMP-2026-000001 >/dev/null 2>&1
is "$(sql "select c.reference from messages m join cases c on c.id=m.case_id where m.message_id='c4-stranger@elsewhere.test'")" \
   "CMP-2026-000001" "triage assign puts the message on the case"
"$R" triage assign "$msg" CMP-2026-000001 >/dev/null 2>&1
is "$?" "1" "assigning an already placed message is refused (exit 1)"
away=$(sql "select id from messages where message_id='c6-ooo@public.test'")
out=$("$R" triage new "$away")
like "$out" "new case CMP-2026-00000" "triage new opens a case"
newref=$(echo "$out" | sed -n 's/.*new case \(CMP-[0-9-]*\).*/\1/p')
# A case opened from triage is opened as intake opens one: its clock from
# when the mail arrived, its acknowledgement queued, the event by whom.
is "$(sql "select count(*) from stages s join cases c on c.id = s.case_id where c.reference = '$newref' and s.stage = 1 and s.response_due is not null")" \
   "1" "a case opened from triage has its Stage 1 clock"
is "$(sql "select count(*) from outbox o join cases c on c.id = o.case_id where c.reference = '$newref' and o.kind = 'stage1-acknowledgement'")" \
   "1" "and its acknowledgement queued"
like "$(sql "select actor from events e join cases c on c.id = e.case_id where c.reference = '$newref' and e.type = 'new-complaint'")" \
   "cli:" "the new-complaint event names who opened it"
"$R" triage new "$away" >/dev/null 2>"$T/err"
is "$?" "1" "opening a case twice from one message is refused (exit 1)"
like "$(cat "$T/err")" "is not waiting in triage; nothing changed" "and says why"

# Exit codes and error messages.
"$R" ingest /nonexistent/path >/dev/null 2>"$T/err"; rc=$?
is "$rc" "1" "missing path exits 1"
like "$(cat "$T/err")" "/nonexistent/path: no such file or folder" "error names the path"
"$R" ingest --mailbox nowhere "$F/01-new-complaint.eml" >/dev/null 2>&1
is "$?" "1" "unknown mailbox exits 1"
"$R" show CMP-2026-999999 >/dev/null 2>&1
is "$?" "1" "unknown case exits 1"
"$R" frobnicate >/dev/null 2>&1
is "$?" "1" "unknown command exits 1"
printf '[redress]\nreference_prefix = C0MP\nbogus = 1\n[limits]\nmax_mime_depth = lots\n' > "$T/bad.conf"
"$R" --config "$T/bad.conf" config check >/dev/null 2>"$T/err"; rc=$?
is "$rc" "1" "bad config exits 1"
errs=$(cat "$T/err")
like "$errs" "bad.conf:2: reference_prefix must be 2 to 8 letters" "config error gives file:line (prefix)"
like "$errs" "bad.conf:3: unknown key 'bogus'" "config error gives file:line (unknown key)"
like "$errs" "bad.conf:5: max_mime_depth must be a whole number" "config error gives file:line (number)"
"$R" --config examples/redress.conf config check >/dev/null 2>&1
is "$?" "0" "the shipped example configuration passes config check"
# Every key the configuration reader knows is in the README's table and
# in the example file, so neither falls behind the code.
undocumented=""
for k in $(sed -n 's/^\t{ "[^"]*" *, *"\([a-z_]*\)", *KEY_.*/\1/p' daemon/base/config-keys.c | sort -u); do
    grep -q "\`$k\`" README.md && grep -q "^#\{0,1\}$k *=" examples/redress.conf ||
        undocumented="$undocumented $k"
done
is "$undocumented" "" "every configuration key is documented in README.md and examples/redress.conf"
check "the key list was read from config-keys.c" sh -c "test \$(sed -n 's/^\t{ \"[^\"]*\", *\"\([a-z_]*\)\", *KEY_.*/\1/p' daemon/base/config-keys.c | wc -l) -gt 50"
printf '[redress]\nreference_prefix = KLG\n' > "$T/good.conf"
"$R" --config "$T/good.conf" --db "$T/klg.db" ingest --received-at "$AT" "$F/01-new-complaint.eml" >/dev/null 2>&1
is "$(sqlite3 "$T/klg.db" "select reference from cases")" "KLG-2026-000001" "reference prefix from config"
echo "garbage" > "$T/notadb"
"$R" --db "$T/notadb" cases >/dev/null 2>&1
is "$?" "2" "a file that is not a database is an internal error (exit 2)"

# mbox and Maildir sources.
{ for i in 1 2 3; do
    printf 'From someone@public.test Fri Nov 20 09:00:00 2026\n'
    printf 'From: p%s@public.test\nTo: complaints@council.test\nSubject: mbox complaint %s\nMessage-ID: <mbox-%s@public.test>\n\nFrom the mbox, number %s.\n>From quoted line stays.\n\n' "$i" "$i" "$i" "$i"
  done; } > "$T/box.mbox"
out=$("$R" --db "$T/mbox.db" ingest --json "$T/box.mbox" 2>/dev/null)
is "$(echo "$out" | grep -c '"new_case":true')" "3" "mbox split into three new cases"
is "$(sqlite3 "$T/mbox.db" "select count(*) from messages where body_text like '%>From quoted line stays.%'")" "3" "mbox >From lines kept in the body"
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$F/01-new-complaint.eml" "$T/md/new/1.eml"
cp "$F/07-ce-complaint.eml" "$T/md/cur/2.eml"
cp "$F/12-not-satisfied.eml" "$T/md/tmp/3.eml"
out=$("$R" --db "$T/md.db" ingest --json "$T/md" 2>/dev/null)
is "$(echo "$out" | grep -c '"status"')" "2" "Maildir: cur and new read, tmp skipped"
# A folder as the file system gives it: entries typed by readdir, links
# followed to a message or a folder, dangling links and dot files skipped,
# a folder that cannot be read named on stderr.
mkdir -p "$T/tree/sub" "$T/elsewhere"
cp "$F/01-new-complaint.eml" "$T/tree/a.eml"
cp "$F/07-ce-complaint.eml" "$T/elsewhere/b.eml"
cp "$F/12-not-satisfied.eml" "$T/tree/sub/c.eml"
ln -s "$T/elsewhere/b.eml" "$T/tree/link-to-file.eml"
ln -s "$T/elsewhere" "$T/tree/link-to-folder"
ln -s "$T/nowhere.eml" "$T/tree/dangling.eml"
cp "$F/01-new-complaint.eml" "$T/tree/.hidden.eml"
out=$("$R" --db "$T/tree.db" ingest --json "$T/tree" 2>/dev/null)
is "$(echo "$out" | grep -o '"source":"[^"]*"' | sed 's|.*/tree/||; s|"$||' | sort | tr '\n' ' ')" \
   "a.eml link-to-file.eml link-to-folder/b.eml sub/c.eml " "folder walk: files, links to a file and to a folder, sub-folders"
# Root reads any folder, so as root this part runs as nobody (setpriv).
U=$(mktemp -d /tmp/rd-unreadable.XXXXXX)
chmod 755 "$U"
mkdir -p "$U/tree/locked" "$U/db"
cp "$F/01-new-complaint.eml" "$U/tree/locked/x.eml"
cp "$F/07-ce-complaint.eml" "$U/tree/y.eml"
chmod 644 "$U/tree/y.eml"
chmod 000 "$U/tree/locked"
as_user=""
if [ "$(id -u)" = 0 ]; then
    chown nobody "$U/db"
    as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
if $as_user "$R" ingest --help >/dev/null 2>&1; then
    $as_user "$R" --db "$U/db/t.db" --config /dev/null ingest --json "$U/tree" >"$U/out" 2>"$U/err"
    is "$?" "1" "an unreadable folder: exit status 1 (input to fix)"
    like "$(cat "$U/err")" "cannot read this folder" "an unreadable folder is named, not skipped in silence"
    like "$(cat "$U/err")" "1 stored (1 new case, 0 on existing cases, 0 in triage), 1 error" "and counted as an error"
    is "$(grep -c '"status":"stored"' "$U/out")" "1" "and the readable message beside it is still stored"
else
    _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP nobody cannot run $R (a folder on the way is private)"
fi
chmod 700 "$U/tree/locked"
rm -rf "$U"
out=$(cat "$F/07-ce-complaint.eml" | "$R" --db "$T/stdin.db" ingest --json - 2>/dev/null)
is "$(echo "$out" | field kind)" "new-complaint" "one message from standard input"

# One bad mail never stops intake: a five-line bounce-like mail with an
# empty X-Failed-Recipients header once crashed the parser, and with it
# every ingest of the folder holding it.
mkdir -p "$T/poison"
cp tests/fuzz/regressions/message-empty-x-failed-recipients-min.eml "$T/poison/02.eml"
cp "$F/01-new-complaint.eml" "$T/poison/01.eml"
cp "$F/07-ce-complaint.eml" "$T/poison/03.eml"
out=$("$R" --db "$T/poison.db" --config /dev/null ingest --json "$T/poison" 2>/dev/null)
is "$?" "0" "a folder holding the empty X-Failed-Recipients mail is ingested"
is "$(echo "$out" | grep -c '"status":"stored"')" "3" "all three messages of that folder are stored"
is "$(sqlite3 "$T/poison.db" "select kind from messages where subject='Mail delivery failed'")" "bounce" \
   "the empty X-Failed-Recipients mail is stored as a bounce"

# Crash safety: kill -9 in the middle of a large ingest, run again, and
# every message is on exactly one case.
mkdir -p "$T/many"
i=0
while [ $i -lt 400 ]; do
    printf 'From: person%s@public.test\nTo: complaints@council.test\nSubject: Complaint number %s\nMessage-ID: <many-%s@public.test>\nDate: Fri, 20 Nov 2026 09:00:00 +0000\n\nMy complaint number %s is about the state of the park.\n' \
        "$i" "$i" "$i" "$i" > "$T/many/$(printf %04d $i).eml"
    i=$((i + 1))
done
CDB="$T/crash.db"
rounds=0
while [ $rounds -lt 5 ]; do
    "$R" --db "$CDB" --config /dev/null ingest --quiet "$T/many" >/dev/null 2>&1 &
    pid=$!
    sleep "0.$((rounds * 2 + 1))"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    rounds=$((rounds + 1))
done
"$R" --db "$CDB" ingest --quiet "$T/many" >/dev/null 2>&1
is "$?" "0" "ingest after repeated kill -9 completes"
is "$(sqlite3 "$CDB" "select count(*) from messages")" "400" "every message stored exactly once after kill -9"
is "$(sqlite3 "$CDB" "select count(*) from cases")" "400" "one case each, no duplicates"
is "$(sqlite3 "$CDB" "select count(distinct reference) from cases")" "400" "no reference given twice"
is "$(sqlite3 "$CDB" "select count(*) from messages where case_id is null")" "0" "no half-written message without its case"
is "$(sqlite3 "$CDB" "pragma integrity_check")" "ok" "database intact"

# Durability: ingest commits without waiting for the disk and syncs the log
# on the checkpointer's thread; a message is reported only once that sync
# has covered its commit. Without the thread, the writer syncs itself.
out=$(REDRESS_TEST_SYNC=no-thread "$R" --db "$T/sync1.db" --config /dev/null ingest --json "$T/many" 2>"$T/sync1.err")
is "$?" "0" "no checkpointer thread: ingest still succeeds"
is "$(echo "$out" | grep -c '"status":"stored"')" "400" "no checkpointer thread: the writer syncs and every message is reported"
like "$(cat "$T/sync1.err")" "background checkpoints are off" "no checkpointer thread: said on stderr"
# A failed sync ends the run: nothing it covered is reported as stored.
out=$(REDRESS_TEST_SYNC=fail "$R" --db "$T/sync2.db" --config /dev/null ingest --json "$T/many" 2>"$T/sync2.err")
is "$?" "2" "disk cannot sync: exit status 2"
is "$(echo "$out" | grep -c '"status":"stored"')" "0" "disk cannot sync: no message reported as stored"
like "$(cat "$T/sync2.err")" "could not be confirmed on disk, so they are not reported as stored" \
     "disk cannot sync: the error says what happened and what to do"
like "$(cat "$T/sync2.err")" "syncing the log behind the writer: syncing the write-ahead log to disk: disk I/O error" \
     "disk cannot sync: with the reason"
n=$(sed -n 's/.* \([0-9]*\) messages could not be confirmed.*/\1/p' "$T/sync2.err")
like "$(tail -n 1 "$T/sync2.err")" ", $n errors" "disk cannot sync: the summary counts the $n unconfirmed as errors"
# What was written is found by the next run; nothing is stored twice.
out=$("$R" --db "$T/sync2.db" --config /dev/null ingest --json "$T/many" 2>/dev/null)
is "$(( $(echo "$out" | grep -c '"status":"duplicate"') + $(echo "$out" | grep -c '"status":"stored"') ))" "400" \
   "disk cannot sync: a second run finds or stores each of the 400"
is "$(sqlite3 "$T/sync2.db" "select count(*) from messages")" "400" "disk cannot sync: each message once"
# A failed checkpoint (which syncs the log through the same handle) ends
# the run too: a later sync could succeed although pages were lost.
printf '[ingest]\nbatch_messages = 50\n' > "$T/small-batches.conf"
out=$(REDRESS_TEST_SYNC=fail-checkpoint "$R" --db "$T/sync3.db" --config "$T/small-batches.conf" ingest --json "$T/many" 2>"$T/sync3.err")
is "$?" "2" "checkpoint fails: exit status 2"
check "checkpoint fails: not all 400 reported as stored" test "$(echo "$out" | grep -c '"status":"stored"')" -lt 400
like "$(cat "$T/sync3.err")" "copying the log into the database: checkpointing the log: disk I/O error" \
     "checkpoint fails: with the reason"
"$R" --db "$T/sync3.db" --config /dev/null ingest --quiet "$T/many" 2>/dev/null
is "$(sqlite3 "$T/sync3.db" "select count(*) from messages")" "400" "checkpoint fails: the next run completes, each message once"

# Commands with sub-actions answer --help with their sub-actions (exit 0),
# not "unknown subcommand '--help'".
for c in actions surveys; do
	out=$("$R" "$c" --help 2>&1)
	is "$?" "0" "redress $c --help: exit 0"
	like "$out" "redress $c list" "redress $c --help names its sub-actions"
done

done_testing
