#!/bin/bash
# mailservers.sh — real mail servers on 127.0.0.1 for redress's tests.
#
#   bash tests/mailservers.sh install      apt-get the servers (idempotent; root)
#   bash tests/mailservers.sh start DIR    Dovecot (IMAP, IMAPS, LMTP) and Postfix
#                                          (SMTP with STARTTLS, SMTPS, AUTH optional)
#                                          with every file under DIR; prints
#                                          KEY=VALUE lines, also kept in DIR/env
#   bash tests/mailservers.sh stop DIR     stop both and delete DIR
#                                          (RD_MAILSERVERS_KEEP=1 keeps DIR and its logs)
#   bash tests/mailservers.sh status DIR   exit 0 and print DIR/env if both run
#   bash tests/mailservers.sh stop-smtp DIR / start-smtp DIR
#                                          only Postfix, for "server down" tests
#   bash tests/mailservers.sh stop-imap DIR / start-imap DIR
#                                          only Dovecot (IMAP and LMTP: Postfix
#                                          defers mail while it is down)
#   bash tests/mailservers.sh kill-imap DIR
#                                          Dovecot dies as in a crash: SIGKILL
#                                          to its master and every process
#                                          under it (start-imap brings it back)
#
# A test uses it like this (see tests/test-smtp.sh):
#
#   D=$(mktemp -d /tmp/rd-mail.XXXXXX)
#   eval "$(bash tests/mailservers.sh start "$D")" || skip_all "no mail servers"
#   trap 'bash tests/mailservers.sh stop "$D"' EXIT
#
# The world it makes: users complaints, stage2, chief.executive, staff and
# catchall @$MAIL_DOMAIN, and complainant@$PUBLIC_DOMAIN, all with password
# $MAIL_PASSWORD, IMAP logins with or without the domain. Postfix accepts
# any recipient from loopback and hands it over LMTP to Dovecot: known
# users to their own Maildir ($MAIL_ROOT/<address>/Maildir), anyone else to
# the catch-all's, whose first header is then Delivered-To: <recipient>.
# Postfix has no smtp transport, so nothing leaves the machine.
#
# Plus addressing: by default Postfix has no recipient_delimiter and hands
# complaints+anything@ to LMTP as it is, where Dovecot's own default
# recipient_delimiter (+) delivers it to complaints. RECIPIENT_DELIMITER,
# when set (even empty), is written as recipient_delimiter into both
# main.cf and dovecot.conf, and Dovecot then accepts any character in a
# user name: RECIPIENT_DELIMITER= makes a server without plus addressing,
# whose complaints+anything@ goes to the catch-all; with PLUS_BOUNCES=1 as
# well, Dovecot refuses it ("user doesn't exist") and Postfix bounces it to
# the sender instead. Two test
# addresses misbehave on purpose: $REJECT_ADDR is refused with a 5xx at
# RCPT, $TEMPFAIL_ADDR with a 4xx; $BOUNCE_ADDR is accepted (250) and then
# bounced by Postfix's error transport, which mails a real DSN to the
# envelope sender, as a remote server's later refusal does. Delivery is asynchronous (~0.2 s after
# the 250): poll the Maildir, never read it straight after sending.
#
# One self-signed certificate (SAN localhost and 127.0.0.1) serves every
# TLS port: trust it with $CA_FILE. Only 127.0.0.1 is bound. Only processes
# whose pid file lives under DIR and whose command line names DIR are ever
# signalled. Needs root (Postfix's master) and a DIR whose every parent is
# world-searchable: use mktemp -d under /tmp.
#
# Why it is built this way (each of these cost someone an afternoon):
#  - Dovecot will not run mail processes as root: under root the Maildirs
#    belong to the system user "mail".
#  - Postfix writes errors only to syslog or a terminal; there is neither
#    on CI, so it logs to DIR/log/postfix.log through postlogd.
#  - Postfix waits until main.cf is over a second old before it trusts
#    it (~2 s per start): the generated files are backdated. master(8) is
#    started directly, without postfix-script's slow checks.
#  - Unix socket paths are limited to 107 bytes: the sockets and the
#    Postfix queue live in DIR/run, or, for a long DIR, in a short
#    /tmp/rdms.XXXXXX that DIR/run links to.
#  - A stopped master can stay a zombie (PID 1 here may not reap it), and
#    kill -0 still succeeds: "gone" means absent or in state Z.
#  - One recipient per LMTP transaction, or Dovecot writes no
#    Delivered-To and a catch-all copy no longer says whom it was for.
#  - Postfix must not add Date/Message-ID/From to local clients' mail:
#    the letters' own headers are what the tests check.
#  - No delay after a failed login or a refused command: negative tests
#    stay fast.

