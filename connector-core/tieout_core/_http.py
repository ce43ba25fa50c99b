"""HTTP on `requests`: retries, bearer auth on every request, redirect and TLS rules, errors that name the request.

Bearer tokens live in _bearer.py, the OAuth2 grant in _oauth2.py, walks over pages in _pagination.py and the
detail pool in _concurrency.py.

- Retries are urllib3's `Retry` on the session adapter (not a hand-rolled loop): 429 and 5xx and
  connection/read errors, exponential backoff with jitter, `Retry-After` honoured.
- `BearerTokenAuth` fetches a token lazily, refreshes it `refresh_margin` seconds before it expires,
  and `HttpClient` retries a request that meets a 401 with the current token (refetched if needed). A 401
  on a token that another thread has already replaced is not the credentials' fault; only tokens this very
  request fetched and saw refused count towards giving up with a config error (both kinds are bounded).
- Errors reach the caller as `ConfigError` / `TransientError` with a message that names the request
  (method and path, never the query string's secrets or any header).
- Redirects are followed only by a GET to the same origin (scheme, host and port): `requests` on its own
  re-sends a POST body (a client secret) on a 307 to any host. Anything else is a `ConfigError` naming the
  status and the Location's host, and saying to set the base URL to the final address.
- TLS: certificates are always checked, against `ca_bundle` when given (a private CA's PEM file); an
  untrusted certificate is a `ConfigError` naming that setting (see tls.py), not an unreachable host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tieout_core._bearer import BearerTokenAuth
from tieout_core._errors import ConfigError, ConnectorError, TransientError
from tieout_core._tls import tls_failure

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class RetryPolicy:
    """Defaults follow what BuildOps's own connector recommends: 5 attempts, 1 s -> 60 s with jitter."""

    attempts: int = 5
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    jitter: float = 1.0

    def to_urllib3(self) -> Retry:
        """This policy as urllib3's `Retry` (429 and 5xx, connection and read errors; `Retry-After` honoured)."""
        return Retry(
            total=self.attempts,
            connect=self.attempts,
            read=self.attempts,
            status=self.attempts,
            other=0,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.jitter,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # token POSTs are safe to repeat too
            respect_retry_after_header=True,
            raise_on_status=False,
        )


def describe_request(method: str, url: str) -> str:
    """`GET /v1/jobs` (host and query string left out: they may carry tenant ids or secrets)."""
    return f"{method.upper()} {urlsplit(url).path}"


def error_detail(response: requests.Response) -> str:
    """The server's own explanation of a failed response, shortened: `message`, `detail` or `error` of a JSON
    body; an OAuth2 error (RFC 6749 5.2) as `error: error_description` (`invalid_client: Client authentication
    failed`), so the user reads why, not only the code."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        description = body.get("error_description")
        if isinstance(description, str) and description:
            code = body.get("error")
            return (f"{code}: {description}" if isinstance(code, str) and code else description)[:200]
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:200]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:200]
    return ""


def origin(url: str) -> str:
    """`https://host:port` (no user info, path or query: they may carry secrets)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def redirect_refused(response: requests.Response, target: str, url_setting: str) -> ConfigError:
    what = describe_request(response.request.method or "GET", response.url)
    if (response.request.method or "GET").upper() != "GET":
        why = "a redirected request would carry its body (credentials included) to wherever the redirect points"
    else:
        why = "it points to another host, and the Authorization header is never sent to another host"
    return ConfigError(
        f"{what} was answered with HTTP {response.status_code}, a redirect to {origin(target)}; it was not"
        f" followed: {why}. Set {url_setting} to the final address (the one the redirect points to, if that is"
        " the real API)."
    )


def default_error(response: requests.Response) -> ConnectorError:
    what = describe_request(response.request.method or "GET", response.url)
    detail = error_detail(response)
    suffix = f": {detail}" if detail else ""
    status = response.status_code
    if status in RETRY_STATUSES:
        return TransientError(f"{what} kept failing with HTTP {status} after retries{suffix}")
    if status in (400, 401, 403, 404, 405, 422):
        return ConfigError(f"{what} was refused with HTTP {status}{suffix}")
    return ConnectorError(f"{what} failed with HTTP {status}{suffix}")


