"""The files humans maintain beside Spectrum: cost code mapping, crosswalks and policy.yml.

Gaps are deliberate and each one has a rule that finds it (SPECTRUM.md "Anomalies"):
- about 3% of part products have no product_code row (-> unmapped_pricebook_item where nothing else matches);
- two used products per company map to phase 250, on no job's grid (-> mapping_to_missing_phase);
- an active product with no row that no live invoice has used yet (-> mapping_drift, before revenue flows);
- about 20% of customer pairs are not in the crosswalk (matched by name); three are renamed in Spectrum
  and have no crosswalk row (-> customer_unmatched).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import yaml

from . import bo
from .ar import in_scope
from .catalog import COMPANIES, COST_TYPES
from .context import Run
from .overhead import OVERHEAD_ACCOUNTS

MAPPING_COLUMNS = ["company_code", "match_type", "match_value", "job_type", "phase_code", "cost_type", "note"]
SERVICE_DEFAULT_JOB_TYPES = {"Preventive Maintenance": "MEC", "Fire Inspection": "FPR"}
CUSTOMER_SEGMENTS = {
    "Commercial": "commercial",
    "Retail": "commercial",
    "Healthcare": "commercial",
    "Property Management": "commercial",
    "Industrial": "industrial",
    "Government": "institutional",
    "Education": "institutional",
}
POSTING_MODES = {"Preventive Maintenance": "daily_summary", "Fire Inspection": "daily_summary"}


def product_company(code: str) -> tuple[str, ...]:
    upper = code.upper()
    if upper.startswith(("FEE-", "DISC-")):
        return COMPANIES
    if upper.startswith(("FP-", "FA-", "LAB-FP", "LAB-FA")):
        return ("FPR",)
    return ("MEC",)


PAYROLL_CUTOFF_DAYS = 5
UNBILLED_VISIT_DAYS = 5


def build_policy(run: Run) -> dict:
    names = sorted({j.job_type for j in run.jobs.values()} | set(run.job_types.values()))
    progress = [n for n in names if bo.is_project_job_type(n)]
    run.policy = {
        "as_of": run.as_of.isoformat(),
        "routing": {
            "progress_billed_job_types": progress,
            "job_type_overrides": {},
            "ambiguous": "hold",
        },
        "compliance": {"require_coi": True, "require_lien_waiver": True, "require_w9": True, "coi_grace_days": 10},
        "posting": {
            "default_mode": "detail",
            "modes": {n: POSTING_MODES.get(n, "detail") for n in names if n not in progress},
        },
        "companies": {c: {"cost_types": COST_TYPES[c]} for c in COMPANIES},
        # The close's windows (transforms' exception rules): payroll by period end + 5 days, a completed visit
        # on an invoice within 5 days.
        "close": {"payroll_cutoff_days": PAYROLL_CUTOFF_DAYS, "unbilled_visit_days": UNBILLED_VISIT_DAYS},
        "cfo": {
            # BuildOps customerType -> the segment dim_customers carries; a type not listed is default_segment.
            "segments": dict(CUSTOMER_SEGMENTS),
            "default_segment": "unassigned",
            "profitability": {"segment": "commercial", "months": 12},
            "overhead": {"gl_accounts": list(OVERHEAD_ACCOUNTS), "allocation_base": "labor_hours"},
            # A project counts as converted after a visit when it is created on the visit's property at most
            # this many days after a visit that recommended work.
            "conversion": {"window_days": 180},
            # Q2 alerts a cost code's forecast overrun of at least this many dollars and this fraction of budget.
            "overruns": {"min_amount": 1000.00, "min_percent": 0.05},
        },
    }
    return run.policy


def build_mapping(run: Run) -> None:
    rng = run.rng("mapping")
    rows: list[dict] = []
    parts = sorted(
        code for code, p in run.products.items() if str(p.get("productType", "")) in ("Part", "Material", "Equipment")
    )
    dropped = set(rng.sample(parts, max(1, len(parts) * 3 // 100))) if parts else set()
    used = _used_products(run)
    missing_phase: set[tuple[str, str]] = set()
    for company in COMPANIES:
        # The two least-used parts: a rarely touched mapping row is the one nobody notices is wrong.
        pool = sorted(
            (count, code)
            for code, count in used.get(company, {}).items()
            if code in run.products
            and code not in dropped
            and str(run.products[code].get("productType")) in ("Part", "Material")
        )
        missing_phase |= {(company, code) for _, code in pool[:2]}
    for code in sorted(run.products):
        product = run.products[code]
        kind = str(product.get("productType", ""))
        for company in product_company(code):
            types = COST_TYPES[company]
            if code in dropped:
                continue
            if (company, code) in missing_phase:
                phase, category, note = "250", "material", "Specialty parts"
            elif kind == "Labor":
                phase, category, note = "100", "labor", ""
            elif kind in ("Fee", "Discount"):
                phase, category, note = "900", "other", ""
            else:
                phase, category, note = "200", "material", ""
            rows.append(
                {
                    "company_code": company,
                    "match_type": "product_code",
                    "match_value": code,
                    "job_type": "",
                    "phase_code": phase,
                    "cost_type": types[category],
                    "note": note,
                }
            )
    for company in COMPANIES:
        types = COST_TYPES[company]
        rows.append(
            {
                "company_code": company,
                "match_type": "line_item_type",
                "match_value": "LaborLineItem",
                "job_type": "",
                "phase_code": "100",
                "cost_type": types["labor"],
                "note": "",
            }
        )
        rows.append(
            {
                "company_code": company,
                "match_type": "line_item_type",
                "match_value": "Fee",
                "job_type": "",
                "phase_code": "900",
                "cost_type": types["other"],
                "note": "",
            }
        )
        rows.append(
            {
                "company_code": company,
                "match_type": "line_item_type",
                "match_value": "Discount",
                "job_type": "",
                "phase_code": "900",
                "cost_type": types["other"],
                "note": "",
            }
        )
    for job_type, company in SERVICE_DEFAULT_JOB_TYPES.items():
        rows.append(
            {
                "company_code": company,
                "match_type": "job_type_default",
                "match_value": "",
                "job_type": job_type,
                "phase_code": "200",
                "cost_type": COST_TYPES[company]["material"],
                "note": "Agreement visits: everything else to parts",
            }
        )
    run.mapping_rows = rows


def _used_products(run: Run) -> dict[str, dict[str, int]]:
    used: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Usage is BuildOps' own: a job left out of the job crosswalk still uses its parts.
    for invoice, job in _scoped_invoices(run, unmatched=True):
        for item in invoice.get("invoiceItems") or []:
            code = bo.pick(item, "product.code")
            if code:
                used[job.company][str(code)] += 1
    return used


def _scoped_invoices(run: Run, *, unmatched: bool = False):
    """In-scope BuildOps invoices on Spectrum jobs that BuildOps bills (not progress-billed job types); a job
    job_crosswalk.csv leaves out reaches no Spectrum job, so its invoices only count when `unmatched`."""
    progress = set(run.policy["routing"]["progress_billed_job_types"])
    for invoice in run.buildops.get("invoices", []):
        job = run.jobs.get(invoice.get("jobId") or "")
        reachable = unmatched or (job is not None and job.buildops_id not in run.unmatched_jobs)
        if job and in_scope(invoice) and job.job_type not in progress and reachable:
            yield invoice, job


def mapping_index(rows: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    index: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in rows:
        index[(row["company_code"], row["match_type"], row["match_value"])].append(row)
    return index


def resolve(index: dict, company: str, item: dict, job_type: str) -> dict | None:
    """First match wins: product_code, then line_item_type (job_type blank = any job type), then
    job_type_default for the job's type."""
    code = str(bo.pick(item, "product.code", default=""))
    line_type = str(item.get("lineItemType") or "")
    for match_type, value in (("product_code", code), ("line_item_type", line_type)):
        if value:
            for row in index.get((company, match_type, value), ()):
                if row["job_type"] in ("", job_type):
                    return row
    for row in index.get((company, "job_type_default", ""), ()):
        if row["job_type"] == job_type:
            return row
    return None


