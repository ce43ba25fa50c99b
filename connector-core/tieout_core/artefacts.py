"""The committed files a connector generates from its code, written (or checked) by one command:

    .venv/bin/python -m tieout_core.artefacts            # regenerate every connector's files
    .venv/bin/python -m tieout_core.artefacts --check    # list the stale ones; exit 1 if any

For each connector named in the repository's pyproject.toml (`[tool.tieout] artefacts`, one module each that
exposes `ARTEFACTS`): its Airbyte `spec.json`, its catalogs and schemas, the settings table in its README (between
`<!-- settings:start -->` and `<!-- settings:end -->`) and its plugin's `settings:` in meltano.yml. All of them
come from the connector's one config model (and its stream declarations), so a setting's description is written
in one place. Each connector's drift test calls `stale()` on its own ARTEFACTS.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from tieout_core._config import config_json_schema, render_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the workspace runs 3.11; connector-core alone still installs on 3.10
    import tomli as tomllib

TABLE_START, TABLE_END = "<!-- settings:start -->", "<!-- settings:end -->"
MELTANO_FILE = "meltano.yml"


@dataclass(frozen=True)
class Artefacts:
    """What one connector commits that its code generates; every path is relative to the repository root.

    `files()` renders the catalogs and schemas (path -> text); `meltano_extra` adds what Meltano shows that the
    model does not carry (setting name -> keys such as an options setting's labels, or `kind: date_iso8601`)."""

    config_model: type[BaseModel]
    documentation_url: str
    spec_path: str
    meltano_plugin: str
    files: Callable[[], Mapping[str, str]] = dict
    readme_path: str | None = None
    meltano_extra: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def render(self, root: Path) -> dict[str, str]:
        """Every generated file as it should be committed (README and meltano.yml with their parts replaced)."""
        out = {self.spec_path: render_spec(self.config_model, self.documentation_url), **self.files()}
        if self.readme_path:
            out[self.readme_path] = readme_with_table((root / self.readme_path).read_text(), self.config_model)
        meltano = root / MELTANO_FILE
        out[MELTANO_FILE] = meltano_with_settings(
            meltano.read_text(), self.meltano_plugin, meltano_settings(self.config_model, self.meltano_extra)
        )
        return out


def stale(artefacts: Artefacts, root: Path) -> list[str]:
    """The connector's committed files that differ from what its code generates."""
    return sorted(
        path
        for path, text in artefacts.render(root).items()
        if not (root / path).exists() or (root / path).read_text() != text
    )


def write(artefacts: Artefacts, root: Path) -> list[str]:
    written = []
    for path, text in artefacts.render(root).items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(path)
    return written


def render_json(body: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(body, indent=2, sort_keys=sort_keys) + "\n"


# -- README settings table -----------------------------------------------------------------------------------------
def settings_table(model: type[BaseModel]) -> str:
    """The README's settings table, from the same model as spec.json."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    rows = ["| setting | default | description |", "|---|---|---|"]
    for name, prop in schema["properties"].items():
        default = "required" if name in required else f"`{json.dumps(prop.get('default', {}))}`"
        secret = " (secret)" if prop.get("writeOnly") else ""
        rows.append(f"| `{name}`{secret} | {default} | {prop.get('description', '')} |")
    return "\n".join(rows)


def readme_with_table(text: str, model: type[BaseModel]) -> str:
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{settings_table(model)}\n{TABLE_END}{tail}"


# -- meltano.yml ---------------------------------------------------------------------------------------------------
def meltano_settings(
    model: type[BaseModel], extra: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Meltano's `settings:` for the model: nested settings as dotted names, secrets `kind: password` and
    `sensitive: true`, and each description the model's own (`extra` overrides or adds keys per setting)."""
    settings: list[dict[str, Any]] = []

    def visit(properties: Mapping[str, Any], prefix: str) -> None:
        for name, prop in properties.items():
            variants = [prop, *prop.get("anyOf", [])]
            nested = next((v for v in variants if v.get("type") == "object" and "properties" in v), None)
            if nested is not None:
                visit(nested["properties"], f"{prefix}{name}.")
                continue
            setting: dict[str, Any] = {"name": f"{prefix}{name}"}
            types = {v.get("type") for v in variants}
            enum: list[Any] = next((v["enum"] for v in variants if "enum" in v), [])
            if prop.get("secret"):
                setting.update(kind="password", sensitive=True)
            elif enum and all(isinstance(v, str) for v in enum):
                setting.update(kind="options", options=[{"label": v, "value": v} for v in enum])
            elif "boolean" in types:
                setting["kind"] = "boolean"
            elif "integer" in types:
                setting["kind"] = "integer"
            elif "array" in types:
                setting["kind"] = "array"
            elif "object" in types:
                setting["kind"] = "object"
            elif any(v.get("format") == "date" for v in variants):
                setting["kind"] = "date_iso8601"
            if prop.get("description"):
                setting["description"] = prop["description"]
            settings.append({**setting, **(extra or {}).get(setting["name"], {})})

    visit(config_json_schema(model, "singer").get("properties", {}), "")
    return settings


def meltano_with_settings(text: str, plugin: str, settings: list[dict[str, Any]]) -> str:
    """meltano.yml with the plugin's `settings:` list replaced; every other line (comments too) kept."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"  - name: {plugin}"), None)
    if start is None:
        raise ValueError(f"{MELTANO_FILE} has no plugin `- name: {plugin}`; add it, then regenerate")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - ") or not lines[i].strip()), len(lines)
    )
    try:
        first = next(i for i in range(start, end) if lines[i].rstrip() == "    settings:")
    except StopIteration:
        raise ValueError(f"{MELTANO_FILE}: plugin {plugin} has no `settings:` list to replace") from None
    last = first + 1
    while last < end and lines[last].startswith(("    - ", "      ")):
        last += 1
    body = yaml.safe_dump(settings, sort_keys=False, width=10**6, allow_unicode=True)
    block = ["    settings:\n", *(f"    {line}\n" for line in body.splitlines())]
    return "".join([*lines[:first], *block, *lines[last:]])


# -- the command ---------------------------------------------------------------------------------------------------
def registered(root: Path) -> dict[str, Artefacts]:
    """The connectors the repository's pyproject.toml lists under `[tool.tieout] artefacts`."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    modules = config.get("tool", {}).get("tieout", {}).get("artefacts", [])
    return {name: importlib.import_module(name).ARTEFACTS for name in modules}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tieout_core.artefacts", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale files and exit 1 if any; write nothing")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: here)")
    args = parser.parse_args(argv)
    found = registered(args.root)
    if not found:
        print(f"no connectors under [tool.tieout] artefacts in {args.root / 'pyproject.toml'}", file=sys.stderr)
        return 2
    if args.check:
        behind = [f"{name}: {path}" for name, a in found.items() for path in stale(a, args.root)]
        for line in behind:
            print(f"stale {line}")
        return 1 if behind else 0
    for name, a in found.items():
        for path in write(a, args.root):
            print(f"{name}: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
