"""Read-only pages: compliance holds, the CFO's answers and the job view for field staff."""

from __future__ import annotations

from typing import Any

from tieout_desk.warehouse import Warehouse

# The CFO's questions and the marts that answer them (transforms/README.md); a mart not built yet is left out.
CFO_QUESTIONS = (
    ("Which customers make money after overhead?", "customer_profitability", "margin_after_overhead desc", 25),
    # Alerts first: an overrun still ahead of the cost can be acted on; a locked-in one is for the record.
    (
        "Which cost codes will run over budget, while it can still be acted on?",
        "fct_cost_code_overruns",
        "overrun_alert desc, forecast_overrun desc",
        25,
    ),
    ("Do projects that start as service work earn more?", "service_to_project_conversion", "project_origin", 10),
    ("How fast does cash come back (DSO, DPO, CCC net of retainage)?", "cash_conversion_cycle", "month_start desc", 12),
    ("Which subs work a job while non-compliant?", "sub_compliance_by_project", "amount_at_risk desc", 25),
)


def holds(warehouse: Warehouse) -> dict[str, Any]:
    schema = warehouse.schema
    subs = (
        warehouse.rows(
            f"select * from {schema}.sub_compliance_by_project where not is_compliant "
            "order by amount_at_risk desc nulls last, company_code, job_number"
        )
        if warehouse.table_exists("sub_compliance_by_project")
        else []
    )
    held = (
        warehouse.rows(
            f"select source_stream, source_key, company_code, reason, amount, attempted_at "
            f"from {schema}.stg_ledger__postings where posting_state = 'held' order by attempted_at desc"
        )
        if warehouse.table_exists("stg_ledger__postings")
        else []
    )
    lapsed = warehouse.queue({"exception_type": "compliance_lapsed_assignment"})
    return {"subs": subs, "held": held, "lapsed": lapsed}


def cfo_answers(warehouse: Warehouse) -> list[dict[str, Any]]:
    out = []
    for question, mart, order, limit in CFO_QUESTIONS:
        if warehouse.table_exists(mart):
            rows = warehouse.rows(f"select * from {warehouse.schema}.{mart} order by {order} limit {limit}")
            out.append({"question": question, "mart": mart, "rows": rows})
    return out


def find_jobs(warehouse: Warehouse, q: str) -> list[dict[str, Any]]:
    pattern = f"%{q.strip()}%"
    return warehouse.rows(
        f"select company_code, job_number, job_description, job_type, billing_route, buildops_status, spectrum_status "
        f"from {warehouse.schema}.dim_jobs "
        "where job_number ilike ? or coalesce(job_description, '') ilike ? order by company_code, job_number limit 50",
        [pattern, pattern],
    )


def job_view(warehouse: Warehouse, company: str, job_number: str) -> dict[str, Any] | None:
    """The job's BuildOps work beside Spectrum's invoice status, cash applied and retainage: before calling a
    customer about an invoice, field staff see whether Spectrum already has it paid."""
    schema = warehouse.schema
    found = warehouse.rows(
        f"select * from {schema}.dim_jobs where company_code = ? and job_number = ?", [company, job_number]
    )
    if not found:
        return None
    visits = warehouse.rows(
        "select visit_number, visit_status, scheduled_date, actual_duration_minutes "
        f"from {schema}.stg_buildops__visits where job_number = ? order by scheduled_date",
        [job_number],
    )
    invoices = warehouse.rows(
        f"""select canonical_invoice_number, buildops_invoice_number, invoice_date, due_date, invoice_type,
                   buildops_status, spectrum_status, total_amount, cash_applied, balance, retainage_held,
                   last_payment_date,
                   case
                       when spectrum_status = 'paid' then 'paid in Spectrum: do not chase'
                       when spectrum_status = 'retention_held' then 'only retainage left: billed at close-out'
                       when spectrum_status = 'not_posted' then 'not in Spectrum yet'
                       when balance > 0 then 'open: ' || cast(balance as varchar) || ' to collect'
                   end as collect
            from {schema}.fct_invoices
            where (buildops_job_id is not null and buildops_job_id = ?) or (company_code = ? and job_number = ?)
            order by invoice_date, canonical_invoice_number""",
        [found[0].get("buildops_job_id"), company, job_number],
    )
    exceptions = warehouse.queue({"company_code": company}) if job_number else []
    exceptions = [e for e in exceptions if e.get("job_number") == job_number]
    totals = {
        "billed": sum(i["total_amount"] or 0 for i in invoices),
        "cash_applied": sum(i["cash_applied"] or 0 for i in invoices),
        "balance": sum(i["balance"] or 0 for i in invoices),
        "retainage_held": sum(i["retainage_held"] or 0 for i in invoices),
    }
    return {"job": found[0], "visits": visits, "invoices": invoices, "exceptions": exceptions, "totals": totals}
