"""ar_automation_feed delivered (issue 16 §5): a drop folder per run, CSV + JSON Lines + manifest, written
atomically; the desk's download serves the same bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tieout_desk import feed
from tieout_desk.app import create_app
from tieout_desk.cli import main

DOCUMENTED = Path(__file__).resolve().parents[1] / "FEEDS.md"


def test_given_a_run_when_the_feed_is_dropped_then_csv_jsonl_and_a_manifest_agree_with_the_mart(
    warehouse, tmp_path, capsys
):
    code = main(["feed", "--warehouse", str(warehouse.path), "--out", str(tmp_path / "drop"), "--run-id", "run-1"])
    folder = tmp_path / "drop" / "run-1"
    manifest = json.loads((folder / "manifest.json").read_text())
    mart = warehouse.rows("select * from main.ar_automation_feed")
    with (folder / "ar_automation_feed.csv").open(newline="", encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    jsonl_rows = [json.loads(line) for line in (folder / "ar_automation_feed.jsonl").read_text().splitlines()]

    assert code == 0 and f"dropped in {folder}" in capsys.readouterr().out
    assert len(mart) > 0 and manifest["row_count"] == len(mart) == len(csv_rows) == len(jsonl_rows)
    assert manifest["columns"] == list(csv_rows[0]) == list(jsonl_rows[0])
    for name, facts in manifest["files"].items():
        body = (folder / name).read_bytes()
        assert facts == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    # money as exact two-place decimal text in both files
    assert all(re.fullmatch(r"-?\d+\.\d\d", r["open_balance"]) for r in csv_rows)
    assert [r["open_balance"] for r in csv_rows] == [r["open_balance"] for r in jsonl_rows]
    assert sorted(p.name for p in (tmp_path / "drop").iterdir()) == ["run-1"]  # no temporary folder left behind


def test_given_an_existing_run_folder_when_dropping_again_then_it_is_refused_and_the_first_drop_is_intact(
    warehouse, tmp_path, capsys
):
    out = tmp_path / "drop"
    feed.write_drop(warehouse, out, "run-1")
    before = (out / "run-1" / "manifest.json").read_bytes()

    code = main(["feed", "--warehouse", str(warehouse.path), "--out", str(out), "--run-id", "run-1"])
    bad = main(["feed", "--warehouse", str(warehouse.path), "--out", str(out), "--run-id", "../escape"])

    err = capsys.readouterr().err
    assert code == bad == 2
    assert "run-1 already exists: each run drops into a new folder; pass another --run-id" in err
    assert "run id '../escape': use letters, digits, - and _ only" in err
    assert (out / "run-1" / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["run-1"]


def test_given_the_desk_when_downloading_the_feed_then_it_serves_the_bytes_of_the_drop(warehouse, tmp_path):
    folder = feed.write_drop(warehouse, tmp_path / "drop", "run-1")
    client = TestClient(create_app(warehouse))

    for fmt in ("csv", "jsonl"):
        response = client.get(f"/feed/ar_automation_feed.{fmt}")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == f'attachment; filename="ar_automation_feed.{fmt}"'
        assert response.content == (folder / f"ar_automation_feed.{fmt}").read_bytes()
    missing = client.get("/feed/ar_automation_feed.xlsx")
    assert missing.status_code == 404 and "format 'xlsx': use csv or jsonl" in missing.text


@pytest.mark.parametrize("tool", ["HighRadius", "Versapay", "Bill.com"])
def test_given_feeds_md_when_read_then_every_feed_column_is_documented_for_each_tool(warehouse, tool):
    columns, _ = feed.rows(warehouse)
    text = DOCUMENTED.read_text()
    section = text.split(f"## {tool}")[1].split("\n## ")[0]

    assert all(f"`{c}`" in text.split("## HighRadius")[0] for c in columns)  # the column reference
    assert "canonical_invoice_number" in section and "customer_key" in section
    assert io.StringIO(section).read().count("|") > 10  # a mapping table, not a sentence
