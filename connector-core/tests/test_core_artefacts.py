"""`python -m tieout_core.artefacts`: the settings Meltano gets from a config model, the meltano.yml rewrite that
keeps everything else, and --check's verdict on a repository whose committed files drifted."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Literal

import pytest
import yaml
from pydantic import BaseModel, Field, SecretStr
from tieout_core import ConnectorConfig
from tieout_core.artefacts import main, meltano_settings, meltano_with_settings


class Odbc(BaseModel):
    driver: str = Field("", description="ODBC driver")
    fetch_size: int = 500
    options: dict[str, str] = Field(default_factory=dict)


class Example(ConnectorConfig):
    client_secret: SecretStr = Field(description="API secret")
    transport: Literal["sql", "rest"] = Field("sql", description="how to read")
    page_base: Literal[0, 1] = 1
    companies: list[str] = Field(default_factory=list)
    start_date: dt.date = dt.date(2000, 1, 1)
    dry_run: bool = False
    timeout_seconds: float = 30.0
    odbc: Odbc = Field(default_factory=Odbc)


MELTANO = textwrap.dedent(
    """\
    # a comment kept as it is
    plugins:
      extractors:
      - name: tap-example
        namespace: tap_example
        settings:
        - name: old_setting
          kind: integer
        - name: gone
        config:
          page_size: 10   # a comment kept too

      - name: tap-other
        settings:
        - name: untouched
    """
)


def test_given_a_model_when_rendering_meltano_settings_then_nested_names_are_dotted_and_kinds_follow_the_types():
    settings = meltano_settings(Example, {"transport": {"options": [{"label": "SQL", "value": "sql"}]}})
    by_name = {s["name"]: s for s in settings}
    assert list(by_name) == [
        "client_secret",
        "transport",
        "page_base",
        "companies",
        "start_date",
        "dry_run",
        "timeout_seconds",
        "odbc.driver",
        "odbc.fetch_size",
        "odbc.options",
    ]
    assert by_name["client_secret"] == {
        "name": "client_secret",
        "kind": "password",
        "sensitive": True,
        "description": "API secret",
    }
    assert by_name["transport"]["kind"] == "options" and by_name["transport"]["options"] == [
        {"label": "SQL", "value": "sql"}
    ]
    assert by_name["page_base"]["kind"] == "integer"  # a choice of numbers stays a number
    assert [by_name[n].get("kind") for n in ("companies", "start_date", "dry_run", "timeout_seconds")] == [
        "array",
        "date_iso8601",
        "boolean",
        None,
    ]
    assert by_name["odbc.driver"]["description"] == "ODBC driver"
    assert by_name["odbc.fetch_size"]["kind"] == "integer" and by_name["odbc.options"]["kind"] == "object"


def test_given_meltano_yml_when_one_plugins_settings_are_replaced_then_every_other_line_is_kept():
    settings = [{"name": "page_size", "kind": "integer", "description": "rows: per page"}]
    text = meltano_with_settings(MELTANO, "tap-example", settings)
    assert yaml.safe_load(text)["plugins"]["extractors"][0]["settings"] == settings
    assert yaml.safe_load(text)["plugins"]["extractors"][1] == {
        "name": "tap-other",
        "settings": [{"name": "untouched"}],
    }
    assert "# a comment kept as it is\n" in text and "page_size: 10   # a comment kept too\n" in text
    assert "old_setting" not in text and "gone" not in text
    assert meltano_with_settings(text, "tap-example", settings) == text


def test_given_meltano_yml_without_the_plugin_when_writing_its_settings_then_the_error_names_plugin_and_fix():
    with pytest.raises(ValueError, match=r"meltano.yml has no plugin `- name: tap-missing`; add it, then regenerate"):
        meltano_with_settings(MELTANO, "tap-missing", [])


def test_given_a_repository_whose_spec_drifted_when_checked_then_it_is_named_and_regenerating_clears_it(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "pyproject.toml").write_text('[tool.tieout]\nartefacts = ["example_artefacts"]\n')
    (tmp_path / "meltano.yml").write_text(MELTANO)
    (tmp_path / "example_artefacts.py").write_text(
        textwrap.dedent(
            """\
            from pydantic import Field, SecretStr
            from tieout_core import ConnectorConfig
            from tieout_core.artefacts import Artefacts


            class Example(ConnectorConfig):
                client_secret: SecretStr = Field(description="API secret")


            ARTEFACTS = Artefacts(
                config_model=Example,
                documentation_url="https://docs.invalid",
                spec_path="example/spec.json",
                meltano_plugin="tap-example",
                files=lambda: {"catalog/example.json": "{}\\n"},
            )
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "stale example_artefacts: catalog/example.json",
        "stale example_artefacts: example/spec.json",
        "stale example_artefacts: meltano.yml",
    ]
    assert main(["--root", str(tmp_path)]) == 0
    assert (tmp_path / "catalog" / "example.json").read_text() == "{}\n"
    assert main(["--check", "--root", str(tmp_path)]) == 0
    assert "tap-other" in (tmp_path / "meltano.yml").read_text()
