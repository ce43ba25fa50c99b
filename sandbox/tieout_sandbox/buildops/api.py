"""The BuildOps public API twin as a WSGI app (paths, params and envelopes per docs/ARCHITECTURE.md)."""

from __future__ import annotations

import re
import socket
import struct
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs

import orjson

from .auth import TokenError, TokenIssuer
from .faults import FaultPlan, FaultSpecError
from .store import DataFileError, Store


@dataclass(frozen=True)
class Route:
    resource: str
    noun: str  # for "<Noun> not found"
    size_params: tuple[str, ...] = ("page_size",)  # the first one sent sets the page size
    extra: frozenset = frozenset()
    envelope: str = "items"  # list key: "items" (with totalCount) or "departments" (the list alone)
    parent: tuple[str, str] | None = None  # child lists: (parent resource, parent noun for "not found")
    first_page: int = 0  # customers are 1-based: page 0 repeats page 1, as a live cron found


ROUTES = {
    "/v1/customers": Route("customers", "Customer", ("limit",), frozenset({"include_inactive"}), first_page=1),
    "/v1/properties": Route("properties", "Property", extra=frozenset({"include_addresses"})),
    "/v1/jobs": Route("jobs", "Job", ("page_size", "limit"), frozenset({"lastUpdatedDateStart", "job_number"})),
    "/v1/visits": Route("visits", "Visit"),
    "/v1/invoices": Route(
        "invoices", "Invoice", extra=frozenset({"status", "start", "end", "dateFilterType", "invoice_number"})
    ),
    "/v1/payments": Route("payments", "Payment"),
    "/v1/quotes": Route("quotes", "Quote", extra=frozenset({"quote_number"})),
    "/v1/employees": Route("employees", "Employee", extra=frozenset({"include_inactive"})),
    "/v1/departments": Route("departments", "Department", envelope="departments"),
    "/v1/job-types": Route("job_types", "Job type"),
    "/v1/pricebook/products": Route("pricebook_items", "Product"),
    "/v1/vendors": Route("vendors", "Vendor"),
    "/v1/purchase-orders": Route("purchase_orders", "Purchase order"),
    "/v1/timesheets": Route("timesheets", "Timesheet entry"),
    "/v1/service-agreements": Route("service_agreements", "Service agreement"),
}
# Lists under one parent record (`/v1/<parents>/{id}/...`); an unknown parent id gives 404.
CHILD_ROUTES = (
    (
        re.compile(r"^/v1/customers/([^/]+)/our-representatives$"),
        Route("customer_representatives", "Representative", parent=("customers", "Customer")),
    ),
    (
        re.compile(r"^/v1/properties/([^/]+)/representatives$"),
        Route("property_representatives", "Representative", parent=("properties", "Property")),
    ),
    # A live client reads customer contacts here and calls our-representatives "internal staff": which is
    # which is unresolved, so the twin serves the same contacts at both.
    (
        re.compile(r"^/v1/customers/([^/]+)/representatives$"),
        Route("customer_representatives", "Representative", parent=("customers", "Customer")),
    ),
)
# Read by id only (no list seen): a project (progress billing), a contact.
DETAIL_ONLY = {
    "/v1/projects": Route("projects", "Project"),
    "/v1/representatives": Route("customer_representatives", "Representative"),
}
# `/v1/invoices` filters as a live client sends them: `status` (lower case), `start`/`end` (ISO 8601) on the
# date `dateFilterType` names (the client's default: lastUpdatedDateTime), `invoice_number`.
INVOICE_STATUSES = ("draft", "exported", "void", "closed", "posted", "deleted", "bypassed")
DATE_FILTER_TYPES = ("issuedDate", "dueDate", "createdDateTime", "lastUpdatedDateTime")
# Lookups by human number live clients make: (parameter, field).
NUMBER_FILTERS = {"jobs": ("job_number", "jobNumber"), "quotes": ("quote_number", "quoteNumber")}
DETAIL_PATH = re.compile(r"^(/v1/(?:[a-z-]+|pricebook/products))/([^/]+)$")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
JSON = [("Content-Type", "application/json; charset=utf-8")]


