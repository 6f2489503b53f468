#!/bin/sh
# test-deb.sh — the Debian package: `make deb` builds it (a normal,
# unsanitised build, in a temporary folder: build/ and build-asan/ are
# not touched) and lintian finds no error in it; then it is installed,
# upgraded, removed and purged with `dpkg --root` in a throwaway root —
# an overlay on this machine's own / (so that its dependencies are there,
# and nothing written reaches the real system) — and the installed
# redress runs: --version, config check on the shipped configuration,
# man -l on both pages, a message ingested as the redress user and found
# by `redress status` through the configuration alone.
#
# systemd does not run in the root: a stand-in systemctl records what
# the maintainer scripts ask of it and plays the units' states, so the
# test sees that the service is not started on install, restarted on an
# upgrade only when it was running, and stopped on remove.
#
# Skipped without root, without dpkg-buildpackage or lintian (make deps
# installs them), or where an overlay cannot be mounted.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (dpkg --root, mount)"
for tool in dpkg-buildpackage dh lintian fakeroot; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed (make deps)"
done
T=$(mktemp -d)
M="$T/root"
mkdir -p "$M" "$T/upper" "$T/work" "$T/out"
cleanup() {
    for d in "$M/dev" "$M/proc" "$M"; do
        mountpoint -q "$d" 2>/dev/null && { umount "$d" 2>/dev/null || umount -l "$d"; }
    done
    rm -rf "$T"
}
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$M" 2>/dev/null ||
    skip_all "cannot mount an overlay for a throwaway root"
mount --bind /dev "$M/dev" && mount -t proc proc "$M/proc" ||
    { echo "Bail out! cannot mount /dev and /proc in the throwaway root"; exit 1; }

# ---- the package -------------------------------------------------------------
start=$(date +%s)
make -s deb DEB_OUT="$T/out" >"$T/make.log" 2>&1
rc=$?
is "$rc" "0" "make deb builds the package and lintian finds no error ($(($(date +%s) - start)) s)"
[ "$rc" -eq 0 ] || { sed 's/^/# /' "$T/make.log" | tail -n 40; done_testing; }
DEB=$(ls "$T"/out/redress_*_amd64.deb "$T"/out/redress_*_*.deb 2>/dev/null | head -n 1)
check "a package with separate debug symbols" sh -c "ls '$T'/out/redress-dbgsym_*.*deb"
# make deb ran lintian on the .changes (the package and its dbgsym).
grep -E '^[EWIP]: ' "$T/make.log" >"$T/lintian"
is "$(grep -c '^E: ' "$T/lintian")" "0" "lintian: no errors"
is "$(grep -c '^W: ' "$T/lintian")" "0" "lintian: no warnings"
sed -n 's/^\([EW]: \)/# \1/p' "$T/lintian"
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/bin/redress > "$T/bin"
is "$(readelf -S "$T/bin" | grep -c '\.symtab\|\.debug_info')" "0" "the binary is stripped (its symbols are in the dbgsym package)"

# A later version of the same package, for the upgrades.
repack() {
    rm -rf "$T/re" && dpkg-deb -R "$DEB" "$T/re" &&
    sed -i "s/^Version: .*/Version: $1/" "$T/re/DEBIAN/control" &&
    dpkg-deb -b "$T/re" "$T/out/redress-$1.deb" >/dev/null
}
repack 0.9+t1 && repack 0.9+t2

# ---- the throwaway root --------------------------------------------------------
# What a real machine may have and a package must not rely on here.
rm -f "$M/usr/sbin/policy-rc.d"
in_root() { chroot "$M" "$@"; }
if in_root dpkg-query -W -f='${Status}' redress 2>/dev/null | grep -q installed; then
    in_root dpkg --purge redress >/dev/null 2>&1
fi
rm -rf "$M/var/lib/redress" "$M/etc/redress"
# The stand-in systemctl: /run/systemd/system makes the scripts believe
# systemd runs; each call is logged, and units are "active" while listed
# in /run/fake-systemd/active.
mkdir -p "$M/run/systemd/system" "$M/run/fake-systemd"
: > "$M/run/fake-systemd/active"
: > "$M/run/fake-systemd/log"
cat > "$M/usr/bin/systemctl" <<'EOF'
#!/bin/sh
S=/run/fake-systemd
act= units=
for a in "$@"; do
    case $a in -*) ;; *) if [ -z "$act" ]; then act=$a; else units="$units $a"; fi ;; esac
done
for u in $units; do
    case $act in
    is-active) grep -qx "$u" $S/active; exit $? ;;
    is-enabled) echo disabled; exit 1 ;;
    start | restart) echo "started $u" >> $S/log; echo "$u" >> $S/active ;;
    try-restart) grep -qx "$u" $S/active && echo "restarted $u" >> $S/log ;;
    stop) echo "stopped $u" >> $S/log; grep -vx "$u" $S/active > $S/a; mv $S/a $S/active ;;
    esac
done
exit 0
EOF
chmod 755 "$M/usr/bin/systemctl"
said() { cat "$M/run/fake-systemd/log"; : > "$M/run/fake-systemd/log"; }
dpkg_root() { DEBIAN_FRONTEND=noninteractive dpkg --root="$M" "$@" </dev/null >"$T/dpkg.log" 2>&1; }

