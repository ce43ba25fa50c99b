"""Reads through the Airbyte adapter against the scripted API: counts, conventions, incremental, resume."""

from __future__ import annotations

import dataclasses

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from buildops_fake import OTHER_TENANT, T2026, TENANT, audit, make_config
from source_buildops.source import CONNECTOR
from source_buildops.streams import STREAM_NAMES
from tieout_core import DeclaredSource


def catalog(*names, mode=SyncMode.incremental):
    builder = CatalogBuilder()
    for name in names:
        builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(mode))
    return builder.build()


def records_by_stream(output) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for message in output.records:
        out.setdefault(message.record.stream, []).append(message.record.data)
    return out


def run(config, streams=STREAM_NAMES, state=None, **kwargs):
    return read(DeclaredSource(CONNECTOR), config, catalog(*streams, **kwargs), state)


def test_given_every_stream_when_reading_in_full_then_counts_match_the_api(fake_buildops):
    output = run(make_config(fake_buildops.base_url))
    assert not output.errors
    got = {name: len(rows) for name, rows in records_by_stream(output).items()}
    assert got == {
        "customers": 12,
        "customer_representatives": 5,
        "properties": 12,
        "property_representatives": 7,
        "jobs": 12,
        "visits": 12,
        "payments": 12,
        "quotes": 12,
        "employees": 12,
        "departments": 3,
        "job_types": 2,
        "pricebook_items": 12,
        "vendors": 12,
        "purchase_orders": 12,
        "timesheets": 12,
        "service_agreements": 12,
        "invoices": 12,
        "invoice_items": 24,
        "invoice_payments": 12,
        "customer_contacts": 5,
        "projects": 2,
    }


def test_given_invoice_detail_when_reading_then_children_carry_the_invoice_and_headers_drop_them(fake_buildops):
    rows = records_by_stream(run(make_config(fake_buildops.base_url), ["invoices", "invoice_items"]))
    header = rows["invoices"][0]
    assert "invoiceItems" not in header and "payments" not in header
    assert header["issuedDate"] == "2026-05-28T20:26:40.000Z"  # "1780000000" (a numeric string, seconds)
    assert header["audit"]["lastUpdatedDateTime"] == "2026-06-01T00:00:00.000Z"  # epoch ms
    item = rows["invoice_items"][1]
    assert item["invoiceId"] == "invoices-000" and item["tenantId"] == TENANT
    assert item["invoiceLastUpdatedDateTime"] == "2026-06-01T00:00:00.000Z"
    assert item["unitPrice"] == 0.3  # 0.1 + 0.2 in the fake's float arithmetic, quantised to cents


def test_given_any_stream_when_reading_then_every_record_carries_its_tenant(fake_buildops):
    rows = records_by_stream(run(make_config(fake_buildops.base_url)))
    assert {r["tenantId"] for stream in rows.values() for r in stream} == {TENANT}


def test_given_two_tenants_when_reading_then_each_record_is_tagged_and_state_is_per_tenant(fake_buildops):
    fake_buildops.tenants.add(OTHER_TENANT)
    output = run(make_config(fake_buildops.base_url, tenant_ids=[TENANT, OTHER_TENANT]), ["jobs"])
    tenants = [r.record.data["tenantId"] for r in output.records]
    assert tenants.count(TENANT) == 12 and tenants.count(OTHER_TENANT) == 12
    state = output.most_recent_state.stream_state.__dict__
    assert set(state["tenants"]) == {TENANT, OTHER_TENANT}


