"""Sub bills to AP: company, vendor, distribution (subcontract default, mapping, the job's sub phase), the
compliance gate (Status H with the reason, else O), then a queued /vendor/invoice or AddAPInvoice posting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from destination_spectrum import numbering
from destination_spectrum.batch import Batch
from destination_spectrum.crosswalk import CustomerCrosswalk, VendorCrosswalk
from destination_spectrum.gateway import APDocument, APLine, Gateway, PostResult
from destination_spectrum.ledger import Ledger, Outcome, PendingDocument, PostedLine
from destination_spectrum.lookups import Lookups
from destination_spectrum.mapping import CostCodeMapping, Distribution
from destination_spectrum.money import FieldError
from destination_spectrum.policy import ComplianceDecision, Policy
from destination_spectrum.postings import Posting, to_payload
from destination_spectrum.records import BILLED_STATUSES, Line, SubBill, deleted_or_void, parse_sub_bill


class Payables:
    def __init__(
        self,
        *,
        gateway: Gateway,
        ledger: Ledger,
        policy: Policy,
        mapping: CostCodeMapping,
        crosswalk: CustomerCrosswalk,
        vendor_crosswalk: VendorCrosswalk | None,
        lookups: Lookups,
    ):
        self.gateway, self.ledger, self.policy, self.mapping = gateway, ledger, policy, mapping
        self.crosswalk, self.vendor_crosswalk, self.lookups = crosswalk, vendor_crosswalk, lookups

    def post(self, bills: Mapping[tuple[str, str, str], Mapping[str, Any]], batch: Batch) -> None:
        """Gate each sub bill (or PO) and queue the AP document Spectrum does not already hold."""
        report = batch.report
        by_stream: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for stream, tenant, key in bills:
            by_stream[stream].append((tenant, key))
        known = {stream: self.ledger.states(stream, keys) for stream, keys in by_stream.items()}
        for (stream, tenant, key), raw in bills.items():
            if known[stream].get((tenant, key), ("", ""))[0] == "posted":
                report.already_posted += 1
                continue

            def settle(
                state: str,
                reason: str,
                company: str = "",
                amount: Decimal | None = None,
                *,
                stream=stream,
                tenant=tenant,
                key=key,
            ) -> None:
                batch.settle(Outcome(stream, key, tenant, state, reason, company, posting_mode="ap", amount=amount))

            if not isinstance(raw, Mapping):
                settle("rejected", "malformed record: not a JSON object")
                continue
            try:
                bill = parse_sub_bill(raw, stream)
            except FieldError as exc:
                settle("rejected", f"malformed record: {exc}")
                continue
            void = deleted_or_void(raw)
            if void:
                settle("held", f"not posted: bill {bill.bill_number} is {void}", amount=bill.amount)
                continue
            self._post_bill(bill, settle, batch)

    def _post_bill(self, bill: SubBill, settle, batch: Batch) -> None:
        report, settings = batch.report, batch.settings
        job = self.lookups.job(bill.tenant_id, bill.job_id)
        buildops_job_number = bill.job_number or (job.job_number if job else "")
        job_type = job.job_type if job else ""
        candidates = [c.company_code for c in self.crosswalk.candidates(job.customer_id if job else "")]
        job_number, company = buildops_job_number, bill.company_code
        if job is not None or buildops_job_number:
            # The Spectrum job the BuildOps job posts to (job_crosswalk.csv), as for invoices.
            target = self.lookups.target(job, buildops_job_number, candidates)
            if target.problem:
                settle("held", target.problem, company or (candidates or [""])[0], bill.amount)
                return
            job_number, company = target.job_number, company or target.company_code
        company = company or self.lookups.company(job_number, candidates)
        if company and settings.companies and company not in settings.companies:
            settle(
                "held",
                f"company: {company} is not one of this destination's companies "
                f"({', '.join(settings.companies)}); add it to `companies` to post there",
                company,
                bill.amount,
            )
            return
        if not company:
            settle(
                "held",
                f"company: cannot tell which Spectrum company bill {bill.bill_number} belongs to (job "
                f"{job_number or bill.job_id or '(none)'} has no crosswalked customer)",
                amount=bill.amount,
            )
            return
        vendor = self.lookups.vendors.get((bill.tenant_id, bill.vendor_id))
        vendor_code = bill.vendor_code
        if not vendor_code and self.vendor_crosswalk is not None:
            vendor_code = self.vendor_crosswalk.vendor_code(bill.vendor_id, company)
        vendor_code = vendor_code or (vendor[0] if vendor else "")
        if not vendor_code and bill.vendor_name:
            vendor_code = self.gateway.vendor_code_by_name(company, bill.vendor_name)
        if not vendor_code:
            settle(
                "held",
                f"vendor: bill {bill.bill_number} has no Spectrum vendor code for BuildOps vendor "
                f"{bill.vendor_name or bill.vendor_id or '(none)'}; sync the vendors stream (vendorNumber)",
                company,
                bill.amount,
            )
            return
        is_sub = "sub" in (bill.kind or (vendor[1] if vendor else "") or "subcontract").lower()
        if not is_sub and bill.status.lower() not in BILLED_STATUSES:
            settle(
                "held",
                f"not billed yet: {bill.kind or 'purchase'} order {bill.bill_number} is '{bill.status}' "
                f"(a materials PO becomes a vendor invoice when Fulfilled)",
                company,
                bill.amount,
            )
            return
        label = f"{job_number or '(none)'} in {company}"
        spectrum_job = self.lookups.spectrum_job(company, job_number)
        grid = self.lookups.grid(company, job_number) if spectrum_job else None
        lines = bill.lines or (Line(1, f"Bill {bill.bill_number}", bill.amount, line_item_type="Subcontract"),)
        default = None
        if is_sub:
            # The subcontract in Spectrum names its default phase x cost type: a controller codes to it.
            default = self.gateway.subcontract_default(company, vendor_code, bill.bill_number)
        if default:
            lines = tuple(
                replace(x, phase_code=x.phase_code or default[0], cost_type=x.cost_type or default[1]) for x in lines
            )
        mapped, problems = self.mapping.distribute(lines, company, job_type, grid, label)
        if problems and grid:
            # A vendor bill is coded the way a controller codes it by hand: to the job's phase that carries the
            # company's sub (or material) cost type, when the mapping gives nothing the job has.
            cost_type = self.policy.cost_types.get(company, {}).get("sub" if is_sub else "material", "")
            phases = sorted(p for p, ct in grid if ct == cost_type)
            if phases:
                fallback = Distribution(phases[0], cost_type, f"job's first {cost_type} phase")
                mapped = sorted([*mapped, *((p.line, fallback) for p in problems)], key=lambda m: m[0].line_no)
                problems = []
        if problems:
            settle("held", "mapping: held whole, " + "; ".join(p.describe() for p in problems), company, bill.amount)
            return
        if is_sub:
            facts = self.gateway.vendor_compliance(company, vendor_code, bill.bill_date, bill.bill_number)
            gate = self.policy.compliance(facts, vendor_code, bill.bill_date)
        else:
            gate = ComplianceDecision("O")
        number = numbering.ap_invoice_number(bill.bill_number, bill.tenant_id, bill.source_key)
        document = APDocument(
            company_code=company,
            vendor_code=vendor_code,
            number=number,
            invoice_date=bill.bill_date,
            due_date=bill.due_date,
            amount=sum((line.amount for line, _ in mapped), Decimal("0.00")),
            tax_amount=bill.tax_amount,
            retention_amount=bill.retention_amount,
            status=gate.status,
            lines=tuple(
                APLine(job_number, d.phase_code, d.cost_type, line.amount, line.description[:30]) for line, d in mapped
            ),
            remarks=f"BuildOps bill {bill.bill_number}"[:30],
            contract_number=bill.bill_number if default else "",  # only a subcontract Spectrum knows
        )
        hold_note = f"posted on hold (Status H): {gate.reason}" if gate.status == "H" else ""

        def outcome(state: str, reason: str, batch: str = "") -> Outcome:
            return Outcome(
                bill.source_stream,
                bill.source_key,
                bill.tenant_id,
                state,
                reason,
                company,
                batch,
                number if state == "posted" else "",
                "ap",
                "",
                bill.amount,
            )

        posted_lines = [
            PostedLine(
                bill.source_stream,
                bill.source_key,
                bill.tenant_id,
                line.line_no,
                company,
                number,
                d.phase_code,
                d.cost_type,
                line.description[:60],
                line.amount,
            )
            for line, d in mapped
        ]
        found = self.gateway.ap_documents(company, vendor_code, [number]).get(number)
        if found is not None:
            report.states["posted"] += 1
            if batch.dry_run:
                report.would_post.append(
                    {
                        "source_key": bill.source_key,
                        "state": "posted",
                        "kind": "AP",
                        "status": gate.status,
                        "reason": f"found in Spectrum; {hold_note}",
                    }
                )
            else:
                found_note = f"found in Spectrum as {found.number} (batch {found.batch_code}); not posted again"
                batch.defer(
                    [outcome("posted", found_note + (f"; {hold_note}" if hold_note else ""), found.batch_code)],
                    posted_lines,
                )
            return
        if batch.dry_run:
            report.states["posted"] += 1
            report.documents["AP"] += 1
            report.would_post.append(
                {
                    "kind": "AP",
                    "source_key": bill.source_key,
                    "company": company,
                    "vendor": vendor_code,
                    "number": number,
                    "status": gate.status,
                    "amount": str(document.amount),
                    "reason": hold_note,
                }
            )
            return
        pending = PendingDocument(
            "AP",
            company,
            vendor_code,
            number,
            bill.source_key,
            to_payload([outcome("posted", hold_note)], posted_lines),
        )

        def settle(result: PostResult) -> tuple[list[Outcome], list[PostedLine]]:
            if result.ok:
                report.documents["AP"] += 1
                return [outcome("posted", hold_note, result.batch_code)], posted_lines
            return [outcome("rejected", f"Spectrum: {result.message}")], []

        batch.queue.append(
            Posting(
                pending,
                lambda: self.gateway.post_ap(document),
                lambda: self.gateway.ap_documents(company, vendor_code, [number]).get(number),
                settle,
                f"AP invoice {number}",
            )
        )
