"""The dates still open for posting, per company: where an incremental re-read has to start.

Spectrum takes postings dated anywhere in a module's open period (System Administration > Installation >
Processing Dates: a minimum, current and maximum date per company and module). A cost or payment entered today
may therefore be dated weeks back, below the last date a sync saw; a fixed look-back of a few days never reads
it. Re-reading from the earliest date still open for posting, in any module, reads every such posting, and
nothing earlier can still arrive (those periods are closed).

The table and column names are UNVERIFIED (no public source names them; they are the twin's), hence the
settings `odbc.open_periods_table` and `odbc.open_periods_start_column`. Where the table cannot be read, the
caller falls back to a fixed window and says so once.
"""

from __future__ import annotations

import logging
from datetime import date

from spectrum_client import QueryFailed, SpectrumOdbc
from spectrum_client.odbc import validate_identifier
from spectrum_client.values import iso_date

LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages
FALLBACK_DAYS = 62  # two months: a period closed late plus the one still open, when no period table is read


def open_period_starts(db: SpectrumOdbc, table: str, start_column: str) -> dict[str, date] | None:
    """Company code -> the earliest date open for posting in any module; None when the table cannot be read
    (after one WARNING naming it and the settings)."""
    sql = (
        f"SELECT Company_Code, MIN({validate_identifier(start_column)}) AS open_from"
        f" FROM {validate_identifier(table)} GROUP BY Company_Code"
    )
    try:
        rows = list(db.stream(sql))
    except QueryFailed as exc:
        LOG.warning(
            "The open accounting periods could not be read from %s.%s (%s): incremental streams re-read %d days"
            " before the last date each saw, so a posting back-dated further is not read. Both names are unverified:"
            " set odbc.open_periods_table and odbc.open_periods_start_column to this install's processing-dates"
            " table, or set lookback_days",
            table,
            start_column,
            " ".join(str(exc).split())[:300],
            FALLBACK_DAYS,
        )
        return None
    starts: dict[str, date] = {}
    for row in rows:
        company, opened = (row.get("company_code") or "").strip(), iso_date(row.get("open_from"))
        if company and opened:
            day = date.fromisoformat(opened)
            starts[company] = min(day, starts.get(company, day))
    return starts
