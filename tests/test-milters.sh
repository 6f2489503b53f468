#!/bin/sh
# test-milters.sh — the council's border in the test mail world
# (MILTERS=1 bash tests/mailservers.sh start): Debian's OpenDKIM and
# OpenDMARC, run as Postfix milters, write the Authentication-Results that
# redress will read. Staff mail submitted on the staff port is signed and
# arrives with dkim=pass and dmarc=pass from $AUTHSERV_ID; the same From
# sent from outside arrives (not rejected) with dmarc=fail; a forged
# Authentication-Results field is removed when it carries a DKIM result
# and otherwise stays, below the real ones, and a forged spf=pass does
# not fool OpenDMARC; only the staff port signs; outside domains are verified,
# never signed; the staff port wants AUTH; a milter that is down makes
# Postfix answer 4xx; s-nail (tests/lib.sh staff_send, staff_reply) sends
# and replies from a Maildir headless. The header order of each delivered
# copy is printed as TAP comments. Needs no redress binary.
# Skips when not root or when the servers cannot be installed or started.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
[ "$(id -u)" = 0 ] || skip_all "needs root to run Postfix, Dovecot and the milters"
command -v bash >/dev/null || skip_all "needs bash for tests/mailservers.sh"
bash tests/mailservers.sh install >/dev/null 2>&1 || skip_all "cannot install the mail servers and milters"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

T=$(mktemp -d /tmp/rd-milters-test.XXXXXX)
M="$T/servers"
chmod 711 "$T"   # the servers' users must reach $M
trap 'bash tests/mailservers.sh stop "$M" >/dev/null 2>&1; rm -rf "$T"' EXIT
env_lines=$(MILTERS=1 bash tests/mailservers.sh start "$M" 2>"$T/start.err") || {
    sed 's/^/# /' "$T/start.err"
    skip_all "the mail servers would not start with their milters"
}
eval "$env_lines"
D=$MAIL_DOMAIN

# Messages in a user's Maildir, and waiting for N of them (delivery is
# ~0.2 s after the 250).
count() { ls "$MAIL_ROOT/$1/Maildir/new" "$MAIL_ROOT/$1/Maildir/cur" 2>/dev/null | grep -c '^[0-9]'; }
has() { [ "$(count "$1")" -ge "$2" ]; }
wait_count() { until_true 5 has "$1" "$2"; }
# newest USER: the latest message delivered to USER.
newest() { ls -t "$MAIL_ROOT/$1/Maildir/new/"* "$MAIL_ROOT/$1/Maildir/cur/"* 2>/dev/null | head -n 1; }
# fields FILE: the header fields, unfolded, one a line.
fields() {
    tr -d '\r' < "$1" | sed '/^$/q' | awk '
        /^$/ { exit }
        /^[ \t]/ { sub(/^[ \t]+/, " "); cur = cur $0; next }
        { if (cur != "") print cur; cur = $0 }
        END { if (cur != "") print cur }'
}
# order FILE N: the names of its first N fields, in order.
order() { fields "$1" | head -n "$2" | sed 's/:.*//' | tr '\n' ' ' | sed 's/ $//'; }
# ar FILE N: the value of its Nth Authentication-Results field.
ar() { fields "$1" | sed -n 's/^Authentication-Results: //Ip' | sed -n "${2}p"; }
# show LABEL FILE: its first 15 header fields as TAP comments, each cut
# to 150 characters (DKIM-Signature and the like are long).
show() {
    echo "# $1: the first 15 header fields of the delivered copy, top first"
    fields "$2" | head -n 15 | cut -c1-150 | sed 's/^/#   /'
}
# send PORT FROM RCPT FILE [curl options]: SMTP, as curl does it.
send() {
    _p=$1 _f=$2 _r=$3 _m=$4
    shift 4
    curl -sS --url "smtp://$MAIL_HOST:$_p" --mail-from "$_f" --mail-rcpt "$_r" --upload-file "$_m" "$@"
}
# letter FILE FROM SUBJECT [EXTRA-HEADER-LINES]: a plain message, CRLF.
letter() {
    { [ -z "${4:-}" ] || printf '%s\n' "$4"
      printf 'From: %s\nTo: complaints@%s\nSubject: %s\nDate: %s\nMessage-ID: <%s@%s>\n\nThe street light on Mill Lane is out.\n' \
          "$2" "$D" "$3" "$(date -R)" "$3" "$D"
    } | sed 's/$/\r/' > "$1"
}
STAFF_AUTH="staff@$D:$MAIL_PASSWORD"

