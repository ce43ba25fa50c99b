"""Phase 2 of `make mutate`: mutants of the dbt rules (AR aging, exceptions, WIP, cash cycle) against dbt's tests.

No mutation tool speaks dbt, so this is a small one. It flips comparisons (`<=` <-> `<`, `>=` <-> `>`, `=` <-> `<>`),
drops terms (`a - b` -> `a`, `+ b`, `greatest(x, 0)` -> `x`, a `and ...` condition) and takes the default out of
`coalesce(x, 0)` (-> `x`, a NULL where a zero was meant) in each model's SQL, one at a time, in a copy of the project
(.run/mutation/dbt/project: the mutant is never written into transforms/, and the copy's model is put back after
each model's run, also on Ctrl-C or SIGTERM). The kill set (MUTATE_DBT_KILL_SET):
- `unit` (default): `dbt test --select test_type:unit,<model>`, the model's own dbt unit tests (the financial
  definitions' hand-computed cases) against the mutated model; a mutant is killed when one fails;
- `build`: `dbt build --select <model>` (an exception rule with the `exceptions` mart): its unit tests, the model
  rebuilt, its data tests; each survivor is also marked by whether it changed the model's rows on the sandbox
  data, i.e. whether the truth comparison in transforms/tests (a whole build per mutant, too slow here) could see it.
Either runs on a warehouse built once from the sandbox at the transforms tests' scale, landed as those tests land
it (TIEOUT_TRANSFORMS_RAW=hosts, the default, or fixture): unit tests read their inputs' column types from it.
A mutant dbt cannot compile or run is not counted.

Bounded: MUTATE_DBT_MAX_MUTANTS=<n> runs a sample of n of a model's mutants (the same n for the same source:
seeded by the model's name), MUTATE_DBT_TIME_CAP=<seconds> stops a model's run after that long; either makes the
figure partial, and the report says how many mutants were not run.

    MUTATE_PHASE=dbt make mutate
    MUTATE_PHASE=dbt MUTATE_DBT_MODELS=fct_ar_aging make mutate
    MUTATE_DBT_MODELS='int_exceptions__*' MUTATE_DBT_MAX_MUTANTS=20 python scripts/mutate_dbt.py
    MUTATE_DBT_LIST=1 MUTATE_DBT_MODELS=fct_ar_aging python scripts/mutate_dbt.py   # list the mutants, run none
    MUTATE_DBT_REUSE=1 MUTATE_DBT_MODELS=fct_ar_aging python scripts/mutate_dbt.py  # the last run's warehouse

Writes benchmarks/results/mutation/dbt-<model>.txt (survivors with their diffs) and prints a score per model.
The mutants are made from the model source, not target/compiled: the rules are plain SQL there, and mutating the
source keeps the lines a person reads (macro bodies such as days_between are not mutated).
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".run" / "mutation" / "dbt"
PROJECT = WORK / "project"
RESULTS = ROOT / "benchmarks" / "results" / "mutation"
BIN = ROOT / ".venv" / "bin"
SCALE, SEED = "0.03", "1"  # as transforms/tests/conftest.py
MODELS = {
    "fct_ar_aging": "models/marts/fct_ar_aging.sql",
    "fct_wip": "models/marts/fct_wip.sql",
    "cash_conversion_cycle": "models/marts/cash_conversion_cycle.sql",
}
# The exception rules live one per model (ephemeral, inlined into the exceptions mart): each is mutated on its own,
# built with the mart (its unit tests, then the mart's data tests), and its effect read from the mart's rows.
RULES = ROOT / "transforms" / "models" / "intermediate" / "exceptions"
MODELS.update(
    {rule.stem: f"models/intermediate/exceptions/{rule.name}" for rule in sorted(RULES.glob("int_exceptions__*.sql"))}
)


def shown_in(model: str) -> str:
    """The model whose rows a mutant of `model` changes (an ephemeral rule has no table of its own)."""
    return "exceptions" if model.startswith("int_exceptions__") else model


FLIPS = {"<=": "<", "<": "<=", ">=": ">", ">": ">=", "=": "<>", "<>": "=", "!=": "="}
COMPARISON = re.compile(r"(?<![<>!=%{])(<=|>=|<>|!=|<|>|=)(?![=%}>])")
DROPPED_TERM = re.compile(r"\s[-+]\s+[a-z_][a-z0-9_.]*\b(?!\s*\()")
CAP = re.compile(r"\b(greatest|least)\(([^(),]+),\s*0\)")
COALESCE_ZERO = re.compile(r"\bcoalesce\(([^(),]+),\s*0\)")
KILL_SETS = ("unit", "build")
# dbt's words for a mutant it could not compile or run (not a test's verdict): not counted.
INVALID = re.compile(r"(Compilation|Parser|Syntax|Binder|Catalog|Conversion) Error|Runtime Error in model")
CONDITION = re.compile(r"^\s*and\s+\S")


@dataclass(frozen=True)
class Mutant:
    line_no: int
    kind: str
    original: str
    mutated: str


def sql_part(line: str) -> tuple[str, str]:
    """The line split into SQL and its trailing `--` comment (a `--` inside quotes is text, not a comment)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == "'":
            quoted = not quoted
        elif not quoted and line.startswith("--", i):
            return line[:i], line[i:]
    return line, ""


