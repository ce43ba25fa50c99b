"""The ledger file: whatever it is called, it opens, keeps what was recorded, and transforms can attach it."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from destination_spectrum.ledger import Known, Ledger, Outcome, PendingDocument, PostedLine, ledger_path_problem
from tieout_core import ConfigError


@pytest.mark.parametrize("file_name", ["tieout_ledger.duckdb", "ledger.duckdb", "it's mine.duckdb"])
def test_given_any_ledger_file_name_when_recorded_and_reopened_then_the_outcome_is_there(tmp_path, file_name):
    # tieout_ledger.duckdb is the sandbox's default: a catalog named like the schema made every statement fail.
    path = tmp_path / file_name
    ledger = Ledger(path, run_id="run-1")
    ledger.record(
        [
            Outcome(
                "invoices",
                "inv-1",
                "tenant-a",
                "posted",
                company_code="MEC",
                spectrum_document="000123",
                amount=Decimal("125.50"),
            )
        ]
    )
    ledger.close()

    reopened = Ledger(path, run_id="run-2")
    try:
        assert reopened.states("invoices", [("tenant-a", "inv-1")]) == {("tenant-a", "inv-1"): ("posted", "000123")}
        assert reopened.counts()["posted"] == 1
    finally:
        reopened.close()
    # transforms attaches the file read-only under a fixed name (macros/raw.sql, attach_ledger_file)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS tieout_ledger_file (READ_ONLY)")
        assert con.execute("SELECT amount FROM tieout_ledger_file.tieout_ledger.postings").fetchall() == [
            (Decimal("125.50"),)
        ]


# Issue 19 (mutation survivors): where a ledger may live, the jobs it remembers, and large batches that are
# read and cleared in chunks.


def test_given_a_ledger_path_that_is_a_folder_or_under_a_file_when_checked_then_the_problem_names_the_fix(tmp_path):
    assert ledger_path_problem(":memory:") is None
    assert ledger_path_problem(tmp_path / "new" / "deeper" / "ledger.duckdb") is None  # folders are created
    assert ledger_path_problem(tmp_path) == (
        f"ledger_path {tmp_path} is a folder; set ledger_path to a file in a folder this user can write (it is "
        f"created if missing), e.g. {tmp_path / 'tieout_ledger.duckdb'}"
    )
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    problem = ledger_path_problem(blocker / "ledger.duckdb")
    assert problem is not None and f"cannot be created: {blocker} is a file, not a folder" in problem
    with pytest.raises(ConfigError, match="is a folder"):
        Ledger(tmp_path, run_id="run-1")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc: a folder even root cannot write in")
def test_given_a_folder_no_file_can_be_created_in_when_checked_then_the_os_error_is_named():
    # The probe file, not os.access: root passes every permission check but still cannot write to /proc (or to a
    # read-only mount).
    problem = ledger_path_problem("/proc/tieout/ledger.duckdb")
    assert problem is not None
    assert problem.startswith("ledger_path /proc/tieout/ledger.duckdb cannot be written (")
    assert "in /proc); set ledger_path to a file in a folder this user can write" in problem


def test_given_jobs_remembered_when_read_back_then_each_field_is_kept_and_a_missing_one_is_empty(tmp_path):
    ledger = Ledger(tmp_path / "ledger.duckdb", run_id="run-1")
    try:
        ledger.remember_jobs([])  # nothing to remember is not an error
        ledger.remember_jobs(
            [
                ("t", "job-1", "J-100", "Service Call", "cust-1", "open", "MEC - Service", 2026),
                ("t", "job-2", None, None, None, None, None, None),
            ]
        )
        assert ledger.jobs() == {
            ("t", "job-1"): ("J-100", "Service Call", "cust-1", "open", "MEC - Service", 2026),
            ("t", "job-2"): ("", "", "", "", "", None),
        }
    finally:
        ledger.close()


def test_given_more_records_and_intents_than_one_statement_holds_when_recorded_then_all_are_read_and_cleared(
    tmp_path,
):
    # known() reads in chunks of 500 keys and record() clears intents in chunks of 200: 1201 of each cross both.
    ledger = Ledger(tmp_path / "ledger.duckdb", run_id="run-1")
    try:
        intents = [PendingDocument("AR", "MEC", "", f"D{n:05d}", f"inv-{n}", {"n": n}) for n in range(1201)]
        ledger.add_pending_many(intents)
        assert len(ledger.pending()) == 1201
        outcomes = [Outcome("invoices", f"inv-{n}", "t", "posted", spectrum_document=f"D{n:05d}") for n in range(1201)]
        ledger.record(outcomes, clear_pending=intents)
        assert ledger.pending() == []
        known = ledger.known("invoices", [("t", f"inv-{n}") for n in range(1201)] + [("other", "inv-1")])
        assert len(known) == 1201 and known[("t", "inv-1200")].spectrum_document == "D01200"
    finally:
        ledger.close()


def test_given_an_outcome_with_every_field_when_recorded_then_the_ledger_gives_each_back(tmp_path):
    ledger = Ledger(tmp_path / "ledger.duckdb", run_id="run-1")
    try:
        ledger.record(
            [
                Outcome(
                    "invoices",
                    "inv-7",
                    "t",
                    "changed_after_posting",
                    reason="edited in BuildOps after posting: 1,204.17 -> 1,240.71",
                    company_code="MEC",
                    spectrum_batch="B-0042",
                    spectrum_document="000777",
                    posting_mode="daily_summary",
                    summary_key="MEC|ACME|J-100|2026-11-20",
                    amount=Decimal("1240.71"),
                    content_fingerprint="fp-1",
                    posted_amount=Decimal("1204.17"),
                    posted_document='{"Invoice_Number": "000777"}',
                )
            ]
        )
        assert ledger.known("invoices", [("t", "inv-7")])[("t", "inv-7")] == Known(
            state="changed_after_posting",
            spectrum_document="000777",
            company_code="MEC",
            spectrum_batch="B-0042",
            posting_mode="daily_summary",
            summary_key="MEC|ACME|J-100|2026-11-20",
            amount=Decimal("1240.71"),
            content_fingerprint="fp-1",
            posted_amount=Decimal("1204.17"),
            posted_document='{"Invoice_Number": "000777"}',
            reason="edited in BuildOps after posting: 1,204.17 -> 1,240.71",
        )
    finally:
        ledger.close()


def test_given_batch_reports_when_merged_then_every_count_is_the_sum_and_a_fresh_report_counts_nothing():
    from collections import Counter

    from destination_spectrum.report import BatchReport

    total = BatchReport()
    total.merge(BatchReport(states=Counter(posted=2), spectrum_calls=3, documents=Counter({"AR detail": 2})))
    total.merge(BatchReport(states=Counter(held=1), already_posted=1, found_in_spectrum=1))
    assert (total.states, total.documents) == (Counter(posted=2, held=1), Counter({"AR detail": 2}))
    assert (total.spectrum_calls, total.already_posted, total.found_in_spectrum) == (3, 1, 1)


def test_given_an_intent_or_a_posted_line_when_a_caller_tries_to_change_it_then_it_is_read_only():
    # What the ledger recorded is what Spectrum was sent: the objects handed to record() are not edited after.
    intent = PendingDocument("AR", "MEC", "", "D1", "inv-1", {})
    line = PostedLine("invoices", "inv-1", "t", 1, "MEC", "D1", "100", "L", "Labor", Decimal("1.01"))
    for made in (intent, line):
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.company_code = "FPR"  # type: ignore[misc]