set -eu -o pipefail

MAIL_DOMAIN=${MAIL_DOMAIN:-example.test}
PUBLIC_DOMAIN=${PUBLIC_DOMAIN:-public.test}
MAIL_PASSWORD=${MAIL_PASSWORD:-secret}
MAIL_USERS=${MAIL_USERS:-"complaints stage2 chief.executive staff catchall complainant@$PUBLIC_DOMAIN"}
CATCHALL_USER=${CATCHALL_USER:-catchall@$MAIL_DOMAIN}
REJECT_ADDR=${REJECT_ADDR:-rejected@$PUBLIC_DOMAIN}
TEMPFAIL_ADDR=${TEMPFAIL_ADDR:-busy@$PUBLIC_DOMAIN}
BOUNCE_ADDR=${BOUNCE_ADDR:-gone@$PUBLIC_DOMAIN}
START_TIMEOUT=${START_TIMEOUT:-10}

LOOPBACK=127.0.0.1
SERVER_PACKAGES="dovecot-imapd dovecot-lmtpd postfix openssl ca-certificates curl"
POSTFIX_MASTER=/usr/lib/postfix/sbin/master

say() { echo "mailservers: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- install -----------------------------------------------------------

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

cmd_install() {
	local p missing=""
	for p in $SERVER_PACKAGES; do
		installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "installing$missing needs root"
	say "installing:$missing"
	# The packages' scripts would start a system Dovecot on 143/993 and a
	# Postfix on 25. A policy-rc.d answering 101 forbids that; "No
	# configuration" means Postfix writes no /etc/postfix/main.cf at all.
	local policy=/usr/sbin/policy-rc.d ours_policy=0 rc=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		ours_policy=1
	fi
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	{
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends $missing
	} </dev/null >&2 || rc=$?
	[ "$ours_policy" = 1 ] && rm -f "$policy"
	return $rc
}

# ---- processes -----------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	local stat state
	read -r stat < "/proc/$1/stat" 2>/dev/null || return 1
	state=${stat##*) }
	state=${state%% *}
	[ "$state" != Z ] && [ "$state" != X ]
}

# mine PID DIR: alive, and started for DIR (its command line names it), so
# a stale pid file cannot make us signal a stranger.
mine() {
	alive "$1" && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

read_pid() { [ -r "$1" ] && tr -dc '0-9' < "$1" || true; }

# run_dir DIR: where the sockets, pid files and Postfix queue are.
run_dir() {
	if [ -L "$1/run" ]; then readlink "$1/run"; else echo "$1/run"; fi
}

dovecot_pid() { read_pid "$(run_dir "$1")/dovecot/master.pid"; }
postfix_pid() { read_pid "$(run_dir "$1")/postfix/pid/master.pid"; }

both_running() {
	local dp pp
	dp=$(dovecot_pid "$1")
	pp=$(postfix_pid "$1")
	[ -n "$dp" ] && mine "$dp" "$1/dovecot" && [ -n "$pp" ] && mine "$pp" "$1/postfix"
}

# wait_exit PID: up to 10 s (Dovecot's master takes about 1 s).
wait_exit() {
	local i=0
	while [ $i -lt 500 ]; do
		alive "$1" || return 0
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

stop_processes() {
	local dir=$1 dp pp
	dp=$(dovecot_pid "$dir")
	pp=$(postfix_pid "$dir")
	if [ -n "$pp" ] && mine "$pp" "$dir/postfix"; then kill -TERM "$pp" 2>/dev/null || true; fi
	if [ -n "$dp" ] && mine "$dp" "$dir/dovecot"; then kill -TERM "$dp" 2>/dev/null || true; fi
	if [ -n "$pp" ] && ! wait_exit "$pp" && mine "$pp" "$dir/postfix"; then kill -KILL "$pp" 2>/dev/null || true; fi
	if [ -n "$dp" ] && ! wait_exit "$dp" && mine "$dp" "$dir/dovecot"; then kill -KILL "$dp" 2>/dev/null || true; fi
	rm -f "$(run_dir "$dir")/postfix/pid/master.pid" "$(run_dir "$dir")/dovecot/master.pid"
}

# ---- ports -------------------------------------------------------------------

# Ports something listens on, from /proc (no ss or netstat needed).
busy_ports() {
	local f
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] && awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' "$f"
	done | while read -r hex; do echo $((16#$hex)); done
}

# free_ports N: N distinct unused ports in 20000-31999, below the
# ephemeral range so no outgoing connection can be holding one.
free_ports() {
	local want=$1 busy got="" n=0 p tries=0
	busy=" $(busy_ports | tr '\n' ' ') "
	while [ $n -lt "$want" ]; do
		tries=$((tries + 1))
		[ $tries -le 1000 ] || die "no free port in 20000-31999"
		p=$((20000 + RANDOM % 12000))
		case "$busy$got " in *" $p "*) continue ;; esac
		got="$got $p"
		n=$((n + 1))
	done
	echo $got
}

# greets PORT PREFIX: the server on PORT says PREFIX first (bash /dev/tcp).
greets() {
	local port=$1 prefix=$2 until=$((SECONDS + START_TIMEOUT)) line
	while [ $SECONDS -lt $until ]; do
		if exec 9<>"/dev/tcp/$LOOPBACK/$port"; then
			line=""
			IFS= read -r -t 2 line <&9 || true
			exec 9<&- 9>&-
			case "$line" in "$prefix"*) return 0 ;; esac
		fi 2>/dev/null
		sleep 0.05
	done
	return 1
}

# ---- configuration -------------------------------------------------------------

qualify() { case "$1" in *@*) echo "$1" ;; *) echo "$1@$MAIL_DOMAIN" ;; esac; }

