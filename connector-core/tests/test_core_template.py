"""`tieout-core new`: the template renders a connector folder; examples/source-example is exactly its output (so
the example's standard suites, run in make test, are the template's), and bad names get a clear error."""

from pathlib import Path

import pytest
from tieout_core._cli import main, new_connector

EXAMPLE = Path(__file__).parents[2] / "examples" / "source-example"
# What the example adds to the template's output: the same tap in plain singer-sdk, for the line count.
ADDED_TO_EXAMPLE = {"tests/source_example_plain_singer.py", "tests/test_source_example_plain_singer.py"}
IGNORED_PARTS = {"__pycache__", "secrets", ".pytest_cache"}


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not IGNORED_PARTS.intersection(path.relative_to(root).parts)
    }


def test_given_source_example_when_rendered_then_it_is_exactly_the_committed_example(tmp_path):
    rendered = files(new_connector("source-example", tmp_path))
    committed = {name: body for name, body in files(EXAMPLE).items() if name not in ADDED_TO_EXAMPLE}
    assert sorted(rendered) == sorted(committed)
    assert [name for name in rendered if rendered[name] != committed[name]] == []


def test_given_a_name_that_is_not_source_dash_something_when_creating_then_the_error_shows_the_form(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["new", "Acme_ERP", "--into", str(tmp_path)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "tieout-core: 'Acme_ERP' is not a connector name: use source-<system> in lower case letters, digits and"
        " dashes (source-acme, source-acme-erp)"
    )


def test_given_a_folder_that_already_has_files_when_creating_then_nothing_is_overwritten(tmp_path, capsys):
    (tmp_path / "source-acme").mkdir()
    (tmp_path / "source-acme" / "streams.py").write_text("# mine")
    with pytest.raises(SystemExit):
        main(["new", "source-acme", "--into", str(tmp_path)])
    assert "already exists and is not empty" in capsys.readouterr().err
    assert (tmp_path / "source-acme" / "streams.py").read_text() == "# mine"
