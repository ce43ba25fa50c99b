"""The ledger file: whatever it is called, it opens, keeps what was recorded, and transforms can attach it."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from destination_spectrum.ledger import Ledger, Outcome


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
