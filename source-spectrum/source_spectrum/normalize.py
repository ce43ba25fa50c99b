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
from decimal import Decimal, InvalidOperation
from typing import Any

from spectrum_client.values import iso_date, key, text, to_decimal

from source_spectrum.catalog import Column


def decimal_converter(places: int) -> Callable[[Any], float | None]:
    quantum = Decimal(1).scaleb(-places)

    def exact(value: Any) -> float | None:
        try:
            number = to_decimal(value, quantum)
        except InvalidOperation:  # Infinity: no JSON number can carry it
            number = Decimal("NaN")
        if number is not None and not number.is_finite():  # NaN quantizes without a signal: refuse it here
            raise ValueError(f"not a finite number: {value!r}")
        return None if number is None else float(number)

    def convert(value: Any) -> float | None:
        if value is None:
            return None
        cls = value.__class__
        if cls is str or cls is float:
            digits = value if cls is str else repr(value)
            # Fast path: already at most `places` decimals, no exponent, at most 15 characters (so within
            # float's 15 exact significant digits) ending in a digit (not "nan"/"inf"): float(digits) is
            # exactly that decimal. Everything else takes the Decimal route.
            dot = digits.find(".")
            if (
                len(digits) <= 15
                and digits[-1:].isdigit()
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

    convert.cache = cache  # type: ignore[attr-defined]  # read directly by the compiled SQL row builder
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
        self._plan = [
            (c.out, _never_null(converter(c)) if c.out in keys and c.kind in ("key", "text") else converter(c))
            for c in self.columns
        ]
        self.build_row, self.build_values, self.names = _compile(
            [(c, c.out in keys, fn) for c, (_, fn) in zip(self.columns, self._plan, strict=True)]
        )

    def build(self, raw: Mapping[str, Any], company_code: str) -> dict[str, Any]:
        record = {out: convert(raw.get(out)) for out, convert in self._plan}
        record["company_code"] = company_code
        return record


def _inline(kind: str, in_key: bool, v: str, f: str, cache: str) -> str:
    """The expression that converts value `v` of a SQL row, inlining the shapes drivers really return.

    Every other shape (a driver that hands back an int key, a Decimal, a date object) goes through the
    column's general converter `f`, which accepts anything the Data Exchange path accepts. A Python call
    costs more than the work here, so the common cases avoid one.
    """
    if kind == "key":
        # LTRIM(RTRIM()) in the SELECT already trimmed it: only a blank becomes null ("" in a primary key).
        if in_key:
            return f"({v} if {v}.__class__ is str else {f}({v}))"
        return f"(({v} or None) if {v}.__class__ is str or {v} is None else {f}({v}))"
    if kind == "text" and not in_key:
        return f"(({v}.rstrip() or None) if {v}.__class__ is str else None if {v} is None else {f}({v}))"
    if kind in ("date", "tdate"):
        # Memoised: a history table holds a few thousand distinct dates over millions of rows.
        return f"({cache}[{v}] if {v} in {cache} else {f}({v}))"
    if kind == "int":
        return f"({v} if {v}.__class__ is int or {v} is None else {f}({v}))"
    if kind.startswith("dec") or kind == "masked":
        return f"(None if {v} is None else {f}({v}))"
    return f"{f}({v})"


def _compile(plan: Sequence[tuple[Column, bool, Callable[[Any], Any]]]) -> tuple[Any, Any, tuple[str, ...]]:
    """Two generated functions per stream, and the output names in record order.

    `build_row(row, company)`: `v0, v1, ... = row; return {"a": <v0 converted>, ..., "company_code": company}`;
    `build_values(row, company)`: the same values as a tuple in `names` order (cheaper to send between
    processes; `dict(zip(names, values))` is the record). No per-column loop, no per-value type dispatch
    through Python calls. Names come from catalog.py (checked identifiers), never from data, so generating
    the source is safe.
    """
    namespace: dict[str, Any] = {}
    names: list[str] = []
    values = []
    variables = []
    for i, (column, in_key, fn) in enumerate(plan):
        out = column.out
        if not out.replace("_", "").isalnum():
            raise ValueError(f"not a column name: {out!r}")
        variables.append(f"v{i}")
        names.append(out)
        if out == "company_code":
            values.append("company")  # the company read, whatever padding the column holds
            continue
        namespace[f"f{i}"] = fn
        cache = getattr(fn, "cache", None)
        if cache is not None:
            namespace[f"c{i}"] = cache
        values.append(_inline(column.kind, in_key, f"v{i}", f"f{i}", f"c{i}"))
    if "company_code" not in names:
        names.append("company_code")
        values.append("company")
    unpack = f"    {', '.join(variables)}, = row\n" if variables else ""
    items = ", ".join(f"{name!r}: {value}" for name, value in zip(names, values, strict=True))
    source = (
        f"def build_row(row, company):\n{unpack}    return {{{items}}}\n"
        f"def build_values(row, company):\n{unpack}    return ({', '.join(values)},)\n"
    )
    exec(compile(source, "<record builder>", "exec"), namespace)  # noqa: S102 - generated from the catalog
    return namespace["build_row"], namespace["build_values"], tuple(names)


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
