"""Spectrum Data Exchange Get services, WSDLs, auth and faults, over real HTTP on a loopback port."""

from __future__ import annotations

import sqlite3

import pytest
import requests
from lxml import etree
from tieout_sandbox.spectrum import connector_configs, make_app, prepare
from tieout_sandbox.spectrum.credentials import (
    AUTHORIZATION_ID,
    LIMITED_AUTHORIZATION_ID,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
)
from tieout_sandbox.spectrum.testing import LiveServer, build, envelope, fault_string, response_rows

CAP = 40
SOAP = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("spectrum-dex")
    build(out, seed=21, scale=0.05)
    prepare(out)
    return out


@pytest.fixture(scope="module")
def server(data_dir):
    with LiveServer(make_app(data_dir, row_cap=CAP)) as live:
        yield live


def call(server, service, auth=AUTHORIZATION_ID, **params):
    body = envelope(service, {"Authorization_ID": auth, **params})
    return requests.post(f"{server.url}/ws/{service}", data=body, headers={**SOAP, "SOAPAction": service}, timeout=30)


def db(data_dir):
    return sqlite3.connect(data_dir / "spectrum" / "spectrum.sqlite")


def test_given_more_jobs_than_the_cap_when_getjob_called_then_rows_stop_at_the_cap_with_the_w_row(server, data_dir):
    response = call(server, "GetJob", pCompany_Code="MEC")
    assert response.status_code == 200
    rows = response_rows(response.content)
    assert len(rows) == CAP + 1
    assert rows[-1]["Error_Code"] == "W"
    assert rows[-1]["Error_Description"].startswith("WARNING - Number of returnable records exceeds")
    assert rows[-1]["Job_Number"] == " "
    assert all(r["Error_Code"] == " " and r["Error_Description"] == " " for r in rows[:-1])
    root = etree.fromstring(response.content)
    assert root.find(".//{http://www.northgate-is.com/proiv/webservices/types}GetJobResponse") is not None
    assert root.find(".//getJob") is not None


def test_given_a_partition_under_the_cap_when_getphase_called_then_it_is_complete_without_w_row(server, data_dir):
    job = (
        db(data_dir)
        .execute(
            "SELECT TRIM(Job_Number) FROM JC_PHASE_MASTER_MC WHERE Company_Code = 'MEC' AND Status_Code = 'A' LIMIT 1"
        )
        .fetchone()[0]
    )
    expected = (
        db(data_dir)
        .execute("SELECT COUNT(*) FROM JC_PHASE_MASTER_MC WHERE Company_Code = 'MEC' AND TRIM(Job_Number) = ?", (job,))
        .fetchone()[0]
    )
    rows = response_rows(call(server, "GetPhaseEnhanced", pCompany_Code="MEC", pJob_Number=job).content)
    assert len(rows) == expected and all(r["Error_Code"] == " " for r in rows)
    assert "Current_Estimate_Dollars" in rows[0] and "Current_Estimated_Dollars" not in rows[0]
    assert rows[0]["JTD_Quantity"] == ".00"  # numbers as strings with no leading zero


def test_given_blank_status_when_getjob_called_then_complete_jobs_are_left_out_unless_asked(server, data_dir):
    counts = dict(
        db(data_dir)
        .execute("SELECT Status_Code, COUNT(*) FROM JC_JOB_MASTER_MC WHERE Company_Code = 'FPR' GROUP BY Status_Code")
        .fetchall()
    )
    closed = response_rows(call(server, "GetJob", pCompany_Code="FPR", pStatus_Code="C").content)
    assert len([r for r in closed if r["Error_Code"] != "W"]) == min(counts.get("C", 0), CAP)
    assert all(r["Status_Code"] == "C" for r in closed if r["Error_Code"] != "W")
    default = response_rows(call(server, "GetJob", pCompany_Code="FPR", pDivision="FIR").content)
    assert all(r["Status_Code"] in ("A", "I") for r in default if r["Error_Code"] != "W")


def test_given_wildcards_when_getcustomers_called_then_superselect_and_status_words_apply(server):
    rows = response_rows(call(server, "GetCustomers", pCompany_Code="MEC", pStatus="ALL").content)
    assert rows and {r["Status"] for r in rows if r["Error_Code"] != "W"} <= {"Active", "Inactive", "Not Used"}
    code = rows[0]["Customer_Code"]
    jobs = response_rows(call(server, "GetJob", pCompany_Code="MEC", pCustomer_Code=code[:3] + "*").content)
    assert all(r["Customer_Code"].startswith(code[:3]) for r in jobs if r["Error_Code"] != "W")


def test_given_a_rest_only_service_when_called_over_soap_then_a_soap_fault_names_it(server):
    response = call(server, "GetVendors", pCompany_Code="MEC")
    assert response.status_code == 500
    assert fault_string(response.content).endswith("Could not find WebService named: GetVendors")
    assert etree.fromstring(response.content).findtext(".//faultcode") == "SOAP-ENV:Client"


def test_given_the_limited_authorization_when_calling_an_unbuilt_service_then_fault_else_rows(server):
    response = call(server, "GetPhase", auth=LIMITED_AUTHORIZATION_ID, pCompany_Code="MEC")
    assert "Could not find WebService named: GetPhase" in fault_string(response.content)
    rows = response_rows(call(server, "GetJob", auth=LIMITED_AUTHORIZATION_ID, pCompany_Code="FPR").content)
    assert rows[0]["Error_Code"] == "E" and "FPR is not authorized" in rows[0]["Error_Description"]


