"""Customers keyed differently in the two systems (issue 15 section 4): name_variants and the Spectrum side."""

from __future__ import annotations

import csv
import random
import re

import pytest
from tieout_sandbox import name_variants as nv
from tieout_sandbox.dataset import generate_dataset


def test_given_the_same_seed_when_varying_then_the_result_is_the_same_and_another_seed_differs():
    def run(seed):
        rng = random.Random(seed)
        return [nv.vary("Summit Mechanical Services", "4120 Main St", rng, 2) for _ in range(50)]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_given_many_customers_when_varying_then_every_kind_occurs_and_each_changes_the_pair():
    rng = random.Random(5)
    seen: dict[str, int] = {}
    for i in range(400):
        name, street = f"Heritage Medical Center {i % 3 or ''}".strip(), f"{100 + i} Belt Line Rd"
        new_name, new_street, kinds = nv.vary(name, street, rng, 1 + i % 2)
        assert len(kinds) == 1 + i % 2 and len(set(kinds)) == len(kinds)
        assert (new_name, new_street) != (name, street)
        for kind in kinds:
            seen[kind] = seen.get(kind, 0) + 1
    assert set(seen) == set(nv.KINDS)
    assert min(seen.values()) >= 40


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Lone Star Mechanical, Inc.", "Lone Star Mechanical"), ("Cedar Foods LLC", "Cedar Foods"), ("Mesa Co.", "Mesa")],
)
def test_given_a_legal_suffix_when_varying_it_then_it_is_dropped(name, expected):
    assert nv.legal_suffix(name, random.Random(1)) == expected


def test_given_no_legal_suffix_when_varying_it_then_one_is_added():
    out = nv.legal_suffix("Granite Properties", random.Random(1))
    assert out.startswith("Granite Properties") and re.search(r"(Inc\.?|LLC|Corp\.|Co\.|Ltd\.)$", out)


def test_given_words_with_short_forms_when_abbreviating_then_both_directions_and_the_street_occur():
    rng = random.Random(2)
    outs = {nv.abbreviate("Pinnacle Mechanical Corporation", "88 Commerce Street", rng) for _ in range(60)}
    assert ("Pinnacle Mech Corporation", "88 Commerce Street") in outs
    assert ("Pinnacle Mechanical Corp", "88 Commerce Street") in outs
    assert ("Pinnacle Mechanical Corporation", "88 Commerce St") in outs
    assert nv.abbreviate("Pinnacle Mech", "1 Elm St", random.Random(3)) in {
        ("Pinnacle Mechanical", "1 Elm St"),
        ("Pinnacle Mech", "1 Elm Street"),
    }
    assert nv.abbreviate("Beacon", "", random.Random(3)) is None


def test_given_a_street_when_adding_a_suite_then_it_is_appended_once():
    out = nv.suite("910 Coit Rd", random.Random(4))
    assert out is not None and re.fullmatch(r"910 Coit Rd (Ste\.?|Suite|#) \d+", out)
    assert nv.suite(out, random.Random(4)) is None
    assert nv.suite("", random.Random(4)) is None


def test_given_a_name_when_mistyping_then_one_letter_differs_and_the_first_letter_stays():
    rng = random.Random(6)
    for _ in range(100):
        out = nv.typo("Stonebridge Logistics", rng)
        assert out and out != "Stonebridge Logistics" and out[0] == "S"
        assert abs(len(out) - len("Stonebridge Logistics")) <= 1
    assert nv.typo("ABC Co", rng) is None


def test_given_a_generated_twin_when_names_vary_then_only_spectrum_changes_and_the_links_stay(tmp_path):
    truth = generate_dataset(tmp_path, seed=4, scale=0.05)
    variants = truth["mapping"]["customer_variants"]
    links = truth["mapping"]["customer_links"]
    # About a third of the crosswalk-linked customers, every kind present at this scale.
    assert 0.2 * len(links) <= len(variants) <= 0.45 * len(links)
    assert {k for v in variants for k in v["kinds"]} == set(nv.KINDS)
    with (tmp_path / "mapping" / "customer_crosswalk.csv").open(newline="") as handle:
        crosswalk = {(r["company_code"], r["customer_code"]): r["buildops_customer_id"] for r in csv.DictReader(handle)}
    by_link = {(r["company_code"], r["customer_code"]): r["buildops_customer_id"] for r in links}
    for v in variants:
        key = (v["company_code"], v["customer_code"])
        # Only customers the crosswalk links vary (dbt would otherwise lose the name match), and the link holds.
        assert crosswalk[key] == by_link[key] == v["buildops_customer_id"]
        assert (v["spectrum_name"], v["spectrum_address_1"]) != (v["buildops_name"][:30], v["buildops_address_1"])
    assert generate_dataset(tmp_path / "again", seed=4, scale=0.05)["mapping"]["customer_variants"] == variants
