"""Reading BuildOps records as the API returns them, defensively.

The Spectrum twin derives its tables from the BuildOps side of the same contractor. Several BuildOps
resources are not public (timesheets, purchase orders, vendors, pricebook), so field names are looked up
through a short list of candidates rather than assumed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def pick(rec: dict | None, *keys: str, default: Any = None) -> Any:
    """First present, non-empty value among keys; a dotted key walks into nested dicts."""
    if not rec:
        return default
    for key in keys:
        value: Any = rec
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                break
        if value not in (None, ""):
            return value
    return default


def money(value: Any) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        return ZERO


def number(value: Any, places: str = "0.0001") -> Decimal:
    if value in (None, ""):
        return Decimal(0).quantize(Decimal(places))
    try:
        return Decimal(str(value)).quantize(Decimal(places))
    except InvalidOperation:
        return Decimal(0).quantize(Decimal(places))


def to_date(value: Any) -> dt.date | None:
    """Epoch seconds or milliseconds (int or numeric string), or an ISO 8601 date/datetime string."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        seconds = float(text)
        if len(text.split(".")[0].lstrip("-")) >= 12:
            seconds /= 1000.0
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def is_deleted(rec: dict) -> bool:
    return bool(pick(rec, "audit.deletedDateTime", "audit.deletedDate"))


def text(value: Any, limit: int) -> str:
    return ("" if value is None else str(value)).replace("\n", " ").strip()[:limit]


_KEY_FORBIDDEN = re.compile(r"[^A-Z0-9 .\-]")


def key_code(value: str, limit: int = 10) -> str:
    """A Spectrum key code: uppercase, none of / * ? \" ' > < # , & ~."""
    return _KEY_FORBIDDEN.sub("", str(value).upper()).strip()[:limit]


def pad_job(job_number: str) -> str:
    """Spectrum stores Job_Number right-justified, space-padded to 10."""
    return str(job_number).strip()[-10:].rjust(10)


def spectrum_invoice_number(buildops_invoice_number: Any) -> str:
    """BuildOps invoiceNumber -> Spectrum Invoice_Or_Transaction (<= 10 chars).

    Uppercase, characters other than A-Z 0-9 and '-' dropped, then the last 10 kept (the numeric tail is
    the unique part). Documented in SPECTRUM.md; destination-spectrum owns its own scheme for new postings.
    """
    cleaned = re.sub(r"[^A-Z0-9\-]", "", str(buildops_invoice_number).upper())
    return cleaned[-10:]


def company_of_department(name: str | None) -> str | None:
    if not name:
        return None
    return "FPR" if "fire" in name.lower() else "MEC"


PROJECT_WORDS = ("construction", "project", "tenant improvement", "retrofit", "new build", "design-build")


def is_project_job_type(name: str | None) -> bool:
    return bool(name) and any(word in name.lower() for word in PROJECT_WORDS)
