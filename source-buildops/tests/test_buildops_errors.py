"""Errors as a user meets them, through the real CLIs (subprocesses): a clear message, the right failure
type, no traceback, and never the secret."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from buildops_fake import CLIENT_SECRET, OTHER_TENANT, make_config
from source_buildops.source import CONNECTOR
from source_buildops.tap import cli as tap_cli
from tieout_core import DeclaredEntrypoint, DeclaredSource

VENV_BIN = Path(sys.executable).parent
MAIN_PY = Path(__file__).parents[1] / "main.py"


def airbyte(tmp_path: Path, command: str, config: dict) -> tuple[list[dict], subprocess.CompletedProcess]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    args = [str(VENV_BIN / "source-buildops"), command, "--config", str(config_path)]
    if command == "read":
        catalog = {
            "streams": [
                {
                    "stream": {"name": "jobs", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                    "sync_mode": "full_refresh",
                    "destination_sync_mode": "overwrite",
                }
            ]
        }
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        args += ["--catalog", str(tmp_path / "catalog.json")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    config_path.unlink()
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert CLIENT_SECRET not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return messages, done


def in_process(tmp_path: Path, command: str, config: dict) -> list[dict]:
    """What the CLI runs (DeclaredEntrypoint), without a subprocess: for the many invalid-config cases."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    entrypoint = DeclaredEntrypoint(DeclaredSource(CONNECTOR))
    messages = [json.loads(m) for m in entrypoint.run(entrypoint.parse_args([command, "--config", str(config_path)]))]
    config_path.unlink()
    return messages


def status_of(messages):
    return [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"][-1]


def trace_errors(messages):
    return [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]


def test_given_good_credentials_when_checking_then_succeeded(fake_buildops, tmp_path):
    assert status_of(in_process(tmp_path, "check", make_config(fake_buildops.base_url))) == {"status": "SUCCEEDED"}


def test_given_a_wrong_secret_when_checking_then_failed_with_a_config_error_naming_the_fields(fake_buildops, tmp_path):
    messages, done = airbyte(tmp_path, "check", make_config(fake_buildops.base_url, client_secret="wrong"))
    status = status_of(messages)
    assert status["status"] == "FAILED"
    assert status["message"] == (
        "BuildOps rejected the client credentials (HTTP 401 from POST /v1/auth/token) (BuildOps said: Invalid "
        "client credentials): check client_id and client_secret"
    )
    assert trace_errors(messages)[0]["failure_type"] == "config_error"
    assert done.returncode == 0


def test_given_an_unknown_tenant_when_checking_then_failed_naming_the_tenant(fake_buildops, tmp_path):
    config = make_config(fake_buildops.base_url, tenant_ids=[OTHER_TENANT])
    messages = in_process(tmp_path, "check", config)
    assert status_of(messages)["message"] == (
        f"BuildOps refused tenant {OTHER_TENANT} (HTTP 403 on GET /v1/jobs) (BuildOps said: Forbidden resource): "
        "these credentials are not authorised for it; check tenant_ids"
    )
    assert trace_errors(messages)[0]["failure_type"] == "config_error"


def test_given_an_unreachable_host_when_checking_then_failed_saying_so(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    messages = in_process(tmp_path, "check", make_config(f"http://127.0.0.1:{port}"))
    assert status_of(messages) == {
        "status": "FAILED",
        "message": f"Could not connect to 127.0.0.1:{port} (POST /v1/auth/token): check the base URL and that "
        "the host is reachable",
    }


def test_given_an_unreachable_host_when_reading_then_a_transient_error_trace(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    messages, done = airbyte(tmp_path, "read", make_config(f"http://127.0.0.1:{port}", max_retries=0))
    errors = trace_errors(messages)
    assert any(
        e["failure_type"] == "transient_error" and e["message"].startswith(f"Could not connect to 127.0.0.1:{port}")
        for e in errors
    )
    assert done.returncode != 0


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"page_size": 500}, "Invalid config: page_size: Input should be less than or equal to 100"),
        (
            {"tenant_ids": ["acme"]},
            "Invalid config: tenant_ids: 'acme' is not a tenant UUID; copy the tenantId BuildOps gave you",
        ),
        ({"tenant_ids": []}, "Invalid config: tenant_ids: List should have at least 1 item after validation, not 0"),
        (
            {"base_url": "http://buildops.example.com"},
            "Invalid config: base_url must use https:// (plain http is "
            "only accepted for localhost/127.0.0.1, or with allow_insecure_http: true)",
        ),
        (
            {"stream_paths": {"visit": "/v1/visits"}},
            "Invalid config: stream_paths: unknown stream(s) visit; valid "
            "keys: customers, customer_representatives, customer_contacts, properties, property_representatives, "
            "jobs, visits, invoices, invoice_detail, "
            "payments, quotes, employees, departments, job_types, pricebook_items, vendors, purchase_orders, "
            "timesheets, service_agreements, projects",
        ),
        (
            {"start_date": "last tuesday"},
            "Invalid config: start_date: 'last tuesday' is not an ISO 8601 timestamp; use e.g. 2024-01-01T00:00:00Z",
        ),
        ({"customers_page_base": 2}, "Invalid config: customers_page_base: Input should be 0 or 1"),
    ],
)
def test_given_an_invalid_setting_when_checking_then_the_failed_status_names_it(tmp_path, override, expected):
    messages = in_process(tmp_path, "check", {**make_config("http://127.0.0.1:9"), **override})
    assert status_of(messages) == {"status": "FAILED", "message": expected}


def test_given_a_missing_secret_when_discovering_then_a_config_error_trace_names_it(tmp_path):
    config = make_config("http://127.0.0.1:9")
    del config["client_secret"]
    with pytest.raises(AirbyteTracedException) as caught:
        in_process(tmp_path, "discover", config)
    assert caught.value.message == "Invalid config: client_secret: Field required"
    assert caught.value.failure_type == FailureType.config_error


def test_given_a_wrong_secret_when_running_the_singer_tap_then_one_clear_error_line_and_exit_1(fake_buildops, tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(make_config(fake_buildops.base_url, client_secret="wrong")))
    done = subprocess.run(
        [str(VENV_BIN / "tap-buildops"), "--config", str(config_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert (
        "tap-buildops: config_error: BuildOps rejected the client credentials (HTTP 401 from POST /v1/auth/token)"
    ) in done.stderr
    assert "Traceback" not in done.stderr and CLIENT_SECRET not in done.stdout + done.stderr


def test_given_an_invalid_setting_when_running_the_singer_tap_then_the_error_names_it(tmp_path, monkeypatch, capsys):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(make_config("http://127.0.0.1:9", page_size=0)))
    monkeypatch.setattr(sys, "argv", ["tap-buildops", "--config", str(config_path), "--discover"])
    with pytest.raises(SystemExit) as caught:
        tap_cli()
    assert caught.value.code == 1
    expected = "tap-buildops: config_error: Invalid config: page_size: Input should be greater than or equal to 1"
    assert expected in capsys.readouterr().err


def test_given_main_py_when_asked_for_the_spec_then_it_prints_the_committed_spec():
    done = subprocess.run([sys.executable, str(MAIN_PY), "spec"], capture_output=True, text=True, timeout=120)
    spec = next(json.loads(line) for line in done.stdout.splitlines() if '"SPEC"' in line)["spec"]
    committed = json.loads((Path(__file__).parents[1] / "source_buildops" / "spec.json").read_text())
    assert spec["connectionSpecification"] == committed["connectionSpecification"]
