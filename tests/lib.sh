# lib.sh — a little TAP for the shell tests (sourced).
#
#   ok COND-EXIT-STATUS "description"      via: check "desc" cmd args...
#   is "got" "expected" "description"
#   skip_all "reason"                       exit 0 with "1..0 # SKIP reason"
#   done_testing                            prints the plan; exit 1 if any failed
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
