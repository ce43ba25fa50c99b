"""One policy, read the same way by dbt and by destination-spectrum: policy.yml when there is one, and the same
default for every key it leaves out (or when there is none)."""

from __future__ import annotations

import json

from destination_spectrum.policy import Policy


def dbt_policy(dbt_tools, sandbox_dir, tmp_path, **env: str) -> dict:
    """The policy as the dbt project reads it (`dbt run-operation print_policy`), without --vars."""
    result = dbt_tools.run(
        ["run-operation", "print_policy"],
        env=dbt_tools.env(tmp_path / "warehouse.duckdb", sandbox_dir / "mapping", **env),
        workdir=tmp_path,
    )
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(line)


def as_destination_reads(policy: Policy) -> dict:
    return {
        "progress_billed_job_types": sorted(policy.progress_billed_job_types),
        "job_type_overrides": dict(policy.job_type_overrides),
        "require_coi": policy.require_coi,
        "require_lien_waiver": policy.require_lien_waiver,
        "require_w9": policy.require_w9,
        "coi_grace_days": policy.coi_grace_days,
        "default_mode": policy.default_mode,
        "modes": dict(policy.modes),
    }


def test_given_no_policy_file_when_dbt_and_destination_spectrum_read_policy_then_their_defaults_agree(
    dbt_tools, sandbox_dir, tmp_path, monkeypatch
):
    monkeypatch.delenv("TIEOUT_POLICY_PATH", raising=False)
    monkeypatch.delenv("TIEOUT_DATA_DIR", raising=False)

    read = dbt_policy(dbt_tools, sandbox_dir, tmp_path)

    assert {**read, "progress_billed_job_types": sorted(read["progress_billed_job_types"])} == as_destination_reads(
        Policy.from_dict({})
    )


def test_given_policy_yml_when_dbt_runs_without_vars_then_it_reads_the_file_destination_spectrum_enforces(
    dbt_tools, sandbox_dir, tmp_path
):
    policy_file = sandbox_dir / "policy.yml"

    read = dbt_policy(dbt_tools, sandbox_dir, tmp_path, TIEOUT_POLICY_PATH=str(policy_file))

    assert {**read, "progress_billed_job_types": sorted(read["progress_billed_job_types"])} == as_destination_reads(
        Policy.load(policy_file)
    )
    assert read["progress_billed_job_types"] and read["coi_grace_days"] == 10  # the sandbox's file, not defaults


def test_given_a_close_window_that_is_not_a_number_when_compiling_then_the_error_names_the_key_and_the_fix(
    dbt_tools, sandbox_dir, tmp_path
):
    result = dbt_tools.run(
        ["compile", "--select", "int_payroll_weeks"],
        env=dbt_tools.env(tmp_path / "warehouse.duckdb", sandbox_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={"policy": {"close": {"payroll_cutoff_days": "five"}}},
        check=False,
    )

    assert result.returncode != 0
    assert "policy.yml close.payroll_cutoff_days is 'five'; use a whole number of days" in result.stdout
