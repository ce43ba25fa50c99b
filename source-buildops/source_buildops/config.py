"""The one config model of source-buildops: it generates spec.json (Airbyte) and the Singer settings."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from tieout_core import CA_BUNDLE_DESCRIPTION, ConnectorConfig, check_ca_bundle, from_iso

DOCUMENTATION_URL = "https://github.com/tieout/tieout/tree/main/source-buildops"

# Default list paths per stream (docs/ARCHITECTURE.md); users override any of them in `stream_paths`.
DEFAULT_PATHS = {
    "customers": "/v1/customers",
    "customer_representatives": "/v1/customers/{customerId}/our-representatives",
    "customer_contacts": "/v1/customers/{customerId}/representatives",
    "properties": "/v1/properties",
    "property_representatives": "/v1/properties/{propertyId}/representatives",
    "jobs": "/v1/jobs",
    "visits": "/v1/visits",
    "invoices": "/v1/invoices",
    "invoice_detail": "/v1/invoices/{id}",
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
    "projects": "/v1/projects/{id}",
}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BuildOpsConfig(ConnectorConfig):
    base_url: str = Field(
        "https://public-api.live.buildops.com",
        description="BuildOps public API root: https (plain http only for loopback unless allow_insecure_http); the"
        " dev environment is https://public-api.dev.buildops.com.",
    )
    client_id: str = Field(min_length=1, description="API client id issued by BuildOps support.")
    client_secret: SecretStr = Field(description="API client secret issued with the client id.")
    tenant_ids: list[str] = Field(
        min_length=1, description="BuildOps tenant ids (UUIDs) to read; every record carries its tenantId."
    )
    start_date: str = Field(
        "2015-01-01T00:00:00Z",
        description="Earliest change to read on a first sync (ISO 8601 UTC), compared with audit.lastUpdatedDateTime.",
        examples=["2024-01-01T00:00:00Z"],
    )
    lookback_window_minutes: int = Field(
        10,
        ge=0,
        le=10080,
        description="Re-read changes this far below the saved cursor on every incremental sync, to catch "
        "late writes and clock skew. Records already emitted with the same timestamp are not repeated.",
    )
    page_size: int = Field(100, ge=1, le=100, description="Records per page (BuildOps allows at most 100).")
    customers_page_base: Literal[0, 1] = Field(
        1,
        description="First page number of /v1/customers: 1 (a production client found page 0 repeats "
        "page 1); set 0 only for a server whose page 0 is a page of its own.",
    )
    customers_page_size_param: Literal["limit", "page_size"] = Field(
        "limit", description="Name of the page-size parameter of /v1/customers."
    )
    jobs_updated_since_param: str = Field(
        "lastUpdatedDateStart",
        description="Server-side incremental filter of /v1/jobs (ISO 8601); empty to filter client-side.",
    )
    invoices_updated_since_param: str = Field(
        "start",
        description="Server-side changed-since filter of /v1/invoices (ISO 8601 lower bound, sent with "
        "dateFilterType), so an incremental sync lists only changed invoice headers; empty to list every "
        "header and filter client-side. Seen in a live client's script, its semantics (inclusive, which clock) "
        "unverified: lookback_window_minutes covers the edge.",
    )
    invoices_date_filter_type: str = Field(
        "lastUpdatedDateTime",
        description="dateFilterType sent with invoices_updated_since_param (issuedDate, dueDate, "
        "createdDateTime or lastUpdatedDateTime; only lastUpdatedDateTime catches every change).",
    )
    invoice_payment_id_fields: list[str] = Field(
        default_factory=lambda: ["paymentNumber"],
        description="Fields that identify a payment row of an invoice when it has no `id` (payments[].id is "
        "unverified, see assumptions.py); the first one present wins, else the row's position on the invoice.",
    )
    invoice_retainage_field: str = Field(
        "retainageAmount",
        description="The invoice field holding the retainage withheld on it, emitted as retainageAmount (UNVERIFIED: "
        "integrators say BuildOps invoices carry retainage, but no public source names the field; see "
        "assumptions.py). An invoice without it carries no retainage value.",
    )
    stream_paths: dict[str, str] = Field(
        default_factory=dict,
        description='Per-stream path overrides, e.g. {"visits": "/v1/job-visits"}. Keys: '
        + ", ".join(DEFAULT_PATHS)
        + ".",
    )
    max_concurrency: int = Field(
        8,
        ge=1,
        le=40,
        description="Concurrent detail requests (invoice detail, customer and property representatives).",
    )
    request_timeout_seconds: float = Field(60, gt=0, le=600, description="Timeout of one HTTP request.")
    max_retries: int = Field(
        5, ge=0, le=10, description="Retries on 429, 5xx and connection errors (exponential backoff, jitter)."
    )
    retry_backoff_seconds: float = Field(
        1.0, ge=0, le=60, description="First retry delay; doubles on every retry, capped at 60 s."
    )
    allow_insecure_http: bool = Field(
        False, description="Allow a plain http:// base_url that is not on this machine (never in production)."
    )
    ca_bundle: str | None = Field(None, description=CA_BUNDLE_DESCRIPTION)

    @field_validator("tenant_ids")
    @classmethod
    def _tenants_are_uuids(cls, tenant_ids: list[str]) -> list[str]:
        for tenant in tenant_ids:
            if not _UUID.match(tenant):
                raise ValueError(f"{tenant!r} is not a tenant UUID; copy the tenantId BuildOps gave you")
        if len(set(tenant_ids)) != len(tenant_ids):
            raise ValueError("lists the same tenant twice; remove the duplicate")
        return tenant_ids

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_is_pem(cls, path: str | None) -> str | None:
        return check_ca_bundle(path)

    @field_validator("start_date")
    @classmethod
    def _start_date_is_iso(cls, value: str) -> str:
        try:
            from_iso(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp; use e.g. 2024-01-01T00:00:00Z") from None
        return value

    @field_validator("stream_paths")
    @classmethod
    def _known_streams(cls, paths: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(paths) - set(DEFAULT_PATHS))
        if unknown:
            raise ValueError(f"unknown stream(s) {', '.join(unknown)}; valid keys: {', '.join(DEFAULT_PATHS)}")
        for stream, path in paths.items():
            if not path.startswith("/"):
                raise ValueError(f"path for {stream} must start with '/' (got {path!r})")
        return paths

    @model_validator(mode="after")
    def _https_unless_local(self) -> BuildOpsConfig:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url {self.base_url!r} is not an http(s) URL")
        if parts.scheme == "http" and not (_is_loopback(parts.hostname) or self.allow_insecure_http):
            raise ValueError(
                "base_url must use https:// (plain http is only accepted for localhost/127.0.0.1, "
                "or with allow_insecure_http: true)"
            )
        return self

    # Derived values the streams use.
    def path(self, stream: str) -> str:
        return self.stream_paths.get(stream, DEFAULT_PATHS[stream])

    @property
    def start(self) -> datetime:
        return from_iso(self.start_date).astimezone(timezone.utc)

    @property
    def lookback(self) -> timedelta:
        return timedelta(minutes=self.lookback_window_minutes)
