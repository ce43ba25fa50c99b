"""Bad input a user can hand the sources, each met with a clear error that names the field and the fix.

The mutations are derived from each connector's own SPEC (its required fields, its typed fields) and from the
ready configs `tieout-sandbox serve` writes, so the tests follow the connectors as their settings evolve.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from tieout_it import configured_catalog, discover, executable, failure_text, run_cli, write_json

SOURCES = ["source-buildops", "source-spectrum"]
LOOPBACK_URL = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d+)?", re.IGNORECASE)


def _spec(connector: str) -> dict:
    run = run_cli([executable(connector), "spec"], timeout=120)
    return run.of_type("SPEC")[0]["spec"]["connectionSpecification"]


def _assert_refused(run, *must_mention: str) -> str:
    status = run.connection_status
    failed = run.returncode != 0 or (status is not None and status.get("status") == "FAILED") or run.trace_errors
    assert failed, f"expected a refusal, got:\n{run.output()[-3000:]}"
    # A stack trace inside a TRACE message's stack_trace field is the protocol; a raw one on stdout is not.
    raw_lines = [line for line in run.stdout.splitlines() if not line.lstrip().startswith("{")]
    assert not any("Traceback (most recent call last)" in line for line in raw_lines), "a bare traceback on stdout"
    text = failure_text(run)
    for word in must_mention:
        assert word.lower() in text.lower(), f"the error does not mention {word!r}:\n{text[-2000:]}"
    return text


def _check(connector: str, config: dict, tmp_path) -> object:
    path = write_json(tmp_path / f"{connector}-bad.json", config)
    return run_cli([executable(connector), "check", "--config", str(path)], timeout=180)


@pytest.mark.parametrize("connector", SOURCES)
def test_given_a_config_missing_each_required_field_when_checked_then_the_error_names_that_field(
    connector, clean_sandbox, tmp_path
):
    spec = _spec(connector)
    required = spec.get("required") or []
    assert required, f"{connector} declares no required settings"
    for name in required[:3]:
        config = clean_sandbox.config(connector)
        config.pop(name, None)
        _assert_refused(_check(connector, config, tmp_path), name)


@pytest.mark.parametrize("connector", SOURCES)
def test_given_a_config_with_wrong_types_when_checked_then_the_error_names_the_field(
    connector, clean_sandbox, tmp_path
):
    spec = _spec(connector)
    typed = [
        (name, prop)
        for name, prop in spec.get("properties", {}).items()
        if _types(prop) & {"integer", "number", "boolean", "array"}
    ]
    assert typed, f"{connector} has no typed settings to test"
    one_per_kind = {}
    for name, prop in typed:
        one_per_kind.setdefault(frozenset(_types(prop)), (name, prop))
    for name, prop in list(one_per_kind.values())[:3]:
        config = clean_sandbox.config(connector)
        config[name] = {"not": "the right type"} if "array" in _types(prop) else "not-a-number"
        _assert_refused(_check(connector, config, tmp_path), name)


def _types(prop: dict) -> set[str]:
    found = set()
    for variant in [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]:
        kind = variant.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found


def _replace_loopback_urls(node, replacement: str):
    """Every plain-HTTP loopback URL in a config swapped for a non-loopback host; returns the field names."""
    changed = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and LOOPBACK_URL.match(value):
                node[key] = LOOPBACK_URL.sub(replacement, value)
                changed.append(key)
            else:
                changed += _replace_loopback_urls(value, replacement)
    elif isinstance(node, list):
        for item in node:
            changed += _replace_loopback_urls(item, replacement)
    return changed


PLAIN_HTTP_CASES = [
    pytest.param("source-buildops", "source-buildops"),
    pytest.param("source-spectrum", "source-spectrum.data_exchange"),
    pytest.param("destination-spectrum", "destination-spectrum"),
]


@pytest.mark.parametrize(("connector", "config_name"), PLAIN_HTTP_CASES)
def test_given_a_plain_http_url_to_a_remote_host_when_checked_then_it_is_refused_before_any_request(
    connector, config_name, clean_sandbox, tmp_path
):
    config = json.loads((clean_sandbox.data_dir / "configs" / f"{config_name}.json").read_text())
    # A name that can only resolve on a misconfigured machine: the refusal must come before any lookup.
    changed = _replace_loopback_urls(config, "http://erp.contractor.invalid")
    if not changed:
        pytest.fail(f"the sandbox config of {connector} has no http URL to test")
    text = _assert_refused(_check(connector, config, tmp_path), "https")
    assert any(name in text for name in changed), f"the error does not name the URL setting {changed}:\n{text}"


@pytest.mark.parametrize("connector", SOURCES)
def test_given_a_catalog_naming_an_unknown_stream_when_read_then_the_error_names_it(connector, clean_sandbox, tmp_path):
    config_file = clean_sandbox.config_file(connector)
    catalog = configured_catalog(discover(executable(connector), config_file))
    catalog["streams"] = catalog["streams"][:1]
    ghost = copy.deepcopy(catalog["streams"][0])
    ghost["stream"]["name"] = "no_such_stream"
    catalog["streams"].append(ghost)
    run = run_cli(
        [
            executable(connector),
            "read",
            "--config",
            str(config_file),
            "--catalog",
            str(write_json(tmp_path / "catalog.json", catalog)),
        ],
        timeout=300,
    )
    text = _assert_refused(run, "no_such_stream")
    assert "not found" in text.lower() or "unknown" in text.lower() or "does not exist" in text.lower(), text


@pytest.mark.parametrize("corruption", ["{not json", '[{"type": "STREAM", "stream": 42}]'])
@pytest.mark.parametrize("connector", SOURCES)
def test_given_a_corrupted_state_file_when_read_then_a_clear_error_and_no_partial_sync(
    connector, corruption, clean_sandbox, tmp_path
):
    config_file = clean_sandbox.config_file(connector)
    catalog = configured_catalog(discover(executable(connector), config_file))
    state_file = tmp_path / "state.json"
    state_file.write_text(corruption)
    run = run_cli(
        [
            executable(connector),
            "read",
            "--config",
            str(config_file),
            "--catalog",
            str(write_json(tmp_path / "catalog.json", catalog)),
            "--state",
            str(state_file),
        ],
        timeout=300,
    )
    _assert_refused(run, "state")
    assert run.records == [], "records were emitted from an unreadable state (the next state would be wrong)"


@pytest.mark.parametrize("evil", ["MEC'; DROP TABLE JC_JOB_MASTER_MC;--", "MEC' OR '1'='1", "<MEC/>", "M&C"])
@pytest.mark.parametrize("config_name", ["source-spectrum.sql", "source-spectrum.data_exchange"])
def test_given_sql_or_xml_injection_in_a_spectrum_company_code_when_checked_then_refused_naming_the_field(
    evil, config_name, clean_sandbox, tmp_path
):
    config = json.loads((clean_sandbox.data_dir / "configs" / f"{config_name}.json").read_text())
    assert "MEC" in config["companies"], "expected the sandbox config to list company MEC"
    config["companies"] = [evil if code == "MEC" else code for code in config["companies"]]
    _assert_refused(_check("source-spectrum", config, tmp_path), "compan")
    tables = _spectrum_tables(clean_sandbox)
    assert "JC_JOB_MASTER_MC" in tables, "the injection reached the database"


def _spectrum_tables(sandbox) -> set[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{sandbox.data_dir / 'spectrum' / 'spectrum.sqlite'}?mode=ro", uri=True)
    try:
        return {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


# A state file whose outer shape is right (STATE messages for a stream the source has) but whose inside is not
# what that source writes: a hand edit, a state copied from another connector, a truncated migration.
INNER_SHAPE_CASES = [
    pytest.param(
        "source-buildops",
        "jobs",
        {"tenants": {"t-1": {"watermark": 42}}},
        "tenants['t-1'].watermark is 42, expected an ISO 8601 timestamp",
        id="buildops-watermark",
    ),
    pytest.param(
        "source-buildops",
        "invoices",
        {"tenants": ["t-1"]},
        "tenants is ['t-1'], expected an object",
        id="buildops-tenants",
    ),
    pytest.param(
        "source-spectrum",
        "job_cost_transactions",
        {"companies": {"MEC": {"cursor": 20261130}}},
        "companies['MEC'].cursor is 20261130, expected a date such as 2026-11-30",
        id="spectrum-cursor",
    ),
]


@pytest.mark.parametrize(("connector", "stream", "stream_state", "problem"), INNER_SHAPE_CASES)
def test_given_a_state_of_the_wrong_inner_shape_when_read_then_a_config_error_names_the_file_stream_and_fix(
    connector, stream, stream_state, problem, clean_sandbox, tmp_path
):
    config_file = clean_sandbox.config_file(connector)
    catalog = configured_catalog(discover(executable(connector), config_file))
    state_file = write_json(
        tmp_path / "state.json",
        [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}],
    )
    run = run_cli(
        [
            executable(connector),
            "read",
            "--config",
            str(config_file),
            "--catalog",
            str(write_json(tmp_path / "catalog.json", catalog)),
            "--state",
            str(state_file),
        ],
        timeout=300,
    )
    _assert_refused(run)
    assert [e["failure_type"] for e in run.trace_errors] == ["config_error"], run.trace_errors
    assert run.trace_errors[0]["message"] == (
        f"The state file {state_file} holds a state for stream '{stream}' that {connector} did not write "
        f"({problem}): remove the file (or leave out --state) to start a full sync, or restore it from the last "
        "STATE messages a sync emitted"
    )
    assert run.records == [], "records were emitted before the state was refused"


def test_given_a_singer_state_of_the_wrong_inner_shape_when_the_tap_runs_then_one_config_error_line(
    clean_sandbox, tmp_path
):
    state_file = write_json(tmp_path / "state.json", {"bookmarks": {"jobs": {"tieout": {"tenants": {"t-1": []}}}}})
    run = run_cli(
        [
            executable("tap-buildops"),
            "--config",
            str(clean_sandbox.config_file("source-buildops")),
            "--state",
            str(state_file),
        ],
        timeout=300,
    )
    assert run.returncode == 1
    assert (
        f"tap-buildops: config_error: The state file {state_file} holds a state for stream 'jobs' that "
        "source-buildops did not write (tenants['t-1'] is [], expected an object): remove the file"
    ) in run.stderr, run.stderr[-2000:]
    assert run.of_type("RECORD") == []


FUTURE_CASES = [
    pytest.param(
        "source-buildops",
        "jobs",
        "tenants",
        "2099-01-01T00:00:00.000Z",
        "Stream jobs, tenant {partition}: the saved cursor 2099-01-01T00:00:00.000Z is later than now",
        id="source-buildops",
    ),
    pytest.param(
        "source-spectrum",
        "job_cost_transactions",
        "companies",
        "2099-01-01",
        "Stream job_cost_transactions, company {partition}: the saved cursor 2099-01-01 is after today",
        id="source-spectrum",
    ),
]


@pytest.mark.parametrize(("connector", "stream", "partitions", "future", "warning"), FUTURE_CASES)
def test_given_a_saved_cursor_in_the_future_when_read_then_a_warning_names_stream_and_value_and_the_cursor_recovers(
    connector, stream, partitions, future, warning, clean_sandbox, tmp_path
):
    config = clean_sandbox.config(connector)
    partition = (config.get("tenant_ids") or config.get("companies"))[0]
    key = "watermark" if partitions == "tenants" else "cursor"
    stream_state = {partitions: {partition: {key: future}}}
    config_file = clean_sandbox.config_file(connector)
    catalog = configured_catalog(discover(executable(connector), config_file), [stream])
    state_file = write_json(
        tmp_path / "state.json",
        [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}],
    )
    run = run_cli(
        [
            executable(connector),
            "read",
            "--config",
            str(config_file),
            "--catalog",
            str(write_json(tmp_path / "catalog.json", catalog)),
            "--state",
            str(state_file),
        ],
        timeout=300,
    )
    assert run.returncode == 0, run.output()[-3000:]
    logs = [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN"]
    expected = warning.format(partition=partition)
    assert any(message.startswith(expected) for message in logs), logs
    final = run.states[-1]["stream"]["stream_state"][partitions][partition]
    assert final.get(key) is None or final[key] < future[:10], f"the future cursor was kept: {final}"