# delimiter_line postfix|dovecot: the recipient_delimiter setting, or
# nothing (each server's own default) when RECIPIENT_DELIMITER is unset.
# Dovecot refuses a user name with a + in it unless auth_username_chars
# allows it (empty: any), so without a delimiter complaints+x is bounced
# rather than handed to the catch-all; PLUS_BOUNCES=1 keeps it so.
delimiter_line() {
	[ -n "${RECIPIENT_DELIMITER+set}" ] || return 0
	echo "recipient_delimiter = $RECIPIENT_DELIMITER"
	if [ "$1" = dovecot ] && [ "${PLUS_BOUNCES:-0}" != 1 ]; then echo "auth_username_chars ="; fi
}

make_cert() {
	local tls=$1/tls
	[ -s "$tls/cert.pem" ] && [ -s "$tls/key.pem" ] && return 0
	mkdir -p "$tls"
	# EC keys are generated instantly; CA:TRUE so that the certificate is
	# its own trust anchor for strict verifiers (GnuTLS).
	openssl req -x509 -nodes -days 30 -subj "/CN=localhost" \
		-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,digitalSignature,keyCertSign" \
		-addext "extendedKeyUsage=serverAuth" \
		-keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null ||
		die "openssl could not make the test certificate"
	chmod 644 "$tls/cert.pem"
	chmod 600 "$tls/key.pem"
}

# dovecot_conf DIR RUN IMAP IMAPS UID GID
dovecot_conf() {
	local dir=$1 run=$2 imap=$3 imaps=$4 uid=$5 gid=$6 u a
	mkdir -p "$dir/dovecot/state" "$dir/log" "$dir/mail"
	chown "$uid:$gid" "$dir/mail"
	# user:password:uid:gid:gecos:home:shell:extra
	: > "$dir/dovecot/users"
	for u in $MAIL_USERS; do
		a=$(qualify "$u")
		echo "$a:{PLAIN}$MAIL_PASSWORD:$uid:$gid::$dir/mail/$a::" >> "$dir/dovecot/users"
	done
	chmod 644 "$dir/dovecot/users"
	# XOAUTH2 when the caller runs an authorisation server (tests/oauth-
	# server.py): Dovecot asks its introspection endpoint about each token.
	local oauth_mechs="" oauth_passdb=""
	if [ -n "${MAIL_OAUTH_INTROSPECT_URL:-}" ]; then
		cat > "$dir/dovecot/oauth2.conf" <<EOF
introspection_mode = post
introspection_url = $MAIL_OAUTH_INTROSPECT_URL
active_attribute = active
active_value = true
EOF
		oauth_mechs=" xoauth2 oauthbearer"
		oauth_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $dir/dovecot/oauth2.conf
}"
	fi
	cat > "$dir/dovecot/dovecot.conf" <<EOF
