"""Load DIR/spectrum/*.csv into a real database: SQLite (embedded default) and optionally PostgreSQL.

Connectors reach the SQLite file through the SQLite3 ODBC driver and PostgreSQL through psqlODBC; the
twin itself only needs Python's sqlite3 and psycopg. Table names are created unquoted so the same
dialect-neutral SQL (`SELECT Job_Number FROM JC_JOB_MASTER_MC`) runs on SQLite, PostgreSQL (which folds
them to lower case) and SQL Server.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from .cdc import CAPTURED, enable_capture
from .schema import ALL_TABLES, ENTRY_TABLES, TABLES

INDEXES = {
    "JC_JOB_MASTER_MC": ("Company_Code", "Job_Number"),
    "JC_PHASE_MASTER_MC": ("Company_Code", "Job_Number", "Phase_Code", "Cost_Type"),
    "JC_TRANSACTION_HISTORY_MC": ("Company_Code", "Tran_Date_Text"),
    "JC_PROJ_COST_HISTORY_MC": ("Company_Code", "Job", "Phase", "Cost_Type"),
    "CR_CUSTOMER_MASTER_MC": ("Company_Code", "Customer_Code"),
    "CR_INVOICE_HEADER_MC": ("Company_Code", "Invoice_Or_Transaction"),
    "CR_INVOICE_DETAIL_MC": ("Company_Code", "Invoice_Or_Transaction"),
    "CR_OPEN_ITEM_MC": ("Company_Code", "Customer_Code"),
    "VN_VENDOR_MASTER_MC": ("Company_Code", "Vendor_Code"),
    "VN_GL_DISTRIBUTION_HEADER_MC": ("Company_Code", "Vendor_Code", "Invoice_Number"),
    "VN_OPEN_ITEMS_MC": ("Company_Code", "Vendor_Code", "Invoice_Number"),
    "PR_TIME_CARD_HISTORY_MC": ("Company_Code", "Employee_Code"),
    "CR_INVOICE_ENTRY_HEADER_MC": ("Company_Code", "Invoice_Or_Transaction"),
    "VN_INVOICE_ENTRY_HEADER_MC": ("Company_Code", "Vendor_Code", "Invoice_Number"),
}
# The Data Exchange twin's GetPhase sums job cost history per phase (dex/gets.py): SQLite only.
PHASE_HISTORY_INDEX = (
    "CREATE INDEX IX_JC_TRANSACTION_HISTORY_MC_PHASE"
    " ON JC_TRANSACTION_HISTORY_MC (Company_Code, Job_Number, Phase_Code, Cost_Type)"
)
BATCH = 5000


def ddl(table: str) -> str:
    cols = ", ".join(f"{name} {sqltype}" for name, sqltype in ALL_TABLES[table])
    return f"CREATE TABLE {table} ({cols})"


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for table in TABLES:
        stat = (folder / f"{table}.csv").stat()
        digest.update(f"{table}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def _is_varchar(sqltype: str) -> bool:
    return sqltype.startswith("VARCHAR")


def load_sqlite(folder: Path) -> Path:
    """(Re)build DIR/spectrum/spectrum.sqlite unless it already holds these CSVs (unposted batches survive)."""
    target = folder / "spectrum.sqlite"
    fingerprint = _fingerprint(folder)
    if target.exists():
        try:
            with sqlite3.connect(target) as con:
                row = con.execute("SELECT fingerprint FROM TIEOUT_TWIN_LOAD").fetchone()
            if row and row[0] == fingerprint:
                return target
        except sqlite3.Error:
            pass
    tmp = folder / "spectrum.sqlite.loading"
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    for table in ALL_TABLES:
        con.execute(ddl(table))
    for table, columns in TABLES.items():
        nullable = [i for i, (_, sqltype) in enumerate(columns) if not _is_varchar(sqltype)]
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})"
        with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            batch = []
            for row in reader:
                for i in nullable:
                    if row[i] == "":
                        row[i] = None
                batch.append(row)
                if len(batch) >= BATCH:
                    con.executemany(insert, batch)
                    batch.clear()
            if batch:
                con.executemany(insert, batch)
    for table, cols in INDEXES.items():
        con.execute(f"CREATE INDEX IX_{table} ON {table} ({', '.join(cols)})")
    con.execute(PHASE_HISTORY_INDEX)
    for table in CAPTURED:  # after the load: rows present before capture have no change rows
        enable_capture(con, table)
    con.execute("CREATE TABLE TIEOUT_TWIN_LOAD (fingerprint VARCHAR(64), loaded_at VARCHAR(26))")
    con.execute("INSERT INTO TIEOUT_TWIN_LOAD VALUES (?, ?)", (fingerprint, time.strftime("%Y-%m-%dT%H:%M:%S")))
    con.commit()
    con.close()
    os.replace(tmp, target)
    # WAL: ODBC readers and the Data Exchange server's Put batches do not block each other.
    with sqlite3.connect(target) as con:
        con.execute("PRAGMA journal_mode=WAL")
    return target


def load_postgres(folder: Path, dsn: str) -> None:
    """Drop and recreate every twin table in the DSN's current schema, then COPY the CSVs in."""
    import psycopg

    with psycopg.connect(dsn) as con:
        with con.cursor() as cur:
            for table in ALL_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
                cur.execute(ddl(table))
            for table, columns in TABLES.items():
                not_null = ", ".join(name for name, sqltype in columns if _is_varchar(sqltype))
                sql = f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL ({not_null}))"
                with cur.copy(sql) as copy, (folder / f"{table}.csv").open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            for table, cols in INDEXES.items():
                cur.execute(f"CREATE INDEX IF NOT EXISTS ix_{table} ON {table} ({', '.join(cols)})")
        con.commit()


