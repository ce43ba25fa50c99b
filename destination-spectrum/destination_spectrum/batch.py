"""One flushed batch's context, passed to every step that handles it: the settings it runs under, its report,
the outcomes written together at its end, and the documents queued for the posting queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from destination_spectrum.config import EngineSettings
from destination_spectrum.ledger import Outcome, PostedLine
from destination_spectrum.postings import Posting
from destination_spectrum.report import BatchReport


@dataclass
class Batch:
    settings: EngineSettings
    report: BatchReport = field(default_factory=BatchReport)
    # Held, rejected and found-in-Spectrum outcomes are written together at the end of the batch (one
    # transaction); documents actually posted are written one by one, with their intent, as they land.
    outcomes: list[Outcome] = field(default_factory=list)
    lines: list[PostedLine] = field(default_factory=list)
    queue: list[Posting] = field(default_factory=list)

    @property
    def dry_run(self) -> bool:
        return self.settings.dry_run

    def settle(self, outcome: Outcome) -> None:
        """Count a held/rejected outcome and keep it for the end of the batch (or the dry-run plan)."""
        self.report.states[outcome.state] += 1
        if self.dry_run:
            self.report.would_post.append(
                {"source_key": outcome.source_key, "state": outcome.state, "reason": outcome.reason}
            )
            return
        self.outcomes.append(outcome)

    def defer(self, outcomes: list[Outcome], lines: list[PostedLine]) -> None:
        """Keep outcomes (and their lines) for the end of the batch, uncounted: the caller counts them."""
        self.outcomes.extend(outcomes)
        self.lines.extend(lines)
