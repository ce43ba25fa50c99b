"""Source freshness: `dbt source freshness` on a landed warehouse reads when the host last extracted each table."""

from __future__ import annotations

import json

STALE_TABLES = {"spectrum.jobs": 30, "spectrum.ar_invoices": 100}  # hours since the last extract


def freshness_statuses(duckdb_build, warehouse, workdir, dbt_tools, **dbt_vars) -> tuple[int, dict[str, str]]:
    result = dbt_tools.run(
        ["source", "freshness"],
        env=dbt_tools.env(warehouse, duckdb_build.data_dir / "mapping"),
        workdir=workdir,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), **dbt_vars},
        check=False,
    )
    results = json.loads((workdir / "target" / "sources.json").read_text())["results"]
    return result.returncode, {r["unique_id"].removeprefix("source.tieout."): r["status"] for r in results}


def age_tables(warehouse, schemas: dict[str, str], column: str) -> None:
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        for table, hours in STALE_TABLES.items():
            source, name = table.split(".")
            con.execute(f"update {schemas[source]}.{name} set {column} = {column} - interval {hours} hour")


def test_given_a_fresh_sync_and_two_stale_tables_when_checking_freshness_then_one_warns_one_errors_the_rest_pass(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    age_tables(scratch_warehouse, {"spectrum": "spectrum_raw"}, "_airbyte_extracted_at")

    returncode, statuses = freshness_statuses(duckdb_build, scratch_warehouse, tmp_path, dbt_tools)

    assert returncode != 0  # an error-level stale source fails the command, so a scheduler sees it
    assert statuses.pop("spectrum.jobs") == "warn"  # one missed nightly sync
    assert statuses.pop("spectrum.ar_invoices") == "error"  # several
    assert {s for s in statuses.values()} == {"pass"}
    assert {t.split(".")[0] for t in statuses} == {"buildops", "spectrum"}


def test_given_meltano_landed_raw_data_when_checking_freshness_then_it_reads_the_singer_extracted_at_column(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    dbt_tools.meltano_layout(scratch_warehouse)
    age_tables(scratch_warehouse, {"spectrum": "tap_spectrum"}, "_sdc_extracted_at")

    _, statuses = freshness_statuses(duckdb_build, scratch_warehouse, tmp_path, dbt_tools, raw_layout="meltano")

    assert (statuses.pop("spectrum.jobs"), statuses.pop("spectrum.ar_invoices")) == ("warn", "error")
    assert {s for s in statuses.values()} == {"pass"}
