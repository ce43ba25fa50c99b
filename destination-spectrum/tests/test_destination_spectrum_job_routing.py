"""Posting through job_crosswalk.csv (issue 14 section 1): an invoice lands on the Spectrum job the crosswalk
gives its BuildOps job (a project's own number and phase, or an umbrella service job), daily summaries group per
company x customer x Spectrum job x day, and an invoice whose job no row covers is held naming the job."""

from __future__ import annotations

import pytest
from destination_spectrum.config import DestinationSpectrumConfig, EngineSettings
from destination_spectrum.crosswalk import CustomerCrosswalk
from destination_spectrum.engine import PostingEngine
from destination_spectrum.gateway import SpectrumJob
from destination_spectrum.job_crosswalk import JobCrosswalk
from destination_spectrum.ledger import Ledger
from destination_spectrum.mapping import CostCodeMapping
from destination_spectrum.policy import Policy
from destination_spectrum.session import load_rules
from tieout_core import ConfigError

CREATED_2026 = 1767600000000  # 2026-01-05, epoch milliseconds as BuildOps stamps audit.createdDateTime

JOB_CROSSWALK = """\
match_type,match_value,year,company_code,spectrum_job_number,phase_code,note
job_type,Service Call,2026,MEC,26-SVC,,umbrella service job of 2026
job_number,40077,,MEC,26-1001,150,a project under Spectrum's own number
"""


def buildops_job(job_id: str, number: str, job_type: str, department: str = "MEC - HVAC Service") -> dict:
    return {
        "id": job_id,
        "jobNumber": number,
        "jobTypeName": job_type,
        "customerId": "c-acme",
        "tenantId": "t-1",
        "departments": [{"id": "d-200", "name": department}],
        "audit": {"createdDateTime": CREATED_2026},
    }


@pytest.fixture
def engine(files, spectrum, tmp_path):
    spectrum.jobs[("MEC", "26-SVC")] = SpectrumJob("MEC", "26-SVC")
    spectrum.grids[("MEC", "26-SVC")] = {("100", "L"), ("200", "M")}
    spectrum.jobs[("MEC", "26-1001")] = SpectrumJob("MEC", "26-1001", customer_code="ACME")
    spectrum.grids[("MEC", "26-1001")] = {("150", "L"), ("150", "M")}
    path = tmp_path / "job_crosswalk.csv"
    path.write_text(JOB_CROSSWALK)
    ledger = Ledger(tmp_path / "ledger.duckdb", "run-1")
    yield PostingEngine(
        mapping=CostCodeMapping.load(files["mapping"]),
        policy=Policy.load(files["policy"]),
        crosswalk=CustomerCrosswalk.load(files["crosswalk"]),
        job_crosswalk=JobCrosswalk.load(path),
        gateway=spectrum,
        ledger=ledger,
        settings=EngineSettings(),
    )
    ledger.close()


def test_given_tickets_of_three_jobs_on_one_umbrella_when_summarised_then_one_document_per_customer_and_day(
    engine, spectrum, build
):
    records = [("jobs", buildops_job(f"job-{n}", f"4001{n}", "Service Call")) for n in range(3)]
    records += [
        ("invoices", build.invoice("t-0", "700", job_id="job-0", job_number="40010")),
        ("invoices", build.invoice("t-1", "701", job_id="job-1", job_number="40011")),
        ("invoices", build.invoice("t-2", "702", job_id="job-2", job_number="40012", customer="c-beta")),
    ]

    report = engine.process(records)

    # Per BuildOps job, ACME's two tickets would be two documents; on the umbrella they are one.
    assert report.documents == {"AR daily_summary": 2}
    assert sorted((d.customer_code, d.job_number, str(d.amount)) for d in spectrum.ar.values()) == [
        ("ACME", "26-SVC", "1000.00"),
        ("BETA", "26-SVC", "500.00"),
    ]


