import dataclasses
import datetime as dt

import pytest
from destination_spectrum.policy import Policy, PolicyFileError, VendorCompliance

POLICY = Policy.from_dict(
    {
        "routing": {
            "progress_billed_job_types": ["Construction Project"],
            "job_type_overrides": {"Retrofit": "hold", "Design Build": "post"},
        },
        "compliance": {"require_coi": True, "require_lien_waiver": True, "require_w9": True, "coi_grace_days": 5},
        "posting": {"default_mode": "detail", "modes": {"Service Call": "daily_summary"}},
    }
)
DAY = dt.date(2026, 11, 20)


def test_given_progress_billed_job_type_when_routing_then_held_as_routing_exception():
    decision = POLICY.route("Construction Project", "J1 in MEC", False)
    assert not decision.post and "progress billed (AIA)" in decision.reason and "job_type_overrides" in decision.reason


def test_given_spectrum_progress_billing_but_service_job_type_when_routing_then_ambiguous_hold():
    decision = POLICY.route("Service Call", "J1 in MEC", True)
    assert not decision.post and "ambiguous" in decision.reason


def test_given_no_job_type_when_routing_then_ambiguous_hold_names_the_fix():
    decision = POLICY.route("", "J1 in MEC", None)
    assert not decision.post and "sync the jobs stream" in decision.reason


def test_given_overrides_when_routing_then_policy_wins_both_ways():
    assert POLICY.route("Design Build", "J1", True).post
    held = POLICY.route("Retrofit", "J1", False)
    assert not held.post and "policy holds job type 'Retrofit'" in held.reason
    assert POLICY.route("Service Call", "J1", False).post


def test_given_posting_modes_when_asked_then_per_job_type_else_default():
    assert POLICY.posting_mode("service call") == "daily_summary"
    assert POLICY.posting_mode("Tenant Improvement") == "detail"


@pytest.mark.parametrize(
    ("vendor", "status", "reason"),
    [
        (VendorCompliance("V", coi_expiration=DAY), "O", ""),
        (VendorCompliance("V", coi_expiration=DAY - dt.timedelta(days=5)), "O", ""),  # inside the grace days
        (VendorCompliance("V", coi_expiration=DAY - dt.timedelta(days=6)), "H", "COI for vendor V expired 2026-11-14"),
        (VendorCompliance("V", coi_expiration=None, coi_on_file=False), "H", "no certificate of insurance"),
        (VendorCompliance("V", coi_expiration=DAY, lien_waiver_on_file=False), "H", "lien waiver missing"),
        (VendorCompliance("V", coi_expiration=DAY, tax_id_on_file=False), "H", "W-9 / tax id missing"),
        (VendorCompliance("V", found=False), "H", "not found in Spectrum"),
    ],
)
def test_given_vendor_facts_when_gating_then_status_and_reason(vendor, status, reason):
    decision = POLICY.compliance(vendor, "V", DAY)
    assert decision.status == status
    assert reason in decision.reason


def test_given_requirement_switched_off_when_gating_then_it_is_not_checked():
    relaxed = Policy.from_dict({"compliance": {"require_w9": False}})
    assert relaxed.compliance(VendorCompliance("V", coi_expiration=DAY, tax_id_on_file=False), "V", DAY).status == "O"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routing: {job_type_overrides: {X: maybe}}", "use hold or post"),
        ("posting: {modes: {X: weekly}}", "use detail or daily_summary"),
        ("compliance: {coi_grace_days: soon}", "use a whole number"),
        ("routing: [unclosed", "not valid YAML"),
        ("- a list", "must be a mapping"),
    ],
)
def test_given_a_bad_policy_file_when_loading_then_the_error_names_the_key_and_fix(tmp_path, text, expected):
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PolicyFileError, match=expected):
        Policy.load(path)


