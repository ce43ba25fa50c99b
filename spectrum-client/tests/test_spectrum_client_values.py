import datetime as dt
from decimal import Decimal

import pytest
from spectrum_client.values import iso_date, iso_datetime, key, money, quantity, text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.3", Decimal("12.30")),  # SQLite ODBC hands DECIMAL back as text
        (".00", Decimal("0.00")),  # Data Exchange writes numbers without a leading zero
        (12.3, Decimal("12.30")),  # a REAL stored by a loader: no 12.2999... drift
        (Decimal("1234567.891"), Decimal("1234567.89")),
        ("1,250.50", Decimal("1250.50")),
        ("12.50-", Decimal("-12.50")),  # trailing minus
        (7, Decimal("7.00")),
    ],
)
def test_given_spectrum_money_shapes_when_normalised_then_exact_cents(raw, expected):
    assert money(raw) == expected
    assert str(money(raw)) == str(expected)


def test_given_blank_money_when_normalised_then_none():
    assert money(" ") is None
    assert money(None) is None


def test_given_garbage_money_when_normalised_then_value_error_names_it():
    with pytest.raises(ValueError, match="not a number: 'abc'"):
        money("abc")


def test_given_quantity_when_normalised_then_four_places():
    assert quantity("1.5") == Decimal("1.5000")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20240105", "2024-01-05"),  # Tran_Date_Text
        ("01/05/2024", "2024-01-05"),  # Data Exchange MM/DD/CCYY
        ("1-5-2024", "2024-01-05"),
        ("2024-01-05", "2024-01-05"),
        ("2024-01-05 00:00:00", "2024-01-05"),
        (dt.date(2024, 1, 5), "2024-01-05"),
        (dt.datetime(2024, 1, 5, 13, 0), "2024-01-05"),
        ("", None),
        ("00000000", None),
        (" ", None),
    ],
)
def test_given_spectrum_date_shapes_when_normalised_then_iso(raw, expected):
    assert iso_date(raw) == expected


def test_given_impossible_date_when_normalised_then_value_error():
    with pytest.raises(ValueError, match="not a date"):
        iso_date("20241345")


def test_given_timestamp_when_normalised_then_iso_datetime():
    assert iso_datetime("2024-01-05 13:04:05") == "2024-01-05T13:04:05"
    assert iso_datetime(dt.date(2024, 1, 5)) == "2024-01-05T00:00:00"


def test_given_padded_keys_when_trimmed_then_both_sides_removed():
    assert key("     19.50") == "19.50"
    assert key("   ") is None
    assert text("Main St   ") == "Main St"
    assert text(" ") is None
