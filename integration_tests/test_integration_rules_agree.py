"""The mapping, routing and compliance rules are enforced twice: by destination-spectrum when it posts, and by
the dbt `exceptions` model when it reports. Both read the same cost_code_mapping.csv and policy.yml
(STYLE.md: "a test runs both on the same data and compares their verdicts"). This module does exactly that:

- one generated contractor (scale 0.1, seed 2: subcontract POs and every compliance lapse exist), served by
  `tieout-sandbox serve` on free loopback ports;
- destination-spectrum in `dry_run` over what `source-buildops read` emits for its streams: dry run writes
  nothing (no ledger rows, no Spectrum batches) and reports each verdict as a `dry_run: {...}` LOG line;
- the same BuildOps records plus Spectrum landed through PyAirbyte (the demo's `sync_source`), then
  `dbt build` (the demo's `dbt_build`);
- the verdicts compared per rule, by invoice, job or purchase order.

The destination's verdicts are read from its messages (the `reason` the ledger would keep), the dbt verdicts
from `exceptions`, expanded to invoices through `int_invoice_lines_mapped` where an exception row is keyed by
product or phase rather than by invoice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from tieout_it import VENV_BIN, generate, run_cli, serve
from tieout_it import executable as console_script

SCALE = 0.1
SEED = 2
# The streams destination-spectrum consumes (its committed configured catalog): vendors is among them, since
# a sub bill finds its Spectrum vendor code through the vendor record's vendorNumber.
DESTINATION_STREAMS = ("jobs", "vendors", "invoices", "invoice_items", "purchase_orders")
ROOT = Path(__file__).resolve().parent.parent

UNMAPPED = "no mapping for"  # mapping.LineProblem: no rule resolves the line
MISSING_PHASE = "does not have in its Spectrum phase grid"  # resolved, but not on the job's grid
AMBIGUOUS = ("routing: ambiguous", "has no job type")  # policy.Policy.route, ambiguous=True
PROGRESS_BILLED = "is progress billed (AIA)"  # policy.Policy.route: Spectrum bills the job by draws
NO_SPECTRUM_JOB = "resolves to no Spectrum job in job_crosswalk.csv"  # lookups.Lookups.target


@dataclass(frozen=True)
class DestinationVerdicts:
    held_reasons: dict[str, str]  # invoice / PO id -> why it is held
    ap_status: dict[str, str]  # sub bill (PO id) -> Status H or O it would be posted with
    ap_reasons: dict[str, str]  # sub bill (PO id) -> reason (names the compliance lapses when H)

    def held_for(self, *markers: str) -> set[str]:
        return {key for key, reason in self.held_reasons.items() if any(m in reason for m in markers)}


@dataclass(frozen=True)
class Verdicts:
    destination: DestinationVerdicts
    warehouse: Path
    data_dir: Path

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def ids(self, sql: str) -> set[str]:
        return {row[0] for row in self.query(sql)}

    def job_of_invoice(self) -> dict[str, str]:
        return dict(self.query("select invoice_id, job_id from main.stg_buildops__invoices"))

    def invoices_on_spectrum_jobs(self) -> set[str]:
        """Invoices whose job job_crosswalk.csv sends to a job in Spectrum's job file (JC_JOB_MASTER_MC as
        source-spectrum lands it): the crosswalk's rows applied here by hand to the staged BuildOps jobs, one-to-one
        rows and patterns alike, never equal numbers (projects and umbrella service jobs carry Spectrum numbers of
        their own)."""
        crosswalk = self.data_dir / "mapping" / "job_crosswalk.csv"
        return self.ids(f"""
            with rows as (select * from read_csv('{crosswalk}', all_varchar = true, header = true)),
            jobs as (
                select
                    j.job_id as id, upper(j.job_number) as job_number, upper(j.job_type_name) as job_type,
                    upper(j.department_name) as department, d.company_code as department_company,
                    cast(year(j.created_date) as varchar) as created_year
                from main.stg_buildops__jobs as j
                left join main.stg_buildops__departments as d on d.department_id = j.department_id
            ),
            candidates as (
                select jobs.id, r.company_code, r.spectrum_job_number,
                    case r.match_type when 'job_number' then 1 when 'job_type' then 2 else 3 end as match_rank,
                    case when coalesce(r.year, '') = '' then 2 else 1 end as year_rank
                from jobs inner join rows as r
                    on (r.match_type = 'job_number' and upper(r.match_value) = jobs.job_number)
                    or (r.match_type = 'job_type' and upper(r.match_value) = jobs.job_type
                        and upper(r.company_code) = jobs.department_company)
                    or (r.match_type = 'department' and upper(r.match_value) = jobs.department)
                where coalesce(r.year, '') in ('', jobs.created_year)
            ),
            resolved as (
                select * from candidates
                qualify row_number() over (partition by id order by match_rank, year_rank) = 1
            )
            select i.id
            from buildops_raw.invoices as i
            inner join resolved as x on x.id = i.jobid
            inner join spectrum_raw.jobs as s
                on s.company_code = x.company_code and trim(s.job_number) = x.spectrum_job_number
        """)


def _destination_dry_run(sandbox, workdir: Path) -> DestinationVerdicts:
    source_catalog = json.loads((ROOT / "catalog/source-buildops/configured_catalog.json").read_text())
    source_catalog["streams"] = [s for s in source_catalog["streams"] if s["stream"]["name"] in DESTINATION_STREAMS]
    (workdir / "source_catalog.json").write_text(json.dumps(source_catalog))
    read = run_cli(
        [
            console_script("source-buildops"),
            "read",
            "--config",
            str(sandbox.config_file("source-buildops")),
            "--catalog",
            str(workdir / "source_catalog.json"),
        ],
        timeout=300,
    )
    assert read.returncode == 0, read.output()[-3000:]
    assert {r["stream"] for r in read.records} == set(DESTINATION_STREAMS)

    config = {
        **sandbox.config("destination-spectrum"),
        "dry_run": True,
        "ledger_path": str(workdir / "dry_run_ledger.duckdb"),
    }
    (workdir / "destination.json").write_text(json.dumps(config))
    write = run_cli(
        [
            console_script("destination-spectrum"),
            "write",
            "--config",
            str(workdir / "destination.json"),
            "--catalog",
            str(ROOT / "catalog/destination-spectrum/configured_catalog.json"),
        ],
        stdin=read.stdout,
        timeout=300,
    )
    assert write.returncode == 0, write.output()[-3000:]
    plans = [
        json.loads(m["log"]["message"].removeprefix("dry_run: "))
        for m in write.of_type("LOG")
        if m["log"]["message"].startswith("dry_run: ")
    ]
    assert plans, f"dry run reported no verdicts:\n{write.output()[-3000:]}"
    held = {p["source_key"]: p["reason"] for p in plans if p.get("state") == "held"}
    ap = [p for p in plans if p.get("kind") == "AP"]
    return DestinationVerdicts(
        held, {p["source_key"]: p["status"] for p in ap}, {p["source_key"]: p.get("reason", "") for p in ap}
    )


def _land_and_build(sandbox, workdir: Path) -> Path:
    from tieout_demo.dbt_runner import dbt_build
    from tieout_demo.sync import sync_source

    warehouse = workdir / "warehouse" / "tieout.duckdb"
    warehouse.parent.mkdir()
    sync_source("source-buildops", sandbox.config_file("source-buildops"), warehouse, "buildops_raw")
    sync_source("source-spectrum", sandbox.config_file("source-spectrum"), warehouse, "spectrum_raw")
    # No ledger file in the data directory: dbt sees only what BuildOps and Spectrum hold, never the dry run.
    dbt_build(warehouse, sandbox.data_dir, log_file=workdir / "dbt.log")
    return warehouse


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> Iterator[Verdicts]:
    workdir = tmp_path_factory.mktemp("rules_agree")
    data_dir = generate(workdir / "data", scale=SCALE, seed=SEED)
    # sync_source and dbt_build find the connectors and dbt on PATH, as the demo does.
    saved_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{saved_path}"
    started = time.monotonic()
    try:
        with serve(data_dir) as sandbox:
            destination = _destination_dry_run(sandbox, workdir)
            warehouse = _land_and_build(sandbox, workdir)
    finally:
        os.environ["PATH"] = saved_path
    print(f"rules_agree: sandbox, dry run, landing and dbt build took {time.monotonic() - started:.0f} s")
    yield Verdicts(destination, warehouse, data_dir)


# ---------------------------------------------------------------------------------------------------------
# Mapping: unmapped_pricebook_item and mapping_to_missing_phase vs invoices held for a missing mapping
# ---------------------------------------------------------------------------------------------------------

# `exceptions` only reports lines on jobs Spectrum holds (a job Spectrum does not know is Spectrum's to
# reject, and has no phase grid to check); the destination still reports an unmapped line there. Both sides
# are restricted to invoices on jobs in Spectrum's job file, computed from the raw Spectrum jobs, not from
# either rule.


def test_given_same_data_when_mapping_has_no_rule_then_held_invoices_equal_unmapped_pricebook_item(verdicts):
    on_spectrum_jobs = verdicts.invoices_on_spectrum_jobs()
    held = verdicts.destination.held_for(UNMAPPED) & on_spectrum_jobs
    reported = (
        verdicts.ids("""
        select distinct l.invoice_id
        from main.exceptions as e
        inner join main.int_invoice_lines_mapped as l
            on l.company_code = e.company_code and l.product_code is not distinct from e.product_code
        where e.exception_type = 'unmapped_pricebook_item'
          and l.mapping_status = 'unmapped' and l.spectrum_job_number is not null and not l.is_progress_billed_type
    """)
        & on_spectrum_jobs
    )
    assert held, "the generated data should hold invoices for unmapped pricebook items"
    assert held == reported, {
        "held by destination only": sorted(held - reported),
        "reported by dbt only": sorted(reported - held),
    }


def test_given_same_data_when_mapping_points_off_grid_then_held_invoices_equal_mapping_to_missing_phase(verdicts):
    on_spectrum_jobs = verdicts.invoices_on_spectrum_jobs()
    held = verdicts.destination.held_for(MISSING_PHASE) & on_spectrum_jobs
    reported = (
        verdicts.ids("""
        select distinct l.invoice_id
        from main.exceptions as e
        inner join main.int_invoice_lines_mapped as l
            on l.company_code = e.company_code and l.spectrum_job_number = e.job_number
            and l.phase_code = e.phase_code and l.cost_type = e.cost_type
        where e.exception_type = 'mapping_to_missing_phase' and l.mapping_status = 'phase_not_on_job'
    """)
        & on_spectrum_jobs
    )
    assert held, "the generated data should map some lines to phase 250, which no job has"
    assert held == reported, {
        "held by destination only": sorted(held - reported),
        "reported by dbt only": sorted(reported - held),
    }


def test_given_same_data_when_a_job_has_no_crosswalk_row_then_held_invoices_equal_job_unmatched(verdicts):
    # The destination holds every live invoice whose job job_crosswalk.csv covers with no row; dbt reports each
    # as job_unmatched. Both read the same file.
    held = verdicts.destination.held_for(NO_SPECTRUM_JOB)
    reported = verdicts.ids("""
        select i.invoice_id
        from main.exceptions as e
        inner join main.stg_buildops__invoices as i
            on i.job_id = e.buildops_job_id and i.canonical_invoice_number is not null
        where e.exception_type = 'job_unmatched' and not i.is_deleted and not i.is_draft_or_void
    """)
    assert held, "the generated data should leave a few jobs out of the job crosswalk"
    assert held == reported, {
        "held by destination only": sorted(held - reported),
        "reported by dbt only": sorted(reported - held),
    }


# ---------------------------------------------------------------------------------------------------------
# Routing: routing_ambiguous vs invoices held for routing
# ---------------------------------------------------------------------------------------------------------


def test_given_same_data_when_service_job_has_aia_draws_then_ambiguous_holds_equal_routing_ambiguous(verdicts):
    # `routing_ambiguous` has two kinds. A service job with AIA draws is ambiguous to both sides. A
    # progress-billed job whose BuildOps invoice was already posted to Spectrum AR ("billed from both
    # sides") is history the destination never sees as such: policy says Spectrum bills the job, so the
    # destination holds its invoices plainly for routing (next test). Both sides are restricted to jobs
    # whose type policy does not progress-bill.
    job_of = verdicts.job_of_invoice()
    held_jobs = {job_of[invoice] for invoice in verdicts.destination.held_for(*AMBIGUOUS)}
    reported_jobs = verdicts.ids("""
        select e.buildops_job_id
        from main.exceptions as e
        inner join main.int_jobs as j on j.buildops_job_id = e.buildops_job_id
        where e.exception_type = 'routing_ambiguous' and not coalesce(j.is_progress_billed_type, false)
    """)
    assert held_jobs, "the generated data should have service jobs with hand-made AIA applications"
    assert held_jobs == reported_jobs, {
        "held by destination only": sorted(held_jobs - reported_jobs),
        "reported by dbt only": sorted(reported_jobs - held_jobs),
    }


def test_given_same_data_when_progress_job_was_billed_from_both_sides_then_destination_holds_every_invoice(
    verdicts,
):
    # The other kind of routing_ambiguous: dbt reports the job because a BuildOps invoice of it already sits in
    # Spectrum AR. The destination's verdict on the same job: every live invoice held for routing, none
    # posted (again), which is what keeps the job from being billed twice.
    both_sides_jobs = verdicts.ids("""
        select e.buildops_job_id
        from main.exceptions as e
        inner join main.int_jobs as j on j.buildops_job_id = e.buildops_job_id
        where e.exception_type = 'routing_ambiguous' and j.is_progress_billed_type
    """)
    invoices = verdicts.ids(f"""
        select invoice_id from main.stg_buildops__invoices
        where not is_deleted and not is_draft_or_void
          and job_id in ({", ".join(f"'{job}'" for job in both_sides_jobs) or "''"})
    """)
    assert both_sides_jobs and invoices, "the generated data should post 2 progress invoices from both sides"
    not_held = {
        i: verdicts.destination.held_reasons.get(i, "not held")
        for i in invoices
        if PROGRESS_BILLED not in verdicts.destination.held_reasons.get(i, "")
    }
    assert not not_held


def test_given_same_data_when_policy_progress_bills_a_job_type_then_held_jobs_equal_progress_jobs_in_dbt(verdicts):
    # Not an exception type: the route itself (int_jobs, the model under routing_ambiguous) against the
    # destination's routing holds, over jobs with a live BuildOps invoice (the only ones the destination sees).
    job_of = verdicts.job_of_invoice()
    held_jobs = {job_of[invoice] for invoice in verdicts.destination.held_for(PROGRESS_BILLED)}
    routed_jobs = verdicts.ids("""
        select distinct i.job_id
        from main.stg_buildops__invoices as i
        inner join main.int_jobs as j on j.buildops_job_id = i.job_id
        where j.is_progress_billed_type and not i.is_deleted and not i.is_draft_or_void
    """)
    assert held_jobs == routed_jobs, {
        "held by destination only": sorted(held_jobs - routed_jobs),
        "progress billed in dbt only": sorted(routed_jobs - held_jobs),
    }


# ---------------------------------------------------------------------------------------------------------
# Compliance: compliance_lapsed_assignment vs sub bills posted with Status H
# ---------------------------------------------------------------------------------------------------------


def _lapses(reason: str) -> frozenset[str]:
    found = set()
    if "COI" in reason or "certificate of insurance" in reason:
        found.add("coi")
    if "W-9" in reason:
        found.add("w9")
    if "lien waiver" in reason:
        found.add("lien_waiver")
    if "not found in Spectrum" in reason:
        found.add("vendor_not_in_spectrum")
    return frozenset(found)


def test_given_same_data_when_sub_compliance_lapsed_then_status_h_bills_equal_compliance_lapsed_assignment(
    verdicts,
):
    # Same population on both sides without restriction: the destination runs the gate on every live
    # subcontract PO it can code (including the ones Spectrum already holds, found after the gate), dbt on
    # every live subcontract PO on a Spectrum job.
    on_hold = {po for po, status in verdicts.destination.ap_status.items() if status == "H"}
    reported = verdicts.ids("""
        select buildops_purchase_order_id from main.exceptions where exception_type = 'compliance_lapsed_assignment'
    """)
    assert on_hold, "the generated data should have subcontract POs with lapsed compliance"
    assert on_hold == reported, {
        "Status H only": sorted(on_hold - reported),
        "reported by dbt only": sorted(reported - on_hold),
    }


def test_given_same_data_when_sub_compliance_lapsed_then_both_name_the_same_lapsed_documents(verdicts):
    named_by_destination = {
        po: _lapses(verdicts.destination.ap_reasons[po])
        for po, status in verdicts.destination.ap_status.items()
        if status == "H"
    }
    named_by_dbt = {
        po: frozenset(name for name, lapsed in zip(("coi", "w9", "lien_waiver"), flags, strict=True) if lapsed)
        for po, *flags in verdicts.query("""
            select buildops_purchase_order_id, coi_lapsed, w9_lapsed, lien_waiver_lapsed
            from main.int_sub_assignments where coi_lapsed or w9_lapsed or lien_waiver_lapsed
        """)
    }
    assert named_by_destination == named_by_dbt
