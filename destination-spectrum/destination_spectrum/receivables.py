"""AR invoices: gate each one (void, totals, company, customer, routing, mapping against the job's phase grid),
number what passes (detail or daily summary), ask Spectrum what it already holds under those numbers, and queue
the rest for the posting queue. Invoices changed after posting go to `corrections.Corrections`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from destination_spectrum import numbering
from destination_spectrum.batch import Batch
from destination_spectrum.changes import Change
from destination_spectrum.corrections import Corrections
from destination_spectrum.crosswalk import CustomerCrosswalk, SpectrumCustomer
from destination_spectrum.documents import ReadyInvoice, ar_outcomes, detail_document, summary_document
from destination_spectrum.gateway import ARDocument, ExistingDocument, Gateway, PostResult
from destination_spectrum.ledger import IN_SPECTRUM, Ledger, Outcome, PendingDocument, PostedLine
from destination_spectrum.lookups import Lookups
from destination_spectrum.mapping import CostCodeMapping
from destination_spectrum.money import FieldError
from destination_spectrum.policy import Policy
from destination_spectrum.postings import Posting, to_payload
from destination_spectrum.records import deleted_or_void, parse_invoice

# (stream, tenant, key) -> the latest copy of the record in this batch
Invoices = Mapping[tuple[str, str, str], Mapping[str, Any]]


class Receivables:
    def __init__(
        self,
        *,
        gateway: Gateway,
        ledger: Ledger,
        policy: Policy,
        mapping: CostCodeMapping,
        crosswalk: CustomerCrosswalk,
        lookups: Lookups,
        corrections: Corrections,
    ):
        self.gateway, self.ledger, self.policy, self.mapping = gateway, ledger, policy, mapping
        self.crosswalk, self.lookups, self.corrections = crosswalk, lookups, corrections

    def _customer(self, company: str, ids: tuple[str, ...], name: str) -> SpectrumCustomer | None:
        """Crosswalk row for the company, else the Spectrum customer with the same normalised name."""
        if not company:
            return self.crosswalk.lookup(*ids)
        found = self.crosswalk.in_company(company, *ids)
        if found is None and name:
            code = self.gateway.customer_code_by_name(company, name)
            found = SpectrumCustomer(company, code) if code else None
        return found

    def gate(self, invoices: Invoices, items: Mapping[str, list], batch: Batch) -> list[ReadyInvoice]:
        """The invoices ready to number; every other one is settled (held or rejected) or queued as a correction."""
        settings = batch.settings
        by_stream: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for stream, tenant, key in invoices:
            by_stream[stream].append((tenant, key))
        known = {stream: self.ledger.known(stream, keys) for stream, keys in by_stream.items()}
        ready: list[ReadyInvoice] = []
        for (stream, tenant, key), raw in invoices.items():
            change: Change | None = None
            earlier = known[stream].get((tenant, key))
            if earlier is not None and earlier.state in IN_SPECTRUM:
                change = self.corrections.compare(earlier, raw, stream, tenant, key, items.get(key), batch)
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
                    batch.settle(change.verdict(stream, tenant, key, reason))
                    return
                batch.settle(Outcome(stream, key, tenant, state, reason, company, posting_mode=mode, amount=amount))

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
                self.corrections.queue(change, None, stream, tenant, key, batch)
                continue
            if void:
                settle("held", f"not posted: invoice {invoice.invoice_number} is {void}", amount=invoice.total)
                continue
            total_problem = invoice.total_problem()
            if total_problem:
                settle("held", total_problem, amount=invoice.total)
                continue
            job = self.lookups.job(invoice.tenant_id, invoice.job_id)
            buildops_job_number = invoice.job_number or (job.job_number if job else "")
            ids = (invoice.billing_customer_id, invoice.customer_id)
            candidates = [c.company_code for c in self.crosswalk.candidates(*ids)]
            job_type = job.job_type if job else ""
            mode = self.policy.posting_mode(job_type) if job_type else "detail"
            # The Spectrum job (job_crosswalk.csv): a project's own number, or the umbrella a ticket posts to.
            target = self.lookups.target(job, buildops_job_number, candidates)
            if target.problem:
                settle("held", target.problem, (candidates or [""])[0], invoice.total, mode)
                continue
            job_number = target.job_number
            company = target.company_code
            customer = self._customer(company, ids, invoice.customer_name)
            company = customer.company_code if customer else company
            label = f"{job_number or invoice.job_id or '(none)'} in {company}"
            if job_number != buildops_job_number:
                label = f"{label} (BuildOps job {buildops_job_number or invoice.job_id or '(none)'})"
            spectrum_job = self.lookups.spectrum_job(company, job_number)
            route = self.policy.route(job_type, label, spectrum_job.progress_billed if spectrum_job else None)
            if not route.post and not route.ambiguous:
                # Policy says BuildOps does not bill this job: nothing else about the invoice matters to posting.
                settle("held", route.reason, company, invoice.total, mode)
                continue
            # A job Spectrum does not know is Spectrum's to reject (with its own message), not a mapping gap.
            grid = self.lookups.grid(company, job_number) if spectrum_job else None
            mapped, problems = self.mapping.distribute(
                invoice.lines, company, job_type, grid, label, phase_code=target.phase_code
            )
            reasons = [] if route.post else [route.reason]
            if customer is None:
                reasons.append(
                    f"customer: BuildOps customer {invoice.billing_customer_id or invoice.customer_id} "
                    f"('{invoice.customer_name}') has no row in customer_crosswalk.csv for company {company or '?'} "
                    f"and no Spectrum customer of the same name; add its Company_Code and Customer_Code"
                )
            if problems:
                reasons.append("mapping: held whole, " + "; ".join(p.describe() for p in problems))
            if settings.companies and company not in settings.companies:
                reasons.append(
                    f"company: {company or '?'} is not one of this destination's companies "
                    f"({', '.join(settings.companies)}); add it to `companies` to post there"
                )
            if reasons or customer is None:
                settle("held", " | ".join(reasons), company, invoice.total, mode)
                continue
            item = ReadyInvoice(invoice, company, customer.customer_code, job_number, job_type, mode, tuple(mapped))
            if change is not None:
                self.corrections.queue(change, item, stream, tenant, key, batch)
                continue
            ready.append(item)
        return ready

    def post(self, ready: list[ReadyInvoice], batch: Batch) -> None:
        """Number the ready invoices and queue each document Spectrum does not already hold."""
        # What Spectrum already holds under each invoice's own number (and its truncated alias): a re-run, an
        # interrupted run or an invoice keyed by hand must be recognised, whichever mode would post it now.
        own: dict[str, tuple[str, str]] = {}
        wanted: dict[str, set[str]] = defaultdict(set)
        for item in ready:
            inv = item.invoice
            number = numbering.detail_invoice_number(
                batch.settings.ar_prefix, inv.invoice_number, inv.tenant_id, inv.source_key
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
                    self._record_found(detail_document(item, found.number), [item], found, batch)
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
                    batch,
                    f"numbering: invoice number {number} collides with BuildOps invoice {other} "
                    f"already numbered {number} in {item.company_code}; renumber one of them "
                    f"in BuildOps or set ar_prefix",
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
            self._post_ar(document, [item], identity, found, batch)

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
            self._post_ar(document, members, identity, found, batch)

    def _existing(self, wanted: Mapping[str, set[str]]) -> dict[tuple[str, str], ExistingDocument]:
        found: dict[tuple[str, str], ExistingDocument] = {}
        for company, numbers in wanted.items():
            if numbers:
                for number, doc in self.gateway.ar_documents(company, sorted(numbers)).items():
                    found[(company, number)] = doc
        return found

    def _record_found(
        self, document: ARDocument, members: list[ReadyInvoice], found: ExistingDocument, batch: Batch
    ) -> None:
        """Ours (or keyed by hand for this very invoice) already in Spectrum: record it, never post it again."""
        reason = f"found in Spectrum as {found.number} (batch {found.batch_code or '-'}); not posted again"
        document = replace(document, number=found.number)
        new, lines = ar_outcomes(document, members, "posted", reason, found.batch_code)
        report = batch.report
        if batch.dry_run:
            report.would_post.extend({"source_key": o.source_key, "state": "posted", "reason": reason} for o in new)
        else:
            batch.defer(new, lines)
        report.states["posted"] += len(new)
        report.found_in_spectrum += len(new)

    def _hold(self, item: ReadyInvoice, batch: Batch, reason: str) -> None:
        inv = item.invoice
        batch.settle(
            Outcome(
                inv.source_stream,
                inv.source_key,
                inv.tenant_id,
                "held",
                reason,
                item.company_code,
                posting_mode=item.mode,
                amount=inv.total,
            )
        )

    def _post_ar(
        self,
        document: ARDocument,
        members: list[ReadyInvoice],
        identity: str,
        found: ExistingDocument | None,
        batch: Batch,
    ) -> None:
        mode = members[0].mode
        report = batch.report
        if found is not None:
            if not _same_party(found, document):
                reason = (
                    f"numbering: Spectrum already holds invoice {document.number} in {document.company_code} "
                    f"for customer {found.customer_or_vendor} job {found.job_number or '-'} (not posted by "
                    f"this ledger); renumber or remove it in Spectrum"
                )
                for m in members:
                    self._hold(m, batch, reason)
                return
            # Ours from an earlier run whose ledger write was lost: record it, never post it again.
            self._record_found(document, members, found, batch)
            return
        if batch.dry_run:
            report.states["posted"] += len(members)
            report.documents[f"AR {mode}"] += 1
            report.would_post.append(_describe_ar(document, members))
            return
        ok_outcomes, ok_lines = ar_outcomes(document, members, "posted", "", "")
        pending = PendingDocument(
            "AR", document.company_code, "", document.number, identity, to_payload(ok_outcomes, ok_lines)
        )

        def settle(result: PostResult) -> tuple[list[Outcome], list[PostedLine]]:
            if result.ok:
                report.documents[f"AR {mode}"] += 1
                return ar_outcomes(document, members, "posted", "", result.batch_code)
            return ar_outcomes(document, members, "rejected", f"Spectrum: {result.message}", "")

        batch.queue.append(
            Posting(
                pending,
                lambda: self.gateway.post_ar(document),
                lambda: self.gateway.ar_documents(document.company_code, [document.number]).get(document.number),
                settle,
                f"AR invoice {document.number}",
            )
        )


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