def psqlodbc_connection_string(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    parts = [
        "Driver={PostgreSQL Unicode}",
        f"Server={params.get('host', '127.0.0.1')}",
        f"Port={params.get('port', 5432)}",
        f"Database={params.get('dbname', 'postgres')}",
        f"Uid={params.get('user', 'postgres')}",
    ]
    if params.get("password"):
        parts.append(f"Pwd={params['password']}")
    return ";".join(parts) + ";"


def prepare(data_dir: Path, *, postgres_dsn: str | None = None) -> dict:
    folder = Path(data_dir) / "spectrum"
    if not (folder / "JC_JOB_MASTER_MC.csv").exists():
        raise FileNotFoundError(
            f"{folder} holds no Spectrum tables; run `tieout-sandbox generate --out {data_dir}` first"
        )
    started = time.perf_counter()
    sqlite_path = load_sqlite(folder).resolve()
    sqlite_seconds = round(time.perf_counter() - started, 2)
    info: dict = {
        "sqlite_path": str(sqlite_path),
        "odbc": {
            "sqlite": f"Driver=SQLite3;Database={sqlite_path};",
            "sqlserver_msodbc18": (
                "Driver={ODBC Driver 18 for SQL Server};Server=tcp:HOST,1433;"
                "Database=Spectrum_00xxxxx;Uid=INFOLINK_USER;Pwd=***;Encrypt=yes;"
                "TrustServerCertificate=no;"
            ),
            "sqlserver_freetds": (
                "Driver=FreeTDS;Server=HOST;Port=1433;Database=Spectrum_00xxxxx;"
                "Uid=INFOLINK_USER;Pwd=***;TDS_Version=7.4;"
            ),
        },
        "tables": list(TABLES),
        "unposted_tables": list(ENTRY_TABLES),
        "load_seconds": {"sqlite": sqlite_seconds},
    }
    if postgres_dsn:
        started = time.perf_counter()
        load_postgres(folder, postgres_dsn)
        info["load_seconds"]["postgres"] = round(time.perf_counter() - started, 2)
        info["odbc"]["postgres"] = psqlodbc_connection_string(postgres_dsn)
        info["postgres_dsn"] = postgres_dsn
    # make_app reads this to write Put batches into the same databases SQL reads.
    # Owner-only, like sandbox.json: a DSN may carry a password.
    database_json = folder / "database.json"
    database_json.unlink(missing_ok=True)
    fd = os.open(database_json, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"sqlite_path": str(sqlite_path), "postgres_dsn": postgres_dsn}, fh, indent=2)
    return info