def test_given_a_completed_sync_when_one_record_changes_then_the_next_sync_returns_only_it(fake_buildops):
    config = make_config(fake_buildops.base_url)
    first = run(config, ["quotes", "invoices", "invoice_items", "jobs"])
    assert len(first.records) == 12 + 12 + 24 + 12
    state = [StateBuilder()]
    builder = StateBuilder()
    for stream in ("quotes", "invoices", "invoice_items", "jobs"):
        last = [m for m in first.state_messages if m.state.stream.stream_descriptor.name == stream][-1]
        builder.with_stream_state(stream, last.state.stream.stream_state.__dict__)
    state = builder.build()

    later = T2026 + 3_600_000 * 24
    fake_buildops.data["quotes"][4]["audit"] = audit(later)
    fake_buildops.data["invoices"][7]["audit"] = audit(later)
    fake_buildops.data["jobs"][2]["audit"] = audit(later)
    second = records_by_stream(run(config, ["quotes", "invoices", "invoice_items", "jobs"], state=state))
    assert [r["id"] for r in second["quotes"]] == ["quotes-004"]
    assert [r["id"] for r in second["invoices"]] == ["invoices-007"]
    assert [r["id"] for r in second["invoice_items"]] == ["item-7-0", "item-7-1"]
    assert [r["id"] for r in second["jobs"]] == ["jobs-002"]
    jobs_calls = fake_buildops.server.calls("GET", "/v1/jobs")
    assert jobs_calls[-1].query["lastUpdatedDateStart"].startswith("2026-06-01T00:11:00")