def outside_quotes(text: str, start: int) -> bool:
    return text[:start].count("'") % 2 == 0


def in_jinja_statement(text: str, start: int) -> bool:
    return text.rfind("{%", 0, start) > text.rfind("%}", 0, start) or text.rfind("{#", 0, start) > text.rfind(
        "#}", 0, start
    )


def mutants(source: str) -> list[Mutant]:
    found: list[Mutant] = []
    for line_no, line in enumerate(source.splitlines(), start=1):
        code, comment = sql_part(line)
        if not code.strip():
            continue
        for match in COMPARISON.finditer(code):
            op = match.group(1)
            if in_jinja_statement(code, match.start()) or not outside_quotes(code, match.start()):
                continue
            if op == "=" and not (
                code[match.start() - 1 : match.start()] == " " and code[match.end() : match.end() + 1] == " "
            ):
                continue  # keyword arguments of a macro call (occurred_on='x'), not a SQL comparison
            mutated = code[: match.start()] + FLIPS[op] + code[match.end() :]
            found.append(Mutant(line_no, f"{op} -> {FLIPS[op]}", line, mutated + comment))
        for match in DROPPED_TERM.finditer(code):
            if outside_quotes(code, match.start()) and not in_jinja_statement(code, match.start()):
                mutated = code[: match.start()] + code[match.end() :]
                found.append(Mutant(line_no, f"drop '{match.group(0).strip()}'", line, mutated + comment))
        for match in CAP.finditer(code):
            mutated = code[: match.start()] + match.group(2) + code[match.end() :]
            found.append(Mutant(line_no, f"drop the cap {match.group(1)}(..., 0)", line, mutated + comment))
        for match in COALESCE_ZERO.finditer(code):
            if outside_quotes(code, match.start()) and not in_jinja_statement(code, match.start()):
                mutated = code[: match.start()] + match.group(1) + code[match.end() :]
                found.append(Mutant(line_no, "drop the default 0 of coalesce(..., 0)", line, mutated + comment))
        if CONDITION.match(code) and not in_jinja_statement(code, 0):
            found.append(Mutant(line_no, "drop the condition", line, "-- (condition dropped by mutation)"))
    return found


def run(args: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


def dbt(command: list[str], env: dict[str, str], dbt_vars: str) -> subprocess.CompletedProcess:
    return run(
        [
            str(BIN / "dbt"),
            *command,
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(WORK / "target"),
            "--log-path",
            str(WORK / "logs"),
            "--vars",
            dbt_vars,
        ],
        env,
    )


def prepare() -> tuple[dict[str, str], str]:
    """The sandbox, its raw data landed by the development fixture, and one clean build (the baseline)."""
    import json

    import yaml

    data = WORK / "data"
    warehouse = WORK / "tieout.duckdb"
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "AIRBYTE_OFFLINE_MODE": "1",
        "TIEOUT_MAPPING_DIR": str(data / "mapping"),
        "TIEOUT_WAREHOUSE": str(warehouse),
        "TMPDIR": str(WORK / "tmp"),
    }
    (WORK / "tmp").mkdir(parents=True, exist_ok=True)
    if os.environ.get("MUTATE_DBT_REUSE") and (WORK / "vars.json").exists() and warehouse.exists():
        # The last run's sandbox warehouse, as built then: enough for the unit kill set, whose tests read only
        # their inputs' column types from it. The project is copied afresh (the models may have changed).
        copy_project()
        return env, (WORK / "vars.json").read_text()
    if data.exists():
        shutil.rmtree(data)  # the generator may have changed since the last run
    run([str(BIN / "tieout-sandbox"), "generate", "--out", str(data), "--scale", SCALE, "--seed", SEED], env)
    copy_project()
    truth = json.loads((data / "truth.json").read_text())
    as_of = truth["spectrum"]["as_of"]
    dbt_vars = json.dumps(
        {"as_of_date": as_of, "close_period": as_of[:7], "policy": yaml.safe_load((data / "policy.yml").read_text())}
    )
    warehouse.unlink(missing_ok=True)
    land_with_hosts(data, warehouse)
    built = dbt(["build"], env, dbt_vars)
    if built.returncode != 0:
        raise SystemExit(f"the unmutated project does not build; fix that first:\n{built.stdout[-4000:]}")
    (WORK / "vars.json").write_text(dbt_vars)
    return env, dbt_vars


