#!/bin/sh
# test-imap.sh — `redress fetch` against a real Dovecot on 127.0.0.1: mail
# sent by SMTP becomes a case and is moved to Processed; \Seen mail is
# still ingested and fetching sets no \Seen; a second fetch stores nothing;
# a crash between commit and move is finished by the next fetch with no
# duplicate; a UIDVALIDITY change resyncs with no duplicate; a wrong
# password on one mailbox does not stop another; TLS (IMAPS and STARTTLS)
# verified with the test CA and refused with a wrong one; an unsafe
# password file is refused; keep_in_place flags instead of moving; a
# server without MOVE (and without UIDPLUS) gets COPY + \Deleted +
# (UID) EXPUNGE.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "needs root to run the test mail servers"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
T=$(mktemp -d)
D=$(mktemp -d /tmp/rd-imap.XXXXXX)
trap 'bash tests/mailservers.sh stop "$D" >/dev/null 2>&1; rm -rf "$D" "$T"' EXIT
env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") ||
    skip_all "the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
eval "$env"
export REDRESS_DB="$T/case.db"
unset REDRESS_CONFIG
sql() { sqlite3 "$REDRESS_DB" "$1"; }
MB="$MAIL_ROOT/complaints@example.test/Maildir"
S2="$MAIL_ROOT/stage2@example.test/Maildir"

printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
printf 'not-the-password\n' > "$T/badpw"
chmod 600 "$T/pw" "$T/badpw"

