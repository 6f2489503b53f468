# lib.sh — a little TAP for the shell tests (sourced).
#
#   ok COND-EXIT-STATUS "description"      via: check "desc" cmd args...
#   is "got" "expected" "description"
#   skip_all "reason"                       exit 0 with "1..0 # SKIP reason"
#   done_testing                            prints the plan; exit 1 if any failed
#   staff_send TO SUBJECT TEXT...           a staff member mails with s-nail
#   staff_reply MAILDIR MSG TEXT...         and replies with s-nail (below)
#   staff_reply_top MAILDIR MSG TEXT...     replies above the quoted message
#
# Tests print TAP on stdout; diagnostics go to stdout as "# …" lines.

_tap_n=0
_tap_failed=0

check() {
    desc=$1; shift
    _tap_n=$((_tap_n + 1))
    if "$@" >/dev/null 2>&1; then
        echo "ok $_tap_n - $desc"
    else
        echo "not ok $_tap_n - $desc"
        echo "#   command failed: $*"
        _tap_failed=$((_tap_failed + 1))
    fi
}

is() {
    _tap_n=$((_tap_n + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $_tap_n - $3"
    else
        echo "not ok $_tap_n - $3"
        printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
        _tap_failed=$((_tap_failed + 1))
    fi
}

like() {
    _tap_n=$((_tap_n + 1))
    case "$1" in
    *"$2"*) echo "ok $_tap_n - $3" ;;
    *) echo "not ok $_tap_n - $3"
       printf '#   %s\n#   does not contain: %s\n' "$(printf '%s' "$1" | head -c 600)" "$2"
       _tap_failed=$((_tap_failed + 1)) ;;
    esac
}

# until_true SECONDS CMD...: run CMD every 0.1 s until it succeeds;
# false after SECONDS. For things that happen asynchronously (delivery,
# a daemon reconnecting).
until_true() {
    _n=$(( $1 * 10 )); shift
    while [ "$_n" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    return 1
}

skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

done_testing() {
    echo "1..$_tap_n"
    [ "$_tap_failed" -eq 0 ]
}

# A council staff member using a real mail client, s-nail, headless, in a
# MILTERS=1 world of tests/mailservers.sh (its env lines evaluated): it
# submits on $STAFF_SMTP_PORT with STARTTLS (trusting $CA_FILE) and AUTH
# PLAIN as ${STAFF_USER:-staff}@$MAIL_DOMAIN, so the mail is DKIM-signed
# and arrives with dkim=pass and dmarc=pass. -#: batch mode (commands and
# the text from standard input, no questions, exit status 4 when the
# message could not be sent); -:/ reads no resource file (~/.mailrc,
# /etc/s-nail.rc); v15-compat for the credentials in the mta URL (so
# $MAIL_PASSWORD must not need URL escapes); nosave: no dead.letter in
# $HOME. "localhost", not 127.0.0.1: s-nail checks the certificate's
# DNS name only. A TEXT line starting with ~ is a command escape.
#
# staff_send TO SUBJECT TEXT...: a new message, one line per TEXT.
# staff_reply MAILDIR MSG TEXT...: s-nail's Reply to message MSG of the
# Maildir folder MAILDIR: to its sender, or to its Reply-To (honoured),
# with In-Reply-To and References, its text quoted with "> " under an
# "X wrote:" line, then the TEXT lines. MSG is a number in s-nail's order
# (arrival) or any s-nail message specification, such as
# '@message-id@<id@host>'. -R opens the folder read-only: the message
# stays unread in new/, as the tests left it. errexit: without it a
# Reply to a message that is not there fails, s-nail reads the TEXT
# lines as commands, and exits 0.
# staff_reply_top MAILDIR MSG TEXT...: the same Reply, top-posted as
# Outlook, Gmail and Thunderbird write by default: the TEXT lines first,
# then a blank line and the message replied to, quoted with "> " under
# s-nail's "X wrote:" line (the ~Q command escape: the quote as the
# quote variable would have put it, but where it is typed).
_staff_snail() {
    s-nail -#:/ -S v15-compat -S nosave \
        -S "mta=smtp://${STAFF_USER:-staff}%40$MAIL_DOMAIN:$MAIL_PASSWORD@localhost:$STAFF_SMTP_PORT" \
        -S smtp-auth=plain -S smtp-use-starttls \
        -S "tls-ca-file=$CA_FILE" -S tls-ca-no-defaults \
        -S "from=${STAFF_USER:-staff}@$MAIL_DOMAIN" "$@"
}

staff_send() {
    _to=$1 _subject=$2
    shift 2
    printf '%s\n' "$@" | _staff_snail -s "$_subject" "$_to"
}

staff_reply() {
    _maildir=$1 _msg=$2
    shift 2
    { printf 'Reply %s\n' "$_msg"; printf '%s\n' "$@"; printf '~.\n'; } |
        _staff_snail -R -S errexit -S reply-to-honour=yes -S quote -S 'indentprefix=> ' -f "$_maildir"
}

staff_reply_top() {
    _maildir=$1 _msg=$2
    shift 2
    { printf 'Reply %s\n' "$_msg"; printf '%s\n' "$@"; printf '\n~Q\n~.\n'; } |
        _staff_snail -R -S errexit -S reply-to-honour=yes -S 'indentprefix=> ' -f "$_maildir"
}
