"""Derive the Spectrum side of the contractor from its BuildOps records and write DIR/spectrum/*.csv.

The order matters: masters first, then AR / payroll / AP (which post job cost as they go), then the
project-crew volume, then the tables whose columns summarise the others (customers, jobs, phases).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from decimal import Decimal
from pathlib import Path

from . import (
    ap,
    bo,
    cfo_truth,
    closing,
    insurance,
    job_crosswalk,
    jobcost,
    mapping,
    masters,
    overhead,
    payroll,
    progress,
    retainage,
    unbilled,
    unbilled_schedule,
    wip,
)
from .ar import POSTING_LAG_DAYS, Receivables, in_scope
from .context import Job, Run
from .writer import Tables

ANOMALY_TYPES = (
    "unmapped_pricebook_item",
    "mapping_to_missing_phase",
    "payment_status_drift",
    "routing_ambiguous",
    "double_billed",
    "unbilled_work",
    "retainage_mismatch",
    "compliance_lapsed_assignment",
    "payroll_timing_gap",
    "customer_unmatched",
    "changed_after_posting",
    "job_unmatched",
    "mapping_drift",
)


def main_tenant_only(buildops: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Spectrum is the ledger of the main tenant; a second BuildOps tenant, if present, is not posted."""
    from ..credentials import MAIN_TENANT_ID

    out = {}
    for name, records in buildops.items():
        out[name] = [r for r in records if not isinstance(r, dict) or r.get("tenantId") in (None, MAIN_TENANT_ID)]
    return out


def as_of_date(buildops: dict[str, list[dict]]) -> dt.date:
    """The last business day the BuildOps records know about."""
    latest = dt.date(2000, 1, 1)
    for invoice in buildops.get("invoices", []):
        if day := bo.to_date(invoice.get("issuedDate")):
            latest = max(latest, day)
    for sheet in buildops.get("timesheets", []):
        if day := bo.to_date(sheet.get("workDate")):
            latest = max(latest, day)
    for job in buildops.get("jobs", []):
        if day := bo.to_date(bo.pick(job, "audit.createdDateTime")):
            latest = max(latest, day)
    return latest if latest.year > 2000 else dt.date.today()


def generate(out_dir: Path, buildops: dict[str, list[dict]], seed: int, scale: float) -> dict:
    # Millions of BuildOps dicts sit in memory: the cyclic GC would rescan them over and over while the
    # JC history streams out (quadratic in practice). Nothing here makes reference cycles worth collecting.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(out_dir, buildops, seed, scale)
    finally:
        if enabled:
            gc.enable()


def _generate(out_dir: Path, buildops: dict[str, list[dict]], seed: int, scale: float) -> dict:
    started = time.perf_counter()
    out_dir = Path(out_dir)
    buildops = main_tenant_only(buildops)
    tables = Tables(out_dir / "spectrum")
    run = Run(out=out_dir, seed=seed, scale=scale, tables=tables, as_of=as_of_date(buildops), buildops=buildops)
    jobcost._sequence["n"] = 0
    masters.load_reference(run)
    masters.cost_types(run)
    masters.jobs(run)
    job_crosswalk.assign_spectrum_numbers(run)
    masters.vendors(run)
    masters.employees(run)
    masters.equipment(run)
    masters.processing_dates(run)
    mapping.build_policy(run)
    mapping.build_mapping(run)
    insurance.job_requirements(run)

    ar = Receivables(run)
    ambiguous = _pick_ambiguous_service_jobs(run)
    job_crosswalk.pick_unmatched(run, {j.buildops_id for j in ambiguous if j.buildops_id})
    ar.post_buildops_invoices()
    _post_from_both_sides(run, ar)
    progress.bill_projects(ar, ambiguous)
    _routing_truth(run, ambiguous)
    payroll.run_payroll(run)
    ap.payables(run)
    jobcost.fill_project_costs(run)
    overhead.post_overhead(run)
    unbilled.inject_follow_ups(run, mapping.UNBILLED_VISIT_DAYS)
    unbilled.visit_truth(run, mapping.UNBILLED_VISIT_DAYS, _unbilled_truth(run, ar))

    mapping.mapping_truth(run)
    job_crosswalk.unmatched_truth(run)
    crosswalk = mapping.build_crosswalk(run)
    mapping.bill_a_customer_spectrum_lacks(run)
    variants = masters.vary_customer_names(run, crosswalk)
    retainage.withhold_in_buildops_only(run)
    masters.customers(run, ar.balances)
    masters.write_jobs(run)
    masters.write_phases(run)
    mapping.drift_truth(run)
    summary = tables.close()
    mapping.write_files(run, out_dir, crosswalk, (job_crosswalk.COLUMNS, job_crosswalk.rows(run)))
    by_type = {kind: sum(1 for a in run.anomalies if a["type"] == kind) for kind in ANOMALY_TYPES}
    return {
        "spectrum": {
            **summary,
            "as_of": run.as_of.isoformat(),
            "companies": ["MEC", "FPR"],
            "anomaly_counts": by_type,
            "generation_seconds": round(time.perf_counter() - started, 2),
            "job_crosswalk": job_crosswalk.summary(run),
        },
        "anomalies": run.anomalies,
        "period_end": _period_end_truth(run, ar),
        "mapping": {"customer_links": mapping.customer_links(run), "customer_variants": variants},
    }


