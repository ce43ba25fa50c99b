"""The line-count comparison is between taps that do the same: the plain singer-sdk tap and ours read the same
records from the fake API. Counts (code lines, no blanks, comments or docstrings) are in the README."""

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from source_example.tap import TapExample
from source_example_plain_singer import TapExample as PlainTapExample


def records_by_stream(tap_class, config):
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap_class(config=config, validate_config=True).sync_all()
    found = {}
    for line in buffer.getvalue().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            found.setdefault(message["stream"], []).append(message["record"])
    return found


def test_given_the_fake_api_when_both_taps_sync_then_they_emit_the_same_records(api, api_config):
    ours = records_by_stream(TapExample, api_config)
    plain = records_by_stream(PlainTapExample, api_config)
    assert sorted(ours) == sorted(plain) == ["invoices", "projects", "tasks"]
    for stream in ours:
        assert sorted(r["id"] for r in ours[stream]) == sorted(r["id"] for r in plain[stream]), stream
    assert {(r["id"], r["project_id"]) for r in ours["tasks"]} == {(r["id"], r["project_id"]) for r in plain["tasks"]}


def code_lines(path):
    """Lines holding code: no blank lines, comments or docstrings (a string standing alone as a statement)."""
    import ast

    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docstrings.update(range(node.lineno, node.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    )


def test_given_both_taps_when_their_python_lines_are_counted_then_ours_is_no_longer():
    here = Path(__file__).parent
    package = here.parent / "source_example"
    ours = sum(code_lines(path) for path in package.glob("*.py"))
    schemas = sum(len(path.read_text().splitlines()) for path in (package / "schemas").glob("*.json"))
    plain = code_lines(here / "source_example_plain_singer.py")  # its stream schemas are inline Python
    print(f"source-example: {ours} Python lines + {schemas} lines of JSON schema; plain singer-sdk: {plain}")
    assert ours <= plain
