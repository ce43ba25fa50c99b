"""Spectrum Data Exchange client: SOAP Get services (with the row cap handled), REST reads, and Put calls."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from . import soap
from .errors import (
    DATA_EXCHANGE_SCREEN,
    AuthorizationRejected,
    DataExchangeError,
    DataExchangeUnreachable,
    MalformedResponse,
    PostingOutcomeUnknown,
    PostingUnconfirmed,
    RedirectRefused,
    ServiceError,
    ServiceNotAuthorized,
    SpectrumConfigError,
    TruncatedResult,
)
from .http import (
    DataExchangeSettings,
    TokenSource,
    read_session,
    redirect_problem,
    send_read,
    tls_problem,
    write_session,
)
from .put import PutServicesMixin, find_result_rows, unconfirmed
from .services import GET_SERVICES, PUT_SERVICES


def build_fix(service: str) -> str:
    return (
        f"In Spectrum open {DATA_EXCHANGE_SCREEN}, select the Authorization ID and Build the service"
        f" {service} into it (or ask your Spectrum administrator to)."
    )


def auth_fix() -> str:
    return (
        f"Check `authorization_id` (up to 20 characters) on {DATA_EXCHANGE_SCREEN}: it must exist, be"
        " active and cover the company."
    )


@dataclass
class GetResult:
    """One Get call's rows. `truncated` means Spectrum's cap cut it short: never treat the rows as complete."""

    service: str
    filters: dict[str, str]
    rows: list[dict[str, str]]
    truncated: bool = False
    warning: str = ""


@dataclass(frozen=True)
class Partition:
    """A filter to split a capped Get call by: `param` takes each of `values` in turn.

    `always` splits up front (e.g. pStatus_Code, whose blank value silently excludes Complete jobs);
    otherwise the split happens only when a call comes back truncated.
    """

    param: str
    values: Sequence[str] | Callable[[], Sequence[str]]
    always: bool = False

    def resolve(self) -> list[str]:
        values = self.values() if callable(self.values) else self.values
        return [v for v in dict.fromkeys(values) if v is not None]


def _looks_like_auth_problem(text: str) -> bool:
    lowered = text.lower()
    return "authorization" in lowered and any(
        w in lowered for w in ("invalid", "not valid", "unknown", "not found", "expired", "inactive", "denied")
    )


class DataExchangeClient(PutServicesMixin):
    """One Data Exchange host. Thread-compatible, not thread-safe: use one per thread."""

    def __init__(self, settings: DataExchangeSettings) -> None:
        self.settings = settings
        self._read = read_session(settings)
        self._write = write_session(settings)
        self._tokens = TokenSource(settings, self._read) if settings.uses_oauth else None
        self._sequences: dict[str, list[str]] = {}
        self.calls = 0  # SOAP/REST calls made, for logs and benchmarks

    def close(self) -> None:
        self._read.close()
        self._write.close()

    def __enter__(self) -> DataExchangeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str] | None = None, *, refresh: bool = False) -> dict[str, str]:
        headers = dict(extra or {})
        if self._tokens is not None:
            headers["Authorization"] = f"Bearer {self._tokens.token(refresh=refresh)}"
        return headers

    def endpoint(self, service: str) -> str:
        return self.settings.base + self.settings.soap_path.format(service=service)

    def parameter_sequence(self, service: str, *, kind: str = "get") -> list[str]:
        """The service's parameters in WSDL order: read from the install's WSDL once, else built in."""
        if service in self._sequences:
            return self._sequences[service]
        builtin = (GET_SERVICES if kind == "get" else PUT_SERVICES).get(service)
        sequence: list[str] | None = None
        if self.settings.use_wsdl:
            url = self.settings.base + self.settings.wsdl_path.format(service=service)
            try:
                response = send_read(self._read, self.settings, "GET", url, headers=self._headers())
                if response.status_code == 200:
                    sequence = soap.parse_wsdl_parameters(response.content, service)
            except (MalformedResponse, DataExchangeError):
                sequence = None
        if sequence is None:
            if builtin is None:
                raise SpectrumConfigError(
                    f"Data Exchange service {service} is not built into this client and its WSDL could not be"
                    " read; " + build_fix(service)
                )
            sequence = list(builtin)
        self._sequences[service] = sequence
        return sequence

    def _soap_call(self, service: str, values: Sequence[tuple[str, str]], *, write: bool) -> soap.SoapRows:
        envelope = soap.build_envelope(service, self.settings.authorization_id or "", str(uuid.uuid4()), values)
        url = self.endpoint(service)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": url}
        self.calls += 1
        if write:
            response = self._send_write("POST", url, service, data=envelope, headers=self._headers(headers))
            try:
                return self._read_soap_answer(service, response, write=True)
            except MalformedResponse:
                raise unconfirmed(service, response, "a body that is not a SOAP envelope") from None
        else:
            response = send_read(self._read, self.settings, "POST", url, data=envelope, headers=self._headers(headers))
            if response.status_code == 401 and self._tokens is not None:
                response = send_read(
                    self._read, self.settings, "POST", url, data=envelope, headers=self._headers(headers, refresh=True)
                )
        return self._read_soap_answer(service, response)

    def _send_write(self, method: str, url: str, service: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._write.request(
                method, url, timeout=self.settings.timeout, allow_redirects=False, verify=self.settings.verify, **kwargs
            )
        except requests.exceptions.SSLError as exc:
            raise tls_problem(self.settings, exc) from None  # the handshake failed: nothing was sent
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise DataExchangeUnreachable(
                    f"Spectrum Data Exchange at {self.settings.base} refused the connection for {service};"
                    f" nothing was posted. Check `{self.settings.url_setting}`.",
                    service=service,
                ) from None
            raise PostingOutcomeUnknown(
                f"{service}: the connection dropped after the request was sent; Spectrum may or may not have"
                " taken it. Check Spectrum before posting again.",
                service=service,
            ) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise PostingUnconfirmed(
                f"{service}: Data Exchange's answer was cut short (the connection closed before the whole body"
                " arrived), so Spectrum's result rows were never read; Spectrum may or may not have taken the"
                " request. Check Spectrum before posting again.",
                service=service,
            ) from None
        except requests.Timeout:
            raise PostingOutcomeUnknown(
                f"{service}: no answer within {self.settings.timeout:g}s after the request was sent; Spectrum"
                " may or may not have taken it. Check Spectrum before posting again.",
                service=service,
            ) from None
        if response.status_code >= 500 and not soap._is_fault_bytes(response.content):
            raise PostingOutcomeUnknown(
                f"{service}: Data Exchange answered HTTP {response.status_code}; Spectrum may or may not have"
                " taken the request. Check Spectrum before posting again.",
                service=service,
            )
        if response.is_redirect:
            # Not followed (the body carries the Authorization ID): whatever the first hop did is unknown.
            raise PostingUnconfirmed(
                redirect_problem(response, self.settings, service)
                + " Spectrum has not confirmed the request; check Spectrum before posting again.",
                service=service,
            )
        return response

    def _read_soap_answer(self, service: str, response: requests.Response, *, write: bool = False) -> soap.SoapRows:
        if response.is_redirect:
            raise RedirectRefused(redirect_problem(response, self.settings, service), service=service)
        if response.status_code in (401, 403):
            raise AuthorizationRejected(
                f"Spectrum Data Exchange rejected the credentials for {service} (HTTP {response.status_code}). "
                + auth_fix(),
                service=service,
            )
        if response.status_code == 404:
            raise ServiceNotAuthorized(
                f"Spectrum Data Exchange has no SOAP service {service} at {self.endpoint(service)} (HTTP 404). "
                + build_fix(service),
                service=service,
            )
        parsed = soap.parse_envelope(response.content)
        if isinstance(parsed, soap.SoapFault):
            if write and _is_server_fault(parsed):
                # The service failed inside Spectrum, part-way or not at all: not a confirmed rejection.
                raise unconfirmed(service, response, f"a SOAP Fault {parsed.code}: {parsed.string}")
            self._raise_fault(service, parsed)
        assert isinstance(parsed, soap.SoapRows)
        return parsed

    def _raise_fault(self, service: str, fault: soap.SoapFault) -> None:
        text = fault.string
        lowered = text.lower()
        if "could not find webservice" in lowered or "not authori" in lowered or "identifying web service" in lowered:
            raise ServiceNotAuthorized(
                f"Spectrum Data Exchange service {service} is not authorised for this Authorization ID"
                f" (Spectrum said: {text}). " + build_fix(service),
                service=service,
            )
        if _looks_like_auth_problem(text):
            raise AuthorizationRejected(
                f"Spectrum Data Exchange rejected the Authorization ID for {service} (Spectrum said: {text}). "
                + auth_fix(),
                service=service,
            )
        raise DataExchangeError(f"{service} answered with a SOAP Fault {fault.code}: {text}", service=service)

    # --- Get services -----------------------------------------------------------------------------

    def get(self, service: str, filters: Mapping[str, str] | None = None) -> GetResult:
        """One Get call. A capped answer comes back with `truncated=True` (and without the `W` row)."""
        filters = {k: v for k, v in (filters or {}).items() if v is not None}
        sequence = self.parameter_sequence(service, kind="get")
        answer = self._soap_call(service, soap.ordered_values(service, sequence, filters, kind="filter"), write=False)
        for row in answer.rows:
            code = row.get("Error_Code", "").strip()
            if code:
                description = " ".join(row.get("Error_Description", "").split())
                column = row.get("Error_Column", "").strip()
                if column == "Authorization_ID" or _looks_like_auth_problem(description):
                    raise AuthorizationRejected(
                        f"Spectrum Data Exchange rejected the Authorization ID for {service} (Spectrum said:"
                        f" {description}). " + auth_fix(),
                        service=service,
                    )
                raise ServiceError(
                    f"{service} answered Error_Code {code}: {description}"
                    + (
                        f" (column {row.get('Error_Column', '').strip()})"
                        if row.get("Error_Column", "").strip()
                        else ""
                    ),
                    service=service,
                    error_code=code,
                    error_description=description,
                    error_column=row.get("Error_Column", "").strip(),
                )
        warning = answer.warning_row or {}
        return GetResult(
            service=service,
            filters=dict(filters),
            rows=answer.rows,
            truncated=answer.truncated,
            warning=" ".join(warning.get("Error_Description", "").split()),
        )

    def get_complete(self, service: str, filters: Mapping[str, str] | None = None) -> list[dict[str, str]]:
        """One Get call that must not be capped: a truncated answer raises `TruncatedResult`."""
        result = self.get(service, filters)
        if result.truncated:
            raise _truncated(result, next_params=())
        return result.rows

    def get_all(
        self, service: str, filters: Mapping[str, str] | None = None, partitions: Sequence[Partition] = ()
    ) -> Iterator[dict[str, str]]:
        """Every row, splitting capped calls by `partitions` in order; raises if still capped at the end."""
        yield from self._walk(service, dict(filters or {}), list(partitions))

    def _walk(self, service: str, filters: dict[str, str], remaining: list[Partition]) -> Iterator[dict[str, str]]:
        pending = [p for p in remaining if p.param not in filters]
        if pending and pending[0].always:
            head, rest = pending[0], pending[1:]
            for value in head.resolve():
                yield from self._walk(service, {**filters, head.param: value}, rest)
            return
        result = self.get(service, filters)
        if not result.truncated:
            yield from result.rows
            return
        if not pending:
            raise _truncated(result, next_params=())
        head, rest = pending[0], pending[1:]
        values = head.resolve()
        if not values:
            raise _truncated(result, next_params=[p.param for p in pending])
        for value in values:
            yield from self._walk(service, {**filters, head.param: value}, rest)

    # --- REST -------------------------------------------------------------------------------------

    def rest_get(self, path: str, company_code: str, params: Mapping[str, str] | None = None) -> Any:
        """A REST read (e.g. `/vendors/{Company_Code}`), Basic or OAuth, retried; returns parsed JSON."""
        url = self.settings.base + path
        self.calls += 1
        response = send_read(
            self._read,
            self.settings,
            "GET",
            url,
            params=dict(params or {}),
            auth=self._basic(company_code),
            headers=self._headers({"Accept": "application/json"}),
        )
        if response.status_code == 401 and self._tokens is not None:
            response = send_read(
                self._read,
                self.settings,
                "GET",
                url,
                params=dict(params or {}),
                headers=self._headers({"Accept": "application/json"}, refresh=True),
            )
        return self._read_json(path, response)

    def _basic(self, company_code: str) -> tuple[str, str] | None:
        if self._tokens is not None:
            return None
        return (company_code, self.settings.authorization_id or "")

    def _read_json(self, path: str, response: requests.Response) -> Any:
        if response.is_redirect:
            raise RedirectRefused(redirect_problem(response, self.settings, f"REST {path}"), service=path)
        if response.status_code in (401, 403):
            raise AuthorizationRejected(
                f"Spectrum Data Exchange rejected the credentials for REST {path} (HTTP {response.status_code}). "
                + auth_fix()
                + " REST Basic authentication uses Company_Code as user and the Authorization ID"
                " as password.",
                service=path,
            )
        if response.status_code == 404:
            raise ServiceNotAuthorized(
                f"Spectrum Data Exchange has no REST service at {path} (HTTP 404). REST services need Java 11 on"
                " the Data Exchange server; " + build_fix(path),
                service=path,
            )
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponse(
                f"REST {path} answered HTTP {response.status_code} without JSON", service=path
            ) from None
        if response.status_code >= 400 and not _has_error_triples(body):
            raise DataExchangeError(f"REST {path} answered HTTP {response.status_code}: {body}", service=path)
        return body


def _is_server_fault(fault: soap.SoapFault) -> bool:
    return fault.code.rpartition(":")[2].startswith("Server")


def _has_error_triples(body: Any) -> bool:
    return bool(find_result_rows(body))


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    import urllib3.exceptions as u3

    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, (u3.NewConnectionError, u3.ConnectTimeoutError)) or isinstance(
        exc, requests.exceptions.ConnectTimeout
    )


def _truncated(result: GetResult, *, next_params: Sequence[str]) -> TruncatedResult:
    shown = ", ".join(f"{k}={v!r}" for k, v in result.filters.items() if v) or "no filters"
    if next_params:
        fix = f"give values to split by {', '.join(next_params)} in the partition settings"
    else:
        fix = "split the read by another filter (division, cost center or job) in the partition settings"
    return TruncatedResult(
        f"{result.service} hit Spectrum's row cap with {shown}: {len(result.rows)} rows came back followed by"
        f" the warning {result.warning!r}, so the answer is incomplete and was not used; {fix}.",
        service=result.service,
        filters=result.filters,
        rows_received=len(result.rows),
    )