@dataclass(frozen=True)
class Response:
    """A successful response: `status`, `headers` (case-insensitive), the parsed JSON `body` (None for a 204),
    the final `url`, and `links`, the parsed `Link` header (`links["next"]["url"]`; empty when absent)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    url: str
    links: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class _Body:
    json: Any
    form: Mapping[str, Any] | None


class HttpClient:
    """A requests Session with retries, optional bearer auth and JSON helpers.

    `explain(response)` lets a connector turn a failed response into its own ConnectorError (for
    example "tenant X is not authorised"); return None to fall back to `default_error`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: BearerTokenAuth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,
        explain: Callable[[requests.Response], ConnectorError | None] | None = None,
        max_token_refreshes: int = 4,
        max_auth_retries: int = 24,
        url_setting: str = "base_url",
        ca_bundle: str | None = None,
        ca_setting: str = "ca_bundle",
    ):
        self.base_url = base_url.rstrip("/")
        self.url_setting = url_setting
        self.ca_setting = ca_setting
        self.max_token_refreshes = max_token_refreshes
        self.max_auth_retries = max_auth_retries
        self.auth = auth
        self.timeout = timeout
        self.explain = explain
        self.session = requests.Session()
        # Passed with every request: a Session's own `verify` loses to REQUESTS_CA_BUNDLE in the environment.
        self.verify: bool | str = ca_bundle or True
        adapter = HTTPAdapter(
            max_retries=(retry or RetryPolicy()).to_urllib3(),
            pool_connections=pool_size,
            pool_maxsize=pool_size,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", **(headers or {})})

    def url(self, path: str) -> str:
        """The absolute URL of `path` (an absolute URL is kept as it is)."""
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> Response:
        """Send one request (retried, re-authenticated, redirects checked) and return its status, headers and
        parsed JSON body (None for 204 No Content). `json` sends a JSON body, `data` a form body
        (`application/x-www-form-urlencoded`), as OAuth2 token endpoints and many older APIs want. A failed
        response raises `explain(response)` or a ConfigError / TransientError naming the request and the
        server's reason (see `error_detail`).
        """
        if json is not None and data is not None:
            raise TypeError("send either a JSON body (json=) or a form body (data=), not both")
        body = _Body(json, data)
        if authenticated and self.auth is not None:
            self.auth.forget_fetched()
        response = self._send(method, path, params, body, headers, authenticated)
        own_refused = retries = 0
        while response.status_code == 401 and authenticated and self.auth is not None:
            # The token expired early or was revoked. If another thread has already replaced or dropped it,
            # this request merely held an old token: retry with the current one, which says nothing about
            # the credentials. If it is still current, drop it and retry with a fresh one; a token that this
            # very request fetched and that is refused again and again points at the credentials (or the
            # environment), so give up after `max_token_refreshes` of those. `max_auth_retries` bounds the
            # whole loop whatever other threads do.
            sent = (response.request.headers.get("Authorization") or "").removeprefix("Bearer ")
            if self.auth.is_current(sent):
                if self.auth.fetched_here(sent):
                    own_refused += 1
                    if own_refused > self.max_token_refreshes:
                        break
                self.auth.invalidate(stale=sent)
            if retries >= self.max_auth_retries:
                break
            retries += 1
            response = self._send(method, path, params, body, headers, authenticated)
        if response.status_code >= 400:
            raise (self.explain and self.explain(response)) or default_error(response)
        try:
            # 204 No Content is an answer; an empty 200 is a truncated one (a proxy, a dropped upstream)
            parsed = None if response.status_code == 204 else orjson.loads(response.content)
        except orjson.JSONDecodeError:
            what = describe_request(method, response.url)
            raise TransientError(f"{what} returned a body that is not JSON") from None
        return Response(response.status_code, response.headers, parsed, response.url, response.links)

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request(...).body`: the parsed JSON body alone."""
        return self.request(method, path, **kwargs).body

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """`GET path`, returning the parsed JSON body."""
        return self.request_json("GET", path, **kwargs)

    def post_json(self, path: str, **kwargs: Any) -> Any:
        """`POST path`, returning the parsed JSON body."""
        return self.request_json("POST", path, **kwargs)

    def same_origin(self, url: str) -> bool:
        """Whether `url` is on the configured host (scheme, host and port of the base URL)."""
        return origin(self.url(url)) == origin(self.base_url)

    def _send(self, method, path, params, body, headers, authenticated) -> requests.Response:
        """One request, following a redirect only when it is a GET that stays on the same origin."""
        url = self.url(path)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, url, params, body, headers, authenticated)
            if not response.is_redirect:
                return response
            target = urljoin(response.url, response.headers["Location"])
            if method.upper() != "GET" or origin(target) != origin(response.url):
                raise redirect_refused(response, target, self.url_setting)
            url, params = target, None  # the Location carries its own query string
        raise ConfigError(
            f"{describe_request(method, self.url(path))} was redirected more than {MAX_REDIRECTS} times; set"
            f" {self.url_setting} to the final address"
        )

    def _send_once(self, method, url, params, body, headers, authenticated) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                params=params,
                json=body.json,
                data=body.form,
                headers=headers,
                auth=self.auth if authenticated else None,
                timeout=self.timeout,
                allow_redirects=False,
                verify=self.verify,
            )
        except ConnectorError:
            raise  # raised by the auth hook while fetching a token
        except requests.exceptions.RetryError as exc:
            raise TransientError(f"{describe_request(method, url)} kept failing after retries") from exc
        except requests.exceptions.SSLError as exc:
            where = urlsplit(url).netloc.rpartition("@")[2]
            raise ConfigError(
                tls_failure(where, exc, ca_setting=self.ca_setting, url_setting=self.url_setting)
            ) from None
        except requests.exceptions.Timeout as exc:
            raise TransientError(
                f"{describe_request(method, url)} timed out after {self.timeout:g} s (and retries)"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            host = urlsplit(url).netloc
            raise TransientError(
                f"Could not connect to {host} ({describe_request(method, url)}): check the base URL "
                "and that the host is reachable"
            ) from exc

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()
