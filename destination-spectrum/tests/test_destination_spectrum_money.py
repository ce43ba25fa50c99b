"""Money parsing and splitting on amounts that are not round: half cents, splits that do not divide evenly.

Round test data lets a wrong rounding mode or a lost remainder cent pass unnoticed (issue 19), so every example
here sits on a half cent or leaves a remainder."""

import datetime as dt
from decimal import Decimal

import pytest
from destination_spectrum.documents import positive_lines
from destination_spectrum.mapping import Distribution
from destination_spectrum.money import MAX_AMOUNT, FieldError, spread, to_date, to_money
from destination_spectrum.records import Line


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("0.125", "0.13"),  # half-even would give 0.12
        ("2.345", "2.35"),  # half-even would give 2.34
        ("-0.125", "-0.13"),  # half up is away from zero, for credits too
        (2.675, "2.68"),  # the float's decimal text; Decimal(2.675) is 2.67499999... in binary and would give 2.67
        (1.005, "1.01"),  # likewise 1.00499999... in binary
        ("  19.994 ", "19.99"),
    ],
)
def test_given_an_amount_on_a_half_cent_when_parsed_then_it_rounds_half_up_from_its_decimal_text(raw, cents):
    assert to_money(raw, "amount") == Decimal(cents)


def test_given_no_amount_when_parsed_then_the_error_names_the_field_and_an_example():
    with pytest.raises(FieldError, match=r"field 'invoiceItems\[0\].amount' is missing; expected an amount such as"):
        to_money("", "invoiceItems[0].amount")
    assert to_money(None, "retainageAmount", required=False) is None


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("10.00", ["1", "1", "1"], ["3.33", "3.33", "3.34"]),  # the remainder cent goes to the last line
        ("100.00", ["3", "3", "3"], ["33.33", "33.33", "33.34"]),
        ("0.05", ["1", "1"], ["0.03", "0.02"]),
        ("1.00", ["1", "2"], ["0.33", "0.67"]),  # each share half up, the last one absorbs the difference
        ("-10.00", ["300.00", "200.00", "100.00"], ["-5.00", "-3.33", "-1.67"]),  # a credit spread pro rata
    ],
)
def test_given_a_total_that_does_not_divide_evenly_when_spread_then_the_shares_sum_exactly_to_it(
    total, weights, expected
):
    shares = spread(Decimal(total), [Decimal(w) for w in weights])
    assert shares == [Decimal(x) for x in expected]
    assert sum(shares) == Decimal(total)


def test_given_amounts_either_side_of_the_limit_when_parsed_then_only_the_one_below_is_money():
    below = MAX_AMOUNT - Decimal("0.01")
    assert to_money(str(below), "amount") == below
    with pytest.raises(FieldError, match=r"field 'amount' is .*out of range \(amounts must be below 10\^16"):
        to_money(str(MAX_AMOUNT), "amount")
    with pytest.raises(FieldError, match="out of range"):
        to_money(str(-MAX_AMOUNT), "amount")


def test_given_date_times_with_and_without_an_offset_when_read_as_dates_then_the_utc_day_is_taken():
    evening_in_new_york = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert to_date(evening_in_new_york, "invoiceDate") == dt.date(2026, 11, 21)
    assert to_date(dt.datetime(2026, 11, 20, 23, 30), "invoiceDate") == dt.date(2026, 11, 20)  # naive = UTC
    assert to_date("2026-11-20T23:30:00-05:00", "invoiceDate") == dt.date(2026, 11, 21)


def test_given_a_discount_and_a_line_under_one_dollar_when_made_positive_then_only_the_negative_line_is_spread():
    where = Distribution("100", "L", "test")
    mapped = [
        (Line(1, "Filter", Decimal("0.50")), where),
        (Line(2, "Labor", Decimal("100.00")), where),
        (Line(3, "Discount", Decimal("-10.00")), where),
    ]
    kept = [line.amount for line, _ in positive_lines(mapped)]
    assert kept == [Decimal("0.45"), Decimal("90.05")]
    assert sum(kept) == Decimal("90.50")  # the document total is unchanged


def test_given_a_discount_of_exactly_one_dollar_when_made_positive_then_it_is_spread_too():
    where = Distribution("100", "L", "test")
    mapped = [
        (Line(1, "Labor", Decimal("30.00")), where),
        (Line(2, "Parts", Decimal("70.00")), where),
        (Line(3, "Discount", Decimal("-1.00")), where),
    ]
    assert [line.amount for line, _ in positive_lines(mapped)] == [Decimal("29.70"), Decimal("69.30")]
