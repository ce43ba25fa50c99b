"""The ledger's tables (what ledger.py's docstring describes) and the migration of a ledger file written by an
earlier version; docs/ARCHITECTURE.md holds the contract other readers rely on."""

from __future__ import annotations

import duckdb

SCHEMA = "tieout_ledger"
STATES = ("posted", "held", "rejected", "changed_after_posting")

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.postings (
    source_stream VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    tenant_id VARCHAR NOT NULL,
    company_code VARCHAR,
    state VARCHAR NOT NULL CHECK (state IN ('posted', 'held', 'rejected', 'changed_after_posting')),
    reason VARCHAR,
    spectrum_batch VARCHAR,
    spectrum_document VARCHAR,
    posting_mode VARCHAR,
    summary_key VARCHAR,
    amount DECIMAL(18, 2),
    attempted_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL,
    content_fingerprint VARCHAR,
    posted_amount DECIMAL(18, 2),
    posted_document VARCHAR,
    PRIMARY KEY (source_stream, tenant_id, source_key)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.posting_lines (
    source_stream VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    tenant_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    company_code VARCHAR,
    spectrum_document VARCHAR NOT NULL,
    phase_code VARCHAR,
    cost_type VARCHAR,
    description VARCHAR,
    amount DECIMAL(18, 2),
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (source_stream, tenant_id, source_key, line_no)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.pending_documents (
    kind VARCHAR NOT NULL,
    company_code VARCHAR NOT NULL,
    vendor_code VARCHAR NOT NULL,
    spectrum_document VARCHAR NOT NULL,
    identity VARCHAR NOT NULL,
    payload VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (kind, company_code, vendor_code, spectrum_document)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.jobs (
    tenant_id VARCHAR NOT NULL,
    job_id VARCHAR NOT NULL,
    job_number VARCHAR,
    job_type VARCHAR,
    customer_id VARCHAR,
    status VARCHAR,
    department VARCHAR,
    created_year INTEGER,
    PRIMARY KEY (tenant_id, job_id)
);
"""


POSTINGS_COLUMNS = (
    "source_stream",
    "source_key",
    "tenant_id",
    "company_code",
    "state",
    "reason",
    "spectrum_batch",
    "spectrum_document",
    "posting_mode",
    "summary_key",
    "amount",
    "attempted_at",
    "run_id",
    "content_fingerprint",
    "posted_amount",
    "posted_document",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a ledger written by an earlier version up to this one, keeping every row (inside the caller's
    transaction: a failure leaves the file as it was). DuckDB cannot alter a CHECK constraint, so a postings
    table whose state check predates `changed_after_posting` is rebuilt; its rows are copied by name, and the
    new columns start empty (a posted row without a fingerprint is compared by total the first time it returns,
    then given one). The jobs table gains department and created_year (job_crosswalk.csv pattern rows match on
    them); a job remembered before has them empty until its record comes again."""
    for column, kind in (("department", "VARCHAR"), ("created_year", "INTEGER")):
        con.execute(f"ALTER TABLE {SCHEMA}.jobs ADD COLUMN IF NOT EXISTS {column} {kind}")
    checks = con.execute(
        """SELECT expression FROM duckdb_constraints()
           WHERE database_name = current_database() AND schema_name = ? AND table_name = 'postings'
             AND constraint_type = 'CHECK'""",
        [SCHEMA],
    ).fetchall()
    if any("changed_after_posting" in (expression or "") for (expression,) in checks):
        return
    ddl = DDL[DDL.index(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.postings") :]
    ddl = ddl[: ddl.index(";") + 1].replace(f"IF NOT EXISTS {SCHEMA}.postings", f"{SCHEMA}.postings_migrated")
    con.execute(ddl)
    con.execute(f"INSERT INTO {SCHEMA}.postings_migrated BY NAME SELECT * FROM {SCHEMA}.postings")
    con.execute(f"DROP TABLE {SCHEMA}.postings")
    con.execute(f"ALTER TABLE {SCHEMA}.postings_migrated RENAME TO postings")
