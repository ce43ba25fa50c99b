"""Every BuildOps path, parameter, envelope and field the twin serves has a verdict in docs/evidence/buildops.csv.

The evidence (name, kind, verdict, public source, note) is derived from
../shared/reference/buildops-api-evidence.md by scripts/write_buildops_evidence.py (rerun it when the twin serves
something new, and review the diff). Names: `/v1/jobs` (path), `/v1/jobs?page_size` (param),
`/v1/jobs {items,totalCount}` (envelope), `jobs.departments[].id` (field: resource, then the key path, `[]`
for a list). `unverified` marks a guess, so the list of guesses stays visible and can only be shrunk by evidence;
a contradicted name the twin still serves must be listed in STILL_TO_FIX (the visible debt).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tieout_sandbox.buildops import api
from tieout_sandbox.buildops.generator import RESOURCES, generate

EVIDENCE = Path(__file__).resolve().parents[2] / "docs" / "evidence" / "buildops.csv"
VERDICTS = {"confirmed", "contradicted", "unverified"}
KINDS = {"path", "param", "envelope", "field"}
# Contradicted names the twin still serves. Remove an entry when it is fixed.
STILL_TO_FIX: set[str] = set()


def evidence() -> dict[str, dict[str, str]]:
    with EVIDENCE.open(newline="", encoding="utf-8") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def _fields(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            yield name
            yield from _fields(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item, prefix + "[]")


@pytest.fixture(scope="module")
def twin_names() -> dict[str, str]:
    """name -> kind for everything the twin serves (fields from a generated contractor, detail forms)."""
    names = {"/v1/auth/token": "path", "/v1/auth/scope": "path"}
    routes = list(api.ROUTES.items())
    routes += [(pattern.pattern.strip("^$").replace("([^/]+)", "{id}"), route) for pattern, route in api.CHILD_ROUTES]
    names.update({f"{path}/{{id}}": "path" for path in api.DETAIL_ONLY})
    for path, route in routes:
        names[path] = "path"
        names.update({f"{path}?{param}": "param" for param in ("page", *route.size_params, *route.extra)})
        envelope = "items,totalCount" if route.envelope == "items" else route.envelope
        names[f"{path} {{{envelope}}}"] = "envelope"
        if route.envelope == "items" and route.parent is None:
            names[f"{path}/{{id}}"] = "path"
    data = generate(seed=3, scale=0.03)
    for resource in RESOURCES:
        for record in data[resource]:
            names.update({f"{resource}.{name}": "field" for name in _fields(record)})
    return names


def test_given_the_evidence_file_when_read_then_every_row_has_a_kind_a_verdict_and_a_source_when_known():
    rows = evidence().values()
    assert {r["kind"] for r in rows} <= KINDS and {r["verdict"] for r in rows} <= VERDICTS
    unsourced = sorted(r["name"] for r in rows if r["verdict"] != "unverified" and not r["source"])
    assert not unsourced, f"a confirmed or contradicted name needs its public source: {unsourced}"


def test_given_the_twin_when_checked_against_the_evidence_then_every_name_it_serves_has_a_verdict(twin_names):
    known = evidence()
    missing = sorted(name for name in twin_names if name not in known)
    assert not missing, f"add these to {EVIDENCE.name} with a kind, a verdict and a source (or 'unverified'): {missing}"
    wrong_kind = sorted(name for name, kind in twin_names.items() if known[name]["kind"] != kind)
    assert not wrong_kind


def test_given_contradicted_names_when_the_twin_still_serves_them_then_they_are_exactly_the_still_to_fix_list(
    twin_names,
):
    known = evidence()
    contradicted = {name for name in twin_names if known[name]["verdict"] == "contradicted"}
    assert contradicted == STILL_TO_FIX, "the twin serves names real BuildOps does not have (see the evidence's note)"


def test_given_the_twin_when_counting_its_guesses_then_the_unverified_share_is_visible(twin_names):
    known = evidence()
    guessed = sorted(name for name in twin_names if known[name]["verdict"] == "unverified")
    # Visible, not a target: the reference has no public field list for visits, timesheets, purchase orders,
    # vendors, pricebook products, service agreements or property contacts, so their fields are guesses.
    assert "/v1/visits" in guessed and "invoices.payments[].id" in guessed
    assert "invoices.invoiceNumber" not in guessed and "/v1/departments {departments}" not in guessed