# ---- the world ---------------------------------------------------------------
is "$AUTHSERV_ID" "mx.$D" "AUTHSERV_ID is mx.\$MAIL_DOMAIN"
check "STAFF_SMTP_PORT is exported" test -n "${STAFF_SMTP_PORT:-}"
check "status counts the milters as part of the world" bash tests/mailservers.sh status "$M"

# ---- (a) staff mail, staff port: signed, then dkim=pass and dmarc=pass -------
letter "$T/a.eml" "staff@$D" staff-note-a
send "$STAFF_SMTP_PORT" "staff@$D" "complaints@$D" "$T/a.eml" --user "$STAFF_AUTH" > "$T/a.out" 2>&1
is "$?" 0 "(a) staff@ submits on the staff port with AUTH"
check "(a) it arrives in complaints' Maildir" wait_count "complaints@$D" 1
A=$(newest "complaints@$D")
show "(a) staff port, From staff@$D" "$A"
is "$(order "$A" 8)" "Return-Path Delivered-To Received Authentication-Results Authentication-Results DKIM-Signature Received From" \
    "(a) order: Dovecot's Received, OpenDMARC's A-R, OpenDKIM's A-R, the signature, Postfix's Received, the letter"
like "$(ar "$A" 1)" "mx.$D; dmarc=pass (p=reject dis=none) header.from=$D" "(a) the first A-R: OpenDMARC, dmarc=pass header.from=$D"
like "$(ar "$A" 2)" "mx.$D; dkim=pass (2048-bit key) header.d=$D header.i=@$D header.a=rsa-sha256 header.s=$DKIM_SELECTOR" \
    "(a) the second A-R: OpenDKIM, dkim=pass header.d=$D"
like "$(fields "$A" | grep '^DKIM-Signature:')" "d=$D; s=$DKIM_SELECTOR;" "(a) signed by the staff port with d=$D s=$DKIM_SELECTOR"
like "$(fields "$A" | grep '^Received:' | sed -n 2p)" "by mail.$D (Postfix) with ESMTPA" "(a) Postfix's Received says ESMTPA (authenticated)"

# ---- (b) the same From from outside: unsigned, dmarc=fail, still delivered -----
letter "$T/b.eml" "staff@$D" spoof-b
send "$SMTP_PORT" "staff@$D" "complaints@$D" "$T/b.eml" > "$T/b.out" 2>&1
is "$?" 0 "(b) the outside port takes From staff@ unsigned (RejectFailures false)"
check "(b) it arrives" wait_count "complaints@$D" 2
B=$(newest "complaints@$D")
show "(b) outside port, From staff@$D, unsigned" "$B"
is "$(order "$B" 7)" "Return-Path Delivered-To Received Authentication-Results Authentication-Results Received From" \
    "(b) order: Received, OpenDMARC's A-R, OpenDKIM's A-R, Postfix's Received, the letter"
like "$(ar "$B" 1)" "mx.$D; dmarc=fail (p=reject dis=none) header.from=$D" "(b) dmarc=fail (p=reject dis=none) header.from=$D"
is "$(ar "$B" 2)" "mx.$D; dkim=none; dkim-atps=neutral" "(b) dkim=none (AlwaysAddARHeader)"
is "$(fields "$B" | grep -c '^DKIM-Signature:')" 0 "(b) not signed"

# ---- (c) forged Authentication-Results from the sender ----------------------------
FORGED="Authentication-Results: mx.$D; dkim=pass header.d=$D; dmarc=pass header.from=$D"
letter "$T/c1.eml" "staff@$D" forged-c1 "$FORGED"
send "$SMTP_PORT" "staff@$D" "complaints@$D" "$T/c1.eml" > /dev/null 2>&1
check "(c) a message with a forged A-R (dkim=pass and dmarc=pass) arrives" wait_count "complaints@$D" 3
C1=$(newest "complaints@$D")
show "(c) outside port, forged '$FORGED'" "$C1"
is "$(fields "$C1" | grep -ci '^Authentication-Results:')" 2 \
    "(c) OpenDKIM has removed the forged field (its authserv-id, a DKIM result): two A-R left"
