"""normalize.py: money, dates, keys and masked values as each column's kind says, on both row paths.

Values are not round on purpose (issue 19): half cents, binary floats that print short but are not exact, padded
and blank keys, more digits than the column's scale, numbers too long for float's exact digits.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from source_spectrum.catalog import Column
from source_spectrum.normalize import (
    RecordBuilder,
    RowKeys,
    converter,
    date_converter,
    decimal_converter,
    integer,
    masked,
)


@pytest.mark.parametrize(
    "raw, cents",
    [
        ("0.125", "0.13"),  # half a cent rounds up, never to even
        ("2.675", "2.68"),
        (2.675, "2.68"),  # the float's shortest text, not its binary value 2.67499999...
        (1.005, "1.01"),
        ("-0.125", "-0.13"),  # half up is away from zero for a credit too
        ("16.0", "16.00"),
        ("10", "10.00"),
        (".5", "0.50"),
        (".125", "0.13"),  # no leading zero and more places than the column: still rounded
        ("12.50-", "-12.50"),  # Spectrum's trailing minus on some reports
        ("1,234.50", "1234.50"),  # a thousands separator: float() refuses it, the Decimal route reads it
        ("1e3", "1000.00"),
        ("5e-3", "0.01"),  # an exponent is never taken as it stands: half a cent, rounded
        ("125E-3", "0.13"),
        ("1e-3", "0.00"),
        ("1234567890123.45", "1234567890123.45"),  # 16 characters: past float's 15 exact digits, via Decimal
        ("123456789012.345", "123456789012.35"),
        (Decimal("7.005"), "7.01"),
        (3, "3.00"),
        (12.3, "12.30"),
    ],
)
def test_given_a_money_value_in_any_driver_shape_when_converted_then_it_is_the_exact_cents_rounded_half_up(raw, cents):
    out = decimal_converter(2)(raw)
    assert isinstance(out, float)
    assert repr(out) == repr(float(Decimal(cents))), (raw, out)


def test_given_a_column_scale_when_converted_then_values_keep_that_many_places_and_no_more():
    assert decimal_converter(4)("6.00005") == 6.0001
    assert decimal_converter(4)("6.0000") == 6.0
    assert decimal_converter(0)("12.5") == 13.0
    assert decimal_converter(0)("12") == 12.0
    assert decimal_converter(6)("0.0000005") == 0.000001
    assert decimal_converter(2)(0.125) == 0.13, "a float with more places than the column is rounded too"
    assert decimal_converter(2)(0.12) == 0.12


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", float("nan"), float("inf")])
def test_given_a_number_json_cannot_carry_when_converted_then_the_error_names_the_value(raw):
    with pytest.raises(ValueError, match="not a finite number"):
        decimal_converter(2)(raw)


def test_given_a_blank_or_missing_amount_when_converted_then_it_is_null_and_text_is_refused():
    convert = decimal_converter(2)
    assert convert(None) is None
    assert convert("   ") is None
    with pytest.raises(ValueError, match="not a number"):
        convert("12,50 EUR")


@pytest.mark.parametrize(
    "raw, number",
    [(None, None), (7, 7), ("2", 2), (" 12 ", 12), ("6.0", 6), (Decimal("3"), 3), (4.0, 4), ("", None), ("  ", None)],
)
def test_given_an_integer_column_when_converted_then_drivers_text_and_decimals_become_int(raw, number):
    out = integer(raw)
    assert out == number and (out is None or type(out) is int)


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("123-45-6789", "*****6789"),
        ("  987654321 ", "*****4321"),
        ("6789", "6789"),
        ("89", "89"),  # shorter than four: nothing to hide, no negative run of stars
        (None, None),
        ("   ", None),
    ],
)
def test_given_a_masked_column_when_converted_then_only_the_last_four_leave(raw, shown):
    assert masked(raw) == shown


def test_given_dates_in_every_shape_when_converted_then_iso_and_remembered():
    convert = date_converter()
    assert convert("20251117") == "2025-11-17"
    assert convert("11/17/2025") == "2025-11-17"
    assert convert(dt.date(2025, 11, 17)) == "2025-11-17"
    assert convert(dt.datetime(2025, 11, 17, 23, 59)) == "2025-11-17"
    assert convert("00000000") is None and convert(None) is None
    assert convert.cache["20251117"] == "2025-11-17", "the compiled row builder reads the cache directly"
    convert.cache["20251118"] = "sentinel"
    assert convert("20251118") == "sentinel", "a remembered date is not parsed again"


def test_given_an_unhashable_value_when_a_date_is_converted_then_it_is_parsed_not_a_type_error():
    with pytest.raises(ValueError, match="not a date"):
        date_converter()(["2025-11-17x"])


def test_given_many_distinct_dates_when_converted_then_the_memo_stops_growing_at_its_cap():
    convert = date_converter()
    start = dt.date(1900, 1, 1)
    for offset in range(100_001):
        convert(start + dt.timedelta(days=offset))
    assert len(convert.cache) == 100_000


@pytest.mark.parametrize(
    "kind, raw, out",
    [
        ("key", "   40001 ", "40001"),
        ("key", "   ", None),
        ("text", "Pipe & Fitting   ", "Pipe & Fitting"),
        ("text", "  indented", "  indented"),
        ("text", " ", None),
        ("date", "2025-11-17", "2025-11-17"),
        ("tdate", "20251117", "2025-11-17"),
        ("dec2", "10.005", 10.01),
        ("dec4", "0.00005", 0.0001),
        ("int", "3", 3),
        ("masked", "123456789", "*****6789"),
        ("rowkey", {"kept": "as is"}, {"kept": "as is"}),
    ],
)
def test_given_each_column_kind_when_its_converter_runs_then_the_conventions_hold(kind, raw, out):
    assert converter(Column("C", kind))(raw) == out


COLUMNS = [
    Column("Company_Code", "key"),
    Column("Job_Number", "key"),
    Column("Reference_2", "key"),
    Column("Customer_Code", "key"),
    Column("Description", "text"),
    Column("Invoice_Or_Transaction", "text"),
    Column("Tran_Date", "date"),
    Column("Tran_Date_Text", "tdate"),
    Column("Tran_Amount", "dec2"),
    Column("Quantity", "dec4"),
    Column("Detail_Sequence", "int"),
    Column("Social_Sec_Number", "masked"),
    Column("Row_Key", "rowkey"),
]
KEY = ("company_code", "job_number", "reference_2", "invoice_or_transaction")

ROWS = [
    # what the SQLite/PostgreSQL drivers hand back (keys already trimmed by the SELECT)
    ("MEC  ", "40001", "", "ACME", "Pipe   ", "BO-7  ", "2025-11-17", "20251117", "10.005", "6.00005", 2, "123456789"),
    # blanks and nulls everywhere a driver can put them
    ("MEC", "40001", "", "", " ", "", None, None, None, None, None, None),
    ("MEC", None, None, None, None, None, "2025-11-17", "20251117", "0.125", "1", "7", "89"),
    # what SQL Server's driver hands back: Decimal, int keys, date objects
    ("MEC", 40001, "", "ACME", "x", 7, dt.date(2025, 11, 17), "20251117", Decimal("-2.675"), 1.00005, 3, None),
    # float money stored by a loader: shortest repr, not binary
    ("MEC", "40001", "R2", "ACME", "x", "BO-8", "11/17/2025", "20251231", 2.675, 0.1, "6.0", "12-34"),
]


def by_mapping(builder, row):
    return builder.build(dict(zip((c.out for c in COLUMNS if c.kind != "rowkey"), row, strict=True)), "MEC")


def test_given_rows_in_every_driver_shape_when_built_by_either_path_then_the_records_are_identical():
    builder = RecordBuilder(COLUMNS, KEY)
    for row in ROWS:
        compiled = builder.build_row(row, "MEC")
        assert compiled == by_mapping(builder, row), row
        assert dict(zip(builder.names, builder.build_values(row, "MEC"), strict=True)) == compiled, row
        assert "row_key" not in compiled, "rowkey columns are added by RowKeys, not read"


def test_given_blank_and_padded_values_when_built_then_key_parts_are_blank_strings_and_other_blanks_null():
    builder = RecordBuilder(COLUMNS, KEY)
    record = builder.build_row(ROWS[1], "MEC")
    assert record["reference_2"] == "" and record["invoice_or_transaction"] == "", "a key part is never null"
    assert record["customer_code"] is None and record["description"] is None
    assert record["tran_date"] is None and record["tran_amount"] is None and record["detail_sequence"] is None
    nulls = builder.build_row(ROWS[2], "MEC")
    assert nulls["job_number"] == "" and nulls["reference_2"] == "" and nulls["invoice_or_transaction"] == ""
    assert nulls["customer_code"] is None and nulls["description"] is None
    assert (nulls["tran_amount"], nulls["quantity"], nulls["detail_sequence"], nulls["social_sec_number"]) == (
        0.13,
        1.0,
        7,
        "89",
    )


def test_given_a_driver_row_when_built_then_money_is_exact_and_every_convention_applied():
    record = RecordBuilder(COLUMNS, KEY).build_row(ROWS[0], "MEC")
    assert record == {
        "company_code": "MEC",
        "job_number": "40001",
        "reference_2": "",
        "customer_code": "ACME",
        "description": "Pipe",
        "invoice_or_transaction": "BO-7",  # a key part of kind text loses its pad too
        "tran_date": "2025-11-17",
        "tran_date_text": "2025-11-17",
        "tran_amount": 10.01,
        "quantity": 6.0001,
        "detail_sequence": 2,
        "social_sec_number": "*****6789",
    }
    other = RecordBuilder(COLUMNS, KEY).build_row(ROWS[3], "MEC")
    assert (other["job_number"], other["invoice_or_transaction"], other["tran_amount"], other["quantity"]) == (
        "40001",
        "7",
        -2.68,
        1.0001,
    )
    loaded = RecordBuilder(COLUMNS, KEY).build_row(ROWS[4], "MEC")
    assert (loaded["tran_amount"], loaded["tran_date"], loaded["detail_sequence"]) == (2.68, "2025-11-17", 6)


def test_given_a_padded_company_column_when_built_then_the_record_carries_the_company_read():
    builder = RecordBuilder(COLUMNS, KEY)
    assert builder.build_row(ROWS[0], "FPR")["company_code"] == "FPR"
    assert builder.build({"company_code": "MEC  "}, "FPR")["company_code"] == "FPR"
    without = RecordBuilder([Column("Job_Number", "key")], ("job_number",))
    assert without.names == ("job_number", "company_code")
    assert without.build_row((" 1 ",), "MEC") == {"job_number": " 1 ", "company_code": "MEC"}


def test_given_a_repeated_date_when_built_then_the_memo_answers_and_a_new_one_is_parsed():
    builder = RecordBuilder([Column("Tran_Date", "date")])
    assert builder.build_row(("2025-11-17",), "MEC")["tran_date"] == "2025-11-17"
    assert builder.build_row(("2025-11-17",), "MEC")["tran_date"] == "2025-11-17"
    assert builder.build_row(("11/18/2025",), "MEC")["tran_date"] == "2025-11-18"


def test_given_a_column_name_that_is_not_an_identifier_when_compiled_then_refused():
    with pytest.raises(ValueError, match="not a column name"):
        RecordBuilder([Column("Job Number; import os", "key")])


def test_given_identical_rows_when_keyed_then_each_gets_its_occurrence_and_a_fresh_reader_gives_the_same_keys():
    rows = [{"employee_code": "1016", "hours": 1.5}, {"employee_code": "1016", "hours": 1.5}, {"hours": 2.25}]
    first = RowKeys()
    keys = [first.add(dict(row))["row_key"] for row in rows]
    again = RowKeys()
    assert [again.add(dict(row))["row_key"] for row in rows] == keys
    shapes = [re.fullmatch(r"([0-9a-f]{24})-([1-9][0-9]*)", k) for k in keys]
    assert all(shapes), keys  # a 12-byte digest in hex, then the occurrence counted from 1
    assert [m.group(2) for m in shapes] == ["1", "2", "1"]
    assert shapes[0].group(1) == shapes[1].group(1) != shapes[2].group(1)
