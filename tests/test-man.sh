#!/bin/sh
# test-man.sh — the man pages redress(1) and redress.conf(5) against the
# code: every configuration key of daemon/base/config-keys.c, every
# subcommand of daemon/cli/main.c, every case action and every option
# that the commands' --help lists, every environment variable the program
# reads, every exit status and every letter template is in the pages, and
# nothing is there that the code lacks (tests/mancheck.py says which).
# When a key or an action is added to the code, this test names what to
# document. Then both pages are built with scdoc and read by man.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
export R
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mc() { python3 tests/mancheck.py "$1" 2>&1 | sed 's/^/#   /'; }
is "$(mc keys)" "" "redress.conf(5) has an entry for every configuration key, and no other"
is "$(mc defaults)" "" "every entry of redress.conf(5) gives its default"
is "$(mc commands)" "" "redress(1) has a section for every subcommand, and no other"
is "$(mc readme-commands)" "" "the README has a heading for every subcommand"
is "$(mc case-actions)" "" "redress(1) describes every case action, and no other"
is "$(mc readme-case-actions)" "" "the README describes every case action"
is "$(mc options)" "" "redress(1) describes every option of every command, and no other"
is "$(mc global-options)" "" "redress(1) describes every global option"
is "$(mc environment)" "" "redress(1) names every environment variable the program reads"
is "$(mc exit-status)" "" "redress(1) gives every exit status"
is "$(mc letters)" "" "redress(1) names every letter template"
# The checks above compare lists: make sure the lists were read at all.
n=$(python3 -c 'import sys; sys.path.insert(0, "tests"); import mancheck as m; print(len(m.code_keys()), len(m.code_commands()), len(m.code_case_actions()))')
ok=$(echo "$n" | awk '{ print ($1 > 80 && $2 > 15 && $3 > 10) ? "yes" : "no" }')
is "$ok" "yes" "the code's tables were read (keys, subcommands, case actions: $n)"

if ! command -v scdoc >/dev/null 2>&1 || ! command -v man >/dev/null 2>&1; then
    skip_all "scdoc or man not installed (make deps)"
fi
for page in redress.1 redress.conf.5; do
    scdoc < "docs/man/$page.scd" > "$T/$page" 2>"$T/err"
    is "$?:$(cat "$T/err")" "0:" "scdoc builds $page"
    # man's own checks (groff warnings: lines it cannot break, bad
    # requests); lintian runs the same on the package.
    warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$T/$page" 2>&1 >/dev/null)
    is "$warn" "" "man reads $page without a warning"
done
like "$(MANWIDTH=80 man -l "$T/redress.1" 2>/dev/null)" "redress config check" "redress(1) reads as a page"
like "$(MANWIDTH=80 man -l "$T/redress.conf.5" 2>/dev/null)" "imap_password_file" "redress.conf(5) reads as a page"

done_testing
