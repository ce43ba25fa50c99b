"""`make mutate`: mutation testing of the code where a wrong line costs money or loses data.

The tool is cosmic-ray (8.x), not mutmut 3. Both install here with Python 3.11; cosmic-ray fits this workspace:
- it runs every mutant as a fresh `python -m pytest` subprocess, so `--import-mode=importlib`, the root pytest
  config, conftest path helpers and tests that start child processes all see the mutant as they see real code;
  mutmut 3 swaps functions through trampolines inside one pytest process, wants the package as its working
  directory with the tests copied beside it, and a child process imports the unmutated code;
- it mutates module-level tables too (`RETRY_STATUSES = (429, ...)`, `CENTS`); mutmut 3 mutates function bodies only;
- its operators can be chosen by name, so a run keeps to the realistic slips (`<` for `<=`, `+` for `-`, a number
  off by one, a condition negated, an `and` for an `or`, an exception not caught, a loop that never runs) and
  leaves out `a + b` -> `a << b`, which no reviewer would miss and which would triple the run time.

cosmic-ray writes each mutant into the file it mutates, so the run works on a copy of the checkout
(.run/mutation/tree; PYTHONPATH puts its packages ahead of the editable installs): an interrupted run never
leaves a mutant in your sources. Each target's own tests are its kill set (the slow twin/live tests are left
out); a mutant costs one pytest start plus that kill set, so pick targets with MUTATE_TARGETS on a busy machine.

    make mutate                                   # all targets, then the dbt phase (scripts/mutate_dbt.py)
    MUTATE_TARGETS=core-retry,dest-money make mutate
    MUTATE_PHASE=python make mutate               # python | dbt | all (default)
    MUTATE_REPORT_ONLY=1 MUTATE_TARGETS=dest-money python scripts/mutate.py   # score an interrupted run
    MUTATE_RETEST_SURVIVORS=1 MUTATE_TARGETS=core-state make mutate   # after adding tests: rerun last survivors
    MUTATE_TIME_CAP=900 MUTATE_TARGETS=dest-queue make mutate   # stop after 15 min, score what ran (partial)
    MUTATE_CONTINUE=1 MUTATE_TIME_CAP=900 MUTATE_TARGETS=dest-queue make mutate   # run what a capped run left

Writes benchmarks/results/mutation/<target>.txt (each survivor with its diff) and summary.txt, and prints a
score per target: killed / (mutants - equivalent). Equivalent mutants are listed by name, with the reason,
in scripts/mutation/equivalents.toml.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

try:
    from tomllib import loads as toml_loads
except ModuleNotFoundError:  # Python 3.10: cosmic-ray brings the older toml package
    from toml import loads as toml_loads

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".run" / "mutation"
TREE = WORK / "tree"
RESULTS = ROOT / "benchmarks" / "results" / "mutation"
EQUIVALENTS = ROOT / "scripts" / "mutation" / "equivalents.toml"
MEMBERS = (
    "connector-core",
    "spectrum-client",
    "source-buildops",
    "source-spectrum",
    "destination-spectrum",
    "target-duckdb",
    "sandbox",
    "demo",
)


@dataclass(frozen=True)
class Target:
    name: str
    modules: tuple[str, ...]
    kill_set: tuple[str, ...]
    # Only mutate inside these functions/methods (the rest of a big module belongs to another target or is I/O).
    definitions: tuple[str, ...] = ()


DEST = "destination-spectrum/destination_spectrum"


def dest_tests(*names: str) -> tuple[str, ...]:
    """The module's own test file first (pytest -x stops at the first failure), then the engine's."""
    return tuple(f"destination-spectrum/tests/test_destination_spectrum_{name}.py" for name in names)


TARGETS = (
    Target("dest-money", (f"{DEST}/money.py", f"{DEST}/documents.py"), dest_tests("money", "engine", "messages")),
    Target("dest-mapping", (f"{DEST}/mapping.py",), dest_tests("mapping", "engine")),
    Target("dest-gates", (f"{DEST}/policy.py",), dest_tests("policy", "engine", "messages")),
    Target("dest-numbering", (f"{DEST}/numbering.py",), dest_tests("numbering", "engine")),
    Target("dest-ledger", (f"{DEST}/ledger.py", f"{DEST}/report.py"), dest_tests("ledger", "engine", "protocols")),
    Target(
        "dest-queue",
        (f"{DEST}/postings.py", f"{DEST}/receivables.py"),
        dest_tests("postings", "engine", "protocols", "messages"),
        definitions=(
            "recover",
            "drain",
            "to_payload",
            "_text",
            "from_payload",
            "_existing",
            "_record_found",
            "_post_ar",
            "post",
        ),
    ),
    Target(
        "client-put",
        ("spectrum-client/spectrum_client/put.py",),
        ("spectrum-client/tests/test_spectrum_client_put.py", "spectrum-client/tests/test_spectrum_client_soap.py"),
    ),
    Target("core-state", ("connector-core/tieout_core/_state.py",), ("connector-core/tests/test_core_state.py",)),
    Target(
        "core-retry",
        ("connector-core/tieout_core/_http.py",),
        ("connector-core/tests/test_core_http.py",),
        definitions=("<module>", "RetryPolicy", "default_error", "request", "request_json", "_send", "_send_once"),
    ),
    Target(
        "buildops-normalize",
        ("source-buildops/source_buildops/normalize.py",),
        ("source-buildops/tests/test_buildops_normalize.py",),
    ),
    Target(
        "spectrum-normalise",
        ("source-spectrum/source_spectrum/normalize.py",),
        (
            "source-spectrum/tests/test_source_spectrum_normalize.py",
            "source-spectrum/tests/test_source_spectrum_records.py",
        ),
    ),
    Target(
        "spectrum-resume",
        ("source-spectrum/source_spectrum/resume.py",),
        ("source-spectrum/tests/test_source_spectrum_resume.py",),
    ),
    Target(
        "duckdb-columns",
        ("target-duckdb/tieout_target_duckdb/columns.py", "target-duckdb/tieout_target_duckdb/sink.py"),
        ("target-duckdb/tests/test_target_duckdb_columns.py", "target-duckdb/tests/test_target_duckdb.py"),
        # The column types and each value's text that DuckDB casts to them; not the sink's table management.
        definitions=(
            "<module>",
            "Column",
            "is_json",
            "sql_type",
            "table_name",
            "columns_for",
            "quote",
            "_text",
            "_json_default",
            "_csv_line",
        ),
    ),
)

# The slips a careful reviewer could miss. cosmic-ray's other operators (bitwise and power swaps, `==` -> `<`,
# `x is y` for `x == y`, decorator removal) are either caught by any test at import or never written by a person.
REALISTIC = re.compile(
    "|".join(
        (
            r"core/NumberReplacer$",
            r"core/AddNot$",
            r"core/ReplaceTrueWithFalse$",
            r"core/ReplaceFalseWithTrue$",
            r"core/ReplaceAndWithOr$",
            r"core/ReplaceOrWithAnd$",
            r"core/ReplaceBreakWithContinue$",
            r"core/ReplaceContinueWithBreak$",
            r"core/ZeroIterationForLoop$",
            r"core/ExceptionReplacer$",
            r"core/ReplaceUnaryOperator_Delete_Not$",
            r"core/ReplaceUnaryOperator_USub_UAdd$",
            r"core/ReplaceBinaryOperator_(Add_Sub|Sub_Add|Mul_Div|Div_Mul|Div_FloorDiv|FloorDiv_Div|Mod_FloorDiv|Pow_Mul)$",
            r"core/ReplaceComparisonOperator_(Eq_NotEq|NotEq_Eq|Lt_LtE|Lt_GtE|LtE_Lt|LtE_Gt|Gt_GtE|Gt_LtE|GtE_Gt|GtE_Lt"
            r"|Is_IsNot|IsNot_Is)$",
        )
    )
)


def python() -> str:
    return str(ROOT / ".venv" / "bin" / "python")


def copy_tree() -> None:
    """A copy of the checkout as it is now (tracked and new files, not ignored ones) for cosmic-ray to mutate."""
    if TREE.exists():
        shutil.rmtree(TREE)
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (TREE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, TREE / name)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # Ahead of the editable installs' .pth entries, so the tests import the (mutated) copy.
    env["PYTHONPATH"] = os.pathsep.join(str(TREE / member) for member in MEMBERS)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(WORK / "tmp")
    env["AIRBYTE_OFFLINE_MODE"] = "1"
    env["DO_NOT_TRACK"] = "1"
    (WORK / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def load_equivalents() -> list[dict]:
    if not EQUIVALENTS.exists():
        return []
    return toml_loads(EQUIVALENTS.read_text()).get("equivalent", [])


def source_line(module: Path, row: int) -> str:
    return module.read_text().splitlines()[row - 1].strip()


def is_equivalent(spec, diff: str, equivalents: list[dict]) -> str:
    module = spec.module_path.relative_to(TREE).as_posix()
    line = source_line(spec.module_path, spec.start_pos[0])
    mutated = "\n".join(x for x in diff.splitlines() if x.startswith("+") and not x.startswith("+++"))
    for entry in equivalents:
        if (
            entry["module"] == module
            and entry["operator"] == spec.operator_name
            and entry["line"] == line
            and entry.get("occurrence", spec.occurrence) == spec.occurrence
            and entry.get("keeps", "") in mutated
        ):
            return entry["reason"]
    return ""


def run_target(target: Target, env: dict[str, str], equivalents: list[dict]) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    if os.environ.get("MUTATE_REPORT_ONLY"):  # score what an earlier (perhaps interrupted) run recorded
        return report(target, WORK / f"{target.name}.sqlite", equivalents, time.monotonic())

    test_command = f"{python()} -m pytest -x -q -p no:randomly -p no:cacheprovider " + " ".join(target.kill_set)
    started = time.monotonic()
    baseline = subprocess.run(test_command.split(), cwd=TREE, env=env, capture_output=True, text=True)
    baseline_s = time.monotonic() - started
    if baseline.returncode != 0:
        raise SystemExit(
            f"{target.name}: its kill set fails before any mutation; fix the tests first:\n{baseline.stdout[-3000:]}"
        )
    config = WORK / f"{target.name}.toml"
    session = WORK / f"{target.name}.sqlite"
    sources = WORK / f"{target.name}.sources.json"
    current = {module: (ROOT / module).read_text() for module in target.modules}
    cosmic_ray = str(ROOT / ".venv" / "bin" / "cosmic-ray")
    # Written on every run, a retest's too: its kill set is the target's as it is now (a test file added since
    # the first run must be in it, or the retest runs the old tests).
    modules = ", ".join(f'"{TREE / module}"' for module in target.modules)
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = [{modules}]\n"
        f"timeout = {max(30.0, round(baseline_s * 4 + 10))}\n"
        "excluded-modules = []\n"
        f'test-command = "{test_command}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    retest, carry_on = bool(os.environ.get("MUTATE_RETEST_SURVIVORS")), bool(os.environ.get("MUTATE_CONTINUE"))
    if (retest or carry_on) and session.exists():
        # After adding tests: the mutants killed last time stay killed (tests were added, none taken away), so
        # only last run's survivors run again, against the kill set as it is now (MUTATE_RETEST_SURVIVORS); the
        # mutants a capped run never reached stay unrun unless MUTATE_CONTINUE asks for them (then the score
        # is of a bigger sample). Only valid while the mutated modules are byte for byte what that run mutated
        # (the same mutants, at the same places).
        if not sources.exists() or json.loads(sources.read_text()) != current:
            raise SystemExit(
                f"{target.name}: its modules changed since its last run (or that run did not record them), so the"
                " mutants are not the same ones; run it whole, without MUTATE_RETEST_SURVIVORS or MUTATE_CONTINUE"
            )
        with use_db(str(session), WorkDB.Mode.open) as db:  # equivalent ones cannot be killed: not rerun
            rerun = [
                item.job_id
                for item, result in db.completed_work_items
                if retest
                and result.test_outcome == "survived"
                and not is_equivalent(item.mutations[0], result.diff or "", equivalents)
            ]
            # Held back (recorded as skipped for this exec, pending again after it), so a time cap cannot spend
            # the run on them and leave a survivor untested: an untested survivor would drop out of the score.
            deferred = [] if carry_on else [item.job_id for item in db.pending_work_items]
            held = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="deferred: not run in this retest")
            for job in deferred:
                db.set_result(job, held)
        with sqlite3.connect(session) as db:
            db.executemany("DELETE FROM work_results WHERE job_id = ?", [(job,) for job in rerun])
        print(
            f"==> {target.name}: {len(rerun)} survivors of the last run again"
            + (", and the mutants it did not reach" if carry_on else "")
            + f", kill set {baseline_s:.1f} s",
            flush=True,
        )
        try:
            execute([cosmic_ray, "exec", str(config), str(session)], env, current)
        finally:
            with sqlite3.connect(session) as db:
                db.executemany("DELETE FROM work_results WHERE job_id = ?", [(job,) for job in deferred])
        return report(target, session, equivalents, started)
    session.unlink(missing_ok=True)
    sources.write_text(json.dumps(current))
    subprocess.run([cosmic_ray, "init", str(config), str(session)], cwd=TREE, env=env, check=True)

    skipped = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not a realistic slip or outside the target")
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in db.pending_work_items:
            spec = item.mutations[0]
            line = source_line(spec.module_path, spec.start_pos[0])
            wanted = REALISTIC.match(spec.operator_name) and "pragma: no mutate" not in line
            if target.definitions:  # "<module>" stands for module-level code (tables such as RETRY_STATUSES)
                parts = spec.definition_name.split(".") if spec.definition_name else ["<module>"]
                wanted = wanted and any(fnmatch.fnmatch(part, name) for part in parts for name in target.definitions)
            if not wanted:
                db.set_result(item.job_id, skipped)
        to_run = len(db.pending_work_items)
    print(f"==> {target.name}: {to_run} mutants, kill set {baseline_s:.1f} s unmutated", flush=True)
    execute([cosmic_ray, "exec", str(config), str(session)], env, current)
    return report(target, session, equivalents, started)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc; elsewhere none are found and only the process group is ended)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def execute(command: list[str], env: dict[str, str], modules: dict[str, str]) -> None:
    """`cosmic-ray exec`, stopped after MUTATE_TIME_CAP seconds (if set) with the mutants run so far kept.

    cosmic-ray records each result as it comes, so a capped run is scored on the mutants that ran and the report
    says how many did not (a partial figure, not the module's score). Its pytest children share its process group.
    """
    cap = float(os.environ.get("MUTATE_TIME_CAP") or 0) or None
    process = subprocess.Popen(command, cwd=TREE, env=env, start_new_session=True)
    try:
        process.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        print(f"MUTATE_TIME_CAP={cap:.0f}s reached: stopping; the mutants run so far are scored", flush=True)
    finally:
        if process.poll() is None:  # capped, or Ctrl-C: end cosmic-ray and the pytest it started
            # cosmic-ray starts each pytest in a session of its own, out of reach of killpg: found by parent pid.
            for child in descendants(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            for module, text in modules.items():  # a killed cosmic-ray may leave its last mutant in the copy
                (TREE / module).write_text(text)
    if process.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
        raise SystemExit(f"cosmic-ray exec failed (exit {process.returncode})")


def report(target: Target, session: Path, equivalents: list[dict], started: float) -> dict:
    """Score a session: killed / (mutants run - equivalent); survivors with their diffs to a file."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome

    killed, survived, equivalent = 0, [], []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            spec = item.mutations[0]
            if result.test_outcome == "incompetent":
                continue  # cosmic-ray could not apply it: not a mutant
            if result.test_outcome == "killed":
                killed += 1
                continue
            reason = is_equivalent(spec, result.diff or "", equivalents)
            where = (
                f"{spec.module_path.relative_to(TREE)}:{spec.start_pos[0]} {spec.operator_name} "
                f"#{spec.occurrence} in {spec.definition_name}"
            )
            (equivalent if reason else survived).append((where, reason, result.diff or ""))
        not_run = len(list(db.pending_work_items))
    counted = killed + len(survived)
    score = 100.0 * killed / counted if counted else 100.0
    partial = f"; PARTIAL: {not_run} mutants not run (time cap or interrupted)" if not_run else ""
    report = [
        f"# {target.name}: {score:.1f}% killed ({killed}/{counted}; {len(equivalent)} equivalent excluded{partial})",
        f"# modules: {', '.join(target.modules)}",
        f"# kill set: {' '.join(target.kill_set)}",
        "",
    ]
    for where, _, diff in sorted(survived):
        report += [f"SURVIVED {where}", diff.strip(), ""]
    for where, reason, _ in sorted(equivalent):
        report += [f"EQUIVALENT {where}: {reason}"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{target.name}.txt").write_text("\n".join(report) + "\n")
    return {
        "name": target.name,
        "score": score,
        "killed": killed,
        "counted": counted,
        "equivalent": len(equivalent),
        "not_run": not_run,
        "seconds": time.monotonic() - started,
    }


def selected(targets: tuple[Target, ...]) -> list[Target]:
    wanted = [name.strip() for name in os.environ.get("MUTATE_TARGETS", "").split(",") if name.strip()]
    if not wanted:
        return list(targets)
    chosen = [t for pattern in wanted for t in targets if fnmatch.fnmatch(t.name, pattern)]  # in the order asked
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise SystemExit(
            f"MUTATE_TARGETS={os.environ['MUTATE_TARGETS']} names no target; the targets are: "
            + ", ".join(t.name for t in targets)
        )
    return chosen


def main() -> int:
    targets = selected(TARGETS)
    WORK.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("MUTATE_REPORT_ONLY"):
        copy_tree()
    env = environment()
    equivalents = load_equivalents()
    rows = [run_target(target, env, equivalents) for target in targets]
    measured = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    header = (
        f"{'target':<22} {'killed':>7} {'mutants':>8} {'equiv':>6} {'score':>7} {'time':>7} {'not run':>8}"
        "  measured (UTC)"
    )
    lines = [
        f"{r['name']:<22} {r['killed']:>7} {r['counted']:>8} {r['equivalent']:>6} {r['score']:>6.1f}% "
        f"{r['seconds']:>6.0f}s {r['not_run']:>8}  {measured}"
        for r in rows
    ]
    print("\n".join([header, *lines]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = RESULTS / "summary.txt"
    # One row per target, kept across runs: a run of some targets replaces their rows and keeps the others'.
    earlier = summary.read_text().splitlines()[1:] if summary.exists() else []
    kept = {line.split()[0]: line for line in earlier if line.strip()}
    kept.update({r["name"]: line for r, line in zip(rows, lines, strict=True)})
    order = [t.name for t in TARGETS]
    ranked = sorted(kept.values(), key=lambda line: order.index(line.split()[0]) if line.split()[0] in order else 99)
    summary.write_text("\n".join([header, *ranked]) + "\n")
    print(f"survivors with their diffs: {RESULTS.relative_to(ROOT)}/<target>.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
