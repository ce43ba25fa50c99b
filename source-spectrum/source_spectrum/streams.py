"""Stream declarations for connector-core: one per stream the configured transport can serve.

History tables (job cost, AR payments, AP payments, payroll, GL) are incremental on their posting date,
per company: a run re-reads from the earliest date still open for posting (or `lookback_days` before the last
date seen, when set; see `_since`) and checkpoints after each company. Re-read rows carry the same primary
key, so `append_dedup` (Airbyte) or an upsert (Meltano) keeps one copy. The watermark never passes today, so
a post-dated entry cannot hide later back-dated ones. Everything else is a full refresh with a primary key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tieout_core import Checkpoint, StateShapeError, StreamDeclaration, expect_mapping

from source_spectrum.catalog import StreamSpec
from source_spectrum.config import SpectrumConfig
from source_spectrum.resume import resumable
from source_spectrum.transports import make_transport
from source_spectrum.transports.base import RowBatch, Transport, translated
from source_spectrum.transports.cdc import CDC_FIELDS, LsnRange
from source_spectrum.transports.open_periods import FALLBACK_DAYS

if TYPE_CHECKING:
    from source_spectrum.transports.sql import SqlTransport

SCHEMAS = Path(__file__).parent / "schemas"
LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages


def check_company_state(state: Mapping[str, Any]) -> None:
    """Raise StateShapeError unless `state` is what `incremental_reader` writes (checked before a read starts)."""
    companies = expect_mapping(expect_mapping(state, "the stream state").get("companies") or {}, "companies")
    for company, company_state in companies.items():
        where = f"companies[{company!r}]"
        cursor = expect_mapping(company_state, where).get("cursor")
        try:
            if cursor is not None:
                date.fromisoformat(cursor)
        except (TypeError, ValueError):
            raise StateShapeError(f"{where}.cursor is {cursor!r:.60}, expected a date such as 2026-11-30") from None
        lsn = company_state.get("lsn")
        if lsn is not None and not (isinstance(lsn, str) and re.fullmatch(r"(?:[0-9a-f]{2})+", lsn)):
            raise StateShapeError(
                f"{where}.lsn is {lsn!r:.60}, expected the hex of a change table's LSN such as 0000002a000001f40003"
            )


def _unless_future(stream: str, company: str, cursor: str | None, today: str) -> str | None:
    """A saved cursor after today (a hand-edited state, a clock set back) would skip every posting until then:
    warn and read as if the last sync had seen today."""
    if cursor is None or cursor <= today:
        return cursor
    LOG.warning(
        "Stream %s, company %s: the saved cursor %s is after today (%s); reading as if the last sync ended "
        "today. Postings dated between the last real sync and the re-read window may be missing: check this "
        "machine's clock, and if the state was edited or copied from elsewhere, run a full refresh of the stream",
        stream,
        company,
        cursor,
        today,
    )
    return today


def _since(config: SpectrumConfig, last: str | None, open_from: Callable[[], date | None]) -> date:
    """Where an incremental read of one company starts: the re-read window below the last date seen.

    `lookback_days` when set; otherwise from the earliest date still open for posting (`open_from`, see
    transports/open_periods.py), since a posting can be back-dated anywhere into an open period; otherwise
    FALLBACK_DAYS. Never before `start_date`.
    """
    if not last:
        return config.start_date
    seen = date.fromisoformat(last)
    if config.lookback_days is not None:
        return max(config.start_date, seen - timedelta(days=config.lookback_days))
    opened = open_from()
    window = min(seen, opened) if opened is not None else seen - timedelta(days=FALLBACK_DAYS)
    return max(config.start_date, window)


def _batches(transport: Transport, spec: StreamSpec, company: str, since: date | None) -> Iterator[RowBatch]:
    """One stream and company, read again on a new connection if the connection drops (see resume.py)."""
    return resumable(
        lambda: transport.read_batches(spec, company, since),
        spec.primary_key,
        what=f"Stream {spec.name}, company {company}",
        where=_server(transport),
        reconnect=transport.close,
    )


def _server(transport: Transport) -> str:
    """Where an ODBC transport connects (server and database, never the password), for error messages."""
    settings = getattr(getattr(transport, "db", None), "settings", None)
    return settings.describe() if settings is not None else ""


def _newest(names: tuple[str, ...], rows: list[tuple], field: str, newest: str | None) -> str | None:
    """The greatest non-empty `field` (an ISO date) of a batch and of `newest`, found in C."""
    latest = max(filter(None, map(itemgetter(names.index(field)), rows)), default=None)
    return latest if latest is not None and (newest is None or latest > newest) else newest


def _records(names: tuple[str, ...], rows: list[tuple]) -> Iterator[dict[str, Any]]:
    """Each row as a record keyed by `names`. Maps rather than a loop, so the dicts are built in C: this is
    most of what a bulk read spends in this process."""
    return map(dict, map(zip, repeat(names), rows))


def full_refresh_reader(transport: Transport, spec: StreamSpec, config: SpectrumConfig):
    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        with translated():
            for company in config.company_codes:
                for names, rows in _batches(transport, spec, company, None):
                    yield from _records(names, rows)

    return read


def incremental_reader(transport: Transport, spec: StreamSpec, config: SpectrumConfig, today: date | None = None):
    cursor = spec.cursor_out
    assert cursor is not None
    # Opted in to change data capture (odbc.cdc_tables; transports/cdc.py): read the changes after the saved LSN.
    captured = transport.name == "sql" and config.odbc is not None and spec.table in config.odbc.cdc_tables

    def read(state: Mapping[str, Any]) -> Iterator[Any]:
        companies: dict[str, dict[str, str]] = {k: dict(v) for k, v in (state.get("companies") or {}).items()}
        ceiling = (today or date.today()).isoformat()
        with translated():
            # Noted before anything is read, so a change committed during this read is read by the next one.
            lsns = cast("SqlTransport", transport).lsn_range(spec) if captured else None
            read_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for company in config.company_codes:
                saved = companies.get(company, {})
                newest = _unless_future(spec.name, company, saved.get("cursor"), ceiling)
                lsn = saved.get("lsn")
                if lsns is not None and _changes_readable(spec, company, lsn, lsns):
                    assert lsn is not None and lsns.newest is not None
                    batches = _change_batches(transport, spec, company, lsn, lsns.newest, read_at)
                else:
                    since = _since(config, newest, lambda company=company: transport.open_from(company))
                    batches = _batches(transport, spec, company, since)
                for names, rows in batches:
                    newest = _newest(names, rows, cursor, newest)
                    yield from _records(names, rows)
                entry = {"cursor": min(newest, ceiling)} if newest else {}
                if lsns is not None and lsns.newest is not None:
                    entry["lsn"] = max(lsn or "", lsns.newest.hex())
                if entry:
                    companies[company] = entry
                yield Checkpoint({"companies": {k: dict(v) for k, v in companies.items()}})

    return read


def _changes_readable(spec: StreamSpec, company: str, lsn: str | None, lsns: LsnRange) -> bool:
    """Whether this sync can read only the changes after `lsn`; otherwise it re-reads the date window."""
    if lsn is None or lsns.newest is None:
        return False  # no position yet, or nothing captured: the window read sets the position
    if lsns.holds_everything_after(lsn):
        return True
    LOG.warning(
        "Stream %s, company %s: the change table no longer holds every change after the saved position %s (capture"
        " cleanup has removed changes up to %s), so this sync re-reads the date window instead. Sync more often"
        " than the capture's retention (SQL Server's default is three days) to read only the changes",
        spec.name,
        company,
        lsn,
        lsns.oldest.hex() if lsns.oldest else "?",
    )
    return False


def _change_batches(
    transport: Transport, spec: StreamSpec, company: str, after: str, upper: bytes, read_at: str
) -> Iterator[RowBatch]:
    """One company's changes, read again on a new connection if it drops (a row changed twice has two LSNs)."""
    return resumable(
        lambda: cast("SqlTransport", transport).read_changes(spec, company, after, upper, read_at),
        (*spec.primary_key, CDC_FIELDS[0]),
        what=f"Stream {spec.name}, company {company} (change table)",
        where=_server(transport),
        reconnect=transport.close,
    )


def build_streams(config: SpectrumConfig, transport: Transport | None = None) -> list[StreamDeclaration]:
    """The connector-core declarations of every stream the transport reads (the config's, unless given)."""
    transport = transport if transport is not None else make_transport(config)
    out = []
    for spec in transport.streams:
        incremental = transport.name == "sql" and spec.cursor is not None
        read = (incremental_reader if incremental else full_refresh_reader)(transport, spec, config)
        out.append(
            StreamDeclaration(
                name=spec.name,
                primary_key=spec.primary_key,
                schema_path=SCHEMAS / f"{spec.name}.json",
                read=read,
                cursor_field=(spec.cursor_out,) if incremental and spec.cursor_out else None,
                description=spec.description,
                checkpoint_every=10_000,
                check_state=check_company_state if incremental else None,
            )
        )
    return out
