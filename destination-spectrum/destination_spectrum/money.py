"""Money and date parsing: Decimal only (never float arithmetic), dates from the shapes BuildOps emits."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")


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
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


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
        number = int(float(value))
        # BuildOps mixes epoch seconds (10 digits) and milliseconds (13 digits).
        seconds = number / 1000 if number > 10**11 else number
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
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
