"""The transport interface and the translation of client errors into connector errors.

A transport knows which streams it can serve (`streams`), proves it can reach Spectrum (`check`) and
yields normalised records for one stream and one company in batches (`read_batches`), optionally from a
date on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import Protocol

from spectrum_client import (
    AuthorizationRejected,
    DatabaseUnreachable,
    DataExchangeUnreachable,
    LoginFailed,
    OdbcDriverMissing,
    QueryFailed,
    ServiceError,
    ServiceNotAuthorized,
    SpectrumConfigError,
    SpectrumError,
    TruncatedResult,
)
from tieout_core import ConfigError, TransientError

from source_spectrum.catalog import StreamSpec

RowBatch = tuple[tuple[str, ...], list[tuple]]
"""A batch of records as column names plus value tuples in that order: `dict(zip(names, row))` is a record.

Transports hand records on in batches (one ODBC `fetchmany`, up to 500 Data Exchange rows) so that the work
done per batch (the key hash of each record for resume.py, the cursor high-water mark) runs in C rather than
in a Python loop per record (benchmarks/source_spectrum measures what that saves)."""

# What the user must fix (config_error) versus what may pass on retry (transient_error).
_CONFIG_ERRORS = (
    OdbcDriverMissing,
    LoginFailed,
    QueryFailed,
    AuthorizationRejected,
    ServiceNotAuthorized,
    SpectrumConfigError,
    TruncatedResult,
    ServiceError,
)
_TRANSIENT_ERRORS = (DatabaseUnreachable, DataExchangeUnreachable)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise spectrum_client errors as tieout_core errors, message unchanged (it already names the fix)."""
    try:
        yield
    except _CONFIG_ERRORS as exc:
        raise ConfigError(str(exc)) from exc
    except _TRANSIENT_ERRORS as exc:
        raise TransientError(str(exc)) from exc
    except SpectrumError as exc:
        raise TransientError(str(exc)) from exc


class Transport(Protocol):
    name: str

    @property
    def streams(self) -> tuple[StreamSpec, ...]: ...

    def check(self, company_codes: list[str]) -> None: ...

    def read_batches(self, spec: StreamSpec, company_code: str, since: date | None) -> Iterator[RowBatch]: ...

    def open_from(self, company_code: str) -> date | None:
        """The earliest date still open for posting in the company, if the transport can tell."""
        ...

    def close(self) -> None: ...
