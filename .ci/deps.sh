#!/bin/sh
# Install the Debian packages named in $DEB_PKGS that are not installed yet.
# Idempotent and quick when nothing is missing (one dpkg-query for all).
set -eu
# shellcheck disable=SC2086
installed=" $(dpkg-query -W -f='${Package}=${Status}\n' $DEB_PKGS 2>/dev/null |
              sed -n 's/=install ok installed$//p' | tr '\n' ' ') "
missing=""
for p in $DEB_PKGS; do
    case "$installed" in
    *" $p "*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "redress: installing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "redress: installing packages needs root; run 'sudo make deps' or install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start system daemons (dovecot, postfix) on this
# machine: the tests start their own on loopback.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Postfix with "No configuration": its postinst writes no
# /etc/postfix/main.cf, so nothing could start a system Postfix later.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=300 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing
exit 0
