#!/bin/sh
# test-config-check.sh — `redress config check` is the daemon's own check.
#
# Every check that fetch, outbox send and daemon make at start runs in
# config check, without any network: URL schemes, the IMAP and SMTP keys
# that go together, secret files (owner, mode, readable), CA files (PEM),
# the bank-holidays file, the templates; every problem at once, each as
# FILE:LINE, a syntax error or an unknown group or mailbox role hiding
# nothing. The commands refuse what the check refuses, with the same
# lines, and accept what it passes. As root, the permission cases are run
# again as nobody (setpriv), for whom root's files are unreadable.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
T=$(mktemp -d /tmp/rd-confcheck.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
unset REDRESS_CONFIG
export REDRESS_DB="$T/case.db"
HOL="$PWD/examples/bank-holidays.json"

printf 'secret\n' > "$T/pw"
chmod 600 "$T/pw"
cp "$T/pw" "$T/pw644"
chmod 644 "$T/pw644"
openssl req -x509 -nodes -days 2 -subj "/CN=localhost" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
echo "not a certificate" > "$T/junk.pem"

# confcheck FILE: config check on FILE; $rc, its stderr in $T/err.
confcheck() { "$R" --config "$1" config check >"$T/out" 2>"$T/err"; rc=$?; }
# lines FILE ERRFILE: the FILE:LINE lines in ERRFILE, sorted.
lines() { grep -F "$1:" "$2" | sort; }
# same_lines FILE ERRFILE DESC: ERRFILE holds the very FILE:LINE lines
# config check gave ($T/err), and there are some.
same_lines() {
    if [ -n "$(lines "$1" "$T/err")" ]; then
        is "$(lines "$1" "$2")" "$(lines "$1" "$T/err")" "$3"
    else
        is "(config check gave no line)" "(some)" "$3"
    fi
}
# numbers FILE: the line numbers config check gave for FILE, in order.
numbers() { grep -o "^$1:[0-9]*" "$T/err" | sed 's/.*://' | sort -n | tr '\n' ' '; }

# ---- the cases config check used to pass or report badly -------------------
printf '[mailbox:complaints]\nimap_url = http://mail.example/INBOX\nimap_user = complaints\nimap_password_file = %s\n' \
    "$T/pw" > "$T/http.conf"
confcheck "$T/http.conf"
is "$rc" 1 "an http:// imap_url fails config check"
like "$(cat "$T/err")" "$T/http.conf:2: imap_url must be imaps://HOST[:PORT]/FOLDER (TLS) or imap://HOST[:PORT]/FOLDER (STARTTLS)" \
    "saying what an imap_url must be, at its line"
"$R" --config "$T/http.conf" fetch >/dev/null 2>"$T/ferr"; frc=$?
is "$frc" 1 "fetch refuses it (exit 1)"
same_lines "$T/http.conf" "$T/ferr" "with the same line"
printf '[mailbox:complaints]\nimap_url = imaps://complaints@mail.example/INBOX\n' > "$T/userurl.conf"
confcheck "$T/userurl.conf"
like "$(cat "$T/err")" "$T/userurl.conf:2: imap_url must be" "a user name in imap_url is refused (it is imap_user's)"

printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:1/INBOX\nimap_user = complaints\nimap_password_file = %s\n' \
    "$T/pw644" > "$T/perm.conf"
confcheck "$T/perm.conf"
is "$rc" 1 "an IMAP password file others can read fails config check"
like "$(cat "$T/err")" "$T/perm.conf:4: [mailbox:complaints] imap_password_file $T/pw644: refused: other users can read or change it (mode 0644). Fix it with: chmod 600 $T/pw644" \
    "at the key's line, with the fix"
"$R" --config "$T/perm.conf" fetch >/dev/null 2>"$T/ferr"; frc=$?
is "$frc" 1 "fetch refuses it (exit 1)"
same_lines "$T/perm.conf" "$T/ferr" "with the same line"

printf '[smtp]\nurl = smtp://127.0.0.1:1\nuser = complaints\npassword_file = %s\n' "$T/nope" > "$T/smtppw.conf"
confcheck "$T/smtppw.conf"
is "$rc" 1 "a missing SMTP password file fails config check"
like "$(cat "$T/err")" "$T/smtppw.conf:4: [smtp] password_file $T/nope: cannot read it: No such file or directory" \
    "at the key's line"
"$R" --config "$T/smtppw.conf" outbox send >/dev/null 2>"$T/ferr"; frc=$?
is "$frc" 1 "outbox send refuses it (exit 1)"
same_lines "$T/smtppw.conf" "$T/ferr" "with the same line"

printf '[calendar]\nbank_holidays = %s\n' "$T/nohol.json" > "$T/hol.conf"
confcheck "$T/hol.conf"
is "$rc" 1 "a missing bank-holidays file fails config check"
like "$(cat "$T/err")" "$T/hol.conf:2: [calendar] bank_holidays $T/nohol.json: cannot read it: No such file or directory" \
    "at the key's line"
"$R" --config "$T/hol.conf" ingest -q "tests/fixtures/mail/01-new-complaint.eml" 2>"$T/ferr"; frc=$?
is "$frc" 1 "ingest (through the rules) refuses it too"
like "$(cat "$T/ferr")" "$(lines "$T/hol.conf" "$T/err")" "with the same message"
echo '{"england-and-wales": ' > "$T/bad.json"
printf '[calendar]\nbank_holidays = %s\n' "$T/bad.json" > "$T/json.conf"
confcheck "$T/json.conf"
like "$(cat "$T/err")" "$T/json.conf:2: [calendar] bank_holidays $T/bad.json: not valid JSON" "a bank-holidays file that does not parse"

# ---- several problems, syntax among them: all reported -------------------------
cat > "$T/several.conf" <<EOF
[redress
reference_prefix = C0MP
[mailbox:complaint]
address = nobody
[mailbox:complaints]
imap_url = imaps://127.0.0.1:1/INBOX
imap_password_file = $T/pw644
[smtp
url = smtp://127.0.0.1:1
user = complaints
password_file = $T/nope
[calendar]
bank_holidays = $T/nohol.json
[weird]
this line has no equals sign
; a comment as other programs write it
[daemon]
poll_interval = 2h
EOF
printf 'caf\351 = latin-1\n' >> "$T/several.conf"
confcheck "$T/several.conf"
is "$rc" 1 "a file with many problems fails"
is "$(numbers "$T/several.conf")" "1 2 3 4 5 7 8 11 13 14 15 16 18 19 " \
    "every problem is reported, each at its line (syntax, unknown group and role included)"
is "$(grep -c "^$T/several.conf:" "$T/err")" 14 "one line per problem"
like "$(cat "$T/err")" "redress config check: 14 problems in $T/several.conf" "and the count"
like "$(cat "$T/err")" "$T/several.conf:1: group header is missing its closing ']'; read as [redress]" "a missing ']' is reported"
like "$(cat "$T/err")" "$T/several.conf:2: reference_prefix must be 2 to 8 letters" "and the keys under it still checked"
like "$(cat "$T/err")" "$T/several.conf:3: unknown mailbox [mailbox:complaint]" "an unknown role is reported"
like "$(cat "$T/err")" "$T/several.conf:4: address must be one email address" "and its keys still checked"
like "$(cat "$T/err")" "$T/several.conf:5: [mailbox:complaints] imap_user is not set" "a missing key is reported at its group"
like "$(cat "$T/err")" "$T/several.conf:14: unknown group [weird]" "an unknown group is reported"
like "$(cat "$T/err")" "$T/several.conf:16: a comment starts with '#', not ';'" "a ';' comment is reported"
like "$(cat "$T/err")" "$T/several.conf:18: poll_interval must be a period such as 5d, 12h or 30m, from 1 second to 25 minutes" \
    "period bounds read as periods"
like "$(cat "$T/err")" "$T/several.conf:19: this line is not UTF-8 text" "a line that is not UTF-8 is reported"
check "the messages are UTF-8 (no byte of the bad line echoed)" iconv -f UTF-8 -t UTF-8 "$T/err"

# ---- the keys that go together, and CA files -----------------------------------------
printf '[mailbox:stage2]\nimap_url = imaps://mail.example/INBOX\nimap_ca_file = %s\n' "$T/junk.pem" > "$T/keys.conf"
printf '[smtp]\nurl = smtps://mail.example:465\nauth = xoauth2\nca_file = %s\n' "$T/noca.pem" >> "$T/keys.conf"
confcheck "$T/keys.conf"
is "$rc" 1 "incomplete IMAP and SMTP settings fail config check"
like "$(cat "$T/err")" "$T/keys.conf:1: [mailbox:stage2] imap_user is not set" "imap_user missing"
like "$(cat "$T/err")" "$T/keys.conf:1: [mailbox:stage2] imap_password_file is not set" "the password file missing"
like "$(cat "$T/err")" "$T/keys.conf:3: [mailbox:stage2] imap_ca_file $T/junk.pem: holds no certificate" \
    "a CA file that is not PEM"
like "$(cat "$T/err")" "$T/keys.conf:6: [smtp] auth = xoauth2 needs user" "XOAUTH2 without user"
is "$(grep -c "^$T/keys.conf:6: \[smtp\] XOAUTH2 needs oauth_" "$T/err")" 3 "each missing oauth_ key, at the auth line"
like "$(cat "$T/err")" "$T/keys.conf:7: [smtp] ca_file $T/noca.pem: cannot read it" "a missing SMTP CA file"
is "$(grep -c "^$T/keys.conf:" "$T/err")" 8 "eight problems, all reported"

# The Sent copies' account is [smtp]'s concern for outbox send; reported once.
printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:1/INBOX\nimap_user = c\nimap_password_file = %s\n' "$T/pw644" > "$T/sent.conf"
printf '[smtp]\nurl = smtp://127.0.0.1:1\nsent_mailbox = complaints\n' >> "$T/sent.conf"
confcheck "$T/sent.conf"
is "$(grep -c "^$T/sent.conf:4: " "$T/err")" 1 "the Sent copies' unsafe password file is reported once"
"$R" --config "$T/sent.conf" outbox send >/dev/null 2>"$T/ferr"; frc=$?
is "$frc" 1 "outbox send refuses it before sending (exit 1)"
same_lines "$T/sent.conf" "$T/ferr" "with the same line"

# ---- the templates ------------------------------------------------------------------
printf '[letters]\ntemplates = %s\n' "$T/none" > "$T/tpl.conf"
confcheck "$T/tpl.conf"
like "$(cat "$T/err")" "$T/tpl.conf:2: [letters] templates $T/none: cannot read it: No such file or directory" \
    "a templates folder that is not there, at its line"
cp -r templates/letters "$T/tpl"
echo '{{case.nonesuch}}' >> "$T/tpl/en/holding-reply.txt"
printf '[letters]\ntemplates = %s\n' "$T/tpl" > "$T/var.conf"
confcheck "$T/var.conf"
is "$rc" 1 "a template with an unknown variable fails config check"
like "$(cat "$T/err")" "$T/tpl/en/holding-reply.txt:" "naming the template's file and line"
like "$(cat "$T/err")" "unknown variable 'case.nonesuch'" "and the variable"

# ---- what passes the check, the commands accept --------------------------------------
cat > "$T/good.conf" <<EOF
[calendar]
bank_holidays = $HOL
[mailbox:complaints]
imap_url = imaps://127.0.0.1:1/INBOX
imap_user = complaints
imap_password_file = $T/pw
imap_ca_file = $T/ca.pem
[smtp]
url = smtp://127.0.0.1:1
user = complaints
password_file = $T/pw
ca_file = $T/ca.pem
sent_mailbox = complaints
timeout = 2
EOF
confcheck "$T/good.conf"
is "$rc" 0 "a complete configuration passes config check"
"$R" --config "$T/good.conf" fetch >/dev/null 2>"$T/ferr"; frc=$?
is "$frc" 2 "fetch accepts it and goes on to the server (down here: exit 2)"
is "$(lines "$T/good.conf" "$T/ferr")" "" "with no configuration problem"
like "$(cat "$T/ferr")" "connect" "the failure is the connection"
out=$("$R" --config "$T/good.conf" outbox send 2>"$T/ferr"); frc=$?
is "$frc" 0 "outbox send accepts it (nothing due)"
like "$out" "0 sent, 0 deferred, 0 failed" "and runs"
"$R" --config "$T/good.conf" daemon 2>"$T/dlog" &
dpid=$!
check "the daemon starts with it" until_true 20 grep -q "daemon started" "$T/dlog"
kill -TERM "$dpid" 2>/dev/null
wait "$dpid"; drc=$?
is "$drc" 0 "and stops cleanly"
timeout 20 "$R" --config "$T/perm.conf" daemon 2>"$T/dlog"; drc=$?
is "$drc" 1 "the daemon refuses what config check refuses (exit 1)"
confcheck "$T/perm.conf"
same_lines "$T/perm.conf" "$T/dlog" "with the same lines"

# ---- as a user other than the owner ---------------------------------------------------
if [ "$(id -u)" = 0 ]; then
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    N="$T/nobody"
    mkdir -p "$N/db" "$N/state" "$N/locked"
    chown nobody "$N/db" "$N/state"
    printf 'secret\n' > "$N/rootpw"; chmod 600 "$N/rootpw"             # root's: nobody cannot read it
    printf 'secret\n' > "$N/theirs"; chmod 600 "$N/theirs"; chown nobody "$N/theirs"
    printf 'token\n' > "$N/locked/refresh"; chmod 600 "$N/locked/refresh"; chown nobody "$N/locked/refresh"
    cp "$HOL" "$N/hol.json"; chmod 600 "$N/hol.json"
    cp "$T/ca.pem" "$N/ca.pem"; chmod 600 "$N/ca.pem"
    cp -r templates/letters "$N/tpl"; chmod 700 "$N/tpl"
    cat > "$N/as.conf" <<EOF
[calendar]
bank_holidays = $N/hol.json
[letters]
templates = $N/tpl
[mailbox:complaints]
imap_url = imaps://127.0.0.1:1/INBOX
imap_user = complaints
imap_password_file = $N/rootpw
imap_ca_file = $N/ca.pem
[mailbox:stage2]
imap_url = imaps://127.0.0.1:1/INBOX
imap_user = stage2
imap_auth = xoauth2
oauth_grant = refresh_token
oauth_token_url = https://127.0.0.1:1/token
oauth_client_id = redress
oauth_refresh_token_file = $N/locked/refresh
EOF
    chmod 644 "$N/as.conf"
    $AS "$R" --config "$N/as.conf" config check >/dev/null 2>"$T/err"; rc=$?
    is "$rc" 1 "as nobody: root's files fail config check"
    like "$(cat "$T/err")" "$N/as.conf:8: [mailbox:complaints] imap_password_file $N/rootpw: cannot read it: Permission denied — make it readable by the user redress runs as" \
        "as nobody: a password file it cannot read, with the fix"
    like "$(cat "$T/err")" "$N/as.conf:9: [mailbox:complaints] imap_ca_file $N/ca.pem: cannot read it: Permission denied" \
        "as nobody: a CA file it cannot read"
    like "$(cat "$T/err")" "$N/as.conf:2: [calendar] bank_holidays $N/hol.json: cannot read it: Permission denied" \
        "as nobody: a bank-holidays file it cannot read"
    like "$(cat "$T/err")" "$N/as.conf:4: [letters] templates $N/tpl: cannot read it: Permission denied" \
        "as nobody: a templates folder it cannot read"
    like "$(cat "$T/err")" "$N/as.conf:17: [mailbox:stage2] oauth_refresh_token_file $N/locked/refresh: redress cannot write in $N/locked" \
        "as nobody: a refresh token in a folder it cannot write"
    is "$(grep -c "^$N/as.conf:" "$T/err")" 5 "as nobody: five problems, all reported"
    $AS "$R" --config "$N/as.conf" --db "$N/db/x.db" fetch --mailbox complaints >/dev/null 2>"$T/ferr"; frc=$?
    is "$frc" 1 "as nobody: fetch refuses the mailbox too"
    like "$(cat "$T/ferr")" "$(grep "^$N/as.conf:2:" "$T/err")" "as nobody: with the same message (here the calendar's, which comes first)"
    # The mailbox part alone, with the calendar and templates fixed.
    sed -i '1,4d' "$N/as.conf"
    $AS "$R" --config "$N/as.conf" config check >/dev/null 2>"$T/err"
    $AS "$R" --config "$N/as.conf" --db "$N/db/x.db" fetch >/dev/null 2>"$T/ferr"; frc=$?
    is "$frc" 1 "as nobody: fetch refuses both mailboxes (exit 1)"
    same_lines "$N/as.conf" "$T/ferr" "as nobody: with the lines config check gave"
    # A file of nobody's own, mode 600, is fine for nobody; root refuses
    # it (not its own, not root's), as the service's user would.
    printf '[mailbox:complaints]\nimap_url = imaps://127.0.0.1:1/INBOX\nimap_user = c\nimap_password_file = %s\n' \
        "$N/theirs" > "$N/own.conf"
    chmod 644 "$N/own.conf"
    $AS "$R" --config "$N/own.conf" config check >/dev/null 2>&1
    is "$?" 0 "as nobody: its own password file (mode 600) passes"
    confcheck "$N/own.conf"
    like "$(cat "$T/err")" "$N/own.conf:4: [mailbox:complaints] imap_password_file $N/theirs: refused: it belongs to uid" \
        "as root: a password file owned by another user is refused"
else
    echo "# not root: the permission cases for another user are not run"
fi

# A mailbox without an address is at the council's domain.
printf '[council]\ndomain = Borough.Gov.UK\n[mailbox:stage2]\naddress = s2@other.example\n' > "$T/domain.conf"
out=$("$R" --config "$T/domain.conf" config check 2>&1)
like "$out" "mailbox complaints         complaints@borough.gov.uk" "a default mailbox address takes [council] domain"
like "$out" "mailbox stage2             s2@other.example" "an address given is kept"

# The staff directory and [staff_auth]: every problem with its line, and
# `redress staff list` shows what was read.
cat > "$T/staff.conf" <<'EOF'
[council]
domain = council.example
[staff:sam@council.example]
name = Sam Patel
role = handler
services = housing; repairs
also = s.p@council.example
[staff:Bad Address]
name = x
[staff:morgan@council.example]
role = boss
also = sam@council.example
[staff:complaints@council.example]
[staff_auth]
policy = authentication-results+tokn
EOF
"$R" --config "$T/staff.conf" config check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "a bad staff directory fails config check"
errs=$(cat "$T/err")
like "$errs" "staff.conf:8: [staff:Bad Address]: a member of staff is named by one email address" "a group that is not an address, at its line"
like "$errs" "staff.conf:11: role must be handler, complaints-manager or stage2-manager, not 'boss'" "a bad role, at its line"
like "$errs" "staff.conf:15: policy: unknown staff authentication policy 'tokn'" "a bad policy word, at its line"
like "$errs" "staff.conf:12: sam@council.example is also the address of [staff:sam@council.example]" "an address given to two members"
like "$errs" "complaints@council.example is redress's own complaints mailbox" "a staff address that is one of redress's mailboxes"
printf '[staff:sam@council.example]\nname = Sam\n' > "$T/nopolicy.conf"
"$R" --config "$T/nopolicy.conf" config check >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "need [staff_auth] policy" "a directory without a policy is refused (there is no safe default)"
printf '[staff:sam@council.example]\n[staff_auth]\npolicy = authentication-results\n' > "$T/noids.conf"
"$R" --config "$T/noids.conf" config check >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "noids.conf:3: policy authentication-results needs trusted_authserv_ids" "authentication-results names its servers"
printf '[staff:sam@council.example]\nname = Sam Patel\nalso = s.p@council.example\n[staff_auth]\npolicy = token+authentication-results\ntrusted_authserv_ids = MX.Council.Example\n' > "$T/good.conf"
"$R" --config "$T/good.conf" config check >/dev/null 2>&1
is "$?" 0 "a good staff directory passes"
out=$("$R" --config "$T/good.conf" staff list)
like "$out" "sam@council.example" "staff list names the member"
like "$out" "Sam Patel" "with the name"
like "$out" "also: s.p@council.example" "and the other address"
like "$out" "Trusted servers: mx.council.example" "and the trusted server, lower case"
js=$("$R" --config "$T/good.conf" staff list --json | tr -d ' \n')
like "$js" '"policy":"token+authentication-results"' "staff list --json gives the policy"
like "$js" '"role":"handler","services":null' "and null for every service"
printf '[staff:sam@council.example]\n[staff_auth]\npolicy = from-only\n' > "$T/fromonly.conf"
"$R" --config "$T/fromonly.conf" staff list >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "ANYONE can act as a member of staff" "from-only is warned about loudly"

done_testing
