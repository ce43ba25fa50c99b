"""Column typing and value text (columns.py, sink._text): each value's text casts to its column's type exactly.

Fast, in-process checks (no Singer run); test_target_duckdb.py lands whole streams.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from tieout_target_duckdb.columns import Column, columns_for, quote, sql_type, table_name
from tieout_target_duckdb.sink import NULL, _csv_line, _json_default, _text


@pytest.mark.parametrize(
    "prop, expected",
    [
        ({"type": "string"}, "VARCHAR"),
        ({"type": ["null", "string"]}, "VARCHAR"),
        ({"type": ["null", "integer"]}, "BIGINT"),
        ({"type": "number"}, "DECIMAL(38,9)"),
        ({"type": ["number", "null"]}, "DECIMAL(38,9)"),
        ({"type": "boolean"}, "BOOLEAN"),
        ({"type": ["null", "string"], "format": "date-time"}, "TIMESTAMPTZ"),
        ({"type": "string", "format": "date"}, "DATE"),
        ({"type": "string", "format": "time"}, "TIME"),
        ({"type": "string", "format": "email"}, "VARCHAR"),
        ({"type": "integer", "format": "date"}, "BIGINT"),  # a format only types strings
        ({"type": ["null", "object"]}, "JSON"),
        ({"type": "array"}, "JSON"),
        ({"type": ["string", "integer"]}, "VARCHAR"),  # no one SQL type holds both
        ({"type": ["null", "string", "object"]}, "JSON"),
        ({"type": ["integer", "array"]}, "JSON"),
        ({"type": "null", "anyOf": [{"type": "string"}, {"type": "object"}]}, "JSON"),
        ({"type": ["null"], "oneOf": [{"type": "string"}, {"type": "integer"}]}, "JSON"),
        ({"type": "null"}, "VARCHAR"),
        ({}, "VARCHAR"),  # no type at all: a string
        ({"type": "unheard-of"}, "VARCHAR"),
    ],
)
def test_given_a_property_schema_when_typed_then_the_column_type_is_what_pyairbyte_lands(prop, expected):
    assert sql_type(prop) == expected


def test_given_a_schema_when_its_columns_are_listed_then_one_lower_cased_column_per_property_in_order():
    schema = {
        "properties": {
            "invoiceNumber": {"type": "string"},
            "Amount": {"type": ["null", "number"]},
            "lines": {"type": "array"},
            "odd": True,  # JSON Schema allows a bare `true`: typed as text
        }
    }
    assert columns_for(schema) == [
        Column("invoiceNumber", "invoicenumber", "VARCHAR"),
        Column("Amount", "amount", "DECIMAL(38,9)"),
        Column("lines", "lines", "JSON"),
        Column("odd", "odd", "VARCHAR"),
    ]
    assert [c.is_json for c in columns_for(schema)] == [False, False, True, False]
    assert columns_for({}) == [] and columns_for({"properties": None}) == []


def test_given_two_properties_that_lower_case_alike_when_listed_then_the_error_names_both_and_the_fix():
    with pytest.raises(ValueError) as info:
        columns_for({"properties": {"jobNumber": {}, "JobNumber": {}}})
    assert str(info.value).startswith("properties 'jobNumber' and 'JobNumber' both land as column 'jobnumber'")
    assert "stream_maps" in str(info.value)


@pytest.mark.parametrize(
    "stream, table",
    [("jobs", "jobs"), ("public-Weird.Name", "public_weird_name"), ("AR Invoices2", "ar_invoices2")],
)
def test_given_a_stream_name_when_tabled_then_it_is_a_lower_case_sql_name(stream, table):
    assert table_name(stream) == table


def test_given_an_identifier_with_a_quote_when_quoted_then_it_is_doubled():
    assert quote("amount") == '"amount"'
    assert quote('say "hi"') == '"say ""hi"""'


def column(sql: str) -> Column:
    return Column("f", "f", sql)


@pytest.mark.parametrize(
    "value, sql, text",
    [
        (None, "VARCHAR", None),
        (None, "JSON", None),
        ("", "VARCHAR", ""),
        (True, "BOOLEAN", "true"),
        (False, "BOOLEAN", "false"),
        (0, "BIGINT", "0"),
        (Decimal("0.125"), "DECIMAL(38,9)", "0.125"),
        (Decimal("98765432109876.05"), "DECIMAL(38,9)", "98765432109876.05"),
        (2.675, "DECIMAL(38,9)", "2.675"),  # the float's shortest text, not its binary expansion
        (0.1, "DECIMAL(38,9)", "0.1"),
        (dt.date(2026, 10, 31), "DATE", "2026-10-31"),
        (dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=dt.timezone.utc), "TIMESTAMPTZ", "2026-10-31T23:59:59+00:00"),
        (dt.time(7, 30), "TIME", "07:30:00"),
        ({"amount": Decimal("0.1")}, "VARCHAR", '{"amount": 0.1}'),
        ([1, 2], "VARCHAR", "[1, 2]"),
        ({"amount": Decimal("0.10"), "on": dt.date(2026, 1, 2)}, "JSON", '{"amount":0.10,"on":"2026-01-02"}'),
        ("text", "JSON", '"text"'),
        (False, "JSON", "false"),
    ],
)
def test_given_a_value_when_written_for_its_column_then_the_text_is_exact(value, sql, text):
    assert _text(value, column(sql)) == text


def test_given_the_texts_when_duckdb_casts_them_then_every_type_reads_back_the_value_sent():
    sent = [
        (Decimal("98765432109876.05"), "DECIMAL(38,9)"),
        (2.675, "DECIMAL(38,9)"),
        (True, "BOOLEAN"),
        (False, "BOOLEAN"),
        (dt.date(2026, 10, 31), "DATE"),
        (-9_007_199_254_740_993, "BIGINT"),  # past float's exact integers
    ]
    with duckdb.connect() as con:
        for value, sql in sent:
            (back,) = con.execute(f"SELECT CAST(? AS {sql})", [_text(value, column(sql))]).fetchone()
            assert back == (Decimal(repr(value)) if isinstance(value, float) else value), (value, sql)


def test_given_an_object_json_cannot_hold_when_written_then_the_error_names_its_type():
    with pytest.raises(TypeError, match="set is not JSON serialisable"):
        _json_default({1, 2})
    assert _json_default(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00"
    assert _json_default(dt.time(3, 4)) == "03:04:00"


def test_given_values_when_written_as_a_csv_line_then_null_is_a_bare_marker_and_text_is_quoted():
    assert _csv_line(["a", None, "", 'say "\\N"', "x,y\nz"]) == f'"a",{NULL},"","say ""\\N""","x,y\nz"\n'
    assert NULL == r"\N"


def test_given_a_streams_columns_when_a_caller_tries_to_retype_one_then_it_is_read_only():
    # The sink builds its CREATE TABLE, its casts and its upsert keys from the same Column objects: a column
    # retyped in place by one of them would land values the table was not made for (issue 19 mutation survivor).
    (column,) = columns_for({"properties": {"amount": {"type": "number"}}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        column.sql_type = "DOUBLE"  # type: ignore[misc]
    assert column == Column("amount", "amount", "DECIMAL(38,9)")
