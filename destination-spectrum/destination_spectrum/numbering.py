"""Spectrum document numbers: deterministic, at most 10 characters for AR, collisions detected.

AR detail invoice (Invoice_Or_Transaction, <= 10 chars):
    <prefix><BuildOps invoiceNumber, upper-cased, only A-Z, 0-9 and '-' kept>   when that fits in 10
    <prefix>H<base-36 digest of tenantId:invoice id, to fill 10 characters>      otherwise
  e.g. invoiceNumber "100234" -> "100234" (default prefix: none, so invoices keyed by hand or by an earlier
  integration under the BuildOps number are found, not doubled); prefix "B", "inv-10234" -> "BINV-10234".
  The same BuildOps invoice always gets the same number, so a re-run finds its own document in Spectrum
  instead of posting a second one. For numbers too long to fit, Spectrum is also searched under the last 10
  characters (`legacy_alias`), the form earlier integrations truncate to.

AR daily summary (one per company x customer x job x day, plus a part for tickets that arrive later):
    D<MMDD><5 base-36 characters of a digest of company|customer|job|date|part[|salt]>
  A number already taken by a different document (in the ledger or in Spectrum) is a collision: detail
  invoices are held and named; summaries re-digest with the next salt (deterministic: same inputs, same walk).

AP sub bill (Invoice_Number, <= 20 chars, unique per vendor): the BuildOps bill number as written when it fits
and has none of Spectrum's forbidden characters, otherwise H + a 19-character digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

AR_MAX = 10
AP_MAX = 20
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FORBIDDEN = re.compile(r"[/*?\"'><#,&~]")


def base36_digest(text: str, length: int) -> str:
    number = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    chars = []
    for _ in range(length):
        number, remainder = divmod(number, 36)
        chars.append(_ALPHABET[remainder])
    return "".join(chars)


def detail_invoice_number(prefix: str, invoice_number: str, tenant_id: str, source_key: str) -> str:
    cleaned = _clean(invoice_number)
    if cleaned and len(prefix) + len(cleaned) <= AR_MAX:
        return prefix + cleaned
    room = AR_MAX - len(prefix) - 1
    return prefix + "H" + base36_digest(f"{tenant_id}:{source_key}", room)


def _clean(invoice_number: str) -> str:
    return re.sub(r"[^A-Z0-9-]", "", invoice_number.upper())


def legacy_alias(invoice_number: str) -> str:
    """The last 10 characters: how an invoice number too long for Spectrum is usually keyed by hand."""
    return _clean(invoice_number)[-AR_MAX:]


def summary_invoice_number(summary_key: str, day: dt.date, part: int = 0, salt: int = 0) -> str:
    identity = f"{summary_key}|{part}" + (f"|{salt}" if salt else "")
    return f"D{day:%m%d}" + base36_digest(identity, AR_MAX - 5)


def ap_invoice_number(bill_number: str, tenant_id: str, source_key: str) -> str:
    cleaned = bill_number.strip().upper()
    if cleaned and len(cleaned) <= AP_MAX and not _FORBIDDEN.search(cleaned):
        return cleaned
    return "H" + base36_digest(f"{tenant_id}:{source_key}", AP_MAX - 1)


def key_code(value: str, limit: int = 10) -> str:
    """A Spectrum key code (vendor, customer): upper case, none of / * ? " ' > < # , & ~, at most 10."""
    return _FORBIDDEN.sub("", value.upper()).strip()[:limit]
