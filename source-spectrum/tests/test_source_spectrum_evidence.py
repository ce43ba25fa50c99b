"""Every table and column source-spectrum selects has a verdict in docs/evidence/spectrum.csv.

The evidence (derived from ../shared/reference/spectrum-schema-evidence.md) says which names a live Spectrum
database is known to have. On SQL Server one unknown name fails a stream's whole SELECT, so a contradicted
name the connector still selects must be listed in STILL_TO_FIX (the visible debt, which may only shrink),
and a stream resting on names with no evidence must be in catalog.GUESSED_STREAMS (renameable by config).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from source_spectrum.catalog import GUESSED_STREAMS, SQL_STREAMS
from source_spectrum.config import SpectrumConfig
from source_spectrum.names import InstallNames
from source_spectrum.source import CONNECTOR
from source_spectrum.transports.sql import select_sql
from tieout_core import ConfigError

EVIDENCE = Path(__file__).resolve().parents[2] / "docs" / "evidence" / "spectrum.csv"

# Contradicted names a stream still selects ("*" = the table). Remove an entry when the stream is fixed.
STILL_TO_FIX: dict[str, str] = {}
SQL = {"transport": "sql", "companies": ["MEC"], "odbc": {"driver": "SQLite3", "database": "x"}}


def _evidence() -> dict[tuple[str, str], str]:
    with EVIDENCE.open(newline="", encoding="utf-8") as fh:
        return {(r["table"], r["column"]): r["verdict"] for r in csv.DictReader(fh)}


def _selected(stream=None) -> set[tuple[str, str]]:
    return {
        (s.table, name)
        for s in SQL_STREAMS
        if stream in (None, s.name)
        for name in ("*", *(c.name for c in s.columns if c.kind != "rowkey"))
    }


def test_given_the_sql_streams_when_checked_against_the_evidence_then_every_selected_name_has_a_verdict():
    evidence = _evidence()
    missing = sorted(name for name in _selected() if name not in evidence)
    assert not missing, f"add these to {EVIDENCE.name} with a verdict and a source: {missing}"


def test_given_contradicted_names_when_a_stream_still_selects_them_then_they_are_exactly_the_still_to_fix_list():
    evidence = _evidence()
    contradicted = {name for name in _selected() if evidence[name] == "contradicted"}
    listed = {(t, c) for t, names in STILL_TO_FIX.items() for c in names.split()}
    assert not sorted(contradicted - listed), "a stream selects names real Spectrum does not have"
    assert not sorted(listed - contradicted), "fixed: remove these from STILL_TO_FIX so the list shrinks"


def test_given_names_without_evidence_when_a_stream_selects_them_then_the_stream_is_marked_guessed():
    evidence = _evidence()
    guessed = {s.name for s in SQL_STREAMS if any(evidence[n] == "unverified" for n in _selected(s.name))}
    assert set(GUESSED_STREAMS) == guessed


def test_given_renamed_table_and_column_when_selected_then_this_installs_names_are_read_under_the_catalogs():
    spec = next(s for s in SQL_STREAMS if s.name == "ar_open_items")
    names = InstallNames({"CR_OPEN_ITEM_MC": "CR_OPEN_ITEM_X_MC"}, {"CR_OPEN_ITEM_MC.Retention_Balance": "Ret_Bal"})
    sql = select_sql(spec, incremental=False, names=names)
    assert "FROM CR_OPEN_ITEM_X_MC WHERE" in sql
    assert "Ret_Bal AS Retention_Balance" in sql
    assert "LTRIM(RTRIM(Job_Number)) AS Job_Number" in sql


def test_given_renamed_cursor_column_when_read_incrementally_then_the_filter_uses_this_installs_column():
    spec = next(s for s in SQL_STREAMS if s.name == "ar_payments")
    names = InstallNames({}, {"CR_PAY_ADJUST_HISTORY_MC.Transaction_Date": "Tran_Date"})
    assert select_sql(spec, incremental=True, names=names).endswith("AND Tran_Date >= ?")


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        (
            "table_names",
            {"VN_DOC_TRACKING": "X"},
            "odbc.table_names: VN_DOC_TRACKING: not read by the"
            " connector; key each entry by a table name such as `CR_OPEN_ITEM_MC`",
        ),
        (
            "column_names",
            {"Retention_Balance": "X"},
            "odbc.column_names: Retention_Balance: not read by the connector; key each entry by `TABLE.Column`",
        ),
        ("column_names", {"CR_OPEN_ITEM_MC.Retention_Balance": "Ret Bal; --"}, "'Ret Bal; --' is not a SQL name"),
    ],
)
def test_given_a_rename_the_connector_cannot_use_when_parsed_then_refused_naming_the_setting_and_the_fix(
    setting, value, expected
):
    with pytest.raises(ConfigError) as info:
        CONNECTOR.parse_config({**SQL, "odbc": {**SQL["odbc"], setting: value}})
    assert expected in str(info.value)


def test_given_renames_when_parsed_then_kept():
    config = SpectrumConfig.parse({**SQL, "odbc": {**SQL["odbc"], "table_names": {"VN_DOC_TRACKING_MC": "T"}}})
    assert config.odbc.table_names == {"VN_DOC_TRACKING_MC": "T"}
