"""What an Airbyte deployment needs to add each connector as a custom connector, and the protocol's SPEC.

Airbyte (OSS or Cloud) adds a custom connector from a Docker image built from the connector's folder; the
airbyte-cdk tooling reads `metadata.yaml` (`data.tags: language:python`, `connectorType`, image name). The
SPEC must mark every secret `airbyte_secret: true` or the platform shows it in its UI and logs.
"""

from __future__ import annotations

import re
import sys
import uuid

import pytest
import yaml
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
