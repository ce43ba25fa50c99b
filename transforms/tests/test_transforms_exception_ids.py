"""exception_id is stable (issue 14 section 2): derived from the type and key columns only, so the same open
problem keeps its id across a rebuild and while its amount changes."""

from __future__ import annotations

from decimal import Decimal


def read_exceptions(path) -> dict[str, dict]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute("select exception_id, exception_type, amount_at_stake from main.exceptions")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_given_an_edited_invoice_when_its_amount_changes_and_the_mart_is_rebuilt_then_every_id_is_unchanged(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    before = read_exceptions(scratch_warehouse)
    edited = next(e for e in before.values() if e["exception_type"] == "changed_after_posting")
    with duckdb.connect(str(scratch_warehouse)) as con:
        (invoice_id,) = con.execute(
            "select buildops_invoice_id from main.exceptions where exception_id = ?", [edited["exception_id"]]
        ).fetchone()
        # BuildOps raises the edited invoice by another 10.00: the problem is the same, its amount is not.
        con.execute("update buildops_raw.invoices set totalamount = totalamount + 10 where id = ?", [invoice_id])

    dbt_tools.run(
        ["run", "--select", "fct_invoices", "exceptions"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars=dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth),
    )

    after = read_exceptions(scratch_warehouse)
    assert set(after) == set(before)
    assert after[edited["exception_id"]]["amount_at_stake"] == edited["amount_at_stake"] + Decimal("10.00")
    unchanged = [i for i in before if i != edited["exception_id"]]
    assert all(after[i]["amount_at_stake"] == before[i]["amount_at_stake"] for i in unchanged)