def test_given_a_project_with_its_own_spectrum_number_and_phase_when_posted_then_it_lands_there(
    engine, spectrum, build
):
    records = [
        ("jobs", buildops_job("job-p", "40077", "Tenant Improvement", "MEC - Mechanical Construction")),
        ("invoices", build.invoice("inv-p", "900", job_id="job-p", job_number="40077")),
    ]

    report = engine.process(records)

    assert report.states == {"posted": 1}
    (document,) = spectrum.ar.values()
    assert document.job_number == "26-1001"
    assert [(x.phase_code, x.cost_type) for x in document.lines] == [("150", "L"), ("150", "M")]


def test_given_a_job_no_crosswalk_row_covers_when_processed_then_held_naming_the_job_and_the_fix(
    engine, spectrum, build
):
    records = [
        ("jobs", buildops_job("job-e", "40099", "Emergency Service")),
        ("invoices", build.invoice("inv-e", "901", job_id="job-e", job_number="40099")),
    ]

    report = engine.process(records)

    assert report.states == {"held": 1} and not spectrum.ar
    ((reason, amount),) = engine.ledger.query("select reason, amount from tieout_ledger.postings")
    assert reason == (
        "job: BuildOps job 40099 (job type 'Emergency Service', department 'MEC - HVAC Service', created 2026) "
        "resolves to no Spectrum job in job_crosswalk.csv; add a row for it (match_type job_number, match_value "
        "40099, its Company_Code and Spectrum Job_Number), or a job_type or department row that covers it, then "
        "sync again"
    )
    assert float(amount) == 500.0


def test_given_a_sub_bill_on_a_renumbered_project_when_posted_then_the_distribution_names_the_spectrum_job(
    engine, spectrum, build
):
    # A sub bill keeps its own coding (subcontract default, else the mapping): the crosswalk gives it the job.
    spectrum.grids[("MEC", "26-1001")].add(("900", "S"))
    records = [
        ("jobs", buildops_job("job-p", "40077", "Tenant Improvement", "MEC - Mechanical Construction")),
        ("purchase_orders", build.bill(job_id="job-p", jobNumber="40077")),
    ]

    engine.process(records)

    assert engine.ledger.query("select state from tieout_ledger.postings") == [("posted",)]
    (document,) = spectrum.ap.values()
    assert {line.job_number for line in document.lines} == {"26-1001"}


def test_given_job_crosswalk_path_to_a_missing_file_when_loading_the_rules_then_the_error_names_the_setting(
    files, tmp_path
):
    config = DestinationSpectrumConfig.parse(
        {
            "data_exchange": {"base_url": "http://127.0.0.1:8482", "authorization_id": "X"},
            "odbc": {"connection_string": "Driver=SQLite3;Database=x"},
            "mapping_path": str(files["mapping"]),
            "customer_crosswalk_path": str(files["crosswalk"]),
            "policy_path": str(files["policy"]),
            "job_crosswalk_path": str(tmp_path / "nowhere.csv"),
        }
    )

    with pytest.raises(ConfigError, match=r"nowhere\.csv does not exist; set job_crosswalk_path"):
        load_rules(config)


def test_given_a_job_crosswalk_beside_the_mapping_when_no_path_is_set_then_it_is_the_one_used(files):
    beside = files["mapping"].with_name("job_crosswalk.csv")
    beside.write_text(JOB_CROSSWALK)
    config = DestinationSpectrumConfig.parse(
        {
            "data_exchange": {"base_url": "http://127.0.0.1:8482", "authorization_id": "X"},
            "odbc": {"connection_string": "Driver=SQLite3;Database=x"},
            "mapping_path": str(files["mapping"]),
            "customer_crosswalk_path": str(files["crosswalk"]),
            "policy_path": str(files["policy"]),
        }
    )

    *_, jobs = load_rules(config)

    assert jobs is not None and jobs.resolve("40077", "", "", "", None).job_number == "26-1001"
