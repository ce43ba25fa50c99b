"""The month-end close report: one self-contained HTML file rendered from the marts (no network, no JS libraries).

The report only reads marts; every number in it is computed by dbt, so the page and the warehouse agree.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape
from pathlib import Path

import duckdb

from tieout_demo.charts import horizontal_bar_chart, line_chart, money, stacked_bar_chart
from tieout_demo.report_mapping import mapping_section

BUCKETS = [("current", "Current"), ("1_30", "1-30"), ("31_60", "31-60"), ("61_90", "61-90"), ("over_90", "90+")]

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0d1117;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#9da7b3}main{padding:16px 32px;max-width:1200px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 12px}.kpis{display:flex;gap:12px;flex-wrap:wrap}
.kpi{flex:1;min-width:150px;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px}
.kpi b{display:block;font-size:22px}.kpi span{color:#57606a;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 8px;border-bottom:1px solid #eaeef2;
text-align:left}th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600}.ready{background:#dafbe1;color:#116329}
.blocked{background:#ffebe9;color:#a40e26}.high{color:#a40e26;font-weight:600}.medium{color:#9a6700}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid2{grid-template-columns:1fr}}
svg.chart{width:100%;height:auto}.chart-title{font-size:13px;font-weight:600;fill:#1f2328}
.tick{font-size:11px;fill:#57606a}.value{font-size:11px;fill:#1f2328}.grid{stroke:#eaeef2}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}.note{color:#57606a;font-size:12px}
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


PERCENT_COLUMNS = ("percent_complete", "margin_pct", "projected_margin_pct", "forecast_overrun_pct")


def _cell(value, key: str = "") -> str:
    if key in PERCENT_COLUMNS and value is not None:
        return f'<td class="n">{float(value) * 100:.1f}%</td>'  # marts state them as fractions (0.42)
    if isinstance(value, Decimal | float):
        return f'<td class="n">{escape(money(value))}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    if not rows:
        return '<p class="note">Nothing to show.</p>'
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(key), key) for key, _ in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kpi(value: str, label: str) -> str:
    return f'<div class="kpi"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def render_report(warehouse: Path, out_file: Path, data_dir: Path | None = None) -> str:
    """Writes the HTML report and returns the short terminal summary (exception counts by type); `data_dir`
    (the contractor's DATA folder) adds tieout-map's open suggestions to the mapping section."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        html, summary = _render(con, data_dir)
    finally:
        con.close()
    out_file.write_text(html, encoding="utf-8")
    return summary


def _render(con: duckdb.DuckDBPyConnection, data_dir: Path | None = None) -> tuple[str, str]:
    checklist = _rows(con, "select * from close_checklist order by step_order")
    period = checklist[0]["close_period"] if checklist else ""
    # close_checklist counts the exceptions dated through the period's last day (and undated ones); those
    # dated after it are open too but belong to a later close (.get: warehouses built before issue 4).
    period_end = checklist[0].get("period_end_date") if checklist else None
    later = sum(s.get("later_exception_count") or 0 for s in checklist)
    # fct_ar_aging is stated at the close period's last day: trade AR aged, retainage apart and unaged.
    aging_totals = _rows(
        con,
        "select max(as_of_date) as as_of_date, "
        + ", ".join(f"coalesce(sum(net_{b}), 0) as net_{b}" for b, _ in BUCKETS)
        + ", coalesce(sum(gross_balance), 0) as gross, coalesce(sum(retainage_held), 0) as retainage,"
        " coalesce(sum(net_balance), 0) as net from fct_ar_aging",
    )[0]
    as_of = aging_totals["as_of_date"]
    exceptions = _rows(con, "select * from exceptions order by exception_type, amount_at_stake desc nulls last")
    by_type: dict[str, list[dict]] = defaultdict(list)
    for e in exceptions:
        by_type[e["exception_type"]].append(e)
    ccc = _rows(con, "select * from cash_conversion_cycle order by month_start")
    ready = sum(1 for s in checklist if s["status"] == "ready")

    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Close report {escape(period)}"
        f"</title><style>{CSS}</style></head><body>",
        f"<header><h1>Month-end close: {escape(period)}</h1><p>Balances as of {escape(str(as_of))}. "
        "BuildOps owns operations, Spectrum owns the ledger: each figure below says which system it comes "
        "from.</p></header><main>",
    ]

    at_stake = sum((e["amount_at_stake"] or Decimal(0)) for e in exceptions)
    # The headline is the close period's own month (cash_conversion_cycle holds closed months only), never
    # whichever month is latest.
    closed = next((m for m in ccc if str(m["month_start"])[:7] == period), None)
    parts.append(
        '<div class="kpis">'
        + "".join(
            [
                _kpi(money(aging_totals["gross"]), f"AR at {as_of} (Spectrum)"),
                _kpi(money(aging_totals["retainage"]), "retainage receivable, not aged (Spectrum)"),
                _kpi(money(aging_totals["net"]), "trade AR net of retainage (Spectrum)"),
                _kpi(f"{len(exceptions):,}", f"open exceptions, {money(at_stake)} at stake"),
                _kpi(f"{ready} / {len(checklist)}", f"close steps ready for {period}"),
                _kpi(
                    "-"
                    if closed is None or closed["dso_net_of_retainage"] is None
                    else f"{closed['dso_net_of_retainage']} d",
                    f"DSO net of retainage, {period} (Spectrum)",
                ),
                _kpi(
                    "-"
                    if closed is None or closed["cash_conversion_cycle"] is None
                    else f"{closed['cash_conversion_cycle']} d",
                    f"cash conversion cycle, {period} (Spectrum)",
                ),
            ]
        )
        + "</div>"
    )

    scope = (
        (
            f"<p class='note'>A step is blocked by the open exceptions dated on or before {escape(str(period_end))}"
            f" (or undated). {later:,} open exception(s) dated after {escape(period)} belong to a later close and "
            "do not block this one.</p>"
        )
        if period_end
        else ""
    )
    parts.append(
        f"<section><h2>Close checklist: {escape(period)}</h2>{scope}"
        + _table(
            [{**s, "status_html": s["status"]} for s in checklist],
            [
                ("step_order", "#"),
                ("step_name", "step"),
                ("step_goal", "what ready means"),
                ("open_exception_count", "open exceptions"),
                ("high_severity_count", "high"),
                ("amount_at_stake", "at stake"),
                ("later_exception_count", f"dated after {period}"),
                ("status", "status"),
            ],
        )
        .replace("<td>ready</td>", '<td><span class="badge ready">ready</span></td>')
        .replace("<td>blocked</td>", '<td><span class="badge blocked">blocked</span></td>')
        + "</section>"
    )

    labels = [label for _, label in BUCKETS]
    aging_chart = stacked_bar_chart(
        labels,
        {
            "trade AR, net of retainage": [aging_totals[f"net_{b}"] for b, _ in BUCKETS],
        },
        title=f"Trade AR aged by days past due at {as_of} (Spectrum)",
    )
    top_customers = _rows(con, "select * from fct_ar_aging_customers order by net_balance desc limit 12")
    parts.append(
        f"<section><h2>AR aging as of {escape(str(as_of))} (Spectrum)</h2><p class='note'>Rebuilt from "
        "Spectrum's invoice and cash history to the period end: later invoices and later cash are not in "
        f"it. Retainage receivable ({escape(money(aging_totals['retainage']))}) is due under the contract,"
        " not the invoice's terms, and is not aged.</p><div class='grid2'><div>"
        + aging_chart
        + "</div><div>"
        + _table(
            top_customers,
            [
                ("company_code", "company"),
                ("customer_name", "customer"),
                ("open_invoice_count", "open"),
                ("gross_balance", "gross"),
                ("retainage_held", "retainage"),
                ("net_balance", "net"),
                ("net_over_90", "net 90+"),
            ],
        )
        + "</div></div></section>"
    )

    months = [str(m["month_start"])[:7] for m in ccc]
    cash_chart = line_chart(
        months,
        {
            "AR net of retainage": [m["ar_net_of_retainage"] for m in ccc],
            "AP net of retainage": [m["ap_net_of_retainage"] for m in ccc],
            "billed in month, net of retainage": [m["billings_net_of_retainage"] for m in ccc],
        },
        title="Cash position at each closed month end (Spectrum): customers owe us vs we owe vendors",
    )
    days_chart = line_chart(
        months,
        {
            "DSO net of retainage": [m["dso_net_of_retainage"] for m in ccc],
            "DPO": [m["dpo"] for m in ccc],
            "cash conversion cycle": [m["cash_conversion_cycle"] for m in ccc],
            "CCC, trailing 3 months": [m.get("cash_conversion_cycle_trailing_3m") for m in ccc],
        },
        title="Days, closed months (Spectrum): DSO and DPO net of retainage, cash conversion cycle",
        fmt=lambda v: f"{float(v):.0f} d",
    )
    parts.append(
        f"<section><h2>Cash position</h2><div class='grid2'><div>{cash_chart}</div><div>{days_chart}"
        "</div></div></section>"
    )

    types = sorted(by_type, key=lambda t: -len(by_type[t]))
    count_chart = horizontal_bar_chart(types, [len(by_type[t]) for t in types], title="Open exceptions by type")
    amount_chart = horizontal_bar_chart(
        types,
        [sum((e["amount_at_stake"] or Decimal(0)) for e in by_type[t]) for t in types],
        title="Amount at stake by type",
        fmt=money,
        color="#d29922",
    )
    drill = []
    for t in types:
        rows = by_type[t]
        drill.append(
            f"<details><summary>{escape(t)}: {len(rows)} open, "
            f"{escape(money(sum((e['amount_at_stake'] or Decimal(0)) for e in rows)))} at stake</summary>"
            + _table(
                rows,
                [
                    ("severity", "severity"),
                    ("occurred_on", "dated"),
                    ("company_code", "co"),
                    ("job_number", "job"),
                    ("customer_code", "customer"),
                    ("invoice_or_transaction", "invoice"),
                    ("amount_at_stake", "at stake"),
                    ("description", "what to do"),
                ],
            )
            + "</details>"
        )
    parts.append(
        f"<section><h2>Exceptions</h2><div class='grid2'><div>{count_chart}</div><div>{amount_chart}</div>"
        "</div><p class='note'>Open a type to see every row behind it.</p>" + "".join(drill) + "</section>"
    )

    parts.append(_period_end_schedules(con, period))

    parts.append(_cfo_answers(con, period))
    parts.append(mapping_section(con, data_dir))
    parts.append("</main></body></html>")

    lines = [
        f"Close period {period}: {ready}/{len(checklist)} steps ready, {len(exceptions)} open exceptions "
        f"({money(at_stake)} at stake)" + (f"; {later:,} dated after {period} do not block it" if later else "")
    ]
    lines += [f"  {t:32} {len(by_type[t]):>5}" for t in types]
    return "".join(parts), "\n".join(lines)


