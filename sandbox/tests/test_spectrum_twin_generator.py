"""The Spectrum tables are the same contractor as the BuildOps records, deterministic, with ground truth."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

import pytest
import yaml
from tieout_sandbox.credentials import MAIN_TENANT_ID
from tieout_sandbox.spectrum import generate
from tieout_sandbox.spectrum.bo import spectrum_invoice_number
from tieout_sandbox.spectrum.generator import ANOMALY_TYPES
from tieout_sandbox.spectrum.schema import TABLES, columns
from tieout_sandbox.spectrum.testing import build


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    out = tmp_path_factory.mktemp("spectrum-gen")
    buildops, truth = build(out, seed=11, scale=0.1)
    return out, buildops, truth


def total(header) -> Decimal:
    """The invoice total: real Spectrum's AR header has no total column (extension plus tax)."""
    return Decimal(header["Invoice_Extension"]) + Decimal(header["Sales_Tax_Amount"])


def rows(out, table):
    with (out / "spectrum" / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_given_buildops_records_when_generated_then_every_table_is_written_with_spectrum_columns(twin):
    out, _, truth = twin
    for table in TABLES:
        with (out / "spectrum" / f"{table}.csv").open(encoding="utf-8") as fh:
            assert fh.readline().strip().split(",") == columns(table)
        assert truth["spectrum"]["counts"][table] == len(rows(out, table))
    assert truth["spectrum"]["counts"]["JC_TRANSACTION_HISTORY_MC"] >= 40_000  # ~400,000 per scale 1


def test_given_buildops_jobs_when_generated_then_job_numbers_are_right_justified_and_padded(twin):
    out, _, _ = twin
    jobs = rows(out, "JC_JOB_MASTER_MC")
    assert all(len(j["Job_Number"]) == 10 and j["Job_Number"] == j["Job_Number"].strip().rjust(10) for j in jobs)
    assert {j["Company_Code"] for j in jobs} == {"MEC", "FPR"}


def _resolve(crosswalk: list[dict], job: dict, company: str) -> tuple[str, str] | None:
    """job_crosswalk.csv read from its sentence: a one-to-one row, then a job type rule of the job's company,
    then a department rule; the job's creation year before every year."""
    department = (job.get("departments") or [{}])[0].get("name", "")
    year = str(dt.datetime.fromtimestamp(job["audit"]["createdDateTime"] / 1000, dt.timezone.utc).year)
    for kind, value, same_company in (
        ("job_number", job["jobNumber"], False),
        ("job_type", job.get("jobTypeName", ""), True),
        ("department", department, False),
    ):
        for wanted in (year, ""):
            for row in crosswalk:
                if (
                    row["match_type"] == kind
                    and row["match_value"].upper() == str(value).upper()
                    and row["year"] == ("" if kind == "job_number" else wanted)
                    and (not same_company or row["company_code"] == company)
                ):
                    return row["company_code"], row["spectrum_job_number"]
    return None


def test_given_buildops_jobs_when_generated_then_they_reach_spectrum_jobs_through_the_crosswalk_not_equal_numbers(
    twin,
):
    out, buildops, truth = twin
    with (out / "mapping" / "job_crosswalk.csv").open(encoding="utf-8") as fh:
        crosswalk = list(csv.DictReader(fh))
    master = {(j["Company_Code"], j["Job_Number"].strip()): j for j in rows(out, "JC_JOB_MASTER_MC")}
    companies = {d["id"]: d["name"].split(" - ")[0] for d in buildops["departments"]}
    unmatched = set(truth["spectrum"]["job_crosswalk"]["unmatched_buildops_job_ids"])
    tickets: dict[tuple[str, str], list[str]] = defaultdict(list)
    for job in buildops["jobs"]:
        if job["audit"]["deletedDateTime"] or job.get("tenantId") not in (None, MAIN_TENANT_ID):
            continue
        target = _resolve(crosswalk, job, companies.get(job["departments"][0]["id"], ""))
        if job["id"] in unmatched:
            assert target is None, job["jobNumber"]
            continue
        assert target in master, (job["jobNumber"], target)
        tickets[target].append(job["jobNumber"])
    # Projects carry Spectrum's own numbers; a share of service work sits on a few umbrella jobs.
    renumbered = truth["spectrum"]["job_crosswalk"]["renumbered_projects"]
    assert renumbered and all(number != target.split("|")[1] for number, target in renumbered.items())
    umbrellas = {key: len(numbers) for key, numbers in tickets.items() if len(numbers) > 1}
    assert {number for _, number in umbrellas} >= {"PM-SVC"} and any(n.endswith("-INSP") for _, n in umbrellas)
    assert sum(umbrellas.values()) >= 0.2 * sum(len(numbers) for numbers in tickets.values())
    assert umbrellas == {
        tuple(key.split("|")): count for key, count in truth["spectrum"]["job_crosswalk"]["umbrella_jobs"].items()
    }
    assert all(not master[key]["Customer_Code"] for key in umbrellas)
    # Every Spectrum record names a job of the master (a Spectrum number, never a stray BuildOps one).
    for table in ("JC_TRANSACTION_HISTORY_MC", "CR_INVOICE_HEADER_MC", "PR_TIME_CARD_HISTORY_MC", "JC_PHASE_MASTER_MC"):
        named = {(r["Company_Code"], r["Job_Number"].strip()) for r in rows(out, table) if r["Job_Number"].strip()}
        assert named <= set(master), (table, sorted(named - set(master))[:5])


def test_given_two_companies_when_generated_then_each_has_its_own_user_defined_cost_types(twin):
    out, _, _ = twin
    by_company = defaultdict(set)
    for row in rows(out, "JC_COST_TYPE_MASTER_MC"):
        by_company[row["Company_Code"]].add(row["Cost_Type"])
    assert by_company["MEC"] == {"L", "M", "S", "E", "O", "B"}
    assert by_company["FPR"] == {"L01", "LB1", "M01", "S01", "EQ", "O01"}
    grid = {(r["Company_Code"], r["Cost_Type"]) for r in rows(out, "JC_PHASE_MASTER_MC")}
    assert all(cost_type in by_company[company] for company, cost_type in grid)


def test_given_jc_history_when_generated_then_dates_are_text_and_projections_and_job_progress_follow_it(twin):
    out, _, _ = twin
    history = rows(out, "JC_TRANSACTION_HISTORY_MC")
    assert all(len(r["Tran_Date_Text"]) == 8 and r["Tran_Date_Text"].isdigit() for r in history[:1000])
    assert all(r["Tran_Date_Text_Year"] == r["Tran_Date_Text"][:4] for r in history[:1000])
    jtd = defaultdict(Decimal)
    for r in history:
        jtd[(r["Company_Code"], r["Job_Number"], r["Phase_Code"], r["Cost_Type"])] += Decimal(r["Tran_Amount"])
    grid = {
        (r["Company_Code"], r["Job_Number"], r["Phase_Code"], r["Cost_Type"]) for r in rows(out, "JC_PHASE_MASTER_MC")
    }
    assert set(jtd) <= grid  # no cost lands off the grid
    # Real Spectrum keeps no job-to-date figure on the phase: a projection never falls below the cost to
    # date, and job progress carries each job's cost to date.
    projections = {
        (r["Company_Code"], r["Job"], r["Phase"], r["Cost_Type"]): Decimal(r["Amount"])
        for r in rows(out, "JC_PROJ_COST_HISTORY_MC")
    }
    assert all(projections.get(key, Decimal(0)) >= amount for key, amount in jtd.items())
    by_job = defaultdict(Decimal)
    for (company, job, _, _), amount in jtd.items():
        by_job[(company, job)] += amount
    progress = {
        (r["Company_Code"], r["Job_Number"]): Decimal(r["Cost_To_Date"]) for r in rows(out, "JC_JOB_PROGRESS_MC")
    }
    assert all(progress[key] == amount for key, amount in by_job.items())


def test_given_posted_buildops_invoices_when_generated_then_cr_invoices_carry_the_same_number_and_total(twin):
    """...except the invoices edited in BuildOps after posting (changed_after_posting): less the edit."""
    out, buildops, truth = twin
    edited = {
        a["keys"]["buildops_invoice_id"]: Decimal(a["amount"])
        for a in truth["anomalies"]
        if a["type"] == "changed_after_posting"
    }
    assert edited, "no changed_after_posting case injected"
    headers = {(h["Company_Code"], h["Invoice_Or_Transaction"]): h for h in rows(out, "CR_INVOICE_HEADER_MC")}
    assert all(len(number) <= 10 for _, number in headers)
    matched = 0
    for invoice in buildops["invoices"]:
        found = [h for (_, number), h in headers.items() if number == invoice["invoiceNumber"]]
        if found:
            matched += 1
            buildops_total = Decimal(str(invoice["totalAmount"])).quantize(Decimal("0.01"))
            assert total(found[0]) == buildops_total - edited.get(invoice["id"], 0)
            assert invoice["status"] not in ("Draft", "Void")
    assert matched > 100


def test_given_cr_invoices_when_generated_then_lines_add_up_and_open_items_equal_total_less_cash(twin):
    out, _, _ = twin
    lines = defaultdict(Decimal)
    for d in rows(out, "CR_INVOICE_DETAIL_MC"):
        lines[(d["Company_Code"], d["Invoice_Or_Transaction"])] += Decimal(d["Line_Extension"])
    paid = defaultdict(Decimal)
    for p in rows(out, "CR_PAY_ADJUST_HISTORY_MC"):
        paid[(p["Company_Code"], p["Invoice_Or_Transaction"])] += Decimal(p["Payment_Amount"])
    open_items = {(o["Company_Code"], o["Invoice_Or_Transaction"]): o for o in rows(out, "CR_OPEN_ITEM_MC")}
    for h in rows(out, "CR_INVOICE_HEADER_MC"):
        key = (h["Company_Code"], h["Invoice_Or_Transaction"])
        assert lines[key] == Decimal(h["Invoice_Extension"])
        balance = total(h) - paid[key]
        if balance:
            assert Decimal(open_items[key]["Invoice_Balance"]) == balance
        else:
            assert key not in open_items


def test_given_project_jobs_when_generated_then_progress_billing_holds_retention(twin):
    out, _, _ = twin
    billing = rows(out, "CR_BILLING_HEADER_MC")
    assert billing
    details = defaultdict(Decimal)
    for d in rows(out, "CR_BILL_DETAIL_MC"):
        details[(d["Company_Code"], d["Job_Number"], d["Application_Number"])] += Decimal(d["This_Period_Completed"])
    for b in billing:
        period = Decimal(b["Complete_To_Date"]) - Decimal(b["Amount_Billed_Previous"])
        assert details[(b["Company_Code"], b["Job_Number"], b["Application_Number"])] == period
        assert Decimal(b["Amount_Due"]) == period - Decimal(b["Retention_Amount"])
    assert sum(Decimal(h["Retention_Amount"]) for h in rows(out, "CR_INVOICE_HEADER_MC")) > 0


def test_given_timesheets_when_generated_then_payroll_lags_by_at_most_a_week(twin):
    out, _, truth = twin
    as_of = truth["spectrum"]["as_of"]
    cards = rows(out, "PR_TIME_CARD_HISTORY_MC")
    assert cards and all(c["Check_Date"] <= as_of for c in cards)
    assert all(Decimal(c["Burden_Amount"]) > 0 for c in cards if Decimal(c["Pay_Extension"]) > 0)


def test_given_vendors_when_generated_then_compliance_fields_and_document_tracking_exist(twin):
    out, _, _ = twin
    subs = [v for v in rows(out, "VN_VENDOR_MASTER_MC") if v["Type"] == "SUB"]
    assert subs and all(v["Insurance_Cert_Flag"] == "Y" and v["Insurance_Exp_Date"] for v in subs)
    items = {r["Tracking_Item_Code"] for r in rows(out, "VN_DOC_TRACKING_MC")}
    assert items == {"INS_EXPIRE", "W9", "LR"}


def test_given_generation_when_done_then_every_anomaly_type_is_in_truth_with_keys_and_amount(twin):
    _, _, truth = twin
    seen = {a["type"] for a in truth["anomalies"]}
    assert seen == set(ANOMALY_TYPES)
    for anomaly in truth["anomalies"]:
        assert anomaly["keys"] and Decimal(anomaly["amount"]) >= 0


def test_given_mapping_and_policy_when_generated_then_files_follow_the_contract(twin):
    out, _, _ = twin
    with (out / "mapping" / "cost_code_mapping.csv").open(encoding="utf-8") as fh:
        mapping = list(csv.DictReader(fh))
    assert list(mapping[0]) == [
        "company_code",
        "match_type",
        "match_value",
        "job_type",
        "phase_code",
        "cost_type",
        "note",
    ]
    assert {m["match_type"] for m in mapping} == {"product_code", "line_item_type", "job_type_default"}
    policy = yaml.safe_load((out / "policy.yml").read_text())
    assert set(policy["routing"]["progress_billed_job_types"]) == {"Tenant Improvement", "Construction Project"}
    assert policy["compliance"]["require_coi"] is True


def test_given_unmatched_customers_in_truth_when_crosswalk_read_then_they_are_absent_and_renamed(twin):
    out, _, truth = twin
    with (out / "mapping" / "customer_crosswalk.csv").open(encoding="utf-8") as fh:
        crosswalk = {(r["buildops_customer_id"], r["company_code"]) for r in csv.DictReader(fh)}
    names = {(c["Company_Code"], c["Customer_Code"]): c["Name"] for c in rows(out, "CR_CUSTOMER_MASTER_MC")}
    codes = {(c["Company_Code"], c["Customer_Code"]) for c in rows(out, "CR_CUSTOMER_MASTER_MC")}
    seen = set()
    for anomaly in (a for a in truth["anomalies"] if a["type"] == "customer_unmatched"):
        keys = anomaly["keys"]
        seen.add(anomaly.get("reason"))
        assert (keys["buildops_customer_id"], keys["company_code"]) not in crosswalk
        if anomaly.get("reason") == "buildops_customer_without_spectrum_customer":
            # From the BuildOps side: there is no Spectrum customer to name.
            assert "customer_code" not in keys and anomaly["buildops_invoice_ids"]
        else:
            assert names[(keys["company_code"], keys["customer_code"])] == anomaly["spectrum_name"]
            assert (keys["company_code"], keys["customer_code"]) in codes
    assert seen == {None, "buildops_customer_without_spectrum_customer"}


def test_given_the_same_seed_when_generated_twice_then_the_bytes_are_identical(tmp_path):
    from tieout_sandbox.buildops.generator import generate as generate_buildops

    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        generate(out, generate_buildops(3, 0.03), 3, 0.03)
        digest = hashlib.sha256()
        for path in sorted((out / "spectrum").glob("*.csv")) + sorted((out / "mapping").glob("*.csv")):
            digest.update(path.read_bytes())
        digest.update((out / "policy.yml").read_bytes())
        digests.append(digest.hexdigest())
    assert digests[0] == digests[1]


def test_given_truth_anomalies_when_checked_against_the_tables_then_each_is_really_there(twin):
    out, buildops, truth = twin
    by_type = defaultdict(list)
    for anomaly in truth["anomalies"]:
        by_type[anomaly["type"]].append(anomaly)
    headers = {(h["Company_Code"], h["Invoice_Or_Transaction"]): h for h in rows(out, "CR_INVOICE_HEADER_MC")}
    draws = defaultdict(list)
    for b in rows(out, "CR_BILLING_HEADER_MC"):
        billed = Decimal(b["Amount_Due"]) + Decimal(b["Retention_Amount"])
        draws[(b["Company_Code"], b["Job_Number"].strip())].append((b["Period_End_Date"][:7], billed))
    bo_invoices = {i["id"]: i for i in buildops["invoices"]}
    for a in by_type["double_billed"]:
        k = a["keys"]
        if a.get("reason") == "billed_beside_a_draw":
            # The BuildOps invoice is on a drawn job, yet no draw of its month bills its amount.
            invoice = bo_invoices[k["buildops_invoice_id"]]
            month = dt.datetime.fromtimestamp(invoice["issuedDate"], tz=dt.timezone.utc).strftime("%Y-%m")
            amount = Decimal(str(invoice["totalAmount"])) - Decimal(str(invoice["taxAmount"]))
            on_job = draws[(k["company_code"], k["job_number"])]
            assert on_job and (month, amount) not in on_job
            continue
        original, duplicate = (
            headers[(k["company_code"], k["invoice_or_transaction"])],
            headers[(k["company_code"], k["duplicate_invoice_or_transaction"])],
        )
        assert str(total(original)) == str(total(duplicate)) == a["amount"]
    billing = {
        (b["Company_Code"], b["Job_Number"].strip(), b["Application_Number"]): b
        for b in rows(out, "CR_BILLING_HEADER_MC")
    }
    for a in by_type["retainage_mismatch"]:
        k = a["keys"]
        if a.get("reason") == "buildops_retainage":
            # BuildOps withholds retainage on a posted invoice that Spectrum holds with none.
            invoice = headers[(k["company_code"], k["invoice_or_transaction"])]
            assert Decimal(invoice["Retention_Amount"]) == 0
            assert Decimal(str(bo_invoices[k["buildops_invoice_id"]]["retainageAmount"])) == Decimal(a["amount"]) > 0
            continue
        if a.get("reason") == "percent_times_invoice":
            invoice = headers[(k["company_code"], k["invoice_or_transaction"])]
            at_percent = Decimal(invoice["Retention_Percent"]) * Decimal(invoice["Invoice_Extension"]) / 100
            assert abs(at_percent - Decimal(invoice["Retention_Amount"])).quantize(Decimal("0.01")) == Decimal(
                a["amount"]
            )
            continue
        app = billing[(k["company_code"], k["job_number"], str(k["application_number"]))]
        invoice = headers[(k["company_code"], k["invoice_or_transaction"])]
        assert abs(Decimal(app["Retention_Amount"]) - Decimal(invoice["Retention_Amount"])) == Decimal(a["amount"])
    for a in by_type["unbilled_work"]:
        k = a["keys"]
        if "buildops_visit_id" not in k:
            continue
        (visit,) = [v for v in buildops["visits"] if v["id"] == k["buildops_visit_id"]]
        day = dt.datetime.fromtimestamp(visit["scheduledFor"], tz=dt.timezone.utc).date()
        assert visit["status"] == "Completed" and visit["jobId"] == k["buildops_job_id"]
        assert not [
            i
            for i in buildops["invoices"]
            if i.get("jobId") == visit["jobId"]
            and i["status"].lower() not in ("void", "voided")
            and dt.datetime.fromtimestamp(i["issuedDate"], tz=dt.timezone.utc).date() >= day
        ]
    cards = {
        (c["Company_Code"], c["Employee_Code"], c["Period_End_Date"]) for c in rows(out, "PR_TIME_CARD_HISTORY_MC")
    }
    for a in by_type["payroll_timing_gap"]:
        k = a["keys"]
        assert (k["company_code"], k["employee_code"], k["period_end_date"]) not in cards
        assert Decimal(a["buildops_hours"]) > 0
    paid = defaultdict(Decimal)
    for p in rows(out, "CR_PAY_ADJUST_HISTORY_MC"):
        paid[(p["Company_Code"], p["Invoice_Or_Transaction"])] += Decimal(p["Payment_Amount"])
    invoices = {i["id"]: i for i in buildops["invoices"]}
    for a in by_type["payment_status_drift"]:
        k = a["keys"]
        spectrum_paid = paid[(k["company_code"], k["invoice_or_transaction"])]
        bo_paid = sum(Decimal(str(p["appliedAmount"])) for p in invoices[k["buildops_invoice_id"]]["payments"])
        assert (spectrum_paid == 0) != (bo_paid == 0)
    docs = defaultdict(dict)
    for d in rows(out, "VN_DOC_TRACKING_MC"):
        docs[(d["Company_Code"], d["Vendor_Code"])].setdefault(d["Tracking_Item_Code"], []).append(d)
    for a in by_type["compliance_lapsed_assignment"]:
        k = a["keys"]
        held = docs[(k["company_code"], k["vendor_code"])]
        if "coi" in a["lapsed"]:
            assert held["INS_EXPIRE"][0]["Expiration_Date"] < a["po_date"]
        if "w9" in a["lapsed"]:
            assert "W9" not in held
        if "lien_waiver" in a["lapsed"]:
            assert all(r["Subcontract_Number"] != k["po_number"] for r in held.get("LR", []))


def test_given_the_ledger_when_summed_then_gl_balances_and_key_codes_follow_spectrum_rules(twin):
    out, _, _ = twin
    balance = defaultdict(Decimal)
    for line in rows(out, "GL_DETAIL_MC"):
        balance[line["Company_Code"]] += Decimal(line["Amount"])
    assert balance and all(total == 0 for total in balance.values())
    forbidden = set("/*?\"'><#,&~")
    for table, column, limit in (
        ("CR_CUSTOMER_MASTER_MC", "Customer_Code", 10),
        ("VN_VENDOR_MASTER_MC", "Vendor_Code", 10),
        ("CR_INVOICE_HEADER_MC", "Invoice_Or_Transaction", 10),
    ):
        for row in rows(out, table):
            code = row[column]
            assert code and len(code) <= limit and code == code.upper() and not forbidden & set(code), code


def test_given_job_unmatched_in_truth_when_the_files_are_read_then_no_crosswalk_row_and_nothing_in_spectrum_ar(twin):
    out, buildops, truth = twin
    with (out / "mapping" / "job_crosswalk.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == [
            "match_type",
            "match_value",
            "year",
            "company_code",
            "spectrum_job_number",
            "phase_code",
            "note",
        ]
        covered = {r["match_value"] for r in reader if r["match_type"] == "job_number"}
    unmatched = [a for a in truth["anomalies"] if a["type"] == "job_unmatched"]
    job_numbers = {j["id"]: j["jobNumber"] for j in buildops["jobs"]}
    in_ar = {(h["Company_Code"], h["Invoice_Or_Transaction"]) for h in rows(out, "CR_INVOICE_HEADER_MC")}
    assert unmatched, "the twin should leave a few jobs out of the job crosswalk"
    for anomaly in unmatched:
        keys = anomaly["keys"]
        assert job_numbers[keys["buildops_job_id"]] not in covered
        assert (keys["company_code"], spectrum_invoice_number(keys["buildops_invoice_number"])) not in in_ar
    assert {a["keys"]["buildops_job_id"] for a in unmatched} == set(
        truth["spectrum"]["job_crosswalk"]["unmatched_buildops_job_ids"]
    )
