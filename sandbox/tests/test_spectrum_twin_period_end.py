"""The twin's period-end truth (truth.json `period_end`), on a hand-computed receivable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from tieout_sandbox.spectrum import closing

D = Decimal
END = dt.date(2026, 10, 31)


def invoice(date, due, total, retention="0"):
    return {"job": "", "date": date, "due": due, "total": D(total), "retention": D(retention)}


def test_given_items_exactly_30_60_90_and_91_days_past_due_when_aging_then_each_lands_in_its_bucket():
    ar = SimpleNamespace(
        invoices={
            ("MEC", "C1", "D30"): invoice(dt.date(2026, 9, 1), dt.date(2026, 10, 1), "1.00"),
            ("MEC", "C1", "D60"): invoice(dt.date(2026, 8, 2), dt.date(2026, 9, 1), "2.00"),
            ("MEC", "C1", "D90"): invoice(dt.date(2026, 7, 3), dt.date(2026, 8, 2), "4.00"),
            ("MEC", "C1", "D91"): invoice(dt.date(2026, 7, 2), dt.date(2026, 8, 1), "8.00"),
            ("MEC", "C1", "DUE"): invoice(dt.date(2026, 10, 1), END, "16.00"),
        },
        cash=[],
    )

    aging = closing.ar_aging(ar, END)

    assert aging == {
        "MEC|C1": {
            "trade": "31.00",
            "retainage": "0.00",
            "invoices": 5,
            "1_30": "1.00",
            "31_60": "2.00",
            "61_90": "4.00",
            "over_90": "8.00",
            "current": "16.00",
        }
    }


def test_given_a_partial_payment_with_retention_and_later_events_when_aging_then_only_the_period_counts():
    ar = SimpleNamespace(
        invoices={
            ("MEC", "C2", "J1-01"): invoice(dt.date(2026, 10, 1), END, "10000.00", retention="1000.00"),
            ("MEC", "C2", "NOV"): invoice(dt.date(2026, 11, 2), dt.date(2026, 12, 2), "700.00"),
            ("FPR", "C2", "OLD"): invoice(dt.date(2026, 6, 1), dt.date(2026, 7, 1), "5000.00", retention="500.00"),
        },
        cash=[
            (("MEC", "C2", "J1-01"), dt.date(2026, 10, 20), D("5000.00"), D("0")),
            (("MEC", "C2", "J1-01"), dt.date(2026, 11, 5), D("4000.00"), D("0")),  # after the period end
            (("FPR", "C2", "OLD"), dt.date(2026, 7, 15), D("4500.00"), D("0")),
            (("FPR", "C2", "OLD"), dt.date(2026, 10, 10), D("200.00"), D("200.00")),  # retention collected
        ],
    )

    aging = closing.ar_aging(ar, END)

    # One company's AR never merges with another's for the same customer code.
    assert aging == {
        "MEC|C2": {"trade": "4000.00", "retainage": "1000.00", "invoices": 1, "current": "4000.00"},
        "FPR|C2": {"trade": "0.00", "retainage": "300.00", "invoices": 1},
    }


def test_given_an_as_of_date_when_choosing_closes_then_it_is_the_month_before_and_the_as_of_month():
    assert closing.close_periods(dt.date(2026, 11, 14)) == ["2026-10", "2026-11"]
    assert closing.close_periods(dt.date(2026, 1, 3)) == ["2025-12", "2026-01"]
    assert closing.period_end("2024-02") == dt.date(2024, 2, 29)


def test_given_a_paid_sub_invoice_with_retention_and_later_events_when_aging_ap_then_retention_is_apart():
    invoices = [
        # company, vendor, number, date, due, amount, retention, [(check date, paid)]
        ("MEC", "S1", "A1", dt.date(2026, 9, 10), dt.date(2026, 10, 10), D("12345.67"), D("617.28"), []),
        ("MEC", "S1", "A0", dt.date(2026, 5, 1), dt.date(2026, 5, 31), D("6000.20"), D("300.01"),
         [(dt.date(2026, 5, 31), D("5700.19"))]),
        ("MEC", "V2", "B1", dt.date(2026, 10, 1), END, D("432.10"), D("0"), [(dt.date(2026, 11, 2), D("432.10"))]),
        ("MEC", "V2", "B2", dt.date(2026, 11, 1), dt.date(2026, 12, 1), D("777.77"), D("0"), []),
    ]  # fmt: skip

    aging = closing.ap_aging(invoices, END)

    assert aging == {
        "MEC|S1": {"trade": "11728.39", "retention": "917.29", "invoices": 2, "1_30": "11728.39"},
        "MEC|V2": {"trade": "432.10", "retention": "0.00", "invoices": 1, "current": "432.10"},
    }


def _job(company, number, contract, *, status="A", start=dt.date(2026, 5, 1), end=None):
    return SimpleNamespace(
        company=company, number=number, contract=D(contract), status=status, start=start, end=end,
        buildops_id=f"bo-{number}",
    )  # fmt: skip


def test_given_a_loss_job_and_unposted_labor_when_scheduling_wip_then_the_full_loss_is_provided():
    from tieout_sandbox.spectrum import wip

    jobs = {
        "bo-41007": _job("MEC", "41007", "90000.00"),
        "bo-41008": _job("MEC", "41008", "50000.00"),
        "bo-90001": _job("MEC", "90001", "0"),  # T&M service: no contract, not on the schedule
        "bo-40001": _job("MEC", "40001", "8000.00", status="C", end=dt.date(2026, 9, 30)),  # done before the close
        "bo-90002": _job("MEC", "90002", "0"),  # progress-billed service work, no estimate: zero margin
    }
    month = {m: dt.date(2026, m, 1) for m in (9, 10, 11)}
    run = SimpleNamespace(
        jobs=jobs,
        revised_contracts={("MEC", "41007"): D("100000.00"), ("MEC", "90002"): D("80000.00")},
        phase_cost_by_month={
            ("MEC", "41007", "01", "M", month[9], False): D("9876.54"),
            ("MEC", "41007", "01", "L", month[10], True): D("19989.46"),
            ("MEC", "41007", "01", "M", month[11], False): D("5000.00"),  # after the period end
            ("MEC", "41008", "01", "S", month[10], False): D("24000.00"),
            ("MEC", "40001", "01", "S", month[9], False): D("9000.00"),
            ("MEC", "90002", "01", "L", month[10], True): D("2345.67"),
        },
        phase_plans={
            ("MEC", "41007"): [
                (D("30000.00"), [(dt.date(2026, 9, 30), D("30000.00")), (dt.date(2026, 10, 15), D("33333.33"))]),
                (D("40000.00"), [(dt.date(2026, 11, 5), D("50000.00"))]),  # entered after the close: estimate
            ],
            ("MEC", "41008"): [(D("41000.00"), [(dt.date(2026, 10, 20), D("61234.56"))])],
            ("MEC", "90002"): [(D("0.00"), [(dt.date(2026, 11, 14), D("2345.67"))])],  # entered after the close
        },
        buildops={
            "timesheets": [
                {"id": "t1", "jobId": "bo-41007", "employeeId": "e1", "workDate": "2026-10-30", "durationMinutes": 150},
                {"id": "t2", "jobId": "bo-41007", "employeeId": "e1", "workDate": "2026-10-29", "durationMinutes": 480},
                {"id": "t3", "jobId": "bo-41007", "employeeId": "e1", "workDate": "2026-11-02", "durationMinutes": 60},
            ]
        },
        paid_timesheets={"t2"},
        employees={"e1": SimpleNamespace(company="MEC", code="E1", rate=D("40.00"))},
        unmatched_jobs=set(),
    )
    ar = SimpleNamespace(
        invoices={
            ("MEC", "C7", "041007-01"): {"job": "41007", "date": dt.date(2026, 9, 30), "extension": D("45678.90")},
            ("MEC", "C7", "041007-02"): {"job": "41007", "date": dt.date(2026, 11, 3), "extension": D("5555.55")},
            ("MEC", "C8", "041008-01"): {"job": "41008", "date": dt.date(2026, 10, 31), "extension": D("18765.43")},
            ("MEC", "C9", "090002-01"): {"job": "90002", "date": dt.date(2026, 10, 30), "extension": D("3456.78")},
        }
    )

    schedule = wip.schedule(run, ar, "2026-10")

    assert schedule == {
        # 29,866.00 posted + 2.5 h x 40.00 x 1.34 = 134.00 not through payroll = 30,000.00 of 73,333.33
        "MEC|41007": {
            "contract": "100000.00", "projected_cost": "73333.33", "posted_cost": "29866.00",
            "unposted_labor_estimate": "134.00", "earned_revenue": "40909.09", "billed_to_date": "45678.90",
            "over_under_billing": "4769.81", "projected_gross_profit": "26666.67", "loss_provision": "0.00",
        },
        # projected loss 11,234.56, 4,403.22 of it already in earned less cost
        "MEC|41008": {
            "contract": "50000.00", "projected_cost": "61234.56", "posted_cost": "24000.00",
            "unposted_labor_estimate": "0.00", "earned_revenue": "19596.78", "billed_to_date": "18765.43",
            "over_under_billing": "-831.35", "projected_gross_profit": "-11234.56", "loss_provision": "6831.34",
        },
        # no estimate, no projection by the close: revenue to the extent of cost
        "MEC|90002": {
            "contract": "80000.00", "projected_cost": "2345.67", "posted_cost": "2345.67",
            "unposted_labor_estimate": "0.00", "earned_revenue": "2345.67", "billed_to_date": "3456.78",
            "over_under_billing": "1111.11", "projected_gross_profit": "77654.33", "loss_provision": "0.00",
        },
    }  # fmt: skip


def test_given_visits_and_invoices_around_the_close_when_scheduling_unbilled_work_then_only_uncovered_visits_count():
    from tieout_sandbox.spectrum import unbilled_schedule

    def job(number, kind="service"):
        return SimpleNamespace(company="MEC", number=number, kind=kind, buildops_id=f"bo-{number}")

    run = SimpleNamespace(
        jobs={"bo-90001": job("90001"), "bo-90002": job("90002"), "bo-41003": job("41003", kind="project")},
        buildops={
            "jobs": [{"id": "bo-90001"}, {"id": "bo-90002"}, {"id": "bo-41003"}],
            "invoices": [
                {"id": "i1", "jobId": "bo-90001", "status": "Closed", "issuedDate": "2026-10-06",
                 "invoiceItems": [{"lineItemType": "LaborLineItem", "quantity": 2.5, "amount": 362.50},
                                  {"lineItemType": "PartLineItem", "quantity": 1, "amount": 99.00}]},
                {"id": "i2", "jobId": "bo-90001", "status": "Draft", "issuedDate": "2026-11-03"},  # after the close
                {"id": "i3", "jobId": "bo-90002", "status": "Void", "issuedDate": "2026-10-30"},  # void bills nothing
            ],
            "visits": [
                {"id": "v1", "jobId": "bo-90001", "status": "Completed", "scheduledFor": "2026-10-05"},
                {"id": "v2", "jobId": "bo-90001", "status": "Completed", "scheduledFor": "2026-10-20"},
                {"id": "v3", "jobId": "bo-90002", "status": "Completed", "scheduledFor": "2026-10-28"},
                {"id": "v4", "jobId": "bo-90002", "status": "Completed", "scheduledFor": "2026-11-02"},
                {"id": "v5", "jobId": "bo-41003", "status": "Completed", "scheduledFor": "2026-10-10"},
            ],
            "timesheets": [
                {"id": "t1", "visitId": "v1", "employeeId": "e1", "durationMinutes": 120},
                {"id": "t2", "visitId": "v2", "employeeId": "e1", "durationMinutes": 195},
                {"id": "t3", "visitId": "v3", "employeeId": "e1", "durationMinutes": 90},
                {"id": "t4", "visitId": "v5", "employeeId": "e1", "durationMinutes": 480},
            ],
        },
        employees={"e1": SimpleNamespace(company="MEC", code="E1", rate=D("40.00"))},
        unmatched_jobs=set(),
    )  # fmt: skip

    work = unbilled_schedule.schedule(run, "2026-10")

    # 3.25 h x 40.00 x 1.34 = 174.20, priced at the job's billed 145.00/h; 1.5 h x 40.00 x 1.34 = 80.40, no price
    assert work == {
        "bo-90001": {"company_code": "MEC", "job_number": "90001", "visits": 1, "hours": "3.2500", "cost": "174.20",
                     "price": "471.25"},
        "bo-90002": {"company_code": "MEC", "job_number": "90002", "visits": 1, "hours": "1.5000", "cost": "80.40",
                     "price": None},
    }  # fmt: skip


def test_given_phases_over_projected_over_and_on_budget_when_answering_q2_then_only_preventable_overruns_alert():
    """The case of fct_cost_code_overruns' dbt unit test, stated by the twin's own rule (cfo_truth)."""
    from tieout_sandbox.spectrum import cfo_truth

    job = _job("MEC", "41007", "120000.00")
    job.planned_end = dt.date(2027, 1, 15)  # 3 months after the 2026-10 close
    service = _job("MEC", "90001", "0")
    service.planned_end = None
    month = {m: dt.date(2026, m, 1) for m in (6, 9, 10, 11)}
    run = SimpleNamespace(
        jobs={"bo-41007": job, "bo-90001": service},
        revised_contracts={},
        umbrella_jobs=set(),
        policy={"cfo": {"overruns": {"min_amount": 1000.0, "min_percent": 0.05}}},
        phase_cost_by_month={
            ("MEC", "41007", "01", "L", month[9], True): D("5000.00"),
            ("MEC", "41007", "01", "L", month[10], True): D("8456.78"),
            ("MEC", "41007", "01", "L", month[11], True): D("1000.00"),  # after the period end
            ("MEC", "41007", "01", "M", month[6], False): D("20000.00"),  # before the trend's three months
            ("MEC", "41007", "01", "M", month[10], False): D("10987.65"),
            ("MEC", "41007", "02", "L", month[10], True): D("4321.09"),
            ("MEC", "41007", "02", "S", month[9], False): D("9876.54"),
            ("MEC", "90001", "01", "L", month[10], True): D("812.34"),  # not a contract job
        },
        phase_budgets={
            ("MEC", "41007", "01", "L"): (D("12345.67"), [(dt.date(2026, 10, 31), D("14000.00"))]),
            ("MEC", "41007", "01", "M"): (
                D("40123.45"),
                [(dt.date(2026, 10, 15), D("43210.98")), (dt.date(2026, 11, 5), D("39000.00"))],  # 11-05: too late
            ),
            ("MEC", "41007", "02", "L"): (D("6543.21"), [(dt.date(2026, 10, 31), D("6543.21"))]),
            ("MEC", "41007", "02", "S"): (D("25678.90"), []),
        },
    )

    answer = cfo_truth.cost_code_overruns(run, "2026-10")

    figures = ("budget", "cost_to_date", "projected_cost_at_completion", "trend_monthly_cost",
               "trend_cost_at_completion", "forecast_overrun", "overrun_status", "overrun_alert")  # fmt: skip
    assert {k: tuple(v[f] for f in figures) for k, v in answer.items()} == {
        "MEC|41007|01|L": ("12345.67", "13456.78", "14000.00", "4485.59", "26913.55", "14567.88", "locked_in", False),
        "MEC|41007|01|M": ("40123.45", "30987.65", "43210.98", "3662.55", "41975.30", "3087.53", "alert", True),
        "MEC|41007|02|L": ("6543.21", "4321.09", "6543.21", "1440.36", "8642.17", "2098.96", "alert", True),
        "MEC|41007|02|S": ("25678.90", "9876.54", "25678.90", "3292.18", "19753.08", "0.00", "on_budget", False),
    }