def _period_end_schedules(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """WIP (with the loss provision), unbilled service work, AP aging and retainage receivable as of the close
    period's end, each saying which system its figures come from."""
    wip = _rows(con, "select * from fct_wip order by abs(over_under_billing) desc limit 12")
    wip_totals = _rows(
        con,
        "select max(as_of_date) as as_of_date, count(*) as jobs, coalesce(sum(contract_amount), 0) as contract,"
        " coalesce(sum(billings_in_excess), 0) as over, coalesce(sum(costs_in_excess), 0) as under,"
        " coalesce(sum(loss_provision), 0) as provision, count(*) filter (where is_loss_job) as loss_jobs,"
        " coalesce(sum(unposted_labor_estimate), 0) as unposted from fct_wip",
    )[0]
    end = wip_totals["as_of_date"] or period
    losses = _rows(con, "select * from fct_wip where is_loss_job order by loss_provision desc limit 10")
    unbilled = _rows(con, "select * from fct_unbilled_service_work order by unbilled_cost desc limit 12")
    unbilled_totals = _rows(
        con,
        "select count(*) as jobs, coalesce(sum(unbilled_hours), 0) as hours, coalesce(sum(unbilled_cost), 0) as cost,"
        " coalesce(sum(unbilled_price), 0) as price, count(*) filter (where unbilled_price is null) as unpriced"
        " from fct_unbilled_service_work",
    )[0]
    ap = _rows(
        con,
        "select "
        + ", ".join(f"coalesce(sum(trade_{b}), 0) as trade_{b}" for b, _ in BUCKETS)
        + ", coalesce(sum(trade_balance), 0) as trade, coalesce(sum(retention_payable), 0) as retention"
        " from fct_ap_aging",
    )[0]
    ap_vendors = _rows(
        con,
        "select company_code, vendor_code, count(*) as open_invoice_count, sum(trade_balance) as trade_balance,"
        " sum(retention_payable) as retention_payable, sum(trade_over_90) as trade_over_90 from fct_ap_aging"
        " group by 1, 2 order by trade_balance desc limit 10",
    )
    retainage = _rows(con, "select * from fct_retainage_receivable order by retainage_held desc limit 12")
    ap_chart = stacked_bar_chart(
        [label for _, label in BUCKETS],
        {"trade AP, net of retention": [ap[f"trade_{b}"] for b, _ in BUCKETS]},
        title=f"Trade AP aged by days past due at {end} (Spectrum)",
    )
    return (
        f"<section><h2>WIP schedule as of {escape(str(end))} (Spectrum)</h2>"
        '<div class="kpis">'
        + _kpi(f"{wip_totals['jobs']:,}", "contract jobs open at the period end")
        + _kpi(money(wip_totals["over"]), "billings in excess of revenue (liability)")
        + _kpi(money(wip_totals["under"]), "revenue in excess of billings (asset)")
        + _kpi(money(wip_totals["provision"]), f"loss provision, {wip_totals['loss_jobs']} job(s) projected at a loss")
        + "</div>"
        + "<h3>Largest over / under billings</h3>"
        + _table(
            wip,
            [
                ("company_code", "co"),
                ("job_number", "job"),
                ("contract_amount", "contract"),
                ("projected_cost_at_completion", "projected cost"),
                ("cost_to_date", "cost to date"),
                ("unposted_labor_estimate", "of which labor not yet in payroll"),
                ("percent_complete", "% complete"),
                ("earned_revenue", "earned"),
                ("billed_to_date", "billed (Spectrum)"),
                ("over_under_billing", "over (+) / under (-)"),
                ("projected_margin_pct", "projected margin %"),
                ("loss_provision", "loss provision"),
            ],
        )
        + "<h3>Jobs projected at a loss: the whole loss recognised now</h3>"
        + _table(
            losses,
            [
                ("company_code", "co"),
                ("job_number", "job"),
                ("contract_amount", "contract"),
                ("projected_cost_at_completion", "projected cost"),
                ("projected_gross_profit", "projected loss"),
                ("earned_revenue", "earned"),
                ("cost_to_date", "cost to date"),
                ("loss_provision", "loss provision"),
            ],
        )
        + "<p class='note'>Contract jobs only (progress-billed or with a contract); cost-to-cost on Spectrum's "
        "projected cost at completion (JC_PROJ_COST_HISTORY_MC, the estimate where no projection was entered by "
        "the period end); contract from JC_JOB_PROGRESS_MC; billed to date from Spectrum AR only. Cost to date "
        f"includes {escape(money(wip_totals['unposted']))} of BuildOps timesheet labor not yet through Spectrum "
        "payroll, an estimate at Spectrum pay and burden rates (fct_wip.includes_unposted_labor_estimate).</p>"
        "</section>"
        + f"<section><h2>Unbilled service work as of {escape(str(end))} (BuildOps, costed at Spectrum rates)</h2>"
        + f"<p class='note'>{unbilled_totals['jobs']:,} service job(s) with completed visits no invoice covers by "
        f"the period end: {float(unbilled_totals['hours']):,.2f} hours, cost "
        f"{escape(money(unbilled_totals['cost']))} (Spectrum pay rate plus burden), price "
        f"{escape(money(unbilled_totals['price']))} at each job's billed labor rate"
        f" ({unbilled_totals['unpriced']:,} job(s) have billed no labor yet: price unknown).</p>"
        + _table(
            unbilled,
            [
                ("company_code", "co"),
                ("spectrum_job_number", "Spectrum job"),
                ("buildops_job_number", "BuildOps job"),
                ("unbilled_visit_count", "visits"),
                ("first_unbilled_visit_date", "oldest visit"),
                ("days_unbilled", "days"),
                ("unbilled_hours", "hours"),
                ("unbilled_cost", "cost"),
                ("unbilled_price", "price"),
            ],
        )
        + "</section>"
        + f"<section><h2>AP aging as of {escape(str(end))} (Spectrum)</h2><p class='note'>Rebuilt from every "
        "AP invoice entered and the check history to the period end (later invoices and checks are not in it). "
        f"Retention payable ({escape(money(ap['retention']))}) is owed under the subcontracts, not on the "
        f"invoices' terms, and is not aged; trade AP {escape(money(ap['trade']))}.</p><div class='grid2'><div>"
        + ap_chart
        + "</div><div>"
        + _table(
            ap_vendors,
            [
                ("company_code", "company"),
                ("vendor_code", "vendor"),
                ("open_invoice_count", "open"),
                ("trade_balance", "trade AP"),
                ("retention_payable", "retention"),
                ("trade_over_90", "trade 90+"),
            ],
        )
        + "</div></div></section>"
        + f"<section><h2>Retainage receivable as of {escape(str(end))} (Spectrum)</h2>"
        + _table(
            retainage,
            [
                ("company_code", "co"),
                ("job_number", "job"),
                ("spectrum_customer_code", "customer"),
                ("invoice_count", "invoices"),
                ("retainage_held", "retainage held"),
                ("job_status", "job status"),
                ("expected_release_date", "expected release"),
                ("release_basis", "basis"),
            ],
        )
        + "<p class='note'>Apart from trade AR and never aged by due date: it falls due under the contract. "
        "The expected release is the job's completion plus the var retainage_release_days (UNVERIFIED: each "
        "contract's term; Spectrum keeps no release date).</p></section>"
    )


def _cfo_answers(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """The CFO's questions as of the close period, each table saying which system its figures come from."""
    profit = _rows(con, "select * from customer_profitability order by profit_after_overhead asc limit 10")
    window = f"{profit[0]['window_start']} to {profit[0]['window_end']}" if profit else period
    base = profit[0]["allocation_base"].replace("_", " ") if profit else ""
    # Q2: the alerts first (still preventable), then the overruns already locked in, the largest first.
    overruns = _rows(
        con,
        "select * from fct_cost_code_overruns where overrun_status in ('alert', 'locked_in') "
        "order by overrun_alert desc, forecast_overrun desc, company_code, job_number, phase_code, cost_type limit 15",
    )
    overrun_totals = _rows(
        con,
        "select count(*) filter (where overrun_alert) as alerts,"
        " coalesce(sum(forecast_overrun) filter (where overrun_alert), 0) as alert_amount,"
        " count(*) filter (where overrun_status = 'locked_in') as locked_in,"
        " coalesce(sum(forecast_overrun) filter (where overrun_status = 'locked_in'), 0) as locked_in_amount"
        " from fct_cost_code_overruns",
    )[0]
    conversion = _rows(con, "select * from service_to_project_conversion order by project_origin")
    insurance = _rows(
        con,
        "select * from fct_project_insurance_checks where not passed "
        "order by company_code, job_number, vendor_code, check_name limit 15",
    )
    checked = _rows(
        con,
        "select count(distinct company_code || job_number || vendor_code || subcontract_number) as subs,"
        " max(checked_as_of) as checked_as_of from fct_project_insurance_checks",
    )[0]
    return (
        f"<section><h2>CFO answers, close {escape(period)}</h2>"
        f"<h3>Least profitable commercial service customers, {escape(window)} (Spectrum)</h3>"
        + _table(
            profit,
            [
                ("company_code", "co"),
                ("customer_name", "customer"),
                ("revenue", "revenue"),
                ("labor_cost", "labor"),
                ("labor_burden", "burden (payroll)"),
                ("other_direct_cost", "other direct"),
                ("overhead_allocated", "overhead (GL)"),
                ("profit_after_overhead", "profit after overhead"),
                ("margin_pct", "margin %"),
            ],
        )
        + f"<p class='note'>Segment from BuildOps' customer type (policy.yml cfo.segments); revenue, payroll labor "
        f"and burden, job cost and the GL overhead accounts from Spectrum; overhead allocated by {escape(base)}."
        "</p>" + f"<h3>Cost codes heading over budget at {escape(period)}: alerts before the overrun is locked in "
        "(Spectrum)</h3>" + f"<p>{overrun_totals['alerts']:,} cost codes alerted, forecast "
        f"{escape(money(overrun_totals['alert_amount']))} over budget while still under it; "
        f"{overrun_totals['locked_in']:,} already over budget (locked in), forecast "
        f"{escape(money(overrun_totals['locked_in_amount']))} over.</p>"
        + _table(
            overruns,
            [
                ("overrun_status", "status"),
                ("company_code", "co"),
                ("job_number", "job"),
                ("buildops_job_number", "BuildOps job"),
                ("phase_code", "phase"),
                ("cost_type", "cost type"),
                ("budget", "budget"),
                ("cost_to_date", "cost to date"),
                ("projected_cost_at_completion", "projected (Spectrum)"),
                ("cost_to_complete", "cost to complete"),
                ("trend_monthly_cost", "trend / month"),
                ("trend_cost_at_completion", "trend at completion"),
                ("forecast_overrun", "forecast overrun"),
                ("forecast_overrun_pct", "over %"),
            ],
        )
        + "<p class='note'>Budget: the phase's original estimate (JC_PHASE_MASTER_MC); cost to date: Spectrum job "
        "cost to the period end; projected: the PM's projection in force at the period end (JC_PROJ_COST_HISTORY_MC)"
        ", else the estimate; trend: the last three closed months' average cost, extrapolated to the job's "
        "estimated completion. Alert: forecast overrun at least policy.yml cfo.overruns.min_amount and min_percent "
        "of budget while cost to date is still under budget; locked in: cost to date has reached the budget.</p>"
        + f"<h3>Projects by origin, margin to date at {escape(period)} (lineage: BuildOps; figures: Spectrum)</h3>"
        + _table(
            conversion,
            [
                ("project_origin", "origin"),
                ("project_count", "projects"),
                ("revenue", "revenue"),
                ("cost", "cost"),
                ("margin", "margin"),
                ("margin_pct", "margin %"),
            ],
        )
        + "<p class='note'>Converted: sold from a service job's quote, or created on the same property within "
        "policy.yml cfo.conversion.window_days of a visit that recommended it; otherwise de novo.</p>"
        + "<h3>Subs short of the customer's insurance requirements, checked as of "
        + f"{escape(str(checked['checked_as_of']))} (Spectrum)</h3>"
        + _table(
            insurance,
            [
                ("company_code", "co"),
                ("job_number", "job"),
                ("vendor_code", "sub"),
                ("subcontract_number", "subcontract"),
                ("check_name", "check"),
                ("required_value", "customer requires"),
                ("certificate_value", "certificate shows"),
                ("certificate_expires", "certificate expires"),
            ],
        )
        + f"<p class='note'>{checked['subs'] or 0:,} sub assignments on projects checked against the requirements in "
        "JC_JOB_COMPLIANCE_MC, their certificates in document tracking; every check is kept in "
        "fct_project_insurance_checks (the audit trail).</p></section>"
    )
