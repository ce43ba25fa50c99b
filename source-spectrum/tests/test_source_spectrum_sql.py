"""Every SQL stream against the sandbox twin, through the SQLite ODBC driver and through psqlODBC:
record counts and money sums equal the generated CSVs; conventions hold on every record."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from source_spectrum.catalog import SQL_STREAMS
from source_spectrum.config import SpectrumConfig
from source_spectrum.streams import build_streams
from tieout_core import Checkpoint

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATABASES = [pytest.param("sql", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


def read_stream(config: dict, name: str, state: dict | None = None) -> tuple[list[dict], list[dict]]:
    declaration = next(d for d in build_streams(SpectrumConfig.parse(config)) if d.name == name)
    records, checkpoints = [], []
    for item in declaration.read(state or {}):
        (checkpoints.append(item.state) if isinstance(item, Checkpoint) else records.append(dict(item)))
    return records, checkpoints


def exact(value) -> Decimal:
    return Decimal(repr(value)) if value is not None else Decimal(0)


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("spec", SQL_STREAMS, ids=[s.name for s in SQL_STREAMS])
def test_given_sandbox_database_when_stream_read_then_counts_and_sums_equal_the_csv(live, request, database, spec):
    if database == "postgres":
        request.getfixturevalue("pg_live")
    records, _ = read_stream(live.config(database), spec.name)
    rows = live.csv_rows(spec.table)

    assert rows, f"{spec.table} is empty in the sandbox: the comparison would prove nothing"
    assert len(records) == len(rows)
    assert Counter(r["company_code"] for r in records) == Counter(r["Company_Code"] for r in rows)
    for column in spec.columns:
        if column.kind.startswith("dec"):
            assert sum(exact(r.get(column.out)) for r in records) == live.csv_sum(spec.table, column.name), column.name
    keys = [c.out for c in spec.columns if c.kind == "key"]
    dates = [c.out for c in spec.columns if c.kind in ("date", "tdate")]
    for record in records:
        assert all(record[k] is None or record[k] == record[k].strip() for k in keys)
        assert all(record[d] is None or ISO_DATE.match(record[d]) for d in dates)
    assert len({tuple(r[k] for k in spec.primary_key) for r in records}) == len(records), "primary key not unique"


def test_given_padded_job_numbers_when_read_then_trimmed(live):
    assert live.csv_rows("JC_JOB_MASTER_MC")[0]["Job_Number"].startswith(" ")
    records, _ = read_stream(live.config("sql"), "jobs")
    expected = {(r["Company_Code"], r["Job_Number"].strip()) for r in live.csv_rows("JC_JOB_MASTER_MC")}
    assert {(r["company_code"], r["job_number"]) for r in records} == expected


def test_given_text_tran_dates_when_read_then_iso(live):
    records, _ = read_stream(live.config("sql"), "job_cost_transactions")
    raw = Counter(r["Tran_Date_Text"] for r in live.csv_rows("JC_TRANSACTION_HISTORY_MC"))
    assert Counter(r["tran_date_text"] for r in records) == {f"{d[:4]}-{d[4:6]}-{d[6:]}": n for d, n in raw.items()}


@pytest.mark.parametrize("database", DATABASES)
def test_given_state_when_incremental_read_then_only_the_lookback_window_is_read_again(live, request, database):
    if database == "postgres":
        request.getfixturevalue("pg_live")
    config = {**live.config(database), "lookback_days": 10}
    first, checkpoints = read_stream(config, "gl_detail")
    state = checkpoints[-1]
    assert set(state["companies"]) == {"MEC", "FPR"}
    second, _ = read_stream(config, "gl_detail", state)

    rows = live.csv_rows("GL_DETAIL_MC")
    from datetime import date, timedelta

    def expected(company: str) -> int:
        floor = (date.fromisoformat(state["companies"][company]["cursor"]) - timedelta(days=10)).isoformat()
        return sum(1 for r in rows if r["Company_Code"] == company and r["Tran_Date"] >= floor)

    assert len(first) == len(rows)
    assert 0 < len(second) < len(first)
    assert Counter(r["company_code"] for r in second) == {c: expected(c) for c in ("MEC", "FPR")}


def test_given_identical_time_cards_when_read_twice_then_row_keys_are_stable(live):
    first, _ = read_stream(live.config("sql"), "payroll_time_cards")
    second, _ = read_stream(live.config("sql"), "payroll_time_cards")
    assert sorted(r["row_key"] for r in first) == sorted(r["row_key"] for r in second)


@pytest.fixture
def forking_allowed(monkeypatch):
    """Earlier tests leave idle daemon threads in this process (loopback servers), where a real source process
    has none: let the forked reader run here, and fail loudly if it still cannot."""
    from spectrum_client import odbc_child

    monkeypatch.setattr(odbc_child, "_other_threads_running", lambda: False)
    if not odbc_child.child_reads_available():
        pytest.skip("the forked reader needs os.fork and two usable CPUs")


def test_given_child_process_reads_on_or_off_when_every_sql_stream_read_then_identical_records(live, forking_allowed):
    # The forked reader (fetch + normalise in a child, records rebuilt here) must emit exactly what a
    # single-process read emits: same records, same order, same value types (money as the same floats).
    on = live.config("sql")
    off = {**on, "odbc": {**on["odbc"], "child_process_reads": False}}
    for spec in SQL_STREAMS:
        forked, _ = read_stream(on, spec.name)
        here, _ = read_stream(off, spec.name)
        assert forked, spec.name
        assert forked == here, spec.name
        assert [[type(v) for v in r.values()] for r in forked] == [[type(v) for v in r.values()] for r in here]


def child_pids() -> set[int]:
    """Processes whose parent is this one (the sandbox twin is one; a leftover reader would be another)."""
    import os

    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            out.add(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists child processes through /proc")
def test_given_child_process_read_when_consumer_stops_early_then_no_reader_process_is_left(live, forking_allowed):
    declaration = next(d for d in build_streams(SpectrumConfig.parse(live.config("sql"))) if d.name == "gl_detail")
    before = child_pids()
    reader = declaration.read({})
    assert not isinstance(next(reader), Checkpoint)
    assert len(child_pids() - before) == 1  # the forked reader, mid-read
    reader.close()
    assert child_pids() == before  # killed and reaped (a zombie would still be listed)
