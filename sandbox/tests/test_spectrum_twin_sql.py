"""The Spectrum tables load into real databases that pyodbc reads through real ODBC drivers."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

import pyodbc
import pytest
from tieout_sandbox.spectrum import prepare
from tieout_sandbox.spectrum.schema import ENTRY_TABLES, TABLES
from tieout_sandbox.spectrum.testing import build

SUMMED = [
    ("CR_INVOICE_HEADER_MC", "Invoice_Extension"),
    ("CR_INVOICE_HEADER_MC", "Retention_Amount"),
    ("CR_OPEN_ITEM_MC", "Invoice_Balance"),
    ("JC_TRANSACTION_HISTORY_MC", "Tran_Amount"),
    ("PR_TIME_CARD_HISTORY_MC", "Burden_Amount"),
    ("VN_OPEN_ITEMS_MC", "Invoice_Balance"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    out = tmp_path_factory.mktemp("spectrum-sql")
    _, truth = build(out, seed=5, scale=0.04)
    return out, truth, prepare(out)


def money_sum(cursor, table, column, company):
    # The SQLite ODBC driver hands DECIMAL back as text: add in Python with Decimal, never float.
    cursor.execute(f"SELECT {column} FROM {table} WHERE Company_Code = ?", company)
    return sum((Decimal(str(v)) for (v,) in cursor.fetchall() if v is not None), Decimal("0"))


def test_given_prepared_sqlite_when_read_through_the_sqlite3_odbc_driver_then_counts_match_truth(loaded):
    _, truth, info = loaded
    con = pyodbc.connect(info["odbc"]["sqlite"])
    cursor = con.cursor()
    for table in TABLES:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == truth["spectrum"]["counts"][table], table
    for table in ENTRY_TABLES:  # unposted batches exist, empty, before anything is posted
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == 0


def test_given_prepared_sqlite_when_money_summed_per_company_then_it_equals_truth_to_the_cent(loaded):
    _, truth, info = loaded
    cursor = pyodbc.connect(info["odbc"]["sqlite"]).cursor()
    for table, column in SUMMED:
        for company in ("MEC", "FPR"):
            expected = Decimal(truth["spectrum"]["sums"][table][column].get(company, "0"))
            assert money_sum(cursor, table, column, company) == expected, (table, column, company)


def test_given_prepared_sqlite_when_keys_read_then_job_numbers_are_padded_and_dates_typed(loaded):
    _, _, info = loaded
    cursor = pyodbc.connect(info["odbc"]["sqlite"]).cursor()
    cursor.execute("SELECT Job_Number, Start_Date FROM JC_JOB_MASTER_MC WHERE Company_Code = ?", "MEC")
    job_number, start = cursor.fetchone()
    assert len(job_number) == 10 and job_number.startswith(" ")
    assert hasattr(start, "isoformat")
    cursor.execute("SELECT COUNT(*) FROM JC_JOB_MASTER_MC WHERE LTRIM(RTRIM(Job_Number)) = ?", job_number.strip())
    assert cursor.fetchone()[0] >= 1


def test_given_an_unchanged_dataset_when_prepared_again_then_the_database_is_reused(loaded):
    out, _, info = loaded
    before = (out / "spectrum" / "spectrum.sqlite").stat().st_mtime_ns
    again = prepare(out)
    assert again["sqlite_path"] == info["sqlite_path"]
    assert (out / "spectrum" / "spectrum.sqlite").stat().st_mtime_ns == before


def test_given_no_generated_data_when_prepared_then_the_error_names_the_generate_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="tieout-sandbox generate --out"):
        prepare(tmp_path)


@pytest.mark.postgres
def test_given_a_postgres_dsn_when_prepared_then_psqlodbc_reads_the_same_counts_and_sums(loaded):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.fail(
            "TIEOUT_TEST_PG_DSN is not set: run through scripts/test.sh (make test), or start one with "
            '`eval "$(scripts/pg-throwaway.sh start /tmp/pg)" && export TIEOUT_TEST_PG_DSN`'
        )
    database = f"spectrum_twin_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    try:
        own_dsn = make_conninfo(**{**conninfo_to_dict(dsn), "dbname": database})
        out, truth, _ = loaded
        info = prepare(out, postgres_dsn=own_dsn)
        con = pyodbc.connect(info["odbc"]["postgres"])
        cursor = con.cursor()
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone()[0] == truth["spectrum"]["counts"][table], table
        for table, column in SUMMED:
            for company in ("MEC", "FPR"):
                expected = Decimal(truth["spectrum"]["sums"][table][column].get(company, "0"))
                assert money_sum(cursor, table, column, company) == expected, (table, column, company)
        cursor.execute("SELECT Customer_Code FROM CR_CUSTOMER_MASTER_MC WHERE Customer_Email = ''")
        cursor.fetchall()  # blank text stays '' (not NULL), as Spectrum stores it
        con.close()
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
