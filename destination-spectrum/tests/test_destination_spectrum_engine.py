"""The posting engine against an in-memory Spectrum: gates, modes, the ledger and exactly-once."""

from decimal import Decimal

import pytest


def recs(*pairs):
    return list(pairs)


def test_given_a_clean_detail_invoice_when_processed_then_one_multi_line_document_and_posted_ledger_row(
    make_engine, spectrum, build, rows
):
    engine = make_engine()
    report = engine.process(recs(("jobs", build.job()), ("invoices", build.invoice(retainageAmount=50.0))))
    assert report.states == {"posted": 1}
    (document,) = spectrum.ar.values()
    assert document.number == "1001" and document.customer_code == "ACME" and document.job_number == "J100"
    assert [(x.phase_code, x.cost_type, str(x.amount)) for x in document.lines] == [
        ("100", "L", "300.00"),
        ("200", "M", "200.00"),
    ]
    assert str(document.retention_amount) == "50.00" and str(document.retention_percent) == "10.00"
    assert rows(
        "select state, spectrum_document, spectrum_batch, posting_mode, amount from tieout_ledger.postings"
    ) == [("posted", "1001", "WS01", "detail", pytest.approx(500))]


def test_given_an_invoice_with_one_unmappable_line_when_processed_then_held_whole_naming_line(
    make_engine, spectrum, build, rows
):
    bad = build.invoice(
        items=[
            {"description": "Labor", "lineItemType": "LaborLineItem", "amount": 10},
            {"description": "Mystery", "product": {"code": "ZZZ"}, "lineItemType": "Fee", "amount": 5},
        ]
    )
    make_engine().process(recs(("jobs", build.job()), ("invoices", bad)))
    assert spectrum.ar == {}
    ((state, reason),) = rows("select state, reason from tieout_ledger.postings")
    assert state == "held" and "held whole" in reason and "line 2" in reason and "ZZZ" in reason


def test_given_routing_and_crosswalk_gaps_when_processed_then_each_held_with_its_reason(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        recs(
            ("jobs", build.job("job-2", "J200", "Construction Project")),
            ("jobs", build.job()),
            ("invoices", build.invoice("inv-aia", "2001", job_id="job-2", job_number="J200")),
            ("invoices", build.invoice("inv-nojob", "2002", job_id="job-missing", job_number="J999")),
            ("invoices", build.invoice("inv-nocust", "2003", customer="c-unknown")),
        )
    )
    reasons = dict(rows("select source_key, reason from tieout_ledger.postings where state = 'held'"))
    assert "progress billed (AIA)" in reasons["inv-aia"]
    assert "route is ambiguous" in reasons["inv-nojob"]
    assert "c-unknown ('') has no row in customer_crosswalk.csv for company MEC" in reasons["inv-nocust"]
    assert spectrum.ar == {}


def test_given_spectrum_rejections_when_processed_then_rejected_with_message_while_rest_post(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        recs(
            ("jobs", build.job()),
            ("jobs", build.job("job-3", "J300")),
            ("invoices", build.invoice("inv-ok", "3001")),
            ("invoices", build.invoice("inv-cust", "3002", customer="c-nope")),
            ("invoices", build.invoice("inv-closed", "3003", job_id="job-3", job_number="J300")),
        )
    )
    states = dict(rows("select source_key, state || ': ' || coalesce(reason, '') from tieout_ledger.postings"))
    assert states["inv-ok"] == "posted: "
    assert states["inv-cust"].startswith("rejected: Spectrum: Customer_Code NOPE not on file")
    assert "closed" in states["inv-closed"]
    assert list(spectrum.ar) == [("MEC", "3001")]


def test_given_malformed_records_when_processed_then_rejected_not_a_crash(make_engine, spectrum, build, rows):
    make_engine().process(
        recs(
            ("jobs", build.job()),
            ("invoices", build.invoice("inv-date", "4001", issuedDate="not a date")),
            ("invoices", build.invoice("inv-amount", "4002", items=[{"description": "x", "amount": "ten"}])),
            ("invoices", {"invoiceNumber": "4003"}),
            ("invoices", build.invoice("inv-good", "4004")),
        )
    )
    got = dict(rows("select source_key, reason from tieout_ledger.postings where state = 'rejected'"))
    assert "field 'issuedDate'" in got["inv-date"]
    assert "invoiceItems[0].amount" in got["inv-amount"] and "'ten'" in got["inv-amount"]
    assert any(k.startswith("sha256:") and "field 'id' is missing" in r for k, r in got.items())
    assert list(spectrum.ar) == [("MEC", "4004")]


