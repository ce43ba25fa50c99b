"""HTTP on `requests`: token auth, retries, page-number pagination and a bounded detail pool.

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

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tieout_core.errors import ConfigError, ConnectorError, TransientError
from tieout_core.tls import tls_failure

T = TypeVar("T")
R = TypeVar("R")

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
        self._local.fetched = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def describe_request(method: str, url: str) -> str:
    """`GET /v1/jobs` (host and query string left out: they may carry tenant ids or secrets)."""
    return f"{method.upper()} {urlsplit(url).path}"


def error_detail(response: requests.Response) -> str:
    """The server's own explanation (`message` / `error` of a JSON body), shortened."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200].strip()
    if isinstance(body, dict):
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
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> Any:
        if authenticated and self.auth is not None:
            self.auth.forget_fetched()
        response = self._send(method, path, params, json, headers, authenticated)
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
            response = self._send(method, path, params, json, headers, authenticated)
        if response.status_code >= 400:
            raise (self.explain and self.explain(response)) or default_error(response)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            what = describe_request(method, response.url)
            raise TransientError(f"{what} returned a body that is not JSON") from None

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request_json("GET", path, **kwargs)

    def post_json(self, path: str, **kwargs: Any) -> Any:
        return self.request_json("POST", path, **kwargs)

    def _send(self, method, path, params, json, headers, authenticated) -> requests.Response:
        """One request, following a redirect only when it is a GET that stays on the same origin."""
        url = self.url(path)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, url, params, json, headers, authenticated)
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

    def _send_once(self, method, url, params, json, headers, authenticated) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                params=params,
                json=json,
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
        self.session.close()


@dataclass(frozen=True)
class Page:
    number: int
    items: list[Any]
    total_count: int | None
    next_page: int | None


def page_number_pages(
    fetch: Callable[[int], tuple[list[Any], int | None]],
    *,
    page_base: int,
    page_size: int,
    start_page: int | None = None,
) -> Iterator[Page]:
    """Walk `page=page_base, page_base+1, ...` until a short page or the running count reaches totalCount.

    `fetch(page)` returns the page's items and the server's totalCount (None when not reported).
    `start_page` resumes a walk that was checkpointed earlier.
    """
    page = page_base if start_page is None else start_page
    while True:
        items, total = fetch(page)
        seen_through_page = (page - page_base) * page_size + len(items)
        done = len(items) < page_size or (total is not None and seen_through_page >= total)
        next_page = None if done else page + 1
        yield Page(page, items, total, next_page)
        if next_page is None:
            return
        page = next_page


def ordered_map(fn: Callable[[T], R], items: Iterable[T], max_workers: int) -> Iterator[R]:
    """`map(fn, items)` with at most `max_workers` calls in flight; results come back in input order.

    Used for detail requests (one per list item). At most 2 x max_workers results are buffered, so memory
    stays bounded whatever the number of items.
    """
    if max_workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="detail") as pool:
        pending = []
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * max_workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_DONE = object()


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate `items` in a background thread, staying up to `depth` items ahead of the consumer.

    Used for list pages: page N+1 is requested while page N's records (and detail requests) are being
    processed, instead of after. Order is unchanged; an exception in the producer is re-raised in the
    consumer at the point it would have happened; if the consumer stops early the producer stops too.
    """
    import queue

    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            put((False, error))
            return
        put((True, _DONE))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
