"""What an Airbyte deployment needs to add each connector as a custom connector, the protocol's SPEC, and what a
package index needs to accept each distribution.

Airbyte (OSS or Cloud) adds a custom connector from a Docker image built from the connector's folder; the
airbyte-cdk tooling reads `metadata.yaml` (`data.tags: language:python`, `connectorType`, image name), checked
here against Airbyte's published metadata schema (vendored in airbyte_metadata_schema/). The SPEC must mark
every secret `airbyte_secret: true` or the platform shows it in its UI and logs. The image recipe itself is run
on a copy of each folder in test_integration_install.py (no Docker engine here).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import tomllib
import yaml
from packaging.specifiers import SpecifierSet
from tieout_it import ROOT, executable, run_cli

CONNECTORS = {
    "source-buildops": "source",
    "source-spectrum": "source",
    "destination-spectrum": "destination",
}
SECRET_NAME = re.compile(r"secret|password|authorization_id|token|pwd", re.IGNORECASE)


@pytest.mark.parametrize("connector", sorted(CONNECTORS))
def test_given_a_connector_folder_when_an_airbyte_deployment_reads_it_then_metadata_and_dockerfile_are_complete(
    connector,
):
    folder = ROOT / connector
    metadata = yaml.safe_load((folder / "metadata.yaml").read_text())["data"]
    assert metadata["connectorType"] == CONNECTORS[connector]
    assert metadata["dockerRepository"].endswith(connector)
    uuid.UUID(str(metadata["definitionId"]))
    assert "language:python" in metadata.get("tags", [])
    dockerfile = (folder / "Dockerfile").read_text()
    assert re.search(r"^FROM ", dockerfile, re.MULTILINE), "Dockerfile has no FROM"
    assert "ENTRYPOINT" in dockerfile or "AIRBYTE_ENTRYPOINT" in dockerfile
    assert (folder / "main.py").exists()


SPEC_CASES = [
    "source-buildops",
    "source-spectrum",
    "destination-spectrum",
]


@pytest.mark.parametrize("connector", SPEC_CASES)
def test_given_a_connector_when_asked_for_its_spec_by_cli_and_by_main_py_then_one_spec_marks_every_secret(connector):
    by_cli = run_cli([executable(connector), "spec"], timeout=120)
    by_hand = run_cli([sys.executable, str(ROOT / connector / "main.py"), "spec"], timeout=120)
    for run in (by_cli, by_hand):
        specs = run.of_type("SPEC")
        assert run.returncode == 0 and len(specs) == 1, run.output()[-2000:]
    assert by_cli.of_type("SPEC") == by_hand.of_type("SPEC")
    properties = _all_properties(by_cli.of_type("SPEC")[0]["spec"]["connectionSpecification"])
    secret_like = [name for name, prop in properties if SECRET_NAME.search(name) and prop.get("type") != "boolean"]
    unmarked = [name for name, prop in properties if name in secret_like and not prop.get("airbyte_secret")]
    assert secret_like, "expected at least one secret setting"
    assert unmarked == [], f"secrets without airbyte_secret: {unmarked}"


def _all_properties(schema, prefix=""):
    found = []
    for name, prop in (schema.get("properties") or {}).items():
        found.append((name, prop))
        found.extend(_all_properties(prop, f"{prefix}{name}."))
        for variant in prop.get("oneOf", []) + prop.get("anyOf", []):
            found.extend(_all_properties(variant, f"{prefix}{name}."))
        if isinstance(prop.get("items"), dict):
            found.extend(_all_properties(prop["items"], f"{prefix}{name}[]."))
    return found


# ---------------------------------------------------------------------------------------------------------
# metadata.yaml and the Dockerfile, as Airbyte's tooling reads them
# ---------------------------------------------------------------------------------------------------------

METADATA_SCHEMA = Path(__file__).parent / "airbyte_metadata_schema" / "ConnectorMetadataDefinitionV0.json"
PINNED_IMAGE = re.compile(r"^[\w.\-/]+:[\w.\-]+@sha256:[0-9a-f]{64}$")


def metadata_validator() -> jsonschema.Draft7Validator:
    """Airbyte's schema as its generator meant it: one document whose `$ref`s point from the root.

    The generated file keeps each inlined sub-schema's own `$id`, under which draft-07 would resolve
    `#/properties/data/...` against the sub-schema and find nothing; the nested `$id`s are dropped on loading.
    """

    def without_nested_ids(node: Any, root: bool = False) -> Any:
        if isinstance(node, dict):
            return {k: without_nested_ids(v) for k, v in node.items() if root or k != "$id"}
        if isinstance(node, list):
            return [without_nested_ids(v) for v in node]
        return node

    schema = without_nested_ids(json.loads(METADATA_SCHEMA.read_text()), root=True)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def metadata_of(connector: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / connector / "metadata.yaml").read_text())


def dockerfile_instructions(connector: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    lines = [line for line in (ROOT / connector / "Dockerfile").read_text().splitlines() if not line.startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


def package_version(folder: str) -> str:
    return tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.parametrize("connector", sorted(CONNECTORS))
def test_given_airbytes_published_metadata_schema_when_each_metadata_yaml_is_validated_then_it_conforms(connector):
    errors = [
        f"{'.'.join(map(str, e.path))}: {e.message}" for e in metadata_validator().iter_errors(metadata_of(connector))
    ]
    assert errors == []


def test_given_a_metadata_yaml_missing_a_field_airbyte_requires_when_validated_then_the_schema_names_it():
    broken = metadata_of("source-buildops")
    broken["data"]["remoteRegistries"]["pypi"].pop("packageName")
    broken["data"]["connectorSubtype"] = "rest"
    messages = sorted(e.message for e in metadata_validator().iter_errors(broken))
    assert messages[0].startswith("'packageName' is a required property")
    assert messages[1].startswith("'rest' is not one of")


def test_given_the_three_connectors_when_their_metadata_is_compared_then_they_share_one_pinned_base_and_one_shape():
    data = {c: metadata_of(c)["data"] for c in CONNECTORS}
    bases = {c: d["connectorBuildOptions"]["baseImage"] for c, d in data.items()}
    assert len(set(bases.values())) == 1, bases
    assert all(PINNED_IMAGE.match(base) for base in bases.values()), f"baseImage without a digest: {bases}"
    assert len({tuple(sorted(d)) for d in data.values()}) == 1, {c: sorted(d) for c, d in data.items()}
    for connector, fields in data.items():
        assert fields["allowedHosts"]["hosts"], connector
        assert fields["remoteRegistries"]["pypi"]["packageName"] == connector


@pytest.mark.parametrize("connector", sorted(CONNECTORS))
def test_given_a_dockerfile_when_read_as_airbyte_builds_it_then_it_builds_from_its_folder_and_runs_as_airbyte(
    connector,
):
    steps = dockerfile_instructions(connector)
    metadata = metadata_of(connector)["data"]
    assert [args for op, args in steps if op == "FROM"] == [metadata["connectorBuildOptions"]["baseImage"]]
    copies = [args for op, args in steps if op == "COPY"]
    # its own folder (the build context) and the Tieout wheels (`--build-context tieout-wheels=dist`), nothing else
    assert copies == [". ./", "--from=tieout-wheels *.whl /tmp/tieout-wheels/"]
    runs = [args for op, args in steps if op == "RUN"]
    assert not [run for run in runs if re.search(r"\|\|\s*(true|:)\b", run)], "a RUN step hides a failure"
    assert any("pip install" in run and "--find-links /tmp/tieout-wheels ." in run for run in runs)
    last_run = max(i for i, (op, _) in enumerate(steps) if op == "RUN")
    users = [(i, args) for i, (op, args) in enumerate(steps) if op == "USER"]
    assert users and users[-1][1] == "airbyte" and users[-1][0] > last_run, "the image must run as `airbyte`"
    labels = dict(args.split("=", 1) for op, args in steps if op == "LABEL")
    assert labels["io.airbyte.version"] == metadata["dockerImageTag"] == package_version(connector)


# ---------------------------------------------------------------------------------------------------------
# The distributions, as a package index reads them (`make dist` builds and `twine check`s them)
# ---------------------------------------------------------------------------------------------------------

PACKAGES = [
    "connector-core",
    "spectrum-client",
    "source-buildops",
    "source-spectrum",
    "destination-spectrum",
    "target-duckdb",
    "sandbox",
    "demo",
    "desk",
    "mapping-assistant",
]
TIEOUT_LIBRARIES = {"tieout-connector-core": "connector-core", "tieout-spectrum-client": "spectrum-client"}


@pytest.mark.parametrize("folder", PACKAGES)
def test_given_a_package_when_read_as_a_distribution_then_it_carries_the_licence_a_changelog_and_ranges(folder):
    pyproject = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())
    project = pyproject["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    # a copy of the root LICENSE, so that the folder alone (an sdist, a Docker build context) carries it
    assert (ROOT / folder / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    assert f"## [{project['version']}]" in (ROOT / folder / "CHANGELOG.md").read_text()
    # the workspace root's tool.uv.sources resolves members locally; a member's own would stop `uv pip install .`
    # of the folder alone ("references a workspace in tool.uv.sources ... is not a workspace member")
    assert "sources" not in pyproject.get("tool", {}).get("uv", {})
    for requirement in project.get("dependencies", []):
        name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
        if name in TIEOUT_LIBRARIES:
            ranges = SpecifierSet(requirement[len(name) :])
            assert ranges and package_version(TIEOUT_LIBRARIES[name]) in ranges, requirement
            assert not ranges.contains("1.0.0"), f"{requirement}: no upper bound below the next breaking release"
