"""Every Spectrum table and column the twin defines has a verdict in docs/evidence/spectrum.csv.

The evidence (table, column, verdict, real type, public source) is derived from
../shared/reference/spectrum-schema-evidence.md. A contradicted name the twin still uses must be listed in
STILL_TO_FIX below: the list is the visible debt, and it may only shrink (an entry fixed but not removed
fails too). A name with no evidence either way must be marked in schema.UNVERIFIED, the one place guesses live.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tieout_sandbox.spectrum.schema import TABLES, UNVERIFIED

EVIDENCE = Path(__file__).resolve().parents[2] / "docs" / "evidence" / "spectrum.csv"

# Contradicted names the twin still defines ("*" = the table name itself). Remove an entry when it is fixed.
STILL_TO_FIX: dict[str, str] = {}


def _evidence() -> dict[tuple[str, str], str]:
    with EVIDENCE.open(newline="", encoding="utf-8") as fh:
        return {(r["table"], r["column"]): r["verdict"] for r in csv.DictReader(fh)}


def _twin_names() -> set[tuple[str, str]]:
    return {(table, name) for table, cols in TABLES.items() for name in ("*", *(c for c, _ in cols))}


def _pairs(marks: dict[str, str] | dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    return {(t, c) for t, cols in marks.items() for c in (cols.split() if isinstance(cols, str) else cols)}


def test_given_the_twin_schema_when_checked_against_the_evidence_then_every_table_and_column_has_a_verdict():
    evidence = _evidence()
    missing = sorted(name for name in _twin_names() if name not in evidence)
    assert not missing, f"add these to {EVIDENCE.name} with a verdict and a source: {missing}"
    assert {v for v in evidence.values()} <= {"confirmed", "contradicted", "unverified"}


def test_given_contradicted_names_when_the_twin_still_uses_them_then_they_are_exactly_the_still_to_fix_list():
    evidence = _evidence()
    contradicted = {name for name in _twin_names() if evidence[name] == "contradicted"}
    unlisted = sorted(contradicted - _pairs(STILL_TO_FIX))
    fixed = sorted(_pairs(STILL_TO_FIX) - contradicted)
    assert not unlisted, f"the twin uses names real Spectrum does not have (see the evidence's note): {unlisted}"
    assert not fixed, f"fixed: remove these from STILL_TO_FIX so the list shrinks: {fixed}"


def test_given_names_without_evidence_when_the_twin_uses_them_then_schema_marks_exactly_those_unverified():
    evidence = _evidence()
    unverified = {name for name in _twin_names() if evidence[name] == "unverified"}
    assert _pairs(UNVERIFIED) == unverified
