import os
import sqlite3
import tracemalloc
from decimal import Decimal

import pyodbc
import pytest
from spectrum_client import (
    DatabaseUnreachable,
    LoginFailed,
    OdbcDriverMissing,
    OdbcSettings,
    QueryFailed,
    SpectrumConfigError,
    SpectrumOdbc,
)
from spectrum_client.odbc_settings import parse_connection_string
from spectrum_client.values import key, money


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "spectrum.sqlite"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE JC_TRANSACTION_HISTORY_MC (Company_Code VARCHAR(3), Job_Number VARCHAR(10),"
        " Tran_Amount DECIMAL(14,2), Tran_Date_Text VARCHAR(8))"
    )
    rows = [("MEC", f"{i:>10}", f"{i}.10", "20240105") for i in range(1, 2501)]
    rows.append(("FPR", "   FP-0001", "99.99", "20240106"))
    con.executemany("INSERT INTO JC_TRANSACTION_HISTORY_MC VALUES (?,?,?,?)", rows)
    con.commit()
    con.close()
    return path


def sqlite_settings(path, **kw):
    return OdbcSettings(driver="SQLite3", database=str(path), **kw)


def test_given_sqlite_driver_when_streaming_then_rows_are_dicts_with_lowercase_names(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db, fetch_size=100)) as db:
        rows = [
            {**row, "tran_amount": money(row["tran_amount"])}
            for row in db.stream(
                "SELECT Company_Code, LTRIM(RTRIM(Job_Number)) AS Job_Number, Tran_Amount"
                " FROM JC_TRANSACTION_HISTORY_MC WHERE Company_Code = ?",
                ["MEC"],
            )
        ]
    assert len(rows) == 2500
    assert rows[0] == {"company_code": "MEC", "job_number": "1", "tran_amount": Decimal("1.10")}
    assert sum(r["tran_amount"] for r in rows) == sum(Decimal(f"{i}.10") for i in range(1, 2501))


def test_given_sqlite_decimal_column_when_read_raw_then_driver_returns_text(sqlite_db):
    # The reason money is normalised explicitly: the SQLite ODBC driver returns DECIMAL as str.
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db:
        value = db.scalar("SELECT Tran_Amount FROM JC_TRANSACTION_HISTORY_MC WHERE Company_Code = ?", ["FPR"])
    assert isinstance(value, str)
    assert money(value) == Decimal("99.99")


