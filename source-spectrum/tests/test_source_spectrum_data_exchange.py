"""Data Exchange streams through the sandbox's emulator: counts equal the twin's tables, reads past the
500-row cap are split by filters, and a capped answer is never emitted as complete."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from source_spectrum.catalog import spec_for
from source_spectrum.config import SpectrumConfig
from source_spectrum.source import CONNECTOR, build_streams
from source_spectrum.transports import DataExchangeTransport
from spectrum_client import TruncatedResult
from tieout_core import Checkpoint, ConfigError

# phases: see the partitioned-read test below (the same read, checked in more detail).
TABLES = {
    "jobs": "JC_JOB_MASTER_MC",
    "job_main": "JC_JOB_MASTER_MC",
    "job_dates": "JC_JOB_MASTER_MC",
    "customers": "CR_CUSTOMER_MASTER_MC",
    "employees": "PR_EMPLOYEE_MASTER_1_MC",
    "equipment": "EC_EQUIPMENT_MASTER_MC",
}


def read(config: dict, name: str) -> list[dict]:
    declaration = next(d for d in build_streams(SpectrumConfig.parse(config)) if d.name == name)
    return [dict(i) for i in declaration.read({}) if not isinstance(i, Checkpoint)]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_given_emulator_when_get_stream_read_then_every_row_of_the_table_per_company(live, name):
    records = read(live.config("data_exchange"), name)
    rows = live.csv_rows(TABLES[name])
    assert Counter(r["company_code"] for r in records) == Counter(r["Company_Code"] for r in rows)
    key = "job_number" if name.startswith("job") else spec_for(name, "data_exchange").primary_key[1]
    source_key = {
        "job_number": "Job_Number",
        "customer_code": "Customer_Code",
        "employee_code": "Employee_Code",
        "equipment_code": "Equipment_Code",
    }.get(key)
    if source_key:
        assert {(r["company_code"], r[key]) for r in records} == {
            (r["Company_Code"], r[source_key].strip()) for r in rows
        }


def test_given_more_phases_than_the_cap_when_read_then_split_by_status_and_job_and_complete(live):
    rows = [r for r in live.csv_rows("JC_PHASE_MASTER_MC") if r["Company_Code"] == "MEC"]
    assert len(rows) > 500  # the read must get past the cap
    config = SpectrumConfig.parse({**live.config("data_exchange"), "companies": ["MEC"]})
    transport = DataExchangeTransport(config)
    batches = list(transport.read_batches(spec_for("phases", "data_exchange"), "MEC", None))
    assert max(len(rows) for _, rows in batches) <= 500, "handed on a capped Get's worth at a time"
    records = [dict(zip(names, row, strict=True)) for names, rows in batches for row in rows]
    assert len(records) == len(rows)
    assert {(r["job_number"], r["phase_code"], r["cost_type"]) for r in records} == {
        (r["Job_Number"].strip(), r["Phase_Code"], r["Cost_Type"]) for r in rows
    }
    # GetPhase's job-to-date dollars are the phase's job cost history summed (the table keeps none).
    grid = {(r["Job_Number"], r["Phase_Code"], r["Cost_Type"]) for r in rows}
    history = [
        h
        for h in live.csv_rows("JC_TRANSACTION_HISTORY_MC")
        if h["Company_Code"] == "MEC" and (h["Job_Number"], h["Phase_Code"], h["Cost_Type"]) in grid
    ]
    assert sum(Decimal(repr(r["jtd_actual_dollars"] or 0)) for r in records) == sum(
        Decimal(h["Tran_Amount"]) for h in history
    )
    assert transport.client.calls > 3  # status split, then job split of the capped part


def test_given_money_as_dot_zero_text_when_job_main_read_then_exact_sums(live):
    records = read(live.config("data_exchange"), "job_main")
    assert sum(Decimal(repr(r["original_contract"] or 0)) for r in records) == live.csv_sum(
        "JC_JOB_MASTER_MC", "Original_Contract"
    )


def test_given_rest_vendors_when_read_then_active_vendors_with_table_column_names(live):
    records = read(live.config("data_exchange"), "vendors")
    active = [r for r in live.csv_rows("VN_VENDOR_MASTER_MC") if r["Status"] == "A"]
    assert Counter(r["company_code"] for r in records) == Counter(r["Company_Code"] for r in active)
    by_code = {(r["Company_Code"], r["Vendor_Code"]): r for r in active}
    for record in records:
        assert record["vendor_name"] == by_code[(record["company_code"], record["vendor_code"])]["Vendor_Name"]


def test_given_oauth_client_credentials_when_read_then_same_customers(live):
    assert len(read(live.config("data_exchange_oauth"), "customers")) == len(live.csv_rows("CR_CUSTOMER_MASTER_MC"))


def test_given_capped_answer_and_no_filter_left_when_read_then_stream_fails_naming_service_and_filters(live):
    by_status = Counter(r["Status_Code"] for r in live.csv_rows("JC_PHASE_MASTER_MC") if r["Company_Code"] == "MEC")
    status, count = by_status.most_common(1)[0]
    assert count > 500
    config = SpectrumConfig.parse({**live.config("data_exchange"), "companies": ["MEC"]})
    transport = DataExchangeTransport(config)
    emitted = []
    with pytest.raises(TruncatedResult) as info:  # one status, no job split left: nothing may come out
        emitted.extend(transport.client.get_all("GetPhaseEnhanced", {"pCompany_Code": "MEC", "pStatus_Code": status}))
    assert emitted == []
    assert (
        f"GetPhaseEnhanced hit Spectrum's row cap with pCompany_Code='MEC', pStatus_Code='{status}': 500 rows came back"
    ) in str(info.value)
    assert "was not used" in str(info.value)


def test_given_wrong_authorization_id_when_checked_then_config_error_names_setting_and_screen(live):
    config = live.config("data_exchange")
    config["data_exchange"]["authorization_id"] = "NOT-THE-ID"
    with pytest.raises(ConfigError) as info:
        CONNECTOR.check(CONNECTOR.parse_config(config))
    message = str(info.value)
    assert "rejected the Authorization ID for GetJob" in message
    assert "System Administration > Installation > Data Exchange" in message
    assert "NOT-THE-ID" not in message


def test_given_service_not_built_into_authorization_id_when_read_then_error_names_service_and_build(live):
    config = live.config("data_exchange")
    config["data_exchange"]["authorization_id"] = "TIEOUTLIMITED"
    config["companies"] = ["MEC"]
    with pytest.raises(ConfigError) as info:
        read(config, "phases")
    message = str(info.value)
    assert "service GetPhaseEnhanced is not authorised for this Authorization ID" in message
    assert "System Administration > Installation > Data Exchange" in message
    assert "Build the service GetPhaseEnhanced into it" in message


def test_given_data_exchange_transport_when_discovered_then_only_get_service_streams(live):
    names = {d.name for d in build_streams(SpectrumConfig.parse(live.config("data_exchange")))}
    assert names == {"jobs", "job_main", "job_dates", "phases", "customers", "vendors", "employees", "equipment"}
    assert all(not d.incremental for d in build_streams(SpectrumConfig.parse(live.config("data_exchange"))))
