"""The one Spectrum client: Data Exchange SOAP/REST and ODBC transports, shared by source-spectrum and
destination-spectrum. See README.md for the API."""

from .data_exchange import DataExchangeClient, GetResult, Partition
from .errors import (
    AuthorizationRejected,
    CertificateNotTrusted,
    ConnectionLost,
    DatabaseUnreachable,
    DataExchangeError,
    DataExchangeUnreachable,
    LoginFailed,
    MalformedResponse,
    OdbcDriverMissing,
    OdbcError,
    PostingOutcomeUnknown,
    PostingUnconfirmed,
    QueryFailed,
    RedirectRefused,
    ServiceError,
    ServiceNotAuthorized,
    SpectrumConfigError,
    SpectrumError,
    TruncatedResult,
)
from .http import DataExchangeSettings
from .odbc import SpectrumOdbc
from .odbc_settings import OdbcSettings
from .put import PutResult
from .urls import insecure_url_problem, is_loopback_host

__all__ = [
    "AuthorizationRejected",
    "CertificateNotTrusted",
    "ConnectionLost",
    "DataExchangeClient",
    "DataExchangeError",
    "DataExchangeSettings",
    "DataExchangeUnreachable",
    "DatabaseUnreachable",
    "GetResult",
    "LoginFailed",
    "MalformedResponse",
    "OdbcDriverMissing",
    "OdbcError",
    "OdbcSettings",
    "Partition",
    "PostingOutcomeUnknown",
    "PostingUnconfirmed",
    "PutResult",
    "QueryFailed",
    "RedirectRefused",
    "ServiceError",
    "ServiceNotAuthorized",
    "SpectrumConfigError",
    "SpectrumError",
    "SpectrumOdbc",
    "TruncatedResult",
    "insecure_url_problem",
    "is_loopback_host",
]
