"""Value normalisation shared by both transports.

Spectrum hands money back in several shapes: `Decimal` from SQL Server and psqlODBC, `str` from the SQLite
ODBC driver (DECIMAL columns come back as text), `".00"`-style strings from Data Exchange, and occasionally a
REAL that a loader stored as float. Everything goes through `Decimal` built from text, never float arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def to_decimal(value: object, places: Decimal = CENTS) -> Decimal | None:
    """Parse a money/quantity value exactly and quantise it; blank -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest text that round-trips, so 12.3 stays 12.3, not 12.2999999...
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace(",", "").replace("$", "")
        if not text:
            return None
        # Spectrum writes a trailing minus on some reports ("12.50-").
        if text.endswith("-") and not text.startswith("-"):
            text = "-" + text[:-1]
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    return number.quantize(places, rounding=ROUND_HALF_UP)


def money(value: object) -> Decimal | None:
    """Amounts: exact cents."""
    return to_decimal(value, CENTS)


def quantity(value: object) -> Decimal | None:
    """Rates, hours, quantities, percents: four places."""
    return to_decimal(value, FOUR_PLACES)


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), ("y", "m", "d")),  # ISO (optionally with a time part)
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),  # Tran_Date_Text YYYYMMDD
    (re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$"), ("m", "d", "y")),  # Data Exchange MM/DD/CCYY
)


def iso_date(value: object) -> str | None:
    """Any Spectrum date shape -> `YYYY-MM-DD`; blank or all-zero -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text or text.strip("0/-") == "":
        return None
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=False))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"]).isoformat()
            except ValueError:
                raise ValueError(f"not a date: {value!r}") from None
    raise ValueError(f"not a date: {value!r}")


def iso_datetime(value: object) -> str | None:
    """Timestamps -> ISO 8601 (naive values are Spectrum server local time and are kept naive)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat()
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        day = iso_date(text)
        return None if day is None else f"{day}T00:00:00"


def text(value: object) -> str | None:
    """Fixed-width Spectrum text: trailing pad removed, a lone space (Data Exchange 'empty') -> None."""
    if value is None:
        return None
    out = str(value).rstrip()
    return out if out.strip() else None


def key(value: object) -> str | None:
    """Key codes (Job_Number is right-justified, space padded): trimmed both sides."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None