# ---- install -----------------------------------------------------------------------
cp "$DEB" "$T/out/redress-0.9.deb"
dpkg_root -i "$T/out/redress-0.9.deb"
rc=$?
is "$rc" "0" "dpkg --root installs it"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/dpkg.log"
is "$(said)" "" "the service is not started on install (nothing to fetch until configured)"
check "the redress user exists" in_root id -u redress
is "$(in_root stat -c '%a %U' /var/lib/redress 2>&1)" "700 redress" "/var/lib/redress is the redress user's, 0700"
is "$(in_root stat -c '%a %U:%G' /etc/redress 2>&1)" "750 root:redress" "/etc/redress readable by the redress group"
like "$(in_root dpkg-query -W -f='${Conffiles}' redress)" "/etc/redress/redress.conf" "redress.conf is a conffile"
check "no setting in it but the database and the bank holidays" \
    sh -c "[ \$(grep -Ec '^[^#[ ][^=]*=' '$M/etc/redress/redress.conf') -eq 2 ]"
for f in lib/systemd/system/redress.service lib/systemd/system/redress-backup.timer \
         usr/share/bash-completion/completions/redress usr/share/redress/templates/en/holding-reply.txt \
         usr/share/redress/bank-holidays.json usr/share/doc/redress/README.md; do
    check "installed: /$f" test -f "$M/$f"
done
like "$(grep '^ExecStart=' "$M/lib/systemd/system/redress.service")" "redress --config /etc/redress/redress.conf daemon" \
     "the unit names the configuration"
is "$(grep -c REDRESS_DB "$M/lib/systemd/system/redress.service" "$M/lib/systemd/system/redress-backup.service" | grep -vc ':0$')" \
   "0" "and not the database"

like "$(in_root redress --version 2>&1)" "redress 0.9" "the installed redress --version"
out=$(in_root redress config check 2>&1)
is "$?" "0" "redress config check passes on the shipped configuration"
like "$out" "database           /var/lib/redress/redress.db" "which names the database"
like "$out" "templates          /usr/bin/../share/redress/templates" "and the installed templates"
like "$(in_root runuser -u redress -- redress config check 2>&1)" "redress.conf: ok" "and so it does as the redress user"
like "$(in_root man -l /usr/share/man/man1/redress.1.gz 2>&1)" "redress - run a council's complaints procedure" "man -l redress.1"
like "$(in_root man -l /usr/share/man/man5/redress.conf.5.gz 2>&1)" "imap_password_file" "man -l redress.conf.5"

# The service's user writes the case file where the configuration says;
# a shell finds it with no --db.
cp tests/fixtures/mail/01-new-complaint.eml "$M/tmp/c.eml"
chmod 644 "$M/tmp/c.eml"
in_root runuser -u redress -- redress ingest -q --received-at 2026-11-20T10:00:00Z /tmp/c.eml >/dev/null 2>&1
check "the redress user's ingest wrote /var/lib/redress/redress.db" test -f "$M/var/lib/redress/redress.db"
like "$(in_root redress status 2>&1)" "database: /var/lib/redress/redress.db" "redress status in a shell reads the same database"
like "$(in_root redress cases 2>&1)" "CMP-2026-000001" "and redress cases finds the case"

# ---- upgrade -------------------------------------------------------------------------
echo "# edited by the council" >> "$M/etc/redress/redress.conf"
echo redress.service > "$M/run/fake-systemd/active"
dpkg_root -i "$T/out/redress-0.9+t1.deb"
is "$?" "0" "upgrade to 0.9+t1 while the daemon runs"
is "$(said | sort | tr '\n' ' ')" "restarted redress.service " "the running daemon is restarted on the new binary, and nothing else is started"
like "$(tail -n 1 "$M/etc/redress/redress.conf")" "edited by the council" "the council's edits to redress.conf are kept"
: > "$M/run/fake-systemd/active"
dpkg_root -i "$T/out/redress-0.9+t2.deb"
is "$?" "0" "upgrade to 0.9+t2 while the daemon is stopped"
is "$(said)" "" "a stopped daemon is not started by an upgrade"
like "$(in_root redress cases 2>&1)" "CMP-2026-000001" "the case file is still there"

# ---- remove, purge -------------------------------------------------------------------
echo redress.service > "$M/run/fake-systemd/active"
dpkg_root -r redress
is "$?" "0" "dpkg -r removes it"
like "$(said | tr '\n' ' ')" "stopped redress.service" "and stops the daemon first"
check "the binary is gone" test ! -e "$M/usr/bin/redress"
check "the case file stays on remove" test -f "$M/var/lib/redress/redress.db"
check "and so does the configuration" test -f "$M/etc/redress/redress.conf"
dpkg_root -P redress
rc=$?
is "$rc" "0" "dpkg -P purges it, asking nothing"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/dpkg.log"
check "purge removes /var/lib/redress" test ! -e "$M/var/lib/redress"
check "and /etc/redress" test ! -e "$M/etc/redress"
is "$(in_root dpkg-query -W -f='${Status}' redress 2>/dev/null)" "" "and dpkg forgets it"

done_testing
