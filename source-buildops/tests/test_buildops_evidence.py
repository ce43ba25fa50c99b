"""Every BuildOps path, parameter, envelope and field source-buildops reads has a verdict in
docs/evidence/buildops.csv, and every unverified one is listed in source_buildops.assumptions (the one place).

Names as in the evidence file: `/v1/jobs` (path), `/v1/jobs?page_size` (param), `/v1/jobs {items,totalCount}`
(envelope), `invoices.payments[].id` (field). Names under a path no public client shows (assumptions.GUESSED_PATHS)
are covered by that path's entry.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from source_buildops.assumptions import CHANGE_TIME, GUESSED_PATHS, UNVERIFIED
from source_buildops.config import DEFAULT_PATHS, BuildOpsConfig
from source_buildops.streams import CHILD_LISTS, LIST_ENDPOINTS

EVIDENCE = Path(__file__).resolve().parents[2] / "docs" / "evidence" / "buildops.csv"
DEFAULTS = BuildOpsConfig(client_id="x", client_secret="x", tenant_ids=["7f3c2a9e-5b1d-4c8e-9a42-1d6e0b8f5c31"])
# Fields the connector reads by name, beyond each stream's id and change time.
READ_FIELDS = (
    "invoices.invoiceItems",
    "invoices.payments",
    "invoices.payments[].id",
    "invoices.projectId",
    "invoices.retainageAmount",
    "customer_representatives.customerId",
    "property_representatives.propertyId",
)


def evidence() -> dict[str, dict[str, str]]:
    with EVIDENCE.open(newline="", encoding="utf-8") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def _template(path: str) -> str:
    return re.sub(r"\{[A-Za-z]+\}", "{id}", path)


def connector_names() -> dict[str, str]:
    """name -> kind of everything the connector sends or reads with its default settings."""
    names: dict[str, str] = {_template(path): "path" for path in DEFAULT_PATHS.values()}
    for endpoint in LIST_ENDPOINTS:
        path = DEFAULT_PATHS[endpoint.stream]
        size = DEFAULTS.customers_page_size_param if endpoint.customers_paging else "page_size"
        params = ["page", size, *endpoint.params]
        if endpoint.server_side_since:
            params.append(DEFAULTS.jobs_updated_since_param)
        names.update({f"{path}?{p}": "param" for p in params})
        envelope = "items,totalCount" if endpoint.list_key == "items" else endpoint.list_key
        names[f"{path} {{{envelope}}}"] = "envelope"
    for child in CHILD_LISTS:
        path = _template(DEFAULT_PATHS[child.stream])
        names.update({f"{path}?page": "param", f"{path}?page_size": "param"})
        names[f"{path} {{items,totalCount}}"] = "envelope"
    invoices = DEFAULT_PATHS["invoices"]
    for param in ("page", "page_size", DEFAULTS.invoices_updated_since_param, "dateFilterType"):
        names[f"{invoices}?{param}"] = "param"
    names[f"{invoices} {{items,totalCount}}"] = "envelope"
    names[_template(DEFAULT_PATHS["projects"])] = "path"
    streams = [e.stream for e in LIST_ENDPOINTS] + [c.stream for c in CHILD_LISTS] + ["invoices", "projects"]
    for stream in streams:
        names.update({f"{stream}.{field}": "field" for field in ("id", *CHANGE_TIME)})
    names.update({field: "field" for field in READ_FIELDS})
    return names


def _under_a_guessed_path(name: str) -> bool:
    resource = name.split(".", 1)[0]
    return resource in GUESSED_PATHS or any(
        name.startswith(p + "?") or name.startswith(p + " ") for p in GUESSED_PATHS.values()
    )


def test_given_the_connector_when_checked_against_the_evidence_then_every_name_it_reads_has_a_verdict():
    known = evidence()
    names = connector_names()
    missing = sorted(name for name in names if name not in known)
    assert not missing, f"add these to {EVIDENCE.name} with a kind, a verdict and a source (or 'unverified'): {missing}"
    assert not [name for name, kind in names.items() if known[name]["kind"] != kind]
    contradicted = sorted(name for name in names if known[name]["verdict"] == "contradicted")
    assert not contradicted, f"the connector reads names real BuildOps does not have: {contradicted}"


def test_given_unverified_names_the_connector_reads_when_listed_then_assumptions_holds_every_one():
    known = evidence()
    guesses = {n for n in connector_names() if known[n]["verdict"] == "unverified" and not _under_a_guessed_path(n)}
    unlisted = sorted(guesses - UNVERIFIED)
    assert not unlisted, f"mark these in source_buildops/assumptions.py (a setting and a fallback each): {unlisted}"


def test_given_the_assumptions_table_when_checked_then_each_name_is_still_unverified_in_the_evidence():
    known = evidence()
    confirmed = sorted(n for n in UNVERIFIED if known.get(n, {}).get("verdict") != "unverified")
    assert not confirmed, f"evidence settled these: take them out of assumptions.py so the list shrinks: {confirmed}"
