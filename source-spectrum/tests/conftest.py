"""Fixtures for source-spectrum tests. `live` (tests/live.py) runs the sandbox twin as a subprocess."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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