def test_given_no_policy_file_when_loading_then_error_says_what_to_set(tmp_path):
    with pytest.raises(PolicyFileError, match="set policy_path"):
        Policy.load(tmp_path / "nope.yml")


# Issue 19 (mutation survivors): the defaults and the spellings policy.yml may use, and the ambiguous flag that
# keeps the other gates running for an unclear route.


@pytest.mark.parametrize("strict", [Policy.from_dict({"compliance": {}}), Policy()], ids=["empty section", "no file"])
def test_given_no_compliance_settings_when_gating_then_coi_lien_waiver_and_w9_are_all_required(strict):
    for missing, reason in (
        ({"tax_id_on_file": False}, "W-9 / tax id missing"),
        ({"lien_waiver_on_file": False}, "lien waiver missing"),
        ({"coi_on_file": False}, "no certificate of insurance"),
    ):
        decision = strict.compliance(VendorCompliance("V", coi_expiration=DAY, **missing), "V", DAY)
        assert (decision.status, reason in decision.reason) == ("H", True), missing


def test_given_no_grace_days_when_gating_then_a_coi_that_expired_yesterday_holds_the_bill():
    yesterday = VendorCompliance("V", coi_expiration=DAY - dt.timedelta(days=1))
    for compliance in ({}, {"coi_grace_days": None}, {"coi_grace_days": 0}):
        assert Policy.from_dict({"compliance": compliance}).compliance(yesterday, "V", DAY).status == "H", compliance
    assert Policy().compliance(yesterday, "V", DAY).status == "H"  # no policy file at all
    assert Policy().compliance(VendorCompliance("V", coi_expiration=DAY), "V", DAY).status == "O"  # valid today
    assert Policy.from_dict({"compliance": {"grace_days": 1}}).compliance(yesterday, "V", DAY).status == "O"


@pytest.mark.parametrize("key", ["job_type_overrides", "overrides", "by_job_type"])
def test_given_each_spelling_of_routing_overrides_when_routing_then_the_override_wins(key):
    policy = Policy.from_dict({"routing": {"progress_billed_job_types": ["Project"], key: {"Project": "post"}}})
    assert policy.route("Project", "J1", True).post


def test_given_companies_cost_types_when_loading_then_each_company_keeps_its_own_codes():
    policy = Policy.from_dict(
        {"companies": {"MEC": {"cost_types": {"labor": "L", "sub": "S"}}, "FPR": None, "OLD": {"cost_types": None}}}
    )
    assert policy.cost_types == {"MEC": {"labor": "L", "sub": "S"}, "OLD": {}}


def test_given_a_decision_or_vendor_facts_when_a_caller_tries_to_change_them_then_they_are_read_only():
    # The same decision object is logged, counted and written to the ledger: no step may alter it on the way.
    for made in (POLICY.route("Retrofit", "J1", False), POLICY.compliance(None, "V", DAY), VendorCompliance("V")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.reason = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "posting",
    [
        {"default_mode": "daily_summary", "modes": {"Project": "detail"}},
        {"default": "daily_summary", "by_job_type": {"Project": "detail"}},
        {"default": "daily_summary", "job_types": {"Project": "detail"}},
        {"default_mode": "daily_summary", "Project": "detail"},  # job types listed directly under posting
    ],
)
def test_given_each_spelling_of_posting_modes_when_asked_then_the_job_type_and_the_default_are_read(posting):
    policy = Policy.from_dict({"posting": posting})
    assert policy.posting_mode("project") == "detail"
    assert policy.posting_mode("Service Call") == "daily_summary"


def test_given_an_unclear_route_when_routing_then_it_is_flagged_ambiguous_and_a_policy_hold_is_not():
    assert POLICY.route("Service Call", "J1", True).ambiguous
    assert POLICY.route("", "J1", None).ambiguous
    assert not POLICY.route("Construction Project", "J1", False).ambiguous
    assert not POLICY.route("Retrofit", "J1", True).ambiguous
