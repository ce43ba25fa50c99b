"""`serve` names the companies the dataset holds (issue 14 section 3), not the generator's MEC and FPR."""

from __future__ import annotations

import csv
import re
import shutil

import orjson
import pytest
import requests
from tieout_sandbox.cli import main
from tieout_sandbox.server import start
from tieout_sandbox.spectrum.credentials import AUTHORIZATION_ID
from tieout_sandbox.spectrum.testing import envelope, response_rows

RENAMED = {"MEC": "ACM", "FPR": "ZED"}  # Spectrum company codes are 1-3 characters, so not "ACME"


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


@pytest.fixture
def renamed_sandbox(template_dataset, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(template_dataset, data_dir)
    rename_companies(data_dir)
    running = start(data_dir, port=0, spectrum_port=0)
    yield running
    running.stop()


def test_given_renamed_companies_when_serving_then_every_spectrum_config_names_exactly_them(renamed_sandbox):
    configs = renamed_sandbox.data_dir / "configs"
    for name in (
        "source-spectrum.sql.json",
        "source-spectrum.data_exchange.json",
        "source-spectrum.data_exchange_oauth.json",
        "destination-spectrum.json",
    ):
        assert orjson.loads((configs / name).read_bytes())["companies"] == ["ACM", "ZED"], name
    info = orjson.loads((renamed_sandbox.data_dir / "sandbox.json").read_bytes())
    assert info["spectrum"]["companies"] == ["ACM", "ZED"]


def test_given_renamed_companies_when_calling_data_exchange_then_their_jobs_answer_and_mec_is_refused(renamed_sandbox):
    def get_job(company):
        body = envelope("GetJob", {"Authorization_ID": AUTHORIZATION_ID, "pCompany_Code": company})
        response = requests.post(
            f"{renamed_sandbox.spectrum_url}/ws/GetJob",
            data=body,
            timeout=30,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "GetJob"},
        )
        assert response.status_code == 200, response.text
        return response_rows(response.content)

    zed = get_job("ZED")
    assert zed and {row["Company_Code"] for row in zed} == {"ZED"}
    refused = get_job("MEC")
    assert "Company Code MEC is not authorized" in refused[0]["Error_Description"]


def test_given_master_files_without_company_codes_when_serving_then_exit_2_names_the_files(
    template_dataset, tmp_path, capsys
):
    data_dir = tmp_path / "data"
    shutil.copytree(template_dataset, data_dir)
    for name in ("JC_JOB_MASTER_MC.csv", "CR_CUSTOMER_MASTER_MC.csv", "VN_VENDOR_MASTER_MC.csv"):
        path = data_dir / "spectrum" / name
        path.write_text(path.read_text().splitlines()[0] + "\n")  # the header row only
    assert main(["serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"]) == 2
    err = capsys.readouterr().err
    assert "holds no Company_Code in JC_JOB_MASTER_MC.csv" in err and "add at least one job" in err
