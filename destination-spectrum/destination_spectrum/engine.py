"""The posting engine: gates, numbering, exactly-once and the ledger, for one flushed batch of records.

Order for every batch (intents left by a killed run are settled first, by `recover`): skip what the ledger
already posted -> parse (malformed -> rejected) -> company, customer, routing and mapping against the job's
phase grid -> posting mode -> numbering -> ask Spectrum what it already holds under those numbers -> queue.
The queue is drained in chunks (`batch.POST_CHUNK`): intents, then the Spectrum calls, then the outcomes and
the intents' removal in one ledger transaction. Sub bills go through `payables.PayablesMixin`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from destination_spectrum import numbering
from destination_spectrum.batch import (
    POST_CHUNK,
    BatchReport,
    EngineSettings,
    Posting,
    PostingInterrupted,
    deleted_or_void,
    from_payload,
    record_key,
    to_payload,
)
from destination_spectrum.changes import Change, document_json, fingerprint
from destination_spectrum.corrections import CorrectionsMixin
from destination_spectrum.crosswalk import CustomerCrosswalk, SpectrumCustomer, VendorCrosswalk
from destination_spectrum.documents import ReadyInvoice, detail_document, summary_document
from destination_spectrum.gateway import (
    ARDocument,
    ExistingDocument,
    Gateway,
    PostResult,
    SpectrumJob,
)
from destination_spectrum.ledger import IN_SPECTRUM, Ledger, Outcome, PendingDocument, PostedLine
from destination_spectrum.mapping import CostCodeMapping
from destination_spectrum.money import FieldError
from destination_spectrum.payables import PayablesMixin
from destination_spectrum.policy import Policy
from destination_spectrum.records import Job, parse_invoice, parse_job, pick

logger = logging.getLogger("destination_spectrum")


class PostingEngine(PayablesMixin, CorrectionsMixin):
    def __init__(
        self,
        *,
        mapping: CostCodeMapping,
        policy: Policy,
        crosswalk: CustomerCrosswalk,
        gateway: Gateway,
        ledger: Ledger,
        settings: EngineSettings,
        on_document: Callable[[str, dict], None] | None = None,
        vendor_crosswalk: VendorCrosswalk | None = None,
    ):
        self.vendor_crosswalk = vendor_crosswalk
        self.mapping, self.policy, self.crosswalk = mapping, policy, crosswalk
        self.gateway, self.ledger, self.settings = gateway, ledger, settings
        self.on_document = on_document
        self._jobs: dict[tuple[str, str], Job] = {
            key: Job(key[1], number, job_type, customer, status, key[0])
            for key, (number, job_type, customer, status) in ledger.jobs().items()
        }
        self._jobs_by_id: dict[str, Job] = {job.job_id: job for job in self._jobs.values()}
        self._vendors: dict[tuple[str, str], tuple[str, str]] = {}  # (tenant, id) -> (Vendor_Code, type)
        self._spectrum_jobs: dict[tuple[str, str], SpectrumJob | None] = {}
        self._grids: dict[tuple[str, str], set[tuple[str, str]]] = {}

    # -- recovery ----------------------------------------------------------------------------------
    def recover(self) -> int:
        """Settle intents left by a run that died between a Spectrum call and its ledger write."""
        settled = 0
        for pending in self.ledger.pending():
            if pending.kind == "AR":
                found = self.gateway.ar_documents(pending.company_code, [pending.spectrum_document])
            else:
                found = self.gateway.ap_documents(
                    pending.company_code, pending.vendor_code, [pending.spectrum_document]
                )
            existing = found.get(pending.spectrum_document)
            if existing is None:
                # It never landed: forget the intent; the records are posted when they arrive again.
                self.ledger.drop_pending(pending)
                continue
            outcomes, lines = from_payload(pending.payload, existing.batch_code)
            self.ledger.record(outcomes, lines, clear_pending=pending)
            logger.info("recovered %s document %s from an interrupted run", pending.kind, pending.spectrum_document)
            settled += 1
        return settled

    # -- one batch ---------------------------------------------------------------------------------
    def process(self, records: Iterable[tuple[str, Mapping[str, Any]]]) -> BatchReport:
        report = BatchReport()
        invoices: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        items: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        bills: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        jobs: list[Job] = []
        s = self.settings
        for stream, raw in records:
            if stream in s.job_streams:
                try:
                    jobs.append(parse_job(raw))
                except FieldError as exc:
                    logger.warning("jobs record skipped: %s", exc)
            elif stream in s.vendor_streams:
                number = pick(raw, "vendorNumber", "spectrumVendorCode", "vendorCode")
                if number is not None and pick(raw, "id") is not None:
                    self._vendors[(str(pick(raw, "tenantId", default="")), str(pick(raw, "id")))] = (
                        numbering.key_code(str(number)),
                        str(pick(raw, "vendorType", "type", default="")),
                    )
            elif stream in s.invoice_item_streams:
                parent = pick(raw, "invoiceId")
                if parent is not None:
                    items[str(parent)].append(raw)
            elif stream in s.invoice_streams:
                # A record sent twice in one batch (an updated copy) counts once: the last copy wins.
                invoices[(stream, str(pick(raw, "tenantId", default="")), record_key(raw))] = raw
            elif stream in s.sub_bill_streams:
                bills[(stream, str(pick(raw, "tenantId", default="")), record_key(raw))] = raw
        self._remember(jobs)
        outcomes: list[Outcome] = []
        # Held, rejected and found-in-Spectrum outcomes are written together at the end of the batch (one
        # transaction); documents actually posted are written one by one, with their intent, as they land.
        self._deferred_outcomes: list[Outcome] = []
        self._deferred_lines: list[PostedLine] = []
        self._queue: list[Posting] = []
        try:
            ready = self._gate_invoices(invoices, items, outcomes, report)
            self._post_invoices(ready, outcomes, report)
            self._post_sub_bills(bills, outcomes, report)
            self._drain(report)
        finally:
            if self._deferred_outcomes and not self.settings.dry_run:
                self.ledger.record(self._deferred_outcomes, self._deferred_lines)
        return report

    # -- invoices ------------------------------------------------------------------------------------
    def _job(self, tenant_id: str, job_id: str) -> Job | None:
        """The job by tenant and id; ids are UUIDs, so a record that lost its tenantId still finds its job."""
        found = self._jobs.get((tenant_id, job_id))
        if found is None and job_id:
            found = self._jobs_by_id.get(job_id)
        return found

    def _remember(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._jobs[(job.tenant_id, job.job_id)] = job
            self._jobs_by_id[job.job_id] = job
        if jobs and not self.settings.dry_run:
            self.ledger.remember_jobs(
                [(j.tenant_id, j.job_id, j.job_number, j.job_type, j.customer_id, j.status) for j in jobs]
            )

    def _settle(self, outcomes: list[Outcome], report: BatchReport, outcome: Outcome) -> None:
        """Record a held/rejected outcome now (posted outcomes are recorded with their document)."""
        report.states[outcome.state] += 1
        if self.settings.dry_run:
            report.would_post.append(
                {"source_key": outcome.source_key, "state": outcome.state, "reason": outcome.reason}
            )
            return
        self._deferred_outcomes.append(outcome)

    def _spectrum_job(self, company: str, job_number: str) -> SpectrumJob | None:
        key = (company, job_number)
        if key not in self._spectrum_jobs:
            self._spectrum_jobs[key] = self.gateway.job(company, job_number) if job_number else None
        return self._spectrum_jobs[key]

    def _company(self, job_number: str, preferred: list[str]) -> str:
        """The Spectrum company holding the job (a job lives in one company); else the crosswalk's company."""
        known = sorted({*self.crosswalk.companies(), *self.policy.cost_types, *preferred})
        holding = [c for c in known if job_number and self._spectrum_job(c, job_number)]
        if len(holding) == 1:
            return holding[0]
        return next((c for c in preferred if c in holding), holding[0] if holding else (preferred or [""])[0])

    def _customer(self, company: str, ids: tuple[str, ...], name: str) -> SpectrumCustomer | None:
        """Crosswalk row for the company, else the Spectrum customer with the same normalised name."""
        if not company:
            return self.crosswalk.lookup(*ids)
        found = self.crosswalk.in_company(company, *ids)
        if found is None and name and hasattr(self.gateway, "customer_code_by_name"):
            code = self.gateway.customer_code_by_name(company, name)
            found = SpectrumCustomer(company, code) if code else None
        return found

    def _grid(self, company: str, job_number: str) -> set[tuple[str, str]]:
        key = (company, job_number)
        if key not in self._grids:
            self._grids[key] = self.gateway.phase_grid(company, job_number)
        return self._grids[key]

    def _gate_invoices(self, invoices, items, outcomes, report) -> list[ReadyInvoice]:
        by_stream: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for stream, tenant, key in invoices:
            by_stream[stream].append((tenant, key))
        known = {stream: self.ledger.known(stream, keys) for stream, keys in by_stream.items()}
        ready: list[ReadyInvoice] = []
        for (stream, tenant, key), raw in invoices.items():
            change: Change | None = None
            earlier = known[stream].get((tenant, key))
            if earlier is not None and earlier.state in IN_SPECTRUM:
                change = self._compare(earlier, raw, stream, tenant, key, items.get(key), report)
                if change is None:
                    continue  # what Spectrum holds is still what BuildOps says

            def settle(
                state: str,
                reason: str,
                company: str = "",
                amount: Decimal | None = None,
                mode: str = "",
                *,
                stream=stream,
                tenant=tenant,
                key=key,
                change=change,
            ) -> None:
                if change is not None:
                    # The correction cannot post: the record stays changed_after_posting, its document named.
                    number = change.invoice.invoice_number if change.invoice else key
                    reason = change.held_reason(number, f"the correction cannot post: {reason}")
                    self._settle(outcomes, report, change.verdict(stream, tenant, key, reason))
                    return
                self._settle(
                    outcomes,
                    report,
                    Outcome(stream, key, tenant, state, reason, company, posting_mode=mode, amount=amount),
                )

            if not isinstance(raw, Mapping):
                settle("rejected", "malformed record: not a JSON object")
                continue
            try:
                invoice = parse_invoice(raw, stream, items.get(key))
            except FieldError as exc:
                settle("rejected", f"malformed record: {exc}")
                continue
            void = deleted_or_void(raw)
            if change is not None and void:
                self._queue_correction(change, None, stream, tenant, key, report)
                continue
            if void:
                settle("held", f"not posted: invoice {invoice.invoice_number} is {void}", amount=invoice.total)
                continue
            total_problem = invoice.total_problem()
            if total_problem:
                settle("held", total_problem, amount=invoice.total)
                continue
            job = self._job(invoice.tenant_id, invoice.job_id)
            job_number = invoice.job_number or (job.job_number if job else "")
            ids = (invoice.billing_customer_id, invoice.customer_id)
            company = self._company(job_number, [c.company_code for c in self.crosswalk.candidates(*ids)])
            customer = self._customer(company, ids, invoice.customer_name)
            company = customer.company_code if customer else company
            job_type = job.job_type if job else ""
            label = f"{job_number or invoice.job_id or '(none)'} in {company}"
            spectrum_job = self._spectrum_job(company, job_number)
            route = self.policy.route(job_type, label, spectrum_job.progress_billed if spectrum_job else None)
            mode = self.policy.posting_mode(job_type) if job_type else "detail"
            if not route.post and not route.ambiguous:
                # Policy says BuildOps does not bill this job: nothing else about the invoice matters to posting.
                settle("held", route.reason, company, invoice.total, mode)
                continue
            # A job Spectrum does not know is Spectrum's to reject (with its own message), not a mapping gap.
            grid = self._grid(company, job_number) if spectrum_job else None
            mapped, problems = self.mapping.distribute(invoice.lines, company, job_type, grid, label)
            reasons = [] if route.post else [route.reason]
            if customer is None:
                reasons.append(
                    f"customer: BuildOps customer {invoice.billing_customer_id or invoice.customer_id} "
                    f"('{invoice.customer_name}') has no row in customer_crosswalk.csv for company {company or '?'} "
                    f"and no Spectrum customer of the same name; add its Company_Code and Customer_Code"
                )
            if problems:
                reasons.append("mapping: held whole, " + "; ".join(p.describe() for p in problems))
            if self.settings.companies and company not in self.settings.companies:
                reasons.append(
                    f"company: {company or '?'} is not one of this destination's companies "
                    f"({', '.join(self.settings.companies)}); add it to `companies` to post there"
                )
            if reasons or customer is None:
                settle("held", " | ".join(reasons), company, invoice.total, mode)
                continue
            item = ReadyInvoice(invoice, company, customer.customer_code, job_number, job_type, mode, tuple(mapped))
            if change is not None:
                self._queue_correction(change, item, stream, tenant, key, report)
                continue
            ready.append(item)
        return ready

    def _post_invoices(self, ready: list[ReadyInvoice], outcomes: list[Outcome], report: BatchReport) -> None:
        # What Spectrum already holds under each invoice's own number (and its truncated alias): a re-run, an
        # interrupted run or an invoice keyed by hand must be recognised, whichever mode would post it now.
        own: dict[str, tuple[str, str]] = {}
        wanted: dict[str, set[str]] = defaultdict(set)
        for item in ready:
            inv = item.invoice
            number = numbering.detail_invoice_number(
                self.settings.ar_prefix, inv.invoice_number, inv.tenant_id, inv.source_key
            )
            alias = numbering.legacy_alias(inv.invoice_number)
            own[inv.source_key] = (number, alias)
            wanted[item.company_code].update(x for x in (number, alias) if x)
        existing = self._existing(wanted)

        taken: dict[tuple[str, str], str] = {}  # (company, number) -> identity, within this batch
        groups: dict[str, list[ReadyInvoice]] = defaultdict(list)
        for item in ready:
            number, alias = own[item.invoice.source_key]
            found = existing.get((item.company_code, number)) or existing.get((item.company_code, alias))
            if item.mode == "daily_summary":
                if found is not None and _same_party(found, detail_document(item, found.number)):
                    self._record_found(detail_document(item, found.number), [item], found, report)
                else:
                    groups[item.summary_key].append(item)
                continue
            identity = item.invoice.source_key
            owner = taken.get((item.company_code, number))
            owners = self.ledger.document_owner(item.company_code, number)
            if (owner and owner != identity) or (owners and identity not in owners):
                other = owner or ", ".join(sorted(owners))
                self._hold(
                    item,
                    report,
                    f"numbering: invoice number {number} collides with BuildOps invoice {other} "
                    f"already numbered {number} in {item.company_code}; renumber one of them "
                    f"in BuildOps or set ar_prefix",
                    number,
                )
                continue
            taken[(item.company_code, number)] = identity
            document = detail_document(item, number)
            if found is None:
                alias_found = existing.get((item.company_code, alias))
                if alias_found is not None and _same_party(alias_found, document):
                    found = alias_found  # keyed earlier under the truncated number: already in Spectrum
            elif found.number != number:
                found = found if _same_party(found, document) else None
            self._post_ar(document, [item], identity, found, outcomes, report)

        summaries: list[tuple[ARDocument, list[ReadyInvoice], str]] = []
        for summary_key, tickets in sorted(groups.items()):
            tickets.sort(key=lambda t: t.invoice.source_key)
            day = tickets[0].invoice.invoice_date
            part = self.ledger.summary_parts(summary_key)
            company = tickets[0].company_code
            for salt in range(8):
                number = numbering.summary_invoice_number(summary_key, day, part, salt)
                owners = self.ledger.document_owner(company, number)
                if (taken.get((company, number)) in (None, summary_key)) and not (owners - {summary_key}):
                    break
            taken[(company, number)] = summary_key
            summaries.append((summary_document(tickets, number), tickets, summary_key))
        wanted = defaultdict(set)
        for document, _, _ in summaries:
            wanted[document.company_code].add(document.number)
        existing = self._existing(wanted)
        for document, members, identity in summaries:
            found = existing.get((document.company_code, document.number))
            self._post_ar(document, members, identity, found, outcomes, report)

    def _existing(self, wanted: Mapping[str, set[str]]) -> dict[tuple[str, str], ExistingDocument]:
        found: dict[tuple[str, str], ExistingDocument] = {}
        for company, numbers in wanted.items():
            if numbers:
                for number, doc in self.gateway.ar_documents(company, sorted(numbers)).items():
                    found[(company, number)] = doc
        return found

    def _record_found(
        self, document: ARDocument, members: list[ReadyInvoice], found: ExistingDocument, report: BatchReport
    ) -> None:
        """Ours (or keyed by hand for this very invoice) already in Spectrum: record it, never post it again."""
        reason = f"found in Spectrum as {found.number} (batch {found.batch_code or '-'}); not posted again"
        document = replace(document, number=found.number)
        new, lines = self._ar_outcomes(document, members, "posted", reason, found.batch_code)
        if self.settings.dry_run:
            report.would_post.extend({"source_key": o.source_key, "state": "posted", "reason": reason} for o in new)
        else:
            self._deferred_outcomes.extend(new)
            self._deferred_lines.extend(lines)
        report.states["posted"] += len(new)
        report.found_in_spectrum += len(new)

    def _hold(self, item: ReadyInvoice, report: BatchReport, reason: str, number: str = "") -> None:
        inv = item.invoice
        self._settle(
            [],
            report,
            Outcome(
                inv.source_stream,
                inv.source_key,
                inv.tenant_id,
                "held",
                reason,
                item.company_code,
                posting_mode=item.mode,
                amount=inv.total,
            ),
        )

    def _ar_outcomes(
        self, document: ARDocument, members: list[ReadyInvoice], state: str, reason: str, batch: str
    ) -> tuple[list[Outcome], list[PostedLine]]:
        summary = len(members) > 1 or members[0].mode == "daily_summary"
        posted = state == "posted"
        outcomes = [
            Outcome(
                m.invoice.source_stream,
                m.invoice.source_key,
                m.invoice.tenant_id,
                state,
                reason,
                document.company_code,
                batch,
                document.number if posted else "",
                m.mode,
                m.summary_key if summary else "",
                m.invoice.total,
                content_fingerprint=fingerprint(m.invoice) if posted else "",
                posted_amount=m.invoice.total if posted else None,
                posted_document=document_json(document) if posted and not summary else "",
            )
            for m in members
        ]
        lines = (
            [
                PostedLine(
                    m.invoice.source_stream,
                    m.invoice.source_key,
                    m.invoice.tenant_id,
                    line.line_no,
                    document.company_code,
                    document.number,
                    dist.phase_code,
                    dist.cost_type,
                    line.description[:60],
                    line.amount,
                )
                for m in members
                for line, dist in m.mapped
            ]
            if state == "posted"
            else []
        )
        return outcomes, lines

    def _post_ar(self, document, members, identity, found, outcomes, report) -> None:
        mode = members[0].mode
        if found is not None:
            if not _same_party(found, document):
                reason = (
                    f"numbering: Spectrum already holds invoice {document.number} in {document.company_code} "
                    f"for customer {found.customer_or_vendor} job {found.job_number or '-'} (not posted by "
                    f"this ledger); renumber or remove it in Spectrum"
                )
                for m in members:
                    self._hold(m, report, reason, document.number)
                return
            # Ours from an earlier run whose ledger write was lost: record it, never post it again.
            self._record_found(document, members, found, report)
            return
        if self.settings.dry_run:
            report.states["posted"] += len(members)
            report.documents[f"AR {mode}"] += 1
            report.would_post.append(_describe_ar(document, members))
            return
        ok_outcomes, ok_lines = self._ar_outcomes(document, members, "posted", "", "")
        pending = PendingDocument(
            "AR", document.company_code, "", document.number, identity, to_payload(ok_outcomes, ok_lines)
        )

        def settle(result: PostResult) -> tuple[list[Outcome], list[PostedLine]]:
            if result.ok:
                report.documents[f"AR {mode}"] += 1
                return self._ar_outcomes(document, members, "posted", "", result.batch_code)
            return self._ar_outcomes(document, members, "rejected", f"Spectrum: {result.message}", "")

        self._queue.append(
            Posting(
                pending,
                lambda: self.gateway.post_ar(document),
                lambda: self.gateway.ar_documents(document.company_code, [document.number]).get(document.number),
                settle,
                f"AR invoice {document.number}",
            )
        )

    # -- posting ---------------------------------------------------------------------------------------
    def _drain(self, report: BatchReport) -> None:
        """Post the queued documents in chunks: intents for a chunk in one transaction, then the calls, then
        every outcome of the chunk (and the intents' removal) in one transaction. A run killed inside a chunk
        leaves its intents; the next run asks Spectrum about each one before anything else."""
        queue, self._queue = self._queue, []
        for start in range(0, len(queue), POST_CHUNK):
            chunk = queue[start : start + POST_CHUNK]
            self.ledger.add_pending_many([p.pending for p in chunk])
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
                    if self.on_document:
                        self.on_document(
                            posting.pending.kind, {"number": posting.pending.spectrum_document, "ok": result.ok}
                        )
            finally:
                if done:
                    self.ledger.record(settled, lines, clear_pending=done)


def _same_party(found: ExistingDocument, document: ARDocument) -> bool:
    return found.customer_or_vendor.strip() == document.customer_code and (
        not found.job_number.strip() or found.job_number.strip() == document.job_number
    )


def _describe_ar(document: ARDocument, members: list[ReadyInvoice]) -> dict:
    return {
        "kind": "AR",
        "mode": members[0].mode,
        "company": document.company_code,
        "customer": document.customer_code,
        "job": document.job_number,
        "number": document.number,
        "date": document.invoice_date.isoformat(),
        "amount": str(document.amount),
        "retention": str(document.retention_amount),
        "lines": len(document.lines),
        "source_keys": [m.invoice.source_key for m in members],
    }


__all__ = ["BatchReport", "EngineSettings", "PostingEngine", "PostingInterrupted", "record_key"]
