"""Invoice headers and details, fetched once per sync and shared by invoices, invoice_items and invoice_payments.

The three streams come from the same `/v1/invoices/{id}` responses. Read naively, a sync of all three
would request every changed invoice's detail three times. Instead the first stream to read a tenant
records what it fetched in a spool (a temporary JSON-lines file: details on disk, only ids, change times and
file offsets in memory, so memory stays flat whatever the invoice count). The next stream replays it:
the same pages, the same snapshot time, and an API call only for an invoice its own cursor wants that the
first stream did not fetch. A spool is reused only when complete, and only by a read that starts at or
after the page it started from.

The header list is asked for changes only (`start` + `dateFilterType=lastUpdatedDateTime`, from the
cursor's lower bound; `invoices_updated_since_param`), so an incremental sync lists a few pages, not every
invoice. Pages of a list filtered from another bound are other pages: a spool is replayed from its start
only by a read whose bound is no lower than the spool's (it then holds every invoice that read wants).

Replaying a snapshot taken minutes earlier in the same sync is the same as having read then: the cursor
uses the snapshot's start time, so whatever changed since is picked up by the next sync.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from tieout_core import WatermarkCursor, ordered_map, to_iso

from source_buildops.client import BuildOpsClient
from source_buildops.config import BuildOpsConfig
from source_buildops.missing_ids import RecordsWithoutId
from source_buildops.normalize import cursor_millis


def millis_to_datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)


@dataclass
class SpooledPage:
    number: int
    next_page: int | None
    headers: list[tuple[str, int]]  # (invoice id, change time in ms; 0 when the header has no audit)
    offsets: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (offset, length) of its detail


@dataclass
class Spool:
    path: Path
    started_at: datetime
    first_page: int
    since: datetime | None  # the list's server-side lower bound (None: every header was listed)
    pages: list[SpooledPage] = field(default_factory=list)
    complete: bool = False


@dataclass(frozen=True)
class _PageEnd:
    page: SpooledPage
    wanted: list[str]


class InvoiceDetails:
    def __init__(self, config: BuildOpsConfig, client: BuildOpsClient):
        self.config = config
        self.client = client
        self._spools: dict[str, Spool] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        # Headers without an id are reported once, when fetched (a replay no longer holds them).
        self.headers_without_id = RecordsWithoutId("invoices")

    def snapshot_time(self, tenant: str) -> datetime | None:
        spool = self._spools.get(tenant)
        return spool.started_at if spool and spool.complete else None

    def pages(self, tenant: str, cursor: WatermarkCursor) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
        """(next page or None, the details this cursor wants, in list order) for each page."""
        start = cursor.resume_page or 0
        since = cursor.lower_bound if self.config.invoices_updated_since_param else None
        spool = self._spools.get(tenant)
        if spool and spool.complete and self._covers(spool, start, since):
            yield from self._replay(tenant, spool, start, cursor)
        else:
            yield from self._fetch_and_record(tenant, start, cursor, since)

    @staticmethod
    def _covers(spool: Spool, start: int, since: datetime | None) -> bool:
        if spool.since == since:
            return spool.first_page <= start
        wider = spool.since is None or (since is not None and spool.since <= since)
        return wider and spool.first_page == 0 and start == 0

    def _list_params(self, since: datetime | None) -> dict[str, str]:
        if since is None:
            return {}
        return {
            "dateFilterType": self.config.invoices_date_filter_type,
            self.config.invoices_updated_since_param: to_iso(since),
        }

    # ------------------------------------------------------------------------------------------------------
    def _wanted(self, headers: list[tuple[str, int]], cursor: WatermarkCursor) -> list[str]:
        return [iid for iid, millis in headers if not millis or cursor.is_new(iid, millis_to_datetime(millis))]

    def _detail(self, tenant: str, invoice_id: str) -> dict[str, Any]:
        return self.client.get(self.config.path("invoice_detail").replace("{id}", invoice_id), tenant)

    def _fetch(self, tenant: str, ids: list[str]) -> Iterator[dict[str, Any]]:
        return ordered_map(lambda iid: self._detail(tenant, iid), ids, self.config.max_concurrency)

    def _fetch_and_record(self, tenant, start, cursor, since) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tieout-buildops-invoices-")
        spool = Spool(Path(self._tmp.name) / f"{tenant}.jsonl", cursor.started_at, start, since)
        self._spools[tenant] = spool  # replaces (and below, overwrites) any older spool of this tenant
        pages = self.client.pages(
            self.config.path("invoices"), tenant, params=self._list_params(since), start_page=start
        )
        with open(spool.path, "wb") as sink:
            for recorded, wanted, fetched in self._fetched_by_page(tenant, self._planned(tenant, pages, cursor)):
                details = []
                for invoice_id, detail in zip(wanted, fetched, strict=True):
                    detail.setdefault("id", invoice_id)  # asked for by this id
                    line = orjson.dumps(detail) + b"\n"
                    recorded.offsets[invoice_id] = (sink.tell(), len(line))
                    sink.write(line)
                    details.append(detail)
                spool.pages.append(recorded)
                yield recorded.next_page, details
        spool.complete = True

    def _planned(self, tenant, pages, cursor) -> Iterator[tuple[SpooledPage, list[str]]]:
        """Each list page as it will be spooled, with the ids whose detail this cursor wants."""
        for page in pages:
            listed = self.headers_without_id.keep(page.items, f"tenant {tenant}, page {page.number}")
            headers = [(h["id"], cursor_millis(h) if h.get("audit") else 0) for h in listed]
            yield SpooledPage(page.number, page.next_page, headers), self._wanted(headers, cursor)

    def _fetched_by_page(self, tenant, planned) -> Iterator[tuple[SpooledPage, list[str], list[dict[str, Any]]]]:
        """(page, wanted ids, their details) in page order, the detail requests of the next page starting while
        this one's last few are still in flight: one pool for the whole walk, never more than `max_concurrency`
        requests at once, so no page ends waiting for its slowest detail with the other connections idle."""

        def tasks() -> Iterator[Any]:
            for recorded, wanted in planned:
                yield from wanted
                yield _PageEnd(recorded, wanted)  # handed back in order, after the page's details

        def run(task: Any) -> Any:
            return task if isinstance(task, _PageEnd) else self._detail(tenant, task)

        fetched: list[dict[str, Any]] = []
        for result in ordered_map(run, tasks(), self.config.max_concurrency):
            if isinstance(result, _PageEnd):
                yield result.page, result.wanted, fetched
                fetched = []
            else:
                fetched.append(result)

    def _replay(self, tenant, spool, start, cursor) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
        with open(spool.path, "rb") as source:
            for page in spool.pages:
                if page.number < start:
                    continue
                wanted = self._wanted(page.headers, cursor)
                missing = [iid for iid in wanted if iid not in page.offsets]
                fetched: dict[str, dict[str, Any]] = (
                    dict(zip(missing, self._fetch(tenant, missing), strict=True)) if missing else {}
                )
                for invoice_id, detail in fetched.items():
                    detail.setdefault("id", invoice_id)
                details = []
                for iid in wanted:
                    if iid in fetched:
                        details.append(fetched[iid])
                    else:
                        offset, length = page.offsets[iid]
                        source.seek(offset)
                        details.append(orjson.loads(source.read(length)))
                yield page.next_page, details


DetailsFactory = Callable[[], InvoiceDetails]
