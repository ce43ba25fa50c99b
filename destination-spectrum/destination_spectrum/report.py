"""What one flushed batch reports: outcomes by state, documents posted, Spectrum calls, the dry-run plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class BatchReport:
    states: Counter = field(default_factory=Counter)
    already_posted: int = 0
    found_in_spectrum: int = 0
    documents: Counter = field(default_factory=Counter)  # posted documents per kind/mode
    spectrum_calls: int = 0
    would_post: list[dict] = field(default_factory=list)  # dry_run plan

    def merge(self, other: BatchReport) -> None:
        self.states.update(other.states)
        self.documents.update(other.documents)
        self.already_posted += other.already_posted
        self.found_in_spectrum += other.found_in_spectrum
        self.spectrum_calls += other.spectrum_calls
        self.would_post.extend(other.would_post)
