"""target-duckdb lands Singer streams without losing a row, a blank or a cent; each error names its setting."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import simplejson
from tieout_target_duckdb.target import TargetDuckDB

CLI = str(Path(sys.executable).parent / "target-duckdb")

SCHEMA = {
    "type": "object",
    "properties": {
        "company_code": {"type": "string"},
        "reference_2": {"type": "string"},
        "amount": {"type": ["null", "number"]},
        "hours": {"type": ["null", "integer"]},
        "posted": {"type": ["null", "boolean"]},
        "tranDate": {"type": ["null", "string"], "format": "date-time"},
        "lines": {"type": ["null", "array"]},
        "note": {"type": ["null", "string"]},
    },
}


def messages(stream: str, records: list[dict], *, schema: dict = SCHEMA, keys=("company_code", "reference_2")) -> str:
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": list(keys)}]
    lines += [
        {"type": "RECORD", "stream": stream, "record": r, "time_extracted": "2026-11-20T10:00:00+00:00"}
        for r in records
    ]
    lines.append({"type": "STATE", "value": {"bookmarks": {stream: {"n": len(records)}}}})
    return "".join(simplejson.dumps(line, use_decimal=True) + "\n" for line in lines)  # numbers as their text


def land(tmp_path: Path, text: str, **config) -> Path:
    warehouse = tmp_path / "raw.duckdb"
    settings = {"path": str(warehouse), "default_target_schema": "tap_spectrum", "add_record_metadata": True, **config}
    TargetDuckDB(config=settings).listen(file_input=io.StringIO(text))
    return warehouse


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def record(n: int, **fields) -> dict:
    return {"company_code": "MEC", "reference_2": f"R{n}", "amount": Decimal("1.10") * n, **fields}


def test_given_batches_of_three_when_landed_then_the_first_record_of_every_batch_is_there(tmp_path):
    sent = [record(n) for n in range(10)]
    warehouse = land(tmp_path, messages("job_cost_transactions", sent), batch_size_rows=3)
    landed = rows(warehouse, "SELECT reference_2 FROM tap_spectrum.job_cost_transactions ORDER BY reference_2")
    assert [r for (r,) in landed] == sorted(r["reference_2"] for r in sent)


def test_given_a_blank_key_part_and_a_null_when_landed_then_blank_stays_blank_and_null_stays_null(tmp_path):
    sent = [record(1, reference_2="", note=None), record(2, note=""), record(3, note='say "\\N", then, a\nnewline')]
    warehouse = land(tmp_path, messages("job_cost_transactions", sent))
    landed = dict(rows(warehouse, "SELECT CAST(amount AS VARCHAR), note FROM tap_spectrum.job_cost_transactions"))
    keys = rows(warehouse, "SELECT reference_2 FROM tap_spectrum.job_cost_transactions WHERE amount = 1.10")
    assert keys == [("",)]
    assert landed == {"1.100000000": None, "2.200000000": "", "3.300000000": 'say "\\N", then, a\nnewline'}


def test_given_money_and_nested_money_when_landed_then_every_digit_survives(tmp_path):
    amount = Decimal("98765432109876.05")
    sent = [record(1, amount=amount, lines=[{"amount": Decimal("0.1")}, {"amount": Decimal("123456789.99")}])]
    warehouse = land(tmp_path, messages("ar_invoices", sent))
    ((stored, first, second),) = rows(
        warehouse,
        "SELECT amount, json_extract_string(lines, '$[0].amount'), json_extract_string(lines, '$[1].amount') "
        "FROM tap_spectrum.ar_invoices",
    )
    assert stored == amount
    assert (first, second) == ("0.1", "123456789.99")


def test_given_each_json_type_when_landed_then_columns_are_typed_like_pyairbyte_lands_them(tmp_path):
    sent = [record(1, hours=8, posted=True, tranDate="2026-10-31T23:59:59Z", lines=[])]
    warehouse = land(tmp_path, messages("t", sent))
    types = dict(
        rows(
            warehouse,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'tap_spectrum' AND table_name = 't'",
        )
    )
    assert {k: types[k] for k in ("company_code", "amount", "hours", "posted", "trandate", "lines")} == {
        "company_code": "VARCHAR",
        "amount": "DECIMAL(38,9)",
        "hours": "BIGINT",
        "posted": "BOOLEAN",
        "trandate": "TIMESTAMP WITH TIME ZONE",
        "lines": "JSON",
    }
    assert "_sdc_extracted_at" in types
    ((when, posted),) = rows(warehouse, "SELECT CAST(trandate AS VARCHAR), posted FROM tap_spectrum.t")
    assert when.startswith("2026-10-31 23:59:59") and posted is True


def test_given_a_later_schema_with_a_new_property_when_landed_then_a_column_is_added_and_old_rows_kept(tmp_path):
    land(tmp_path, messages("jobs", [record(1)]))
    wider = {**SCHEMA, "properties": {**SCHEMA["properties"], "division": {"type": ["null", "string"]}}}
    warehouse = land(tmp_path, messages("jobs", [record(2, division="20")], schema=wider))
    assert rows(warehouse, "SELECT reference_2, division FROM tap_spectrum.jobs ORDER BY 1") == [
        ("R1", None),
        ("R2", "20"),
    ]


def test_given_load_methods_when_the_same_keys_arrive_twice_then_append_keeps_both_upsert_and_overwrite_one(tmp_path):
    for method, expected in (("append-only", 4), ("upsert", 2), ("overwrite", 2)):
        folder = tmp_path / method
        folder.mkdir()
        land(folder, messages("jobs", [record(1), record(2)]), load_method=method)
        warehouse = land(folder, messages("jobs", [record(1, note="changed"), record(2)]), load_method=method)
        assert rows(warehouse, "SELECT count(*) FROM tap_spectrum.jobs") == [(expected,)], method
        if method != "append-only":
            assert rows(warehouse, "SELECT note FROM tap_spectrum.jobs WHERE reference_2 = 'R1'") == [("changed",)]


def run_cli(tmp_path: Path, text: str, config: dict) -> subprocess.CompletedProcess:
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    return subprocess.run([CLI, "--config", str(config_file)], input=text, capture_output=True, text=True, timeout=120)


def test_given_a_path_in_a_missing_folder_when_run_then_the_error_names_the_setting_and_the_fix(tmp_path):
    run = run_cli(tmp_path, messages("jobs", [record(1)]), {"path": str(tmp_path / "nowhere" / "raw.duckdb")})
    assert run.returncode != 0
    assert "target-duckdb setting `path`" in run.stderr
    assert f"folder {tmp_path / 'nowhere'} does not exist" in run.stderr


def test_given_two_properties_that_lower_case_alike_when_run_then_the_error_names_both_and_the_fix(tmp_path):
    schema = {"type": "object", "properties": {"jobNumber": {"type": "string"}, "jobnumber": {"type": "string"}}}
    run = run_cli(
        tmp_path, messages("jobs", [{"jobNumber": "1"}], schema=schema, keys=()), {"path": str(tmp_path / "raw.duckdb")}
    )
    assert run.returncode != 0
    assert "properties 'jobNumber' and 'jobnumber' both land as column 'jobnumber'" in run.stderr
    assert "stream map" in run.stderr


def test_given_a_value_its_column_cannot_hold_when_run_then_the_error_names_stream_and_table(tmp_path):
    bad = [record(1, hours="eight")]
    run = run_cli(
        tmp_path,
        messages("jobs", bad),
        {"path": str(tmp_path / "raw.duckdb"), "validate_records": False, "default_target_schema": "tap_spectrum"},
    )
    assert run.returncode != 0
    assert 'loading 1 records of stream \'jobs\' into "tap_spectrum"."jobs"' in run.stderr
    assert "eight" in run.stderr


@pytest.mark.parametrize("stream", ["jobs", "Job-Cost.Transactions"])
def test_given_a_stream_name_when_landed_then_the_table_is_its_lower_case_sql_name(tmp_path, stream):
    warehouse = land(tmp_path, messages(stream, [record(1)]))
    tables = rows(warehouse, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tap_spectrum'")
    assert tables == [(stream.lower().replace("-", "_").replace(".", "_"),)]
