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

import base64
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote_plus, urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tieout_core._errors import ConfigError, ConnectorError, TransientError
from tieout_core._tls import tls_failure

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


class OAuth2ClientCredentials(BearerTokenAuth):
    """OAuth2 client-credentials grant (RFC 6749 4.4): POSTs a form to `token_url` and sends the access token as
    `Authorization: Bearer`, refreshed `refresh_margin` seconds before `expires_in` runs out.

    The client id and secret go in an HTTP Basic header (`client_auth="basic"`, the RFC's preferred way) or in
    the form (`client_auth="body"`), only ever to `token_url`. A refused grant is a ConfigError that names the
    settings to fix (`id_setting`, `secret_setting`) and the server's `error_description`; a token response
    without `access_token` is one too. `expires_in` missing means `default_lifetime` seconds.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        client_auth: str = "basic",
        refresh_margin: float = 300.0,
        default_lifetime: float = 3600.0,
        id_setting: str = "client_id",
        secret_setting: str = "client_secret",  # noqa: S107 - a setting name
        token_url_setting: str = "token_url",  # noqa: S107 - a setting name
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        ca_bundle: str | None = None,
    ):
        if client_auth not in ("basic", "body"):
            raise ValueError(f"client_auth must be 'basic' or 'body', not {client_auth!r}")
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._client_auth = client_auth
        self._default_lifetime = default_lifetime
        self._settings = (id_setting, secret_setting)
        self._client = HttpClient(
            token_url,
            retry=retry,
            timeout=timeout,
            explain=self._explain,
            url_setting=token_url_setting,
            ca_bundle=ca_bundle,
        )
        super().__init__(self._fetch_token, refresh_margin=refresh_margin)

    def _fetch_token(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        headers = {}
        if self._client_auth == "basic":
            # RFC 6749 2.3.1: each part form-encoded before joining, so a ':' in the id cannot split it
            pair = f"{quote_plus(self._client_id)}:{quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        body = self._client.request_json("POST", self._token_url, data=form, headers=headers, authenticated=False)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConfigError(
                f"The token endpoint ({describe_request('POST', self._token_url)}) answered without an access_token:"
                f" check {self._client.url_setting}"
            )
        lifetime = body.get("expires_in")
        return token, float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 else self._default_lifetime

    def _explain(self, response: requests.Response) -> ConnectorError | None:
        if response.status_code not in (400, 401, 403):
            return None
        detail = error_detail(response)
        suffix = f" ({detail})" if detail else ""
        return ConfigError(
            f"The token endpoint refused the client credentials with HTTP {response.status_code}{suffix}: check"
            f" {self._settings[0]} and {self._settings[1]}"
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


@dataclass(frozen=True)
class Page:
    """One page of a walk. `next_page` is what fetches the page after it (a page number, an offset, a cursor or a
    URL, by paginator), None on the last page: checkpoint it, and pass it back as the `start_...` argument to
    resume a walk where a killed sync stopped. `number` counts pages from the walk's first page; `total_count`
    is the server's count of all items, when it reports one."""

    number: int
    items: list[Any]
    total_count: int | None
    next_page: Any


def page_number_pages(
    fetch: Callable[[int], tuple[list[Any], int | None]],
    *,
    page_base: int,
    page_size: int,
    start_page: int | None = None,
    concurrency: int = 1,
) -> Iterator[Page]:
    """Walk `page=page_base, page_base+1, ...` until a short page or the running count reaches totalCount.

    `fetch(page)` returns the page's items and the server's totalCount (None when not reported).
    `start_page` resumes a walk that was checkpointed earlier. With `concurrency` above 1 and a totalCount on
    the first page, the pages it implies are requested `concurrency` at a time (in order, through
    `ordered_map`) instead of one after another; a page that comes back short still ends the walk.
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
        if concurrency > 1 and total is not None:
            yield from _known_pages(fetch, page_base, page_size, next_page, total, concurrency)
            return
        page = next_page


def _known_pages(fetch, page_base, page_size, first, total, concurrency) -> Iterator[Page]:
    last = page_base + (total - 1) // page_size  # the page holding item number `total`
    for page, (items, reported) in zip(
        range(first, last + 1), ordered_map(fetch, range(first, last + 1), concurrency), strict=True
    ):
        done = page == last or len(items) < page_size
        yield Page(page, items, reported, None if done else page + 1)
        if done:
            return


def offset_pages(
    fetch: Callable[[int], tuple[list[Any], int | None]],
    *,
    page_size: int,
    start_offset: int = 0,
) -> Iterator[Page]:
    """Walk `offset=0, page_size, 2 x page_size, ...` until a short page or the offset reaches the total count.

    `fetch(offset)` returns the page's items and the server's total count of items (None when not reported);
    with a total count, a full last page ends the walk without asking for an empty one. `next_page` is the next
    offset.
    """
    offset, number = start_offset, 0
    while True:
        items, total = fetch(offset)
        following = offset + len(items)
        done = len(items) < page_size or not items or (total is not None and following >= total)
        yield Page(number, items, total, None if done else following)
        if done:
            return
        offset, number = following, number + 1


def cursor_pages(
    fetch: Callable[[Any], tuple[list[Any], Any]],
    *,
    start_cursor: Any = None,
) -> Iterator[Page]:
    """Walk an opaque cursor: `fetch(cursor)` returns the page's items and the next cursor (None, or "", at the
    end); the first call gets `start_cursor` (None: the first page). A cursor the server hands back twice in a row
    would loop forever: that is a TransientError naming it."""
    cursor, number = start_cursor, 0
    while True:
        items, following = fetch(cursor)
        following = following or None
        if following is not None and following == cursor:
            raise TransientError(f"the server returned the same next-page cursor twice ({str(cursor)[:40]!r})")
        yield Page(number, items, None, following)
        if following is None:
            return
        cursor, number = following, number + 1


def link_header_pages(
    client: HttpClient,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    items: Callable[[Any], list[Any]] = lambda body: body,
    total_header: str | None = None,
    start_url: str | None = None,
) -> Iterator[Page]:
    """Walk pages linked by the `Link: <...>; rel="next"` header (RFC 8288; GitHub, Shopify and many others).

    The first request is `GET path?params`; each next one is the `next` URL exactly as given (it carries its own
    query). `items(body)` picks the records out of a body (default: the body is the list). `total_header` names a
    header with the total count (`X-Total-Count`). A next link to another host is refused with a ConfigError:
    the Authorization header goes only to the configured host. `next_page` is the next URL; pass it back as
    `start_url` to resume.
    """
    url, query, number = start_url or path, None if start_url else params, 0
    while True:
        response = client.request("GET", url, params=query)
        following = (response.links.get("next") or {}).get("url")
        if following and not client.same_origin(following):
            raise ConfigError(
                f"{describe_request('GET', client.url(url))} links its next page to {origin(following)}, another"
                f" host; it was not followed (credentials go only to {client.url_setting}). Set"
                f" {client.url_setting} to that host if it is the real API."
            )
        total = response.headers.get(total_header) if total_header else None
        yield Page(number, items(response.body), int(total) if total else None, following or None)
        if not following:
            return
        url, query, number = following, None, number + 1


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
