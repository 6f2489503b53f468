# common.sh — what the fault scripts of tests/faults/ share (sourced, POSIX sh).
#
# Source it from the top of the tree, after `. tests/lib.sh`. It sets
#   R      the redress binary ($RD_BUILD/redress; build-asan by default)
#   T      a scratch folder (world-searchable, for the runs as nobody),
#          removed at exit with everything registered by at_exit
# and gives:
#   at_exit CMD                 run CMD at exit (last registered, first run)
#   bg_pid PID / bg_done PID    a process of ours to SIGKILL at exit, and
#                               forgetting it once reaped
#   servers_start               Dovecot and Postfix on 127.0.0.1
#                               (tests/mailservers.sh) with the complaints
#                               Maildir ready; FALSE without root or when
#                               they will not start ($T/start.err says why)
#   write_conf FILE [IMAP-USER] [SMTP-URL]
#                               a configuration: the complaints mailbox
#                               read from IMAP-USER's INBOX (complaints),
#                               letters through Postfix (or SMTP-URL, plain
#                               text allowed; neither before servers_start),
#                               the daemon's intervals short
#   mail_file FILE I            complaint number I; every tenth is instead a
#                               reply (In-Reply-To) to the one before it;
#                               the complaints carry $PAD_FILE when set
#   pad_file FILE BYTES         text to pad messages with
#   cases_for N                 how many cases complaints 1..N make
#   deliver MAILDIR FIRST LAST  complaints FIRST..LAST into a Maildir, in
#                               UID order, as a delivery agent writes them
#   files MAILDIR               messages in a Maildir folder
#   sql DB SQL                  sqlite3 with a busy timeout
#   rand N                      a random whole number from 0 to N-1
#   now_ms                      milliseconds since the epoch
#   sleep_ms MS
#   case_file_checks DB N LABEL every TAP check of "nothing lost, nothing
#                               twice" on a case file that should hold
#                               complaints 1..N; sets LOST and DUPS
#   server_checks MAILDIR N     every message on the server in INBOX or
#                               Processed exactly once; adds to LOST, DUPS
#   figure FAULT ROUNDS MESSAGES LOST DUPLICATED SECONDS
#                               one row of the figures table: appended to
#                               $FAULT_FIGURES when the campaign (run.sh)
#                               set it, else printed at exit
#
# Mail on the server is written straight into the Maildirs (tmp/, then a
# rename into new/), named "I.…" so that Dovecot numbers it in order of I.

R="$PWD/${RD_BUILD:-build-asan}/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
T=$(mktemp -d /tmp/rd-fault.XXXXXX)
chmod 755 "$T"
unset REDRESS_CONFIG REDRESS_DB
_exit_cmds=""
_bg=""
_fig="$T/figures"
: > "$_fig"

