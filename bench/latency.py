#!/usr/bin/env python3
# latency.py — the clock and the hands of bench/latency.sh: sends mail by
# SMTP at an even rate, timestamps the server's 250 to each DATA, and
# watches Maildirs with inotify for what arrives, timestamping each file as
# it appears in new/. One process does both, so every time is on the same
# clock (time.time(), also what the daemon's trace lines use).
#
#   latency.py floor  ENV RUN N SECONDS OUT.json
#       N plain mails to f-RUN-i@PUBLIC_DOMAIN (the catch-all), each
#       measured from its 250 to its arrival.
#   latency.py ack    ENV RUN N SECONDS OUT.json
#       N complaints to complaints@MAIL_DOMAIN, each from its own
#       c-RUN-i@PUBLIC_DOMAIN; measured from the 250 to the
#       acknowledgement's arrival in the catch-all (Delivered-To names the
#       complainant). The complaint's own arrival in the complaints
#       Maildir is noted too, for the breakdown.
#   latency.py staff  ENV RUN N SECONDS OUT.json
#       N complaints at once-a-tenth-of-a-second, then for each the staff
#       notice (staff-new-case, to staff@MAIL_DOMAIN) is answered by a
#       staff reply to its Reply-To, N replies over SECONDS; measured from
#       the reply's 250 to the relayed letter ("Re: Your complaint …") in
#       the complainant's mailbox.
#
# ENV is the KEY=VALUE file tests/mailservers.sh writes. Only the Python
# standard library: inotify through ctypes, since Debian 12's python3 has
# no binding and the bench should need no extra package.
import ctypes
import ctypes.util
import email.parser
import email.policy
import email.utils
import json
import os
import queue
import smtplib
import struct
import sys
import threading
import time

IN_CREATE = 0x100
IN_MOVED_TO = 0x80
IN_CLOEXEC = 0o2000000


def read_env(path):
	env = {}
	with open(path) as f:
		for line in f:
			k, _, v = line.rstrip("\n").partition("=")
			if k:
				env[k] = v
	return env


