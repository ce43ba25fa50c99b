from decimal import Decimal

import orjson
import pytest
from source_buildops.normalize import CENTS, FOUR_PLACES, cursor_millis, epoch_millis, exact, iso_from_epoch, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1780318478, "2026-06-01T12:54:38.000Z"),  # epoch seconds (int)
        ("1780318478", "2026-06-01T12:54:38.000Z"),  # epoch seconds as a numeric string
        (1780318478123, "2026-06-01T12:54:38.123Z"),  # epoch milliseconds
        ("1780318478123", "2026-06-01T12:54:38.123Z"),  # epoch milliseconds as a string
        ("2026-06-01T12:54:38.000Z", "2026-06-01T12:54:38.000Z"),  # already ISO: unchanged
        (None, None),
    ],
)
def test_given_a_business_date_in_any_live_form_when_normalising_then_it_is_iso_utc(raw, expected):
    assert normalize({"issuedDate": raw})["issuedDate"] == expected


def test_given_nested_audit_stamps_when_normalising_then_every_level_is_converted():
    record = normalize({"addresses": [{"audit": {"lastUpdatedDateTime": 1780318478123}}], "scheduledFor": 1780318478})
    assert record["addresses"][0]["audit"]["lastUpdatedDateTime"] == "2026-06-01T12:54:38.123Z"
    assert record["scheduledFor"] == "2026-06-01T12:54:38.000Z"


def test_given_non_date_numbers_when_normalising_then_they_are_untouched():
    record = normalize({"durationMinutes": 90, "version": 3, "visitNumber": 1780318478})
    assert record == {"durationMinutes": 90, "version": 3, "visitNumber": 1780318478}


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (751.2, "751.2"),
        ("751.20", "751.2"),
        (0.1 + 0.2, "0.3"),  # float noise from an upstream calculation is quantised away
        (1234.565, "1234.57"),
        # ROUND_HALF_UP on the decimal text, not the binary float: 2.675 and 1.005 are stored as 2.67499... and
        # 1.00499..., so rounding the binary value would give 2.67 and 1.0
        (2.675, "2.68"),
        (1.005, "1.01"),
        ("0.125", "0.13"),  # half up, not half-even (0.12)
        (99999999999.99, "99999999999.99"),
        (10, "10.0"),
    ],
)
def test_given_an_amount_when_normalising_then_the_json_text_is_the_exact_cents(raw, text):
    value = normalize({"totalAmount": raw})["totalAmount"]
    assert orjson.dumps(value).decode() == text
    assert Decimal(orjson.dumps(value).decode()) == Decimal(text)


def test_given_quantities_and_rates_when_normalising_then_four_places_are_kept():
    record = normalize({"quantity": 1.23456, "salesTaxRate": "8.25"})
    assert record == {"quantity": 1.2346, "salesTaxRate": 8.25}


def test_given_text_in_a_money_field_when_normalising_then_it_is_passed_through_unchanged():
    assert exact("n/a", CENTS) == "n/a" and exact(None, FOUR_PLACES) is None and exact(True, CENTS) is True


def test_given_a_soft_delete_when_computing_the_cursor_then_the_later_stamp_wins():
    assert cursor_millis({"audit": {"lastUpdatedDateTime": 1780318478000, "deletedDateTime": 1780318479000}}) == (
        1780318479000
    )
    assert cursor_millis({"audit": {"lastUpdatedDateTime": "1780318478123"}}) == 1780318478123
    assert cursor_millis({}) == 0


def test_given_digit_counts_when_reading_epochs_then_seconds_and_millis_are_told_apart():
    assert epoch_millis(1780318478) == 1780318478000
    assert epoch_millis(1780318478000) == 1780318478000
    assert epoch_millis("12ab") is None and epoch_millis(True) is None
    assert iso_from_epoch(0) == "1970-01-01T00:00:00.000Z"


def test_given_epoch_seconds_or_milliseconds_when_formatted_then_both_name_the_same_instant():
    assert iso_from_epoch(1780318478) == "2026-06-01T12:54:38.000Z"  # seconds, as business dates come
    assert iso_from_epoch(1780318478123) == "2026-06-01T12:54:38.123Z"  # milliseconds, as audit stamps come
