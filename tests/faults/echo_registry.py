#!/usr/bin/env python3
"""A hostile registry for secrets tests: plain HTTP on 127.0.0.1, it answers
every authenticated request with an error whose body echoes the request's
Authorization header (and, for bearer tokens, the Basic header the token
server saw). Repositories under basic/ challenge for Basic auth, the others
for a bearer token from its own /token endpoint. Writes its port to argv[1]."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-bearer-TOKEN-4f9c2a7e1b"
seen_basic = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        host = self.headers.get("Host", "127.0.0.1")
        if self.path.startswith("/token"):
            seen_basic.append(auth)
            self.reply(200, {"token": TOKEN, "access_token": TOKEN})
            return
        if self.path == "/v2/":
            self.reply(401, {}, [("WWW-Authenticate", f'Bearer realm="http://{host}/token",service="echo"')])
            return
        basic = self.path.startswith("/v2/basic/")
        if not auth:
            challenge = 'Basic realm="echo"' if basic else f'Bearer realm="http://{host}/token",service="echo"'
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                       [("WWW-Authenticate", challenge)])
            return
        echoed = f"you sent Authorization: {auth}"
        if not basic and seen_basic:
            echoed += f"; the token server saw {seen_basic[-1]}"
        status = 500 if "/status500/" in self.path else 401
        self.reply(status, {"errors": [{"code": "DENIED", "message": echoed}]})

    do_HEAD = do_GET


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