# Written by redress tests/mailservers.sh; nothing in /etc/dovecot is read.
instance_name = rdtest-$imap
protocols = imap lmtp
listen = $LOOPBACK
base_dir = $run/dovecot
state_dir = $dir/dovecot/state
log_path = $dir/log/dovecot.log
info_log_path = $dir/log/dovecot.log
syslog_facility = local7

ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = plain login$oauth_mechs
auth_failure_delay = 0
auth_default_realm = $MAIL_DOMAIN
auth_username_format = %Lu

first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:~/Maildir
# A Sent folder under Microsoft 365's name, marked \\Sent (RFC 6154), as
# real servers do: redress must find it rather than assume "Sent".
namespace inbox {
  inbox = yes
  mailbox "Sent Items" {
    auto = create
    special_use = \\Sent
  }
}
mail_fsync = never
mailbox_idle_check_interval = 1 secs
$(delimiter_line dovecot)

passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/dovecot/users
  mechanisms = plain login
}
$oauth_passdb
userdb {
  driver = passwd-file
  args = $dir/dovecot/users
}
# Anyone else, for LMTP only (no passdb entry, so no login): the catch-all.
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/$CATCHALL_USER allow_all_users=yes
}

service imap-login {
  inet_listener imap {
    address = $LOOPBACK
    port = $imap
  }
  inet_listener imaps {
    address = $LOOPBACK
    port = $imaps
    ssl = yes
  }
  process_min_avail = 0
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@$MAIL_DOMAIN
}
EOF
}

# postfix_conf DIR RUN SMTP SMTPS
postfix_conf() {
	local dir=$1 run=$2 smtp=$3 smtps=$4 etc=$1/postfix/etc q=$2/postfix d
	mkdir -p "$etc" "$dir/postfix/data" "$q/maildrop" "$q/public" "$q/pid"
	# The queue layout postfix-script would make.
	for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
		mkdir -p "$q/$d"
		chown postfix:root "$q/$d"
		chmod 700 "$q/$d"
	done
	chown postfix:postdrop "$q/maildrop" "$q/public"
	chmod 730 "$q/maildrop"
	chmod 710 "$q/public"
	chown root:root "$q" "$q/pid"
	chmod 755 "$q" "$q/pid"
	chown postfix:postfix "$dir/postfix/data"
	chmod 700 "$dir/postfix/data"

	cat > "$etc/recipient_access" <<EOF
$REJECT_ADDR 550 5.1.1 No such mailbox here (redress test)
$TEMPFAIL_ADDR 450 4.2.1 Mailbox busy, try again later (redress test)
EOF
	cat > "$etc/transport" <<EOF
$BOUNCE_ADDR error:5.1.1 Mailbox unavailable (redress test bounce)
EOF
	cat > "$etc/main.cf" <<EOF
# Written by redress tests/mailservers.sh; /etc/postfix is not read.
compatibility_level = 3.6
queue_directory = $q
data_directory = $dir/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log

myhostname = mail.$MAIL_DOMAIN
mydomain = $MAIL_DOMAIN
myorigin = \$myhostname
inet_interfaces = $LOOPBACK
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# Every address goes over LMTP to Dovecot; there is no smtp transport.
mydestination =
relay_domains =
default_transport = lmtp:unix:$run/dovecot/lmtp
local_transport = \$default_transport
relay_transport = \$default_transport
virtual_transport = \$default_transport
transport_maps = texthash:$etc/transport
# Or smtpd refuses $BOUNCE_ADDR at RCPT, its transport being error:.
smtpd_reject_unlisted_recipient = no
lmtp_host_lookup = native
lmtp_destination_recipient_limit = 1
$(delimiter_line postfix)

smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject
smtpd_recipient_restrictions = check_recipient_access texthash:$etc/recipient_access, permit
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
alias_maps =
alias_database =
local_recipient_maps =
local_header_rewrite_clients =
always_add_missing_headers = no

minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s

smtpd_tls_cert_file = $dir/tls/cert.pem
smtpd_tls_key_file = $dir/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1

smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $run/dovecot/auth-postfix
smtpd_tls_auth_only = no
EOF
	cat > "$etc/master.cf" <<EOF
$LOOPBACK:$smtp  inet n - n - - smtpd
$LOOPBACK:$smtps inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	# Older than a second, or Postfix waits ~2 s for the file to settle.
	touch -d '-1 minute' "$etc/main.cf" "$etc/master.cf" "$etc/recipient_access" "$etc/transport"
}

