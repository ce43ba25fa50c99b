"""Records BuildOps sends without an `id`: skipped, each one warned about, and counted for a summary.

A record without its key cannot be deduplicated, tracked by the incremental cursor, or (for an invoice) asked
for in detail, so it cannot be emitted. Failing the stream instead would let one malformed record block every
good one on every sync until BuildOps fixes it. So the record is skipped, a WARNING names where it was (stream,
tenant, page and position on the page, so it can be found in BuildOps), and when the stream ends a summary
WARNING gives the count: nothing is lost silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages
WARN_EACH_UP_TO = 20  # past this, only the count grows (a whole page of bad records should not flood the log)


class RecordsWithoutId:
    """Keeps the records of a page that have an id; reports the others for one stream."""

    def __init__(self, stream: str):
        self.stream = stream
        self.skipped = 0
        self.summarised = 0
        self.first_places: list[str] = []

    def keep(self, items: Iterable[Any], where: str) -> list[dict[str, Any]]:
        """The records with an id, in order. `where` says where the page came from (tenant and page)."""
        kept = []
        for position, item in enumerate(items, start=1):
            if isinstance(item, dict) and item.get("id") not in (None, ""):
                kept.append(item)
            else:
                self.report(f"{where}, record {position}")
        return kept

    def report(self, place: str) -> None:
        self.skipped += 1
        if self.skipped <= WARN_EACH_UP_TO:
            self.first_places.append(place)
            LOG.warning(
                "Stream %s: skipped a record without an id (%s): it cannot be deduplicated or tracked, so it "
                "is not emitted; ask BuildOps support about that record",
                self.stream,
                place,
            )

    def summarise(self) -> None:
        """One WARNING at the end of the stream, when anything was skipped since the last summary (the invoice
        list is shared by three streams: its skips are summarised by whichever read them)."""
        if self.skipped == self.summarised:
            return
        self.summarised = self.skipped
        shown = "; ".join(self.first_places) + ("; ..." if self.skipped > len(self.first_places) else "")
        LOG.warning(
            "Stream %s: %d record(s) without an id were skipped and not emitted (%s)",
            self.stream,
            self.skipped,
            shown,
        )
