#!/bin/sh
# test-corpus-ingest.sh — the shared corpus (~1,100 real messages) through
# `redress ingest` under ASan+UBSan: no crash, no sanitizer report, every
# file accounted for (stored on a case or in triage, or a duplicate of a
# stored one), and a second run changes nothing. Skips when the corpus is
# absent; the corpus is never copied into the project.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
C="${RD_CORPUS:-$PWD/../shared/corpus}"
[ -d "$C" ] || skip_all "corpus not found at $C (set RD_CORPUS)"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
C=$(cd "$C" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$R" --db "$T/c.db" ingest --json --received-at 2026-11-20T10:00:00Z "$C" > "$T/out.jsonl" 2> "$T/err"
rc=$?
is "$rc" "0" "ingest of the whole corpus exits 0 (no crash, no sanitizer report)"
[ "$rc" -ne 0 ] && sed 's/^/# /' "$T/err" | head -n 40

find "$C" -type f | sort > "$T/files"
sed -n 's/.*"source":"file:\([^"#]*\)[#"].*/\1/p' "$T/out.jsonl" | sort -u > "$T/seen"
is "$(wc -l < "$T/seen")" "$(wc -l < "$T/files")" "every corpus file produced at least one result"
missing=$(comm -23 "$T/files" "$T/seen" | head -n 5)
is "$missing" "" "no file left without a result"
is "$(grep -c '"status":"error"' "$T/out.jsonl")" "0" "no message failed to store"

lines=$(wc -l < "$T/out.jsonl")
stored=$(grep -c '"status":"stored"' "$T/out.jsonl")
dups=$(grep -c '"status":"duplicate"\|"status":"new-route"' "$T/out.jsonl")
is "$((stored + dups))" "$lines" "every message is stored or a duplicate of a stored one"
is "$(sqlite3 "$T/c.db" "select count(*) from messages")" "$stored" "one message row per stored result"
is "$(sqlite3 "$T/c.db" "select count(*) from messages m where m.case_id is null and not exists (select 1 from triage t where t.msg_id=m.id)")" \
   "0" "every message is on a case or in triage"
is "$(sqlite3 "$T/c.db" "select count(*) from messages where problem is not null and problem in ('empty','too-large','no-headers') and id not in (select msg_id from triage)")" \
   "0" "every unreadable message is in triage with its reason"
# Valid UTF-8 everywhere: SQLite's CAST round trip of invalid text differs.
is "$(sqlite3 "$T/c.db" "select count(*) from messages where body_text is not null and body_text <> cast(cast(body_text as blob) as text)")" \
   "0" "stored text round-trips as text"

echo "# corpus: $(wc -l < "$T/files") files, $lines messages: $stored stored, $dups duplicates"
echo "# kinds: $(sqlite3 "$T/c.db" "select group_concat(kind || '=' || n, ', ') from (select kind, count(*) n from messages group by kind order by n desc)")"
echo "# problems: $(sqlite3 "$T/c.db" "select coalesce(group_concat(problem || '=' || n, ', '), 'none') from (select problem, count(*) n from messages where problem is not null group by problem order by n desc)")"
echo "# cases opened: $(sqlite3 "$T/c.db" "select count(*) from cases"), in triage: $(sqlite3 "$T/c.db" "select count(*) from triage")"

# A second run over the same corpus changes nothing.
before=$(sqlite3 "$T/c.db" "select (select count(*) from messages) || '/' || (select count(*) from cases) || '/' || (select count(*) from events)")
"$R" --db "$T/c.db" ingest --json "$C" > "$T/out2.jsonl" 2>/dev/null
is "$?" "0" "second run exits 0"
is "$(grep -c '"status":"stored"' "$T/out2.jsonl")" "0" "second run stores nothing new"
after=$(sqlite3 "$T/c.db" "select (select count(*) from messages) || '/' || (select count(*) from cases) || '/' || (select count(*) from events)")
is "$after" "$before" "messages, cases and events unchanged by the second run"
is "$(sqlite3 "$T/c.db" "pragma integrity_check")" "ok" "database intact"

done_testing
