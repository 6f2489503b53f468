#!/bin/bash
# mailservers.sh — real mail servers on 127.0.0.1 for redress's tests.
#
#   bash tests/mailservers.sh install      apt-get the servers, the milters and
#                                          s-nail (idempotent; root)
#   bash tests/mailservers.sh start DIR    Dovecot (IMAP, IMAPS, LMTP) and Postfix
#                                          (SMTP with STARTTLS, SMTPS, AUTH optional)
#                                          with every file under DIR; prints
#                                          KEY=VALUE lines, also kept in DIR/env
#   MILTERS=1 bash tests/mailservers.sh start DIR
#                                          the same, plus the council's border:
#                                          OpenDKIM and OpenDMARC as milters and
#                                          a staff submission port that signs
#   bash tests/mailservers.sh stop DIR     stop all and delete DIR
#                                          (RD_MAILSERVERS_KEEP=1 keeps DIR and its logs)
#   bash tests/mailservers.sh status DIR   exit 0 and print DIR/env if all run
#   bash tests/mailservers.sh stop-smtp DIR / start-smtp DIR
#                                          only Postfix, for "server down" tests
#   bash tests/mailservers.sh stop-imap DIR / start-imap DIR
#                                          only Dovecot (IMAP and LMTP: Postfix
#                                          defers mail while it is down)
#   bash tests/mailservers.sh kill-imap DIR
#                                          Dovecot dies as in a crash: SIGKILL
#                                          to its master and every process
#                                          under it (start-imap brings it back)
#   bash tests/mailservers.sh stop-milters DIR / start-milters DIR
#                                          only the milters: Postfix answers
#                                          451 to every message meanwhile
#
# A test uses it like this (see tests/test-smtp.sh; tests/test-milters.sh
# for MILTERS=1):
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
# Staff-mail authentication (MILTERS=1; without it none of this exists and
# start costs nothing more). redress decides whether mail claiming to be
# from council staff is, from the Authentication-Results field (RFC 8601)
# that the council's border writes; here Debian's own OpenDKIM and
# OpenDMARC write it, as milters of this Postfix, with authserv-id
# $AUTHSERV_ID (mx.$MAIL_DOMAIN). Added env lines: STAFF_SMTP_PORT,
# AUTHSERV_ID, DKIM_SELECTOR (rd) and DKIM_KEY (the private key).
#  - $SMTP_PORT and $SMTPS_PORT are the internet's way in: every message
#    is verified, never signed. $STAFF_SMTP_PORT is the council's
#    submission service: SMTP AUTH required (any user above; STARTTLS
#    offered), and a message whose From is @$MAIL_DOMAIN is DKIM-signed
#    (d=$MAIL_DOMAIN, s=$DKIM_SELECTOR, RSA 2048, a new key per DIR), then
#    verified like any other. Both deliver over LMTP as before.
#  - Three milter processes, each from its own DIR/milters/NAME.conf:
#    dkim-sign (OpenDKIM, Mode s), dkim-verify (OpenDKIM, Mode v,
#    AlwaysAddARHeader, so unsigned mail gets dkim=none) and dmarc
#    (OpenDMARC). One OpenDKIM cannot do both to one message: it signs
#    or it verifies. So the staff port's smtpd_milters are sign, verify,
#    dmarc and the other ports' are verify, dmarc (also non_smtpd_milters).
#    Postfix hands each milter the message as the milters before it left
#    it, so the verifier sees the new DKIM-Signature and OpenDMARC sees
#    OpenDKIM's result. (Rejected: sign on submission, then a
#    content_filter re-injecting into $SMTP_PORT; it needs an smtp
#    transport and a second pass through the queue for the same headers.)
#  - milter_default_action = tempfail: a milter that is down makes Postfix
#    answer 451, so nothing arrives unchecked. OpenDMARC's RejectFailures
#    is off: a spoof of $MAIL_DOMAIN (p=reject) is delivered with
#    dmarc=fail, for redress to flag. $PUBLIC_DOMAIN has no DMARC record
#    (dmarc=none).
#  - What a delivered copy's header looks like, top first (staff port;
#    from outside there is no DKIM-Signature, and "with ESMTP"):
#      Return-Path, Delivered-To, Received (Dovecot LMTP),
#      Authentication-Results: mx.…; dmarc=pass (p=reject dis=none) header.from=…
#      Authentication-Results: mx.…; dkim=pass (2048-bit key) header.d=… header.s=rd …; dkim-atps=neutral
#      DKIM-Signature, Received (Postfix, "with ESMTPA"), the sender's own fields.
#    A sender's forged Authentication-Results with our authserv-id is
#    deleted by OpenDKIM when it holds a dkim result (any case); one
#    without (say only dmarc=pass) arrives where the sender put it, below
#    Postfix's Received and so below the real ones. OpenDMARC deletes
#    nothing. Trust the topmost fields only.
#  - OpenDMARC believes any spf= result under a trusted authserv-id: with
#    Debian's defaults a forged "mx.…; spf=pass smtp.mailfrom=$MAIL_DOMAIN"
#    turned an unsigned spoof into dmarc=pass. This border checks no SPF,
#    so SPFIgnoreResults is on: DMARC here rests on DKIM alone.
#  - Only the staff port signs: a client that authenticates on $SMTP_PORT
#    (redress sending letters, in test-smtp.sh) is verified like the rest,
#    so From @$MAIL_DOMAIN through it arrives with dmarc=fail.
#  - A real client: tests/lib.sh's staff_send and staff_reply run s-nail
#    headless through the staff port (the exact incantation is there):
#      s-nail -#:/ -S v15-compat -S nosave \
#        -S mta=smtp://staff%40$MAIL_DOMAIN:$MAIL_PASSWORD@localhost:$STAFF_SMTP_PORT \
#        -S smtp-auth=plain -S smtp-use-starttls -S tls-ca-file=$CA_FILE -S tls-ca-no-defaults \
#        -S from=staff@$MAIL_DOMAIN -R -S errexit -S reply-to-honour=yes -S quote \
#        -S 'indentprefix=> ' -f MAILDIR   <<< $'Reply 1\nText\n~.'
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
#  - There is no DNS (and no name server may be asked: only loopback).
#    Both milters take TXT records from DIR/milters/dns.txt (TestDNSData;
#    OpenDMARC's is undocumented but in 1.4.2) and, given one, ask no
#    server at all: a name missing there does not exist. OpenDKIM's file
#    data sets split values at spaces, so the records have none.
#  - OpenDMARC ignores mail from 127.0.0.1 unless IgnoreHosts names some
#    other list (an empty file); OpenDKIM's InternalHosts likewise
#    defaults to 127.0.0.1, so the verifier gets an empty one too.
#  - OpenDKIM's RequireSafeKeys refuses a key under /tmp (others can write
#    there), whoever owns the key: it is off.
#  - libmilter notices SIGTERM only at its next 5-second poll: the milters
#    are killed with SIGKILL (they keep nothing). OpenDKIM takes -x FILE,
#    OpenDMARC -c FILE. Their logs go nowhere (syslog only; there is none).
#  - opendmarc depends on "dbconfig-mysql | dbconfig-no-thanks": without
#    dbconfig-no-thanks named, apt brings a MariaDB client.

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
MILTERS=${MILTERS:-0}
DKIM_SELECTOR=${DKIM_SELECTOR:-rd}
AUTHSERV_ID=${AUTHSERV_ID:-mx.$MAIL_DOMAIN}

