"""HTTP plumbing for Data Exchange: sessions, retries, OAuth client-credentials tokens.

Reads retry on connection errors, timeouts, 429 and 5xx. A 500 that carries a SOAP Fault is an answer, not an
outage, when the fault is the caller's (`Client`: unknown service, malformed request) and is not retried; a
`Server` fault (the web service failed inside Spectrum) on an idempotent Get is retried like any other 5xx.
Writes retry only when the connection was never made: once a Put request may have reached Spectrum, retrying
it could post twice, so the caller gets `PostingOutcomeUnknown` instead.

No call follows a redirect: each one carries a credential (the Authorization ID in the SOAP body, Basic or
Bearer on REST, the client secret of a token request), and `requests` re-sends a body on a 307/308 to
whichever host the Location names. A 3xx is reported naming its status and the Location's host instead.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    Future,
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)
from urllib3.util.retry import Retry

from .errors import (
    AuthorizationRejected,
    CertificateNotTrusted,
    DataExchangeError,
    DataExchangeUnreachable,
    RedirectRefused,
    SpectrumConfigError,
)
from .urls import insecure_url_problem

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class DataExchangeSettings:
    """Where Data Exchange lives and how to authenticate (Authorization ID, or OAuth client credentials)."""

    url: str
    authorization_id: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    verify_tls: bool | str = True
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    use_wsdl: bool = True
    soap_path: str = "/ws/{service}"
    wsdl_path: str = "/wsdls/{service}.jws"
    token_path: str = "/connect/token"  # noqa: S105 - a URL path, not a secret
    scope: str = "spectrumapi"
    # Plain http to a host other than this machine is refused unless the caller opts in (see urls.py).
    allow_insecure_http: bool = False
    # A private CA's certificate (PEM) to trust besides the system's; certificates are always checked.
    ca_bundle: str | None = None
    # The caller's names for `url` and `ca_bundle` (e.g. `data_exchange.base_url`), so messages name the
    # settings the user has.
    url_setting: str = "base_url"
    ca_bundle_setting: str = "ca_bundle"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise SpectrumConfigError(f"`{self.url_setting}` must start with https:// (got {self.url!r})")
        problem = insecure_url_problem(
            self.url, allow_insecure_http=self.allow_insecure_http, field=f"`{self.url_setting}`"
        )
        if problem:
            raise SpectrumConfigError(problem)
        if not self.authorization_id and not (self.client_id and self.client_secret):
            raise SpectrumConfigError(
                "Data Exchange needs `authorization_id`, or `client_id` and `client_secret` (Enhanced"
                " Authentication); both come from System Administration > Installation > Data Exchange"
            )
        if self.authorization_id and len(self.authorization_id) > 20:
            raise SpectrumConfigError("`authorization_id` is at most 20 characters in Spectrum")

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    @property
    def verify(self) -> bool | str:
        return self.ca_bundle or self.verify_tls

    @property
    def uses_oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)


def read_session(settings: DataExchangeSettings) -> requests.Session:
    return requests.Session()  # `verify` goes with each request (see send_read)


def write_session(settings: DataExchangeSettings) -> requests.Session:
    session = requests.Session()
    # connect errors only: the request never left this machine, so a retry cannot double-post.
    retry = Retry(
        total=None,
        connect=settings.max_attempts - 1,
        read=0,
        status=0,
        other=0,
        redirect=0,
        backoff_factor=settings.backoff_seconds,
        allowed_methods=None,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_SERVER_FAULT = re.compile(rb"faultcode>\s*(?:[\w.-]+:)?Server\b")


def _is_fault(response: requests.Response) -> bool:
    return b"Fault>" in response.content[:4096] or b":Fault" in response.content[:4096]


def _should_retry_response(response: requests.Response | None) -> bool:
    if response is None or response.status_code not in RETRY_STATUSES:
        return False
    return not _is_fault(response) or bool(_SERVER_FAULT.search(response.content[:4096]))


def _should_retry_exception(exc: BaseException) -> bool:
    # An untrusted certificate stays untrusted: retrying only delays the message that names the fix.
    return isinstance(exc, (requests.ConnectionError, requests.Timeout)) and not isinstance(
        exc, requests.exceptions.SSLError
    )


_VERIFY_FAILED = re.compile(r"certificate verify failed: ([^(')\"]+)")


def tls_problem(settings: DataExchangeSettings, error: requests.exceptions.SSLError) -> CertificateNotTrusted:
    """The handshake failed: most often a self-signed or private-CA certificate, which `ca_bundle` fixes."""
    text = str(error)
    verify = _VERIFY_FAILED.search(text)
    if verify or "CERTIFICATE_VERIFY_FAILED" in text:
        reason = verify.group(1).strip() if verify else "certificate verify failed"
        return CertificateNotTrusted(
            f"The TLS certificate of Spectrum Data Exchange at {settings.base} was not trusted ({reason}). If the"
            " server uses a self-signed certificate or one signed by a private (in-house) CA, set"
            f" `{settings.ca_bundle_setting}` to the path of that CA's certificate (a PEM file); certificate checks"
            " stay on and cannot be turned off. Nothing was sent."
        )
    return CertificateNotTrusted(
        f"The TLS handshake with Spectrum Data Exchange at {settings.base} failed ({type(error).__name__}): check"
        f" that `{settings.url_setting}` is the server's https:// address and port. Nothing was sent."
    )


def _last_outcome(state: RetryCallState) -> Any:
    """The last attempt's response, or its exception raised (tenacity calls this only after an attempt)."""
    return cast(Future, state.outcome).result()