def test_given_tickets_for_two_jobs_and_days_when_summarised_then_one_document_per_group_and_ticket_lines_traced(
    make_engine, spectrum, build, rows
):
    records = [("jobs", build.job("job-s", "J100", "Service Call"))]
    for i in range(6):
        day = "2026-11-20" if i < 4 else "2026-11-21"
        records.append(("invoices", build.invoice(f"t-{i}", f"50{i}", job_id="job-s", day=day)))
    report = make_engine().process(records)
    assert report.documents == {"AR daily_summary": 2}
    assert sorted(len(d.lines) for d in spectrum.ar.values()) == [2, 2]
    day1 = next(d for d in spectrum.ar.values() if d.invoice_date.day == 20)
    assert str(day1.amount) == "2000.00" and day1.number.startswith("D1120")
    assert rows(
        "select count(*), count(distinct spectrum_document), count(distinct summary_key) "
        "from tieout_ledger.postings where posting_mode = 'daily_summary'"
    ) == [(6, 2, 2)]
    assert rows("select count(*) from tieout_ledger.posting_lines") == [(12,)]


def test_given_a_rerun_when_processed_again_then_nothing_is_posted_twice(make_engine, spectrum, build):
    records = [
        ("jobs", build.job()),
        ("jobs", build.job("job-s", "J100", "Service Call")),
        ("invoices", build.invoice("a", "7001")),
        ("invoices", build.invoice("t", "7002", job_id="job-s")),
    ]
    make_engine("run-1").process(records)
    calls = spectrum.calls
    report = make_engine("run-2").process(records)
    assert spectrum.calls == calls and report.already_posted == 2 and len(spectrum.ar) == 2


def test_given_a_crash_after_spectrum_took_the_document_when_restarted_then_recovered_not_reposted(
    make_engine, spectrum, build, rows
):
    records = [("jobs", build.job())] + [("invoices", build.invoice(f"i{i}", f"80{i}")) for i in range(5)]
    spectrum.crash_after = 3
    with pytest.raises(build.Crash):
        make_engine("run-1").process(records)
    # The crashed call and the two not yet sent keep their intents; the two answered ones are recorded.
    assert rows("select count(*) from tieout_ledger.pending_documents") == [(3,)]
    assert rows("select count(*) from tieout_ledger.postings where state = 'posted'") == [(2,)]
    spectrum.crash_after = None
    engine = make_engine("run-2")
    assert engine.recover() == 1
    engine.process(records)
    assert len(spectrum.ar) == 5 and spectrum.calls == 5
    assert rows(
        "select count(*), count(distinct spectrum_document) from tieout_ledger.postings where state = 'posted'"
    ) == [(5, 5)]
    assert (
        "recovered after an interrupted run"
        in rows("select reason from tieout_ledger.postings where source_key = 'i2'")[0][0]
    )


def test_given_a_lost_ledger_when_rerun_then_spectrum_copy_is_recognised_not_reposted(
    make_engine, spectrum, build, tmp_path, rows
):
    records = [("jobs", build.job()), ("invoices", build.invoice("x", "9001"))]
    make_engine("run-1").process(records)
    make_engine("gone")  # closes the ledger file
    (tmp_path / "ledger.duckdb").unlink()
    make_engine("run-2").process(records)
    assert spectrum.calls == 1
    assert "found in Spectrum" in rows("select reason from tieout_ledger.postings")[0][0]


def test_given_a_timeout_after_sending_when_posting_then_spectrum_is_asked_before_deciding(
    make_engine, spectrum, build, rows
):
    spectrum.unknown_outcome_once = True
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("u", "9101"))])
    assert rows("select state from tieout_ledger.postings") == [("posted",)]
    assert rows("select count(*) from tieout_ledger.pending_documents") == [(0,)]


def test_given_colliding_invoice_numbers_when_processed_then_the_second_is_held_naming_the_first(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        [
            ("jobs", build.job()),
            ("invoices", build.invoice("first", "INV 1")),
            ("invoices", build.invoice("second", "INV1")),
        ]
    )
    ((reason,),) = rows("select reason from tieout_ledger.postings where source_key = 'second'")
    assert "collides with BuildOps invoice first" in reason and "INV1" in reason


def test_given_someone_elses_document_under_our_number_when_processed_then_held_not_overwritten(
    make_engine, spectrum, build, rows
):
    from destination_spectrum.gateway import ARDocument

    spectrum.ar[("MEC", "9201")] = ARDocument("MEC", "OTHER", "J9", "9201", None, 0, ())
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("n", "9201"))])
    ((state, reason),) = rows("select state, reason from tieout_ledger.postings")
    assert state == "held" and "Spectrum already holds invoice 9201" in reason


def test_given_dry_run_when_processed_then_plan_reported_and_nothing_written(make_engine, spectrum, build, rows):
    report = make_engine(dry_run=True).process([("jobs", build.job()), ("invoices", build.invoice("d", "9301"))])
    assert spectrum.calls == 0 and report.would_post[0]["number"] == "9301"
    assert rows("select count(*) from tieout_ledger.postings") == [(0,)]