LOOPBACK=127.0.0.1
SERVER_PACKAGES="dovecot-imapd dovecot-lmtpd postfix openssl ca-certificates curl
	opendkim opendkim-tools opendmarc dbconfig-no-thanks s-nail"
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

# The milters of a MILTERS=1 world: NAME USER (each runs as USER, from
# DIR/milters/NAME.conf, with its socket and pid file in RUN/USER).
MILTER_NAMES="dkim-sign dkim-verify dmarc"
milter_user() { case "$1" in dmarc) echo opendmarc ;; *) echo opendkim ;; esac; }
milter_pid() { read_pid "$(run_dir "$1")/$(milter_user "$2")/$2.pid"; }
with_milters() { [ -f "$1/milters/dkim-sign.conf" ]; }

milters_running() {
	local m p
	for m in $MILTER_NAMES; do
		p=$(milter_pid "$1" "$m")
		[ -n "$p" ] && mine "$p" "$1/milters/$m.conf" || return 1
	done
}

both_running() {
	local dp pp
	dp=$(dovecot_pid "$1")
	pp=$(postfix_pid "$1")
	[ -n "$dp" ] && mine "$dp" "$1/dovecot" && [ -n "$pp" ] && mine "$pp" "$1/postfix" &&
		{ ! with_milters "$1" || milters_running "$1"; }
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
	stop_servers "$1"
	stop_milters "$1"
}

