"""Installed the way users install connectors, outside this workspace: from the wheels `make dist` builds.

Each host gets a clean virtualenv filled by plain pip (never uv, never an editable link into the checkout):
pip itself (`pip install --find-links dist/ source-buildops`), a fresh Meltano project with
`venv.backend: virtualenv` whose `pip_url` points at dist/, and PyAirbyte with `pip_url` (AIRBYTE_NO_UV=1).
Everything but our own packages comes from the package index, so these tests need the network to PyPI.
Each reads the same few small streams from the twin and must land what the workspace's own connector reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from tieout_it import ROOT, configured_catalog, discover, executable, run_cli, write_json

STREAMS = ("departments", "job_types", "customers")
INSTALL_TIMEOUT = 900


def base_python() -> str:
    """The interpreter this venv was made from: a user's `python3`, not the workspace venv."""
    return getattr(sys, "_base_executable", None) or sys.executable


def pip_env(cache: Path) -> dict[str, str]:
    """pip as a user runs it, with one download cache shared by every install of this session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_", "PYTHONPATH"))}
    workspace_bin = Path(sys.executable).parent  # the workspace venv's scripts are not the user's
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != workspace_bin)
    # no .pyc compilation: it is most of the CPU an install takes, and the tests run each file once
    env.update(PIP_CACHE_DIR=str(cache), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_NO_COMPILE="1")
    return env


def check_output(args, *, env, cwd=None, timeout=INSTALL_TIMEOUT) -> str:
    done = subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def editable_installs(python: Path, env) -> list[str]:
    listed = json.loads(check_output([python, "-m", "pip", "list", "--editable", "--format", "json"], env=env))
    return [item["name"] for item in listed]


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """`make dist` (scripts/dist.sh) into a folder of this session: wheels and sdists, checked by twine."""
    out = tmp_path_factory.mktemp("dist")
    check_output([ROOT / "scripts" / "dist.sh"], env={**os.environ, "DIST_DIR": str(out)}, cwd=ROOT)
    return out


@pytest.fixture(scope="session")
def pip_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pip-cache")


@pytest.fixture(scope="session")
def buildops_config(clean_sandbox) -> Path:
    return clean_sandbox.config_file("source-buildops")


@pytest.fixture(scope="session")
def expected_counts(buildops_config, tmp_path_factory) -> dict[str, int]:
    """What the workspace's own source-buildops reads from the twin for STREAMS."""
    catalog = configured_catalog(discover(executable("source-buildops"), buildops_config), STREAMS, incremental=False)
    path = write_json(tmp_path_factory.mktemp("expected") / "catalog.json", catalog)
    run = run_cli([executable("source-buildops"), "read", "--config", str(buildops_config), "--catalog", str(path)])
    assert run.returncode == 0, run.output()[-3000:]
    counts = {stream: sum(1 for r in run.records if r["stream"] == stream) for stream in STREAMS}
    assert all(counts.values()), counts
    return counts


def install_with_pip(dist: Path, folder: Path, env) -> Path:
    """A clean venv holding source-buildops installed by pip from dist/ (and the package index) alone."""
    venv = folder / "venv"
    check_output([base_python(), "-m", "venv", venv], env=env)
    check_output([venv / "bin" / "pip", "install", "--find-links", dist, "source-buildops"], env=env)
    return venv


def meltano_yml(dist: Path, config: dict) -> str:
    """A new user's project: the tap and our DuckDB loader from the wheels, nothing from this checkout."""
    kinds = {bool: "boolean", int: "integer", list: "array", dict: "object"}
    settings = [
        {"name": key, **({"kind": kinds[type(value)]} if type(value) in kinds else {})} for key, value in config.items()
    ]
    project = {
        "project_id": str(uuid.uuid4()),
        "send_anonymous_usage_stats": False,
        "default_environment": "dev",
        "environments": [{"name": "dev"}],
        "venv": {"backend": "virtualenv"},
        "plugins": {
            "extractors": [
                {
                    "name": "tap-buildops",
                    "namespace": "tap_buildops",
                    "pip_url": f"--find-links {dist} source-buildops",
                    "executable": "tap-buildops",
                    "capabilities": ["catalog", "discover", "state", "about"],
                    "settings": settings,
                    "select": [f"{stream}.*" for stream in STREAMS],
                }
            ],
            "loaders": [
                {
                    "name": "target-duckdb",
                    "namespace": "target_duckdb",
                    "pip_url": f"--find-links {dist} tieout-target-duckdb",
                    "executable": "target-duckdb",
                    "settings": [{"name": "path"}, {"name": "default_target_schema"}],
                    "config": {"default_target_schema": "tap_buildops"},
                }
            ],
        },
    }
    return json.dumps(project, indent=2)  # JSON is YAML


