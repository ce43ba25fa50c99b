import json
import shutil
from pathlib import Path

import pytest
from buildops_fake import running_fake
from sandbox_fixture import generate, serve

CONNECTOR_ROOT = Path(__file__).parents[1]
LIVE_SCALE = 0.02  # ~200 jobs, ~250 invoices, ~1,250 items: every stream populated, a few seconds a read
LIVE_SEED = 20261125


@pytest.fixture
def fake_buildops():
    with running_fake() as fake:
        yield fake


@pytest.fixture(scope="session")
def sandbox_data(tmp_path_factory) -> Path:
    """One generated contractor per test session (the pristine copy; tests that edit data copy it)."""
    out = tmp_path_factory.mktemp("sandbox") / "data"
    generate(out, LIVE_SEED, LIVE_SCALE)
    return out


@pytest.fixture(scope="session")
def sandbox(sandbox_data):
    """`tieout-sandbox serve` on a free loopback port, for the whole session (read-only use)."""
    with serve(sandbox_data) as running:
        yield running


@pytest.fixture
def private_sandbox(sandbox_data, tmp_path):
    """A sandbox on its own copy of the data, for tests that edit the jsonl files while it serves."""
    data = tmp_path / "data"
    shutil.copytree(sandbox_data, data, ignore=shutil.ignore_patterns("sandbox.json", "configs"))
    with serve(data) as running:
        yield running


@pytest.fixture(scope="session")
def standard_test_configs(sandbox):
    """Configs named in acceptance-test-config.yml, written under secrets/ and removed afterwards."""
    secrets = CONNECTOR_ROOT / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "config.json").write_text(json.dumps(sandbox.config))
    (secrets / "invalid_config.json").write_text(json.dumps({**sandbox.config, "client_secret": "wrong"}))
    yield secrets
    shutil.rmtree(secrets, ignore_errors=True)
