"""Companies come from the data (issue 14 section 3): a dataset whose Spectrum companies are not the
generator's MEC and FPR, served by `tieout-sandbox serve`, read by the `source-spectrum` executable."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest
from tieout_it import ROOT, configured_catalog, copy_data, executable, run_cli, serve, write_json

RENAMED = {"MEC": "ACM", "FPR": "ZED"}  # Spectrum company codes are 1-3 characters, so not "ACME"
STREAMS = ["jobs", "customers"]
CATALOGS = {
    "source-spectrum.sql.json": ROOT / "catalog" / "source-spectrum" / "discover.json",
    "source-spectrum.data_exchange.json": ROOT / "catalog" / "source-spectrum" / "discover_data_exchange.json",
}


def rename_companies(data_dir, renamed=RENAMED):
    """Rewrite every field that is exactly a company code, in the Spectrum tables, mapping files and policy."""
    for path in [*(data_dir / "spectrum").glob("*.csv"), *(data_dir / "mapping").glob("*.csv")]:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([[renamed.get(cell, cell) for cell in row] for row in rows])
    policy = data_dir / "policy.yml"
    pattern = re.compile(rf"^(\s*)({'|'.join(renamed)}):", re.MULTILINE)
    policy.write_text(pattern.sub(lambda m: f"{m.group(1)}{renamed[m.group(2)]}:", policy.read_text()))


def jobs_per_company(data_dir) -> Counter:
    with (data_dir / "spectrum" / "JC_JOB_MASTER_MC.csv").open(newline="", encoding="utf-8") as fh:
        return Counter(row["Company_Code"] for row in csv.DictReader(fh))


@pytest.fixture(scope="module")
def renamed_sandbox(generated, tmp_path_factory):
    data = copy_data(generated, tmp_path_factory.mktemp("renamed") / "data")
    rename_companies(data)
    with serve(data) as sandbox:
        yield sandbox


@pytest.mark.parametrize("config_name", list(CATALOGS))
def test_given_companies_renamed_when_source_spectrum_reads_the_served_config_then_it_reads_exactly_them(
    renamed_sandbox, config_name, tmp_path
):
    config_file = renamed_sandbox.data_dir / "configs" / config_name
    assert json.loads(config_file.read_text())["companies"] == ["ACM", "ZED"]
    catalog = configured_catalog(json.loads(CATALOGS[config_name].read_text()), STREAMS, incremental=False)
    run = run_cli(
        [
            executable("source-spectrum"),
            "read",
            "--config",
            str(config_file),
            "--catalog",
            str(write_json(tmp_path / "catalog.json", catalog)),
        ],
        timeout=300,
    )
    assert run.returncode == 0, run.output()[-3000:]
    jobs = Counter(r["data"]["company_code"] for r in run.records if r["stream"] == "jobs")
    customers = {r["data"]["company_code"] for r in run.records if r["stream"] == "customers"}
    assert jobs == jobs_per_company(renamed_sandbox.data_dir) and set(jobs) == {"ACM", "ZED"}
    assert customers == {"ACM", "ZED"}