def test_given_a_wrong_authorization_id_or_no_guid_when_called_then_the_error_row_names_the_field(server):
    rows = response_rows(call(server, "GetJob", auth="NOPE", pCompany_Code="MEC").content)
    assert rows == [{**rows[0], "Error_Code": "E", "Error_Column": "Authorization_ID"}]
    assert "Authorization ID is not valid" in rows[0]["Error_Description"]
    body = envelope("GetJob", {"Authorization_ID": AUTHORIZATION_ID, "pCompany_Code": "MEC"}, guid="")
    rows = response_rows(requests.post(f"{server.url}/ws/GetJob", data=body, headers=SOAP, timeout=30).content)
    assert rows[0]["Error_Column"] == "GUID"


def test_given_each_get_service_when_called_then_rows_come_back(server):
    for service in ("GetJobMain", "GetJobDates", "GetEmployee", "GetEquipment"):
        rows = response_rows(call(server, service, pCompany_Code="MEC").content)
        assert rows and rows[0]["Error_Code"] in (" ", "W"), service
    dates = response_rows(call(server, "GetJobDates", pCompany_Code="MEC").content)
    assert dates[0]["Create_Date"][2] == "/"  # MM/DD/CCYY


def test_given_a_wsdl_request_when_fetched_then_parameters_and_endpoint_are_declared(server):
    response = requests.get(f"{server.url}/wsdls/GetJob.jws", timeout=30)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    xs = "{http://www.w3.org/2001/XMLSchema}"
    names = [e.get("name") for e in root.iter(f"{xs}element")]
    assert names[:4] == ["GetJob", "Authorization_ID", "GUID", "pCompany_Code"]
    address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert address == f"{server.url}/ws/GetJob"
    assert requests.get(f"{server.url}/wsdls/NoSuch.jws", timeout=30).status_code == 500


def test_given_basic_auth_when_get_vendors_then_active_vendors_of_that_company_only(server):
    response = requests.get(f"{server.url}/vendors/MEC", auth=("MEC", AUTHORIZATION_ID), timeout=30)
    assert response.status_code == 200 and response.json()
    assert {"Vendor_Code", "Name", "Payment_Terms"} <= set(response.json()[0])
    wrong = requests.get(f"{server.url}/vendors/MEC", auth=("MEC", "WRONG"), timeout=30)
    assert wrong.status_code == 401 and "Authorization_Id" in wrong.json()["error_description"]
    other = requests.get(f"{server.url}/vendors/FPR", auth=("MEC", AUTHORIZATION_ID), timeout=30)
    assert other.status_code == 403


def test_given_client_credentials_when_token_requested_then_bearer_reads_rest(server):
    form = {
        "grant_type": "client_credentials",
        "client_id": OAUTH_CLIENT_ID,
        "client_secret": OAUTH_CLIENT_SECRET,
        "scope": "spectrumapi",
    }
    token = requests.post(f"{server.url}/connect/token", data=form, timeout=30).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(f"{server.url}/vendors/FPR", headers=headers, timeout=30).status_code == 200
    bad = requests.post(f"{server.url}/connect/token", data={**form, "client_secret": "x"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    scope = requests.post(f"{server.url}/connect/token", data={**form, "scope": "other"}, timeout=30)
    assert scope.json()["error"] == "invalid_scope"
    stale = requests.get(f"{server.url}/vendors/FPR", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert stale.status_code == 401


def test_given_injected_faults_when_called_then_bursts_and_soap_faults_happen_then_recover(data_dir):
    app = make_app(data_dir, faults="spectrum.5xx_burst:2,soap_fault:GetCustomers", row_cap=CAP)
    with LiveServer(app) as live:
        first = [call(live, "GetJob", pCompany_Code="MEC").status_code for _ in range(3)]
        assert first == [503, 503, 200]
        response = call(live, "GetCustomers", pCompany_Code="MEC")
        assert response.status_code == 500 and "injected" in fault_string(response.content)


def test_given_the_serve_fault_spec_when_parsed_then_buildops_only_kinds_are_ignored(data_dir):
    make_app(data_dir, faults="429:0.05,5xx:0.02,slow:0.1,seed=7")
    with pytest.raises(ValueError, match="unknown Spectrum fault"):
        make_app(data_dir, faults="teapot:1")


def test_given_prepare_info_when_configs_written_then_they_point_at_the_twin(data_dir):
    configs = connector_configs(data_dir, prepare(data_dir), 8482)
    sql = configs["source-spectrum.sql.json"]
    assert sql["transport"] == "sql" and sql["odbc"]["connection_string"].startswith("Driver=SQLite3;")
    dex = configs["source-spectrum.data_exchange.json"]["data_exchange"]
    assert dex == {"base_url": "http://127.0.0.1:8482", "authorization_id": AUTHORIZATION_ID}
    assert configs["destination-spectrum.json"]["companies"] == ["MEC", "FPR"]


def test_given_configs_when_written_then_oauth_and_destination_files_are_complete(data_dir):
    configs = connector_configs(data_dir, prepare(data_dir), 8482)
    oauth = configs["source-spectrum.data_exchange_oauth.json"]["data_exchange"]
    assert oauth["client_id"] == OAUTH_CLIENT_ID and oauth["client_secret"] == OAUTH_CLIENT_SECRET
    destination = configs["destination-spectrum.json"]
    for key in ("mapping_path", "customer_crosswalk_path", "vendor_crosswalk_path", "policy_path"):
        assert (data_dir / destination[key]).exists(), key
    assert oct((data_dir / "spectrum" / "database.json").stat().st_mode & 0o777) == "0o600"


def test_given_a_serve_5xx_probability_of_one_when_called_then_every_request_is_refused(data_dir):
    with LiveServer(make_app(data_dir, faults="5xx:1,seed=3")) as live:
        response = call(live, "GetJob", pCompany_Code="MEC")
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
