"""The close report's "Mapping and crosswalks" section (issue 15 section 5): how much of what BuildOps bills the
mapping and crosswalks tie to Spectrum, from the warehouse, and the suggestions tieout-map made that no person
has decided yet, by confidence band, when DATA/suggestions.json exists.

Its own module so the report's other sections and this one change independently; it reads the warehouse
tables dbt builds (int_invoice_lines_mapped, int_customer_xref, the vendor staging views) and leaves out a
table a warehouse built before them lacks, rather than failing the report.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from html import escape
from pathlib import Path

import duckdb

from tieout_demo.charts import money

BANDS = ("high", "medium", "low", "none")
KINDS = ("cost_code", "customer", "vendor")
SUGGESTIONS_FILE = "suggestions.json"  # tieout-map suggest --out DATA/suggestions.json
AUDIT_FILE = "mapping_audit.csv"  # tieout-map apply's audit, in DATA/mapping


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = ? and table_schema = current_schema()",
            [table],
        ).fetchone()[0]
    )


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(header: list[str], rows: list[list[str]], numeric: range) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{escape(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def coverage(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """Rows of (what, tied, of, share, detail) for invoice lines, customers and vendors."""
    rows = []
    if _has(con, "int_invoice_lines_mapped"):
        # Lines of progress-billed jobs (AIA draws) are billed in Spectrum, not posted through the mapping.
        lines = con.execute(
            "select mapping_status, billing_route = 'spectrum_progress', count(*), coalesce(sum(amount), 0) "
            "from int_invoice_lines_mapped group by all"
        ).fetchall()
        by_status: dict[str, tuple[int, float]] = {}
        progress = 0
        for status, is_progress, n, amount in lines:
            if is_progress:
                progress += n
                continue
            had_n, had_amount = by_status.get(status, (0, 0))
            by_status[status] = (had_n + n, had_amount + amount)
        total_n = sum(n for n, _ in by_status.values())
        total_amount = sum(a for _, a in by_status.values())
        mapped_n, mapped_amount = by_status.get("mapped", (0, 0))
        detail = ", ".join(f"{s}: {n:,}" for s, (n, _) in sorted(by_status.items()) if s != "mapped")
        rows.append(
            [
                "BuildOps-billed invoice lines whose item maps to a cell on its job's grid",
                f"{mapped_n:,}",
                f"{total_n:,}",
                _pct(mapped_n, total_n),
                f"{money(mapped_amount)} of {money(total_amount)} billed ({_pct(mapped_amount, total_amount)}); "
                + (detail or "nothing else")
                + f"; {progress:,} line(s) of progress-billed jobs left out (billed in Spectrum)",
            ]
        )
    if _has(con, "int_customer_xref"):
        methods = dict(con.execute("select match_method, count(*) from int_customer_xref group by 1").fetchall())
        total = sum(methods.values())
        unmatched = methods.get("unmatched", 0)
        rows.append(
            [
                "Spectrum customers tied to a BuildOps customer",
                f"{total - unmatched:,}",
                f"{total:,}",
                _pct(total - unmatched, total),
                ", ".join(f"by {m}: {n:,}" for m, n in sorted(methods.items()) if m != "unmatched")
                + f"; unmatched: {unmatched:,}",
            ]
        )
    if _has(con, "stg_spectrum__vendors") and _has(con, "stg_buildops__vendors"):
        total, tied = con.execute(
            "select count(*), count(*) filter (where exists (select 1 from stg_buildops__vendors b "
            "where upper(b.vendor_number) = upper(v.vendor_code))) from stg_spectrum__vendors v"
        ).fetchone()
        rows.append(
            [
                "Spectrum vendors whose Vendor_Code a BuildOps vendorNumber holds",
                f"{tied:,}",
                f"{total:,}",
                _pct(tied, total),
                "the rest need vendor_crosswalk.csv rows",
            ]
        )
    return rows


def open_suggestions(data_dir: Path) -> tuple[Counter, int] | None:
    """(kind, band) -> suggestions no person has decided (no audit line names their id), and how many were
    decided; None when there is no suggestions.json."""
    path = data_dir / SUGGESTIONS_FILE
    if not path.is_file():
        return None
    suggestions = json.loads(path.read_text(encoding="utf-8")).get("suggestions", [])
    decided: set[str] = set()
    audit = data_dir / "mapping" / AUDIT_FILE
    if audit.is_file():
        with audit.open(newline="", encoding="utf-8") as handle:
            decided = {r.get("suggestion_id", "") for r in csv.DictReader(handle)}
    counts: Counter = Counter()
    n_decided = 0
    for s in suggestions:
        if s.get("suggestion_id") in decided:
            n_decided += 1
        else:
            counts[(s.get("kind", ""), s.get("band", "none"))] += 1
    return counts, n_decided


def mapping_section(con: duckdb.DuckDBPyConnection, data_dir: Path | None) -> str:
    """The section's HTML; empty when the warehouse has none of its tables and there are no suggestions."""
    cover = coverage(con)
    found = open_suggestions(data_dir) if data_dir else None
    if not cover and found is None:
        return ""
    parts = ["<section><h2>Mapping and crosswalks</h2>"]
    if cover:
        parts.append(_table(["coverage", "tied", "of", "share", "detail"], cover, range(1, 4)))
    if found is not None:
        counts, n_decided = found
        kinds = [k for k in KINDS if any(counts[(k, b)] for b in BANDS)] + sorted({k for k, _ in counts} - set(KINDS))
        rows = [[k, *(f"{counts[(k, b)]:,}" for b in BANDS)] for k in kinds]
        parts.append(
            f"<h3>Open suggestions by confidence ({escape(SUGGESTIONS_FILE)})</h3>"
            + (_table(["kind", *BANDS], rows, range(1, 1 + len(BANDS))) if rows else "<p class='note'>None open.</p>")
            + f"<p class='note'>{n_decided:,} suggestion(s) already decided (mapping/{AUDIT_FILE}). Decide the "
            "rest with <code>tieout-map review</code> and <code>tieout-map apply</code>; <i>none</i> means nothing "
            "was found and a person must supply the answer.</p>"
        )
    parts.append("</section>")
    return "".join(parts)
