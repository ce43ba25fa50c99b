"""Secrets never leave the config: not on stdout, stderr, logs, TRACE messages, cassettes or temp files.

The scan looks for every secret the sandbox hands out (client secret, Authorization ID, OAuth secret, database
password, the bearer tokens it mints) plus a deliberately wrong secret, across the success paths and the error
paths (bad credentials, unreachable host, --debug), with each run in a private TMPDIR that is scanned too.
"""

from __future__ import annotations

import json
import re
import socket

import pytest
from tieout_it import ROOT, configured_catalog, discover, executable, files_text, run_cli, scan_for_secrets, write_json

WRONG_SECRET = "wrong-secret-Zq8x!41-must-not-leak"
# source-spectrum over Data Exchange: the transport whose config carries a secret (the Authorization ID).
SOURCES = {"source-buildops": "source-buildops", "source-spectrum": "source-spectrum.data_exchange"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_wrong_secrets(config: dict, secrets: list[str]) -> dict:
    text = json.dumps(config)
    for secret in secrets:
        text = text.replace(json.dumps(secret)[1:-1], WRONG_SECRET)
    return json.loads(text)


def _with_dead_port(config: dict, port: int) -> dict:
    text = json.dumps(config)
    for live in _ports_in(text):
        text = text.replace(f"127.0.0.1:{live}", f"127.0.0.1:{port}")
    return json.loads(text)


def _ports_in(text: str) -> set[str]:
    return set(re.findall(r"127\.0\.0\.1:(\d+)", text))


@pytest.mark.parametrize("connector", sorted(SOURCES))
def test_given_the_sandbox_secrets_when_a_source_runs_every_verb_and_error_path_then_no_secret_leaks(
    connector, clean_sandbox, tmp_path
):
    config_name = SOURCES[connector]
    secrets = clean_sandbox.secrets()
    assert secrets, "the sandbox handed out no secrets to scan for"
    exe = executable(connector)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {"TMPDIR": str(private_tmp)}
    good = clean_sandbox.data_dir / "configs" / f"{config_name}.json"
    config = json.loads(good.read_text())
    catalog = configured_catalog(discover(exe, good))
    catalog["streams"] = catalog["streams"][:3]
    catalog_file = write_json(tmp_path / "catalog.json", catalog)
    wrong = write_json(tmp_path / "wrong.json", _with_wrong_secrets(config, secrets))
    dead = write_json(tmp_path / "dead.json", _with_dead_port(config, _free_port()))

    runs = {
        "spec": [exe, "spec"],
        "check": [exe, "check", "--config", str(good)],
        "read --debug": [exe, "read", "--config", str(good), "--catalog", str(catalog_file), "--debug"],
        "check with a wrong secret": [exe, "check", "--config", str(wrong)],
        "read with a wrong secret": [exe, "read", "--config", str(wrong), "--catalog", str(catalog_file)],
        "check against a dead port": [exe, "check", "--config", str(dead)],
    }
    texts = {}
    for name, args in runs.items():
        run = run_cli(args, env=env, timeout=300)
        texts[f"{name}: stdout"] = run.stdout
        texts[f"{name}: stderr"] = run.stderr
    assert (
        "FAILED" in texts["check with a wrong secret: stdout"]
        or "config_error" in texts["check with a wrong secret: stdout"]
    ), "a wrong secret was not reported"
    texts.update(files_text(private_tmp))
    leaks = scan_for_secrets([*secrets, WRONG_SECRET], texts)
    assert leaks == [], f"secrets leaked: {leaks}"


def test_given_the_sandbox_secrets_when_the_repository_cassettes_are_scanned_then_none_holds_a_secret(clean_sandbox):
    cassettes = [p for p in ROOT.glob("*/tests/**/cassettes/**/*") if p.suffix in (".yaml", ".yml", ".json")]
    assert cassettes, "expected recorded cassettes in the connector packages"
    texts = {str(p): p.read_text(errors="replace") for p in cassettes}
    assert scan_for_secrets(clean_sandbox.secrets(), texts) == []
