"""Record conventions (docs/ARCHITECTURE.md): ISO 8601 UTC timestamps, exact money, tenantId on every record.

Timestamps. BuildOps sends `audit.*DateTime` as epoch milliseconds and business dates (issuedDate,
dueDate, paymentDate, workDate, scheduledFor, ...) as epoch seconds, sometimes as numeric strings. Every
field whose name ends in Date/DateTime/Time (or is `scheduledFor`/`date`) and holds an integer or a digit
string is converted by digit count: 13 digits = milliseconds, otherwise seconds. ISO strings pass
through unchanged; anything else is left as it came (the schema then shows the surprise).

Money. Amounts are parsed with `Decimal` from the exact text the API sent (shortest repr of the parsed
JSON number, or the string itself), quantised to cents (amounts) or 4 places (quantities, rates,
percentages) with ROUND_HALF_UP, and emitted as a JSON number whose text is exactly that decimal. The
only float is the final carrier, whose shortest round-trip repr is the decimal's text for any amount
below 10^13; no arithmetic happens on it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENTS = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")

MONEY_FIELDS = frozenset(
    {
        "amount",
        "amountDue",
        "amountNotToExceed",
        "amountQuoted",
        "appliedAmount",
        "balance",
        "contractValue",
        "costAmount",
        "creditLimit",
        "discount",
        "freight",
        "paymentAmount",
        "subtotal",
        "tax",
        "taxAmount",
        "taxableSubtotal",
        "totalAmount",
        "totalAmountQuoted",
        "totalCost",
        "unitCost",
        "unitPrice",
        "retainageAmount",
        "totalRetainageAmount",
        "amountPaid",
        "balanceDue",
        "contractAmount",
        "scheduledValue",
        "retainageHeld",
    }
)
QUANTITY_FIELDS = frozenset(
    {"quantity", "quantityReceived", "salesTaxRate", "taxRateValue", "markup", "retainagePercent"}
)
DATE_SUFFIXES = ("Date", "DateTime", "Time")
DATE_FIELDS = frozenset({"scheduledFor", "date"})


def iso_from_epoch(value: int) -> str:
    """Epoch seconds (10 digits or fewer) or milliseconds (13 digits) to `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    millis = value if abs(value) >= 10**11 else value * 1000
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def epoch_millis(value: Any) -> int | None:
    """The epoch-ms value of an int or digit string (10 digits = s, 13 = ms); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) >= 10**11 else value * 1000
    if isinstance(value, float) and value.is_integer():
        return epoch_millis(int(value))
    if isinstance(value, str) and value.isdigit():
        return epoch_millis(int(value))
    return None


def _timestamp(value: Any) -> Any:
    millis = epoch_millis(value)
    return value if millis is None else iso_from_epoch(millis)


def exact(value: Any, places: Decimal) -> Any:
    """Quantise a JSON number or numeric string; anything else (None, text) is returned unchanged."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, str)):
        try:
            quantised = Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return value
        return float(quantised)
    return value


def normalize(node: Any) -> Any:
    """Return a copy of a record with timestamps as ISO strings and money quantised, recursively."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                out[key] = normalize(value)
            elif key in MONEY_FIELDS:
                out[key] = exact(value, CENTS)
            elif key in QUANTITY_FIELDS:
                out[key] = exact(value, FOUR_PLACES)
            elif key.endswith(DATE_SUFFIXES) or key in DATE_FIELDS:
                out[key] = _timestamp(value)
            else:
                out[key] = value
        return out
    if isinstance(node, list):
        return [normalize(item) for item in node]
    return node


def cursor_millis(raw: dict[str, Any]) -> int:
    """A raw record's change time: the later of audit.lastUpdatedDateTime and audit.deletedDateTime.

    A soft delete is a change: taking the later of the two makes sure the deletion is emitted even if a
    server stamps only deletedDateTime.
    """
    audit = raw.get("audit") or {}
    stamps = [epoch_millis(audit.get(k)) for k in ("lastUpdatedDateTime", "deletedDateTime", "createdDateTime")]
    known = [s for s in stamps if s is not None]
    return max(known) if known else 0
