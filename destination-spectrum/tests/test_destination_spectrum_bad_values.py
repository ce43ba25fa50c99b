"""Values out of range, settings `check` must refuse, and a ledger write that fails: one record's problem stays
that record's, a setting's problem is found at `check`, and an I/O error is shown as itself."""

from __future__ import annotations

import contextlib
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from destination_spectrum import session as session_module
from destination_spectrum.destination import DestinationSpectrum
from destination_spectrum.ledger import Ledger, LedgerWriteError, Outcome
from destination_spectrum.money import FieldError, to_date, to_money
from tieout_core import ConfigError


@pytest.mark.parametrize(
    ("value", "field"),
    [(1e17, "totalAmount"), ("1E+30", "totalAmount"), (-(10**16), "totalAmount")],
)
def test_given_an_amount_too_large_for_money_when_parsed_then_a_field_error_names_it_and_the_fix(value, field):
    with pytest.raises(FieldError) as caught:
        to_money(value, field)
    assert f"field '{field}'" in str(caught.value) and "out of range" in str(caught.value)
    assert "correct the amount in BuildOps" in str(caught.value)


@pytest.mark.parametrize("value", [10**20, 1e300, float("inf"), str(10**20)])
def test_given_an_epoch_date_past_year_9999_when_parsed_then_a_field_error_not_an_overflow(value):
    with pytest.raises(FieldError) as caught:
        to_date(value, "dueDate")
    assert "field 'dueDate'" in str(caught.value) and "out of range as an epoch timestamp" in str(caught.value)


def test_given_the_largest_amount_the_ledger_holds_when_parsed_then_accepted():
    assert to_money("9999999999999999.99", "totalAmount") == Decimal("9999999999999999.99")


def test_given_out_of_range_values_among_good_invoices_when_processed_twice_then_only_they_are_rejected(
    make_engine, spectrum, build, rows
):
    batch = [
        ("jobs", build.job()),
        ("invoices", build.invoice("inv-good-1", "4001")),
        ("invoices", build.invoice("inv-huge", "4002", totalAmount=1e17)),
        ("invoices", build.invoice("inv-epoch", "4003", issuedDate=10**20)),
        ("invoices", build.invoice("inv-due", "4004", dueDate=1e300)),
        ("invoices", build.invoice("inv-good-2", "4005")),
    ]
    first = make_engine().process(batch)
    again = make_engine("run-2").process(batch)  # it used to crash here too, on every rerun

    assert first.states == {"posted": 2, "rejected": 3}
    assert again.states == {"rejected": 3} and again.already_posted == 2
    assert sorted(number for _, number in spectrum.ar) == ["4001", "4005"]
    reasons = dict(rows("select source_key, reason from tieout_ledger.postings where state = 'rejected'"))
    assert "field 'totalAmount' is 1e+17: out of range" in reasons["inv-huge"]
    assert "field 'issuedDate' is 100000000000000000000: out of range" in reasons["inv-epoch"]
    assert "field 'dueDate' is 1e+300: out of range" in reasons["inv-due"]


# -- check ---------------------------------------------------------------------------------------------------


@pytest.fixture
def config(files, tmp_path, monkeypatch, spectrum):
    monkeypatch.setattr(session_module, "open_gateway", lambda config: spectrum)
    return {
        "data_exchange": {"base_url": "http://127.0.0.1:9", "authorization_id": "SANDBOXAUTH"},
        "odbc": {"connection_string": "Driver=SQLite3;Database=/nonexistent.sqlite"},
        "mapping_path": str(files["mapping"]),
        "customer_crosswalk_path": str(files["crosswalk"]),
        "policy_path": str(files["policy"]),
        "ledger_path": str(tmp_path / "ledger.duckdb"),
    }


def test_given_lower_case_and_spaced_company_codes_when_checked_then_failed_naming_them_and_the_fix(config):
    status = DestinationSpectrum().check(None, {**config, "companies": ["mec", " FPR "]})
    assert status.status.name == "FAILED"
    assert "'mec', ' FPR ' is not a Spectrum company code" in status.message, status.message
    assert 'upper case, without spaces (here: ["MEC", "FPR"])' in status.message, status.message


