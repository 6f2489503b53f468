#!/usr/bin/env python3
"""fake-smtp.py -- a misbehaving SMTP server for tests/faults/smtp.sh.

    python3 tests/faults/fake-smtp.py MODE PORTFILE DIR

Listens on 127.0.0.1 on a free port, which it writes to PORTFILE once it
listens; plain text, no STARTTLS, no AUTH (the client needs [smtp]
allow_plaintext). Each connection and command is logged to DIR/log, one
line each. MODE:

  reject   550 to every RCPT TO
  silent   accepts the connection and never says a word
  drop     a proper server up to DATA; once it has read 512 bytes of the
           message it closes the connection, before the final "."
  accept   a proper server: each message is written to DIR/N.eml, then 250
  slow     as accept, but the 250 comes $FAKE_DELAY seconds (default 3)
           after the end of the message

It runs until killed.
"""
import os
import socket
import socketserver
import sys
import threading
import time

MODE, PORTFILE, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
if MODE not in ("reject", "silent", "drop", "accept", "slow"):
    sys.exit("fake-smtp.py: unknown mode " + MODE)
lock = threading.Lock()
count = [0]


def log(line):
    with lock, open(os.path.join(DIR, "log"), "a") as f:
        f.write(line + "\n")


class Handler(socketserver.StreamRequestHandler):
    def send(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        log("connect")
        if MODE == "silent":
            while self.request.recv(4096):
                pass
            log("closed by the client")
            return
        self.send("220 fake.test ESMTP fake-smtp.py")
        while True:
            line = self.rfile.readline()
            if not line:
                log("closed by the client")
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = text.split(" ", 1)[0].split(":", 1)[0].upper()
            log("< " + text)
            if verb == "EHLO":
                self.send("250-fake.test\r\n250-8BITMIME\r\n250 SIZE 10000000")
            elif verb == "HELO":
                self.send("250 fake.test")
            elif verb == "MAIL":
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if MODE == "reject":
                    self.send("550 5.1.1 No such mailbox here (fake-smtp.py)")
                else:
                    self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                if not self.data():
                    return
            elif verb in ("RSET", "NOOP"):
                self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("502 5.5.2 Command not recognised")

    def data(self):
        got = bytearray()
        while True:
            line = self.rfile.readline()
            if not line:
                log("closed by the client in DATA")
                return False
            if line in (b".\r\n", b".\n"):
                break
            got += line
            if MODE == "drop" and len(got) >= 512:
                log("dropped the connection after %d bytes of DATA" % len(got))
                self.request.shutdown(socket.SHUT_RDWR)
                return False
        with lock:
            count[0] += 1
            n = count[0]
        with open(os.path.join(DIR, "%d.eml" % n), "wb") as f:
            f.write(bytes(got))
        log("stored message %d" % n)
        if MODE == "slow":
            time.sleep(float(os.environ.get("FAKE_DELAY", "3")))
        self.send("250 2.0.0 Ok: queued as FAKE%d" % n)
        return True


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
tmp = PORTFILE + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(tmp, PORTFILE)
server.serve_forever()
