"""The BuildOps streams: a table of list endpoints plus the invoice-detail and representatives fan-outs.

Every stream is incremental on the record's change time (audit.lastUpdatedDateTime, or deletedDateTime
when later) through `tieout_core.WatermarkCursor`, per tenant. Jobs also send the lower bound to the
server (`lastUpdatedDateStart`); the others are filtered client-side because BuildOps documents no
changed-since filter for them. State: `{"tenants": {<tenantId>: <cursor state>}}`, checkpointed after every
page (the adapters emit it every few pages) so a killed sync resumes at the page it reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tieout_core import (
    Checkpoint,
    StreamDeclaration,
    WatermarkCursor,
    check_watermark_state,
    expect_mapping,
    ordered_map,
    to_iso,
)

from source_buildops.client import BuildOpsClient
from source_buildops.config import BuildOpsConfig
from source_buildops.invoices import InvoiceDetails
from source_buildops.missing_ids import RecordsWithoutId
from source_buildops.normalize import cursor_millis, iso_from_epoch, normalize

SCHEMAS = Path(__file__).parent / "schemas"
AUDIT_CURSOR = ("audit", "lastUpdatedDateTime")
CHECKPOINT_EVERY = 500  # records between state messages: about every 5 pages of 100
LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages


@dataclass(frozen=True)
class ListEndpoint:
    """One list endpoint as docs/ARCHITECTURE.md describes it."""

    stream: str
    params: Mapping[str, Any] = field(default_factory=dict)
    list_key: str = "items"  # where the page's records sit: departments come as {departments: [...]}
    customers_paging: bool = False  # page base and size parameter come from the customers_* settings
    server_side_since: bool = False  # jobs: lower bound sent as jobs_updated_since_param
    description: str = ""


LIST_ENDPOINTS = (
    ListEndpoint("customers", {"include_inactive": "true"}, customers_paging=True, description="Customers"),
    ListEndpoint("properties", {"include_addresses": "true"}, description="Properties (service locations)"),
    ListEndpoint("jobs", server_side_since=True, description="Jobs (work orders)"),
    ListEndpoint("visits", description="Visits of jobs"),
    ListEndpoint("payments", description="AR payments with the invoices they are applied to"),
    ListEndpoint("quotes", description="Quotes"),
    ListEndpoint("employees", {"include_inactive": "true"}, description="Employees and technicians"),
    ListEndpoint("departments", list_key="departments", description="Departments"),
    ListEndpoint("job_types", description="Job types"),
    ListEndpoint("pricebook_items", description="Pricebook products"),
    ListEndpoint("vendors", description="Vendors and subcontractors"),
    ListEndpoint("purchase_orders", description="Purchase orders with their lines"),
    ListEndpoint("timesheets", description="Timesheet entries"),
    ListEndpoint("service_agreements", description="Service agreements"),
)


def _millis_to_datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)


def change_time(raw: Mapping[str, Any], cursor: WatermarkCursor) -> datetime:
    """The record's change time; with none (the `audit` block is unverified on several resources, see
    assumptions.py) it counts as changed when the sync started, so it is emitted rather than dropped."""
    millis = cursor_millis(raw)
    return _millis_to_datetime(millis) if millis else cursor.started_at


def emit(raw: Mapping[str, Any], tenant: str, **extra: Any) -> dict[str, Any]:
    record = normalize(raw)
    record.update(extra)
    record["tenantId"] = tenant
    return record


def check_tenant_state(state: Mapping[str, Any]) -> None:
    """Raise StateShapeError unless `state` is what `TenantCursors` writes (checked before a read starts)."""
    tenants = expect_mapping(expect_mapping(state, "the stream state").get("tenants") or {}, "tenants")
    for tenant, tenant_state in tenants.items():
        check_watermark_state(tenant_state, f"tenants[{tenant!r}]")


class TenantCursors:
    """The `{"tenants": {...}}` state of one stream, one WatermarkCursor per tenant."""

    def __init__(self, state: Mapping[str, Any], config: BuildOpsConfig, stream: str):
        self.config = config
        self.stream = stream
        self.states: dict[str, Any] = dict((state or {}).get("tenants") or {})

    def cursor(self, tenant: str, now: datetime | None = None) -> WatermarkCursor:
        cursor = WatermarkCursor(
            self.states.get(tenant), start=self.config.start, lookback=self.config.lookback, now=now
        )
        if cursor.future_watermark is not None:
            LOG.warning(
                "Stream %s, tenant %s: the saved cursor %s is later than now (%s); reading changes from now "
                "(less the lookback) instead. Changes made between the last real sync and that point may be "
                "missing: check this machine's clock, and if the state was edited or copied from elsewhere, "
                "run a full refresh of the stream",
                self.stream,
                tenant,
                to_iso(cursor.future_watermark),
                to_iso(cursor.started_at),
            )
        return cursor

    def checkpoint(self, tenant: str, tenant_state: dict[str, Any]) -> Checkpoint:
        self.states[tenant] = tenant_state
        return Checkpoint({"tenants": dict(self.states)})


def list_reader(endpoint: ListEndpoint, config: BuildOpsConfig, client: BuildOpsClient):
    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        cursors = TenantCursors(state, config, endpoint.stream)
        without_id = RecordsWithoutId(endpoint.stream)
        for tenant in config.tenant_ids:
            cursor = cursors.cursor(tenant)
            params = dict(endpoint.params)
            if endpoint.server_side_since and config.jobs_updated_since_param:
                params[config.jobs_updated_since_param] = to_iso(cursor.lower_bound)
            for page in _pages(endpoint, config, client, tenant, params, cursor.resume_page):
                for raw in without_id.keep(page.items, f"tenant {tenant}, page {page.number}"):
                    changed = change_time(raw, cursor)
                    if cursor.is_new(raw["id"], changed):
                        cursor.observe(raw["id"], changed)
                        yield emit(raw, tenant)
                if page.next_page is not None:
                    yield cursors.checkpoint(tenant, cursor.checkpoint(page.next_page))
            yield cursors.checkpoint(tenant, cursor.complete())
        without_id.summarise()

    return read


def _pages(endpoint, config, client, tenant, params, start_page):
    return client.pages(
        config.path(endpoint.stream),
        tenant,
        params=params,
        list_key=endpoint.list_key,
        page_base=config.customers_page_base if endpoint.customers_paging else 0,
        size_param=config.customers_page_size_param if endpoint.customers_paging else "page_size",
        start_page=start_page,
        concurrency=config.max_concurrency,
    )


CUSTOMERS = LIST_ENDPOINTS[0]
# Representatives need only each parent's id: properties are walked without their addresses.
PROPERTY_IDS = ListEndpoint("properties")


@dataclass(frozen=True)
class ChildList:
    """A list under each record of a parent list (`/v1/<parents>/{id}/...`)."""

    stream: str
    parent: ListEndpoint
    placeholder: str  # in the path, replaced by the parent id
    parent_field: str  # set on every record (the parent in the path), unless the API already sent it
    description: str = ""


CUSTOMER_REPRESENTATIVES = ChildList(
    "customer_representatives",
    CUSTOMERS,
    "{customerId}",
    "customerId",
    description="Customer contacts (our-representatives of each customer)",
)
PROPERTY_REPRESENTATIVES = ChildList(
    "property_representatives",
    PROPERTY_IDS,
    "{propertyId}",
    "propertyId",
    description="Property (site) contacts (representatives of each property), with propertyId",
)
CUSTOMER_CONTACTS = ChildList(
    "customer_contacts",
    CUSTOMERS,
    "{customerId}",
    "customerId",
    description="Customer contacts by the path a live client reads them from (/v1/customers/{id}/representatives; "
    "which of the two lists holds contacts and which internal staff is unresolved, so both are read)",
)
CHILD_LISTS = (CUSTOMER_REPRESENTATIVES, CUSTOMER_CONTACTS, PROPERTY_REPRESENTATIVES)


def child_list_reader(child: ChildList, config: BuildOpsConfig, client: BuildOpsClient):
    """Walk the parent list page by page, fetch each parent's children concurrently (in order); the cursor
    and the resume page are the child stream's own."""

    def fetch_all(tenant: str, parent_id: str) -> list[Any]:
        path = config.path(child.stream).replace(child.placeholder, parent_id)
        rows: list[Any] = []
        for page in client.pages(path, tenant, read_ahead=False):  # many tiny lists, in worker threads
            rows.extend(page.items)
        return rows

    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        cursors = TenantCursors(state, config, child.stream)
        # A parent without an id is the parent stream's to report; its children cannot be asked for.
        parents_without_id = RecordsWithoutId(child.parent.stream)
        without_id = RecordsWithoutId(child.stream)
        for tenant in config.tenant_ids:
            cursor = cursors.cursor(tenant)
            pages = _pages(child.parent, config, client, tenant, dict(child.parent.params), cursor.resume_page)
            for page in pages:
                parents = parents_without_id.keep(page.items, f"tenant {tenant}, page {page.number}")
                ids = [parent["id"] for parent in parents]
                fetched = ordered_map(lambda pid, t=tenant: fetch_all(t, pid), ids, config.max_concurrency)
                for parent_id, rows in zip(ids, fetched, strict=True):
                    where = f"tenant {tenant}, the list of {child.parent_field} {parent_id}"
                    for row in without_id.keep(rows, where):
                        raw = {**row, child.parent_field: row.get(child.parent_field) or parent_id}
                        changed = change_time(raw, cursor)
                        if cursor.is_new(raw["id"], changed):
                            cursor.observe(raw["id"], changed)
                            yield emit(raw, tenant)
                if page.next_page is not None:
                    yield cursors.checkpoint(tenant, cursor.checkpoint(page.next_page))
            yield cursors.checkpoint(tenant, cursor.complete())
        without_id.summarise()

    return read