# ---- commands ---------------------------------------------------------------------

absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# Every directory from DIR up must be o+x for postfix, mail and dovenull.
check_reachable() {
	local d=$1
	while [ -n "$d" ] && [ "$d" != / ]; do
		[ $(( $(stat -c '0%a' "$d") & 1 )) = 1 ] ||
			die "$d is not world-searchable; use a DIR under /tmp (mktemp -d /tmp/rd-mail.XXXXXX)"
		d=$(dirname "$d")
	done
}

cmd_start() {
	local dir
	dir=$(absolute "${1:?usage: start DIR}")
	[ "$(id -u)" = 0 ] || die "start needs root (Postfix's master runs as root)"
	command -v dovecot >/dev/null && [ -x "$POSTFIX_MASTER" ] ||
		die "Dovecot or Postfix is not installed; run: bash tests/mailservers.sh install"
	if [ -f "$dir/.rd-mailservers" ] && both_running "$dir"; then
		cat "$dir/env"
		return 0
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/.rd-mailservers" ] && [ -n "$(ls -A "$dir")" ]; then
		die "$dir is not empty and not ours; refusing to use it"
	fi
	touch "$dir/.rd-mailservers"
	chmod 755 "$dir"
	check_reachable "$dir"
	stop_processes "$dir"

	local run
	if [ ${#dir} -le 60 ]; then
		run=$dir/run
		mkdir -p "$run"
	else
		run=$(run_dir "$dir")
		if [ ! -L "$dir/run" ] || [ ! -d "$run" ]; then
			run=$(mktemp -d /tmp/rdms.XXXXXX)
			ln -sfn "$run" "$dir/run"
		fi
	fi
	chmod 755 "$run"

	local uid gid
	uid=$(id -u)
	gid=$(id -g)
	if [ "$uid" = 0 ]; then
		uid=$(id -u mail)
		gid=$(id -g mail)
	fi
	make_cert "$dir"

	local try imap imaps smtp smtps up=0
	for try in 1 2 3 4 5; do
		read -r imap imaps smtp smtps <<< "$(free_ports 4)"
		dovecot_conf "$dir" "$run" "$imap" "$imaps" "$uid" "$gid"
		postfix_conf "$dir" "$run" "$smtp" "$smtps"
		# Both masters have bound every listener when they return.
		if dovecot -c "$dir/dovecot/dovecot.conf" 2>>"$dir/log/dovecot.log" &&
		   "$POSTFIX_MASTER" -c "$dir/postfix/etc" -w 2>>"$dir/log/postfix.log" &&
		   greets "$imap" "* OK" && greets "$smtp" "220"; then
			up=1
			break
		fi
		say "attempt $try failed; logs in $dir/log"
		# postfix check under a pseudo-terminal, so it says what is wrong.
		script -qec "postfix -c '$dir/postfix/etc' check" /dev/null >> "$dir/log/postfix.log" 2>&1 || true
		stop_processes "$dir"
	done
	[ $up = 1 ] || die "the mail servers would not start; logs in $dir/log"

	cat > "$dir/env" <<EOF
MAILTEST_DIR=$dir
MAIL_HOST=$LOOPBACK
IMAP_PORT=$imap
IMAPS_PORT=$imaps
SMTP_PORT=$smtp
SMTPS_PORT=$smtps
CA_FILE=$dir/tls/cert.pem
MAIL_DOMAIN=$MAIL_DOMAIN
PUBLIC_DOMAIN=$PUBLIC_DOMAIN
MAIL_PASSWORD=$MAIL_PASSWORD
CATCHALL_USER=$CATCHALL_USER
REJECT_ADDR=$REJECT_ADDR
TEMPFAIL_ADDR=$TEMPFAIL_ADDR
BOUNCE_ADDR=$BOUNCE_ADDR
MAIL_ROOT=$dir/mail
EOF
	cat "$dir/env"
}

# stop-smtp DIR / start-smtp DIR: only Postfix, for "server down" tests.
cmd_stop_smtp() {
	local dir pp
	dir=$(absolute "${1:?usage: stop-smtp DIR}")
	pp=$(postfix_pid "$dir")
	if [ -n "$pp" ] && mine "$pp" "$dir/postfix"; then
		kill -TERM "$pp"
		wait_exit "$pp" || { mine "$pp" "$dir/postfix" && kill -KILL "$pp"; } || true
	fi
	rm -f "$(run_dir "$dir")/postfix/pid/master.pid"
}

cmd_start_smtp() {
	local dir port
	dir=$(absolute "${1:?usage: start-smtp DIR}")
	[ -f "$dir/env" ] || die "$dir has no running instance; use start"
	port=$(sed -n 's/^SMTP_PORT=//p' "$dir/env")
	"$POSTFIX_MASTER" -c "$dir/postfix/etc" -w 2>>"$dir/log/postfix.log" &&
		greets "$port" "220" || die "Postfix would not start again; see $dir/log/postfix.log"
}

# stop-imap DIR / start-imap DIR: only Dovecot, for "server down" tests.
# Postfix keeps running and queues mail for LMTP until Dovecot is back.
cmd_stop_imap() {
	local dir dp
	dir=$(absolute "${1:?usage: stop-imap DIR}")
	dp=$(dovecot_pid "$dir")
	if [ -n "$dp" ] && mine "$dp" "$dir/dovecot"; then
		kill -TERM "$dp"
		wait_exit "$dp" || { mine "$dp" "$dir/dovecot" && kill -KILL "$dp"; } || true
	fi
	rm -f "$(run_dir "$dir")/dovecot/master.pid"
}

# descendants PID: every process under PID, from one read of /proc
# ("pid (comm) state ppid …"; the comm may hold spaces and parentheses).
descendants() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' |
		awk -v root="$1" '{ parent[$1] = $2 }
			END {
				want[root] = 1
				do {
					more = 0
					for (p in parent)
						if (!(p in want) && (parent[p] in want)) { want[p] = 1; more = 1; print p }
				} while (more)
			}'
}

cmd_kill_imap() {
	local dir dp pids
	dir=$(absolute "${1:?usage: kill-imap DIR}")
	dp=$(dovecot_pid "$dir")
	[ -n "$dp" ] && mine "$dp" "$dir/dovecot" || die "no Dovecot of $dir is running"
	# Listed while the master lives (its orphans would be re-parented),
	# then all killed at once.
	pids=$(descendants "$dp" || true)   # a process may vanish while /proc is read
	kill -KILL "$dp" $pids 2>/dev/null || true
	wait_exit "$dp" || true
	# A crash leaves its pid file; a killed master left as a zombie (see
	# the top) would make the next Dovecot think itself already running.
	rm -f "$(run_dir "$dir")/dovecot/master.pid"
}

cmd_start_imap() {
	local dir port
	dir=$(absolute "${1:?usage: start-imap DIR}")
	[ -f "$dir/env" ] || die "$dir has no running instance; use start"
	port=$(sed -n 's/^IMAP_PORT=//p' "$dir/env")
	dovecot -c "$dir/dovecot/dovecot.conf" 2>>"$dir/log/dovecot.log" &&
		greets "$port" "* OK" || die "Dovecot would not start again; see $dir/log/dovecot.log"
}

cmd_stop() {
	local dir run
	dir=$(absolute "${1:?usage: stop DIR}")
	[ -d "$dir" ] || return 0
	[ -f "$dir/.rd-mailservers" ] || die "$dir was not made by this script; leaving it alone"
	stop_processes "$dir"
	if [ "${RD_MAILSERVERS_KEEP:-0}" != 1 ]; then
		run=$(run_dir "$dir")
		case "$run" in /tmp/rdms.*) rm -rf "$run" ;; esac
		rm -rf "$dir"
	fi
}

cmd_status() {
	local dir
	dir=$(absolute "${1:?usage: status DIR}")
	if [ -f "$dir/env" ] && both_running "$dir"; then
		cat "$dir/env"
	else
		say "not running"
		return 1
	fi
}

case "${1:-}" in
install)    shift; cmd_install ;;
start)      shift; cmd_start "$@" ;;
stop)       shift; cmd_stop "$@" ;;
status)     shift; cmd_status "$@" ;;
stop-smtp)  shift; cmd_stop_smtp "$@" ;;
start-smtp) shift; cmd_start_smtp "$@" ;;
stop-imap)  shift; cmd_stop_imap "$@" ;;
start-imap) shift; cmd_start_imap "$@" ;;
kill-imap)  shift; cmd_kill_imap "$@" ;;
*)          sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