class HttpError(Exception):
    def __init__(self, status: int, message, body: dict | None = None, headers=()) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {"statusCode": status, "message": message, "error": _REASONS.get(status, "Error")}
        self.headers = list(headers)


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_STATUS_LINES = {code: f"{code} {text}" for code, text in _REASONS.items()} | {200: "200 OK", 201: "201 Created"}


class ConnectionReset(Exception):
    pass


def _int_param(params, name, low, high=None) -> int | None:
    values = params.get(name)
    if values is None:
        return None
    if len(values) != 1 or not re.fullmatch(r"-?\d+", values[0]):
        raise HttpError(400, [f"{name} must be an integer number"])
    value = int(values[0])
    if value < low:
        raise HttpError(400, [f"{name} must not be less than {low}"])
    if high is not None and value > high:
        raise HttpError(400, [f"{name} must not be greater than {high}"])
    return value


def _bool_param(params, name) -> bool:
    values = params.get(name)
    if values is None:
        return False
    if len(values) != 1 or values[0].lower() not in ("true", "false"):
        raise HttpError(400, [f"{name} must be a boolean value"])
    return values[0].lower() == "true"


def _iso_ms(params, name) -> int | None:
    values = params.get(name)
    if values is None:
        return None
    text = values[0] if len(values) == 1 else ""
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, [f"{name} must be a valid ISO 8601 date string"]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