def send_read(
    session: requests.Session, settings: DataExchangeSettings, method: str, url: str, **kwargs: object
) -> requests.Response:
    """An idempotent request (Get services, WSDL, token) with retries; unreachable -> clear error."""
    retrying = Retrying(
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait_exponential(multiplier=settings.backoff_seconds, max=30),
        retry=retry_if_exception(_should_retry_exception) | retry_if_result(_should_retry_response),
        # Out of attempts: hand back the last response, or re-raise the last connection error.
        retry_error_callback=_last_outcome,
    )
    try:
        response = retrying(
            session.request,
            method,
            url,
            timeout=settings.timeout,
            allow_redirects=False,
            verify=settings.verify,  # per request: a Session's `verify` loses to REQUESTS_CA_BUNDLE
            **kwargs,
        )
    except requests.exceptions.SSLError as exc:
        raise tls_problem(settings, exc) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DataExchangeUnreachable(
            f"Spectrum Data Exchange at {settings.base} did not answer after {settings.max_attempts} attempts"
            f" ({type(exc).__name__}); check `{settings.url_setting}` (hosted installs listen on port 8482 and need"
            " this machine's IP allow-listed by Trimble support)."
        ) from None
    return response


def redirect_target(response: requests.Response) -> str:
    """`https://host:port` of a redirect's Location (never its path or query, which may carry tokens)."""
    location = response.headers.get("Location")
    if not location:
        return "no Location given"
    parts = urlsplit(urljoin(response.url, location))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def redirect_problem(response: requests.Response, settings: DataExchangeSettings, what: str) -> str:
    """The message for a 3xx: its status, where it pointed, that nothing followed it, and the fix."""
    return (
        f"{what}: Spectrum Data Exchange answered HTTP {response.status_code}, a redirect to"
        f" {redirect_target(response)}; it was not followed, because every Data Exchange call carries a credential"
        f" and credentials never follow a redirect. Set `{settings.url_setting}` to the final address"
        " (the one the redirect points to, if that is your Spectrum server)."
    )


class TokenSource:
    """OAuth2 client credentials against `/connect/token` (scope `spectrumapi`), cached until near expiry."""

    def __init__(self, settings: DataExchangeSettings, session: requests.Session) -> None:
        self._settings = settings
        self._session = session
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or self._token is None or time.monotonic() > self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def _fetch(self) -> None:
        s = self._settings
        response = send_read(
            self._session,
            s,
            "POST",
            s.base + s.token_path,
            data={
                "grant_type": "client_credentials",
                "client_id": s.client_id,
                "client_secret": s.client_secret,
                "scope": s.scope,
            },
        )
        if response.is_redirect:
            raise RedirectRefused(redirect_problem(response, s, f"POST {s.token_path}"))
        if response.status_code in (400, 401, 403):
            raise AuthorizationRejected(
                f"Spectrum Data Exchange refused the OAuth client credentials at {s.base}{s.token_path}"
                f" (HTTP {response.status_code}); check `client_id` and `client_secret` on System"
                " Administration > Installation > Data Exchange (Enhanced Authentication must be enabled)."
            )
        if response.status_code >= 300:
            raise DataExchangeError(f"OAuth token request failed with HTTP {response.status_code}")
        try:
            body = response.json()
            self._token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError) as exc:
            raise DataExchangeError(f"OAuth token answer has no access_token ({exc})") from None
        # Refresh a minute early so a long read never sends an expired token.
        self._expires_at = time.monotonic() + max(expires_in - 60, expires_in / 2)
