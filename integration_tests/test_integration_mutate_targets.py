"""`make mutate` keeps pointing at real code: every target's modules, functions and kill-set files exist.

A module split (destination-spectrum's engine.py into receivables.py, postings.py, ...) would otherwise leave a
target mutating a file that is gone, or a function filter that matches nothing, and the score would read 100%.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mutate_script():
    spec = importlib.util.spec_from_file_location("tieout_mutate", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


TARGETS = mutate_script().TARGETS


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_given_a_mutation_target_when_read_then_its_modules_functions_and_kill_set_exist(target):
    for path in (*target.modules, *target.kill_set):
        assert (ROOT / path).is_file(), f"{target.name}: {path} does not exist; update scripts/mutate.py"
    defined = {"<module>"}
    for module in target.modules:
        tree = ast.parse((ROOT / module).read_text())
        defined |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    missing = [name for name in target.definitions if name not in defined]
    assert not missing, f"{target.name}: no function or class named {missing} in {', '.join(target.modules)}"


def test_given_the_dbt_phase_when_read_then_every_model_it_mutates_exists_and_each_exception_rule_is_one():
    spec = importlib.util.spec_from_file_location("tieout_mutate_dbt", ROOT / "scripts" / "mutate_dbt.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    for model, path in module.MODELS.items():
        assert (ROOT / "transforms" / path).is_file(), f"dbt {model}: transforms/{path} does not exist"
    rules = {p.stem for p in (ROOT / "transforms/models/intermediate/exceptions").glob("int_exceptions__*.sql")}
    assert rules and rules <= set(module.MODELS)
    assert {"fct_ar_aging", "fct_wip", "cash_conversion_cycle"} <= set(module.MODELS)


def mutate_dbt_script():
    spec = importlib.util.spec_from_file_location("tieout_mutate_dbt", ROOT / "scripts" / "mutate_dbt.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MUTATE_DBT = mutate_dbt_script()


def test_given_the_dbt_mutation_models_when_read_then_each_file_exists_and_has_mutants():
    for model, relative in MUTATE_DBT.MODELS.items():
        path = ROOT / "transforms" / relative
        assert path.is_file(), f"{model}: {relative} does not exist; update scripts/mutate_dbt.py"
    for model in ("fct_ar_aging", "int_exceptions__payment_status_drift", "int_exceptions__retainage_mismatch"):
        assert MUTATE_DBT.mutants((ROOT / "transforms" / MUTATE_DBT.MODELS[model]).read_text()), model


def test_given_sql_when_mutated_then_each_slip_is_one_mutant_and_text_jinja_and_keyword_arguments_are_left_alone():
    sql = "\n".join(
        [
            "select coalesce(c.applied, 0) - i.retention_amount as net,",
            "    case when status = 'a<=b' then 1 end {# x < y #}",
            "  {{ days_between('a', occurred_on='b') }} -- a < b",
            "where days <= 30",
            "  and greatest(balance, 0) <> total",
        ]
    )
    found = {(m.line_no, m.kind, m.mutated.strip()) for m in MUTATE_DBT.mutants(sql)}
    assert found == {
        (1, "drop '- i.retention_amount'", "select coalesce(c.applied, 0) as net,"),
        (1, "drop the default 0 of coalesce(..., 0)", "select c.applied - i.retention_amount as net,"),
        (2, "= -> <>", "case when status <> 'a<=b' then 1 end {# x < y #}"),
        (4, "<= -> <", "where days < 30"),
        (5, "<> -> =", "and greatest(balance, 0) = total"),
        (5, "drop the cap greatest(..., 0)", "and balance <> total"),
        (5, "drop the condition", "-- (condition dropped by mutation)"),
    }


def test_given_a_cap_on_mutants_when_sampled_then_the_same_model_gets_the_same_sample(monkeypatch):
    candidates = MUTATE_DBT.mutants((ROOT / "transforms" / MUTATE_DBT.MODELS["fct_ar_aging"]).read_text())
    monkeypatch.setenv("MUTATE_DBT_MAX_MUTANTS", "5")
    first = MUTATE_DBT.chosen_mutants("fct_ar_aging", candidates)
    assert len(first) == 5 and first == MUTATE_DBT.chosen_mutants("fct_ar_aging", candidates)
    monkeypatch.setenv("MUTATE_DBT_MAX_MUTANTS", "0")
    assert MUTATE_DBT.chosen_mutants("fct_ar_aging", candidates) == candidates