# stop_servers DIR: Postfix and Dovecot.
stop_servers() {
	local dir=$1 dp pp
	dp=$(dovecot_pid "$dir")
	pp=$(postfix_pid "$dir")
	if [ -n "$pp" ] && mine "$pp" "$dir/postfix"; then kill -TERM "$pp" 2>/dev/null || true; fi
	if [ -n "$dp" ] && mine "$dp" "$dir/dovecot"; then kill -TERM "$dp" 2>/dev/null || true; fi
	if [ -n "$pp" ] && ! wait_exit "$pp" && mine "$pp" "$dir/postfix"; then kill -KILL "$pp" 2>/dev/null || true; fi
	if [ -n "$dp" ] && ! wait_exit "$dp" && mine "$dp" "$dir/dovecot"; then kill -KILL "$dp" 2>/dev/null || true; fi
	rm -f "$(run_dir "$dir")/postfix/pid/master.pid" "$(run_dir "$dir")/dovecot/master.pid"
}

# stop_milters DIR: each milter of DIR that runs is killed outright.
# libmilter sees a SIGTERM only at its next 5-second poll, and the
# milters keep nothing that a clean exit would save.
stop_milters() {
	local dir=$1 run m p pids=""
	run=$(run_dir "$dir")
	for m in $MILTER_NAMES; do
		p=$(milter_pid "$dir" "$m")
		if [ -n "$p" ] && mine "$p" "$dir/milters/$m.conf"; then
			kill -KILL "$p" 2>/dev/null || true
			pids="$pids $p"
		fi
	done
	for p in $pids; do wait_exit "$p" || true; done
	for m in $MILTER_NAMES; do
		rm -f "$run/$(milter_user "$m")/$m.pid" "$run/$(milter_user "$m")/$m.sock"
	done
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

# postfix_conf DIR RUN SMTP SMTPS [STAFF]: with STAFF (MILTERS=1), the
# milters and the staff submission service on that port.
postfix_conf() {
	local dir=$1 run=$2 smtp=$3 smtps=$4 staff=${5:-} etc=$1/postfix/etc q=$2/postfix d
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
	if [ -n "$staff" ]; then
		cat >> "$etc/main.cf" <<EOF

# MILTERS=1: every message is checked by the border's milters, OpenDKIM
# (verify) then OpenDMARC, which reads OpenDKIM's result; the staff
# submission service signs first. A milter that does not answer makes the
# message wait (4xx), as at a real border: nothing unchecked gets in.
border_milters = unix:$run/opendkim/dkim-verify.sock, unix:$run/opendmarc/dmarc.sock
staff_milters = unix:$run/opendkim/dkim-sign.sock, \$border_milters
smtpd_milters = \$border_milters
non_smtpd_milters = \$border_milters
milter_default_action = tempfail
staff_restrictions = check_recipient_access texthash:$etc/recipient_access, permit_sasl_authenticated, reject
EOF
	fi
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
	if [ -n "$staff" ]; then
		cat >> "$etc/master.cf" <<EOF
$LOOPBACK:$staff inet n - n - - smtpd -o syslog_name=postfix/staff -o smtpd_milters=\$staff_milters -o smtpd_relay_restrictions=\$staff_restrictions -o smtpd_recipient_restrictions=\$staff_restrictions
EOF
	fi
	# Older than a second, or Postfix waits ~2 s for the file to settle.
	touch -d '-1 minute' "$etc/main.cf" "$etc/master.cf" "$etc/recipient_access" "$etc/transport"
}

# milters_conf DIR RUN: the DKIM key, the DNS records and a configuration
# for each milter (MILTERS=1). See the header for why there are three.
milters_conf() {
	local dir=$1 run=$2 m=$1/milters u pub
	mkdir -p "$m" "$dir/log"
	for u in opendkim opendmarc; do
		mkdir -p "$run/$u"
		chown "$u:$u" "$run/$u"
		chmod 755 "$run/$u"
	done
	if [ ! -s "$m/$DKIM_SELECTOR.private" ]; then
		opendkim-genkey -b 2048 -D "$m" -d "$MAIL_DOMAIN" -s "$DKIM_SELECTOR" ||
			die "opendkim-genkey could not make the DKIM key"
	fi
	# The key belongs to the user that signs, 0600; RequireSafeKeys is
	# off all the same, since it also refuses a key below /tmp.
	chown opendkim:opendkim "$m/$DKIM_SELECTOR.private"
	chmod 600 "$m/$DKIM_SELECTOR.private"
	pub=$(openssl pkey -in "$m/$DKIM_SELECTOR.private" -pubout -outform DER 2>/dev/null | base64 -w0)
	[ -n "$pub" ] || die "could not read the DKIM key's public half"
	# There is no DNS: both milters read their TXT records from this file
	# (TestDNSData), and, having one, ask no name server anything. A name
	# missing here does not exist. No spaces inside a value: OpenDKIM's
	# file data sets split at them.
	cat > "$m/dns.txt" <<EOF
$DKIM_SELECTOR._domainkey.$MAIL_DOMAIN v=DKIM1;k=rsa;p=$pub
_dmarc.$MAIL_DOMAIN v=DMARC1;p=reject
EOF
	# Neither milter may skip 127.0.0.1, where every test client is:
	# OpenDMARC ignores the hosts in this file (127.0.0.1 without one).
	: > "$m/nobody"
	chmod 644 "$m/dns.txt" "$m/nobody"

	# The staff submission service's signer: every message it is given
	# whose From is @$MAIL_DOMAIN. OpenDKIM signs for a client that has
	# authenticated or comes from InternalHosts (127.0.0.1 by default):
	# here both, since the staff port wants AUTH.
	cat > "$m/dkim-sign.conf" <<EOF
# Written by redress tests/mailservers.sh; /etc/opendkim.conf is not read.
Mode                s
Domain              $MAIL_DOMAIN
Selector            $DKIM_SELECTOR
KeyFile             $m/$DKIM_SELECTOR.private
RequireSafeKeys     no
Canonicalization    relaxed/simple
OversignHeaders     From
Socket              local:$run/opendkim/dkim-sign.sock
PidFile             $run/opendkim/dkim-sign.pid
UserID              opendkim
UMask               000
Background          yes
Syslog              no
EOF
	# The border's verifier: never signs (no Domain), a result for every
	# message, unsigned ones too.
	cat > "$m/dkim-verify.conf" <<EOF
# Written by redress tests/mailservers.sh; /etc/opendkim.conf is not read.
Mode                v
AuthservID          $AUTHSERV_ID
AlwaysAddARHeader   yes
TestDNSData         file:$m/dns.txt
InternalHosts       file:$m/nobody
Socket              local:$run/opendkim/dkim-verify.sock
PidFile             $run/opendkim/dkim-verify.pid
UserID              opendkim
UMask               000
Background          yes
Syslog              no
EOF
	cat > "$m/dmarc.conf" <<EOF
# Written by redress tests/mailservers.sh; /etc/opendmarc.conf is not read.
AuthservID          $AUTHSERV_ID
TrustedAuthservIDs  $AUTHSERV_ID
TestDNSData         $m/dns.txt
IgnoreHosts         $m/nobody
RejectFailures      false
SPFIgnoreResults    true
SPFSelfValidate     false
FailureReports      false
Socket              local:$run/opendmarc/dmarc.sock
PidFile             $run/opendmarc/dmarc.pid
UserID              opendmarc
UMask               000
Background          true
Syslog              false
EOF
	chmod 644 "$m"/*.conf
}

# start_milters DIR: each milter not already running; returns when every
# socket exists (the first message must not find one missing).
start_milters() {
	local dir=$1 run m u p until
	run=$(run_dir "$dir")
	for m in $MILTER_NAMES; do
		u=$(milter_user "$m")
		p=$(milter_pid "$dir" "$m")
		[ -n "$p" ] && mine "$p" "$dir/milters/$m.conf" && continue
		rm -f "$run/$u/$m.sock" "$run/$u/$m.pid"
		# -x for OpenDKIM, -c for OpenDMARC.
		"/usr/sbin/$u" "$(if [ "$u" = opendkim ]; then echo -x; else echo -c; fi)" "$dir/milters/$m.conf" \
			2>>"$dir/log/milters.log" ||
			{ say "$u ($m) would not start; see $dir/log/milters.log"; return 1; }
	done
	until=$((SECONDS + START_TIMEOUT))
	for m in $MILTER_NAMES; do
		u=$(milter_user "$m")
		while [ ! -S "$run/$u/$m.sock" ] || [ ! -s "$run/$u/$m.pid" ]; do
			[ $SECONDS -lt $until ] || { say "$m made no socket"; return 1; }
			sleep 0.02
		done
	done
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
	if [ "$MILTERS" = 1 ]; then
		[ -x /usr/sbin/opendkim ] && [ -x /usr/sbin/opendmarc ] && command -v opendkim-genkey >/dev/null ||
			die "OpenDKIM or OpenDMARC is not installed; run: bash tests/mailservers.sh install"
	fi
	if [ -f "$dir/.rd-mailservers" ] && both_running "$dir" &&
	   { [ "$MILTERS" != 1 ] || with_milters "$dir"; }; then
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
	local milters_job=""
	if [ "$MILTERS" = 1 ]; then
		# The DKIM key costs a few hundred ms of CPU: it is made, and the
		# milters started, while Dovecot and Postfix start.
		{ milters_conf "$dir" "$run" && start_milters "$dir"; } >&2 &
		milters_job=$!
	else
		rm -rf "$dir/milters"
	fi

	local try imap imaps smtp smtps staff="" up=0
	for try in 1 2 3 4 5; do
		if [ "$MILTERS" = 1 ]; then
			read -r imap imaps smtp smtps staff <<< "$(free_ports 5)"
		else
			read -r imap imaps smtp smtps <<< "$(free_ports 4)"
		fi
		dovecot_conf "$dir" "$run" "$imap" "$imaps" "$uid" "$gid"
		postfix_conf "$dir" "$run" "$smtp" "$smtps" "$staff"
		# Both masters have bound every listener when they return.
		if dovecot -c "$dir/dovecot/dovecot.conf" 2>>"$dir/log/dovecot.log" &&
		   "$POSTFIX_MASTER" -c "$dir/postfix/etc" -w 2>>"$dir/log/postfix.log" &&
		   greets "$imap" "* OK" && greets "$smtp" "220" &&
		   { [ -z "$staff" ] || greets "$staff" "220"; }; then
			up=1
			break
		fi
		say "attempt $try failed; logs in $dir/log"
		# postfix check under a pseudo-terminal, so it says what is wrong.
		script -qec "postfix -c '$dir/postfix/etc' check" /dev/null >> "$dir/log/postfix.log" 2>&1 || true
		stop_servers "$dir"
	done
	local milters_up=1
	if [ -n "$milters_job" ]; then wait "$milters_job" || milters_up=0; fi
	if [ $up = 0 ] || [ $milters_up = 0 ]; then
		stop_processes "$dir"
		[ $up = 1 ] || die "the mail servers would not start; logs in $dir/log"
		die "the milters would not start; logs in $dir/log"
	fi

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
	if [ "$MILTERS" = 1 ]; then
		cat >> "$dir/env" <<EOF
STAFF_SMTP_PORT=$staff
AUTHSERV_ID=$AUTHSERV_ID
DKIM_SELECTOR=$DKIM_SELECTOR
DKIM_KEY=$dir/milters/$DKIM_SELECTOR.private
EOF
	fi
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
	local dir dp pids p
	dir=$(absolute "${1:?usage: kill-imap DIR}")
	dp=$(dovecot_pid "$dir")
	[ -n "$dp" ] && mine "$dp" "$dir/dovecot" || die "no Dovecot of $dir is running"
	# The master is stopped first so that it cannot start a child between
	# the listing and the kill (a login process it forked then would live
	# on, holding the listening sockets, and Dovecot could not start
	# again); listed while it lives (its orphans would be re-parented),
	# then all killed at once, and waited for.
	kill -STOP "$dp" 2>/dev/null || true
	pids=$(descendants "$dp" || true)   # a process may vanish while /proc is read
	kill -KILL "$dp" $pids 2>/dev/null || true
	for p in "$dp" $pids; do wait_exit "$p" || true; done
	# A crash leaves its pid file; a killed master left as a zombie (see
	# the top) would make the next Dovecot think itself already running.
	rm -f "$(run_dir "$dir")/dovecot/master.pid"
}

cmd_start_imap() {
	local dir port
	dir=$(absolute "${1:?usage: start-imap DIR}")
	[ -f "$dir/env" ] || die "$dir has no running instance; use start"
	port=$(sed -n 's/^IMAP_PORT=//p' "$dir/env")
	# Tried again for START_TIMEOUT seconds: just after a kill -9 the
	# kernel may not yet have released every socket of the dead processes
	# on a busy machine, and the master then refuses to start ("Address
	# already in use").
	local until=$((SECONDS + START_TIMEOUT))
	until dovecot -c "$dir/dovecot/dovecot.conf" 2>>"$dir/log/dovecot.log"; do
		[ $SECONDS -lt $until ] || die "Dovecot would not start again; see $dir/log/dovecot.log"
		sleep 0.2
	done
	greets "$port" "* OK" || die "Dovecot started again but does not greet; see $dir/log/dovecot.log"
}

# stop-milters DIR / start-milters DIR: only the milters (MILTERS=1), for
# "border down" tests: Postfix then answers 4xx to every message.
cmd_stop_milters() {
	local dir
	dir=$(absolute "${1:?usage: stop-milters DIR}")
	with_milters "$dir" || die "$dir has no milters; start it with MILTERS=1"
	stop_milters "$dir"
}

cmd_start_milters() {
	local dir
	dir=$(absolute "${1:?usage: start-milters DIR}")
	with_milters "$dir" || die "$dir has no milters; start it with MILTERS=1"
	start_milters "$dir" || die "the milters would not start again; see $dir/log/milters.log"
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
stop-milters)  shift; cmd_stop_milters "$@" ;;
start-milters) shift; cmd_start_milters "$@" ;;
*)          sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
