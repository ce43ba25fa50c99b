"""Offline test helpers: a scripted BuildOps API on a loopback port (a test double of the public API surface
in docs/ARCHITECTURE.md, not the sandbox twin) and helpers to run the connector in-process."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from tieout_core.testing import Reply, Request, ScriptedServer, scripted_server

TENANT = "7f3c2a9e-5b1d-4c8e-9a42-1d6e0b8f5c31"
OTHER_TENANT = "c2d9e4f1-8a37-4b6c-b5e0-93f17a2d6b84"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret-do-not-print-3f9a"
T2026 = int(datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp() * 1000)

PATHS = {
    "customers": "/v1/customers",
    "properties": "/v1/properties",
    "jobs": "/v1/jobs",
    "visits": "/v1/visits",
    "invoices": "/v1/invoices",
    "payments": "/v1/payments",
    "quotes": "/v1/quotes",
    "employees": "/v1/employees",
    "departments": "/v1/departments",
    "job_types": "/v1/job-types",
    "pricebook_items": "/v1/pricebook/products",
    "vendors": "/v1/vendors",
    "purchase_orders": "/v1/purchase-orders",
    "timesheets": "/v1/timesheets",
    "service_agreements": "/v1/service-agreements",
}
ACCEPTED = {
    "customers": {"page", "limit", "include_inactive"},
    "properties": {"page", "page_size", "include_addresses"},
    "jobs": {"page", "page_size", "lastUpdatedDateStart"},
    "invoices": {"page", "page_size", "dateFilterType", "start", "end", "status", "invoice_number"},
    "employees": {"page", "page_size", "include_inactive"},
}


def audit(updated_ms: int, deleted_ms: int | None = None) -> dict:
    return {
        "createdDateTime": updated_ms - 1000,
        "lastUpdatedDateTime": updated_ms,
        "deletedDateTime": deleted_ms,
        "createdBy": {"username": "dispatch"},
    }


def sample_data(n: int = 12) -> dict[str, list[dict]]:
    """n records per list resource; invoices in detail form with 2 items and 1 payment each."""
    data: dict[str, list[dict]] = {}
    for resource in PATHS:
        data[resource] = [
            {"id": f"{resource}-{i:03d}", "name": f"{resource} {i}", "audit": audit(T2026 + i * 60_000)}
            for i in range(n)
        ]
    for i, invoice in enumerate(data["invoices"]):
        invoice.update(
            invoiceNumber=str(100000 + i),
            issuedDate=str(1780000000 + i),  # epoch seconds as a numeric string, as live BuildOps does
            dueDate=1782592000,
            totalAmount=1234.5 + i,
            invoiceItems=[
                {"id": f"item-{i}-{k}", "quantity": 1.5, "unitPrice": 0.1 + 0.2 * k, "amount": 202.5} for k in range(2)
            ],
            payments=[{"id": f"pay-{i}", "paymentAmount": 100.0, "paymentDate": 1781000000}],
        )
    data["representatives"] = [
        {"id": f"rep-{i:03d}", "customerId": f"customers-{i % 3:03d}", "audit": audit(T2026 + i)} for i in range(5)
    ]
    # Site contacts of the first 4 properties (properties-000 gets 2): 7 in all.
    data["property_representatives"] = [
        {
            "id": f"site-rep-{i:03d}",
            "propertyId": f"properties-{i % 4:03d}",
            "firstName": f"Site {i}",
            "audit": audit(T2026 + i),
        }
        for i in range(7)
    ]
    # Two projects, billed by pay applications (invoices 0-3 carry their projectId).
    data["projects"] = [
        {"id": f"project-{k}", "name": f"Tower {k}", "contractAmount": 100000.0, "audit": audit(T2026 + k)}
        for k in range(2)
    ]
    for i, invoice in enumerate(data["invoices"][:4]):
        invoice["projectId"] = f"project-{i % 2}"
    data["departments"] = data["departments"][:3]
    data["job_types"] = data["job_types"][:2]
    return data


class FakeBuildOps:
    """Auth, tenant header, page/page_size (customers: limit, 1-based), 400 on unknown parameters."""

    def __init__(self, server: ScriptedServer, data: dict[str, list[dict]], tenants=(TENANT,)):
        self.server = server
        self.data = data
        self.tenants = set(tenants)
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        server.route("POST", "/v1/auth/token", self.token)
        for resource, path in PATHS.items():
            server.route("GET", path, lambda r, res=resource: self.list(r, res))
        server.route_prefix("GET", "/v1/invoices/", self.invoice_detail)
        server.route_prefix("GET", "/v1/customers/", self.representatives)
        server.route_prefix("GET", "/v1/properties/", self.property_representatives)
        server.route_prefix("GET", "/v1/projects/", self.project)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def token(self, request: Request) -> Reply:
        body = request.body or {}
        if body.get("clientId") != CLIENT_ID or body.get("clientSecret") != CLIENT_SECRET:
            return Reply(401, {"error": "Unauthorized", "message": "Invalid client credentials"})
        self.tokens_issued += 1
        token = f"tok-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return Reply(200, {"access_token": token, "expires_in": 10800, "token_type": "bearer"})

    def _guard(self, request: Request) -> Reply | None:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid_tokens:
            return Reply(401, {"message": "Unauthorized"})
        if request.headers.get("tenantId") not in self.tenants:
            return Reply(403, {"message": "Forbidden resource"})
        return None

    def _page(self, request: Request, items: list[dict], size_param: str, first_page: int = 0) -> Reply:
        page = int(request.query.get("page", 0))
        size = int(request.query.get(size_param, 10))
        if size > 100:
            return Reply(400, {"message": f"{size_param} must be <= 100"})
        start = max(page - first_page, 0) * size  # customers: page 0 repeats page 1, as live
        return Reply(200, {"items": items[start : start + size], "totalCount": len(items)})

    def list(self, request: Request, resource: str) -> Reply:
        denied = self._guard(request)
        if denied:
            return denied
        accepted = ACCEPTED.get(resource, {"page", "page_size"})
        unknown = set(request.query) - accepted
        if unknown:
            return Reply(400, {"message": f"Unknown query parameter(s): {', '.join(sorted(unknown))}"})
        items = [self._tenanted(r, request) for r in self.data[resource]]
        if resource == "departments":  # paged, wrapped as {departments: [...]} without a count
            reply = self._page(request, items, "page_size")
            return Reply(200, {"departments": reply.body["items"]})
        if resource == "jobs" and "lastUpdatedDateStart" in request.query:
            since = datetime.fromisoformat(request.query["lastUpdatedDateStart"].replace("Z", "+00:00"))
            since_ms = int(since.timestamp() * 1000)
            items = [r for r in items if r["audit"]["lastUpdatedDateTime"] >= since_ms]
        if resource == "invoices" and "start" in request.query:  # dateFilterType=lastUpdatedDateTime only
            assert request.query.get("dateFilterType") == "lastUpdatedDateTime", request.query
            since = datetime.fromisoformat(request.query["start"].replace("Z", "+00:00"))
            since_ms = int(since.timestamp() * 1000)
            items = [r for r in items if r["audit"]["lastUpdatedDateTime"] >= since_ms]
        if resource == "invoices":
            items = [{k: v for k, v in r.items() if k not in ("invoiceItems", "payments")} for r in items]
        if resource == "customers":
            return self._page(request, items, "limit", first_page=1)
        return self._page(request, items, "page_size")

    def _tenanted(self, record: dict, request: Request) -> dict:
        return copy.deepcopy(record)

    def invoice_detail(self, request: Request) -> Reply:
        denied = self._guard(request)
        if denied:
            return denied
        invoice_id = request.path.rsplit("/", 1)[-1]
        for invoice in self.data["invoices"]:
            if invoice.get("id") == invoice_id:
                return Reply(200, copy.deepcopy(invoice))
        return Reply(404, {"message": "Invoice not found"})

    def representatives(self, request: Request) -> Reply:
        denied = self._guard(request)
        if denied:
            return denied
        customer_id = request.path.split("/")[3]
        reps = [r for r in self.data["representatives"] if r["customerId"] == customer_id]
        return self._page(request, reps, "page_size")

    def project(self, request: Request) -> Reply:
        denied = self._guard(request)
        if denied:
            return denied
        project_id = request.path.rsplit("/", 1)[-1]
        found = [p for p in self.data["projects"] if p["id"] == project_id]
        return Reply(200, copy.deepcopy(found[0])) if found else Reply(404, {"message": "Project not found"})

    def property_representatives(self, request: Request) -> Reply:
        """`/v1/properties/{id}/representatives`; records come back without propertyId (the path names it)."""
        denied = self._guard(request)
        if denied:
            return denied
        parts = request.path.split("/")
        if len(parts) != 5 or parts[4] != "representatives":
            return Reply(404, {"message": f"Cannot GET {request.path}"})
        unknown = set(request.query) - {"page", "page_size"}
        if unknown:
            return Reply(400, {"message": f"Unknown query parameter(s): {', '.join(sorted(unknown))}"})
        if parts[3] not in {p["id"] for p in self.data["properties"]}:
            return Reply(404, {"message": "Property not found"})
        reps = [
            {k: v for k, v in r.items() if k != "propertyId"}
            for r in self.data["property_representatives"]
            if r["propertyId"] == parts[3]
        ]
        return self._page(request, reps, "page_size")


@contextmanager
def running_fake(data: dict[str, list[dict]] | None = None) -> Iterator[FakeBuildOps]:
    with scripted_server() as server:
        yield FakeBuildOps(server, data or sample_data())


def make_config(base_url: str, **overrides) -> dict:
    config = {
        "base_url": base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "tenant_ids": [TENANT],
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 5,
        "lookback_window_minutes": 0,
        "max_retries": 2,
        "retry_backoff_seconds": 0.01,
    }
    config.update(overrides)
    return config


def dump(obj) -> str:
    return json.dumps(obj)
