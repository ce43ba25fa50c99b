"""Fixtures for source-spectrum tests. `live` (tests/spectrum_live.py) runs the sandbox twin as a subprocess."""

from __future__ import annotations

import shutil

import pyodbc
import pytest
import spectrum_live


@pytest.fixture(scope="session")
def live():
    return spectrum_live.start()


@pytest.fixture(scope="session")
def pg_live(live):
    if spectrum_live.pg_parts() is None:
        pytest.skip("TIEOUT_TEST_PG_DSN not set (scripts/test.sh starts a throwaway PostgreSQL)")
    return live


@pytest.fixture
def sqlite_copy(live, tmp_path):
    """A private copy of the twin's SQLite database (the session's twin keeps serving the original): returns
    `alter(*sql)`, which runs the statements on the copy and returns a config reading it (one process)."""
    path = tmp_path / "spectrum.sqlite"
    shutil.copyfile(live.data_dir / "spectrum" / "spectrum.sqlite", path)
    config = live.config("sql")
    config["odbc"] = {"connection_string": f"Driver=SQLite3;Database={path};", "child_process_reads": False}

    def alter(*statements: str) -> dict:
        conn = pyodbc.connect(config["odbc"]["connection_string"], autocommit=True)
        try:
            for statement in statements:
                conn.cursor().execute(statement)
        finally:
            conn.close()
        return config

    return alter
