"""Fixtures for source-spectrum tests. `live` (tests/live.py) runs the sandbox twin as a subprocess."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pyodbc
import pytest


def load_live():
    """tests/live.py, loaded once under one name (sibling imports do not work under --import-mode=importlib)."""
    name = "source_spectrum_tests_live"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("live.py"))
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def live():
    return load_live().start()


@pytest.fixture(scope="session")
def pg_live(live):
    if load_live().pg_parts() is None:
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
