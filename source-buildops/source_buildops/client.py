"""BuildOps HTTP client: client-credentials token, tenant header, list envelopes, errors a user can act on."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from tieout_core import (
    BearerTokenAuth,
    ConfigError,
    ConnectorError,
    HttpClient,
    Page,
    RetryPolicy,
    TransientError,
    error_detail,
    page_number_pages,
    prefetch,
)

from source_buildops.config import BuildOpsConfig

TOKEN_PATH = "/v1/auth/token"  # noqa: S105 - a URL path, not a password
DEFAULT_TOKEN_LIFETIME_S = 3600.0  # used only when neither expires_in nor the JWT exp claim is present
REFRESH_MARGIN_S = 300.0  # refresh ~5 min before expiry, as BuildOps's own connector does


def jwt_lifetime(token: str) -> float | None:
    """Seconds until the JWT `exp` claim, when the token is a JWT (one source says expires_in can be missing)."""
    import time

    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"]) - time.time()
    except (IndexError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None


class BuildOpsClient:
    def __init__(self, config: BuildOpsConfig, *, retry: RetryPolicy | None = None):
        self.config = config
        self.auth = BearerTokenAuth(self._fetch_token, refresh_margin=REFRESH_MARGIN_S)
        self.http = HttpClient(
            config.base_url,
            auth=self.auth,
            timeout=config.request_timeout_seconds,
            retry=retry or RetryPolicy(attempts=config.max_retries, backoff_factor=config.retry_backoff_seconds),
            pool_size=config.max_concurrency + 4,
            explain=self._explain,
            headers={"User-Agent": "tieout-source-buildops/0.1"},
            ca_bundle=config.ca_bundle,
        )

    # Auth -----------------------------------------------------------------------------------------------
    def _fetch_token(self) -> tuple[str, float]:
        body = {
            "clientId": self.config.client_id,
            "clientSecret": self.config.client_secret.get_secret_value(),
        }
        payload = self.http.post_json(TOKEN_PATH, json=body, authenticated=False)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            raise TransientError(f"POST {TOKEN_PATH} answered without an access_token")
        lifetime = payload.get("expires_in") or jwt_lifetime(token) or DEFAULT_TOKEN_LIFETIME_S
        return token, float(lifetime)

    def _explain(self, response: requests.Response) -> ConnectorError | None:
        path = urlsplit(response.url).path
        status = response.status_code
        detail = error_detail(response)
        said = f" (BuildOps said: {detail})" if detail else ""
        if path.endswith(TOKEN_PATH) and status in (400, 401, 403):
            return ConfigError(
                f"BuildOps rejected the client credentials (HTTP {status} from POST {TOKEN_PATH}){said}: "
                "check client_id and client_secret"
            )
        tenant = response.request.headers.get("tenantId", "")
        if status == 403:
            return ConfigError(
                f"BuildOps refused tenant {tenant} (HTTP 403 on GET {path}){said}: these credentials are not "
                "authorised for it; check tenant_ids"
            )
        if status == 401:
            return ConfigError(
                f"BuildOps rejected a fresh token (HTTP 401 on GET {path}){said}: check client_id and "
                "client_secret, and that the credentials belong to this environment (base_url)"
            )
        if status == 404:
            return ConfigError(
                f"GET {path} does not exist on this BuildOps API (HTTP 404){said}: set the stream's path "
                "in stream_paths"
            )
        if status == 400:
            return ConfigError(
                f"BuildOps refused GET {path} (HTTP 400){said}: check stream_paths, page_size and the "
                "customers_*, jobs_updated_since_param and invoices_* settings"
            )
        return None

    # Reads ----------------------------------------------------------------------------------------------
    def get(self, path: str, tenant: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.http.get_json(path, params=params, headers={"tenantId": tenant})

    def pages(
        self,
        path: str,
        tenant: str,
        *,
        params: Mapping[str, Any] | None = None,
        page_base: int = 0,
        size_param: str = "page_size",
        list_key: str = "items",
        start_page: int | None = None,
        read_ahead: bool = True,
        concurrency: int = 1,
    ) -> Iterator[Page]:
        """Pages of a list endpoint whose records sit under `list_key` (departments: `departments`).

        With `read_ahead`, page N+1 is requested while page N is being processed (see `prefetch`). With
        `concurrency` above 1, once the first page gives totalCount the other pages are requested that many at
        a time (in order): for a list read on its own, with no detail requests sharing the connections.
        """
        page_size = self.config.page_size

        def fetch(page: int) -> tuple[list[Any], int | None]:
            query = {**(params or {}), "page": page, size_param: page_size}
            return unwrap(self.get(path, tenant, query), path, list_key)

        walk = page_number_pages(
            fetch, page_base=page_base, page_size=page_size, start_page=start_page, concurrency=concurrency
        )
        yield from prefetch(walk) if read_ahead else walk

    def close(self) -> None:
        self.http.close()


def unwrap(body: Any, path: str, list_key: str = "items") -> tuple[list[Any], int | None]:
    """`{<list_key>: [...], totalCount}` -> (items, totalCount or None).

    `{items}`, `{data}` and a bare array are accepted too: live clients met both departments shapes, and a
    body in another known shape is better read than refused.
    """
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict):
        for key in dict.fromkeys((list_key, "items", "data")):
            if isinstance(body.get(key), list):
                total = body.get("totalCount")
                if total is None and isinstance(body.get("query"), dict):
                    total = body["query"].get("totalCount")
                return body[key], int(total) if total is not None else None
    raise TransientError(f"GET {path} returned an unexpected body (no {list_key}, items, data or array)")
