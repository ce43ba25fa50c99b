"""ODBC transport: pyodbc through a real driver to SQL Server (production), PostgreSQL or SQLite.

The SQL this client runs must work on all three: `?` parameters only, `LTRIM(RTRIM())` for padded keys,
no TOP/LIMIT, no vendor functions. Rows stream with `fetchmany`, so memory stays flat however large the
table; the per-driver options below switch off the drivers' habit of buffering the whole result first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyodbc

from .errors import (
    ConnectionLost,
    DatabaseUnreachable,
    LoginFailed,
    OdbcDriverMissing,
    OdbcError,
    QueryFailed,
    SpectrumConfigError,
)

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

# Long enough for a slow server's first rows; a silently dropped link is given up on after it.
DEFAULT_STALL_TIMEOUT = 1800
DEFAULT_FETCH_SIZE = 5000


def quote_value(value: str) -> str:
    """ODBC connection-string quoting: braces around values that contain separators, `}` doubled."""
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def parse_connection_string(conn_str: str) -> dict[str, str]:
    """Split `Key=Value;Key={va;lue}` into a case-preserving dict (keys compared case-insensitively)."""
    out: dict[str, str] = {}
    i, n = 0, len(conn_str)
    while i < n:
        eq = conn_str.find("=", i)
        if eq < 0:
            break
        key = conn_str[i:eq].strip().strip(";").strip()
        i = eq + 1
        if i < n and conn_str[i] == "{":
            j = i + 1
            buf = []
            while j < n:
                if conn_str[j] == "}":
                    if j + 1 < n and conn_str[j + 1] == "}":
                        buf.append("}")
                        j += 2
                        continue
                    break
                buf.append(conn_str[j])
                j += 1
            value = "".join(buf)
            i = j + 1
            semi = conn_str.find(";", i)
            i = n if semi < 0 else semi + 1
        else:
            semi = conn_str.find(";", i)
            value = conn_str[i:] if semi < 0 else conn_str[i:semi]
            i = n if semi < 0 else semi + 1
        if key:
            out[key] = value.strip()
    return out


def _get(parts: Mapping[str, str], name: str) -> str | None:
    for k, v in parts.items():
        if k.lower() == name.lower():
            return v
    return None


@dataclass(frozen=True)
class OdbcSettings:
    """Either a full `connection_string`, or the parts to build one."""

    connection_string: str | None = field(default=None, repr=False)  # may hold Pwd=
    driver: str | None = None
    server: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    login_timeout: int = 15
    fetch_size: int = DEFAULT_FETCH_SIZE
    # Bulk reads that opt in (source-spectrum's) fetch in a forked child process: see odbc_child.py.
    child_process_reads: bool = True
    # Seconds a child read may send nothing before its connection counts as lost (None: wait for ever).
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT

    def __post_init__(self) -> None:
        if not self.connection_string and not self.driver:
            raise SpectrumConfigError(
                "ODBC settings need either `connection_string` or `driver` (plus server/database/user/password)"
            )
        if self.fetch_size < 1:
            raise SpectrumConfigError("`fetch_size` must be at least 1")
        if self.stall_timeout is not None and self.stall_timeout <= 0:
            raise SpectrumConfigError(
                "`stall_timeout_seconds` must be more than 0 seconds (0 in the connector's settings waits for ever)"
            )

    @property
    def driver_name(self) -> str:
        if self.connection_string:
            return _get(parse_connection_string(self.connection_string), "Driver") or ""
        return self.driver or ""

    @property
    def family(self) -> str:
        """`sqlite`, `postgresql`, `sqlserver` or `other`: only used to pick streaming options."""
        name = self.driver_name.lower()
        if "sqlite" in name:
            return "sqlite"
        if "postgres" in name or "psql" in name:
            return "postgresql"
        if "sql server" in name or "freetds" in name or "tds" in name:
            return "sqlserver"
        return "other"

    def build(self) -> str:
        """The connection string handed to pyodbc (with the streaming options added when absent)."""
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
        else:
            parts = {"Driver": self.driver or ""}
            family = self.family
            if self.server:
                if family == "sqlserver" and self.port and "freetds" not in self.driver_name.lower():
                    parts["Server"] = f"{self.server},{self.port}"
                else:
                    parts["Server"] = self.server
                    if self.port:
                        parts["Port"] = str(self.port)
            if self.database:
                parts["Database"] = self.database
            if self.user:
                parts["Uid"] = self.user
            if self.password is not None:
                parts["Pwd"] = self.password
        for k, v in self.options.items():
            parts[k] = str(v)
        for k, v in self._streaming_defaults().items():
            if _get(parts, k) is None:
                parts[k] = v
        return ";".join(f"{k}={quote_value(v)}" for k, v in parts.items())

    def _streaming_defaults(self) -> dict[str, str]:
        family = self.family
        if family == "sqlite":
            # StepAPI: step through rows instead of sqlite3_get_table (whole result in memory).
            # NoCreat: a wrong path is an error, not a new empty database.
            return {"StepAPI": "1", "NoCreat": "1"}
        if family == "postgresql":
            # Without UseDeclareFetch psqlODBC reads the whole result set into memory before the first row.
            return {"UseDeclareFetch": "1", "Fetch": str(self.fetch_size)}
        return {}

    def describe(self) -> str:
        """Where we connect, for messages (never the password)."""
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
            server = _get(parts, "Server") or _get(parts, "Servername") or ""
            database = _get(parts, "Database") or _get(parts, "Initial Catalog") or ""
        else:
            server, database = self.server or "", self.database or ""
        where = " ".join(x for x in (f"server {server!r}" if server else "", f"database {database!r}") if x)
        return f"{where} (driver {self.driver_name!r})"

    @property
    def user_name(self) -> str:
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
            return _get(parts, "Uid") or _get(parts, "User") or _get(parts, "Username") or ""
        return self.user or ""

    @property
    def secret(self) -> str | None:
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
            return _get(parts, "Pwd") or _get(parts, "Password")
        return self.password


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


class SpectrumOdbc:
    """One ODBC connection to a Spectrum database, opened lazily."""

    def __init__(self, settings: OdbcSettings) -> None:
        self.settings = settings
        self._conn: pyodbc.Connection | None = None
        self._temp_tables = 0

    def connect(self) -> pyodbc.Connection:
        if self._conn is None:
            family = self.settings.family
            if family == "sqlite":
                database = _get(parse_connection_string(self.settings.build()), "Database")
                if database and not os.path.exists(database):
                    raise DatabaseUnreachable(
                        f"Spectrum database unreachable: the SQLite file {database!r} does not exist;"
                        " check `database` (the path of the SQLite file)."
                    )
            try:
                # Autocommit: this client only reads, and the SQLite driver streams only outside a transaction.
                self._conn = pyodbc.connect(self.settings.build(), timeout=self.settings.login_timeout, autocommit=True)
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="connect") from None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(pyodbc.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> SpectrumOdbc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        fetch_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield each row as a dict keyed by lower-cased column name, `fetch_size` rows at a time."""
        conn = self.connect()
        size = fetch_size or self.settings.fetch_size
        cursor = conn.cursor()
        temp = None
        try:
            try:
                temp = self._execute(cursor, sql, params)
                names = [d[0].lower() for d in cursor.description]
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="query") from None
            while True:
                try:
                    rows = cursor.fetchmany(size)
                except pyodbc.Error as exc:
                    raise translate_error(exc, self.settings, during="query") from None
                if not rows:
                    break
                for row in rows:
                    yield dict(zip(names, row, strict=False))
        finally:
            with contextlib.suppress(pyodbc.Error):
                cursor.close()
            self._drop(temp)

    def batches(self, sql: str, params: Sequence[Any] = (), *, fetch_size: int | None = None) -> Iterator[list]:
        """The driver's rows, one `fetchmany` list at a time (bulk readers convert a whole list in one go)."""
        conn = self.connect()
        size = fetch_size or self.settings.fetch_size
        cursor = conn.cursor()
        temp = None
        try:
            try:
                temp = self._execute(cursor, sql, params)
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="query") from None
            while True:
                try:
                    batch = cursor.fetchmany(size)
                except pyodbc.Error as exc:
                    raise translate_error(exc, self.settings, during="query") from None
                if not batch:
                    break
                yield batch
        finally:
            with contextlib.suppress(pyodbc.Error):
                cursor.close()
            self._drop(temp)

    def _execute(self, cursor: pyodbc.Cursor, sql: str, params: Sequence[Any]) -> str | None:
        """Run `sql`; returns the temp table to drop once the rows are read (SQLite only)."""
        if not params:
            cursor.execute(sql)
            return None
        if self.settings.family != "sqlite":
            cursor.execute(sql, *params)
            return None
        # The SQLite ODBC driver steps through rows (constant memory) only for statements without
        # parameters; with any parameter it copies the whole result into memory first (measured: 1.2 GB
        # for 1.8M rows). So the values go, still as bound parameters, into a one-row TEMP table, and each
        # `?` becomes a scalar subquery on it: the SELECT itself has no parameters and streams.
        self._temp_tables += 1
        table = f"temp.tieout_params_{self._temp_tables}"
        columns = ", ".join(f"p{i}" for i in range(len(params)))
        cursor.execute(f"CREATE TEMP TABLE {table.split('.')[1]} ({columns})")
        cursor.execute(
            f"INSERT INTO {table} VALUES ({', '.join('?' * len(params))})", *[_sqlite_value(v) for v in params]
        )
        cursor.execute(_subquery_placeholders(sql, len(params), table))
        return table

    def _drop(self, table: str | None) -> None:
        if table and self._conn is not None:
            with contextlib.suppress(pyodbc.Error):
                self._conn.cursor().execute(f"DROP TABLE IF EXISTS {table}").close()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        for row in self.stream(sql, params, fetch_size=1):
            return next(iter(row.values()))
        return None

    def table_columns(self, table: str) -> list[str]:
        """The columns `table` has, as the database spells them: one catalog call (`SQLColumns`), no rows read.

        Catalog lookups match the stored spelling, which differs by database (PostgreSQL folds unquoted names
        to lower case), so the name is tried as given, lower-cased and upper-cased. A driver or login that
        the catalog answers nothing for gets the columns of an empty result instead.
        """
        validate_identifier(table)
        conn = self.connect()
        try:
            for name in dict.fromkeys((table, table.lower(), table.upper())):
                cursor = conn.cursor()
                try:
                    found = list(dict.fromkeys(row.column_name for row in cursor.columns(table=name)))
                finally:
                    with contextlib.suppress(pyodbc.Error):
                        cursor.close()
                if found:
                    return found
            cursor = conn.cursor()
            try:
                cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
                return [d[0] for d in cursor.description]
            finally:
                with contextlib.suppress(pyodbc.Error):
                    cursor.close()
        except pyodbc.Error as exc:
            raise translate_error(exc, self.settings, during="query") from None

    def check_table(self, table: str) -> None:
        """Prove the table exists and the user may read it, without reading rows."""
        validate_identifier(table)
        list(self.stream(f"SELECT 1 AS ok FROM {table} WHERE 1 = 0"))


def _sqlite_value(value: Any) -> Any:
    # Dates are stored as ISO text by SQLite loaders; compare like with like.
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _subquery_placeholders(sql: str, count: int, table: str) -> str:
    """Replace each `?` outside string literals with `(SELECT p<i> FROM <table>)`, in order."""
    out: list[str] = []
    index = 0
    in_literal = False
    for char in sql:
        if char == "'":
            in_literal = not in_literal  # a doubled '' toggles twice: still correct
        if char == "?" and not in_literal:
            out.append(f"(SELECT p{index} FROM {table})")
            index += 1
        else:
            out.append(char)
    if index != count:
        raise SpectrumConfigError(f"the SQL has {index} `?` placeholders but {count} parameters were given")
    return "".join(out)


def validate_identifier(name: str) -> str:
    """Table and column names are spliced into SQL, so only plain identifiers pass."""
    stripped = name.replace("_", "").replace(".", "")
    if not name or not stripped.isalnum() or not stripped.isascii() or name[0].isdigit():
        raise SpectrumConfigError(f"not a plain SQL identifier: {name!r}")
    return name