def mapping_truth(run: Run) -> None:
    index = mapping_index(run.mapping_rows)
    unmapped: dict[tuple[str, str | None], list] = defaultdict(lambda: [Decimal("0.00"), set()])
    missing: dict[tuple[str, str, str, str], list] = defaultdict(lambda: [Decimal("0.00"), set(), set()])
    for invoice, job in _scoped_invoices(run):
        for item in invoice.get("invoiceItems") or []:
            row = resolve(index, job.company, item, job.job_type)
            amount = bo.money(item.get("amount"))
            if row is None:
                slot = unmapped[(job.company, bo.pick(item, "product.code"))]
                slot[0] += amount
                slot[1].add(invoice["id"])
            elif (row["phase_code"], row["cost_type"]) not in job.grid:
                slot = missing[(job.company, job.number.strip(), row["phase_code"], row["cost_type"])]
                slot[0] += amount
                slot[1].add(invoice["id"])
                slot[2].add(f"{row['match_type']}:{row['match_value']}")
    for (company, code), (amount, invoices) in sorted(unmapped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        run.anomaly(
            "unmapped_pricebook_item",
            {"company_code": company, "product_code": code},
            amount,
            system="mapping",
            buildops_invoice_ids=sorted(invoices),
        )
    for (company, job_number, phase, cost_type), (amount, invoices, rules) in sorted(missing.items()):
        run.anomaly(
            "mapping_to_missing_phase",
            {"company_code": company, "job_number": job_number, "phase_code": phase, "cost_type": cost_type},
            amount,
            system="mapping",
            mapping_rows=sorted(rules),
            buildops_invoice_ids=sorted(invoices),
        )


def drift_truth(run: Run) -> None:
    """mapping_drift: an active pricebook product with no product_code row in any company that no live BuildOps
    invoice has used yet, one per company it is sold in (product_company, the rule build_mapping maps by);
    nothing is at stake. Runs after every step that adds or edits BuildOps invoices. Once a live invoice uses
    the product, unmapped_pricebook_item (mapping_truth) owns it instead."""
    mapped = {r["match_value"] for r in run.mapping_rows if r["match_type"] == "product_code"}
    used = {
        str(bo.pick(item, "product.code")).upper()
        for invoice in run.buildops.get("invoices", [])
        if in_scope(invoice)
        for item in invoice.get("invoiceItems") or []
        if bo.pick(item, "product.code")
    }
    for code in sorted(run.products):
        product = run.products[code]
        if not product.get("isActive") or code.strip().upper() in used or code in mapped:
            continue
        for company in product_company(code):
            run.anomaly(
                "mapping_drift",
                {"company_code": company, "product_code": code.strip()},
                Decimal("0.00"),
                system="mapping",
            )


def normalized_name(name: str) -> str:
    """The name rule shared with transforms: first 30 characters, uppercase, A-Z and 0-9 only."""
    return re.sub(r"[^A-Z0-9]", "", str(name)[:30].upper())


def build_crosswalk(run: Run) -> list[dict]:
    """Pick customer pairs left out of the crosswalk; rename three of them in Spectrum (customer_unmatched)."""
    rng = run.rng("crosswalk")
    counts: dict[str, int] = defaultdict(int)
    for customer in run.buildops.get("customers", []):
        counts[normalized_name(customer.get("name", ""))] += 1
    rows, unlisted = [], []
    for (company, customer_id), code in sorted(run.customer_codes.items()):
        name = run.customer_names[(company, code)]
        unique = counts.get(normalized_name(name), 0) == 1
        if unique and rng.random() < 0.2:
            unlisted.append((company, customer_id, code))
            continue
        rows.append({"buildops_customer_id": customer_id, "company_code": company, "customer_code": code})
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for invoice, job in _scoped_invoices(run):
        totals[(job.company, bo.pick(invoice, "billingCustomerId", "customerId"))] += bo.money(
            invoice.get("totalAmount")
        )
    billed = [u for u in unlisted if totals.get((u[0], u[1]), 0) > 0]
    for company, customer_id, code in rng.sample(billed, min(3, len(billed))):
        old = run.customer_names[(company, code)]
        run.customer_names[(company, code)] = f"{old.split(' ')[0]} ACCTS PAYABLE DEPT"[:30].upper()
        run.anomaly(
            "customer_unmatched",
            {"buildops_customer_id": customer_id, "company_code": company, "customer_code": code},
            totals[(company, customer_id)],
            buildops_name=old,
            spectrum_name=run.customer_names[(company, code)],
        )
    return rows


def customer_links(run: Run) -> list[dict]:
    """Every true BuildOps customer -> Spectrum customer link, the crosswalk's rows and the ones it leaves out:
    what the mapping assistant's customer suggestions are scored against."""
    return [
        {"buildops_customer_id": customer_id, "company_code": company, "customer_code": code}
        for (company, customer_id), code in sorted(run.customer_codes.items())
        if customer_id != "UNKNOWN"
    ]


def bill_a_customer_spectrum_lacks(run: Run) -> None:
    """customer_unmatched from the BuildOps side: one unposted BuildOps invoice re-pointed at a billing customer
    that has no Spectrum customer in the invoice's company (no crosswalk row, code or name can tie it there), so
    it cannot post. Runs after AR and the crosswalk, so nothing Spectrum holds changes. Own random stream."""
    customers = {c["id"]: c for c in run.buildops.get("customers", []) if c.get("id") and not bo.is_deleted(c)}
    candidates = []
    for invoice in run.buildops.get("invoices", []):
        job = run.jobs.get(invoice.get("jobId") or "")
        company = run.departments.get(invoice.get("departmentId") or "", ("", ""))[0]
        if (
            job
            and company
            and not job.progress_billed
            and in_scope(invoice)
            and invoice["id"] not in run.posted_invoices
            and bo.money(invoice.get("totalAmount")) > 0
        ):
            candidates.append((invoice["id"], company, invoice))
    rng = run.rng("crosswalk/buildops_side")
    for _, company, invoice in rng.sample(sorted(candidates, key=lambda c: c[0]), min(1, len(candidates))):
        strangers = sorted(cid for cid in customers if (company, cid) not in run.customer_codes)
        if not strangers:
            continue
        stranger = rng.choice(strangers)
        invoice["billingCustomerId"] = stranger
        run.anomaly(
            "customer_unmatched",
            {"buildops_customer_id": stranger, "company_code": company},
            bo.money(invoice.get("totalAmount")),
            reason="buildops_customer_without_spectrum_customer",
            buildops_invoice_ids=[invoice["id"]],
        )


def write_files(run: Run, out_dir: Path, crosswalk: list[dict], job_crosswalk: tuple[list[str], list[dict]]) -> None:
    """The mapping/ files; `job_crosswalk` is (columns, rows) of job_crosswalk.csv (job_crosswalk.py builds it
    from this module's mapping, so this module does not import it back)."""
    mapping_dir = out_dir / "mapping"
    mapping_dir.mkdir(parents=True, exist_ok=True)
    _csv(mapping_dir / "cost_code_mapping.csv", MAPPING_COLUMNS, run.mapping_rows)
    _csv(mapping_dir / "customer_crosswalk.csv", ["buildops_customer_id", "company_code", "customer_code"], crosswalk)
    _csv(mapping_dir / "job_crosswalk.csv", *job_crosswalk)
    _csv(
        mapping_dir / "vendor_crosswalk.csv",
        ["buildops_vendor_id", "company_code", "vendor_code"],
        [
            {"buildops_vendor_id": vid, "company_code": c, "vendor_code": v.code}
            for (c, vid), v in sorted(run.vendors.items(), key=lambda kv: (kv[0][0], kv[1].code))
        ],
    )
    _csv(
        mapping_dir / "employee_crosswalk.csv",
        ["buildops_employee_id", "company_code", "employee_code"],
        [
            {"buildops_employee_id": eid, "company_code": e.company, "employee_code": e.code}
            for eid, e in sorted(run.employees.items(), key=lambda kv: (kv[1].company, kv[1].code))
        ],
    )
    (out_dir / "policy.yml").write_text(
        "# Routing + compliance policy: humans set policy, connectors execute (docs/ARCHITECTURE.md).\n"
        + yaml.safe_dump(run.policy, sort_keys=False),
        encoding="utf-8",
    )


def _csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