def test_given_padded_key_when_compared_with_parameter_then_ltrim_rtrim_matches(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db:
        rows = list(
            db.stream(
                "SELECT Job_Number FROM JC_TRANSACTION_HISTORY_MC WHERE LTRIM(RTRIM(Job_Number)) = ?", ["FP-0001"]
            )
        )
    assert [key(r["job_number"]) for r in rows] == ["FP-0001"]


def test_given_hostile_parameter_when_queried_then_it_is_data_not_sql(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db:
        rows = list(
            db.stream("SELECT Company_Code FROM JC_TRANSACTION_HISTORY_MC WHERE Company_Code = ?", ["MEC' OR '1'='1"])
        )
        assert rows == []
        # (the SQLite driver types an expression without a declared type as text)
        assert int(db.scalar("SELECT COUNT(*) FROM JC_TRANSACTION_HISTORY_MC")) == 2501


def test_given_large_result_when_streamed_then_memory_does_not_grow_with_rows(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db, fetch_size=50)) as db:
        stream = db.stream("SELECT * FROM JC_TRANSACTION_HISTORY_MC")
        next(stream)
        tracemalloc.start()
        for _ in stream:
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    # 2,500 rows held at once would be several hundred KB of Python objects; one batch of 50 is far less.
    assert peak < 150_000


def test_given_driver_parts_when_built_then_streaming_options_added_and_values_quoted():
    sqlite = OdbcSettings(driver="SQLite3", database="/data/spec;trum.sqlite").build()
    assert parse_connection_string(sqlite) == {
        "Driver": "SQLite3",
        "Database": "/data/spec;trum.sqlite",
        "StepAPI": "1",
        "NoCreat": "1",
    }
    pg = OdbcSettings(
        driver="PostgreSQL Unicode",
        server="db",
        port=5432,
        database="spectrum",
        user="u",
        password="p}w;d",
        fetch_size=1000,
    ).build()
    parsed = parse_connection_string(pg)
    assert parsed["Pwd"] == "p}w;d"
    assert parsed["UseDeclareFetch"] == "1" and parsed["Fetch"] == "1000"
    mssql = OdbcSettings(
        driver="ODBC Driver 18 for SQL Server",
        server="acme-data.dexterchaney.com",
        port=1433,
        database="Spectrum_0012345",
        user="infolink",
        password="x",
    ).build()
    assert parse_connection_string(mssql)["Server"] == "acme-data.dexterchaney.com,1433"


def test_given_connection_string_with_own_options_when_built_then_they_are_kept():
    built = OdbcSettings(connection_string="Driver={SQLite3};Database=/x.sqlite;StepAPI=0").build()
    assert parse_connection_string(built)["StepAPI"] == "0"


def test_given_no_driver_when_settings_built_then_error_names_the_fields():
    with pytest.raises(SpectrumConfigError, match=r"connection_string.*driver"):
        OdbcSettings()


def test_given_sql_server_driver_not_installed_when_connecting_then_error_names_msodbcsql18():
    settings = OdbcSettings(
        driver="ODBC Driver 18 for SQL Server", server="db", database="Spectrum", user="u", password="secret-pw"
    )
    with pytest.raises(OdbcDriverMissing) as info:
        SpectrumOdbc(settings).connect()
    message = str(info.value)
    assert "'ODBC Driver 18 for SQL Server' is not installed" in message
    assert "msodbcsql18" in message and "tdsodbc" in message
    assert "Installed ODBC drivers:" in message
    assert "secret-pw" not in message


def test_given_unregistered_sqlite_driver_when_connecting_then_error_names_libsqliteodbc(monkeypatch, tmp_path):
    def no_driver(*args, **kwargs):
        raise pyodbc.InterfaceError(
            "IM002", "[IM002] [unixODBC][Driver Manager]Data source name not found and no default driver specified"
        )

    (tmp_path / "x.sqlite").write_bytes(b"")
    monkeypatch.setattr(pyodbc, "connect", no_driver)
    with pytest.raises(OdbcDriverMissing, match=r"apt-get install libsqliteodbc"):
        SpectrumOdbc(OdbcSettings(driver="SQLite3", database=str(tmp_path / "x.sqlite"))).connect()


def test_given_postgres_driver_not_registered_when_connecting_then_error_names_odbc_postgresql(monkeypatch):
    def no_lib(*args, **kwargs):
        raise pyodbc.Error("01000", "[01000] [unixODBC][Driver Manager]Can't open lib 'PostgreSQL Unicode'")

    monkeypatch.setattr(pyodbc, "connect", no_lib)
    with pytest.raises(OdbcDriverMissing, match=r"apt-get install odbc-postgresql"):
        SpectrumOdbc(OdbcSettings(driver="PostgreSQL Unicode", server="db", database="d")).connect()


def test_given_missing_sqlite_file_when_connecting_then_database_unreachable_names_the_path(tmp_path):
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(DatabaseUnreachable, match=r"nope\.sqlite' does not exist"):
        SpectrumOdbc(sqlite_settings(missing)).connect()
    assert not missing.exists()


def test_given_missing_sqlite_file_when_connecting_then_the_message_names_the_setting_and_no_sandbox(tmp_path):
    with pytest.raises(DatabaseUnreachable) as info:
        SpectrumOdbc(sqlite_settings(tmp_path / "nope.sqlite")).connect()
    assert str(info.value).endswith("check `database` (the path of the SQLite file).")
    assert "sandbox" not in str(info.value)


def test_given_a_stall_timeout_of_zero_when_settings_built_then_the_error_names_the_callers_setting():
    with pytest.raises(SpectrumConfigError) as info:
        OdbcSettings(driver="SQLite3", database="x", stall_timeout=0)
    assert str(info.value) == (
        "`stall_timeout_seconds` must be more than 0 seconds (0 in the connector's settings waits for ever)"
    )


def test_given_missing_table_when_querying_then_query_failed_names_info_link_grant(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db, pytest.raises(QueryFailed) as info:
        db.check_table("CR_NOT_A_TABLE_MC")
    assert "Table Security Maintenance" in str(info.value)


def test_given_sql_injection_in_table_name_when_checked_then_rejected(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db, pytest.raises(SpectrumConfigError, match="identifier"):
        db.check_table("JC_JOB_MASTER_MC; DROP TABLE X")


# --- PostgreSQL through psqlODBC ------------------------------------------------------------------


def pg_parts():
    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.skip("TIEOUT_TEST_PG_DSN not set (scripts/test.sh starts a throwaway PostgreSQL)")
    return dict(part.split("=", 1) for part in dsn.split())


def pg_settings(**overrides):
    p = pg_parts()
    values = dict(
        driver="PostgreSQL Unicode",
        server=p["host"],
        port=int(p["port"]),
        database=p["dbname"],
        user=p["user"],
        password=p.get("password", ""),
    )
    values.update(overrides)
    return OdbcSettings(**values)


@pytest.mark.postgres
def test_given_psqlodbc_when_streaming_numeric_then_decimals_in_batches():
    with SpectrumOdbc(pg_settings(fetch_size=7)) as db:
        rows = list(
            db.stream(
                "SELECT CAST(g AS NUMERIC(14,2)) / 4 AS amount FROM generate_series(1, 100) AS g WHERE g > ?", [50]
            )
        )
    assert len(rows) == 50
    assert sum(money(r["amount"]) for r in rows) == Decimal("943.75")  # (51 + ... + 100) / 4


@pytest.mark.postgres
def test_given_unknown_role_when_connecting_then_login_failed_names_user_and_fix():
    with pytest.raises(LoginFailed) as info:
        SpectrumOdbc(pg_settings(user="nobody_here", password="wrong-secret")).connect()
    message = str(info.value)
    assert "login failed for user 'nobody_here'" in message
    assert "User Security Maintenance" in message
    assert "wrong-secret" not in message


@pytest.mark.postgres
def test_given_closed_port_when_connecting_then_database_unreachable_names_server():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatabaseUnreachable) as info:
        SpectrumOdbc(pg_settings(port=port, login_timeout=5)).connect()
    assert "unreachable at server '127.0.0.1'" in str(info.value)
    assert "check `server`, `port` and `database`" in str(info.value)


@pytest.mark.postgres
def test_given_unknown_database_when_connecting_then_database_unreachable_says_does_not_exist():
    with pytest.raises(DatabaseUnreachable, match="database does not exist"):
        SpectrumOdbc(pg_settings(database="no_such_spectrum")).connect()


def test_given_sqlite_and_parameters_when_streamed_then_literals_kept_and_nested_reads_work(sqlite_db):
    sql = (
        "SELECT Company_Code, 'a?b' AS literal FROM JC_TRANSACTION_HISTORY_MC"
        " WHERE Company_Code = ? AND Tran_Date_Text >= ?"
    )
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db:
        outer = db.stream(sql, ["FPR", "20240101"])
        first = next(outer)
        inner = list(db.stream(sql, ["MEC", "20240101"]))  # a second statement while the first is open
        rest = list(outer)
    assert first == {"company_code": "FPR", "literal": "a?b"} and rest == []
    assert len(inner) == 2500


def test_given_wrong_number_of_parameters_when_queried_then_config_error(sqlite_db):
    with SpectrumOdbc(sqlite_settings(sqlite_db)) as db, pytest.raises(SpectrumConfigError, match="2 parameters"):
        list(db.stream("SELECT 1 FROM JC_TRANSACTION_HISTORY_MC WHERE Company_Code = ?", ["MEC", "x"]))


def test_given_settings_with_secrets_when_repr_then_no_password_shown():
    shown = repr(OdbcSettings(connection_string="Driver=X;Pwd=hunter2")) + repr(
        OdbcSettings(driver="X", database="d", password="hunter3")
    )
    assert "hunter2" not in shown and "hunter3" not in shown
