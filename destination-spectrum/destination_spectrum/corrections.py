"""The posting engine's half for invoices that come back changed after posting (see changes.py for the rules).

`Corrections.compare` decides for a record the ledger says Spectrum holds: unchanged (skipped, as before), changed back
(posted again in the ledger), held for a person (the default), or to be corrected. `Corrections.queue` queues
the correction as two postings, each with its intent, in this order: the credit memo reversing the posted
document, then the new invoice under its revision number (for a void, the credit memo alone). Both numbers
are derived from the content, so a rerun or a run after a kill asks Spectrum for them and never posts either
twice; the new invoice is never sent when its credit memo was not taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destination_spectrum.batch import Batch
from destination_spectrum.changes import (
    Change,
    adopted,
    credit_memo,
    credit_number,
    fingerprint,
    restored,
    revision_number,
)
from destination_spectrum.documents import ReadyInvoice, ar_outcomes, detail_document
from destination_spectrum.gateway import Gateway, PostResult
from destination_spectrum.ledger import Known, Outcome, PendingDocument, PostedLine
from destination_spectrum.money import FieldError
from destination_spectrum.policy import Policy
from destination_spectrum.postings import Posting, to_payload
from destination_spectrum.records import deleted_or_void, parse_invoice

VOID_FINGERPRINT = "void"  # what a reversed (voided) posting "holds": a void record compares equal to it


class Corrections:
    def __init__(self, *, gateway: Gateway, policy: Policy):
        self.gateway, self.policy = gateway, policy

    def compare(self, known: Known, raw: Any, stream: str, tenant: str, key: str, items, batch: Batch) -> Change | None:
        """None when nothing more is to be done for this record now; a Change to correct otherwise."""
        report = batch.report
        invoice, problem = None, ""
        if isinstance(raw, Mapping):
            try:
                invoice = parse_invoice(raw, stream, items)
            except FieldError as exc:
                problem = str(exc)
        else:
            problem = "not a JSON object"
        void = deleted_or_void(raw) if isinstance(raw, Mapping) else ""
        now = VOID_FINGERPRINT if void else (fingerprint(invoice) if invoice else "")
        if now and now == known.content_fingerprint:
            if known.state == "changed_after_posting":
                batch.settle(restored(known, stream, tenant, key))
            else:
                report.already_posted += 1
            return None
        if not known.content_fingerprint and invoice is not None and not void and invoice.total == known.amount:
            # Posted before fingerprints were kept, and the total still matches: take today's content as what
            # was posted (the one comparison possible), so later edits are caught.
            report.already_posted += 1
            if not batch.dry_run:
                batch.outcomes.append(adopted(known, stream, tenant, key, now))
            return None
        change = Change(known, invoice, now, void, problem)
        number = invoice.invoice_number if invoice else key
        why = ""
        if self.policy.changed_after_posting != "correct":
            why = ""
        elif known.posting_mode == "daily_summary":
            why = (
                f"it is part of daily summary {known.spectrum_document}, which carries other tickets too: "
                f"correct that document in Spectrum by hand"
            )
        elif not known.posted_document:
            why = (
                "it was posted before this ledger kept the posted document, so the credit memo cannot be built "
                "from it: correct it in Spectrum by hand"
            )
        elif invoice is None:
            why = f"the record no longer parses ({problem}); fix it in BuildOps"
        else:
            return change  # the destination corrects it (after the usual gates)
        batch.settle(change.verdict(stream, tenant, key, change.held_reason(number, why)))
        return None

    def queue(
        self, change: Change, item: ReadyInvoice | None, stream: str, tenant: str, key: str, batch: Batch
    ) -> None:
        known, invoice = change.known, change.invoice
        report = batch.report
        prefix = batch.settings.ar_prefix
        credit_no = credit_number(prefix, known.company_code, known.spectrum_document, known.content_fingerprint)
        new_no = revision_number(prefix, tenant, key, change.new_fingerprint) if item is not None else ""
        credit = credit_memo(
            known.posted_document,
            credit_no,
            invoice.invoice_date if invoice else None,
            f"Credit for {known.spectrum_document}: BuildOps invoice {invoice.invoice_number if invoice else key} "
            f"{'voided' if change.void else 'changed'} after posting",
        )
        new_doc = detail_document(item, new_no) if item is not None else None
        found = self.gateway.ar_documents(credit.company_code, [credit_no])
        if new_doc is not None:
            found.update(self.gateway.ar_documents(new_doc.company_code, [new_no]))
        label = f"{known.spectrum_document} ({change.old_total})"
        if batch.dry_run:
            report.states["posted" if item is not None or change.void else "changed_after_posting"] += 1
            report.would_post.append(
                {
                    "source_key": key,
                    "state": "corrected",
                    "credit_memo": credit_no,
                    "reverses": label,
                    "new_invoice": new_no or None,
                }
            )
            return
        credit_state = {"ok": credit_no in found}
        if change.void:
            done = f"voided in BuildOps after posting: credit memo {credit_no} reverses {label}"
        else:
            done = (
                f"corrected after posting: credit memo {credit_no} reverses {label}; posted again as {new_no} "
                f"({change.new_total})"
            )

        def final(batch_code: str) -> tuple[list[Outcome], list[PostedLine]]:
            if new_doc is None:  # a void: the reversal is the posting; the void record compares equal to it
                return [
                    Outcome(
                        stream,
                        key,
                        tenant,
                        "posted",
                        done,
                        credit.company_code,
                        batch_code,
                        credit_no,
                        "detail",
                        amount=change.new_total,
                        content_fingerprint=VOID_FINGERPRINT,
                        posted_amount=change.new_total,
                    )
                ], []
            return ar_outcomes(new_doc, [item], "posted", done, batch_code)

        def failed(what: str) -> tuple[list[Outcome], list[PostedLine]]:
            reason = change.held_reason(invoice.invoice_number if invoice else key, what)
            return [change.verdict(stream, tenant, key, reason)], []

        if not credit_state["ok"]:
            in_progress = change.held_reason(
                invoice.invoice_number if invoice else key,
                f"correcting: credit memo {credit_no} landed, the new invoice follows",
            )
            pending_outcomes = final("")[0] if new_doc is None else [change.verdict(stream, tenant, key, in_progress)]

            def settle_credit(result: PostResult) -> tuple[list[Outcome], list[PostedLine]]:
                credit_state["ok"] = result.ok
                if not result.ok:
                    return failed(
                        f"the credit memo {credit_no} was refused by Spectrum ({result.message}); fix "
                        f"that and sync again, or correct it by hand"
                    )
                report.documents["AR credit memo"] += 1
                # With a new invoice to follow, its verdict says it all; this intent's payload (the correction in
                # progress) only matters to a recovery after a kill.
                return final(result.batch_code) if new_doc is None else ([], [])

            batch.queue.append(
                Posting(
                    PendingDocument(
                        "AR", credit.company_code, "", credit_no, f"credit:{key}", to_payload(pending_outcomes, [])
                    ),
                    lambda: self.gateway.post_ar(credit),
                    lambda: self.gateway.ar_documents(credit.company_code, [credit_no]).get(credit_no),
                    settle_credit,
                    f"AR credit memo {credit_no}",
                )
            )
        elif new_doc is None:
            batch.defer(*final(found[credit_no].batch_code))
            report.states["posted"] += 1
            return
        if new_doc is None:
            return
        if new_no in found:
            batch.defer(*final(found[new_no].batch_code))
            report.states["posted"] += 1
            report.found_in_spectrum += 1
            return
        ok_outcomes, ok_lines = final("")

        def call_new() -> PostResult:
            if not credit_state["ok"]:
                return PostResult(False, message=f"not sent: its credit memo {credit_no} was not taken")
            return self.gateway.post_ar(new_doc)

        def settle_new(result: PostResult) -> tuple[list[Outcome], list[PostedLine]]:
            if result.ok:
                report.documents["AR detail"] += 1
                return final(result.batch_code)
            if not credit_state["ok"]:
                return [], []  # the credit memo's own verdict stands
            return failed(
                f"credit memo {credit_no} reverses {label}, but the new invoice {new_no} was refused by "
                f"Spectrum ({result.message}); fix that and sync again (the credit memo is not sent twice)"
            )

        batch.queue.append(
            Posting(
                PendingDocument("AR", new_doc.company_code, "", new_no, key, to_payload(ok_outcomes, ok_lines)),
                call_new,
                lambda: self.gateway.ar_documents(new_doc.company_code, [new_no]).get(new_no),
                settle_new,
                f"AR invoice {new_no} (correction)",
            )
        )
