"""The posting queue: documents queued by a batch are posted in chunks, each behind an intent in the ledger,
and intents left by a run that died between a Spectrum call and its ledger write are settled by `recover`.

A chunk is: its intents in one ledger transaction, then the Spectrum calls, then every outcome of the chunk
(and the intents' removal) in one transaction. An intent's payload is the outcome it stands for, so a recovery
records exactly what the run that died would have recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from destination_spectrum.gateway import ExistingDocument, Gateway, PostResult
from destination_spectrum.ledger import Ledger, Outcome, PendingDocument, PostedLine
from destination_spectrum.report import BatchReport

logger = logging.getLogger("destination_spectrum")

POST_CHUNK = 50


class PostingInterrupted(RuntimeError):
    """Spectrum may or may not have taken a document; the intent stays so the next run settles it."""


@dataclass(frozen=True)
class Posting:
    """One queued document: its intent, the Spectrum call, how to look it up, and the outcomes it settles."""

    pending: PendingDocument
    call: Callable[[], PostResult]
    lookup: Callable[[], ExistingDocument | None]
    settle: Callable[[PostResult], tuple[list[Outcome], list[PostedLine]]]
    label: str


def drain(ledger: Ledger, queue: list[Posting], report: BatchReport) -> None:
    """Post the queued documents in chunks. A run killed inside a chunk leaves its intents; the next run asks
    Spectrum about each one before anything else."""
    for start in range(0, len(queue), POST_CHUNK):
        chunk = queue[start : start + POST_CHUNK]
        ledger.add_pending_many([p.pending for p in chunk])
        settled: list[Outcome] = []
        lines: list[PostedLine] = []
        done: list[PendingDocument] = []
        try:
            for posting in chunk:
                result = posting.call()
                report.spectrum_calls += result.calls
                if result.outcome_unknown:
                    again = posting.lookup()
                    if again is None:
                        raise PostingInterrupted(
                            f"Spectrum did not confirm {posting.label} ({result.message}); the next run "
                            f"checks whether it landed before posting anything"
                        )
                    result = PostResult(ok=True, batch_code=again.batch_code)
                new, new_lines = posting.settle(result)
                settled.extend(new)
                lines.extend(new_lines)
                done.append(posting.pending)
                for o in new:
                    report.states[o.state] += 1
        finally:
            if done:
                ledger.record(settled, lines, clear_pending=done)


def recover(gateway: Gateway, ledger: Ledger) -> int:
    """Settle intents left by a run that died between a Spectrum call and its ledger write."""
    settled = 0
    for pending in ledger.pending():
        if pending.kind == "AR":
            found = gateway.ar_documents(pending.company_code, [pending.spectrum_document])
        else:
            found = gateway.ap_documents(pending.company_code, pending.vendor_code, [pending.spectrum_document])
        existing = found.get(pending.spectrum_document)
        if existing is None:
            # It never landed: forget the intent; the records are posted when they arrive again.
            ledger.drop_pending(pending)
            continue
        outcomes, lines = from_payload(pending.payload, existing.batch_code)
        ledger.record(outcomes, lines, clear_pending=pending)
        logger.info("recovered %s document %s from an interrupted run", pending.kind, pending.spectrum_document)
        settled += 1
    return settled


def to_payload(outcomes: list[Outcome], lines: list[PostedLine]) -> dict:
    """An intent's payload: the outcomes and posted lines it stands for, as JSON-ready values."""
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