# conf FILE ROLE URL [key=value...]: append a [mailbox:ROLE] group.
conf() {
    f=$1 role=$2 url=$3; shift 3
    user=$role; [ "$role" = chief-executive ] && user=chief.executive
    pw="imap_password_file = $T/pw" ca="imap_ca_file = $CA_FILE"
    for kv in "$@"; do
        case "$kv" in imap_password_file*) pw=$kv ;; imap_ca_file*) ca=$kv ;; esac
    done
    { echo "[mailbox:$role]"; echo "imap_url = $url"; echo "imap_user = $user"
      echo "$pw"; echo "$ca"
      for kv in "$@"; do
          case "$kv" in imap_password_file*|imap_ca_file*) ;; *) echo "$kv" ;; esac
      done; echo; } >> "$f"
}
# msg ID SUBJECT: a complaint from a member of the public.
msg() {
    printf 'From: Pat Public <pat.%s@public.test>\r\nTo: complaints@example.test\r\nSubject: %s\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@public.test>\r\n\r\nPlease look into this: %s.\r\n' \
        "$1" "$2" "$1" "$2" > "$T/$1.eml"
}
send() {   # send ID TO
    curl -s --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "pat.$1@public.test" \
         --mail-rcpt "$2" --upload-file "$T/$1.eml"
}
inbox() { ls "$1/new" "$1/cur" 2>/dev/null | grep -vc -e '^$' -e ':$'; }
wait_inbox() {   # wait_inbox MAILDIR N: delivery is asynchronous
    i=0
    while [ "$(inbox "$1")" -lt "$2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
imapcmd() {   # imapcmd USER COMMAND [FOLDER]: one IMAP command with curl
    curl -s --url "imaps://127.0.0.1:$IMAPS_PORT/${3:-INBOX}" --cacert "$CA_FILE" \
         --user "$1:$MAIL_PASSWORD" -X "$2" | tr -d '\r'
}

C="$T/imaps.conf"
conf "$C" complaints "imaps://127.0.0.1:$IMAPS_PORT/INBOX"

# 1. One complaint by SMTP → a case, moved to Processed, no \Seen set.
msg m1 "Bins not collected"
send m1 complaints@example.test
wait_inbox "$MB" 1
out=$("$R" --config "$C" fetch 2>"$T/err"); rc=$?
is "$rc" 0 "fetch over IMAPS with the test CA succeeds"
like "$out" "complaints: 1 new message (1 stored)" "fetch reports the new message"
like "$(cat "$T/err")" "ingested mailbox=complaints uid=1 case=CMP-" "one key=value log line per message"
is "$(sql "select count(*) from cases")" "1" "the complaint opened a case"
is "$(sql "select subject from messages")" "Bins not collected" "the message is stored"
is "$(inbox "$MB")" "0" "the message left the INBOX"
is "$(inbox "$MB/.Processed")" "1" "and is in Processed"
is "$(imapcmd complaints 'UID SEARCH SEEN' Processed)" "* SEARCH" "fetching set no \\Seen"
is "$(sql "select last_uid from mailbox_cursors where mailbox='complaints'")" "1" "cursor at UID 1"
check "the log names no password" sh -c "! grep -q '$MAIL_PASSWORD' '$T/err'"

# 2. A message a person has already read is still ingested.
msg m2 "Already read by a person"
send m2 complaints@example.test
wait_inbox "$MB" 1
imapcmd complaints 'UID STORE 2 +FLAGS (\Seen)' >/dev/null
"$R" --config "$C" -q fetch 2>/dev/null
is "$(sql "select count(*) from messages where subject='Already read by a person'")" "1" \
   "a message marked \\Seen is still ingested"

# 3. Fetching again ingests nothing new.
out=$("$R" --config "$C" fetch 2>/dev/null)
like "$out" "complaints: 0 new messages" "a second fetch finds nothing new"
is "$(sql "select count(*) from messages")" "2" "and stores nothing"

# 4. A crash after the commit, before the move: the next fetch moves it.
msg m3 "Crash before the move"
send m3 complaints@example.test
wait_inbox "$MB" 1
REDRESS_TEST_CRASH=after-commit "$R" --config "$C" -q fetch 2>/dev/null; rc=$?
is "$rc" 3 "fault injection: died after the commit"
is "$(sql "select count(*) from messages")" "3" "the message was committed"
is "$(inbox "$MB")" "1" "but is still in the INBOX"
"$R" --config "$C" -q fetch 2>"$T/err"
is "$(inbox "$MB")" "0" "the next fetch moved it"
like "$(cat "$T/err")" "finishing=1" "as a message committed earlier"
is "$(sql "select count(*) from messages")" "3" "without a duplicate"

# 5. UIDVALIDITY changes (the server rebuilt the folder): resync, no duplicates.
msg m4 "Before the renumbering"
send m4 complaints@example.test
wait_inbox "$MB" 1
REDRESS_TEST_CRASH=after-commit "$R" --config "$C" -q fetch 2>/dev/null
old_uv=$(sql "select uidvalidity from mailbox_cursors where mailbox='complaints'")
sleep 1   # Dovecot takes the time as the new UIDVALIDITY
rm -f "$MB"/dovecot-uidlist "$MB"/dovecot.index "$MB"/dovecot.index.log "$MB"/dovecot.index.cache \
      "$MB"/dovecot-uidvalidity*
msg m5 "After the renumbering"
send m5 complaints@example.test
wait_inbox "$MB" 2
out=$("$R" --config "$C" fetch 2>"$T/err")
new_uv=$(sql "select uidvalidity from mailbox_cursors where mailbox='complaints'")
check "the folder's UIDVALIDITY changed" test "$old_uv" != "$new_uv"
like "$(cat "$T/err")" "resync=yes" "the change is logged as a resync"
like "$out" "2 new messages (1 stored, 1 already ingested)" "the old message is recognised, the new one stored"
is "$(sql "select count(*) from messages")" "5" "no duplicate after the resync"
is "$(inbox "$MB")" "0" "both moved to Processed"

# 6. A wrong password on one mailbox; the other still runs.
C2="$T/two.conf"
conf "$C2" complaints "imaps://127.0.0.1:$IMAPS_PORT/INBOX"
conf "$C2" stage2 "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "imap_password_file = $T/badpw"
msg m6 "While stage2 is broken"
send m6 complaints@example.test
wait_inbox "$MB" 1
out=$("$R" --config "$C2" fetch 2>"$T/err"); rc=$?
is "$rc" 2 "exit status 2 when a mailbox fails"
like "$(cat "$T/err")" "mailbox stage2: LOGIN on 127.0.0.1 failed" "the failing mailbox is named"
like "$out" "complaints: 1 new message (1 stored)" "the other mailbox was fetched"
is "$(sql "select count(*) from messages")" "6" "its message was stored"

# 7. TLS: STARTTLS with the test CA works; a wrong CA or the system store
#    is refused, before any password is sent.
C3="$T/starttls.conf"
conf "$C3" complaints "imap://localhost:$IMAP_PORT/INBOX"
out=$("$R" --config "$C3" fetch 2>"$T/err"); rc=$?
is "$rc" 0 "STARTTLS with the test CA and host name localhost succeeds"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
for url in "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "imap://127.0.0.1:$IMAP_PORT/INBOX"; do
    C4="$T/wrongca.conf"; rm -f "$C4"
    conf "$C4" complaints "$url" "imap_ca_file = $T/other.pem"
    "$R" --config "$C4" fetch >/dev/null 2>"$T/err"; rc=$?
    is "$rc" 2 "${url%%:*}: a wrong CA file is refused"
    like "$(cat "$T/err")" "certificate does not verify against imap_ca_file" "${url%%:*}: and says why"
done
C4="$T/wronghost.conf"; rm -f "$C4"
conf "$C4" complaints "imaps://127.1:$IMAPS_PORT/INBOX"
"$R" --config "$C4" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "a certificate for another host name is refused (127.1 is 127.0.0.1 by another name)"
like "$(cat "$T/err")" "name in the certificate does not match" "and says the name does not match"
C5="$T/sysca.conf"
printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:%s/INBOX\nimap_user = complaints\nimap_password_file = %s\n' \
    "$IMAPS_PORT" "$T/pw" > "$C5"
"$R" --config "$C5" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "a self-signed server is refused against the system trust store"

# 8. A password file others can read is refused.
chmod 644 "$T/pw"
"$R" --config "$C" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "a password file readable by others is refused (exit 1)"
like "$(cat "$T/err")" "chmod 600" "and the message says how to fix it"
chmod 600 "$T/pw"

# 9. keep_in_place: flagged $RedressIngested, left in the INBOX, not fetched again.
C6="$T/keep.conf"
conf "$C6" stage2 "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "keep_in_place = true"
msg m7 "Kept in place"
send m7 stage2@example.test
wait_inbox "$S2" 1
out=$("$R" --config "$C6" fetch 2>/dev/null); rc=$?
is "$rc" 0 "keep_in_place fetch succeeds"
like "$out" "stage2: 1 new message (1 stored)" "the message is stored"
is "$(inbox "$S2")" "1" "and left in the INBOX"
like "$(imapcmd stage2 'UID SEARCH KEYWORD $RedressIngested')" "SEARCH 1" "flagged \$RedressIngested"
out=$("$R" --config "$C6" fetch 2>/dev/null)
like "$out" "stage2: 0 new messages" "a second fetch skips it"
is "$(sql "select count(*) from messages")" "7" "no duplicate"

# 10. Plain text only when the configuration allows it (loopback tests).
C7="$T/plain.conf"
conf "$C7" complaints "imap://127.0.0.1:$IMAP_PORT/INBOX" "imap_allow_plaintext = true"
"$R" --config "$C7" fetch >/dev/null 2>"$T/err"; rc=$?
is "$rc" 0 "imap_allow_plaintext = true talks plain IMAP"
like "$(cat "$T/err")" "plaintext=yes" "and warns about it"

# 11. --wait: IDLE picks up mail that arrives while waiting, within seconds.
"$R" --config "$C" fetch --mailbox complaints --wait 30 >"$T/wait.out" 2>"$T/wait.err" &
waiter=$!
sleep 1
start=$(date +%s)
msg m8 "Arrived during IDLE"
send m8 complaints@example.test
wait "$waiter"; rc=$?
took=$(( $(date +%s) - start ))
is "$rc" 0 "fetch --wait exits cleanly"
like "$(cat "$T/wait.out")" "complaints: 1 new message (1 stored)" "the message that arrived while idling is stored"
check "within seconds, not at the timeout (took ${took}s)" test "$took" -lt 10
is "$(inbox "$MB")" "0" "and moved to Processed"

# 12. A server without MOVE (and then without UIDPLUS either): the move
#     falls back to COPY + \Deleted + (UID) EXPUNGE, with the same result.
#     Dovecot is restarted advertising fewer capabilities; it still
#     understands MOVE, so only redress's own choice is exercised.
PROCESSED="$MAIL_ROOT/complaints@example.test/Maildir/.Processed"
processed_n() { ls "$PROCESSED/cur" "$PROCESSED/new" 2>/dev/null | grep -c '^[0-9]'; }
caps_base="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY SPECIAL-USE"
n=9
cp "$C" "$T/debug.conf"
printf '[redress]\nlog_level = debug\n' >> "$T/debug.conf"
for variant in "without MOVE" "without MOVE or UIDPLUS"; do
    caps=$caps_base
    [ "$variant" = "without MOVE or UIDPLUS" ] && caps=$(echo "$caps_base" | sed 's/ UIDPLUS//')
    bash tests/mailservers.sh stop-imap "$D" >/dev/null 2>&1
    sed -i '/^protocol imap {/,/^}/d' "$D/dovecot/dovecot.conf"
    # rawlog: Dovecot writes each session's commands to $D/rawlog, so the
    # test sees which commands redress really sent.
    mkdir -p "$D/rawlog"
    chown "$(stat -c '%u:%g' "$MAIL_ROOT")" "$D/rawlog"
    rm -f "$D/rawlog/"*
    printf 'protocol imap {\n  imap_capability = %s\n  rawlog_dir = %s\n}\n' "$caps" "$D/rawlog" >> "$D/dovecot/dovecot.conf"
    bash tests/mailservers.sh start-imap "$D" >/dev/null 2>&1
    caps_seen=$(curl -s --url "imaps://127.0.0.1:$IMAPS_PORT/" --cacert "$CA_FILE" --user "complaints:$MAIL_PASSWORD" -X CAPABILITY | tr -d '\r')
    check "the server now advertises no MOVE ($variant)" sh -c "! echo '$caps_seen' | grep -qw MOVE"
    before=$(processed_n)
    msg "m$n" "Moved $variant"
    send "m$n" complaints@example.test
    wait_inbox "$MB" 1
    out=$("$R" --config "$T/debug.conf" fetch --mailbox complaints 2>"$T/err"); rc=$?
    is "$rc" 0 "fetch $variant succeeds"
    uidplus=1; [ "$variant" = "without MOVE or UIDPLUS" ] && uidplus=0
    like "$(cat "$T/err")" "move=0 uidplus=$uidplus" "redress saw the capabilities ($variant)"
    like "$out" "complaints: 1 new message (1 stored)" "the message is stored ($variant)"
    is "$(inbox "$MB")" 0 "it left the INBOX ($variant)"
    is "$(processed_n)" $((before + 1)) "it is in Processed ($variant)"
    # Every command line of every session, tag and any timestamp dropped.
    cat "$D/rawlog/"*.in 2>/dev/null | tr -d '\r' | tr 'a-z' 'A-Z' |
        sed -n 's/^\([0-9.]* \)\{0,1\}[^ ]* \(UID [A-Z]*\|[A-Z]*\).*/\2/p' > "$T/commands"
    check "redress sent UID COPY ($variant)" grep -qx 'UID COPY' "$T/commands"
    check "and no MOVE ($variant)" sh -c "! grep -q 'MOVE' '$T/commands'"
    if [ "$uidplus" = 1 ]; then
        check "then UID EXPUNGE ($variant)" grep -qx 'UID EXPUNGE' "$T/commands"
    else
        check "then EXPUNGE, as UIDPLUS is missing ($variant)" grep -qx 'EXPUNGE' "$T/commands"
        check "not UID EXPUNGE ($variant)" sh -c "! grep -qx 'UID EXPUNGE' '$T/commands'"
    fi
    n=$((n + 1))
done
is "$(sql "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")" 0 \
   "no message stored twice"

done_testing