def copy_project() -> None:
    if PROJECT.exists():
        shutil.rmtree(PROJECT)
    shutil.copytree(ROOT / "transforms", PROJECT, ignore=shutil.ignore_patterns("target", "logs", "tests", "*.duckdb"))


def land_with_hosts(data: Path, warehouse: Path) -> None:
    """Raw data as the transforms tests land it: `tieout-sandbox serve` synced by PyAirbyte (their own helper)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("transforms_conftest", ROOT / "transforms" / "tests" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = conftest  # dataclasses look their module up there
    spec.loader.exec_module(conftest)
    conftest.land_raw_with_hosts(data, warehouse)


def rows_of(model: str, env: dict[str, str]) -> list[tuple]:
    import duckdb

    with duckdb.connect(env["TIEOUT_WAREHOUSE"], read_only=True) as con:
        return sorted(con.execute(f"select * from {model}").fetchall(), key=repr)


def kill_set() -> str:
    chosen = os.environ.get("MUTATE_DBT_KILL_SET", "unit")
    if chosen not in KILL_SETS:
        raise SystemExit(f"MUTATE_DBT_KILL_SET={chosen}: expected one of {', '.join(KILL_SETS)}")
    return chosen


def kill_command(model: str) -> list[str]:
    if kill_set() == "unit":
        return ["test", "--select", f"test_type:unit,{model}"]
    return ["build", "--select", model, *([shown_in(model)] if shown_in(model) != model else [])]


def unit_tests_run(output: str) -> int:
    """How many unit tests dbt ran (its summary line), 0 when the model has none."""
    found = re.search(r"Finished running .*?(\d+) (?:unit tests?|data tests?|tests?)\b", output)
    return int(found.group(1)) if found else 0


def chosen_mutants(model: str, candidates: list[Mutant]) -> list[Mutant]:
    """All of a model's mutants, or a sample of MUTATE_DBT_MAX_MUTANTS (seeded by the model: reruns pick the same)."""
    limit = int(os.environ.get("MUTATE_DBT_MAX_MUTANTS") or 0)
    if not limit or limit >= len(candidates):
        return candidates
    picked = set(random.Random(model).sample(range(len(candidates)), limit))  # noqa: S311 (a sample, not a secret)
    return [m for i, m in enumerate(candidates) if i in picked]