InvoiceExploder = Callable[[dict[str, Any], str, RecordsWithoutId], list[dict[str, Any]]]


def _invoice_header(retainage_field: str) -> InvoiceExploder:
    """The header without its items and payments; the retainage read from `retainage_field` (unverified: see
    assumptions.py) is emitted as retainageAmount, whatever the tenant calls it."""

    def header(detail: dict[str, Any], tenant: str, without_id: RecordsWithoutId) -> list[dict[str, Any]]:
        out = {k: v for k, v in detail.items() if k not in ("invoiceItems", "payments")}
        if retainage_field and retainage_field != RETAINAGE and retainage_field in detail:
            out[RETAINAGE] = detail[retainage_field]
        return [emit(out, tenant)]

    return header


RETAINAGE = "retainageAmount"  # the name the invoices stream emits retainage under (schemas/invoices.json)


def _with_fallback_ids(rows: list[dict[str, Any]], id_fields: Sequence[str]) -> list[dict[str, Any]]:
    """A row without `id` takes the first of `id_fields` it has, else `#<its position>`, so (invoiceId, id)
    still identifies it (payments[].id is unverified: see assumptions.py)."""
    out = []
    for position, row in enumerate(rows):
        if row.get("id") in (None, "") and isinstance(row, dict):
            found = next((row[f] for f in id_fields if row.get(f) not in (None, "")), None)
            row = {**row, "id": str(found) if found is not None else f"#{position}"}
        out.append(row)
    return out


