"""The rows of both systems behind an exception: each rule names a staging model and which of the exception's
keys (named as exceptions names them) find its rows. A rule runs only when the exception carries all its keys,
so each type shows what it is about: an invoice's BuildOps record and payments beside Spectrum's AR invoice,
open item and cash; an employee-week's timesheets beside the payroll time cards; a PO beside the vendor's
compliance documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tieout_desk.warehouse import Warehouse

ROW_LIMIT = 25


@dataclass(frozen=True)
class Rule:
    system: str  # BuildOps or Spectrum
    title: str
    model: str
    match: tuple[tuple[str, str], ...]  # (model column, exception key)


RULES = (
    Rule("BuildOps", "Invoice", "stg_buildops__invoices", (("invoice_id", "buildops_invoice_id"),)),
    Rule("BuildOps", "Invoice lines", "stg_buildops__invoice_items", (("invoice_id", "buildops_invoice_id"),)),
    Rule("BuildOps", "Payments", "stg_buildops__invoice_payments", (("invoice_id", "buildops_invoice_id"),)),
    Rule("BuildOps", "Customer", "stg_buildops__customers", (("customer_id", "buildops_customer_id"),)),
    Rule("BuildOps", "Job", "stg_buildops__jobs", (("job_id", "buildops_job_id"),)),  # numbers differ by system
    Rule("BuildOps", "Employee", "stg_buildops__employees", (("employee_id", "buildops_employee_id"),)),
    Rule(
        "BuildOps",
        "Timesheets",
        "stg_buildops__timesheets",
        (("employee_id", "buildops_employee_id"),),
    ),
    Rule(
        "BuildOps",
        "Purchase order",
        "stg_buildops__purchase_orders",
        (("purchase_order_id", "buildops_purchase_order_id"),),
    ),
    Rule("BuildOps", "Vendor", "stg_buildops__vendors", (("vendor_id", "buildops_vendor_id"),)),
    Rule(
        "Spectrum",
        "AR invoice",
        "stg_spectrum__ar_invoices",
        (("company_code", "company_code"), ("invoice_number", "invoice_or_transaction")),
    ),
    Rule(
        "Spectrum",
        "AR invoice keyed again",
        "stg_spectrum__ar_invoices",
        (("company_code", "company_code"), ("invoice_number", "duplicate_invoice_or_transaction")),
    ),
    Rule(
        "Spectrum",
        "Open item",
        "stg_spectrum__ar_open_items",
        (("company_code", "company_code"), ("invoice_number", "invoice_or_transaction")),
    ),
    Rule(
        "Spectrum",
        "Cash applied",
        "stg_spectrum__ar_payments",
        (("company_code", "company_code"), ("invoice_number", "invoice_or_transaction")),
    ),
    Rule(
        "Spectrum",
        "Customer",
        "stg_spectrum__customers",
        (("company_code", "company_code"), ("customer_code", "customer_code")),
    ),
    Rule("Spectrum", "Job", "stg_spectrum__jobs", (("company_code", "company_code"), ("job_number", "job_number"))),
    Rule(
        "Spectrum",
        "Phase x cost type on the job",
        "stg_spectrum__job_phases",
        (("company_code", "company_code"), ("job_number", "job_number"), ("phase_code", "phase_code")),
    ),
    Rule(
        "Spectrum",
        "AIA application",
        "stg_spectrum__progress_billings",
        (("company_code", "company_code"), ("job_number", "job_number"), ("application_number", "application_number")),
    ),
    Rule(
        "Spectrum",
        "Employee",
        "stg_spectrum__employees",
        (("company_code", "company_code"), ("employee_code", "employee_code")),
    ),
    Rule(
        "Spectrum",
        "Payroll time cards that week",
        "stg_spectrum__payroll_time_cards",
        (("company_code", "company_code"), ("employee_code", "employee_code"), ("period_end_date", "period_end_date")),
    ),
    Rule(
        "Spectrum",
        "Vendor",
        "stg_spectrum__vendors",
        (("company_code", "company_code"), ("vendor_code", "vendor_code")),
    ),
    Rule(
        "Spectrum",
        "Vendor compliance documents",
        "stg_spectrum__vendor_documents",
        (("company_code", "company_code"), ("vendor_code", "vendor_code")),
    ),
)


@dataclass(frozen=True)
class Found:
    system: str
    title: str
    model: str
    rows: list[dict[str, Any]]


def rows_behind(warehouse: Warehouse, exception: dict[str, Any]) -> list[Found]:
    """Every rule whose keys the exception carries, with the rows it finds (an empty list says: none there)."""
    found = []
    for rule in RULES:
        values = [exception.get(key) for _, key in rule.match]
        if any(v in (None, "") for v in values) or not warehouse.table_exists(rule.model):
            continue
        where = " and ".join(f"cast({column} as varchar) = ?" for column, _ in rule.match)
        rows = warehouse.rows(
            f"select * from {warehouse.schema}.{rule.model} where {where} limit {ROW_LIMIT}",
            [str(v) for v in values],
        )
        found.append(Found(rule.system, rule.title, rule.model, rows))
    return found
