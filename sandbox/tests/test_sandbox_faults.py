"""Faults on demand: 429 + Retry-After, 5xx bursts, resets, early token expiry; seeded and transient."""

from __future__ import annotations

import pytest
import requests
from tieout_sandbox.buildops.faults import FaultPlan, FaultSpecError


def _statuses(api, path, n=60):
    out = []
    for page in range(n):
        try:
            out.append(api.get(path, params={"page": page, "page_size": 5}).status_code)
        except requests.ConnectionError:
            out.append("reset")
    return out


def test_given_a_429_rate_when_reading_then_some_pages_are_throttled_with_retry_after(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="429:0.5,seed=3,retry_after=2"))
    responses = [api.get("/v1/visits", params={"page": p}) for p in range(30)]
    throttled = [r for r in responses if r.status_code == 429]
    assert 5 <= len(throttled) <= 25
    assert throttled[0].headers["Retry-After"] == "2"
    assert throttled[0].json()["message"] == "ThrottlerException: Too Many Requests"
    assert any(r.status_code == 200 for r in responses)


def test_given_a_5xx_rate_when_retrying_one_page_then_a_burst_of_errors_then_success(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="5xx:0.3,seed=4,burst=3"))
    for page in range(40):  # find a page whose first attempt failed, then retry it
        first = api.get("/v1/jobs", params={"page": page})
        if first.status_code >= 500:
            break
    else:
        pytest.fail("no 5xx in 40 requests at rate 0.3")
    retries = [api.get("/v1/jobs", params={"page": page}).status_code for _ in range(6)]
    assert retries[:2] == [first.status_code] * 2  # the burst: the same request keeps failing
    assert 200 in retries  # and then recovers (faults are transient)


def test_given_a_reset_rate_when_reading_then_connections_drop_without_a_response(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="reset:0.5,seed=5"))
    statuses = _statuses(api, "/v1/quotes", n=30)
    assert "reset" in statuses and 200 in statuses


def test_given_an_expire_rate_when_reading_then_the_token_dies_early_and_a_new_one_works(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="expire:0.5,seed=6"))
    for page in range(30):
        response = api.get("/v1/visits", params={"page": page})
        if response.status_code == 401:
            break
    else:
        pytest.fail("no early expiry in 30 requests at rate 0.5")
    assert response.json()["message"] == "Unauthorized: token expired"
    assert api.get("/v1/departments").status_code == 401  # the token stays dead
    api.token = api.new_token()
    assert api.get("/v1/departments").status_code in (200, 401)


def test_given_the_same_seed_when_replaying_requests_then_the_same_faults_happen(fresh_sandbox, make_api):
    spec = "429:0.2,5xx:0.2,seed=11"
    first = _statuses(make_api(fresh_sandbox(faults=spec)), "/v1/visits", n=40)
    second = _statuses(make_api(fresh_sandbox(faults=spec)), "/v1/visits", n=40)
    assert first == second and set(first) - {200}


def test_given_any_fault_rate_when_retrying_then_a_request_succeeds_within_max_consecutive(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="429:1,seed=1,max_consecutive=3"))
    statuses = [api.get("/v1/jobs", params={"page": 0}).status_code for _ in range(8)]
    assert statuses == [429, 429, 429, 200] * 2


def test_given_faults_when_stats_are_read_then_injected_faults_are_counted(fresh_sandbox, make_api):
    running = fresh_sandbox(faults="429:0.5,seed=2")
    api = make_api(running)
    codes = [api.get("/v1/visits", params={"page": p}).status_code for p in range(20)]
    stats = requests.get(f"{running.buildops_url}/_sandbox/stats", timeout=10).json()
    assert stats["faults"]["429"] == codes.count(429) > 0


def test_given_a_running_twin_when_faults_are_posted_then_they_apply_from_the_next_request(fresh_sandbox, make_api):
    running = fresh_sandbox()
    api = make_api(running)
    assert api.get("/v1/jobs").status_code == 200
    requests.post(f"{running.buildops_url}/_sandbox/faults", data="429:1,max_consecutive=100", timeout=10)
    assert api.get("/v1/jobs").status_code == 429
    requests.post(f"{running.buildops_url}/_sandbox/faults", data="", timeout=10)
    assert api.get("/v1/jobs").status_code == 200


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("boom:0.1", "unknown fault 'boom'"),
        ("429:2", "429 needs a probability between 0 and 1"),
        ("429", "429 needs a probability between 0 and 1"),
        ("seed=x", "seed must be a whole number"),
        ("colour=red", "unknown option 'colour'"),
        ("429:0.6,5xx:0.6", "add up to more than 1"),
    ],
)
def test_given_a_bad_fault_spec_when_parsing_then_the_error_names_the_problem(spec, message):
    with pytest.raises(FaultSpecError, match=message):
        FaultPlan.parse(spec)


def test_given_a_spec_with_spectrum_kinds_when_parsing_then_they_are_left_to_the_spectrum_twin():
    plan = FaultPlan.parse("429:0.1,soap_fault:GetJob,5xx_burst:2,spectrum.5xx_every:3,seed=4")
    assert plan.rates == {"429": 0.1} and plan.seed == 4


def test_given_spectrum_and_buildops_faults_when_serving_then_both_twins_start(fresh_sandbox, make_api):
    api = make_api(fresh_sandbox(faults="429:1,max_consecutive=1,soap_fault:GetJob"))
    assert api.get("/v1/jobs").status_code == 429


def test_given_a_bad_spec_posted_to_a_running_twin_when_parsing_then_400_names_the_fault(running):
    response = requests.post(f"{running.buildops_url}/_sandbox/faults", data="boom:1", timeout=10)
    assert response.status_code == 400
    assert "unknown fault 'boom'" in response.json()["message"]