like "$(ar "$C1" 1)" "mx.$D; dmarc=fail" "(c) OpenDMARC is not fooled: dmarc=fail"
is "$(ar "$C1" 2)" "mx.$D; dkim=none; dkim-atps=neutral" "(c) OpenDKIM: dkim=none"
FORGED2="Authentication-Results: mx.$D; dmarc=pass header.from=$D"
letter "$T/c2.eml" "staff@$D" forged-c2 "$FORGED2"
send "$SMTP_PORT" "staff@$D" "complaints@$D" "$T/c2.eml" > /dev/null 2>&1
check "(c) a message with a forged A-R holding only dmarc=pass arrives" wait_count "complaints@$D" 4
C2=$(newest "complaints@$D")
show "(c) outside port, forged '$FORGED2'" "$C2"
is "$(order "$C2" 8)" "Return-Path Delivered-To Received Authentication-Results Authentication-Results Received Authentication-Results From" \
    "(c) the forged field stays where the sender put it: below Postfix's Received, under the real ones"
like "$(ar "$C2" 1)" "mx.$D; dmarc=fail" "(c) the first A-R is the real one: dmarc=fail"
is "$(ar "$C2" 3)" "mx.$D; dmarc=pass header.from=$D" "(c) the third, the forged one, says dmarc=pass: only the topmost may be trusted"

FORGED3="Authentication-Results: mx.$D; spf=pass smtp.mailfrom=$D"
letter "$T/c3.eml" "staff@$D" forged-c3 "$FORGED3"
send "$SMTP_PORT" "staff@$D" "complaints@$D" "$T/c3.eml" > /dev/null 2>&1
check "(c) a message with a forged spf=pass A-R arrives" wait_count "complaints@$D" 5
C3=$(newest "complaints@$D")
like "$(ar "$C3" 1)" "mx.$D; dmarc=fail" "(c) OpenDMARC does not take the forged spf=pass (SPFIgnoreResults): dmarc=fail"
is "$(ar "$C3" 3)" "mx.$D; spf=pass smtp.mailfrom=$D" "(c) the forged spf=pass stays, third"
letter "$T/c4.eml" "staff@$D" authenticated-outside
send "$SMTP_PORT" "staff@$D" "complaints@$D" "$T/c4.eml" --user "$STAFF_AUTH" > /dev/null 2>&1
check "(c) staff@ authenticated on the outside port: delivered" wait_count "complaints@$D" 6
C4=$(newest "complaints@$D")
is "$(fields "$C4" | grep -c '^DKIM-Signature:')" 0 "(c) but not signed: only the staff port signs"
like "$(ar "$C4" 1)" "mx.$D; dmarc=fail" "(c) so dmarc=fail"

# ---- (d) outside domains: verified, never signed --------------------------------
letter "$T/d1.eml" "complainant@$PUBLIC_DOMAIN" outside-d1
send "$SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "complaints@$D" "$T/d1.eml" > /dev/null 2>&1
check "(d) a complainant's mail arrives" wait_count "complaints@$D" 7
D1=$(newest "complaints@$D")
show "(d) outside port, From complainant@$PUBLIC_DOMAIN" "$D1"
is "$(ar "$D1" 1)" "mx.$D; dmarc=none (p=none dis=none) header.from=$PUBLIC_DOMAIN" \
    "(d) dmarc=none: $PUBLIC_DOMAIN publishes no DMARC record"
is "$(ar "$D1" 2)" "mx.$D; dkim=none; dkim-atps=neutral" "(d) dkim=none"
is "$(fields "$D1" | grep -c '^DKIM-Signature:')" 0 "(d) not signed"
letter "$T/d2.eml" "complainant@$PUBLIC_DOMAIN" outside-d2
send "$STAFF_SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "complaints@$D" "$T/d2.eml" --user "$STAFF_AUTH" > /dev/null 2>&1
check "(d) the staff port takes an outside From too" wait_count "complaints@$D" 8
D2=$(newest "complaints@$D")
is "$(fields "$D2" | grep -c '^DKIM-Signature:')" 0 "(d) but signs only @$D"
is "$(ar "$D2" 2)" "mx.$D; dkim=none; dkim-atps=neutral" "(d) and verifies it as any other"