def _invoice_children(key: str, id_fields: Sequence[str] | None = None) -> InvoiceExploder:
    def explode(detail: dict[str, Any], tenant: str, without_id: RecordsWithoutId) -> list[dict[str, Any]]:
        millis = cursor_millis(detail)
        changed = iso_from_epoch(millis) if millis else None
        rows = detail.get(key) or []
        if id_fields is not None:
            rows = _with_fallback_ids(rows, id_fields)
        children = without_id.keep(rows, f"tenant {tenant}, {key} of invoice {detail['id']}")
        return [emit(child, tenant, invoiceId=detail["id"], invoiceLastUpdatedDateTime=changed) for child in children]

    return explode


def invoice_reader(stream: str, config: BuildOpsConfig, details: InvoiceDetails, explode: InvoiceExploder):
    """Invoice headers from the list, then `/v1/invoices/{id}` for each changed one (bounded, in order),
    shared between the three invoice streams through `InvoiceDetails` (see invoices.py).

    The cursor is per invoice: when an invoice changes, its header, every item and every payment row are
    emitted again (destinations dedupe on the primary key).
    """

    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        cursors = TenantCursors(state, config, stream)
        without_id = RecordsWithoutId(stream)
        for tenant in config.tenant_ids:
            cursor = cursors.cursor(tenant, now=details.snapshot_time(tenant))
            for next_page, fetched in details.pages(tenant, cursor):
                for full in fetched:
                    changed = change_time(full, cursor)
                    if cursor.is_new(full["id"], changed):
                        cursor.observe(full["id"], changed)
                        yield from explode(full, tenant, without_id)
                if next_page is not None:
                    yield cursors.checkpoint(tenant, cursor.checkpoint(next_page))
            yield cursors.checkpoint(tenant, cursor.complete())
        details.headers_without_id.summarise()
        without_id.summarise()

    return read


