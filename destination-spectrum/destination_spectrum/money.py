"""Money and date parsing: Decimal only (never float arithmetic), dates from the shapes BuildOps emits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")
ZERO = Decimal("0.00")
# The ledger keeps amounts as DECIMAL(18,2) (and transforms read them so): anything this large is a typo or a
# unit slip, and it must be one record's field error, not a DuckDB ConversionException that stops every rerun.
# Spectrum's own column precision is unverified (its schema dumps carry no precision), so this bound is ours.
MAX_AMOUNT = Decimal(10) ** 16


class FieldError(ValueError):
    """A record field that cannot be used; names the field so the ledger reason is actionable."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"field '{field}' {problem}")
        self.field = field


def to_money(value: object, field: str, *, required: bool = True) -> Decimal | None:
    """Parse an amount (JSON number, numeric string, '.00') into cents without going through float maths."""
    if value is None or value == "":
        if required:
            raise FieldError(field, "is missing; expected an amount such as 125.50")
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"is {value!r}; expected an amount such as 125.50")
    try:
        # str() of a float is its shortest round-trip repr, which is the decimal the source emitted.
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(field, f"is {value!r}; expected an amount such as 125.50") from None
    if not amount.is_finite():
        raise FieldError(field, f"is {value!r}; expected a finite amount")
    return in_range(amount, field, value).quantize(CENTS, rounding=ROUND_HALF_UP)


def in_range(amount: Decimal, field: str, shown: object = None) -> Decimal:
    """The amount, or a FieldError when it is too large to be money (also used on computed totals)."""
    if abs(amount) >= MAX_AMOUNT:
        raise FieldError(
            field,
            f"is {amount if shown is None else shown!r}: out of range (amounts must be below 10^16, the ledger's "
            f"DECIMAL(18,2)); correct the amount in BuildOps (a unit slip or a number typed twice?)",
        )
    return amount


def to_date(value: object, field: str) -> dt.date:
    """ISO 8601 date/datetime strings (source-buildops normalises to these) or epoch seconds/milliseconds."""
    if value is None or value == "":
        raise FieldError(field, "is missing; expected an ISO 8601 date such as 2026-11-25")
    if isinstance(value, dt.datetime):  # singer-sdk hands date-time fields over already parsed
        return (value.astimezone(dt.timezone.utc) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    ):
        try:
            number = int(float(value))
            # BuildOps mixes epoch seconds (10 digits) and milliseconds (13 digits).
            seconds = number / 1000 if number > 10**11 else number
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            # Past year 9999 (or not a number at all, e.g. inf): one bad record, never the whole batch.
            raise FieldError(
                field,
                f"is {value!r}: out of range as an epoch timestamp (seconds or milliseconds since 1970 before year "
                f"9999); correct the date in BuildOps (expected e.g. 2026-11-25 or 1795600000)",
            ) from None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            # A timestamp without an offset is UTC (as source-buildops and PyAirbyte's cache write them), not the
            # local time of whatever machine runs the destination.
            return (parsed.astimezone(dt.timezone.utc) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    raise FieldError(field, f"is {value!r}; expected an ISO 8601 date such as 2026-11-25")


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` across lines in proportion to `weights`, in cents, summing exactly to `total`."""
    if not weights:
        return []
    base = sum(weights, ZERO)
    if total == 0 or base == 0:
        return [ZERO] * len(weights)
    shares = [(total * w / base).quantize(CENTS, rounding=ROUND_HALF_UP) for w in weights]
    shares[-1] += total - sum(shares, ZERO)
    return shares
