"""The BuildOps generator: deterministic, proportional to scale, internally consistent, API-shaped."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import orjson
import pytest
from tieout_sandbox.buildops.generator import RESOURCES, generate
from tieout_sandbox.cli import main
from tieout_sandbox.credentials import MAIN_TENANT_ID, SECOND_TENANT_ID


@pytest.fixture(scope="module")
def small():
    return generate(seed=11, scale=0.04)


def _digest(data):
    return hashlib.sha256(orjson.dumps({k: data[k] for k in RESOURCES})).hexdigest()


def test_given_the_same_seed_when_generating_twice_then_the_records_are_identical(small):
    assert _digest(generate(seed=11, scale=0.04)) == _digest(small)


def test_given_another_seed_when_generating_then_the_records_differ(small):
    assert _digest(generate(seed=12, scale=0.04)) != _digest(small)


def test_given_double_the_scale_when_generating_then_volumes_roughly_double(small):
    bigger = generate(seed=11, scale=0.08)
    for name in ("customers", "properties", "jobs", "invoices", "timesheets", "visits"):
        ratio = len(bigger[name]) / len(small[name])
        assert 1.6 < ratio < 2.4, (name, len(small[name]), len(bigger[name]))


def test_given_scale_one_when_counting_then_volumes_match_a_20m_contractor():
    data = generate(seed=1, scale=1)
    assert 950 <= len(data["customers"]) <= 1100
    assert 1900 <= len(data["properties"]) <= 2100
    assert len(data["jobs"]) == 10000
    assert 10000 <= len(data["invoices"]) <= 13000
    assert 50000 <= sum(len(i["invoiceItems"]) for i in data["invoices"]) <= 70000
    assert 38000 <= len(data["timesheets"]) <= 50000
    assert 1800 <= len(data["pricebook_items"]) <= 2200
    assert len(data["vendors"]) == 150


def test_given_every_resource_when_generated_then_ids_are_unique_uuids_with_ms_audit(small):
    for name in RESOURCES:
        ids = [r["id"] for r in small[name]]
        assert len(ids) == len(set(ids)), name
        for record in small[name]:
            assert len(record["id"]) == 36 and record["id"].count("-") == 4
            audit = record["audit"]
            assert len(str(audit["lastUpdatedDateTime"])) == 13, name
            assert audit["lastUpdatedDateTime"] >= audit["createdDateTime"]
            assert not any(key.startswith("_") for key in record), name


def test_given_customers_properties_jobs_and_invoices_when_generated_then_some_are_soft_deleted(small):
    for name in ("customers", "properties", "invoices"):
        deleted = [r for r in small[name] if r["audit"]["deletedDateTime"]]
        assert deleted, name
        assert all(r["audit"]["deletedBy"] for r in deleted)


def test_given_invoices_when_summing_items_then_header_totals_reconcile_to_the_cent(small):
    for inv in small["invoices"]:
        items = inv["invoiceItems"]
        assert items, inv["invoiceNumber"]
        for item in items:
            assert Decimal(str(item["quantity"])) * Decimal(str(item["unitPrice"])) == pytest.approx(
                Decimal(str(item["amount"])), abs=Decimal("0.01")
            )
        subtotal = sum(Decimal(str(i["amount"])) for i in items if i["lineItemType"] != "Discount")
        discount = -sum(Decimal(str(i["amount"])) for i in items if i["lineItemType"] == "Discount")
        assert Decimal(str(inv["subtotal"])) == subtotal
        assert Decimal(str(inv["discount"])) == discount
        assert Decimal(str(inv["totalAmount"])) == subtotal - discount + Decimal(str(inv["taxAmount"]))
        applied = sum(Decimal(str(p["appliedAmount"])) for p in inv["payments"])
        assert applied <= Decimal(str(inv["totalAmount"]))
        if inv["status"] == "Closed":
            assert applied == Decimal(str(inv["totalAmount"]))


def test_given_invoices_when_generated_then_references_resolve_to_jobs_pricebook_and_payments(small):
    jobs = {j["id"] for j in small["jobs"]}
    codes = {p["code"] for p in small["pricebook_items"]}
    payments = {p["id"]: p for p in small["payments"]}
    kinds = set()
    for inv in small["invoices"]:
        assert inv["jobId"] in jobs
        for item in inv["invoiceItems"]:
            kinds.add(item["lineItemType"])
            if item["product"]:
                assert item["product"]["code"] in codes
        for applied in inv["payments"]:
            assert payments[applied["id"]]["lineItems"][0]["invoiceId"] == inv["id"]
    assert {"LaborLineItem", "PartLineItem", "Fee"} <= kinds


def test_given_invoices_when_generated_then_some_business_dates_are_numeric_strings(small):
    issued = [inv["issuedDate"] for inv in small["invoices"]]
    assert any(isinstance(v, str) and v.isdigit() and len(v) == 10 for v in issued)
    assert any(isinstance(v, int) and len(str(v)) == 10 for v in issued)


def test_given_departments_when_generated_then_each_names_its_spectrum_company(small):
    companies = {d["accountingAttributes"]["accountingEntity"] for d in small["departments"]}
    assert companies == {"MEC", "FPR"}
    for dept in small["departments"]:
        assert dept["name"].startswith(dept["accountingAttributes"]["accountingEntity"] + " - ")


def test_given_a_small_scale_when_generated_then_every_job_type_kind_is_present(small):
    names = {j["jobTypeName"] for j in small["jobs"]}
    assert {"Service Call", "Preventive Maintenance", "Tenant Improvement", "Construction Project"} <= names
    progress = [j for j in small["jobs"] if j["billingType"] == "Progress Billing"]
    assert progress and all(j["amountQuoted"] for j in progress)


def test_given_jobs_when_generated_then_visits_timesheets_and_pos_hang_off_them(small):
    jobs = {j["id"] for j in small["jobs"]}
    visits = {v["id"] for v in small["visits"]}
    employees = {e["id"] for e in small["employees"]}
    assert all(v["jobId"] in jobs for v in small["visits"])
    assert all(
        t["jobId"] in jobs and t["visitId"] in visits and t["employeeId"] in employees for t in small["timesheets"]
    )
    assert all(po["jobId"] in jobs for po in small["purchase_orders"])
    assert {po["poType"] for po in small["purchase_orders"]} == {"Materials", "Subcontract"}


def test_given_some_customers_when_generated_then_a_few_bill_through_a_parent(small):
    customers = {c["id"]: c for c in small["customers"]}
    children = [c for c in small["customers"] if c["billingCustomerId"]]
    assert children
    assert all(customers[c["billingCustomerId"]]["customerType"] == "Property Management" for c in children)
    billed_elsewhere = [p for p in small["properties"] if p["billingCustomerId"] != p["customerId"]]
    assert billed_elsewhere


def test_given_property_representatives_when_generated_then_each_hangs_off_a_live_property(small):
    properties = {p["id"]: p for p in small["properties"]}
    reps = small["property_representatives"]
    assert len(reps) > len(properties) / 4
    for rep in reps:
        site = properties[rep["propertyId"]]
        assert site["audit"]["deletedDateTime"] is None
        assert rep["customerId"] == site["customerId"]
        assert rep["companyId"] and rep["firstName"] and rep["lastName"]
    customer_rep_ids = {r["id"] for r in small["customer_representatives"]}
    assert not customer_rep_ids & {r["id"] for r in reps}


def test_given_property_representatives_when_left_out_then_every_other_resource_is_unchanged(small, monkeypatch):
    # They draw from their own random stream: adding them must not reshuffle data generated before them.
    from tieout_sandbox.buildops import parties

    monkeypatch.setattr(parties, "property_representatives", lambda ctx, custs, props: [])
    without = generate(seed=11, scale=0.04)
    others = [name for name in RESOURCES if name != "property_representatives"]
    assert orjson.dumps({k: without[k] for k in others}) == orjson.dumps({k: small[k] for k in others})


def test_given_the_cli_when_generating_then_files_and_truth_counts_match(tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path), "--seed", "3", "--scale", "0.02"]) == 0
    truth = orjson.loads((tmp_path / "truth.json").read_bytes())
    for name in RESOURCES:
        lines = (tmp_path / "buildops" / f"{name}.jsonl").read_bytes().splitlines()
        assert len(lines) == truth["buildops"]["counts"][name], name
        assert orjson.loads(lines[0])["id"]
    second = tmp_path / "buildops" / "tenants" / SECOND_TENANT_ID / "customers.jsonl"
    assert second.read_bytes().count(b"\n") == truth["buildops"]["tenants"][SECOND_TENANT_ID]["counts"]["customers"]
    assert truth["buildops"]["tenants"][MAIN_TENANT_ID]["counts"] == truth["buildops"]["counts"]
    assert "buildops/invoices" in capsys.readouterr().out
    # A full sync reaches a project only through an invoice that names it: api_counts says how many that is.
    invoices = [orjson.loads(line) for line in (tmp_path / "buildops" / "invoices.jsonl").read_bytes().splitlines()]
    named = {i["projectId"] for i in invoices if i.get("projectId")}
    assert truth["buildops"]["api_counts"] == {**truth["buildops"]["counts"], "projects": len(named)}
    assert len(named) <= truth["buildops"]["counts"]["projects"]


def test_given_a_zero_scale_when_generating_then_the_error_names_the_option(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--out", "/tmp/never-written", "--scale", "0"])
    err = capsys.readouterr().err
    assert "--scale" in err and "must be greater than 0" in err


def test_given_invoices_when_generated_then_deleted_and_bypassed_are_statuses_of_their_own(small):
    statuses = {inv["status"] for inv in small["invoices"]}
    assert {"Deleted", "Bypassed", "Void", "Closed"} <= statuses
    assert all(inv["status"] == "Deleted" for inv in small["invoices"] if inv["audit"]["deletedDateTime"])


def test_given_visits_timesheets_and_pos_when_generated_then_statuses_are_the_products_labels(small):
    assert {v["status"] for v in small["visits"]} <= {"Scheduled", "Traveling", "Working", "Completed"}
    assert {t["status"] for t in small["timesheets"]} <= {"Pending Approval", "Disputed", "Approved"}
    assert {p["status"] for p in small["purchase_orders"]} <= {"Ordered", "Fulfilled", "Void"}


def test_given_addresses_when_generated_then_coordinates_are_decimal_strings_and_country_us(small):
    address = small["properties"][0]["addresses"][0]
    assert address["country"] == "US"
    assert isinstance(address["latitude"], str) and len(address["latitude"].split(".")[1]) == 16
    float(address["longitude"])