at_exit() { _exit_cmds="$1
$_exit_cmds"; }
bg_pid() { _bg="$_bg $1"; }
bg_done() { _bg=$(echo "$_bg" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '); }

_cleanup() {
    for p in $_bg; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    printf '%s\n' "$_exit_cmds" | while IFS= read -r c; do
        [ -n "$c" ] && eval "$c" >/dev/null 2>&1
    done
    if [ -z "${FAULT_FIGURES:-}" ] && [ -s "$_fig" ]; then
        figures_table "$_fig" >&2
    fi
    [ -n "${RD_KEEP_T:-}" ] && cp -r "$T" "/tmp/fault-kept.$$" 2>/dev/null
    rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

sql() { sqlite3 -cmd '.timeout 10000' "$1" "$2"; }
rand() { echo $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1 )); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# ---- figures ---------------------------------------------------------------

figure() {
    printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >> "${FAULT_FIGURES:-$_fig}"
}

# figures_table FILE: the rows as a table.
figures_table() {
    printf '\n%-46s %6s %8s %5s %10s %7s\n' "fault" "rounds" "messages" "lost" "duplicated" "time"
    printf '%-46s %6s %8s %5s %10s %7s\n' "-----" "------" "--------" "----" "----------" "----"
    while IFS='|' read -r f r m l d s; do
        printf '%-46s %6s %8s %5s %10s %6ss\n' "$f" "$r" "$m" "$l" "$d" "$s"
    done < "$1"
}

# ---- mail --------------------------------------------------------------------

cases_for() { echo $(( $1 - $1 / 10 )); }

# pad_file FILE BYTES: that much plain text, in lines of 76 and CRLF.
pad_file() { head -c "$2" /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/' > "$1"; }
_pad40k="$T/pad40k"
pad_file "$_pad40k" 40000

mail_file() {
    _mi=$2
    if [ $((_mi % 10)) -eq 0 ]; then
        _mo=$((_mi - 1))
        printf 'From: Citizen %s <citizen%s@public.test>\r\nTo: complaints@council.test\r\nSubject: Re: Fault complaint %s about the road\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fault-%s@public.test>\r\nIn-Reply-To: <fault-%s@public.test>\r\nReferences: <fault-%s@public.test>\r\n\r\nI forgot to say: it is worse at night (message %s).\r\n' \
            "$_mo" "$_mo" "$_mo" "$_mi" "$_mo" "$_mo" "$_mi" > "$1"
    else
        printf 'From: Citizen %s <citizen%s@public.test>\r\nTo: complaints@council.test\r\nSubject: Fault complaint %s about the road\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fault-%s@public.test>\r\n\r\nPlease look into the state of the road (complaint %s).\r\n' \
            "$_mi" "$_mi" "$_mi" "$_mi" "$_mi" > "$1"
        # Some larger ones, so that batches are cut by size too; all of
        # them with $PAD_FILE set.
        if [ -n "${PAD_FILE:-}" ]; then
            cat "$PAD_FILE" >> "$1"
        elif [ $((_mi % 25)) -eq 7 ]; then
            cat "$_pad40k" >> "$1"
        fi
    fi
    return 0
}

maildir() {
    mkdir -p "$1/new" "$1/cur" "$1/tmp"
    chown -R "$MAILUSER" "$1"
}

deliver() {
    _i=$2
    while [ "$_i" -le "$3" ]; do
        mail_file "$1/tmp/$_i.$$.fault" "$_i"
        _i=$((_i + 1))
    done
    chown "$MAILUSER" "$1"/tmp/*.$$.fault 2>/dev/null
    # One mv, in numeric order: the server sees them arrive together, and
    # listing new/ half-way it cannot number a reply before its complaint.
    _i=$2
    while [ "$_i" -le "$3" ]; do
        echo "$1/tmp/$_i.$$.fault"
        _i=$((_i + 1))
    done | xargs -d '\n' mv -t "$1/new/"
    return 0
}

files() { ls "$1/new" "$1/cur" 2>/dev/null | grep -c '^[0-9]'; }

# ---- servers -----------------------------------------------------------------

servers_start() {
    [ "$(id -u)" = 0 ] || { echo "needs root to run the test mail servers" > "$T/start.err"; return 1; }
    D=$(mktemp -d /tmp/rd-fault-srv.XXXXXX)
    at_exit "bash tests/mailservers.sh stop '$D'; rm -rf '$D'"
    _env=$(bash tests/mailservers.sh start "$D" 2>"$T/start.err") || return 1
    eval "$_env"
    MAILUSER=$(stat -c '%u:%g' "$MAIL_ROOT")
    MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir"
    maildir "$MB"
    printf '%s\n' "$MAIL_PASSWORD" > "$T/pw"
    chmod 600 "$T/pw"
    return 0
}

write_conf() {
    _user=${2:-complaints}
    if [ -n "${3:-}" ]; then
        _smtp="url = $3
allow_plaintext = true"
    elif [ -z "${SMTP_PORT:-}" ]; then
        _smtp="# no servers: letters wait in the outbox"
    else
        _smtp="url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $CA_FILE
user = complaints
password_file = $T/pw"
    fi
    cat > "$1" <<EOF
[council]
domain = ${MAIL_DOMAIN:-council.test}
complaints_manager = manager@${MAIL_DOMAIN:-council.test}
[mailbox:complaints]
address = complaints@${MAIL_DOMAIN:-council.test}
EOF
    if [ -n "${IMAPS_PORT:-}" ]; then
        cat >> "$1" <<EOF
imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
imap_user = $_user
imap_password_file = $T/pw
imap_ca_file = $CA_FILE
EOF
    fi
    cat >> "$1" <<EOF
[smtp]
$_smtp
envelope_from = bounces@${MAIL_DOMAIN:-council.test}
timeout = ${FAULT_SMTP_TIMEOUT:-10}
[daemon]
idle = true
poll_interval = 1
send_interval = 1
sweep_interval = 1h
EOF
}

# ---- checks --------------------------------------------------------------------

case_file_checks() {
    _db=$1 _n=$2 _l=$3
    _cases=$(cases_for "$_n")
    _rows=$(sql "$_db" "select count(*) from messages where direction = 'in' and message_id like 'fault-%'")
    _ids=$(sql "$_db" "select count(distinct message_id) from messages where direction = 'in' and message_id like 'fault-%'")
    is "$_rows" "$_n" "$_l: $_n messages stored"
    is "$_ids" "$_n" "$_l: $_n distinct Message-IDs (none lost, none twice)"
    is "$(sql "$_db" "select count(*) from messages where direction = 'in' and case_id is null")" "0" \
       "$_l: every message is on a case (none half-written, none quarantined)"
    _c=$(sql "$_db" "select count(*) from cases")
    is "$_c" "$_cases" "$_l: $_cases cases, one per complaint (the replies are on their complaint's case)"
    is "$(sql "$_db" "select count(*) from messages r join messages o on o.message_id = 'fault-' || (cast(substr(r.message_id, 7, instr(r.message_id, '@') - 7) as integer) - 1) || '@public.test' where r.message_id like 'fault-%0@%' and r.case_id is not o.case_id")" \
       "0" "$_l: every reply is on its complaint's case"
    _out=$(sql "$_db" "select count(*) from outbox")
    _keys=$(sql "$_db" "select count(distinct idem_key) from outbox")
    is "$_out" "$_keys" "$_l: one outbox row per idempotency key"
    _badack=$(sql "$_db" "select count(*) from cases c where (select count(*) from outbox o where o.case_id = c.id and o.kind like '%acknowledgement') <> 1")
    is "$_badack" "0" "$_l: every case has exactly one acknowledgement"
    _extra_acks=$(sql "$_db" "select coalesce(sum(n - 1), 0) from (select count(*) n from outbox where kind like '%acknowledgement' group by case_id having n > 1)")
    is "$(sql "$_db" "pragma integrity_check")" "ok" "$_l: pragma integrity_check: ok"
    LOST=$(( _n - _ids ))
    DUPS=$(( _rows - _ids + _out - _keys + _extra_acks ))
    [ "$_c" -gt "$_cases" ] && DUPS=$(( DUPS + _c - _cases ))
    [ "$_c" -lt "$_cases" ] && [ "$LOST" -eq 0 ] && LOST=$(( _cases - _c ))
    return 0
}

# The Message-IDs of a Maildir folder, one a line (sorted, repeats kept).
maildir_ids() {
    find "$1/new" "$1/cur" -maxdepth 1 -type f -name '[0-9]*' -exec grep -h -i -m 1 '^Message-ID:' {} + 2>/dev/null |
        sed -n 's/^Message-ID: *<\(fault-[0-9]*\)@.*/\1/Ip' | sort
}

server_checks() {
    _mb=$1 _n=$2 _l=$3
    maildir_ids "$_mb" > "$T/ids.inbox"
    maildir_ids "$_mb/.Processed" > "$T/ids.processed"
    _in=$(wc -l < "$T/ids.inbox" | tr -d ' ')
    _pr=$(wc -l < "$T/ids.processed" | tr -d ' ')
    _uniq=$(sort -u "$T/ids.inbox" "$T/ids.processed" | wc -l | tr -d ' ')
    is "$_in" "0" "$_l: INBOX is empty"
    is "$_uniq" "$_n" "$_l: each of the $_n messages is on the server (INBOX $_in, Processed $_pr)"
    is "$((_in + _pr))" "$_n" "$_l: none is there twice"
    LOST=$(( LOST + _n - _uniq ))
    DUPS=$(( DUPS + _in + _pr - _uniq ))
    return 0
}
