"""What posted history says: BuildOps invoice lines tied to the Spectrum documents they became.

The tie is the canonical invoice number (transforms' macro canonical_invoice_number: upper-cased, only A-Z,
0-9 and '-', the last 10 characters), the number destination-spectrum posts a detail invoice under and the
one earlier integrations keyed by hand. From it:
- each billed line gets the Spectrum company and job its AR invoice landed on (ar_invoices);
- each job cost row filed under that invoice (JC_TRANSACTION_HISTORY_MC: Reference_1 or Invoice_Number;
  UNVERIFIED which of the two a real install's billing rows fill, so both are read) is
  tied to the line it came from, by Item_Code where the table has that column (real Spectrum does; the twin
  does not yet), else by the 30-character description and the quantity; the row's Phase_Code x Cost_Type is
  a vote for the line's pricebook item. A row whose amount equals the line's amount or its cost (unit cost x
  quantity) counts as agreeing on the amount too, which the evidence shows.
- each AR invoice's Customer_Code is a vote for the BuildOps billing customer of the invoice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .warehouse import Warehouse


def canonical(expr: str) -> str:
    """The canonical invoice number in DuckDB SQL (the same rule as transforms' macro)."""
    return f"right(regexp_replace(upper(trim(cast({expr} as varchar))), '[^A-Z0-9-]', '', 'g'), 10)"


@dataclass
class ItemHistory:
    """One pricebook item in one Spectrum company."""

    company: str
    product_code: str
    billed_lines: int = 0
    jobs: set[str] = field(default_factory=set)
    cells: Counter = field(default_factory=Counter)  # (phase, cost type) -> job cost rows tied to the item
    amount_agrees: Counter = field(default_factory=Counter)  # (phase, cost type) -> rows agreeing on amount


@dataclass
class History:
    items: dict[tuple[str, str], ItemHistory]
    # (company, customer code) -> Counter of BuildOps billing customer ids, one per posted invoice
    customer_votes: dict[tuple[str, str], Counter]
    # company -> (phase, cost type) -> jobs whose phase grid has the cell
    grid: dict[str, Counter]
    # (company, job) -> its grid cells, for the jobs a line was billed on
    job_grid: dict[tuple[str, str], set[tuple[str, str]]]


def load_history(wh: Warehouse) -> History:
    bo, sp = wh.bo, wh.sp
    has_item_code = wh.has_column(sp, "job_cost_transactions", "item_code")
    posted = f"""
        with bo_invoices as (
            select id, {canonical("invoicenumber")} as number,
                   coalesce(billingcustomerid, customerid) as customer_id
            from {bo}.invoices
            where invoicenumber is not null
        ),
        sp_invoices as (
            select distinct trim(company_code) as company, trim(invoice_or_transaction) as number,
                   trim(customer_code) as customer_code, trim(coalesce(job_number, '')) as job
            from {sp}.ar_invoices
        )
        select b.id as invoice_id, b.customer_id, s.company, s.number, s.customer_code, s.job
        from bo_invoices as b
        inner join sp_invoices as s on s.number = b.number
    """
    wh.con.execute(f"create or replace temp table posted as {posted}")
    customer_votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for company, code, customer_id, n in wh.con.execute(
        "select company, customer_code, customer_id, count(*) from posted where customer_id is not null group by all"
    ).fetchall():
        customer_votes[(company, code)][customer_id] += n

    lines = f"""
        select p.company, p.job, p.number, p.invoice_id,
               trim(json_extract_string(i.product, '$.code')) as product_code,
               upper(left(trim(coalesce(i.name, '')), 30)) as name30,
               cast(i.quantity as decimal(18, 4)) as quantity,
               cast(i.amount as decimal(18, 2)) as amount,
               cast(round(cast(pb.unitcost as decimal(18, 4)) * cast(i.quantity as decimal(18, 4)), 2)
                    as decimal(18, 2)) as cost
        from {bo}.invoice_items as i
        inner join posted as p on p.invoice_id = i.invoiceid
        left join (select distinct on (code) code, unitcost from {bo}.pricebook_items order by code) as pb
            on pb.code = json_extract_string(i.product, '$.code')
        where json_extract_string(i.product, '$.code') is not null
    """
    wh.con.execute(f"create or replace temp table billed as {lines}")
    items: dict[tuple[str, str], ItemHistory] = {}
    for company, code, job, n in wh.con.execute(
        "select company, product_code, job, count(*) from billed group by all"
    ).fetchall():
        entry = items.setdefault((company, code), ItemHistory(company, code))
        entry.billed_lines += n
        if job:
            entry.jobs.add(job)

    tie = (
        "upper(trim(j.item_code)) = upper(b.product_code)"
        if has_item_code
        else "upper(trim(coalesce(j.description, ''))) = b.name30 "
        "and cast(j.quantity as decimal(18, 4)) is not distinct from b.quantity"
    )
    tied = f"""
        with jc as (
            select trim(company_code) as company, trim(job_number) as job, trim(phase_code) as phase,
                   trim(cost_type) as cost_type, trim(coalesce(reference_1, '')) as reference,
                   trim(coalesce(invoice_number, '')) as invoice_number, description, quantity,
                   {"item_code," if has_item_code else ""}
                   cast(tran_amount as decimal(18, 2)) as amount
            from {sp}.job_cost_transactions
        ),
        matched as (
            select distinct j.company, j.phase, j.cost_type, b.product_code, j.job, j.reference, j.amount,
                   j.amount = b.amount or j.amount = b.cost as amount_agrees
            from jc as j
            inner join billed as b
                on b.company = j.company and b.number in (j.reference, j.invoice_number)
                and (b.job = '' or b.job = j.job)
                and {tie}
        )
        select company, product_code, phase, cost_type, count(*) as rows,
               count(*) filter (where amount_agrees) as agreeing
        from matched group by all
    """
    for company, code, phase, cost_type, rows, agreeing in wh.con.execute(tied).fetchall():
        entry = items.setdefault((company, code), ItemHistory(company, code))
        entry.cells[(phase, cost_type)] += rows
        entry.amount_agrees[(phase, cost_type)] += agreeing

    grid: dict[str, Counter] = defaultdict(Counter)
    job_grid: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for company, job, phase, cost_type in wh.con.execute(
        f"select distinct trim(company_code), trim(job_number), trim(phase_code), trim(cost_type) "
        f"from {sp}.phases where phase_code is not null and cost_type is not null"
    ).fetchall():
        grid[company][(phase, cost_type)] += 1
        job_grid[(company, job)].add((phase, cost_type))
    return History(items, customer_votes, grid, job_grid)
