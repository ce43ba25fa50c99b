"""The close report renders from the marts alone, self-contained, with every exception reachable."""

import re
from pathlib import Path

import duckdb
import pytest
from tieout_demo.report import render_report

MARTS = """
create table close_checklist as select * from (values
  ('2026-10', date '2026-10-31', 1, 'ar_reconciled', 'BuildOps AR reconciled to Spectrum', 'Tie every invoice', 2, 1,
   150.00::decimal(18,2), 0, 0.00::decimal(18,2), 'blocked'),
  ('2026-10', date '2026-10-31', 2, 'sub_compliance', 'Sub compliance audit', 'No lapsed subs', 0, 0,
   0.00::decimal(18,2), 1, 75.00::decimal(18,2), 'ready'))
  t(close_period, period_end_date, step_order, close_step, step_name, step_goal, open_exception_count,
    high_severity_count, amount_at_stake, later_exception_count, later_amount_at_stake, status);
create table fct_ar_aging as select * from (values
  ('2026-10', 'MEC-1', date '2026-10-31', 1000.00::decimal(18,2), 100.00::decimal(18,2), 900.00::decimal(18,2),
   900.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2)),
  ('2026-10', 'MEC-2', date '2026-10-31', 500.00::decimal(18,2), 0.00::decimal(18,2), 500.00::decimal(18,2),
   0.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2), 500.00::decimal(18,2)))
  t(close_period, canonical_invoice_number, as_of_date, gross_balance, retainage_held, net_balance, net_current,
    net_1_30, net_31_60, net_61_90, net_over_90);
create table fct_ar_aging_customers as select 'FPR' as company_code, 'Acme <Hospital>' as customer_name,
  2 as open_invoice_count, 1500.00::decimal(18,2) as gross_balance, 100.00::decimal(18,2) as retainage_held,
  1400.00::decimal(18,2) as net_balance, 500.00::decimal(18,2) as net_over_90;
create table exceptions as select * from (values
  ('double_billed', 'high', 'MEC', '  40001', 'ACME', '40001-1', 100.00::decimal(18,2), 'Billed twice: void one.'),
  ('double_billed', 'high', 'MEC', '  40002', 'ACME', '40002-1', 50.00::decimal(18,2), 'Billed twice again.'),
  ('payroll_timing_gap', 'medium', 'FPR', null, null, null, null, 'Week not in payroll yet.'))
  t(exception_type, severity, company_code, job_number, customer_code, invoice_or_transaction, amount_at_stake,
    description);
create table cash_conversion_cycle as select * from (values
  (date '2026-09-01', 1000.00::decimal(18,2), 800.00::decimal(18,2), 300.00::decimal(18,2),
   40.00::decimal(9,2), 30.00::decimal(9,2), 10.00::decimal(9,2), null::decimal(9,2)),
  (date '2026-10-01', 1200.00::decimal(18,2), 900.00::decimal(18,2), 350.00::decimal(18,2),
   45.50::decimal(9,2), 31.00::decimal(9,2), 14.50::decimal(9,2), 12.25::decimal(9,2)),
  (date '2026-11-01', 100.00::decimal(18,2), 900.00::decimal(18,2), 350.00::decimal(18,2),
   187.00::decimal(9,2), 31.00::decimal(9,2), 156.00::decimal(9,2), 90.00::decimal(9,2)))
  t(month_start, billings_net_of_retainage, ar_net_of_retainage, ap_net_of_retainage, dso_net_of_retainage, dpo,
    cash_conversion_cycle, cash_conversion_cycle_trailing_3m);
create table fct_wip as select * from (values
  ('MEC', '40001', date '2026-10-31', 100000.00::decimal(18,2), 80000.00::decimal(18,2), 40000.00::decimal(18,2),
   0.4000::decimal(9,4), 40000.00::decimal(18,2), 50000.00::decimal(18,2), 10000.00::decimal(18,2),
   10000.00::decimal(18,2), 0.00::decimal(18,2), 20000.00::decimal(18,2), 0.2000::decimal(9,4), false,
   0.00::decimal(18,2), 1200.00::decimal(18,2)),
  ('FPR', '40002', date '2026-10-31', 50000.00::decimal(18,2), 61234.56::decimal(18,2), 24000.00::decimal(18,2),
   0.3919::decimal(9,4), 19596.78::decimal(18,2), 18765.43::decimal(18,2), -831.35::decimal(18,2),
   0.00::decimal(18,2), 831.35::decimal(18,2), -11234.56::decimal(18,2), -0.2247::decimal(9,4), true,
   6831.34::decimal(18,2), 0.00::decimal(18,2)))
  t(company_code, job_number, as_of_date, contract_amount, projected_cost_at_completion, cost_to_date,
    percent_complete, earned_revenue, billed_to_date, over_under_billing, billings_in_excess, costs_in_excess,
    projected_gross_profit, projected_margin_pct, is_loss_job, loss_provision, unposted_labor_estimate);
create table fct_unbilled_service_work as select 'MEC' as company_code, '90001' as spectrum_job_number,
  '1001' as buildops_job_number, 1 as unbilled_visit_count, date '2026-10-20' as first_unbilled_visit_date,
  11 as days_unbilled, 3.25::decimal(18,4) as unbilled_hours, 162.50::decimal(18,2) as unbilled_cost,
  471.25::decimal(18,2) as unbilled_price;
create table fct_ap_aging as select * from (values
  ('MEC', 'S1', 6728.39::decimal(18,2), 617.28::decimal(18,2), 0.00::decimal(18,2), 6728.39::decimal(18,2),
   0.00::decimal(18,2), 0.00::decimal(18,2), 0.00::decimal(18,2)))
  t(company_code, vendor_code, trade_balance, retention_payable, trade_current, trade_1_30, trade_31_60,
    trade_61_90, trade_over_90);
create table fct_retainage_receivable as select 'MEC' as company_code, '41007' as job_number,
  'C7' as spectrum_customer_code, 2 as invoice_count, 1851.85::decimal(18,2) as retainage_held, 'C' as job_status,
  date '2026-11-14' as expected_release_date, 'completed 2026-09-30 + 45 days' as release_basis;
create table customer_profitability as select 'MEC' as company_code, 'Acme' as customer_name,
  date '2025-11-01' as window_start, date '2026-10-31' as window_end, 'labor_hours' as allocation_base,
  1000.00::decimal(18,2) as revenue, 300.00::decimal(18,2) as labor_cost, 102.00::decimal(18,2) as labor_burden,
  500.00::decimal(18,2) as other_direct_cost, 148.00::decimal(18,2) as overhead_allocated,
  -50.00::decimal(18,2) as profit_after_overhead, -0.0500::decimal(9,4) as margin_pct;
create table fct_cost_code_overruns as select * from (values
  ('MEC', '40001', '1234', '230500', 'L', 12345.67::decimal(18,2), 13456.78::decimal(18,2), 14000.00::decimal(18,2),
   543.22::decimal(18,2), 4485.59::decimal(18,2), 26913.55::decimal(18,2), 14567.88::decimal(18,2),
   1.1800::decimal(9,4), 'locked_in', false),
  ('MEC', '40001', '1234', '230600', 'M', 40123.45::decimal(18,2), 30987.65::decimal(18,2), 43210.98::decimal(18,2),
   12223.33::decimal(18,2), 3662.55::decimal(18,2), 41975.30::decimal(18,2), 3087.53::decimal(18,2),
   0.0770::decimal(9,4), 'alert', true),
  ('FPR', '26-5001', null, '211000', 'L01', 2011.79::decimal(18,2), 1067.00::decimal(18,2), 2011.79::decimal(18,2),
   944.79::decimal(18,2), 0.00::decimal(18,2), 1067.00::decimal(18,2), 0.00::decimal(18,2), 0.0000::decimal(9,4),
   'on_budget', false))
  t(company_code, job_number, buildops_job_number, phase_code, cost_type, budget, cost_to_date,
    projected_cost_at_completion, cost_to_complete, trend_monthly_cost, trend_cost_at_completion, forecast_overrun,
    forecast_overrun_pct, overrun_status, overrun_alert);
create table fct_project_insurance_checks as select * from (values
  ('MEC', '40001', 'V10012', 'PO1', 'additional_insured', 'required', 'no', date '2027-01-31', false,
   date '2026-10-31'),
  ('MEC', '40001', 'V10012', 'PO1', 'gl_aggregate', '2000000.00', '4000000.00', date '2027-01-31', true,
   date '2026-10-31'))
  t(company_code, job_number, vendor_code, subcontract_number, check_name, required_value, certificate_value,
    certificate_expires, passed, checked_as_of);
create table service_to_project_conversion as select 'converted_from_quote' as project_origin,
  3 as project_count, 900.00::decimal(18,2) as revenue, 780.00::decimal(18,2) as cost,
  120.00::decimal(18,2) as margin, 0.1333::decimal(9,4) as margin_pct;
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(MARTS)
    con.close()
    return path


def test_given_marts_when_rendered_then_summary_counts_exceptions_by_type(warehouse, tmp_path):
    summary = render_report(warehouse, tmp_path / "r.html")
    assert "1/2 steps ready, 3 open exceptions ($150 at stake)" in summary
    assert re.search(r"double_billed\s+2", summary)
    assert re.search(r"payroll_timing_gap\s+1", summary)


def test_given_marts_when_rendered_then_kpis_come_from_the_aging_mart(warehouse, tmp_path):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "$1,500" in html and "$1,400" in html  # AR gross and net of retainage
    assert "AR at 2026-10-31 (Spectrum)" in html  # stated at the close period's end, and from which system
    # The close period's (2026-10) DSO and CCC, not a later month's (the 187 d of a month still running).
    assert "45.50 d" in html and "14.50 d" in html and "187.00 d" not in html
    assert "DSO net of retainage, 2026-10 (Spectrum)" in html
    assert "40.0%" in html  # percent complete shown as a percent, not as money


def test_given_marts_when_rendered_then_every_exception_row_is_in_a_drill_down(warehouse, tmp_path):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert html.count("<details>") == 2
    for text in ("Billed twice: void one.", "Billed twice again.", "Week not in payroll yet."):
        assert text in html


def test_given_marts_when_rendered_then_the_page_needs_no_network_and_escapes_names(warehouse, tmp_path):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "Acme &lt;Hospital&gt;" in html


def test_given_exceptions_dated_after_the_period_when_rendered_then_the_report_says_they_do_not_block_it(
    warehouse, tmp_path
):
    summary = render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "Close period 2026-10: 1/2 steps ready" in summary
    assert "1 dated after 2026-10 do not block it" in summary
    assert "<h2>Close checklist: 2026-10</h2>" in html
    assert "dated on or before 2026-10-31" in html
    assert "<th>dated after 2026-10</th>" in html


def test_given_the_aging_mart_when_rendered_then_retainage_is_apart_and_customers_show_their_company(
    warehouse, tmp_path
):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "<h2>AR aging as of 2026-10-31 (Spectrum)</h2>" in html
    assert "Retainage receivable ($100) is due under the contract" in html
    assert "<th>company</th>" in html and "<td>FPR</td>" in html


def test_given_the_cfo_marts_when_rendered_then_each_answer_names_its_close_window_and_source_system(
    warehouse, tmp_path
):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()

    assert "Least profitable commercial service customers, 2025-11-01 to 2026-10-31 (Spectrum)" in html
    assert "overhead allocated by labor hours" in html
    assert "<td>converted_from_quote</td>" in html and "13.3%" in html
    assert "(lineage: BuildOps; figures: Spectrum)" in html
    assert "Subs short of the customer's insurance requirements, checked as of 2026-10-31 (Spectrum)" in html
    assert "<td>additional_insured</td>" in html and "<td>gl_aggregate</td>" not in html


def test_given_the_overruns_mart_when_rendered_then_q2_shows_alerts_before_locked_in_overruns_from_spectrum(
    warehouse, tmp_path
):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()

    assert "Cost codes heading over budget at 2026-10: alerts before the overrun is locked in (Spectrum)" in html
    assert "1 cost codes alerted, forecast $3,088 over budget while still under it" in html
    assert "1 already over budget (locked in), forecast $14,568 over" in html
    q2 = html.split("Cost codes heading over budget")[1].split("</table>")[0]
    # The alert (preventable) comes before the locked-in overrun, though the locked-in one is larger.
    assert q2.index("<td>alert</td>") < q2.index("<td>locked_in</td>")
    assert "<td>230600</td>" in q2 and "7.7%" in q2
    assert "<td>on_budget</td>" not in q2 and "26-5001" not in q2


def test_given_the_period_end_marts_when_rendered_then_wip_unbilled_ap_and_retainage_show_their_source(
    warehouse, tmp_path
):
    render_report(warehouse, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()

    assert "<h2>WIP schedule as of 2026-10-31 (Spectrum)</h2>" in html
    assert "$6,831" in html and "loss provision, 1 job(s) projected at a loss" in html
    assert "$10,000" in html and "$831" in html  # billings in excess / costs in excess
    assert "-22.5%" in html  # projected margin shown as a percent
    assert "<h2>Unbilled service work as of 2026-10-31 (BuildOps, costed at Spectrum rates)</h2>" in html
    assert "3.25 hours, cost $162 (Spectrum pay rate plus burden), price $471 at each job" in html
    assert "<h2>AP aging as of 2026-10-31 (Spectrum)</h2>" in html
    assert "Retention payable ($617) is owed under the subcontracts" in html
    assert "<h2>Retainage receivable as of 2026-10-31 (Spectrum)</h2>" in html
    assert "completed 2026-09-30 + 45 days" in html and "retainage_release_days (UNVERIFIED" in html
