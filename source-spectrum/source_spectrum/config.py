"""The one config model: Airbyte spec, Singer settings and the README's settings table come from it.

One connection reads a list of companies through one transport: `sql` (settings under `odbc`: an
Info-Link ODBC connection) or `data_exchange` (settings under `data_exchange`: Spectrum's web services).
A contractor with both configures two connections. `tieout-sandbox serve` writes configs of this shape.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from spectrum_client import insecure_url_problem
from spectrum_client.odbc_settings import DEFAULT_STALL_TIMEOUT
from tieout_core import CA_BUNDLE_DESCRIPTION, ConnectorConfig, check_ca_bundle

from source_spectrum.catalog import SQL_STREAMS

COMPANY_CODE = re.compile(r"^[A-Z0-9]{1,3}$")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class OdbcConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    connection_string: SecretStr | None = Field(
        default=None,
        description="A full ODBC connection string (takes precedence over the parts below), e.g."
        " `Driver={ODBC Driver 18 for SQL Server};Server=tcp:host,1433;Database=Spectrum_001;Uid=u;Pwd=p;Encrypt=yes`.",
    )
    driver: str | None = Field(
        default=None,
        description="ODBC driver: `ODBC Driver 18 for SQL Server`, `FreeTDS`, `PostgreSQL Unicode` or `SQLite3`.",
    )
    server: str | None = Field(default=None, description="Database host, e.g. acme-data.dexterchaney.com.")
    port: int | None = Field(default=None, ge=1, le=65535, description="Database port (SQL Server: 1433).")
    database: str | None = Field(default=None, description="Database name (Spectrum_0012345), or the SQLite file.")
    user: str | None = Field(default=None, description="The Info-Link SQL user.")
    password: SecretStr | None = Field(default=None, description="Its password.")
    options: dict[str, str] = Field(default_factory=dict, description='Extra keywords, e.g. {"Encrypt": "yes"}.')
    fetch_size: int = Field(default=5000, ge=100, le=100_000, description="Rows fetched per round trip.")
    child_process_reads: bool = Field(
        default=True,
        description="Fetch and normalise rows in a forked child process (its own connection, one login per"
        " stream and company), so fetching overlaps writing records: about 1.8x faster with two free cores."
        " Turn off to read in one process.",
    )
    stall_timeout_seconds: int = Field(
        default=DEFAULT_STALL_TIMEOUT,
        ge=0,
        le=86_400,
        description="Seconds a read may receive nothing from the database before its connection counts as lost"
        " and the read is retried on a new one (a link dropped without a reset, by a VPN or firewall, otherwise"
        " hangs for ever). Raise it if the server is slow to return a query's first rows; 0 waits for ever."
        " Applies to child-process reads.",
    )

    table_names: dict[str, str] = Field(
        default_factory=dict,
        description="This install's table for a table the connector reads, where it differs, e.g."
        ' {"VN_DOC_TRACKING_MC": "VN_VENDOR_DOC_TRACK_MC"}. Meant for the tables no public evidence confirms'
        ' (README, "Unverified names"); the stream keeps its name.',
    )
    column_names: dict[str, str] = Field(
        default_factory=dict,
        description="This install's column for a column the connector reads, keyed `TABLE.Column` with the"
        ' connector\'s names, e.g. {"CR_OPEN_ITEM_MC.Retention_Balance": "Retention_Open"}. The record keeps'
        " the connector's column name.",
    )

    # Unverified: the Processing Dates screen (System Administration > Installation > Processing Dates: per
    # company and module, the minimum, current and maximum dates open for posting) is documented, but no public
    # source names its table or columns. These are the twin's names; an install that differs renames them here.
    open_periods_table: str = Field(
        default="PA_PROCESSING_DATES_MC",
        pattern=r"^([A-Za-z_][A-Za-z0-9_]{0,127})?$",
        description="UNVERIFIED NAME. The table behind Spectrum's Processing Dates screen (per company and module,"
        " the dates open for posting). Incremental reads re-read from the earliest open date in it, so costs and"
        ' payments back-dated into a still-open period are read (README, "Incremental re-read window"). Empty'
        " to skip it (then 62 days are re-read, or lookback_days).",
    )
    open_periods_start_column: str = Field(
        default="Minimum_Date",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$",
        description="UNVERIFIED NAME. The column of open_periods_table holding the earliest date open for posting.",
    )

    # SQL Server change data capture (opt-in): where the DBA enabled capture on a history table, its change table
    # lists every insert, update and delete with a log sequence number (LSN), so a sync reads only what changed
    # instead of re-reading the open-period window, and sees deletions. The name pattern is the one seen on a
    # hosted instance (`cdc.<TABLE>_v1_CT`, spectrum-schema-evidence.md section 5): UNVERIFIED for other installs.
    cdc_tables: list[str] = Field(
        default_factory=list,
        description="Spectrum history tables to read through their SQL Server change data capture table instead of"
        ' re-reading a date window, e.g. ["GL_DETAIL_MC", "CR_PAY_ADJUST_HISTORY_MC"] (the ones a hosted'
        " instance was seen capturing). Opt-in: capture must be enabled on the table by the DBA. A sync with no"
        " saved position, or whose position the change table no longer holds, re-reads the window as before."
        ' Deleted rows arrive with `_ab_cdc_deleted_at` set (README, "Change data capture").',
    )
    cdc_table_pattern: str = Field(
        default="cdc.{table}_v1_CT",
        pattern=r"^([A-Za-z_][A-Za-z0-9_]{0,127}\.)?[A-Za-z0-9_]*\{table\}[A-Za-z0-9_]*$",
        description="UNVERIFIED NAME. The change table of a captured table, `{table}` standing for the table's"
        " name: SQL Server names it cdc.<capture instance>_CT, and the instance seen was `<TABLE>_v1`.",
    )

    @field_validator("cdc_tables")
    @classmethod
    def _capturable(cls, tables: list[str]) -> list[str]:
        allowed = {s.table for s in SQL_STREAMS if s.cursor and not s.synthetic_key}
        unknown = sorted(set(tables) - allowed)
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a history table read incrementally with a primary key; change data"
                f" capture is read for {', '.join(sorted(allowed))} (payroll time cards have no key a deletion"
                " could name)"
            )
        return tables

    @field_validator("table_names", "column_names")
    @classmethod
    def _known_names(cls, renames: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        known = {s.table for s in SQL_STREAMS}
        if info.field_name == "column_names":
            known = {f"{s.table}.{c.name}" for s in SQL_STREAMS for c in s.columns if c.kind != "rowkey"}
            known |= {f"{s.table}.Company_Code" for s in SQL_STREAMS}
        unknown = sorted(set(renames) - known)
        if unknown:
            example = (
                "a table name such as `CR_OPEN_ITEM_MC`"
                if info.field_name == "table_names"
                else ("`TABLE.Column` with the connector's names, such as `CR_OPEN_ITEM_MC.Retention_Balance`")
            )
            raise ValueError(f"{', '.join(unknown)}: not read by the connector; key each entry by {example}")
        bad = sorted(v for v in renames.values() if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", v))
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} is not a SQL name: letters, digits and _ only")
        return renames

    @model_validator(mode="after")
    def _connection(self) -> OdbcConfig:
        if self.connection_string is None and not self.driver:
            raise ValueError(
                "odbc needs `connection_string`, or `driver` with `database` (plus `server`, `user`, `password`"
                " for SQL Server or PostgreSQL)"
            )
        if self.connection_string is None and not self.database:
            raise ValueError("odbc with `driver` needs `database` (database name, or the SQLite file path)")
        return self


class DataExchangeConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    base_url: str = Field(description="Data Exchange base URL, e.g. https://acme.dexterchaney.com:8482.")
    authorization_id: SecretStr | None = Field(
        default=None,
        description="The Authorization ID (System Administration > Installation > Data Exchange); the Get"
        " services read must be built into it.",
    )
    client_id: str | None = Field(default=None, description="OAuth client id (Enhanced Authentication).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (Enhanced Authentication).")
    verify_tls: bool = Field(
        default=True,
        description="Verify the server's TLS certificate. Leave it on: for a self-signed or private-CA certificate"
        " set `ca_bundle`; `false` is warned about on every run.",
    )
    ca_bundle: str | None = Field(default=None, description=CA_BUNDLE_DESCRIPTION)
    allow_insecure_http: bool = Field(
        default=False,
        description="Allow a plain http:// base_url that is not on this machine (the Authorization ID and every"
        " record then cross the network unencrypted; never in production).",
    )
    divisions: list[str] = Field(
        default_factory=list,
        description="Division codes to split capped job reads by (a Get service answers at most ~500 rows).",
    )
    cost_centers: list[str] = Field(
        default_factory=list, description="Cost centers to split capped reads by, after status and division."
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (e.g. https://acme.dexterchaney.com:8482)")
        return url

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_is_pem(cls, path: str | None) -> str | None:
        return check_ca_bundle(path)

    @model_validator(mode="after")
    def _credentials(self) -> DataExchangeConfig:
        if self.authorization_id is None and not (self.client_id and self.client_secret):
            raise ValueError("data_exchange needs `authorization_id`, or `client_id` and `client_secret`")
        return self


class SpectrumConfig(ConnectorConfig):
    transport: Literal["sql", "data_exchange"] = Field(
        description="`sql`: the Spectrum database over ODBC (settings under `odbc`). `data_exchange`: Spectrum"
        " Data Exchange web services (settings under `data_exchange`; fewer streams, see the README).",
    )
    companies: list[str] = Field(
        min_length=1,
        description='Spectrum company codes to read (1-3 characters, A-Z 0-9), e.g. ["MEC", "FPR"].',
        examples=[["MEC", "FPR"]],
    )
    # Typed without `| None` (the default is None and pydantic does not validate defaults): the spec shows
    # plain objects, so Airbyte finds the nested secrets, and errors read `odbc.database`, not a union path.
    # No `default: null` in the schema either: singer-sdk would fill it in and then descend into None.
    odbc: OdbcConfig = Field(  # type: ignore[assignment]
        default=None, description="Required when transport is `sql`.", json_schema_extra=_no_default
    )
    data_exchange: DataExchangeConfig = Field(  # type: ignore[assignment]
        default=None, description="Required when transport is `data_exchange`.", json_schema_extra=_no_default
    )
    start_date: date = Field(
        default=date(2000, 1, 1),
        description="Earliest date read from the history tables (job cost, payments, payroll, GL).",
    )
    lookback_days: int | None = Field(
        default=None,
        ge=0,
        le=3660,
        description="Incremental reads re-read this many days before the last date seen, for late and back-dated"
        " postings. Empty (the default): re-read from the earliest date still open for posting"
        " (odbc.open_periods_table), or 62 days where that table is absent.",
    )

    @field_validator("companies")
    @classmethod
    def _companies(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not COMPANY_CODE.match(c)]
        if bad:
            raise ValueError(
                f"{', '.join(repr(c) for c in bad)} is not a Spectrum company code: use 1-3 characters A-Z or 0-9"
                " (upper case), as on Spectrum's company list"
            )
        if len(set(codes)) != len(codes):
            raise ValueError("a company code is listed twice")
        return codes

    @model_validator(mode="after")
    def _transport_settings(self) -> SpectrumConfig:
        if self.transport == "sql" and self.odbc is None:
            raise ValueError("transport `sql` needs the `odbc` settings (connection_string, or driver/server/...)")
        if self.transport == "data_exchange" and self.data_exchange is None:
            raise ValueError("transport `data_exchange` needs the `data_exchange` settings (base_url, ...)")
        # Checked here, not in DataExchangeConfig, so the message can name `data_exchange.base_url` in full.
        dx = self.data_exchange
        if dx is not None:
            problem = insecure_url_problem(
                dx.base_url,
                allow_insecure_http=dx.allow_insecure_http,
                field="data_exchange.base_url",
                opt_in="data_exchange.allow_insecure_http",
            )
            if problem:
                raise ValueError(problem)
        return self

    @property
    def company_codes(self) -> list[str]:
        return self.companies


def settings_rows() -> list[tuple[str, str, Any]]:
    """(setting, description, default) for the README, nested settings as `odbc.driver`."""
    rows = []
    for name, field in SpectrumConfig.model_fields.items():
        annotation = field.annotation
        nested = next((m for m in (OdbcConfig, DataExchangeConfig) if m.__name__ in str(annotation)), None)
        if nested is None:
            rows.append((name, field.description or "", field))
            continue
        for sub, subfield in nested.model_fields.items():
            rows.append((f"{name}.{sub}", subfield.description or "", subfield))
    return rows