def test_given_nothing_changed_when_syncing_again_then_no_records_and_no_detail_requests(fake_buildops):
    config = make_config(fake_buildops.base_url, lookback_window_minutes=60)
    first = run(config, ["invoices"])
    state = (
        StateBuilder()
        .with_stream_state("invoices", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )
    details_before = len([r for r in fake_buildops.server.requests if r.path.startswith("/v1/invoices/")])
    second = run(config, ["invoices"], state=state)
    details_after = len([r for r in fake_buildops.server.requests if r.path.startswith("/v1/invoices/")])
    assert second.records == []  # inside the 60-minute lookback, but already emitted with the same stamp
    assert details_after == details_before


def _synced_invoices_state(config, fake):
    first = run(config, ["invoices"])
    return (
        StateBuilder()
        .with_stream_state("invoices", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )


def test_given_a_synced_invoice_stream_when_one_changes_then_only_changed_headers_are_listed(fake_buildops):
    config = make_config(fake_buildops.base_url)
    state = _synced_invoices_state(config, fake_buildops)
    fake_buildops.data["invoices"][7]["audit"] = audit(T2026 + 3_600_000 * 24)
    list_calls = len(fake_buildops.server.calls("GET", "/v1/invoices"))
    second = run(config, ["invoices"], state=state)
    assert [m.record.data["id"] for m in second.records] == ["invoices-007"]
    calls = fake_buildops.server.calls("GET", "/v1/invoices")[list_calls:]
    assert len(calls) == 1  # one page of changed headers, not the 3 pages of every invoice
    assert calls[0].query["dateFilterType"] == "lastUpdatedDateTime"
    assert calls[0].query["start"].startswith("2026-06-01T00:11:00")  # the watermark (lookback 0)


def test_given_the_invoice_filter_turned_off_when_syncing_again_then_every_header_is_listed(fake_buildops):
    config = make_config(fake_buildops.base_url, invoices_updated_since_param="")
    state = _synced_invoices_state(config, fake_buildops)
    fake_buildops.data["invoices"][7]["audit"] = audit(T2026 + 3_600_000 * 24)
    list_calls = len(fake_buildops.server.calls("GET", "/v1/invoices"))
    second = run(config, ["invoices"], state=state)
    assert [m.record.data["id"] for m in second.records] == ["invoices-007"]
    calls = fake_buildops.server.calls("GET", "/v1/invoices")[list_calls:]
    assert len(calls) == 3 and all("start" not in c.query and "dateFilterType" not in c.query for c in calls)


def test_given_a_soft_deleted_record_when_reading_then_it_is_emitted_with_its_deletion_time(fake_buildops):
    deleted = T2026 + 86_400_000
    fake_buildops.data["vendors"][3]["audit"] = audit(T2026, deleted_ms=deleted)
    rows = records_by_stream(run(make_config(fake_buildops.base_url), ["vendors"]))
    vendor = next(r for r in rows["vendors"] if r["id"] == "vendors-003")
    assert vendor["audit"]["deletedDateTime"] == "2026-06-02T00:00:00.000Z"


def test_given_pages_of_five_when_reading_then_state_is_checkpointed_with_a_resume_page(fake_buildops):
    # 500 records with pages of 5: the CDK asks for state every 500 records, i.e. mid-stream here
    fake_buildops.data["timesheets"] = [{"id": f"ts-{i:04d}", "audit": audit(T2026 + i)} for i in range(600)]
    output = run(make_config(fake_buildops.base_url, page_size=100), ["timesheets"])
    states = [m.state.stream.stream_state.__dict__ for m in output.state_messages]
    assert states[0]["tenants"][TENANT]["resume"]["page"] == 5
    assert "resume" not in states[-1]["tenants"][TENANT]
    assert len(output.records) == 600


def test_given_a_checkpoint_from_a_killed_sync_when_resuming_then_reading_starts_at_its_page(fake_buildops):
    config = make_config(fake_buildops.base_url)
    killed_state = {
        "tenants": {
            TENANT: {
                "watermark": None,
                "recent": {},
                "resume": {"page": 2, "started_at": "2026-11-01T00:00:00.000Z", "max_seen": None},
            }
        }
    }
    output = run(config, ["quotes"], state=StateBuilder().with_stream_state("quotes", killed_state).build())
    assert [r.record.data["id"] for r in output.records] == ["quotes-010", "quotes-011"]
    assert [c.query["page"] for c in fake_buildops.server.calls("GET", "/v1/quotes")] == ["2"]


def test_given_default_settings_when_reading_customers_then_pages_start_at_1_with_limit(fake_buildops):
    output = run(make_config(fake_buildops.base_url), ["customers"])
    calls = fake_buildops.server.calls("GET", "/v1/customers")
    assert sorted(c.query["page"] for c in calls) == ["1", "2", "3"]  # pages after the first go out together
    assert calls[0].query["limit"] == "5" and calls[0].query["include_inactive"] == "true"
    assert sorted(r.record.data["id"] for r in output.records) == [f"customers-{i:03d}" for i in range(12)]


def test_given_customers_page_base_0_when_reading_then_page_0_is_requested_first(fake_buildops):
    run(make_config(fake_buildops.base_url, customers_page_base=0), ["customers"])
    pages = [c.query["page"] for c in fake_buildops.server.calls("GET", "/v1/customers")]
    assert pages[0] == "0" and sorted(pages) == ["0", "1", "2"]  # page 0 first, the rest together


def test_given_departments_and_job_types_when_reading_then_every_page_is_read(fake_buildops):
    fake_buildops.data["departments"] = [
        {"id": f"dept-{i:02d}", "tagName": f"D{i}", "audit": audit(T2026)} for i in range(12)
    ]
    output = run(make_config(fake_buildops.base_url), ["departments", "job_types"])
    assert not output.errors
    assert len([r for r in output.records if r.record.stream == "departments"]) == 12
    assert [c.query["page"] for c in fake_buildops.server.calls("GET", "/v1/departments")] == ["0", "1", "2"]
    assert [c.query["page_size"] for c in fake_buildops.server.calls("GET", "/v1/job-types")] == ["5"]


def test_given_a_path_override_when_reading_then_the_overridden_path_is_called(fake_buildops):
    fake_buildops.server.route("GET", "/v1/job-visits", lambda r: fake_buildops.list(r, "visits"))
    output = run(make_config(fake_buildops.base_url, stream_paths={"visits": "/v1/job-visits"}), ["visits"])
    assert len(output.records) == 12
    assert fake_buildops.server.calls("GET", "/v1/visits") == []


def test_given_property_representatives_when_reading_then_each_carries_the_property_of_its_path(fake_buildops):
    output = run(make_config(fake_buildops.base_url), ["property_representatives"])
    assert not output.errors
    rows = [m.record.data for m in output.records]
    assert sorted((r["id"], r["propertyId"]) for r in rows) == [
        (f"site-rep-{i:03d}", f"properties-{i % 4:03d}") for i in range(7)
    ]
    assert {r["tenantId"] for r in rows} == {TENANT}
    assert rows[0]["audit"]["lastUpdatedDateTime"].endswith("Z")
    # one list call per property (12), walked without addresses; none for the other streams' paths
    calls = [r for r in fake_buildops.server.requests if r.path.endswith("/representatives")]
    assert len(calls) == 12
    assert all("include_addresses" not in r.query for r in fake_buildops.server.calls("GET", "/v1/properties"))


def test_given_a_finished_sync_when_a_property_contact_changes_then_only_it_is_read_again(fake_buildops):
    config = make_config(fake_buildops.base_url)
    first = run(config, ["property_representatives"])
    assert len(first.records) == 7
    state = (
        StateBuilder()
        .with_stream_state("property_representatives", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )
    fake_buildops.data["property_representatives"][4]["audit"] = audit(T2026 + 3_600_000)
    second = run(config, ["property_representatives"], state=state)
    assert [m.record.data["id"] for m in second.records] == ["site-rep-004"]


def test_given_a_property_representatives_path_override_when_reading_then_the_parent_id_fills_it(fake_buildops):
    def sites(request):  # the same contacts, served under another path
        path = request.path.replace("/v1/sites/", "/v1/properties/").replace("/contacts", "/representatives")
        return fake_buildops.property_representatives(dataclasses.replace(request, path=path))

    fake_buildops.server.route_prefix("GET", "/v1/sites/", sites)
    overrides = {"property_representatives": "/v1/sites/{propertyId}/contacts"}
    output = run(make_config(fake_buildops.base_url, stream_paths=overrides), ["property_representatives"])
    assert len(output.records) == 7
    assert [r for r in fake_buildops.server.requests if r.path.endswith("/representatives")] == []
    assert len([r for r in fake_buildops.server.requests if r.path.startswith("/v1/sites/properties-")]) == 12


def test_given_a_full_refresh_catalog_when_reading_with_state_then_everything_is_read(fake_buildops):
    config = make_config(fake_buildops.base_url)
    first = run(config, ["quotes"])
    state = (
        StateBuilder().with_stream_state("quotes", first.state_messages[-1].state.stream.stream_state.__dict__).build()
    )
    again = run(config, ["quotes"], state=state, mode=SyncMode.full_refresh)
    assert len(again.records) == 12


def test_given_many_requests_when_reading_then_one_token_serves_them_all(fake_buildops):
    run(make_config(fake_buildops.base_url), ["invoices", "customer_representatives"])
    assert fake_buildops.tokens_issued == 1


def detail_calls(fake) -> int:
    return len([r for r in fake.server.requests if r.path.startswith("/v1/invoices/")])


def test_given_the_three_invoice_streams_when_synced_together_then_each_detail_is_fetched_once(fake_buildops):
    output = run(make_config(fake_buildops.base_url), ["invoices", "invoice_items", "invoice_payments"])
    assert len(output.records) == 12 + 24 + 12
    assert detail_calls(fake_buildops) == 12


def test_given_streams_at_different_cursors_when_replaying_details_then_only_the_gap_is_fetched(fake_buildops):
    config = make_config(fake_buildops.base_url)
    first = run(config, ["invoices"])
    state = (
        StateBuilder()
        .with_stream_state("invoices", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )
    calls_before = detail_calls(fake_buildops)
    # invoices is up to date (needs nothing), invoice_items has never synced (needs all 12)
    second = run(config, ["invoices", "invoice_items"], state=state)
    got = records_by_stream(second)
    assert "invoices" not in got and len(got["invoice_items"]) == 24
    assert detail_calls(fake_buildops) - calls_before == 12


def test_given_invoice_payments_without_id_when_reading_then_payment_number_or_position_keys_them(fake_buildops):
    invoice = fake_buildops.data["invoices"][0]
    invoice["payments"] = [{"paymentNumber": "70001", "paymentAmount": 10.0}, {"paymentAmount": 5.0}]
    output = run(make_config(fake_buildops.base_url), ["invoice_payments"])
    rows = [m.record.data for m in output.records if m.record.data["invoiceId"] == invoice["id"]]
    assert [r["id"] for r in rows] == ["70001", "#1"]


def test_given_records_without_an_audit_block_when_syncing_twice_then_they_are_emitted_both_times(fake_buildops):
    for department in fake_buildops.data["departments"]:
        del department["audit"]
    config = make_config(fake_buildops.base_url)
    first = run(config, ["departments"])
    assert len(first.records) == 3  # not dropped below start_date as if changed in 1970
    state = (
        StateBuilder()
        .with_stream_state("departments", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )
    assert len(run(config, ["departments"], state=state).records) == 3  # no change time: read again


def test_given_pay_applications_when_reading_projects_then_projects_of_changed_invoices_are_read(
    fake_buildops,
):
    config = make_config(fake_buildops.base_url)
    first = run(config, ["projects"])
    assert sorted(m.record.data["id"] for m in first.records) == ["project-0", "project-1"]
    assert len([r for r in fake_buildops.server.requests if r.path.startswith("/v1/projects/")]) == 2
    state = (
        StateBuilder()
        .with_stream_state("projects", first.state_messages[-1].state.stream.stream_state.__dict__)
        .build()
    )
    later = T2026 + 3_600_000 * 24
    fake_buildops.data["invoices"][1]["audit"] = audit(later)  # a pay application of project-1 changed
    fake_buildops.data["projects"][1]["audit"] = audit(later)
    second = run(config, ["projects"], state=state)
    assert [m.record.data["id"] for m in second.records] == ["project-1"]  # project-0 did not change
    listed = fake_buildops.server.calls("GET", "/v1/invoices")[-1]
    assert listed.query["dateFilterType"] == "lastUpdatedDateTime" and listed.query["start"].startswith("2026-06-01")


def test_given_customer_contacts_when_reading_then_the_representatives_path_of_each_customer_is_read(fake_buildops):
    output = run(make_config(fake_buildops.base_url), ["customer_contacts"])
    rows = [m.record.data for m in output.records]
    assert sorted(r["id"] for r in rows) == [f"rep-{i:03d}" for i in range(5)]
    paths = {r.path for r in fake_buildops.server.requests if r.path.endswith("/representatives")}
    assert paths and all(p.startswith("/v1/customers/") and "/our-" not in p for p in paths)


def test_given_a_server_that_refuses_the_invoice_filter_when_reading_then_the_error_names_the_setting(
    fake_buildops, monkeypatch
):
    import buildops_fake

    monkeypatch.setitem(buildops_fake.ACCEPTED, "invoices", {"page", "page_size"})
    output = run(make_config(fake_buildops.base_url), ["invoices"])
    messages = [e.trace.error.message for e in output.errors]
    assert any("BuildOps refused GET /v1/invoices (HTTP 400)" in m and "invoices_* settings" in m for m in messages)


def test_given_a_tenant_naming_retainage_otherwise_when_the_setting_names_it_then_invoices_carry_retainage_amount(
    fake_buildops,
):
    # BuildOps publishes no retainage field name (assumptions.py): invoice_retainage_field says which one to read.
    fake_buildops.data["invoices"][0]["withheldRetainage"] = 123.45
    config = make_config(fake_buildops.base_url, invoice_retainage_field="withheldRetainage")

    rows = records_by_stream(run(config, ["invoices"]))["invoices"]

    assert rows[0]["retainageAmount"] == 123.45
    assert "retainageAmount" not in rows[1]  # an invoice without the field carries no retainage value
