"""A hostile HTTP(S) front on loopback: it answers the way proxies, load balancers and half-configured installs do.

`HostileFront` listens on 127.0.0.1 and forwards every request to a real upstream (the sandbox's twin) except
those a rule claims. A rule names a method and a path prefix, and answers with a `Reply`:
- a redirect (302/307) to `Catcher`, another host (127.0.0.2), which records whatever reaches it, so a test can
  prove that no secret arrived there;
- a fixed answer: `{}`, an HTML login page, result rows with an error on a later row;
- a body cut short (`cut_after`: the Content-Length promises more than is sent, then the connection closes);
- any of these after forwarding the request first (`forward_first`): the twin acts on it (a Put lands) but the
  client never sees the twin's answer.
With `tls=` (a `trustme.CA`), the front serves HTTPS with a certificate for 127.0.0.1 and localhost signed by that
CA, which no client trusts unless told to (`ca_bundle`).

Nothing here imports a connector or the sandbox: the front speaks plain HTTP to both sides.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method='post' action='/sso/login'>"
    b"<input name='user'><input name='password' type='password'><button>Sign in</button></form></body></html>"
)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    forward_first: bool = False
    cut_after: int | None = None


@dataclass
class Rule:
    method: str
    path: str
    reply: Reply
    times: int | None = None  # None: every matching request
    used: int = 0

    def claims(self, method: str, path: str) -> bool:
        return method == self.method and path.startswith(self.path) and (self.times is None or self.used < self.times)


def _record(handler: BaseHTTPRequestHandler) -> Seen:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    return Seen(handler.command, handler.path, dict(handler.headers.items()), body)


def _serve(host: str, handler: type[BaseHTTPRequestHandler], tls: Any = None) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


class Catcher:
    """The other host a redirect points to (127.0.0.2): it answers 200 `{}` and keeps everything it received."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.seen: list[Seen] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _handle(self) -> None:
                catcher.seen.append(_record(self))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = _handle

        self._httpd = _serve(host, Handler)
        self.url = f"http://{host}:{self._httpd.server_address[1]}"

    def received(self) -> str:
        """Everything that reached this host, as one text to search for secrets."""
        return "\n".join(f"{s.method} {s.path}\n{s.headers}\n{s.body.decode(errors='replace')}" for s in self.seen)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class HostileFront:
    def __init__(self, upstream: str, *, tls: Any = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.claimed: list[Seen] = []
        self._lock = threading.Lock()
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _handle(self) -> None:
                seen = _record(self)
                front.seen.append(seen)
                rule = front._claim(seen)
                if rule is None:
                    self._answer(*front._forward(seen))
                    return
                front.claimed.append(seen)
                if rule.reply.forward_first:
                    front._forward(seen)
                reply = rule.reply
                headers = {"Content-Type": reply.content_type, **reply.headers}
                self._answer(reply.status, headers, reply.body, cut_after=reply.cut_after)

            def _answer(self, status: int, headers: Mapping[str, str], body: bytes, cut_after: int | None = None):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body if cut_after is None else body[:cut_after])
                if cut_after is not None:
                    self.wfile.flush()
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _handle

        self._httpd = _serve("127.0.0.1", Handler, tls)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def on(self, method: str, path: str, reply: Reply, *, times: int | None = None) -> HostileFront:
        self.rules.append(Rule(method, path, reply, times))
        return self

    def _claim(self, seen: Seen) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.claims(seen.method, seen.path.split("?")[0]):
                    rule.used += 1
                    return rule
        return None

    def _forward(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in seen.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.request(
            seen.method, self.upstream + seen.path, data=seen.body, headers=headers, timeout=60, allow_redirects=False
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "location", "retry-after")}
        return answer.status_code, kept, answer.content

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
