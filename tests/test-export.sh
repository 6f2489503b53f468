#!/bin/sh
# test-export.sh — getting what was received back out of the case file,
# offline: `redress show REF --attachments`, `redress attachment ID --out
# FILE` (the decoded bytes as sent, 0600, no silent overwrite, a digest
# that no longer matches refused) and `redress message ID --raw` (byte for
# byte, CRLF and all).
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

# Two files: 300 bytes of every byte value (not text in any charset), and
# a PDF-ish one under an RFC 2231 encoded Welsh file name; the same photo
# attached twice.
head -c 300 /dev/urandom > "$T/photo.bin"
printf '%%PDF-1.4\n\000\377 not really a PDF\n' > "$T/letter.pdf"
b64() { base64 -w 76 "$1" | sed 's/$/\r/'; }
{
    printf 'From: Siân Evans <sian@public.test>\r\nTo: complaints@council.example\r\n'
    printf 'Subject: Fly-tipping on Heol y Nant\r\nMessage-ID: <export-1@public.test>\r\n'
    printf 'Date: Mon, 16 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    printf -- '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe fly-tip is back; photos attached.\r\n'
    printf -- '--b1\r\nContent-Type: image/jpeg; name="tip.jpg"\r\nContent-Disposition: attachment; filename="tip.jpg"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'; b64 "$T/photo.bin"
    printf -- '--b1\r\nContent-Type: application/pdf\r\n'
    printf "Content-Disposition: attachment; filename*=utf-8''llythyr%%20%%C5%%B5.pdf\r\n"
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'; b64 "$T/letter.pdf"
    printf -- '--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="tip-again.jpg"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'; b64 "$T/photo.bin"
    printf -- '--b1--\r\n\r\ntrailing bytes after the last boundary\r\n'
} > "$T/in.eml"

"$R" ingest -q --received-at 2026-11-16T09:00:00Z "$T/in.eml"
REF=$(sql "select reference from cases")
MSG=$(sql "select id from messages where message_id = 'export-1@public.test'")

out=$("$R" show "$REF" --attachments)
like "$out" "tip.jpg" "show --attachments lists the first file"
like "$out" "llythyr ŵ.pdf" "and the second under its decoded (RFC 2231) name"
like "$out" "redress attachment ID --out FILE" "and says how to save one"
is "$(printf '%s\n' "$out" | grep -c ' #'"$MSG"' ')" "3" "three attachments, each with its message"
json=$("$R" show "$REF" --attachments --json)
is "$(printf '%s' "$json" | jq -r '.attachments | length')" "3" "the JSON lists three"
A1=$(printf '%s' "$json" | jq -r '.attachments[] | select(.filename == "tip.jpg") | .id')
A2=$(printf '%s' "$json" | jq -r '.attachments[] | select(.filename == "llythyr ŵ.pdf") | .id')
is "$(printf '%s' "$json" | jq -r ".attachments[] | select(.id == $A1) | .message")" "$MSG" "JSON: the message id"
like "$("$R" show "$REF")" "attachment $A2: llythyr ŵ.pdf (application/pdf" "the full show names the ids too"

"$R" attachment "$A1" --out "$T/got1" 2>"$T/err"
is "$?" "0" "attachment ID --out FILE exits 0"
check "the photo comes back byte for byte" cmp "$T/photo.bin" "$T/got1"
is "$(stat -c %a "$T/got1")" "600" "written 0600 (personal data)"
like "$(cat "$T/err")" "wrote tip.jpg (image/jpeg, 300 bytes, from message #$MSG)" "and says what it wrote"
"$R" attachment "$A2" --out - > "$T/got2"
check "--out - writes the PDF to standard output, byte for byte" cmp "$T/letter.pdf" "$T/got2"

echo keep > "$T/exists"
"$R" attachment "$A1" --out "$T/exists" 2>"$T/err"
is "$?" "1" "an existing file is not replaced (exit 1)"
is "$(cat "$T/exists")" "keep" "and is left as it was"
like "$(cat "$T/err")" "already exists; give another file, or --force" "the message says what to do"
"$R" attachment "$A1" --out "$T/exists" --force 2>/dev/null
check "--force replaces it" cmp "$T/photo.bin" "$T/exists"

"$R" attachment "$A1" 2>"$T/err"
is "$?" "1" "without --out: exit 1 (no binary on a terminal)"
like "$(cat "$T/err")" "usage: redress attachment ID --out FILE" "with the usage"
"$R" attachment 9999 --out "$T/none" 2>"$T/err"
is "$?" "1" "an unknown attachment id: exit 1"
like "$(cat "$T/err")" "no attachment 9999" "saying so"
check "and writing nothing" test ! -e "$T/none"
"$R" attachment photo --out "$T/none" 2>/dev/null
is "$?" "1" "an id that is not a number: exit 1"

