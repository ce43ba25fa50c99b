"""Put services validate like Spectrum and land in unposted batches that SQL (pyodbc + ODBC) reads back."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid

import pyodbc
import pytest
import requests
from tieout_sandbox.spectrum import make_app, prepare
from tieout_sandbox.spectrum.credentials import AUTHORIZATION_ID, LIMITED_AUTHORIZATION_ID
from tieout_sandbox.spectrum.testing import LiveServer, build, envelope, fault_string, response_rows

SOAP = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    out = tmp_path_factory.mktemp("spectrum-puts")
    build(out, seed=31, scale=0.05)
    info = prepare(out)
    with LiveServer(make_app(out)) as live:
        yield live, out, info


@pytest.fixture(scope="module")
def facts(twin):
    _, out, _ = twin
    con = sqlite3.connect(out / "spectrum" / "spectrum.sqlite")
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    today = dt.date.fromisoformat(one("SELECT Current_Period_Date FROM PA_PROCESSING_DATES_MC WHERE Module='CR'")[0])
    job, customer = one(
        "SELECT TRIM(j.Job_Number), j.Customer_Code FROM JC_JOB_MASTER_MC j "
        "JOIN CR_CUSTOMER_MASTER_MC c ON c.Company_Code = j.Company_Code "
        "AND c.Customer_Code = j.Customer_Code WHERE "
        "j.Company_Code='MEC' AND j.Status_Code='A' AND j.Job_Type='SERVICE' AND c.Status='A' "
        "ORDER BY j.Job_Number LIMIT 1"
    )
    closed = one(
        "SELECT TRIM(Job_Number), Customer_Code FROM JC_JOB_MASTER_MC WHERE Company_Code='MEC' "
        "AND Status_Code='C' LIMIT 1"
    )
    posted = one("SELECT Invoice_Or_Transaction, Customer_Code FROM CR_INVOICE_HEADER_MC WHERE Company_Code='MEC'")
    vendor = one("SELECT Vendor_Code FROM VN_VENDOR_MASTER_MC WHERE Company_Code='MEC' AND Status='A' LIMIT 1")[0]
    open_ap = one("SELECT Vendor_Code, Invoice_Number FROM VN_OPEN_ITEMS_MC WHERE Company_Code='MEC' LIMIT 1")
    phase = one(
        f"SELECT Phase_Code, Cost_Type FROM JC_PHASE_MASTER_MC WHERE Company_Code='MEC' AND "
        f"TRIM(Job_Number)='{job}' ORDER BY Phase_Code LIMIT 1"
    )
    return {
        "date": f"{today:%m/%d/%Y}",
        "job": job,
        "customer": customer,
        "closed": closed,
        "posted": posted,
        "vendor": vendor,
        "open_ap": open_ap,
        "phase": phase,
    }


def soap_put(server, service, auth=AUTHORIZATION_ID, **fields):
    body = envelope(service, {"Authorization_ID": auth, **fields})
    response = requests.post(f"{server.url}/ws/{service}", data=body, headers=SOAP, timeout=30)
    return response


def ar(facts, **overrides):
    record = {
        "Company_Code": "MEC",
        "Customer_Code": facts["customer"],
        "Job_Number": facts["job"],
        "Invoice_Or_Transaction": "T" + uuid.uuid4().hex[:8].upper(),
        "Invoice_Date": facts["date"],
        "Detail_Description": "Service call",
        "Line_Extension": "125.50",
    }
    record.update(overrides)
    return record


def odbc(info):
    return pyodbc.connect(info["odbc"]["sqlite"]).cursor()


def put_error(server, facts, **overrides):
    rows = response_rows(soap_put(server, "AddARInvoice", **ar(facts, **overrides)).content)
    assert len(rows) == 1 and rows[0]["Error_Code"] == "E"
    return rows[0]


def test_given_a_valid_ar_record_when_added_twice_then_one_unposted_invoice_with_two_lines(twin, facts):
    server, _, info = twin
    record = ar(facts)
    first = response_rows(soap_put(server, "AddARInvoice", **record).content)
    assert first[0]["Error_Code"] == " " and first[0]["Invoice_Or_Transaction"] == record["Invoice_Or_Transaction"]
    second = response_rows(soap_put(server, "AddARInvoice", **{**record, "Line_Extension": "74.50"}).content)
    assert second[0]["Error_Code"] == " "
    cursor = odbc(info)
    cursor.execute(
        "SELECT Invoice_Extension, Customer_Code, Job_Number, Operator FROM CR_INVOICE_ENTRY_HEADER_MC "
        "WHERE Invoice_Or_Transaction = ?",
        record["Invoice_Or_Transaction"],
    )
    extension, customer, job, operator = cursor.fetchone()
    assert float(extension) == 200.0 and customer == facts["customer"] and job.strip() == facts["job"]
    assert operator == "WS"
    cursor.execute(
        "SELECT COUNT(*) FROM CR_INVOICE_ENTRY_DETAIL_MC WHERE Invoice_Or_Transaction = ?",
        record["Invoice_Or_Transaction"],
    )
    assert cursor.fetchone()[0] == 2


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"Customer_Code": "ZZNOSUCH"}, "Customer_Code", "'ZZNOSUCH' is not on file for company MEC"),
        ({"Customer_Code": "abc01"}, "Customer_Code", "must be uppercase"),
        ({"Customer_Code": "AB&C"}, "Customer_Code", "contains a character Spectrum does not allow"),
        ({"Invoice_Or_Transaction": "ABCDEFGHIJK"}, "Invoice_Or_Transaction", "longer than 10 characters"),
        ({"Invoice_Or_Transaction": ""}, "Invoice_Or_Transaction", "Invoice_Or_Transaction is required"),
        ({"Invoice_Date": "2026-11-05"}, "Invoice_Date", "use MM/DD/CCYY"),
        ({"Invoice_Date": "01/05/2020"}, "Invoice_Date", "outside the open CR accounting period"),
        ({"Line_Extension": "$1,200.00"}, "Line_Extension", "not a valid number"),
        ({"Line_Extension": "-5.00"}, "Line_Extension", "send a credit memo (Transaction_Type C)"),
        ({"Job_Number": "NOJOB99"}, "Job_Number", "'NOJOB99' is not on file"),
        ({"Retention_Percent": "150"}, "Retention_Percent", "between 0 and 100"),
        ({"Company_Code": "XYZ"}, "Company_Code", "XYZ is not authorized"),
        ({"Income_Cost_Center": "FPRFIR"}, "Income_Cost_Center", "does not match the cost center of job"),
    ],
)
def test_given_an_invalid_ar_record_when_added_then_the_error_names_field_and_fix(
    twin, facts, overrides, column, message
):
    server, _, _ = twin
    row = put_error(server, facts, **overrides)
    assert row["Error_Column"] == column
    assert message in row["Error_Description"]


def test_given_a_closed_job_or_a_posted_number_when_added_then_rejected(twin, facts):
    server, _, _ = twin
    if facts["closed"]:
        row = put_error(server, facts, Job_Number=facts["closed"][0])
        assert "is closed (Status_Code C)" in row["Error_Description"]
    number, _ = facts["posted"]
    row = put_error(server, facts, Invoice_Or_Transaction=number)
    assert row["Error_Column"] == "Invoice_Or_Transaction" and "already exists" in row["Error_Description"]


def test_given_the_limited_authorization_when_putting_then_soap_fault(twin, facts):
    server, _, _ = twin
    response = soap_put(server, "AddARInvoice", auth=LIMITED_AUTHORIZATION_ID, **ar(facts))
    assert response.status_code == 500
    assert "Could not find WebService named: AddARInvoice" in fault_string(response.content)


def test_given_multi_line_customer_invoices_when_one_has_a_bad_line_then_only_the_good_one_lands(twin, facts):
    server, _, info = twin
    good, bad = ar(facts), ar(facts)
    body = {
        "arInvoices": [
            {
                **good,
                "invoiceDetails": [
                    {"Detail_Description": "Labor", "Line_Extension": "300.00"},
                    {"Detail_Description": "Parts", "Line_Extension": "45.10"},
                ],
            },
            {
                **bad,
                "invoiceDetails": [
                    {"Detail_Description": "Labor", "Line_Extension": "10.00"},
                    {"Detail_Description": "Parts", "Line_Extension": "ten"},
                ],
            },
        ]
    }
    response = requests.post(f"{server.url}/customer/invoice", json=body, auth=("MEC", AUTHORIZATION_ID), timeout=30)
    assert response.status_code == 200
    results = response.json()["arInvoices"]
    assert results[0]["Error_Code"] == " "
    assert (
        results[1]["Error_Code"] == "E"
        and "Line_Extension 'ten' is not a valid number" in results[1]["Error_Description"]
    )
    assert results[1]["invoiceDetails"][1]["Error_Column"] == "Line_Extension"
    cursor = odbc(info)
    cursor.execute(
        "SELECT COUNT(*) FROM CR_INVOICE_ENTRY_DETAIL_MC WHERE Invoice_Or_Transaction = ?",
        good["Invoice_Or_Transaction"],
    )
    assert cursor.fetchone()[0] == 2
    cursor.execute(
        "SELECT COUNT(*) FROM CR_INVOICE_ENTRY_HEADER_MC WHERE Invoice_Or_Transaction = ?",
        bad["Invoice_Or_Transaction"],
    )
    assert cursor.fetchone()[0] == 0


def test_given_vendor_invoices_when_one_is_bad_then_it_is_rejected_whole_and_the_rest_import(twin, facts):
    server, _, info = twin
    phase, cost_type = facts["phase"]
    header = {"Vendor_Code": facts["vendor"], "Invoice_Date": facts["date"], "Invoice_Amount": "500.00"}
    good = {
        **header,
        "Invoice_Number": "G" + uuid.uuid4().hex[:10].upper(),
        "Images": [{"Image_File": "aGk="}],
        "APInvoiceDetails": [
            {"Job_Number": facts["job"], "Phase_Code": phase, "Cost_Type": cost_type, "Amount": "500.00"}
        ],
    }
    off_grid = {
        **header,
        "Invoice_Number": "B" + uuid.uuid4().hex[:10].upper(),
        "APInvoiceDetails": [
            {"Job_Number": facts["job"], "Phase_Code": "999999", "Cost_Type": cost_type, "Amount": "500.00"}
        ],
    }
    unbalanced = {
        **header,
        "Invoice_Number": "U" + uuid.uuid4().hex[:10].upper(),
        "APInvoiceDetails": [{"Distribution_GL_Account": "5200", "Amount": "499.00"}],
    }
    body = {"APInvoices": [good, off_grid, unbalanced]}
    response = requests.post(f"{server.url}/vendor/invoice", json=body, auth=("MEC", AUTHORIZATION_ID), timeout=30)
    results = response.json()["APInvoices"]
    assert results[0]["Error_Code"] == " " and results[0]["Document_ID"]
    assert "is not set up on job" in results[1]["Error_Description"]
    assert "add up to 499.00, not Invoice_Amount 500.00" in results[2]["Error_Description"]
    cursor = odbc(info)
    cursor.execute("SELECT Invoice_Number FROM VN_INVOICE_ENTRY_HEADER_MC WHERE Vendor_Code = ?", facts["vendor"])
    landed = {r[0] for r in cursor.fetchall()}
    assert good["Invoice_Number"] in landed and off_grid["Invoice_Number"] not in landed
    assert unbalanced["Invoice_Number"] not in landed


def test_given_soap_ap_and_jc_records_when_added_then_they_land_or_name_the_problem(twin, facts):
    server, _, info = twin
    phase, cost_type = facts["phase"]
    number = "S" + uuid.uuid4().hex[:10].upper()
    ap = {
        "Company_Code": "MEC",
        "Vendor_Code": facts["vendor"],
        "Invoice_Number": number,
        "Invoice_Date": facts["date"],
        "Invoice_Amount": "75.00",
        "Job_Number": facts["job"],
        "Phase_Code": phase,
        "Cost_Type": cost_type,
        "Status": "H",
    }
    assert response_rows(soap_put(server, "AddAPInvoice", **ap).content)[0]["Error_Code"] == " "
    again = response_rows(soap_put(server, "AddAPInvoice", **ap).content)[0]
    assert "already exists for vendor" in again["Error_Description"]
    with_po = response_rows(
        soap_put(server, "AddAPInvoice", **{**ap, "Invoice_Number": number + "X", "PO_Number": "PO1"}).content
    )[0]
    assert with_po["Error_Column"] == "PO_Number"
    jc = {
        "Company_Code": "MEC",
        "Tran_Date": facts["date"],
        "Job_Number": facts["job"],
        "Phase_Code": phase,
        "Cost_Type": cost_type,
        "Tran_Amount": "12.34",
        "Reference_1": "TIEOUT-1",
    }
    assert response_rows(soap_put(server, "AddJCTrans", **jc).content)[0]["Error_Code"] == " "
    off = response_rows(soap_put(server, "AddJCTrans", **{**jc, "Phase_Code": "ZZ99"}).content)[0]
    assert off["Error_Column"] == "Phase_Code"
    cursor = odbc(info)
    cursor.execute("SELECT Status FROM VN_INVOICE_ENTRY_HEADER_MC WHERE Invoice_Number = ?", number)
    assert cursor.fetchone()[0] == "H"
    cursor.execute("SELECT Tran_Amount, Tran_Type_Code FROM JC_TRANSACTION_ENTRY_MC WHERE Reference_1 = 'TIEOUT-1'")
    amount, tran_type = cursor.fetchone()
    assert str(amount) == "12.34" and tran_type == "JC"


def test_given_an_open_ap_item_when_hold_flag_updated_then_sql_shows_it_held(twin, facts):
    server, _, info = twin
    vendor, number = facts["open_ap"]
    body = {
        "aPInvoiceHoldFlagImports": [
            {
                "Company_Code": "MEC",
                "Vendor_Code": vendor,
                "Invoice_Number": number,
                "Invoice_Type_Code": "I",
                "Selection_Flag": "H",
            },
            {"Company_Code": "MEC", "Vendor_Code": vendor, "Invoice_Number": "NOPE", "Selection_Flag": "H"},
        ]
    }
    response = requests.post(
        f"{server.url}/vendorInvoice/updateAPInvoiceHoldFlag", json=body, auth=("MEC", AUTHORIZATION_ID), timeout=30
    ).json()["aPInvoiceHoldFlagImports"]
    assert response[0]["Error_Code"] == " " and "not an open invoice" in response[1]["Error_Description"]
    cursor = odbc(info)
    cursor.execute(
        "SELECT Hold_Flag FROM VN_OPEN_ITEMS_MC WHERE Vendor_Code = ? AND Invoice_Number = ?", vendor, number
    )
    assert cursor.fetchone()[0] == "H"


def test_given_bad_rest_requests_when_posted_then_401_403_and_400_explain(twin):
    server, _, _ = twin
    url = f"{server.url}/customer/invoice"
    assert requests.post(url, json={}, timeout=30).status_code == 401
    limited = requests.post(url, json={}, auth=("MEC", LIMITED_AUTHORIZATION_ID), timeout=30)
    assert limited.status_code == 403 and "not built into this Authorization ID" in limited.json()["error_description"]
    broken = requests.post(url, data=b"{not json", auth=("MEC", AUTHORIZATION_ID), timeout=30)
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error_description"]


@pytest.mark.postgres
def test_given_a_postgres_twin_when_invoice_posted_then_psqlodbc_reads_it_from_the_batch(tmp_path, facts):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.fail("TIEOUT_TEST_PG_DSN is not set: run through scripts/test.sh (make test)")
    database = f"spectrum_puts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    try:
        build(tmp_path, seed=31, scale=0.05)
        info = prepare(tmp_path, postgres_dsn=make_conninfo(**{**conninfo_to_dict(dsn), "dbname": database}))
        record = ar(facts)
        with LiveServer(make_app(tmp_path)) as live:
            assert response_rows(soap_put(live, "AddARInvoice", **record).content)[0]["Error_Code"] == " "
        cursor = pyodbc.connect(info["odbc"]["postgres"]).cursor()
        cursor.execute(
            "SELECT Invoice_Extension FROM CR_INVOICE_ENTRY_HEADER_MC WHERE Invoice_Or_Transaction = ?",
            record["Invoice_Or_Transaction"],
        )
        assert str(cursor.fetchone()[0]) == "125.50"
        cursor.connection.close()
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
