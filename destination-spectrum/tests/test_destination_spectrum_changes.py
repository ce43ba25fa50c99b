"""Invoices edited or voided in BuildOps after they were posted: held for a person by default, corrected exactly
once when policy says so, never skipped silently and never posted twice; and the ledger file of an earlier
version migrates in place."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import duckdb
import pytest
from destination_spectrum.ledger import Ledger
from destination_spectrum.policy import Policy


def edited(build, **changes):
    items = [
        {"description": "Labor", "lineItemType": "LaborLineItem", "amount": 450.0},
        {"description": "Part", "lineItemType": "Material", "product": {"code": "PART-1"}, "amount": 200.0},
    ]
    return build.invoice(items=items, **changes)


def correcting(files) -> Policy:
    text = files["policy"].read_text() + "changed_after_posting: correct\n"
    files["policy"].write_text(text)
    return Policy.load(files["policy"])


def verdict(rows, key="inv-1"):
    return rows(
        "select state, reason, spectrum_document, amount, posted_amount from tieout_ledger.postings "
        f"where source_key = '{key}'"
    )[0]


def test_given_a_posted_invoice_edited_in_buildops_when_synced_again_then_held_as_changed_naming_both_totals(
    make_engine, spectrum, build, rows
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice())])
    report = make_engine("run-2").process([("jobs", build.job()), ("invoices", edited(build))])
    again = make_engine("run-3").process([("jobs", build.job()), ("invoices", edited(build))])

    assert report.states == {"changed_after_posting": 1} and again.states == {"changed_after_posting": 1}
    assert list(spectrum.ar) == [("MEC", "1001")], "the edited invoice was posted again"
    state, reason, document, amount, posted_amount = verdict(rows)
    assert (state, document, amount, posted_amount) == ("changed_after_posting", "1001", 650, 500)
    assert "BuildOps invoice 1001 was posted to Spectrum as 1001 in MEC for 500.00 and now totals 650.00" in reason
    assert "held for a person, not posted again" in reason and "changed_after_posting: correct" in reason


def test_given_a_posted_invoice_voided_or_only_paid_when_synced_again_then_void_is_held_and_payment_is_not_a_change(
    make_engine, spectrum, build, rows
):
    make_engine().process(
        [("jobs", build.job()), ("invoices", build.invoice()), ("invoices", build.invoice("inv-2", "1002"))]
    )
    paid = build.invoice("inv-2", "1002", status="Closed", payments=[{"amount": 500}], dueDate="2026-12-20")
    report = make_engine("run-2").process(
        [("jobs", build.job()), ("invoices", build.invoice(status="Void")), ("invoices", paid)]
    )

    assert report.states == {"changed_after_posting": 1} and report.already_posted == 1
    state, reason, *_ = verdict(rows)
    assert state == "changed_after_posting" and "and is now 'Void' in BuildOps" in reason, reason
    assert len(spectrum.ar) == 2


def test_given_an_edited_invoice_changed_back_when_synced_then_posted_again_in_the_ledger_and_nothing_sent(
    make_engine, spectrum, build, rows
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice())])
    make_engine("run-2").process([("jobs", build.job()), ("invoices", edited(build))])
    report = make_engine("run-3").process([("jobs", build.job()), ("invoices", build.invoice())])

    assert report.states == {"posted": 1} and spectrum.calls == 1
    assert verdict(rows)[:3] == ("posted", "changed after posting, then changed back to what Spectrum holds", "1001")


def test_given_policy_correct_when_an_edited_invoice_returns_then_a_credit_memo_and_a_new_invoice_post_once(
    make_engine, spectrum, build, rows, files
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice())])
    policy = correcting(files)
    report = make_engine("run-2", policy=policy).process([("jobs", build.job()), ("invoices", edited(build))])
    again = make_engine("run-3", policy=policy).process([("jobs", build.job()), ("invoices", edited(build))])

    assert report.documents == {"AR credit memo": 1, "AR detail": 1} and report.states == {"posted": 1}
    assert again.states == {} and again.already_posted == 1 and spectrum.calls == 3
    numbers = [number for _, number in spectrum.ar]
    credit = next(d for d in spectrum.ar.values() if d.transaction_type == "C")
    new = next(d for (_, n), d in spectrum.ar.items() if n not in ("1001", credit.number))
    assert numbers[0] == "1001" and credit.number.startswith("C") and new.number.startswith("R")
    assert [str(x.amount) for x in credit.lines] == ["-300.00", "-200.00"] and credit.customer_code == "ACME"
    assert str(new.amount) == "650.00" and new.transaction_type == "I"
    state, reason, document, amount, posted_amount = verdict(rows)
    assert (state, document, amount, posted_amount) == ("posted", new.number, 650, 650)
    assert f"credit memo {credit.number} reverses 1001 (500.00); posted again as {new.number} (650.00)" in reason


def test_given_policy_correct_and_a_crash_after_the_credit_memo_when_rerun_then_each_document_lands_once(
    make_engine, spectrum, build, rows, files
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice())])
    policy = correcting(files)
    spectrum.crash_after = 2  # the credit memo lands, then the run dies before its ledger write
    with pytest.raises(build.Crash):
        make_engine("run-2", policy=policy).process([("jobs", build.job()), ("invoices", edited(build))])
    spectrum.crash_after = None
    engine = make_engine("run-3", policy=policy)
    assert engine.recover() == 1
    make_engine("run-4", policy=policy).process([("jobs", build.job()), ("invoices", edited(build))])
    make_engine("run-5", policy=policy).process([("jobs", build.job()), ("invoices", edited(build))])

    kinds = sorted(d.transaction_type + ("1001" if n == "1001" else n[0]) for (_, n), d in spectrum.ar.items())
    assert kinds == ["CC", "I1001", "IR"], kinds
    assert verdict(rows)[0] == "posted"


def test_given_policy_correct_when_a_posted_invoice_is_voided_then_only_the_credit_memo_posts_once(
    make_engine, spectrum, build, rows, files
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice())])
    policy = correcting(files)
    void = build.invoice(status="Void")
    make_engine("run-2", policy=policy).process([("jobs", build.job()), ("invoices", void)])
    again = make_engine("run-3", policy=policy).process([("jobs", build.job()), ("invoices", void)])

    assert sorted(d.transaction_type for d in spectrum.ar.values()) == ["C", "I"]
    assert again.already_posted == 1 and again.states == {}
    state, reason, document, amount, _ = verdict(rows)
    assert state == "posted" and document.startswith("C") and amount == 0
    assert f"voided in BuildOps after posting: credit memo {document} reverses 1001 (500.00)" in reason


def test_given_policy_correct_when_a_daily_summary_ticket_changes_then_held_naming_the_summary(
    make_engine, spectrum, build, rows, files
):
    service = build.job(job_type="Service Call")
    make_engine().process([("jobs", service), ("invoices", build.invoice())])
    make_engine("run-2", policy=correcting(files)).process([("jobs", service), ("invoices", edited(build))])

    state, reason, document, *_ = verdict(rows)
    assert state == "changed_after_posting" and document.startswith("D")
    assert f"it is part of daily summary {document}, which carries other tickets too" in reason
    assert len(spectrum.ar) == 1


def test_given_a_header_total_that_differs_from_its_lines_plus_tax_when_processed_then_held_naming_both(
    make_engine, spectrum, build, rows
):
    make_engine().process([("jobs", build.job()), ("invoices", build.invoice(totalAmount=540.0, taxAmount=20.0))])
    state, reason, *_ = verdict(rows)
    assert state == "held" and spectrum.ar == {}
    assert "states totalAmount 540.00 but its lines sum to 500.00 plus taxAmount 20.00 = 520.00" in reason


def test_given_a_ledger_file_of_the_previous_version_when_opened_then_rows_are_kept_and_edits_are_caught(
    tmp_path, make_engine, spectrum, build, rows
):
    path = tmp_path / "ledger.duckdb"
    with duckdb.connect(str(path)) as con:  # the postings table as the previous version created it
        con.execute(
            textwrap.dedent("""
            CREATE SCHEMA tieout_ledger;
            CREATE TABLE tieout_ledger.postings (
                source_stream VARCHAR NOT NULL, source_key VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL,
                company_code VARCHAR, state VARCHAR NOT NULL CHECK (state IN ('posted', 'held', 'rejected')),
                reason VARCHAR, spectrum_batch VARCHAR, spectrum_document VARCHAR, posting_mode VARCHAR,
                summary_key VARCHAR, amount DECIMAL(18, 2), attempted_at TIMESTAMP NOT NULL, run_id VARCHAR NOT NULL,
                PRIMARY KEY (source_stream, tenant_id, source_key));
            INSERT INTO tieout_ledger.postings VALUES
                ('invoices', 'inv-1', 't-1', 'MEC', 'posted', NULL, 'WS01', '1001', 'detail', NULL, 500, now(), 'old'),
                ('invoices', 'inv-2', 't-1', 'MEC', 'posted', NULL, 'WS01', '1002', 'detail', NULL, 500, now(), 'old');
        """)
        )
    spectrum.ar[("MEC", "1001")] = spectrum.ar[("MEC", "1002")] = None  # what the old version posted
    report = make_engine().process(
        [
            ("jobs", build.job()),
            ("invoices", build.invoice()),
            ("invoices", edited(build, inv_id="inv-2", number="1002")),
        ]
    )

    assert report.already_posted == 1 and report.states == {"changed_after_posting": 1}
    kept = dict(rows("select source_key, state || ' ' || spectrum_document from tieout_ledger.postings"))
    assert kept == {"inv-1": "posted 1001", "inv-2": "changed_after_posting 1002"}
    assert rows(
        "select count(*) from tieout_ledger.postings where source_key = 'inv-1' and content_fingerprint is not null"
    ) == [(1,)], "the unchanged row did not adopt a fingerprint"
    make_engine.ledger.close()
    reopened = Ledger(path, "reopen")  # opening the migrated file again changes nothing
    assert reopened.counts() == {"posted": 1, "changed_after_posting": 1}
    reopened.close()


def test_given_an_intent_written_before_fingerprints_when_recovered_then_it_settles(tmp_path):
    from destination_spectrum.postings import from_payload

    outcomes, _ = from_payload(
        {
            "outcomes": [
                {
                    "source_stream": "invoices",
                    "source_key": "k",
                    "tenant_id": "t",
                    "state": "posted",
                    "reason": "",
                    "company_code": "MEC",
                    "spectrum_batch": "",
                    "spectrum_document": "1001",
                    "posting_mode": "detail",
                    "summary_key": "",
                    "amount": "5.00",
                }
            ],
            "lines": [],
        },
        "WS01",
    )
    assert outcomes[0].amount == Decimal("5.00") and outcomes[0].content_fingerprint == ""