class BuildOpsApp:
    """WSGI app. `faults` may be swapped at run time (POST /_sandbox/faults)."""

    def __init__(self, store: Store, tokens: TokenIssuer, *, latency_ms: int = 0, faults: FaultPlan | None = None):
        self.store = store
        self.tokens = tokens
        self.latency_s = latency_ms / 1000
        self.faults = faults or FaultPlan()
        self.requests = 0

    # -- WSGI entry ---------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        self.requests += 1
        try:
            status, body, headers = self.dispatch(environ)
        except HttpError as err:
            status, body, headers = err.status, orjson.dumps(err.body), err.headers
        except ConnectionReset:
            _reset(environ)
            status, body, headers = 502, b"", []
        except DataFileError as err:
            print(f"tieout-sandbox: {err}", file=sys.stderr)
            status, body, headers = (
                500,
                orjson.dumps({"statusCode": 500, "message": str(err), "error": "Internal Server Error"}),
                [],
            )
        start_response(
            _STATUS_LINES.get(status, f"{status} Error"), [*JSON, ("Content-Length", str(len(body))), *headers]
        )
        return [body]

    def dispatch(self, environ):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        if path in ("/", "/health"):
            return 200, b"OK!", []
        if path == "/v1/auth/token" and method == "POST":
            return self.issue_token(environ)
        if path == "/_sandbox/stats":
            return 200, orjson.dumps({"requests": self.requests, "faults": dict(self.faults.injected)}), []
        if path == "/_sandbox/faults" and method == "POST":
            try:
                self.faults = FaultPlan.parse(_read_body(environ).decode() or None)
            except FaultSpecError as err:
                raise HttpError(400, str(err)) from None
            return 200, orjson.dumps({"faults": self.faults.rates}), []
        claims = self._claims(environ)
        if path == "/v1/auth/scope" and method == "GET":
            return 200, orjson.dumps({"tenantIds": self._scope(claims)}), []
        if method != "GET":
            raise HttpError(404, f"Cannot {method} {path}")
        route, item_id, parent_id = self._route(path)
        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        tenant = self._tenant(environ, params, claims)
        self._maybe_fault(environ, path, tenant, claims)
        if self.latency_s:
            time.sleep(self.latency_s)
        if item_id is not None:
            return self.detail(tenant, route, item_id, params)
        return self.listing(tenant, route, params, parent_id)

    # -- auth and tenancy ---------------------------------------------------------------------------------
    def issue_token(self, environ):
        try:
            body = orjson.loads(_read_body(environ) or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            raise HttpError(400, 'Request body must be a JSON object: {"clientId", "clientSecret"}') from None
        missing = [f"{name} should not be empty" for name in ("clientId", "clientSecret") if not body.get(name)]
        if missing:
            raise HttpError(400, missing)
        if not TokenIssuer.check_client(body["clientId"], body["clientSecret"]):
            raise HttpError(
                401, "Invalid client credentials", {"error": "invalid_client", "message": "Invalid client credentials"}
            )
        known = self.store.tenants()
        wanted = body.get("tenantId")
        if wanted is not None and wanted not in known:
            raise HttpError(
                403,
                f"Client is not authorised for tenant {wanted}",
                {"error": "access_denied", "message": f"Client is not authorised for tenant {wanted}"},
            )
        return 200, orjson.dumps(self.tokens.issue([wanted] if wanted else known)), []

    def _claims(self, environ) -> dict:
        try:
            return self.tokens.verify(environ.get("HTTP_AUTHORIZATION"))
        except TokenError as err:
            raise HttpError(401, str(err)) from None

    def _scope(self, claims) -> list[str]:
        known = set(self.store.tenants())
        return [t for t in claims["tenants"] if t in known]

    def _tenant(self, environ, params, claims) -> str:
        query_tenant = params.pop("tenantId", [None])[0]  # some clients also send ?tenantId=
        tenant = environ.get("HTTP_TENANTID") or query_tenant
        if not tenant:
            raise HttpError(400, ["tenantId header is required (the tenant UUID)"])
        try:
            uuid.UUID(tenant)
        except ValueError:
            raise HttpError(400, ["tenantId must be a UUID"]) from None
        if tenant not in self._scope(claims):
            raise HttpError(403, f"Forbidden resource: this client is not authorised for tenant {tenant}")
        return tenant

    def _maybe_fault(self, environ, path, tenant, claims) -> None:
        if not self.faults:
            return
        key = f"{path}?{environ.get('QUERY_STRING', '')}|{tenant}"
        fault = self.faults.draw(key)
        if fault == "429":
            raise HttpError(
                429, "ThrottlerException: Too Many Requests", headers=[("Retry-After", str(self.faults.retry_after))]
            )
        if fault == "5xx":
            status = self.faults.status_for(key)
            raise HttpError(status, _REASONS[status])
        if fault == "reset":
            raise ConnectionReset
        if fault == "slow":
            time.sleep(self.faults.slow_ms / 1000)
        if fault == "expire":
            self.tokens.expire_early(claims)
            raise HttpError(401, "Unauthorized: token expired")

    # -- resources ----------------------------------------------------------------------------------------
    def _route(self, path):
        route = ROUTES.get(path)
        if route:
            return route, None, None
        for pattern, child in CHILD_ROUTES:
            match = pattern.match(path)
            if match:
                return child, None, match.group(1)
        match = DETAIL_PATH.match(path)
        if match and match.group(1) in ROUTES and ROUTES[match.group(1)].envelope == "items":
            return ROUTES[match.group(1)], match.group(2), None
        if match and match.group(1) in DETAIL_ONLY:
            return DETAIL_ONLY[match.group(1)], match.group(2), None
        raise HttpError(404, f"Cannot GET {path}")

    def detail(self, tenant, route, item_id, params):
        if params:
            raise HttpError(400, [f"property {name} should not exist" for name in params])
        body = self.store.get(tenant, route.resource).detail.get(item_id)
        if body is None:
            raise HttpError(404, f"{route.noun} not found")
        return 200, body, []

    def listing(self, tenant, route, params, parent_id):
        allowed = {"page", *route.size_params, *route.extra}
        unknown = [name for name in params if name not in allowed]
        if unknown:
            raise HttpError(400, [f"property {name} should not exist" for name in unknown])
        snap = self.store.get(tenant, route.resource)
        page = _int_param(params, "page", 0) or 0
        size = DEFAULT_PAGE_SIZE
        for name in route.size_params:
            if name in params:
                size = _int_param(params, name, 1, MAX_PAGE_SIZE)
                break
        rows = snap.lines
        if parent_id is not None:
            parent_resource, parent_noun = route.parent
            if self.store.get(tenant, parent_resource).detail.get(parent_id) is None:
                raise HttpError(404, f"{parent_noun} not found")
            rows = snap.by_parent.get(parent_id, [])
        elif snap.active is not None and not _bool_param(params, "include_inactive"):
            rows = snap.active
        elif snap.with_addresses is not None and _bool_param(params, "include_addresses"):
            rows = snap.with_addresses
        if route.resource == "invoices":
            rows = _invoice_filter(snap, rows, params)
        number_param = NUMBER_FILTERS.get(route.resource)
        if number_param and number_param[0] in params:
            rows = _number_filter(snap, rows, *number_param, params[number_param[0]][0])
        since = _iso_ms(params, "lastUpdatedDateStart")
        if since is not None:
            rows = snap.filtered.get(since)
            if rows is None:
                rows = [line for line, ms in zip(snap.lines, snap.updated_ms, strict=True) if ms >= since]
                if len(snap.filtered) < 256:
                    snap.filtered[since] = rows
        start = max(page - route.first_page, 0) * size
        chunk = b",".join(rows[start : start + size])
        if route.envelope != "items":
            return 200, b'{"' + route.envelope.encode() + b'":[' + chunk + b"]}", []
        return 200, b'{"items":[' + chunk + b'],"totalCount":' + str(len(rows)).encode() + b"}", []


def _one_of(params, name, allowed, default=None):
    values = params.get(name)
    if values is None:
        return default
    if len(values) != 1 or values[0].lower() not in {a.lower(): a for a in allowed}:
        raise HttpError(400, [f"{name} must be one of the following values: {', '.join(allowed)}"])
    return {a.lower(): a for a in allowed}[values[0].lower()]


def _invoice_filter(snap, rows, params):
    status = _one_of(params, "status", INVOICE_STATUSES)  # payload casing is unverified: compared in lower case
    date_type = _one_of(params, "dateFilterType", DATE_FILTER_TYPES, "lastUpdatedDateTime")
    start, end = _iso_ms(params, "start"), _iso_ms(params, "end")
    number = (params.get("invoice_number") or [None])[0]
    if status is None and start is None and end is None and number is None:
        return rows
    key = ("invoices", status, date_type, start, end, number)
    cached = snap.filtered.get(key)
    if cached is not None:
        return cached
    low = start if start is not None else -(2**63)
    high = end if end is not None else 2**63
    dated = start is not None or end is not None

    def matches(facet: dict) -> bool:
        if status is not None and facet["status"] != status:
            return False
        if number is not None and facet["invoiceNumber"] != number:
            return False
        return not dated or (facet[date_type] is not None and low <= facet[date_type] <= high)

    kept = [line for line, facet in zip(snap.lines, snap.facets, strict=True) if matches(facet)]
    if len(snap.filtered) < 256:
        snap.filtered[key] = kept
    return kept


def _number_filter(snap, rows, param, field, value):
    key = (param, value)
    kept = snap.filtered.get(key)
    if kept is None:  # a rare lookup: a scan of the file's lines, kept for the next page
        kept = [line for line in rows if str(orjson.loads(line).get(field)) == value]
        if len(snap.filtered) < 256:
            snap.filtered[key] = kept
    return kept


def _read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _reset(environ) -> None:
    """Drop the connection without a response: linger 0 makes the close send a TCP RST."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
