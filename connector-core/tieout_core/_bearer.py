"""Bearer tokens on `requests`: fetched lazily, refreshed before they expire, and told apart when refused.

Kept apart from the HTTP client so the client, the OAuth2 grant and a connector's own token call all share one
notion of "the token this request fetched itself" without importing each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests


@dataclass
class Token:
    value: str
    refresh_at: float


class BearerTokenAuth(requests.auth.AuthBase):
    """Adds `Authorization: Bearer`; `fetch()` returns (token, lifetime seconds).

    It remembers, per thread, the last token that thread fetched itself, so that a request meeting a 401
    can tell "the token I just obtained was refused" (a credentials or environment problem if it keeps
    happening) from "a token someone else obtained earlier was revoked" (refresh and carry on).
    """

    def __init__(self, fetch: Callable[[], tuple[str, float]], refresh_margin: float = 300.0):
        self._fetch = fetch
        self._refresh_margin = refresh_margin
        self._token: Token | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def token(self) -> str:
        """The current token, fetched (or refreshed early) when needed."""
        with self._lock:
            now = time.monotonic()
            if self._token is None or now >= self._token.refresh_at:
                value, lifetime = self._fetch()
                # A lifetime shorter than the margin would refresh on every call: keep half of it instead.
                margin = min(self._refresh_margin, lifetime / 2)
                self._token = Token(value, now + lifetime - margin)
                self._local.fetched = value
            return self._token.value

    def invalidate(self, stale: str | None = None) -> None:
        """Drop the current token (only if it is still `stale`, when given), so the next call fetches one."""
        with self._lock:
            if self._token is not None and (stale is None or self._token.value == stale):
                self._token = None

    def is_current(self, value: str) -> bool:
        """Whether `value` is still the token every new request gets (nobody has replaced or dropped it)."""
        with self._lock:
            return self._token is not None and self._token.value == value

    def fetched_here(self, value: str) -> bool:
        """Whether this thread fetched `value` itself since `forget_fetched()`."""
        return getattr(self._local, "fetched", None) == value

    def forget_fetched(self) -> None:
        """Start a request: forget which token this thread fetched itself."""
        self._local.fetched = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request