def _period_end_truth(run: Run, ar: Receivables) -> dict:
    periods = closing.truth(ar, run.payables, run.as_of, run.ap_invoices)
    for period, figures in periods.items():
        figures["cfo"] = cfo_truth.answers(run, ar, period)
        figures["wip"] = wip.schedule(run, ar, period)
        figures["unbilled_service_work"] = unbilled_schedule.schedule(run, period)
    return periods


def _pick_ambiguous_service_jobs(run: Run) -> list[Job]:
    """Service tickets that grew into project scope: progress billing set up on them in Spectrum."""
    with_invoices = {inv.get("jobId") for inv in run.buildops.get("invoices", []) if in_scope(inv)}
    pool = sorted(
        (
            j
            for j in run.jobs.values()
            # An umbrella's draws would be every ticket's on it: the twin makes a one-to-one job the ambiguous one.
            if j.kind == "service"
            and j.status == "A"
            and j.buildops_id in with_invoices
            and j.buildops_id not in run.umbrella_jobs
        ),
        key=lambda j: (j.company, j.number),
    )
    return run.rng("routing").sample(pool, min(3, len(pool)))


def _post_from_both_sides(run: Run, ar: Receivables) -> None:
    """Two BuildOps progress invoices on AIA jobs that someone also posted into Spectrum."""
    candidates = []
    for invoice in run.buildops.get("invoices", []):
        job = run.jobs.get(invoice.get("jobId") or "")
        issued = bo.to_date(invoice.get("issuedDate"))
        if (
            job
            and job.progress_billed
            and in_scope(invoice)
            and issued
            and (run.as_of - issued).days >= POSTING_LAG_DAYS
        ):
            candidates.append((invoice, job, issued))
    candidates.sort(key=lambda c: c[0]["id"])
    chosen = run.rng("routing/both").sample(candidates, min(2, len(candidates)))
    for invoice, job, issued in chosen:
        number = bo.spectrum_invoice_number(invoice.get("invoiceNumber"))
        if (job.company, number) in ar.numbers:
            continue
        ar.numbers.add((job.company, number))
        ar._post_one(invoice, job.company, job, issued, number, None)
        run.anomaly(
            "routing_ambiguous",
            # One anomaly per invoice billed from both sides, so the invoice is part of its key.
            {
                "company_code": job.company,
                "job_number": job.number.strip(),
                "buildops_job_id": job.buildops_id,
                "invoice_or_transaction": number,
            },
            bo.money(invoice.get("totalAmount")),
            reason="billed_from_both_sides",
            buildops_invoice_ids=[invoice["id"]],
            invoice_or_transaction=number,
        )


def _routing_truth(run: Run, ambiguous: list[Job]) -> None:
    for job in ambiguous:
        invoices = [
            inv for inv in run.buildops.get("invoices", []) if inv.get("jobId") == job.buildops_id and in_scope(inv)
        ]
        run.anomaly(
            "routing_ambiguous",
            {"company_code": job.company, "job_number": job.number.strip(), "buildops_job_id": job.buildops_id},
            sum((bo.money(i.get("totalAmount")) for i in invoices), Decimal("0.00")),
            reason="service_job_progress_billed",
            buildops_invoice_ids=sorted(i["id"] for i in invoices),
        )


def _unbilled_truth(run: Run, ar: Receivables) -> set[str]:
    """Complete BuildOps service jobs (no agreement, not on an umbrella job) with cost in Spectrum and no invoice on
    either side: the BuildOps ids of the jobs named."""
    reported = set()
    invoiced = {
        inv.get("jobId")
        for inv in run.buildops.get("invoices", [])
        if not bo.is_deleted(inv) and str(inv.get("status", "")).lower() != "void"
    }
    costs: dict[tuple[str, str], Decimal] = {}
    for (company, number, _, _), (dollars, _) in run.jtd.items():
        costs[(company, number)] = costs.get((company, number), Decimal(0)) + dollars
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number)):
        # An umbrella's cost and invoices are every ticket's on it: they say nothing about one ticket.
        if job.kind != "service" or job.buildops_status.lower() != "complete" or job.buildops_id in run.umbrella_jobs:
            continue
        if job.buildops_id in invoiced or (job.company, job.number) in ar.invoiced_jobs:
            continue
        cost = costs.get((job.company, job.number), Decimal(0))
        if cost > 0:
            reported.add(job.buildops_id)
            run.anomaly(
                "unbilled_work",
                {"company_code": job.company, "job_number": job.number.strip(), "buildops_job_id": job.buildops_id},
                cost,
            )
    return reported
