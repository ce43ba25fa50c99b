"""`tieout-sandbox serve`: sandbox.json, connector configs, edits while serving, token lifetime, errors."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time

import orjson
import pytest
import requests
from tieout_sandbox.cli import main
from tieout_sandbox.credentials import CLIENT_ID, CLIENT_SECRET, MAIN_TENANT_ID, SECOND_TENANT_ID


def test_given_a_started_twin_when_reading_sandbox_json_then_ports_urls_and_credentials_match(running):
    info = orjson.loads((running.data_dir / "sandbox.json").read_bytes())
    assert info["buildops"]["port"] == running.buildops_server.server_port
    assert info["buildops"]["base_url"] == running.buildops_url
    assert info["buildops"]["client_id"] == CLIENT_ID and info["buildops"]["client_secret"] == CLIENT_SECRET
    assert [t["tenant_id"] for t in info["buildops"]["tenants"]] == [MAIN_TENANT_ID, SECOND_TENANT_ID]
    assert info["spectrum"]["port"] == running.spectrum_server.server_port
    assert running.buildops_url.startswith("http://127.0.0.1:")


def test_given_a_started_twin_when_reading_the_buildops_config_then_it_works_against_the_twin(running):
    path = running.data_dir / "configs" / "source-buildops.json"
    config = orjson.loads(path.read_bytes())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = requests.post(
        f"{config['base_url']}/v1/auth/token",
        timeout=10,
        json={"clientId": config["client_id"], "clientSecret": config["client_secret"]},
    )
    response = requests.get(
        f"{config['base_url']}/v1/jobs",
        timeout=10,
        headers={"Authorization": f"Bearer {token.json()['access_token']}", "tenantId": config["tenant_ids"][0]},
    )
    assert response.status_code == 200
    multi = orjson.loads((running.data_dir / "configs" / "source-buildops.multi-tenant.json").read_bytes())
    assert multi["tenant_ids"] == [MAIN_TENANT_ID, SECOND_TENANT_ID]


def test_given_a_started_twin_when_calling_the_spectrum_port_then_something_answers(running):
    response = requests.get(running.spectrum_url + "/", timeout=10)
    assert response.status_code < 600


def test_given_a_new_job_appended_while_serving_when_listing_then_it_is_visible(fresh_sandbox, make_api):
    running = fresh_sandbox()
    api = make_api(running)
    path = running.data_dir / "buildops" / "jobs.jsonl"
    before = api.get("/v1/jobs").json()["totalCount"]
    record = orjson.loads(path.read_bytes().splitlines()[0])
    record.update(id="0b7a8a63-2d7e-4c55-9a0f-5d3e2f1a9c01", jobNumber="99999")
    record["audit"]["lastUpdatedDateTime"] = 1900000000000
    with path.open("ab") as fh:
        fh.write(orjson.dumps(record) + b"\n")
    assert api.get("/v1/jobs").json()["totalCount"] == before + 1
    assert api.get(f"/v1/jobs/{record['id']}").json()["jobNumber"] == "99999"
    changed = api.get("/v1/jobs", params={"lastUpdatedDateStart": "2030-01-01T00:00:00Z"}).json()
    assert [j["id"] for j in changed["items"]] == [record["id"]]


def test_given_an_invoice_changed_while_serving_when_reading_detail_then_the_change_is_visible(fresh_sandbox, make_api):
    running = fresh_sandbox()
    api = make_api(running)
    path = running.data_dir / "buildops" / "invoices.jsonl"
    lines = path.read_bytes().splitlines()
    record = orjson.loads(lines[0])
    record["status"] = "Void"
    lines[0] = orjson.dumps(record)
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert api.get(f"/v1/invoices/{record['id']}").json()["status"] == "Void"


def test_given_a_broken_line_written_while_serving_when_listing_then_500_names_file_and_line(fresh_sandbox, make_api):
    running = fresh_sandbox()
    api = make_api(running)
    with (running.data_dir / "buildops" / "vendors.jsonl").open("ab") as fh:
        fh.write(b"{not json\n")
    response = api.get("/v1/vendors")
    assert response.status_code == 500
    assert "vendors.jsonl line" in response.json()["message"] and "regenerate" in response.json()["message"]


def test_given_a_short_token_lifetime_when_it_passes_then_401_token_expired(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(token_ttl=1))
    assert api.get("/v1/departments").status_code == 200
    time.sleep(1.2)
    response = api.get("/v1/departments")
    assert response.status_code == 401 and response.json()["message"] == "Unauthorized: token expired"


def test_given_a_folder_without_data_when_serving_then_exit_2_says_to_generate(tmp_path, capsys):
    assert main(["serve", "--data", str(tmp_path), "--port", "0", "--spectrum-port", "0"]) == 2
    err = capsys.readouterr().err
    assert "has no buildops/ folder" in err and "tieout-sandbox generate --out" in err


def test_given_a_busy_port_when_serving_then_exit_2_suggests_port_0(dataset, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--data", str(dataset[0]), "--port", str(port), "--spectrum-port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err


def test_given_a_bad_fault_spec_when_serving_then_exit_2_names_the_fault(dataset, capsys):
    assert main(["serve", "--data", str(dataset[0]), "--port", "0", "--faults", "flood:0.1"]) == 2
    assert "unknown fault 'flood'" in capsys.readouterr().err


def test_given_the_cli_in_a_subprocess_when_serving_then_it_prints_where_configs_are_and_answers(tmp_path):
    assert main(["generate", "--out", str(tmp_path), "--scale", "0.02"]) == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tieout_sandbox.cli",
            "serve",
            "--data",
            str(tmp_path),
            "--port",
            "0",
            "--spectrum-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("BuildOps API twin      http://127.0.0.1:")
        assert str(tmp_path / "sandbox.json") in lines[2]
        info = orjson.loads((tmp_path / "sandbox.json").read_bytes())
        assert requests.get(info["buildops"]["base_url"] + "/health", timeout=10).text == "OK!"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_given_a_negative_latency_when_serving_then_exit_2_names_the_option(dataset, capsys):
    assert main(["serve", "--data", str(dataset[0]), "--port", "0", "--latency-ms", "-5"]) == 2
    assert "--latency-ms must be 0 or more (got -5)" in capsys.readouterr().err


def test_given_a_zero_token_ttl_when_serving_then_exit_2_names_the_option(dataset, capsys):
    assert main(["serve", "--data", str(dataset[0]), "--port", "0", "--token-ttl", "0"]) == 2
    assert "--token-ttl must be at least 1 second" in capsys.readouterr().err


def test_given_an_out_of_range_port_when_serving_then_argparse_names_the_option(dataset, capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--data", str(dataset[0]), "--port", "70000"])
    err = capsys.readouterr().err
    assert "--port" in err and "must be between 0 and 65535" in err


def test_given_a_non_numeric_scale_when_generating_then_argparse_shows_an_example(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--out", str(tmp_path), "--scale", "big"])
    assert "expected a number such as 1 or 0.05, got 'big'" in capsys.readouterr().err


def test_given_a_broken_data_file_when_serving_then_exit_2_names_file_and_line(template_dataset, tmp_path, capsys):
    data_dir = tmp_path / "data"
    shutil.copytree(template_dataset, data_dir)
    with (data_dir / "buildops" / "quotes.jsonl").open("ab") as fh:
        fh.write(b'{"no id": true}\n')
    assert main(["serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"]) == 2
    err = capsys.readouterr().err
    assert "quotes.jsonl line" in err and "not a JSON object with an 'id'" in err


def test_given_out_is_a_file_when_generating_then_exit_2_asks_for_a_directory(tmp_path, capsys):
    target = tmp_path / "data.txt"
    target.write_text("x")
    assert main(["generate", "--out", str(target), "--scale", "0.02"]) == 2
    assert "is a file; pass a directory" in capsys.readouterr().err


def test_given_a_bad_spectrum_fault_when_serving_then_exit_2_explains_the_spectrum_spec(dataset, capsys):
    assert main(["serve", "--data", str(dataset[0]), "--port", "0", "--faults", "spectrum.flood"]) == 2
    err = capsys.readouterr().err
    assert "--faults: unknown Spectrum fault 'flood'" in err


def test_given_data_without_the_spectrum_side_when_serving_then_exit_2_says_to_generate(
    template_dataset, tmp_path, capsys
):
    data_dir = tmp_path / "data"
    shutil.copytree(template_dataset / "buildops", data_dir / "buildops")
    assert main(["serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"]) == 2
    assert "holds no Spectrum tables; run `tieout-sandbox generate" in capsys.readouterr().err


@pytest.mark.postgres
def test_given_a_postgres_dsn_when_serving_then_sandbox_json_and_configs_point_at_postgres(fresh_sandbox):
    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.skip("TIEOUT_TEST_PG_DSN is not set (make test starts a throwaway PostgreSQL and sets it)")
    running = fresh_sandbox(postgres_dsn=dsn)
    info = orjson.loads((running.data_dir / "sandbox.json").read_bytes())
    assert info["spectrum"]["odbc"]["postgres"].startswith("Driver={PostgreSQL")
    assert "source-spectrum.postgres.json" in info["configs"]
