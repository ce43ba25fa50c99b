"""What a pyodbc error means to the user: driver missing, login refused, server unreachable, connection lost
or a query refused, each with the fix (and never the password)."""

from __future__ import annotations

import pyodbc

from .errors import (
    ConnectionLost,
    DatabaseUnreachable,
    LoginFailed,
    OdbcDriverMissing,
    OdbcError,
    QueryFailed,
)
from .odbc_settings import OdbcSettings

# Driver name (lower case) -> the package that provides it, for the "driver missing" message.
DRIVER_PACKAGES: dict[str, str] = {
    "sqlite3": "libsqliteodbc (Debian/Ubuntu: apt-get install libsqliteodbc)",
    "sqlite3 odbc driver": "libsqliteodbc (Debian/Ubuntu: apt-get install libsqliteodbc)",
    "postgresql unicode": "odbc-postgresql (Debian/Ubuntu: apt-get install odbc-postgresql)",
    "postgresql ansi": "odbc-postgresql (Debian/Ubuntu: apt-get install odbc-postgresql)",
    "odbc driver 18 for sql server": (
        "msodbcsql18 from Microsoft's package repository (ACCEPT_EULA=Y apt-get install msodbcsql18), "
        "or use FreeTDS instead (apt-get install tdsodbc, Driver=FreeTDS)"
    ),
    "odbc driver 17 for sql server": "msodbcsql17 from Microsoft's package repository (or msodbcsql18)",
    "freetds": "tdsodbc (Debian/Ubuntu: apt-get install tdsodbc)",
}

_LOGIN_MARKERS = (
    "login failed",
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    'role "',
    "access denied",
)
_UNREACHABLE_MARKERS = (
    "could not connect",
    "connection refused",
    "connect failed",
    "could not translate host name",
    "timeout expired",
    "login timeout",
    "network-related",
    "server was not found",
    "unable to connect",
    "no route to host",
    "cannot open database",
    'database "',
    "unable to open database",
    "name or service not known",
)


# A connection that dropped after it was made (SQLSTATE class 08 is the standard signal; these catch drivers
# that report it as HY000): psqlODBC / libpq, Microsoft ODBC Driver, FreeTDS.
_CONNECTION_LOST_MARKERS = (
    "server closed the connection unexpectedly",
    "connection has been lost",
    "could not receive data from server",
    "could not send data to server",
    "no connection to the server",
    "communication link failure",
    "connection reset by peer",
    "forcibly closed by the remote host",
    "read from the server failed",
    "write to the server failed",
)


def translate_error(exc: pyodbc.Error, settings: OdbcSettings, *, during: str) -> OdbcError:
    """Turn a driver error into one of ours with a message that names the fix."""
    sqlstate = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    raw = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    secret = settings.secret
    if secret:
        raw = raw.replace(secret, "****")
    lowered = raw.lower()
    driver = settings.driver_name
    if sqlstate == "IM002" or "can't open lib" in lowered or "data source name not found" in lowered:
        installed = ", ".join(pyodbc.drivers()) or "none"
        package = DRIVER_PACKAGES.get(driver.strip("{}").lower())
        fix = f"install {package}" if package else "install the driver's package and register it in odbcinst.ini"
        name = driver or "(no Driver= in the connection string)"
        return OdbcDriverMissing(
            f"ODBC driver {name!r} is not installed on this machine; {fix}. Installed ODBC drivers: {installed}."
        )
    if during == "connect":
        where = settings.describe()
        if "cannot open database" in lowered or ('database "' in lowered and "does not exist" in lowered):
            return DatabaseUnreachable(
                f"Spectrum database unreachable at {where}: the server answered but the database does not exist"
                f" or the user cannot open it; check `database`. Driver said: {raw.strip()}"
            )
        if sqlstate == "28000" or any(m in lowered for m in _LOGIN_MARKERS):
            return LoginFailed(
                f"Spectrum database login failed for user {settings.user_name!r} at {where}: check `user` and"
                " `password` (the Info-Link SQL user set up in Info-Link > User Security Maintenance)."
                f" Driver said: {raw.strip()}"
            )
        if sqlstate in {"08001", "08S01", "HYT00", "HYT01"} or any(m in lowered for m in _UNREACHABLE_MARKERS):
            return DatabaseUnreachable(
                f"Spectrum database unreachable at {where}: check `server`, `port` and `database` (a hosted"
                " install also needs this machine's IP allow-listed by Trimble support)."
                f" Driver said: {raw.strip()}"
            )
        return DatabaseUnreachable(f"Could not connect to the Spectrum database at {where}: {raw.strip()}")
    if sqlstate.startswith("08") or any(m in lowered for m in _CONNECTION_LOST_MARKERS):
        return ConnectionLost(
            f"The connection to the Spectrum database at {settings.describe()} was lost in the middle of a"
            " query: check the network path to that server (VPN, firewall or load-balancer idle limits, a"
            f" database failover or restart in its log). Driver said: {raw.strip()}"
        )
    return QueryFailed(
        f"Spectrum query failed ({sqlstate or 'no SQLSTATE'}) on {settings.describe()}: {raw.strip()}."
        " If a table is missing or not readable, grant it to the Info-Link user"
        " (Info-Link > Table Security Maintenance)."
    )
