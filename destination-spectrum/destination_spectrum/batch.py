"""What one flushed batch produces and carries: settings, the report, queued postings, intent payloads."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from destination_spectrum.gateway import ExistingDocument, PostResult
from destination_spectrum.ledger import Outcome, PendingDocument, PostedLine
from destination_spectrum.records import pick

# BuildOps invoice statuses that are not a claim to post: `deleted` and `bypassed` (kept out of the accounting
# export) are live list-filter values beside draft and void.
VOID_STATUSES = frozenset({"void", "voided", "draft", "canceled", "cancelled", "deleted", "bypassed"})
BILLED_STATUSES = frozenset({"fulfilled", "received", "closed", "billed", "invoiced", "posted", "exported", ""})


class PostingInterrupted(RuntimeError):
    """Spectrum may or may not have taken a document; the intent stays so the next run settles it."""


POST_CHUNK = 50


@dataclass(frozen=True)
class Posting:
    pending: PendingDocument
    call: Callable[[], PostResult]
    lookup: Callable[[], ExistingDocument | None]
    settle: Callable[[PostResult], tuple[list[Outcome], list[PostedLine]]]
    label: str


@dataclass(frozen=True)
class EngineSettings:
    ar_prefix: str = ""
    invoice_streams: tuple[str, ...] = ("invoices",)
    invoice_item_streams: tuple[str, ...] = ("invoice_items",)
    job_streams: tuple[str, ...] = ("jobs",)
    vendor_streams: tuple[str, ...] = ("vendors",)
    sub_bill_streams: tuple[str, ...] = ("purchase_orders", "bills", "sub_bills")
    dry_run: bool = False
    companies: tuple[str, ...] = ()  # empty: any company


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


def record_key(raw: Mapping[str, Any]) -> str:
    """The record's id, or a digest of the record when even the id is missing (it is still rejected once)."""
    key = pick(raw, "id")
    if key is not None:
        return str(key)
    return "sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:32]


def deleted_or_void(raw: Mapping[str, Any]) -> str:
    if pick(raw, "audit.deletedDateTime", "audit.deletedDate"):
        return "deleted in BuildOps"
    status = str(pick(raw, "status", default="")).strip().lower()
    return f"status '{pick(raw, 'status')}' in BuildOps" if status in VOID_STATUSES else ""


def to_payload(outcomes: list[Outcome], lines: list[PostedLine]) -> dict:
    return {
        "outcomes": [
            {**o.__dict__, "amount": _text(o.amount), "posted_amount": _text(o.posted_amount)} for o in outcomes
        ],
        "lines": [{**x.__dict__, "amount": str(x.amount)} for x in lines],
    }


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def from_payload(payload: dict, batch_code: str) -> tuple[list[Outcome], list[PostedLine]]:
    outcomes = []
    for o in payload.get("outcomes", []):
        o = dict(o)
        o["amount"] = None if o["amount"] is None else Decimal(o["amount"])
        # Intents written before content_fingerprint/posted_amount existed lack them: the defaults apply.
        o["posted_amount"] = None if o.get("posted_amount") is None else Decimal(o["posted_amount"])
        o["spectrum_batch"] = batch_code
        o["reason"] = "; ".join(x for x in (o.get("reason"), "recovered after an interrupted run") if x)
        outcomes.append(Outcome(**o))
    lines = [PostedLine(**{**x, "amount": Decimal(x["amount"])}) for x in payload.get("lines", [])]
    return outcomes, lines
