#!/usr/bin/python3
"""oauth-server.py - a throwaway OAuth 2.0 authorisation server for redress's
XOAUTH2 tests, on 127.0.0.1 only.

    oauth-server.py DIR CERT KEY

Two listeners:
  https://127.0.0.1:TOKEN_PORT/token      the token endpoint redress talks to
                                          (TLS with the test certificate, so
                                          redress must verify it)
  http://127.0.0.1:CONTROL_PORT/...       for Dovecot and the tests:
      POST /introspect                    RFC 7662 introspection (Dovecot's
                                          oauth2 passdb, introspection_mode
                                          = post); the token's user is the
                                          subject below
      GET  /stats                         JSON: token requests by grant, the
                                          current refresh token, failures
      POST /control?ACTION                revoke (refresh tokens refused with
                                          invalid_grant), restore, expire
                                          (every access token issued so far
                                          inactive), lifetime=N (expires_in
                                          of tokens issued from now),
                                          subject=USER (whose tokens), reset

Clients: client_id "redress-test" with secret "client-secret" (the client
credentials grant, token valid for any user, as an application permission
in Microsoft 365 is); refresh tokens start at "refresh-1" and rotate on
every use: the old one is refused afterwards, as some providers do, so a
client that loses the rotated token fails its next refresh.

Writes DIR/oauth.env (TOKEN_URL=..., CONTROL_URL=...) once listening and
DIR/oauth.log (one line per request, no secrets). Stops on SIGTERM.
"""
import json
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "redress-test"
CLIENT_SECRET = "client-secret"

lock = threading.Lock()        # state
log_lock = threading.Lock()    # the log file (log() is called under lock too)
state = {}


def reset():
    state.clear()
    state.update(
        refresh="refresh-1",
        revoked=False,
        lifetime=3600,
        tokens={},  # access token -> (expires_at, subject or None)
        counts={"client_credentials": 0, "refresh_token": 0, "refused": 0,
                "introspect": 0, "introspect_active": 0},
        last_scope=None,
        subject="complaints@example.test",
    )


reset()
log_file = None


def log(line):
    with log_lock:
        log_file.write(time.strftime("%H:%M:%S ") + line + "\n")
        log_file.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}


class TokenHandler(Handler):
    def do_POST(self):
        if self.path != "/token":
            return self.reply(404, {"error": "not_found"})
        f = self.form()
        grant = f.get("grant_type")
        if f.get("client_id") != CLIENT_ID or f.get("client_secret", CLIENT_SECRET) != CLIENT_SECRET:
            with lock:
                state["counts"]["refused"] += 1
            log("token grant=%s refused: invalid_client" % grant)
            return self.reply(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid client secret provided."})
        with lock:
            if grant == "client_credentials":
                if "client_secret" not in f:
                    state["counts"]["refused"] += 1
                    return self.reply(400, {"error": "invalid_request",
                                            "error_description": "client_secret is required"})
                state["counts"]["client_credentials"] += 1
                state["last_scope"] = f.get("scope")
                new_refresh = None
            elif grant == "refresh_token":
                if state["revoked"] or f.get("refresh_token") != state["refresh"]:
                    state["counts"]["refused"] += 1
                    log("token grant=refresh_token refused: invalid_grant")
                    return self.reply(400, {"error": "invalid_grant",
                                            "error_description": "AADSTS70008: The provided refresh token has "
                                                                 "expired due to inactivity."})
                state["counts"]["refresh_token"] += 1
                state["last_scope"] = f.get("scope")
                n = int(state["refresh"].split("-")[1]) + 1
                new_refresh = state["refresh"] = "refresh-%d" % n
            else:
                state["counts"]["refused"] += 1
                return self.reply(400, {"error": "unsupported_grant_type"})
            token = "at-" + secrets.token_hex(16)
            state["tokens"][token] = time.time() + state["lifetime"]
            lifetime = state["lifetime"]
        log("token grant=%s issued expires_in=%d" % (grant, lifetime))
        out = {"token_type": "Bearer", "expires_in": lifetime, "access_token": token}
        if new_refresh:
            out["refresh_token"] = new_refresh
        return self.reply(200, out)


class ControlHandler(Handler):
    # Dovecot asks with POST /introspect, token=TOKEN (introspection_mode
    # = post). Dovecot 2.3.19's auth process panics when the URL holds a
    # %u, so the user cannot be passed: every token is for the "subject"
    # (complaints@example.test unless set with /control?subject=...), as
    # an application token in Microsoft 365 is for the mailbox it names.
    def introspect(self):
        token = self.form().get("token", "")
        with lock:
            state["counts"]["introspect"] += 1
            exp = state["tokens"].get(token)
            active = exp is not None and exp > time.time()
            if active:
                state["counts"]["introspect_active"] += 1
            user = state["subject"]
        log("introspect active=%s" % active)
        return self.reply(200, {"active": True, "exp": int(exp), "email": user} if active
                          else {"active": False})

    def do_GET(self):
        if self.path != "/stats":
            return self.reply(404, {"error": "not_found"})
        with lock:
            out = dict(state["counts"], refresh=state["refresh"], revoked=state["revoked"],
                       last_scope=state["last_scope"])
        return self.reply(200, out)

    def do_POST(self):
        if self.path == "/introspect":
            return self.introspect()
        if self.path.startswith("/control?"):
            action = self.path.split("?", 1)[1]
            with lock:
                if action == "revoke":
                    state["revoked"] = True
                elif action == "restore":
                    state["revoked"] = False
                elif action == "expire":
                    for t in state["tokens"]:
                        state["tokens"][t] = 0
                elif action.startswith("subject="):
                    state["subject"] = urllib.parse.unquote(action.split("=", 1)[1])
                elif action.startswith("lifetime="):
                    state["lifetime"] = int(action.split("=", 1)[1])
                elif action == "reset":
                    reset()
                else:
                    return self.reply(400, {"error": "unknown action"})
            log("control %s" % action)
            return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "not_found"})


def main():
    global log_file
    if len(sys.argv) != 4:
        sys.exit("usage: oauth-server.py DIR CERT KEY")
    d, cert, key = sys.argv[1:]
    log_file = open(d + "/oauth.log", "a")
    token = ThreadingHTTPServer(("127.0.0.1", 0), TokenHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    token.socket = ctx.wrap_socket(token.socket, server_side=True)
    control = ThreadingHTTPServer(("127.0.0.1", 0), ControlHandler)
    for srv in (token, control):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = d + "/oauth.env.tmp"
    with open(tmp, "w") as f:
        f.write("OAUTH_TOKEN_URL=https://127.0.0.1:%d/token\n" % token.server_address[1])
        f.write("OAUTH_CONTROL_URL=http://127.0.0.1:%d\n" % control.server_address[1])
    import os
    os.rename(tmp, d + "/oauth.env")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.wait(1):
        pass


if __name__ == "__main__":
    main()
