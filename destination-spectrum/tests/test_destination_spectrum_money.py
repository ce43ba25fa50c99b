"""Money parsing and splitting on amounts that are not round: half cents, splits that do not divide evenly.

Round test data lets a wrong rounding mode or a lost remainder cent pass unnoticed (issue 19), so every example
here sits on a half cent or leaves a remainder."""

from decimal import Decimal

import pytest
from destination_spectrum.documents import spread
from destination_spectrum.money import FieldError, to_money


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
        ("0.05", ["1", "1"], ["0.03", "0.02"]),  # each share half up, the last one absorbs the difference
        ("-10.00", ["300.00", "200.00", "100.00"], ["-5.00", "-3.33", "-1.67"]),  # a credit spread pro rata
    ],
)
def test_given_a_total_that_does_not_divide_evenly_when_spread_then_the_shares_sum_exactly_to_it(
        total, weights, expected):
    shares = spread(Decimal(total), [Decimal(w) for w in weights])
    assert shares == [Decimal(x) for x in expected]
    assert sum(shares) == Decimal(total)
