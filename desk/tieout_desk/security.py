"""Who may reach the desk and which forms it accepts.

- Bind: loopback by default. Any other address needs an access token (`--token` or TIEOUT_DESK_TOKEN), checked
  on every request; `check_bind` refuses to start otherwise. The token is never printed or logged.
- CSRF: every form carries a per-browser secret that must equal the one in a SameSite=Strict, HttpOnly cookie
  (double submit), and a cross-site Origin is refused, so another page cannot make a browser decide.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

CSRF_COOKIE = "tieout_desk_csrf"
CSRF_FIELD = "csrf_token"
TOKEN_COOKIE = "tieout_desk_token"  # noqa: S105 (the cookie's name, not a secret)
MIN_TOKEN_LENGTH = 16


class BindError(ValueError):
    """The desk refuses to start on this address; the message names the setting and the fix."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def check_bind(host: str, token: str | None) -> None:
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise BindError(
            f"--token (TIEOUT_DESK_TOKEN) is {len(token)} characters; use at least {MIN_TOKEN_LENGTH} "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`)"
        )
    if not is_loopback(host) and not token:
        raise BindError(
            f"--host {host} is not a loopback address: anyone who reaches it could read the books and sign off the "
            "close. Set --token (or TIEOUT_DESK_TOKEN) to a secret of 16+ characters and share it with the desk's "
            "users, or leave --host at 127.0.0.1"
        )


def csrf_token(request: Request) -> str:
    """The browser's CSRF secret (minted on its first page view; CsrfMiddleware sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or request.scope.get("tieout_new_csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.scope["tieout_new_csrf"] = token
    return token


async def csrf_refusal(request: Request) -> PlainTextResponse | None:
    """None when a POST may proceed; else the 403 that says why and what to do."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        return PlainTextResponse(
            f"Refused: this form was sent from {origin}, not from the desk. Open the desk and decide there.",
            status_code=403,
        )
    cookie = request.cookies.get(CSRF_COOKIE, "")
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        return PlainTextResponse(
            "Refused: the form's security token is missing or stale (CSRF check). Reload the page and decide again.",
            status_code=403,
        )
    return None


class CsrfCookieMiddleware:
    """Sets the CSRF cookie on the response when the page minted one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and scope.get("tieout_new_csrf"):
                headers = MutableHeaders(scope=message)
                headers.append(
                    "set-cookie",
                    f"{CSRF_COOKIE}={scope['tieout_new_csrf']}; Path=/; HttpOnly; SameSite=Strict",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class TokenMiddleware:
    """With a token configured, every request must carry it: `Authorization: Bearer`, the cookie, or `?token=`
    once (answered with a redirect that sets the cookie and drops the token from the address bar)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.token:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        bearer = request.headers.get("authorization", "")
        offered = request.query_params.get("token")
        for candidate in (
            bearer[7:] if bearer.lower().startswith("bearer ") else "",
            request.cookies.get(TOKEN_COOKIE, ""),
        ):
            if candidate and hmac.compare_digest(candidate, self.token):
                await self.app(scope, receive, send)
                return
        if offered and hmac.compare_digest(offered, self.token):
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(kept) if kept else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            await response(scope, receive, send)
            return
        response = PlainTextResponse(
            "This desk is served beyond loopback and needs its access token: open it as /?token=<the token> "
            "(ask whoever started `tieout desk`), or send `Authorization: Bearer <the token>`.",
            status_code=401,
        )
        await response(scope, receive, send)
