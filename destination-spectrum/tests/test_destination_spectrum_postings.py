"""The posting queue's own contracts (issue 19 mutation survivors): an intent's payload gives back exactly the
outcomes it stands for, and a batch counts each document it posts (or would post) once."""

from decimal import Decimal

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