def projects_reader(config: BuildOpsConfig, client: BuildOpsClient):
    """Projects (progress billing: schedule of values, retainage) are read by id, as no list is public. The ids
    are the `projectId` of invoice headers changed since this stream's cursor (the server-side invoice filter),
    so a project is read again whenever one of its pay applications changes; a change to a project alone waits
    for a full refresh."""

    def fetch(tenant: str, project_id: str) -> dict[str, Any]:
        raw = client.get(config.path("projects").replace("{id}", project_id), tenant)
        return {**raw, "id": raw.get("id") or project_id}

    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        cursors = TenantCursors(state, config, "projects")
        for tenant in config.tenant_ids:
            cursor = cursors.cursor(tenant)
            params = {}
            if config.invoices_updated_since_param:
                params = {
                    "dateFilterType": config.invoices_date_filter_type,
                    config.invoices_updated_since_param: to_iso(cursor.lower_bound),
                }
            ids: dict[str, None] = {}  # distinct, in the order the list gives them
            for page in client.pages(config.path("invoices"), tenant, params=params):
                ids.update((h["projectId"], None) for h in page.items if isinstance(h, dict) and h.get("projectId"))
            for raw in ordered_map(lambda pid, t=tenant: fetch(t, pid), list(ids), config.max_concurrency):
                changed = change_time(raw, cursor)
                if cursor.is_new(raw["id"], changed):
                    cursor.observe(raw["id"], changed)
                    yield emit(raw, tenant)
            yield cursors.checkpoint(tenant, cursor.complete())

    return read


def build_streams(config: BuildOpsConfig, client: BuildOpsClient | None = None) -> list[StreamDeclaration]:
    client = client or BuildOpsClient(config)

    def declare(name, read, *, primary_key=("id",), cursor=AUDIT_CURSOR, parent=None, description=""):
        return StreamDeclaration(
            name=name,
            primary_key=primary_key,
            schema_path=SCHEMAS / f"{name}.json",
            read=read,
            cursor_field=cursor,
            parent=parent,
            description=description,
            checkpoint_every=CHECKPOINT_EVERY,
            check_state=check_tenant_state,
        )

    streams = []
    for endpoint in LIST_ENDPOINTS:  # each child list right after its parent's stream
        reader = list_reader(endpoint, config, client)
        streams.append(declare(endpoint.stream, reader, description=endpoint.description))
        streams += [
            declare(
                child.stream,
                child_list_reader(child, config, client),
                parent=endpoint.stream,
                description=child.description,
            )
            for child in CHILD_LISTS
            if child.parent.stream == endpoint.stream
        ]
    child_cursor = ("invoiceLastUpdatedDateTime",)
    details = InvoiceDetails(config, client)
    streams += [
        declare(
            "invoices",
            invoice_reader("invoices", config, details, _invoice_header(config.invoice_retainage_field)),
            description="AR invoices (detail)",
        ),
        declare(
            "invoice_items",
            invoice_reader("invoice_items", config, details, _invoice_children("invoiceItems")),
            cursor=child_cursor,
            parent="invoices",
            description="Invoice line items, with invoiceId",
        ),
        declare(
            "invoice_payments",
            invoice_reader(
                "invoice_payments", config, details, _invoice_children("payments", config.invoice_payment_id_fields)
            ),
            primary_key=("invoiceId", "id"),
            cursor=child_cursor,
            parent="invoices",
            description="Payments applied to each invoice, with invoiceId",
        ),
        declare(
            "projects",
            projects_reader(config, client),
            description="Projects (progress billing: schedule of values, retainage), by the projectId of invoices",
        ),
    ]
    return streams


STREAM_NAMES = tuple(
    [
        name
        for endpoint in LIST_ENDPOINTS
        for name in (endpoint.stream, *(c.stream for c in CHILD_LISTS if c.parent.stream == endpoint.stream))
    ]
    + ["invoices", "invoice_items", "invoice_payments", "projects"]
)