def run_model(model: str, relative: str, env: dict[str, str], dbt_vars: str) -> dict:
    path = PROJECT / relative
    source = path.read_text()
    command = kill_command(model)
    building = kill_set() == "build"
    baseline_run = dbt(command, env, dbt_vars)
    if baseline_run.returncode != 0:
        raise SystemExit(f"dbt {model}: its kill set fails unmutated; fix that first:\n{baseline_run.stdout[-4000:]}")
    tests = unit_tests_run(baseline_run.stdout)
    baseline = rows_of(shown_in(model), env) if building else []
    killed, incompetent, survived = 0, 0, []
    started = time.monotonic()
    cap = float(os.environ.get("MUTATE_DBT_TIME_CAP") or 0)
    candidates = mutants(source)
    chosen = chosen_mutants(model, candidates)
    ran = 0
    print(
        f"==> dbt {model}: {len(chosen)} of {len(candidates)} mutants, kill set: dbt {' '.join(command)}"
        f" ({tests} tests)",
        flush=True,
    )
    try:
        for mutant in chosen:
            if cap and time.monotonic() - started > cap:
                print(f"MUTATE_DBT_TIME_CAP={cap:.0f}s reached for {model}", flush=True)
                break
            lines = source.splitlines()
            lines[mutant.line_no - 1] = mutant.mutated
            path.write_text("\n".join(lines) + "\n")
            result = dbt(command, env, dbt_vars)
            ran += 1
            output = result.stdout
            if result.returncode == 0:
                changed = building and rows_of(shown_in(model), env) != baseline
                diff = "".join(
                    difflib.unified_diff(
                        [mutant.original + "\n"],
                        [mutant.mutated + "\n"],
                        f"a/transforms/{relative}",
                        f"b/transforms/{relative}",
                        n=0,
                    )
                )
                survived.append((mutant, changed, diff))
            elif INVALID.search(output):
                incompetent += 1
            else:
                killed += 1
    finally:  # also on Ctrl-C / SIGTERM: the copy's model is put back (transforms/ itself is never written)
        path.write_text(source)
        if building:
            dbt(command, env, dbt_vars)
    counted = killed + len(survived)
    score = 100.0 * killed / counted if counted else 100.0
    not_run = len(candidates) - ran
    partial = f"; PARTIAL: {not_run} of {len(candidates)} mutants not run (sample or time cap)" if not_run else ""
    report = [
        f"# dbt {model}: {score:.1f}% killed ({killed}/{counted}; {incompetent} not valid SQL, not counted{partial})",
        f"# kill set: dbt {' '.join(command)} ({tests} tests"
        + ("; the model's unit tests, rebuilt, its data tests)" if building else ", the model's unit tests)"),
        "",
    ]
    for mutant, changed, diff in survived:
        if not building:
            seen = "no unit test failed"
        elif changed:
            seen = "changes the sandbox rows (the truth comparison would see it)"
        else:
            seen = "same rows on the sandbox data"
        report += [f"SURVIVED line {mutant.line_no} {mutant.kind}: {seen}", diff.strip(), ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"dbt-{model}.txt").write_text("\n".join(report) + "\n")
    return {
        "name": f"dbt {model}",
        "score": score,
        "killed": killed,
        "counted": counted,
        "invalid": incompetent,
        "not_run": not_run,
        "seconds": time.monotonic() - started,
    }


def stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C, through the `finally` that puts the model back."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main() -> int:
    patterns = [m.strip() for m in os.environ.get("MUTATE_DBT_MODELS", "").split(",") if m.strip()] or ["*"]
    unknown = [p for p in patterns if not fnmatch.filter(MODELS, p)]
    if unknown:
        raise SystemExit(f"MUTATE_DBT_MODELS names {', '.join(unknown)}; the models are {', '.join(MODELS)}")
    wanted = list(dict.fromkeys(m for p in patterns for m in fnmatch.filter(MODELS, p)))
    if os.environ.get("MUTATE_DBT_LIST"):
        for model in wanted:
            candidates = mutants((ROOT / "transforms" / MODELS[model]).read_text())
            print(f"{model}: {len(candidates)} mutants")
            for mutant in chosen_mutants(model, candidates):
                print(f"  line {mutant.line_no} {mutant.kind}: {mutant.mutated.strip()}")
        return 0
    kill_set()  # refuse an unknown kill set before the long preparation
    stop_on_sigterm()
    env, dbt_vars = prepare()
    rows = [run_model(model, MODELS[model], env, dbt_vars) for model in wanted]
    measured = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    header = (
        f"{'dbt model':<50} {'killed':>7} {'mutants':>8} {'invalid':>8} {'score':>7} {'time':>7} {'not run':>8}"
        "  kill set  measured (UTC)"
    )
    lines = [
        f"{r['name']:<50} {r['killed']:>7} {r['counted']:>8} {r['invalid']:>8} {r['score']:>6.1f}% "
        f"{r['seconds']:>6.0f}s {r['not_run']:>8}  {kill_set():<8}  {measured}"
        for r in rows
    ]
    print("\n".join([header, *lines]))
    # One row per model, kept across runs: a run of some models replaces their rows and keeps the others'.
    summary = RESULTS / "summary-dbt.txt"
    earlier = summary.read_text().splitlines()[1:] if summary.exists() else []
    kept = {" ".join(line.split()[:2]): line for line in earlier if line.strip()}
    kept.update({r["name"]: line for r, line in zip(rows, lines, strict=True)})
    summary.write_text("\n".join([header, *sorted(kept.values())]) + "\n")
    print(f"survivors with their diffs: {RESULTS.relative_to(ROOT)}/dbt-<model>.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
