#!/bin/sh
# Install the Debian packages named in $DEB_PKGS that are not installed yet.
# Idempotent and quick when nothing is missing (one dpkg-query per package).
set -eu
missing=""
for p in $DEB_PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
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
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