COUNT_ROWS = textwrap.dedent(
    """
    import duckdb, json, sys
    con = duckdb.connect(sys.argv[1], read_only=True)
    count = lambda stream: con.execute(f'SELECT COUNT(*) FROM tap_buildops."{stream}"').fetchone()[0]
    print(json.dumps({stream: count(stream) for stream in sys.argv[2:]}))
    """
)


REWOUND = "2000-01-01T00:00:00.000Z"


def run_meltano_project(dist: Path, config_file: Path, folder: Path, env) -> dict:
    """A new project with the virtualenv backend: `meltano install`, then three `meltano run tap-buildops
    target-duckdb` (the loader appends): a first sync, an incremental one, and one after `meltano state set`
    moved every stream's `replication_key_value` back. Returns the rows landed after each and the states."""
    meltano = ROOT / ".venv-meltano" / "bin" / "meltano"
    if not meltano.exists():
        check_output([ROOT / "scripts" / "install-meltano.sh"], env={**os.environ, "SKIP_PLUGINS": "1"}, cwd=ROOT)
    project = folder / "project"
    project.mkdir()
    config = json.loads(config_file.read_text())
    (project / "meltano.yml").write_text(meltano_yml(dist, config))
    warehouse = folder / "warehouse.duckdb"
    env = env | {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "TARGET_DUCKDB_PATH": str(warehouse)}
    for key, value in config.items():
        env[f"TAP_BUILDOPS_{key.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    check_output([meltano, "--log-level=warning", "install"], env=env, cwd=project)
    # the loader's own duckdb reads the file (the workspace's may be an older storage version)
    loader_python = project / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    state_id = "dev:tap-buildops-to-target-duckdb"

    def run() -> dict[str, int]:
        check_output([meltano, "--log-level=warning", "run", "tap-buildops", "target-duckdb"], env=env, cwd=project)
        return json.loads(check_output([loader_python, "-c", COUNT_ROWS, warehouse, *STREAMS], env=env))

    def state() -> dict:
        out = check_output([meltano, "--log-level=warning", "state", "get", state_id], env=env, cwd=project)
        return json.loads(out[out.index("{") :])["singer_state"]

    landed = [run(), run()]
    saved = state()
    rewound = {**saved, "bookmarks": {**saved["bookmarks"]}}
    for stream in STREAMS:  # what a user edits in `meltano state get`'s output before `meltano state set`
        rewound["bookmarks"][stream] = {**saved["bookmarks"][stream], "replication_key_value": REWOUND}
    rewound_state = json.dumps({"singer_state": rewound})
    set_state = [meltano, "--log-level=warning", "state", "set", "--force", state_id, rewound_state]
    check_output(set_state, env=env, cwd=project)
    landed.append(run())
    extractor_python = project / ".meltano" / "extractors" / "tap-buildops" / "venv" / "bin" / "python"
    return {
        "landed": landed,
        "state": saved,
        "after_rewind": state(),
        "editable": editable_installs(extractor_python, env),
    }


PYAIRBYTE_READ = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    pip_url, config, install_root, warehouse, *streams = sys.argv[1:]
    source = ab.get_source("source-buildops", pip_url=pip_url, config=json.loads(Path(config).read_text()),
                           install_root=Path(install_root), streams=streams)
    source.check()
    result = source.read(cache=DuckDBCache(db_path=warehouse, schema_name="buildops_raw"), force_full_refresh=True)
    print(json.dumps({"counts": {s: len(result[s]) for s in streams},
                      "python": str(source.executor.interpreter_path)}))
    """
)


def read_with_pyairbyte(dist: Path, config_file: Path, folder: Path, env) -> dict:
    """PyAirbyte's own install (`get_source(pip_url=...)`), with pip instead of uv, then a read into DuckDB."""
    env = env | {"AIRBYTE_NO_UV": "1", "AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1"}
    assert shutil.which("pip", path=env["PATH"]), "PyAirbyte without uv runs `pip --python VENV install`: no pip"
    out = check_output(
        [
            sys.executable,
            "-c",
            PYAIRBYTE_READ,
            f"--find-links {dist} source-buildops",
            config_file,
            folder,
            folder / "pyairbyte.duckdb",
            *STREAMS,
        ],
        env=env,
        cwd=folder,
    )
    result = json.loads(out.strip().splitlines()[-1])
    result["editable"] = editable_installs(Path(result["python"]), env)
    return result


@pytest.fixture(scope="session")
def install_pool() -> Iterator[ThreadPoolExecutor]:
    """The installs run at once: each is mostly waiting on the package index and the disk."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        yield pool


@pytest.fixture(scope="session")
def pip_install(install_pool, dist, pip_cache, tmp_path_factory) -> Future:
    return install_pool.submit(install_with_pip, dist, tmp_path_factory.mktemp("pip"), pip_env(pip_cache))


@pytest.fixture(scope="session")
def host_installs(install_pool, pip_install, dist, pip_cache, buildops_config, tmp_path_factory) -> dict[str, Future]:
    env = pip_env(pip_cache)
    return {
        "meltano": install_pool.submit(run_meltano_project, dist, buildops_config, tmp_path_factory.mktemp("m"), env),
        "pyairbyte": install_pool.submit(read_with_pyairbyte, dist, buildops_config, tmp_path_factory.mktemp("p"), env),
    }


def test_given_only_dist_when_pip_installs_source_buildops_in_a_clean_venv_then_spec_check_and_about_work(
    pip_install, host_installs, pip_cache, buildops_config
):
    venv = pip_install.result()
    env = pip_env(pip_cache)
    assert editable_installs(venv / "bin" / "python", env) == []
    shown = check_output([venv / "bin" / "pip", "show", "tieout-connector-core"], env=env)
    assert "Version: 0.2.0" in shown and str(venv) in shown  # the released core, not the checkout's

    spec = run_cli([str(venv / "bin" / "source-buildops"), "spec"], env=env, cwd=venv)
    assert spec.returncode == 0 and spec.of_type("SPEC"), spec.output()[-2000:]
    check = run_cli(
        [str(venv / "bin" / "source-buildops"), "check", "--config", str(buildops_config)], env=env, cwd=venv
    )
    assert check.connection_status == {"status": "SUCCEEDED"}, check.output()[-2000:]

    about = json.loads(check_output([venv / "bin" / "tap-buildops", "--about", "--format", "json"], env=env, cwd=venv))
    assert about["version"] == "0.1.0"
    assert about["description"] == "Airbyte source and Singer tap for the BuildOps public API"


def test_given_a_fresh_meltano_project_with_the_virtualenv_backend_when_it_runs_tap_buildops_then_records_land(
    host_installs, expected_counts
):
    result = host_installs["meltano"].result()
    assert result["editable"] == []
    first, incremental, _ = result["landed"]
    assert first == expected_counts
    assert incremental == expected_counts  # the second run resumed from Meltano's state: nothing again


def test_given_meltanos_state_tools_when_reading_and_setting_the_bookmarks_then_they_are_standard_and_honoured(
    host_installs, expected_counts, buildops_config
):
    result = host_installs["meltano"].result()
    tenants = set(json.loads(buildops_config.read_text())["tenant_ids"])
    for stream in STREAMS:
        bookmark = result["state"]["bookmarks"][stream]
        assert bookmark["replication_key"] == "audit__lastUpdatedDateTime"
        assert bookmark["replication_key_value"] > REWOUND
        assert set(bookmark["cursor_state"]["tenants"]) == tenants  # the per-tenant detail, inside the bookmark
    # `meltano state set` moved every stream back to REWOUND: the third run emitted every record again
    _, incremental, after_rewind = result["landed"]
    assert after_rewind == {s: incremental[s] + expected_counts[s] for s in STREAMS}
    for stream in STREAMS:
        assert (
            result["after_rewind"]["bookmarks"][stream]["replication_key_value"]
            == (result["state"]["bookmarks"][stream]["replication_key_value"])
        )


def test_given_pyairbyte_with_a_pip_url_when_it_reads_source_buildops_then_records_arrive(
    host_installs, expected_counts
):
    result = host_installs["pyairbyte"].result()
    assert result["editable"] == []
    assert result["counts"] == expected_counts


# ---------------------------------------------------------------------------------------------------------
# The image recipe, without Docker: each Dockerfile's install steps on a copy of its folder alone
# ---------------------------------------------------------------------------------------------------------

IMAGE_CONNECTORS = ("source-buildops", "source-spectrum", "destination-spectrum")
WORKDIR, WHEELS = "/airbyte/integration_code", "/tmp/tieout-wheels"


def dockerfile_steps(folder: Path) -> list[tuple[str, str]]:
    lines = [line for line in (folder / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [tuple(line.split(None, 1)) for line in joined.splitlines() if line.strip()]


def docker_context(connector: str, target: Path) -> Path:
    """What `docker build <folder>` sends: the folder alone, less what its .dockerignore names."""
    ignored = [
        line.strip().strip("/").removeprefix("**/")
        for line in (ROOT / connector / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return Path(shutil.copytree(ROOT / connector, target, ignore=shutil.ignore_patterns(*ignored)))


@pytest.mark.parametrize("connector", IMAGE_CONNECTORS)
def test_given_a_copy_of_the_connector_folder_alone_when_its_dockerfile_install_steps_run_then_main_py_answers_spec(
    connector, pip_install, dist, pip_cache, tmp_path
):
    """The Dockerfile's `RUN pip install` steps, run as written on a copy of the folder, with the wheels the
    `--build-context tieout-wheels=dist` stage copies; then its ENTRYPOINT. The apt-get step (ODBC drivers)
    needs root in a fresh image and is not run here; the venv is the pip test's (the libraries are shared), so
    only the connector itself is built and installed from the copy."""
    venv = pip_install.result()
    context = docker_context(connector, tmp_path / "integration_code")
    assert not (context / "tests").exists() and not (context / "secrets").exists()
    wheels = tmp_path / "tieout-wheels"
    wheels.mkdir()
    for wheel in dist.glob("*.whl"):
        shutil.copy(wheel, wheels)
    env = pip_env(pip_cache)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"

    # Airbyte's own python-connector build uses `uv pip install .`: the folder must resolve there too
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    check_output(
        [uv, "pip", "install", "--dry-run", "--python", venv / "bin" / "python", "--find-links", wheels, "."],
        env=env,
        cwd=context,
    )

    steps = dockerfile_steps(ROOT / connector)
    installs_run = [args for op, args in steps if op == "RUN" and "pip install" in args]
    assert installs_run, "no pip install step in the Dockerfile"
    for command in installs_run:
        check_output(["bash", "-euc", command.replace(WHEELS, str(wheels))], env=env, cwd=context)

    entrypoint = json.loads(next(args for op, args in steps if op == "ENTRYPOINT"))
    command = [part.replace(WORKDIR, str(context)) for part in entrypoint]
    assert Path(shutil.which(command[0], path=env["PATH"])).is_relative_to(venv)
    spec = run_cli([*command, "spec"], env=env, cwd=context)
    assert spec.returncode == 0 and spec.of_type("SPEC"), spec.output()[-2000:]
    shown = check_output([venv / "bin" / "pip", "show", "-f", connector], env=env)
    assert "Editable project location" not in shown and str(venv) in shown