# The recorded digest no longer matches what the stored message yields:
# refused, nothing written, and the raw message offered instead.
sql "update attachments set sha256 = 'aa' || substr(sha256, 3) where id = $A2"
"$R" attachment "$A2" --out "$T/bad" 2>"$T/err"
is "$?" "2" "an attachment that cannot be found again: exit 2"
check "nothing written" test ! -e "$T/bad"
like "$(cat "$T/err")" "redress message $MSG --raw" "and the raw message is offered"

"$R" message "$MSG" --raw > "$T/raw"
check "message ID --raw gives the message byte for byte (CRLF, trailing bytes)" cmp "$T/in.eml" "$T/raw"
"$R" message "#$MSG" --raw --out "$T/raw2"
check "#ID and --out FILE work too" cmp "$T/in.eml" "$T/raw2"
is "$(stat -c %a "$T/raw2")" "600" "written 0600"
"$R" message "$MSG" 2>"$T/err"
is "$?" "1" "message ID without --raw: exit 1"
like "$(cat "$T/err")" "usage: redress message ID --raw" "with the usage"
"$R" message 9999 --raw 2>"$T/err"
is "$?" "1" "an unknown message id: exit 1"
like "$(cat "$T/err")" "no message #9999" "saying so"

# ---- the staff notices carry the complainant's files --------------------------------
# A part of a letter file, decoded: the attachment named $2 of $1.
part() { python3 -B -c '
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
for p in m.iter_attachments():
    if p.get_filename() == sys.argv[2]:
        sys.stdout.buffer.write(p.get_content() if isinstance(p.get_content(), bytes) else p.get_content().encode())
' "$1" "$2"; }
printf '[council]\ncomplaints_manager = manager@council.example\n' > "$T/mgr.conf"
export REDRESS_DB="$T/notice.db"
"$R" --config "$T/mgr.conf" ingest -q --received-at 2026-11-16T09:00:00Z "$T/in.eml"
"$R" --config "$T/mgr.conf" outbox flush -q --to "$T/n1" --now 2026-11-16T09:01:00Z
N=$(ls "$T"/n1/*staff-new* 2>/dev/null | head -n 1)
check "the new-case notice is written" test -n "$N"
part "$N" tip.jpg > "$T/n-tip"
check "it carries the photo, byte for byte" cmp "$T/photo.bin" "$T/n-tip"
part "$N" "llythyr ŵ.pdf" > "$T/n-pdf"
check "and the PDF" cmp "$T/letter.pdf" "$T/n-pdf"
A=$(ls "$T"/n1/*ack* | head -n 1)
is "$(grep -c 'filename' "$A")" "0" "the acknowledgement to the complainant carries none of them"
# With a limit of 0 MiB nothing is sent on, and the notice names what it left out.
printf '[council]\ncomplaints_manager = manager@council.example\n[letters]\nnotice_attachments_mb = 0\n' > "$T/none.conf"
export REDRESS_DB="$T/notice0.db"
"$R" --config "$T/none.conf" ingest -q --received-at 2026-11-16T09:00:00Z "$T/in.eml"
"$R" --config "$T/none.conf" outbox flush -q --to "$T/n0" --now 2026-11-16T09:01:00Z
N0=$(ls "$T"/n0/*staff-new* | head -n 1)
is "$(grep -c 'filename=' "$N0")" "0" "notice_attachments_mb = 0: no file is sent on"
body=$(python3 -B -c '
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m.get_body(("plain",)).get_content())' "$N0")
like "$body" "Not attached here (more than the size set for notices): tip.jpg (300 bytes), llythyr ŵ.pdf" \
     "the notice names the files left out, with their sizes"
like "$body" "redress show CMP-2026-000001 --attachments" "and how to get them"
# Correspondence with a file: the handler's notice carries it.
{
    printf 'From: Siân Evans <sian@public.test>\r\nTo: complaints@council.example\r\n'
    printf 'Subject: Re: Fly-tipping on Heol y Nant\r\nMessage-ID: <export-2@public.test>\r\nIn-Reply-To: <export-1@public.test>\r\n'
    printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b2"\r\n\r\n'
    printf -- '--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnother photo from this morning.\r\n'
    printf -- '--b2\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="morning.jpg"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'; b64 "$T/photo.bin"
    printf -- '--b2--\r\n'
} > "$T/more.eml"
export REDRESS_DB="$T/notice.db"
"$R" --config "$T/mgr.conf" ingest -q --received-at 2026-11-17T09:00:00Z "$T/more.eml"
"$R" --config "$T/mgr.conf" outbox flush -q --to "$T/n2" --now 2026-11-17T09:01:00Z
NC=$(ls "$T"/n2/*correspondence* 2>/dev/null | head -n 1)
check "the correspondence notice is written" test -n "$NC"
part "$NC" morning.jpg > "$T/n-morning"
check "it carries the new photo" cmp "$T/photo.bin" "$T/n-morning"

done_testing