def test_given_a_ledger_path_under_a_file_when_checked_and_written_then_both_name_the_path_and_the_fix(
    config, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    ledger = blocker / "ledger.duckdb"
    status = DestinationSpectrum().check(None, {**config, "ledger_path": str(ledger)})
    assert status.status.name == "FAILED"
    assert f"ledger_path {ledger} cannot be created: {blocker} is a file" in status.message, status.message
    assert "set ledger_path to a file in a folder this user can write" in status.message
    with pytest.raises(ConfigError, match="cannot be created"):
        Ledger(ledger, "run-1")


def test_given_a_writable_ledger_path_when_checked_then_it_passes_and_nothing_is_left_behind(
    config, tmp_path, monkeypatch, spectrum
):
    from destination_spectrum import destination as destination_module

    spectrum.check = lambda: None
    monkeypatch.setattr(destination_module, "open_gateway", lambda config: spectrum)
    before = sorted(tmp_path.iterdir())
    status = DestinationSpectrum().check(None, {**config, "ledger_path": str(tmp_path / "new" / "ledger.duckdb")})
    assert status.status.name == "SUCCEEDED", status.message
    assert sorted(tmp_path.iterdir()) == before, "check left a probe file or a folder behind"


# -- a ledger write that fails ---------------------------------------------------------------------------------


class _FailingInserts:
    """The connection as DuckDB leaves it after an I/O error mid-transaction: the INSERT fails with the real
    error and the transaction is already gone, so ROLLBACK fails with "no transaction is active"."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con, self._failed = con, False

    def execute(self, sql: str, *args):
        if sql.startswith("INSERT"):
            self._failed = True
            raise duckdb.IOException('Could not write file "ledger.duckdb.wal": No space left on device')
        if sql == "ROLLBACK" and self._failed:
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback - no transaction is active")
        return self._con.execute(sql, *args)

    def close(self):
        self._con.close()


def test_given_an_io_error_inside_a_ledger_write_when_recorded_then_the_real_error_is_raised_not_the_rollback(
    tmp_path,
):
    """Injected: the connection raises DuckDB's IOException on the INSERT, as it does on a full disk (the
    integration test fills a real tmpfs); the code path from `record` on is the real one."""
    ledger = Ledger(tmp_path / "ledger.duckdb", "run-1")
    ledger._con = _FailingInserts(ledger._con)
    with pytest.raises(LedgerWriteError) as caught:
        ledger.record([Outcome("invoices", "inv-1", "t", "held", "x", amount=Decimal("1.00"))])
    ledger.close()
    message = caught.value.message
    assert "No space left on device" in message and "cannot rollback" not in message, message
    assert f"the ledger {tmp_path / 'ledger.duckdb'} could not be written" in message
    assert "Free space on that disk (or point ledger_path at another), then sync again" in message


@contextlib.contextmanager
def _tiny_tmpfs(where: Path, size: str = "2m"):
    where.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("mounting a tmpfs needs root (the injected-error test covers the same path)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> None:
    handle = (folder / "filler").open("wb", buffering=0)
    with contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
    with contextlib.suppress(OSError):
        handle.close()


def test_given_a_real_full_disk_when_the_ledger_is_written_then_the_io_error_is_raised(tmp_path):
    """A real tmpfs (when this runs as root) filled to the last byte after the ledger was created."""
    with _tiny_tmpfs(tmp_path / "disk") as disk:
        ledger = Ledger(disk / "ledger.duckdb", "run-1")
        _fill(disk)
        with pytest.raises(LedgerWriteError) as caught:
            for n in range(100):
                ledger.record([Outcome("invoices", f"inv-{n}-{i}", "t", "held", "x" * 400) for i in range(100)])
        ledger.close()
    assert "No space left on device" in caught.value.message, caught.value.message
    assert "cannot rollback" not in caught.value.message
