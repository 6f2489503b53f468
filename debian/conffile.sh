#!/bin/sh
# conffile.sh EXAMPLE — the package's /etc/redress/redress.conf, from the
# example configuration: every setting commented out (so that each shows
# its place and an example value, and nothing is set that the council has
# not chosen), but for the database — named here only, the unit passes
# --config alone, so `redress status` in a shell finds the same file — and
# the bank-holidays list the package ships. The example's staff and
# profile groups are commented out with their keys: an empty [staff:…]
# group would still ask for [staff_auth].
set -eu
cat <<'HEAD'
# /etc/redress/redress.conf — redress's configuration (redress.conf(5)).
#
# Every setting is commented out and keeps its built-in default, except
# the database and the bank-holidays list. To start: set [council], a
# [mailbox:complaints] imap_url, imap_user and imap_password_file, and
# [smtp] url, user and password_file; then
#   runuser -u redress -- redress config check
#   systemctl enable --now redress
# The example this file was made from, with each value filled in, is
# /usr/share/doc/redress/examples/redress.conf.
HEAD
sed -e '1,/^$/d' \
    -e 's#^bank_holidays = .*#bank_holidays = /usr/share/redress/bank-holidays.json#' \
    -e '/^database = /b' -e '/^bank_holidays = /b' \
    -e 's/^\(\[\(staff\|profile\):\)/#\1/' \
    -e 's/^\([^#[ ][^=]*=\)/#\1/' "$1"