class Watch:
	"""Files appearing in Maildir new/ folders, each with the time it
	appeared and its header. The time is taken as the event is read; the
	header afterwards, on another thread, so a slow read never delays the
	next timestamp."""

	def __init__(self, dirs):
		libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
		self.fd = libc.inotify_init1(IN_CLOEXEC)
		if self.fd < 0:
			raise OSError(ctypes.get_errno(), "inotify_init1")
		self.label = {}
		for label, d in dirs.items():
			wd = libc.inotify_add_watch(self.fd, d.encode(), IN_CREATE | IN_MOVED_TO)
			if wd < 0:
				raise OSError(ctypes.get_errno(), "inotify_add_watch " + d)
			self.label[wd] = (label, d)
		self.raw = queue.Queue()
		self.lock = threading.Lock()
		self.cond = threading.Condition(self.lock)
		self.seen = []   # (label, time, header dict or None)
		threading.Thread(target=self._read, daemon=True).start()
		threading.Thread(target=self._parse, daemon=True).start()

	def _read(self):
		while True:
			buf = os.read(self.fd, 65536)
			t = time.time()
			off = 0
			while off + 16 <= len(buf):
				wd, _mask, _cookie, n = struct.unpack_from("iIII", buf, off)
				name = buf[off + 16:off + 16 + n].split(b"\0", 1)[0].decode()
				off += 16 + n
				self.raw.put((wd, name, t))

	def _parse(self):
		parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
		while True:
			wd, name, t = self.raw.get()
			label, d = self.label[wd]
			hdr = None
			path = os.path.join(d, name)
			try:
				with open(path, "rb") as f:
					head = f.read(65536)
				m = parser.parsebytes(head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\n\n")
				hdr = {k.lower(): str(v) for k, v in m.items()}
				hdr["_path"] = path
			except OSError:
				pass   # moved on already (the daemon's UID MOVE)
			with self.cond:
				self.seen.append((label, t, hdr))
				self.cond.notify_all()

	def wait_for(self, pred, count, timeout):
		"""Wait until @count seen entries satisfy @pred, or @timeout."""
		until = time.time() + timeout
		with self.cond:
			while sum(1 for s in self.seen if pred(s)) < count:
				left = until - time.time()
				if left <= 0:
					break
				self.cond.wait(left)
			return [s for s in self.seen if pred(s)]


class Idle:
	"""A bare IMAP client waiting in IDLE on one user's INBOX, noting when
	the server tells it of new mail (each untagged EXISTS): how soon any
	IDLE client can know, the yardstick for the daemon's watcher. It never
	leaves IDLE, so it costs the server nothing more than one idle
	session."""

	def __init__(self, host, port, user, password):
		import socket
		self.sock = socket.create_connection((host, int(port)), timeout=30)
		self.f = self.sock.makefile("rb")
		self.exists = []   # times of "* N EXISTS" while idling
		self.lock = threading.Lock()
		self.f.readline()   # greeting
		self._cmd(b"a LOGIN %s %s" % (self._q(user), self._q(password)))
		self._cmd(b"b SELECT INBOX")
		self.sock.sendall(b"c IDLE\r\n")
		line = self.f.readline()
		if not line.startswith(b"+"):
			raise OSError("IDLE refused: %r" % line)
		self.sock.settimeout(None)
		threading.Thread(target=self._read, daemon=True).start()

	@staticmethod
	def _q(s):
		return b'"' + s.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'

	def _cmd(self, line):
		tag = line.split(b" ", 1)[0]
		self.sock.sendall(line + b"\r\n")
		while True:
			r = self.f.readline()
			if not r:
				raise OSError("connection closed")
			if r.startswith(tag + b" "):
				if not r.startswith(tag + b" OK"):
					raise OSError("IMAP: %r" % r)
				return

	def _read(self):
		while True:
			try:
				r = self.f.readline()
			except (OSError, ValueError):
				return
			if not r:
				return
			t = time.time()
			if r.startswith(b"* ") and r.rstrip().endswith(b" EXISTS"):
				with self.lock:
					self.exists.append(t)

	def told(self, t):
		"""When the client was first told of mail delivered at @t."""
		with self.lock:
			return next((e for e in self.exists if e >= t), None)


def addr_of(v):
	v = (v or "").strip()
	if "<" in v and ">" in v:
		v = v[v.index("<") + 1:v.index(">")]
	return v.strip().lower()


class Sender:
	"""Mails sent at an even rate, each on a connection of its own (as
	separate people's clients would), each on its own thread so that a slow
	one never pushes the next one's start."""

	def __init__(self, host, port):
		self.host, self.port = host, int(port)
		self.done = {}
		self.errors = []
		self.lock = threading.Lock()

	def _one(self, key, mail_from, rcpt, data):
		try:
			s = smtplib.SMTP(self.host, self.port, timeout=60)
			s.ehlo("bench.public.test")
			code, msg = s.mail(mail_from)
			if code != 250:
				raise smtplib.SMTPException("MAIL: %d %s" % (code, msg))
			code, msg = s.rcpt(rcpt)
			if code not in (250, 251):
				raise smtplib.SMTPException("RCPT: %d %s" % (code, msg))
			code, msg = s.data(data)
			t = time.time()
			if code != 250:
				raise smtplib.SMTPException("DATA: %d %s" % (code, msg))
			with self.lock:
				self.done[key] = t
			try:
				s.quit()
			except smtplib.SMTPException:
				pass
		except (OSError, smtplib.SMTPException) as e:
			with self.lock:
				self.errors.append("%s: %s" % (key, e))

	def run(self, items, seconds):
		"""@items: (key, mail_from, rcpt, bytes); spread over @seconds."""
		threads = []
		t0 = time.time() + 0.1
		step = seconds / max(len(items), 1)
		for i, (key, mf, rc, data) in enumerate(items):
			at = t0 + i * step
			d = at - time.time()
			if d > 0:
				time.sleep(d)
			th = threading.Thread(target=self._one, args=(key, mf, rc, data))
			th.start()
			threads.append(th)
		for th in threads:
			th.join()


def crlf(text):
	return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


SUBJECTS = ["Street light out on Mill Lane", "Bin not collected again", "Pothole outside number 12",
            "Noise from the depot at night", "Overgrown hedge blocking the footpath",
            "Missed assisted collection", "Parking permit never arrived", "Flooded underpass"]


def complaint(key, who, to, i, domain):
	subject = "%s (%d)" % (SUBJECTS[i % len(SUBJECTS)], i)
	return crlf(
		"From: Pat Public %d <%s>\nTo: %s\nSubject: %s\nDate: %s\n"
		"Message-ID: <%s@%s>\n\n"
		"I wish to make a complaint. %s: this is the third time I have reported it\n"
		"and nothing has been done. Please look into this and tell me what you will do.\n\n"
		"Pat Public\n" % (i, who, to, subject, email.utils.formatdate(localtime=True), key, domain,
		                  subject))


def stats(values):
	v = sorted(values)
	if not v:
		return None
	def rank(p):
		k = max(0, -(-len(v) * p // 100) - 1)   # nearest rank
		return v[int(k)]
	return {"n": len(v), "p50": rank(50), "p95": rank(95), "max": v[-1], "min": v[0]}


def mkdirs(env, user):
	d = os.path.join(env["MAIL_ROOT"], user, "Maildir")
	st = os.stat(env["MAIL_ROOT"])
	for sub in ("", "new", "cur", "tmp"):
		p = os.path.join(d, sub)
		os.makedirs(p, exist_ok=True)
		os.chown(p, st.st_uid, st.st_gid)
	os.chown(os.path.join(env["MAIL_ROOT"], user), st.st_uid, st.st_gid)
	return os.path.join(d, "new")


def main():
	mode, envf, run, n, seconds, out = sys.argv[1:7]
	env = read_env(envf)
	n, seconds = int(n), float(seconds)
	pub, dom = env["PUBLIC_DOMAIN"], env["MAIL_DOMAIN"]
	dirs = {
		"catchall": mkdirs(env, env["CATCHALL_USER"]),
		"complaints": mkdirs(env, "complaints@" + dom),
		"staff": mkdirs(env, "staff@" + dom),
	}
	w = Watch(dirs)
	# The bystander: in IDLE on the catch-all for the floor, on the
	# complaints INBOX (beside the daemon's own watcher) for the rest.
	idle_user = env["CATCHALL_USER"] if mode == "floor" else "complaints@" + dom
	idle = Idle(env["MAIL_HOST"], env["IMAP_PORT"], idle_user, env["MAIL_PASSWORD"])
	snd = Sender(env["MAIL_HOST"], env["SMTP_PORT"])
	result = {"mode": mode, "n": n, "seconds": seconds, "samples": {}}
	wait = float(os.environ.get("LATENCY_WAIT", "60"))

	def in_catchall(prefix):
		return lambda s: (s[0] == "catchall" and s[2] is not None and
		                  addr_of(s[2].get("delivered-to")).startswith(prefix))

	if mode == "floor":
		items = []
		for i in range(n):
			key = "f-%s-%d" % (run, i)
			rcpt = "%s@%s" % (key, pub)
			data = crlf("From: Bench <bench@%s>\nTo: %s\nSubject: floor %d\nDate: %s\n"
			            "Message-ID: <%s@%s>\n\nA plain message, %d.\n" %
			            (pub, rcpt, i, email.utils.formatdate(localtime=True), key, pub, i))
			items.append((key, "bench@" + pub, rcpt, data))
		snd.run(items, seconds)
		got = w.wait_for(in_catchall("f-%s-" % run), len(snd.done), wait)
		arrived = {addr_of(h.get("delivered-to")).split("@")[0]: t for _, t, h in got}
		for key, t0 in snd.done.items():
			d = arrived.get(key)
			result["samples"][key] = {"submitted": t0, "delivered": d, "told": idle.told(d) if d else None}
	elif mode == "ack":
		items = []
		for i in range(n):
			key = "c-%s-%d" % (run, i)
			who = "%s@%s" % (key, pub)
			items.append((key, who, "complaints@" + dom, complaint(key, who, "complaints@" + dom, i, pub)))
		snd.run(items, seconds)
		got = w.wait_for(in_catchall("c-%s-" % run), len(snd.done), wait)
		acks = {addr_of(h.get("delivered-to")).split("@")[0]: (t, h) for _, t, h in got}
		came = {}
		for label, t, h in list(w.seen):
			if label == "complaints" and h is not None:
				came[addr_of(h.get("from")).split("@")[0]] = t
		for key, t0 in snd.done.items():
			a = acks.get(key)
			cin = came.get(key)
			result["samples"][key] = {"submitted": t0, "complaint_in": cin,
			                          "told": idle.told(cin) if cin else None,
			                          "delivered": a[0] if a else None,
			                          "subject": a[1].get("subject") if a else None}
	elif mode == "staff":
		items = []
		for i in range(n):
			key = "s-%s-%d" % (run, i)
			who = "%s@%s" % (key, pub)
			items.append((key, who, "complaints@" + dom, complaint(key, who, "complaints@" + dom, i, pub)))
		snd.run(items, n / 10.0)
		# Each case's acknowledgement names its reference, and so does its
		# staff notice, whose Reply-To is where a staff reply goes.
		acks = w.wait_for(in_catchall("s-%s-" % run), len(snd.done), wait)
		ref_of = {}
		for _, _, h in acks:
			subj = h.get("subject", "")
			for word in subj.replace(":", " ").split():
				if word.upper().startswith("CMP-"):
					ref_of[word.upper()] = addr_of(h.get("delivered-to"))
		def notice(s):
			return s[0] == "staff" and s[2] is not None and any(r in s[2].get("subject", "").upper()
			                                                    for r in ref_of)
		notices = w.wait_for(notice, len(ref_of), wait)
		replies = []
		for _, _, h in notices:
			subj = h.get("subject", "")
			ref = next((r for r in ref_of if r in subj.upper()), None)
			to = addr_of(h.get("reply-to"))
			if ref is None or not to:
				continue
			who = ref_of[ref]
			mid = h.get("message-id", "")
			data = crlf("From: Sam Staff <staff@%s>\nTo: %s\nSubject: Re: %s\nDate: %s\n"
			            "Message-ID: <r-%s-%s@%s>\nIn-Reply-To: %s\nReferences: %s\n\n"
			            "Thank you for your complaint. I have asked the team to look into it today\n"
			            "and I will write again by Friday.\n\nSam Staff\n\n"
			            "> A new complaint, %s, has been opened.\n" %
			            (dom, to, subj, email.utils.formatdate(localtime=True), run, ref, dom, mid, mid, ref))
			replies.append((who.split("@")[0], "staff@" + dom, to, data))
		result["notices"] = len(replies)
		if not replies:
			result["error"] = "no staff notice with a Reply-To arrived (%d acknowledgements)" % len(acks)
		snd.done.clear()
		snd.run(replies, seconds)
		def relayed(s):
			return (s[0] == "catchall" and s[2] is not None and
			        s[2].get("subject", "").startswith("Re: Your complaint") and
			        addr_of(s[2].get("delivered-to")).startswith("s-%s-" % run))
		got = w.wait_for(relayed, len(snd.done), wait)
		arrived = {addr_of(h.get("delivered-to")).split("@")[0]: t for _, t, h in got}
		for key, t0 in snd.done.items():
			result["samples"][key] = {"submitted": t0, "delivered": arrived.get(key)}
	else:
		sys.exit("latency.py: unknown mode " + mode)

	result["send_errors"] = snd.errors
	lat = [s["delivered"] - s["submitted"] for s in result["samples"].values() if s["delivered"]]
	result["stats"] = stats(lat)
	result["lost"] = sum(1 for s in result["samples"].values() if not s["delivered"])
	with open(out, "w") as f:
		json.dump(result, f, indent=1)
	st = result["stats"]
	print("%s: %d sent, %d arrived, %d send errors%s" % (
		mode, len(result["samples"]), len(lat), len(snd.errors),
		"; p50 %.3f s p95 %.3f s max %.3f s" % (st["p50"], st["p95"], st["max"]) if st else ""))
	for e in snd.errors[:3]:
		print("  " + e)


if __name__ == "__main__":
	main()
