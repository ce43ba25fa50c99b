"""The posting queue's own contracts (issue 19 mutation survivors): an intent's payload gives back exactly the
outcomes it stands for, and a batch counts each document it posts (or would post) once."""

from decimal import Decimal

import pytest
from destination_spectrum.ledger import Outcome, PostedLine
from destination_spectrum.postings import from_payload, to_payload


def test_given_outcomes_with_and_without_amounts_when_an_intent_is_recovered_then_the_same_outcomes_come_back():
    outcomes = [
        Outcome("invoices", "inv-1", "t", "posted", spectrum_document="001", amount=Decimal("1204.17")),
        Outcome(
            "invoices",
            "inv-2",
            "t",
            "changed_after_posting",
            company_code="MEC",
            spectrum_document="002",
            amount=None,
            posted_amount=Decimal("0.05"),
            reason="voided in BuildOps",
        ),
    ]
    lines = [PostedLine("invoices", "inv-1", "t", 1, "MEC", "001", "100", "L", "Labor", Decimal("1204.17"))]
    recovered, recovered_lines = from_payload(to_payload(outcomes, lines), "B-7")
    assert [(o.source_key, o.amount, o.posted_amount, o.spectrum_batch, o.reason) for o in recovered] == [
        ("inv-1", Decimal("1204.17"), None, "B-7", "recovered after an interrupted run"),
        ("inv-2", None, Decimal("0.05"), "B-7", "voided in BuildOps; recovered after an interrupted run"),
    ]
    assert recovered_lines == lines


def test_given_two_clean_detail_invoices_when_posted_or_planned_then_each_is_counted_as_one_document(
    make_engine, build
):
    records = [("jobs", build.job()), ("invoices", build.invoice("a", "9401"))]
    records.append(("invoices", build.invoice("b", "9402")))
    planned = make_engine(dry_run=True).process(records)
    assert planned.documents == {"AR detail": 2} and planned.states == {"posted": 2}
    posted = make_engine(run_id="run-2").process(records)
    assert posted.documents == {"AR detail": 2} and posted.states == {"posted": 2}


def test_given_a_document_from_spectrums_history_when_an_invoice_finds_it_then_the_reason_shows_no_batch(
    make_engine, spectrum, build, rows, monkeypatch
):
    from destination_spectrum.gateway import ExistingDocument

    # A document already in Spectrum's history (posted, out of any entry batch) comes back without a batch code.
    monkeypatch.setattr(
        spectrum, "ar_documents", lambda company, numbers: {n: ExistingDocument(n, "ACME", "J100") for n in numbers}
    )
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("h", "9501"))])
    assert rows("select state, reason from tieout_ledger.postings") == [
        ("posted", "found in Spectrum as 9501 (batch -); not posted again")
    ]


def test_given_someone_elses_document_without_a_job_under_our_number_when_processed_then_the_hold_says_job_dash(
    make_engine, spectrum, build, rows
):
    from destination_spectrum.gateway import ARDocument

    spectrum.ar[("MEC", "9202")] = ARDocument("MEC", "OTHER", "", "9202", None, 0, ())
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice("n", "9202"))])
    ((reason,),) = rows("select reason from tieout_ledger.postings")
    assert "Spectrum already holds invoice 9202 in MEC for customer OTHER job - (not posted by this ledger)" in reason


def test_given_a_number_collision_first_when_processed_then_the_invoices_after_it_are_still_posted(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        [
            ("jobs", build.job()),
            ("invoices", build.invoice("first", "INV1")),
            ("invoices", build.invoice("second", "INV 1")),
            ("invoices", build.invoice("third", "INV3")),
        ]
    )
    assert dict(rows("select source_key, state from tieout_ledger.postings")) == {
        "first": "posted",
        "second": "held",
        "third": "posted",
    }


def test_given_a_service_ticket_keyed_by_hand_under_its_truncated_number_when_summarised_then_found_not_reposted(
    make_engine, spectrum, build, rows
):
    from destination_spectrum.gateway import ARDocument

    # 17 characters is too long for Spectrum's 10: a person keyed the ticket by hand under its last 10.
    spectrum.ar[("MEC", "0000012345")] = ARDocument("MEC", "ACME", "J100", "0000012345", None, 0, ())
    records = [("jobs", build.job("job-s", "J100", "Service Call"))]
    records.append(("invoices", build.invoice("t-long", "TICKET-0000012345", job_id="job-s")))
    report = make_engine().process(records)
    assert report.documents == {} and len(spectrum.ar) == 1
    ((state, document, reason),) = rows("select state, spectrum_document, reason from tieout_ledger.postings")
    assert (state, document) == ("posted", "0000012345") and reason.startswith("found in Spectrum as 0000012345")


@pytest.mark.parametrize("owned", [1, 7])  # the first salted number, and all but the last of the 8 tried
def test_given_summary_numbers_other_groups_own_when_summarised_then_the_next_salted_number_is_used(
    make_engine, spectrum, build, tmp_path, owned
):
    import datetime as dt

    from destination_spectrum import numbering
    from destination_spectrum.ledger import Ledger

    day = dt.date(2026, 11, 20)
    ours = "MEC|ACME|J100|2026-11-20"
    seed = Ledger(tmp_path / "ledger.duckdb", run_id="run-0")  # the engine's ledger file (conftest make_engine)
    seed.record(
        [
            Outcome(
                "invoices",
                f"t-other-{salt}",
                "tenant-1",
                "posted",
                company_code="MEC",
                spectrum_document=numbering.summary_invoice_number(ours, day, 0, salt),
                posting_mode="daily_summary",
                summary_key=f"MEC|OTHER{salt}|J9|2026-11-20",
            )
            for salt in range(owned)
        ]
    )
    seed.close()
    records = [("jobs", build.job("job-s", "J100", "Service Call"))]
    records.append(("invoices", build.invoice("t-1", "501", job_id="job-s")))
    make_engine().process(records)
    assert [number for _, number in spectrum.ar] == [numbering.summary_invoice_number(ours, day, 0, owned)]
