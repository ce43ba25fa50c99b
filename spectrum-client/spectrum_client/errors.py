"""Errors a Spectrum user can hit, each naming what to fix and where.

Every message is written for the person who owns the Spectrum install: it says what failed, the likely
cause and the screen or package that fixes it. Secrets never appear in a message.
"""

from __future__ import annotations

DATA_EXCHANGE_SCREEN = "System Administration > Installation > Data Exchange"


class SpectrumError(Exception):
    """Base class for every error this client raises."""


class SpectrumConfigError(SpectrumError, ValueError):
    """Bad input from the caller (a setting, a company code, a filter)."""


# --- ODBC -----------------------------------------------------------------------------------------


class OdbcError(SpectrumError):
    """A failure reaching or querying the Spectrum database over ODBC."""


class OdbcDriverMissing(OdbcError):
    """The ODBC driver named in the connection string is not installed."""


class DatabaseUnreachable(OdbcError):
    """The database server (or file) cannot be reached."""


class LoginFailed(OdbcError):
    """The server answered but refused the user or password."""


class QueryFailed(OdbcError):
    """A query failed after connecting (missing table, missing grant, ...)."""


class ConnectionLost(OdbcError):
    """The connection dropped in the middle of a query (reset, failover, VPN blip): worth reconnecting."""


# --- Data Exchange --------------------------------------------------------------------------------


class DataExchangeError(SpectrumError):
    """A failure talking to Spectrum Data Exchange (SOAP or REST)."""

    def __init__(self, message: str, *, service: str | None = None) -> None:
        super().__init__(message)
        self.service = service


class DataExchangeUnreachable(DataExchangeError):
    """The Data Exchange host did not answer (connection refused, DNS, TLS, timeout)."""


class AuthorizationRejected(DataExchangeError):
    """Spectrum does not accept the Authorization ID or the OAuth client credentials."""


class ServiceNotAuthorized(DataExchangeError):
    """The service is not built into the Authorization ID (or does not exist as SOAP)."""


class TruncatedResult(DataExchangeError):
    """A Get service hit its row cap (the trailing `W` row): the rows received are not the whole answer."""

    def __init__(self, message: str, *, service: str, filters: dict[str, str], rows_received: int) -> None:
        super().__init__(message, service=service)
        self.filters = filters
        self.rows_received = rows_received


class ServiceError(DataExchangeError):
    """A Get service answered with a non-blank, non-`W` Error_Code."""

    def __init__(
        self, message: str, *, service: str, error_code: str, error_description: str, error_column: str
    ) -> None:
        super().__init__(message, service=service)
        self.error_code = error_code
        self.error_description = error_description
        self.error_column = error_column


class MalformedResponse(DataExchangeError):
    """The answer is not the SOAP/JSON shape Data Exchange documents."""


class PostingOutcomeUnknown(DataExchangeError):
    """A Put request was sent but no answer came back: Spectrum may or may not hold it. Never auto-retried."""


class PostingUnconfirmed(PostingOutcomeUnknown):
    """A Put was answered, but not by Spectrum's own result rows for the document (an empty 2xx, a redirect,
    an HTML page, a body cut short): it may or may not have landed. Never counted as posted, never retried."""


class RedirectRefused(DataExchangeError, SpectrumConfigError):
    """Data Exchange answered with a redirect. Every call carries a credential, so none follows one."""


class CertificateNotTrusted(DataExchangeError, SpectrumConfigError):
    """The server's TLS certificate is not signed by a CA this machine trusts (self-signed, private CA)."""