def test_given_sub_bills_when_processed_then_status_follows_compliance_and_reason_recorded(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        [
            ("jobs", build.job()),
            ("purchase_orders", build.bill("b-ok", "SB-1", "SUBOK")),
            ("purchase_orders", build.bill("b-exp", "SB-2", "SUBEXP")),
            ("purchase_orders", build.bill("b-w9", "SB-3", "SUBW9")),
        ]
    )
    statuses = {key[2]: doc.status for key, doc in spectrum.ap.items()}
    assert statuses == {"SB-1": "O", "SB-2": "H", "SB-3": "H"}
    doc = spectrum.ap[("MEC", "SUBOK", "SB-1")]
    assert [(x.job_number, x.phase_code, x.cost_type) for x in doc.lines] == [("J100", "900", "S")]
    reasons = dict(rows("select source_key, coalesce(reason, '') from tieout_ledger.postings"))
    assert reasons["b-ok"] == "" and "COI for vendor SUBEXP expired" in reasons["b-exp"]
    assert "W-9" in reasons["b-w9"]


def test_given_a_long_number_already_keyed_under_its_last_ten_chars_when_processed_then_not_doubled(
    make_engine, spectrum, build, rows
):
    from destination_spectrum.gateway import ARDocument

    spectrum.ar[("MEC", "026-000123")] = ARDocument("MEC", "ACME", "J100", "026-000123", None, 0, ())
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("long", "INVOICE-2026-000123"))])
    assert spectrum.calls == 0
    ((state, document, reason),) = rows("select state, spectrum_document, reason from tieout_ledger.postings")
    assert (state, document) == ("posted", "026-000123") and "found in Spectrum" in reason


def test_given_a_discount_line_when_posting_detail_then_lines_stay_positive_and_total_is_unchanged(
    make_engine, spectrum, build, rows
):
    items = [
        {"description": "Labor", "lineItemType": "LaborLineItem", "amount": 300},
        {"description": "Part", "product": {"code": "PART-1"}, "amount": 100},
        {"description": "Member discount", "lineItemType": "LaborLineItem", "amount": -40},
    ]
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("disc", "9401", items=items))])
    (document,) = spectrum.ar.values()
    assert [str(x.amount) for x in document.lines] == ["270.00", "90.00"]
    assert rows("select count(*), sum(amount) from tieout_ledger.posting_lines") == [(3, pytest.approx(360))]


def test_given_a_company_outside_the_configured_ones_when_processed_then_held_naming_the_setting(
    make_engine, spectrum, build, rows
):
    engine = make_engine()
    engine.settings = type(engine.settings)(companies=("FPR",))
    engine.process([("jobs", build.job()), ("invoices", build.invoice("mec", "9501"))])
    assert spectrum.calls == 0
    ((reason,),) = rows("select reason from tieout_ledger.postings")
    assert "MEC is not one of this destination's companies (FPR)" in reason


def test_given_a_lost_ledger_when_daily_summaries_are_rerun_then_spectrum_is_asked_and_nothing_is_reposted(
    make_engine, spectrum, build, tmp_path, rows
):
    # Summary numbers are derived, not BuildOps numbers: with the ledger gone, only asking Spectrum under the
    # derived number keeps the day's tickets from landing twice.
    records = [("jobs", build.job("job-s", "J100", "Service Call"))]
    records += [("invoices", build.invoice(f"t-{i}", f"60{i}", job_id="job-s", day="2026-11-20")) for i in range(3)]
    make_engine("run-1").process(records)
    assert spectrum.calls == 1
    make_engine("gone")  # closes the ledger file
    (tmp_path / "ledger.duckdb").unlink()
    report = make_engine("run-2").process(records)
    assert spectrum.calls == 1 and len(spectrum.ar) == 1
    assert report.states == {"posted": 3}
    reasons = rows("select reason from tieout_ledger.postings")
    assert len(reasons) == 3 and all("found in Spectrum" in reason for (reason,) in reasons)


def test_given_tickets_with_uneven_retainage_when_summarised_then_the_percent_is_kept_over_gross_to_the_cent(
    make_engine, spectrum, build
):
    records = [
        ("jobs", build.job("job-s", "J100", "Service Call")),
        ("invoices", build.invoice("t-a", "6101", job_id="job-s", retainageAmount=33.33)),
        ("invoices", build.invoice("t-b", "6102", job_id="job-s")),
    ]
    make_engine().process(records)
    (document,) = spectrum.ar.values()
    assert str(document.amount) == "1000.00"
    assert str(document.retention_percent) == "3.33"  # 33.33 of 1,000.00 gross
    assert sum(line.retention_amount for line in document.lines) == Decimal("33.33")
