"""Record conventions (docs/ARCHITECTURE.md) for both transports, driven by each column's kind.

Keys trimmed, text without Spectrum's fixed-width pad (blank -> null), dates ISO 8601, money exact: parsed
as `Decimal` semantics (the SQLite ODBC driver returns DECIMAL as text, Data Exchange returns `.00`),
quantised to the column's scale, and carried to the protocol layer as the float whose shortest repr is
exactly that decimal (no arithmetic happens on it). `company_code` is on every record.

This runs once per column per row (tens of millions of times on a large JC history), so the SQL path
compiles one specialised function per stream and takes fast paths for the shapes drivers really return;
anything unusual falls back to the general converters in `spectrum_client.values`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from spectrum_client.values import iso_date, key, text, to_decimal

from .catalog import Column


def decimal_converter(places: int) -> Callable[[Any], float | None]:
    quantum = Decimal(1).scaleb(-places)

    def exact(value: Any) -> float | None:
        number = to_decimal(value, quantum)
        return None if number is None else float(number)

    def convert(value: Any) -> float | None:
        if value is None:
            return None
        cls = value.__class__
        if cls is str or cls is float:
            digits = value if cls is str else repr(value)
            # Fast path: already at most `places` decimals, no exponent, within float's 15 exact digits:
            # float(digits) is exactly that decimal. Everything else takes the Decimal route.
            dot = digits.find(".")
            if (
                len(digits) <= 16
                and "e" not in digits
                and "E" not in digits
                and (dot < 0 or len(digits) - dot - 1 <= places)
            ):
                try:
                    return value if cls is float else float(digits)
                except ValueError:
                    pass
        return exact(value)

    return convert


def integer(value: Any) -> int | None:
    if value is None or value.__class__ is int:
        return value
    if isinstance(value, str) and not value.strip():
        return None
    return int(Decimal(str(value).strip()))


def masked(value: Any) -> str | None:
    raw = key(value)
    if raw is None:
        return None
    digits = raw.replace("-", "")
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def date_converter() -> Callable[[Any], str | None]:
    """ISO dates, memoised: a history table holds a few thousand distinct dates over millions of rows."""
    cache: dict[Any, str | None] = {}

    def convert(value: Any) -> str | None:
        try:
            return cache[value]
        except KeyError:
            out = iso_date(value)
            if len(cache) < 100_000:
                cache[value] = out
            return out
        except TypeError:  # unhashable: not a shape any driver returns, but do not fail on it
            return iso_date(value)

    return convert


def converter(column: Column) -> Callable[[Any], Any]:
    kind = column.kind
    if kind == "key":
        return key
    if kind in ("date", "tdate"):
        return date_converter()
    if kind.startswith("dec"):
        return decimal_converter(int(kind[3:]))
    if kind == "int":
        return integer
    if kind == "masked":
        return masked
    if kind == "rowkey":
        return lambda value: value
    return text


def _never_null(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def key_part(value: Any) -> Any:
        out = convert(value)
        return "" if out is None else out

    return key_part


def _trimmed_key(value: Any) -> Any:
    """A key already trimmed by LTRIM(RTRIM()) in SQL: only a blank still has to become null."""
    if value.__class__ is str:
        return value or None
    return key(value)


def _padded_text(value: Any) -> Any:
    if value.__class__ is str:
        return value.rstrip() or None
    return text(value)


class RecordBuilder:
    """Turns a raw row into an emitted record.

    `build(mapping)` takes lower-cased Spectrum names (Data Exchange rows). `build_row(tuple)` takes values
    in `columns` order (SQL rows, whose keys the SELECT already trimmed).
    """

    def __init__(self, columns: Iterable[Column], primary_key: Iterable[str] = ()):
        self.columns = tuple(c for c in columns if c.kind != "rowkey")
        keys = set(primary_key)
        # A blank part of a primary key (Reference_2, a subcontract-less tracking item) is "", not null:
        # destinations dedupe on the key, and a null in it breaks that.
        self._plan = [(c.out, _never_null(converter(c)) if c.out in keys and c.kind in ("key", "text")
                       else converter(c)) for c in self.columns]
        row_plan = [
            (c.out, _never_null(_trimmed_key) if c.kind == "key" and c.out in keys
             else _trimmed_key if c.kind == "key" else _padded_text if c.kind == "text" and c.out not in keys
             else fn)
            for c, (_, fn) in zip(self.columns, self._plan, strict=True)
        ]
        self.build_row = _compile(row_plan)

    def build(self, raw: Mapping[str, Any], company_code: str) -> dict[str, Any]:
        record = {out: convert(raw.get(out)) for out, convert in self._plan}
        record["company_code"] = company_code
        return record


def _compile(plan: Sequence[tuple[str, Callable[[Any], Any]]]) -> Callable[[Sequence[Any], str], dict[str, Any]]:
    """`lambda row, company: {"a": f0(row[0]), ..., "company_code": company}`, without a per-column loop.

    Names come from catalog.py (checked identifiers), never from data, so generating the source is safe.
    """
    namespace: dict[str, Any] = {}
    items = []
    for i, (out, fn) in enumerate(plan):
        if not out.replace("_", "").isalnum():
            raise ValueError(f"not a column name: {out!r}")
        namespace[f"f{i}"] = fn
        items.append(f"{out!r}: f{i}(row[{i}])")
    source = "def build_row(row, company):\n    return {" + ", ".join(items) + ", 'company_code': company}\n"
    exec(compile(source, "<record builder>", "exec"), namespace)  # noqa: S102 - generated from the catalog
    return namespace["build_row"]


class RowKeys:
    """`row_key` for tables without a unique key: a digest of the row plus its occurrence number.

    Two identical time-card rows are two real time cards, so the digest alone would merge them; the
    occurrence number (1, 2, ...) among identical rows keeps both. Incremental reads always cover whole
    days, and identical rows share their date, so the numbering is the same on every run and a re-read row
    keeps its key (dedup in the destination works).
    """

    def __init__(self) -> None:
        self._seen: dict[bytes, int] = {}

    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        digest = hashlib.blake2b(repr(sorted(record.items())).encode(), digest_size=12).digest()
        count = self._seen.get(digest, 0) + 1
        self._seen[digest] = count
        record["row_key"] = f"{digest.hex()}-{count}"
        return record



