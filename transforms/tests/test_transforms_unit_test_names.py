"""PostgreSQL refuses relation names over 63 characters, and dbt names a unit test's relation after the test: a long
name builds on DuckDB and fails only on the PostgreSQL route. Caught here, in a second, on every yml."""

from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[1] / "models"
POSTGRES_NAME_LIMIT = 63


def test_given_every_dbt_unit_test_when_named_then_postgres_can_hold_its_relation_name():
    too_long = []
    for path in sorted(MODELS.rglob("*.yml")):
        for unit in (yaml.safe_load(path.read_text()) or {}).get("unit_tests") or []:
            if len(unit["name"]) > POSTGRES_NAME_LIMIT:
                too_long.append(f"{path.relative_to(MODELS)}: {unit['name']} ({len(unit['name'])} characters)")
    assert not too_long, "shorten these unit test names to 63 characters or fewer:\n" + "\n".join(too_long)