# ---- the staff port wants AUTH; a milter down means 4xx --------------------------
letter "$T/e0.eml" "staff@$D" unauthenticated
out=$(send "$STAFF_SMTP_PORT" "staff@$D" "complaints@$D" "$T/e0.eml" 2>&1); rc=$?
check "the staff port refuses a client that has not authenticated" test "$rc" != 0
like "$out" "554" "with 554 at RCPT"
bash tests/mailservers.sh stop-milters "$M" 2>/dev/null
check "status fails while the milters are down" sh -c "! bash tests/mailservers.sh status '$M'"
letter "$T/down.eml" "complainant@$PUBLIC_DOMAIN" milters-down
out=$(send "$SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "complaints@$D" "$T/down.eml" 2>&1); rc=$?
check "milters down: the message is refused (milter_default_action = tempfail)" test "$rc" != 0
like "$out" "451" "with 451: try again later"
before=$(count "complaints@$D")
bash tests/mailservers.sh start-milters "$M" 2>/dev/null
send "$SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "complaints@$D" "$T/down.eml" > /dev/null 2>&1
is "$?" 0 "milters back (start-milters): taken again"
check "and delivered, checked" wait_count "complaints@$D" $((before + 1))
like "$(ar "$(newest "complaints@$D")" 2)" "dkim=none" "with the milters' results"

# ---- (e) s-nail: a real mail client, headless -------------------------------------
command -v s-nail >/dev/null 2>&1 || { echo "not ok - s-nail is missing (tests/mailservers.sh install)"; done_testing; exit 1; }
n=$(count "chief.executive@$D")
staff_send "chief.executive@$D" "Staff note" "Line one of a staff note." "Line two." > "$T/e1.out" 2>&1
is "$?" 0 "(e) staff_send: s-nail sends through the staff port (STARTTLS, AUTH)"
check "(e) it arrives" wait_count "chief.executive@$D" $((n + 1))
E1=$(newest "chief.executive@$D")
show "(e) s-nail, staff_send" "$E1"
like "$(ar "$E1" 1)" "dmarc=pass (p=reject dis=none) header.from=$D" "(e) dmarc=pass"
like "$(ar "$E1" 2)" "dkim=pass" "(e) dkim=pass"
like "$(fields "$E1" | grep '^Received:' | sed -n 2p)" "with ESMTPSA" "(e) over TLS with AUTH (ESMTPSA)"
like "$(fields "$E1" | grep '^User-Agent:')" "s-nail" "(e) written by s-nail"
like "$(tr -d '\r' < "$E1" | sed '1,/^$/d')" "Line one of a staff note.
Line two." "(e) with the text"

# Two messages in the staff member's Maildir; the second has a Reply-To,
# as redress's letters do.
SM="$MAIL_ROOT/staff@$D/Maildir"
ns=$(count "staff@$D")
letter "$T/s1.eml" "complainant@$PUBLIC_DOMAIN" first-to-staff
send "$SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "staff@$D" "$T/s1.eml" > /dev/null 2>&1
wait_count "staff@$D" $((ns + 1))
sleep 1   # s-nail orders Maildir messages by the time in their names
letter "$T/s2.eml" "Pat Citizen <complainant@$PUBLIC_DOMAIN>" second-to-staff "Reply-To: complaints+cmp-2026-000001-x1y2@$D"
send "$SMTP_PORT" "complainant@$PUBLIC_DOMAIN" "staff@$D" "$T/s2.eml" > /dev/null 2>&1
check "(e) two messages wait in staff's Maildir" wait_count "staff@$D" $((ns + 2))
nc=$(count "complaints@$D")
staff_reply "$SM" $((ns + 2)) "Thank you, an engineer will visit." "Regards, Staff" > "$T/e2.out" 2>&1
is "$?" 0 "(e) staff_reply: s-nail replies to message $((ns + 2)) of the Maildir"
check "(e) the reply reaches the Reply-To address (complaints+…)" wait_count "complaints@$D" $((nc + 1))
E2=$(newest "complaints@$D")
show "(e) s-nail, staff_reply" "$E2"
is "$(fields "$E2" | sed -n 's/^To: //p')" "complaints+cmp-2026-000001-x1y2@$D" "(e) To: the Reply-To, honoured"
is "$(fields "$E2" | sed -n 's/^In-Reply-To: //p')" "<second-to-staff@$D>" "(e) In-Reply-To the message replied to"
is "$(fields "$E2" | sed -n 's/^Subject: //p')" "Re: second-to-staff" "(e) Subject: Re: …"
body=$(tr -d '\r' < "$E2" | sed '1,/^$/d')
like "$body" "Pat Citizen <complainant@$PUBLIC_DOMAIN> wrote:

> The street light on Mill Lane is out.
Thank you, an engineer will visit.
Regards, Staff" "(e) the original quoted with '> ', then the reply"
like "$(ar "$E2" 1)" "dmarc=pass (p=reject dis=none) header.from=$D" "(e) the reply: dmarc=pass"
like "$(ar "$E2" 2)" "dkim=pass" "(e) and dkim=pass"
is "$(ls "$SM/new" | grep -c '^[0-9]')" "$((ns + 2))" "(e) the Maildir is left as it was (read-only): both still in new/"
staff_reply "$SM" 99 "nobody gets this" > "$T/e3.out" 2>&1
check "(e) staff_reply to a message that is not there fails" test "$?" != 0

done_testing
