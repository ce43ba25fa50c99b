"""`tieout-sandbox change`: edits a running twin sees, stamped so an incremental sync finds exactly them."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
from tieout_sandbox.cli import main


def test_given_a_running_twin_when_changing_then_the_next_jobs_increment_returns_exactly_the_changes(
    fresh_sandbox, make_api, capsys
):
    running = fresh_sandbox()
    api = make_api(running)
    before = api.get("/v1/jobs").json()["totalCount"]
    assert main(["change", "--data", str(running.data_dir), "--count", "3", "--seed", "1"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    changed_at = datetime.fromtimestamp(summary["changed_at_ms"] // 1000, tz=timezone.utc).isoformat()
    since = api.get("/v1/jobs", params={"lastUpdatedDateStart": changed_at, "page_size": 100})
    ids = {j["id"] for j in since.json()["items"]}
    assert ids == set(summary["jobs"]["updated"]) | set(summary["jobs"]["created"])
    assert api.get("/v1/jobs").json()["totalCount"] == before + 3
    truth = orjson.loads((running.data_dir / "truth.json").read_bytes())
    assert truth["buildops"]["counts"]["jobs"] == before + 3
    deleted = api.get(f"/v1/customers/{summary['customers']['deleted'][0]}").json()
    assert deleted["audit"]["deletedDateTime"] == summary["changed_at_ms"]
    invoice = api.get(f"/v1/invoices/{summary['invoices']['updated'][0]}").json()
    assert invoice["audit"]["lastUpdatedDateTime"] == summary["changed_at_ms"]


def test_given_a_zero_count_when_changing_then_exit_2_names_the_option(template_dataset, capsys):
    assert main(["change", "--data", str(template_dataset), "--count", "0"]) == 2
    assert "--count must be at least 1 (got 0)" in capsys.readouterr().err


def test_given_a_folder_without_data_when_changing_then_exit_2_says_to_generate(tmp_path, capsys):
    assert main(["change", "--data", str(tmp_path)]) == 2
    assert "run `tieout-sandbox generate --out" in capsys.readouterr().err
