"""The BuildOps twin over real HTTP: auth, tenancy, paging, params, envelopes, soft deletes, detail."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import orjson
import requests
from tieout_sandbox.credentials import CLIENT_ID, CLIENT_SECRET, MAIN_TENANT_ID, SECOND_TENANT_ID


def _lines(dataset, resource, tenant=MAIN_TENANT_ID):
    folder = dataset[0] / "buildops"
    if tenant != MAIN_TENANT_ID:
        folder = folder / "tenants" / tenant
    return [orjson.loads(line) for line in (folder / f"{resource}.jsonl").read_bytes().splitlines()]


def test_given_bad_credentials_when_requesting_a_token_then_401_with_error_and_message(running):
    response = requests.post(
        f"{running.buildops_url}/v1/auth/token", json={"clientId": CLIENT_ID, "clientSecret": "wrong"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "message": "Invalid client credentials"}


def test_given_no_secret_when_requesting_a_token_then_400_names_the_missing_field(running):
    response = requests.post(f"{running.buildops_url}/v1/auth/token", json={"clientId": CLIENT_ID}, timeout=10)
    assert response.status_code == 400
    assert response.json()["message"] == ["clientSecret should not be empty"]


def test_given_good_credentials_when_requesting_a_token_then_a_bearer_jwt_with_lifetime(running):
    response = requests.post(
        f"{running.buildops_url}/v1/auth/token", json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}, timeout=10
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 10800
    assert body["access_token"].count(".") == 2


def test_given_no_token_when_reading_then_401_says_the_header_is_missing(api):
    response = requests.get(f"{api.base}/v1/jobs", headers={"tenantId": MAIN_TENANT_ID}, timeout=10)
    assert response.status_code == 401
    assert "missing Authorization header" in response.json()["message"]


def test_given_a_forged_token_when_reading_then_401_invalid_token(api):
    forged = api.token[:-4] + ("AAAA" if not api.token.endswith("AAAA") else "BBBB")
    response = api.get("/v1/jobs", token=forged)
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized: invalid token"


def test_given_no_tenant_header_when_reading_then_400_asks_for_it(api):
    response = requests.get(f"{api.base}/v1/jobs", headers={"Authorization": f"Bearer {api.token}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["message"] == ["tenantId header is required (the tenant UUID)"]


def test_given_an_unknown_tenant_when_reading_then_403_names_the_tenant(api):
    response = api.get("/v1/jobs", tenant="00000000-0000-4000-8000-000000000000")
    assert response.status_code == 403
    assert "not authorised for tenant 00000000-0000-4000-8000-000000000000" in response.json()["message"]


def test_given_a_token_scoped_to_one_tenant_when_reading_another_then_403(api):
    scoped = api.new_token(tenantId=SECOND_TENANT_ID)
    assert api.get("/v1/jobs", token=scoped, tenant=SECOND_TENANT_ID).status_code == 200
    assert api.get("/v1/jobs", token=scoped, tenant=MAIN_TENANT_ID).status_code == 403


def test_given_an_unknown_tenant_when_requesting_a_scoped_token_then_403(api):
    response = requests.post(
        f"{api.base}/v1/auth/token",
        timeout=10,
        json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "tenantId": "00000000-0000-4000-8000-000000000000"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"


def test_given_the_scope_endpoint_when_called_then_both_tenants_are_listed(api):
    assert api.get("/v1/auth/scope").json() == {"tenantIds": [MAIN_TENANT_ID, SECOND_TENANT_ID]}


def test_given_the_second_tenant_when_listing_then_its_own_smaller_data_comes_back(api, dataset):
    second = api.get("/v1/jobs", params={"page_size": 1}, tenant=SECOND_TENANT_ID).json()["totalCount"]
    assert second == len(_lines(dataset, "jobs", SECOND_TENANT_ID))
    assert second != api.get("/v1/jobs", params={"page_size": 1}).json()["totalCount"]


def test_given_no_paging_params_when_listing_then_default_page_of_10_with_total(api, dataset):
    body = api.get("/v1/visits").json()
    assert len(body["items"]) == 10
    assert body["totalCount"] == len(_lines(dataset, "visits"))


def test_given_pages_of_100_when_reading_every_page_then_exactly_the_file_records_in_order(api, dataset):
    items, total = api.all_pages("/v1/jobs")
    expected = [r["id"] for r in _lines(dataset, "jobs")]
    assert [i["id"] for i in items] == expected and total == len(expected)


def test_given_a_page_past_the_end_when_listing_then_empty_items_and_the_total(api):
    body = api.get("/v1/quotes", params={"page": 10000, "page_size": 100}).json()
    assert body["items"] == [] and body["totalCount"] > 0


def test_given_page_size_over_100_when_listing_then_400_names_the_cap(api):
    response = api.get("/v1/jobs", params={"page_size": 101})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": ["page_size must not be greater than 100"],
        "error": "Bad Request",
    }


def test_given_a_negative_or_non_numeric_page_when_listing_then_400(api):
    assert api.get("/v1/jobs", params={"page": -1}).json()["message"] == ["page must not be less than 0"]
    assert api.get("/v1/jobs", params={"page": "x"}).json()["message"] == ["page must be an integer number"]


def test_given_an_unknown_query_param_when_listing_then_400_nestjs_message(api):
    response = api.get("/v1/invoices", params={"sort": "id"})  # no client was seen sending a sort
    assert response.status_code == 400
    assert response.json()["message"] == ["property sort should not exist"]


def test_given_jobs_when_paging_with_limit_then_it_sets_the_page_size_like_page_size(api):
    by_limit = api.get("/v1/jobs", params={"page": 1, "limit": 4}).json()
    by_page_size = api.get("/v1/jobs", params={"page": 1, "page_size": 4}).json()
    assert len(by_limit["items"]) == 4 and by_limit == by_page_size


def test_given_customers_when_paging_then_pages_start_at_1_and_page_0_repeats_page_1(api):
    page0, page1, page2 = (api.get("/v1/customers", params={"page": p, "limit": 3}).json() for p in (0, 1, 2))
    assert page0 == page1
    assert {c["id"] for c in page1["items"]}.isdisjoint(c["id"] for c in page2["items"])


def test_given_customers_when_paging_then_limit_is_the_size_param_and_page_size_is_rejected(api):
    assert len(api.get("/v1/customers", params={"limit": 3}).json()["items"]) == 3
    response = api.get("/v1/customers", params={"page_size": 3})
    assert response.status_code == 400
    assert response.json()["message"] == ["property page_size should not exist"]


def test_given_inactive_customers_when_listing_then_only_include_inactive_returns_them(api, dataset):
    records = _lines(dataset, "customers")
    _, default_total = api.all_pages("/v1/customers", size_param="limit", first_page=1)
    _, all_total = api.all_pages("/v1/customers", size_param="limit", first_page=1, include_inactive="true")
    assert all_total == len(records)
    assert default_total == sum(1 for r in records if r["isActive"] is not False) < all_total


def test_given_soft_deleted_records_when_listing_then_they_come_back_with_deleted_time(api, dataset):
    items, _ = api.all_pages("/v1/customers", size_param="limit", first_page=1, include_inactive="true")
    deleted = [i for i in items if i["audit"]["deletedDateTime"]]
    expected = [r for r in _lines(dataset, "customers") if r["audit"]["deletedDateTime"]]
    assert deleted and len(deleted) == len(expected)


def test_given_properties_when_listing_then_addresses_only_with_include_addresses(api):
    plain = api.get("/v1/properties", params={"page_size": 5}).json()["items"]
    rich = api.get("/v1/properties", params={"page_size": 5, "include_addresses": "true"}).json()["items"]
    assert all("addresses" not in p for p in plain)
    assert all(p["addresses"][0]["addressType"] == "propertyAddress" for p in rich)


def test_given_last_updated_date_start_when_listing_jobs_then_only_later_changes(api, dataset):
    cutoff_ms = 1788000000000
    items, total = api.all_pages("/v1/jobs", lastUpdatedDateStart="2026-08-29T10:40:00Z")
    expected = [r["id"] for r in _lines(dataset, "jobs") if r["audit"]["lastUpdatedDateTime"] >= cutoff_ms]
    assert [i["id"] for i in items] == expected and total == len(expected)
    assert 0 < total < len(_lines(dataset, "jobs"))


def test_given_a_bad_last_updated_date_start_when_listing_jobs_then_400_names_the_param(api):
    response = api.get("/v1/jobs", params={"lastUpdatedDateStart": "yesterday"})
    assert response.status_code == 400
    assert response.json()["message"] == ["lastUpdatedDateStart must be a valid ISO 8601 date string"]


def test_given_last_updated_date_start_on_another_stream_when_listing_then_400(api):
    response = api.get("/v1/invoices", params={"lastUpdatedDateStart": "2026-01-01T00:00:00Z"})
    assert response.json()["message"] == ["property lastUpdatedDateStart should not exist"]


def test_given_invoices_when_listing_then_headers_only_and_detail_carries_items_and_payments(api, dataset):
    header = api.get("/v1/invoices", params={"page_size": 1}).json()["items"][0]
    assert "invoiceItems" not in header and "payments" not in header
    detail = api.get(f"/v1/invoices/{header['id']}").json()
    on_file = next(r for r in _lines(dataset, "invoices") if r["id"] == header["id"])
    assert detail == on_file and detail["invoiceItems"]


def test_given_an_unknown_invoice_id_when_reading_detail_then_404_invoice_not_found(api):
    response = api.get("/v1/invoices/3f1c0e2a-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Invoice not found", "error": "Not Found"}


def test_given_an_unknown_path_when_reading_then_404_cannot_get(api):
    response = api.get("/v1/bills")
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot GET /v1/bills"


def test_given_departments_when_paging_then_wrapped_as_departments_and_paged(api, dataset):
    expected = [d["id"] for d in _lines(dataset, "departments")]
    first = api.get("/v1/departments", params={"page": 0, "page_size": 4}).json()
    second = api.get("/v1/departments", params={"page": 1, "page_size": 4}).json()
    assert list(first) == ["departments"]
    assert [d["id"] for d in first["departments"] + second["departments"]] == expected[:8]
    assert len(api.get("/v1/departments").json()["departments"]) == min(10, len(expected))


def test_given_job_types_when_paging_then_items_and_total_count(api, dataset):
    expected = [t["id"] for t in _lines(dataset, "job_types")]
    first = api.get("/v1/job-types", params={"page": 0, "page_size": 3}).json()
    assert sorted(first) == ["items", "totalCount"] and first["totalCount"] == len(expected)
    assert [t["id"] for t in first["items"]] == expected[:3]


def test_given_a_customer_when_listing_its_representatives_then_only_theirs(api, dataset):
    reps = _lines(dataset, "customer_representatives")
    customer = reps[0]["customerId"]
    body = api.get(f"/v1/customers/{customer}/our-representatives", params={"page_size": 100}).json()
    assert body["totalCount"] == sum(1 for r in reps if r["customerId"] == customer)
    assert {r["customerId"] for r in body["items"]} == {customer}
    missing = api.get("/v1/customers/00000000-0000-4000-8000-000000000000/our-representatives")
    assert missing.status_code == 404 and missing.json()["message"] == "Customer not found"


def test_given_a_property_when_listing_its_representatives_then_only_theirs_paged(api, dataset):
    reps = _lines(dataset, "property_representatives")
    per_property = Counter(r["propertyId"] for r in reps)
    prop, expected = per_property.most_common(1)[0]
    assert expected >= 2  # so that a page of 1 is a real page
    first = api.get(f"/v1/properties/{prop}/representatives", params={"page": 0, "page_size": 1}).json()
    second = api.get(f"/v1/properties/{prop}/representatives", params={"page": 1, "page_size": 1}).json()
    assert first["totalCount"] == second["totalCount"] == expected
    wanted = [r for r in reps if r["propertyId"] == prop]
    assert first["items"] + second["items"] == wanted[:2]


def test_given_every_property_when_listing_representatives_then_the_total_equals_truth(api, dataset):
    total = 0
    for prop in _lines(dataset, "properties"):
        total += api.get(f"/v1/properties/{prop['id']}/representatives").json()["totalCount"]
    assert total == dataset[1]["buildops"]["counts"]["property_representatives"] > 0


def test_given_an_unknown_property_when_listing_representatives_then_404_property_not_found(api):
    missing = api.get("/v1/properties/00000000-0000-4000-8000-000000000000/representatives")
    assert missing.status_code == 404
    assert missing.json() == {"statusCode": 404, "message": "Property not found", "error": "Not Found"}


def test_given_an_unknown_param_on_property_representatives_when_listing_then_400(api, dataset):
    prop = _lines(dataset, "property_representatives")[0]["propertyId"]
    response = api.get(f"/v1/properties/{prop}/representatives", params={"include_addresses": "true"})
    assert response.status_code == 400
    assert response.json()["message"] == ["property include_addresses should not exist"]
    too_big = api.get(f"/v1/properties/{prop}/representatives", params={"page_size": 101})
    assert too_big.json()["message"] == ["page_size must not be greater than 100"]


def test_given_property_representatives_when_reading_without_a_token_then_401(api, dataset):
    prop = _lines(dataset, "property_representatives")[0]["propertyId"]
    response = requests.get(
        f"{api.base}/v1/properties/{prop}/representatives", headers={"tenantId": MAIN_TENANT_ID}, timeout=10
    )
    assert response.status_code == 401


def test_given_the_second_tenant_when_listing_property_representatives_then_its_own_come_back(api, dataset):
    reps = _lines(dataset, "property_representatives", SECOND_TENANT_ID)
    prop = reps[0]["propertyId"]
    body = api.get(f"/v1/properties/{prop}/representatives", tenant=SECOND_TENANT_ID).json()
    assert body["totalCount"] == sum(1 for r in reps if r["propertyId"] == prop)
    assert api.get(f"/v1/properties/{prop}/representatives").status_code == 404  # not a main-tenant property


def test_given_every_paged_stream_when_reading_all_pages_then_counts_equal_truth(api, dataset):
    truth = dataset[1]["buildops"]["counts"]
    for path, resource in (
        ("/v1/visits", "visits"),
        ("/v1/payments", "payments"),
        ("/v1/quotes", "quotes"),
        ("/v1/pricebook/products", "pricebook_items"),
        ("/v1/vendors", "vendors"),
        ("/v1/purchase-orders", "purchase_orders"),
        ("/v1/timesheets", "timesheets"),
        ("/v1/service-agreements", "service_agreements"),
    ):
        assert api.get(path, params={"page_size": 1}).json()["totalCount"] == truth[resource], path
    assert api.get("/v1/employees", params={"include_inactive": "true"}).json()["totalCount"] == truth["employees"]


def test_given_a_non_json_body_when_requesting_a_token_then_400_shows_the_expected_shape(running):
    response = requests.post(f"{running.buildops_url}/v1/auth/token", data="clientId=x", timeout=10)
    assert response.status_code == 400
    assert response.json()["message"] == 'Request body must be a JSON object: {"clientId", "clientSecret"}'


def test_given_a_basic_auth_header_when_reading_then_401_malformed_bearer(api):
    response = requests.get(
        f"{api.base}/v1/jobs", timeout=10, headers={"Authorization": "Basic dXNlcjpwYXNz", "tenantId": MAIN_TENANT_ID}
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized: malformed bearer token"


def test_given_a_tenant_that_is_not_a_uuid_when_reading_then_400_says_so(api):
    response = api.get("/v1/jobs", tenant="acme")
    assert response.status_code == 400
    assert response.json()["message"] == ["tenantId must be a UUID"]


def test_given_a_non_boolean_include_inactive_when_listing_then_400_names_the_param(api):
    response = api.get("/v1/employees", params={"include_inactive": "yes"})
    assert response.status_code == 400
    assert response.json()["message"] == ["include_inactive must be a boolean value"]


def test_given_a_write_method_when_calling_a_list_path_then_404_cannot_post(api):
    response = api.session.post(
        f"{api.base}/v1/jobs",
        json={},
        timeout=10,
        headers={"Authorization": f"Bearer {api.token}", "tenantId": MAIN_TENANT_ID},
    )
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot POST /v1/jobs"


def test_given_query_params_on_a_detail_path_when_reading_then_400(api, dataset):
    invoice_id = _lines(dataset, "invoices")[0]["id"]
    response = api.get(f"/v1/invoices/{invoice_id}", params={"include": "items"})
    assert response.json()["message"] == ["property include should not exist"]


def test_given_the_tenant_as_a_query_param_when_reading_then_it_is_accepted(api):
    response = requests.get(
        f"{api.base}/v1/departments",
        params={"tenantId": SECOND_TENANT_ID},
        timeout=10,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200


def test_given_a_changed_since_filter_when_listing_invoices_then_only_those_changed_since_come_back(api, dataset):
    invoices = _lines(dataset, "invoices")
    stamps = sorted(i["audit"]["lastUpdatedDateTime"] for i in invoices)
    since_s = stamps[len(stamps) // 2] // 1000
    start = datetime.fromtimestamp(since_s, tz=timezone.utc).isoformat()
    items, total = api.all_pages("/v1/invoices", dateFilterType="lastUpdatedDateTime", start=start)
    expected = {i["id"] for i in invoices if i["audit"]["lastUpdatedDateTime"] >= since_s * 1000}
    assert total == len(expected) < len(invoices)
    assert {i["id"] for i in items} == expected


def test_given_status_and_number_filters_when_listing_invoices_then_only_matching_ones(api, dataset):
    invoices = _lines(dataset, "invoices")
    void, _ = api.all_pages("/v1/invoices", status="void")
    assert void and {i["status"] for i in void} == {"Void"}
    assert len(void) == sum(1 for i in invoices if i["status"] == "Void")
    one = api.get("/v1/invoices", params={"invoice_number": invoices[3]["invoiceNumber"]}).json()
    assert [i["id"] for i in one["items"]] == [invoices[3]["id"]]


def test_given_a_bad_invoice_filter_when_listing_then_400_names_the_parameter(api):
    bad_type = api.get("/v1/invoices", params={"dateFilterType": "paidDate", "start": "2026-01-01T00:00:00Z"})
    assert bad_type.status_code == 400
    assert bad_type.json()["message"] == [
        "dateFilterType must be one of the following values: issuedDate, dueDate, createdDateTime, lastUpdatedDateTime"
    ]
    bad_start = api.get("/v1/invoices", params={"start": "yesterday"})
    assert bad_start.json()["message"] == ["start must be a valid ISO 8601 date string"]


def test_given_a_job_when_reading_its_detail_then_visits_and_notes_are_embedded_but_not_listed(api, dataset):
    job = next(j for j in _lines(dataset, "jobs") if j["visits"])
    detail = api.get(f"/v1/jobs/{job['id']}").json()
    assert [v["visitNumber"] for v in detail["visits"]] == [v["visitNumber"] for v in job["visits"]]
    assert set(detail["visits"][0]) == {"id", "visitNumber", "scheduledFor", "status"} and "notes" in detail
    listed = api.get("/v1/jobs", params={"page_size": 5}).json()["items"]
    assert all("visits" not in j and "notes" not in j for j in listed)


def test_given_a_progress_billed_invoice_when_reading_its_project_then_schedule_of_values_and_retainage(api, dataset):
    projects = {p["id"]: p for p in _lines(dataset, "projects")}
    invoice = next(i for i in _lines(dataset, "invoices") if i["projectId"])
    project = api.get(f"/v1/projects/{invoice['projectId']}").json()
    assert project == projects[invoice["projectId"]] and invoice["projectName"] == project["name"]
    sov = sum(round(line["scheduledValue"] * 100) for line in project["scheduleOfValues"])
    assert sov == round(project["contractAmount"] * 100) and project["retainagePercent"] > 0
    assert api.get("/v1/projects").status_code == 404  # no list is public: read by id only
    missing = api.get("/v1/projects/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["message"] == "Project not found"


def test_given_a_customer_when_reading_representatives_by_either_path_or_by_id_then_the_same_contacts(api, dataset):
    rep = _lines(dataset, "customer_representatives")[0]
    ours = api.get(f"/v1/customers/{rep['customerId']}/our-representatives").json()
    theirs = api.get(f"/v1/customers/{rep['customerId']}/representatives").json()
    assert ours == theirs and rep["id"] in {r["id"] for r in theirs["items"]}
    assert api.get(f"/v1/representatives/{rep['id']}").json()["id"] == rep["id"]


def test_given_a_job_or_quote_number_when_listing_then_only_that_record(api, dataset):
    job = _lines(dataset, "jobs")[5]
    body = api.get("/v1/jobs", params={"job_number": job["jobNumber"]}).json()
    assert [j["id"] for j in body["items"]] == [job["id"]] and body["totalCount"] == 1
    quote = _lines(dataset, "quotes")[2]
    assert [q["id"] for q in api.get("/v1/quotes", params={"quote_number": quote["quoteNumber"]}).json()["items"]] == [
        quote["id"]
    ]
    assert api.get("/v1/jobs", params={"job_number": "no-such-job"}).json() == {"items": [], "totalCount": 0}
