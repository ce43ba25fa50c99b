"""Client-credentials tokens as BuildOps issues them: HS256 JWTs with an `exp` claim, no refresh token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time

import orjson

from ..credentials import CLIENT_ID, CLIENT_SECRET


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class TokenError(Exception):
    """Why a bearer token was refused; the message is what the client reads."""


class TokenIssuer:
    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        # A fresh signing key per process: tokens from an earlier run are rejected, as after a key rotation.
        self._key = secrets.token_bytes(32)
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def check_client(client_id: object, client_secret: object) -> bool:
        ok_id = hmac.compare_digest(str(client_id).encode(), CLIENT_ID.encode())
        ok_secret = hmac.compare_digest(str(client_secret).encode(), CLIENT_SECRET.encode())
        return ok_id and ok_secret

    def issue(self, tenants: list[str]) -> dict:
        now = int(time.time())
        claims = {
            "sub": CLIENT_ID,
            "tenants": tenants,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": secrets.token_hex(8),
        }
        signing_input = _b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + _b64(orjson.dumps(claims))
        signature = _b64(hmac.new(self._key, signing_input, hashlib.sha256).digest())
        return {
            "access_token": (signing_input + b"." + signature).decode(),
            "expires_in": self.ttl_s,
            "token_type": "bearer",
        }

    def verify(self, authorization: str | None) -> dict:
        if not authorization:
            raise TokenError("Unauthorized: missing Authorization header (expected 'Bearer <access_token>')")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            raise TokenError("Unauthorized: malformed bearer token")
        signing_input, _, signature = token.encode().rpartition(b".")
        expected = _b64(hmac.new(self._key, signing_input, hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            raise TokenError("Unauthorized: invalid token")
        payload = signing_input.split(b".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        if claims["exp"] <= time.time() or claims["jti"] in self._revoked:
            raise TokenError("Unauthorized: token expired")
        return claims

    def expire_early(self, claims: dict) -> None:
        with self._lock:
            self._revoked.add(claims["jti"])
