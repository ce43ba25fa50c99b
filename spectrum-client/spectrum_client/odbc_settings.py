"""Where a Spectrum database is and how to log in: `OdbcSettings` and the ODBC connection string it builds,
with the per-driver options that make the drivers stream rows instead of buffering the whole result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import SpectrumConfigError

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


def connection_value(parts: Mapping[str, str], *names: str) -> str | None:
    """The first non-empty value among `names` (`Uid`, `User`, ...), else the last one's: keywords are
    case-insensitive, and a name the connection string lacks is None."""
    found = [next((v for k, v in parts.items() if k.lower() == name.lower()), None) for name in names]
    return next((v for v in found if v), found[-1])


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
            return connection_value(parse_connection_string(self.connection_string), "Driver") or ""
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
            if connection_value(parts, k) is None:
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
            server = connection_value(parts, "Server", "Servername") or ""
            database = connection_value(parts, "Database", "Initial Catalog") or ""
        else:
            server, database = self.server or "", self.database or ""
        where = " ".join(x for x in (f"server {server!r}" if server else "", f"database {database!r}") if x)
        return f"{where} (driver {self.driver_name!r})"

    @property
    def user_name(self) -> str:
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
            return connection_value(parts, "Uid", "User", "Username") or ""
        return self.user or ""

    @property
    def secret(self) -> str | None:
        if self.connection_string:
            parts = parse_connection_string(self.connection_string)
            return connection_value(parts, "Pwd", "Password")
        return self.password
