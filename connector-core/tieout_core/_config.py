"""One pydantic model per connector is the single source of its settings.

From that model come the Airbyte spec (`airbyte_secret: true` on secrets), the Singer settings schema
(`secret: true`), and the parsed, validated config the streams use. `check_spec_file` lets a test fail when
the committed `spec.json` drifts from the model.
"""

from __future__ import annotations

import copy
import json
import logging
import typing
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tieout_core._errors import ConfigError

Flavour = Literal["airbyte", "singer"]
ModelT = TypeVar("ModelT", bound="ConnectorConfig")
LOG = logging.getLogger("tieout_core._config")  # Airbyte: a LOG message; Singer: stderr
_warned: set[str] = set()  # a config is parsed several times a run (check, discover, read): warn once


class ConnectorConfig(BaseModel):
    """Base for connector config models. Declare secrets as `pydantic.SecretStr`.

    Unknown keys are not rejected (hosts add their own: Singer stream maps, Airbyte internal settings) but
    each one is named in a warning, so a misspelt optional setting (`ca_bundel`) does not pass unnoticed; a
    misspelt required key is still reported as a missing named field.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def parse(cls: type[ModelT], raw: Mapping[str, Any], *, host_keys: Collection[str] = ()) -> ModelT:
        """Validate a raw config dict; on failure raise ConfigError naming every bad field.

        `host_keys` are top-level settings the host itself owns (singer-sdk's `stream_maps`, ...): not warned about.
        """
        try:
            parsed = cls.model_validate(dict(raw))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc)) from None
        warn_unknown_keys(cls, raw, host_keys)
        return parsed


def unknown_keys(model: type[BaseModel], raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Keys of `raw` the model does not declare, nested settings as `data_exchange.verfy_tls`."""
    fields = model.model_fields
    found = []
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            found.append(f"{prefix}{key}")
            continue
        nested = _nested_model(field.annotation)
        if nested is not None and isinstance(value, Mapping):
            found.extend(unknown_keys(nested, value, f"{prefix}{key}."))
    return found


def warn_unknown_keys(model: type[BaseModel], raw: Mapping[str, Any], host_keys: Collection[str] = ()) -> None:
    unknown = [key for key in unknown_keys(model, raw) if key not in host_keys]
    if not unknown:
        return
    message = (
        f"Unknown setting(s) ignored: {', '.join(unknown)}. Check the spelling against the connector's settings"
        " (its README or `spec`); an unknown setting has no effect."
    )
    if message not in _warned:
        _warned.add(message)
        LOG.warning(message)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel a field holds (`Odbc`, `Odbc | None`), if any."""
    candidates = [annotation, *typing.get_args(annotation)]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def format_validation_error(exc: ValidationError) -> str:
    """`Invalid config: page_size: Input should be less than or equal to 100; ...` (never echoes values)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        # Model-level validators have no location: their message names the field(s) itself.
        problems.append(f"{field}: {message}" if field else message)
    return "Invalid config: " + "; ".join(problems)


def config_json_schema(model: type[BaseModel], flavour: Flavour) -> dict[str, Any]:
    """The model as a self-contained draft-07 JSON schema, secrets marked the way the protocol expects."""
    schema = model.model_json_schema(mode="validation")
    definitions = schema.pop("$defs", {})
    schema = _inline_refs(schema, definitions)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    _mark_secrets(schema.get("properties", {}), flavour)
    for order, (name, prop) in enumerate(schema.get("properties", {}).items()):
        if flavour == "airbyte":
            prop["order"] = order
        prop.setdefault("title", name)
    schema.setdefault("additionalProperties", True)
    return schema


def airbyte_spec(model: type[BaseModel], documentation_url: str) -> dict[str, Any]:
    """The body of an Airbyte SPEC message (what `spec.json` holds)."""
    return {
        "documentationUrl": documentation_url,
        "connectionSpecification": config_json_schema(model, "airbyte"),
    }


def render_spec(model: type[BaseModel], documentation_url: str) -> str:
    return json.dumps(airbyte_spec(model, documentation_url), indent=2, sort_keys=False) + "\n"


def write_spec_file(model: type[BaseModel], documentation_url: str, path: Path) -> None:
    """Write `spec.json` for the model (what `check_spec_file` compares with)."""
    path.write_text(render_spec(model, documentation_url))


def check_spec_file(model: type[BaseModel], documentation_url: str, path: Path) -> str | None:
    """None when the committed spec matches the model, else a message saying how to regenerate it."""
    expected = render_spec(model, documentation_url)
    actual = path.read_text() if path.exists() else ""
    if actual == expected:
        return None
    return f"{path} is out of date with the config model; regenerate it (see the connector README)"


def _mark_secrets(properties: Mapping[str, Any], flavour: Flavour) -> None:
    """Mark every secret, however deep: a nested settings object (`odbc`, `data_exchange`) is walked too, so a
    connector declares a secret as `SecretStr` and nothing else."""
    for prop in properties.values():
        _mark_property(prop, flavour)
        for variant in (prop, *prop.get("anyOf", [])):
            _mark_secrets(variant.get("properties", {}), flavour)


def _mark_property(prop: dict[str, Any], flavour: Flavour) -> None:
    """Pydantic renders SecretStr as `format: password, writeOnly: true`; add the protocol's flag."""
    variants = [prop, *prop.get("anyOf", [])]
    if any(v.get("writeOnly") or v.get("format") == "password" for v in variants):
        prop["airbyte_secret" if flavour == "airbyte" else "secret"] = True
        prop.pop("writeOnly", None)
        prop.pop("format", None)
        for variant in prop.get("anyOf", []):
            variant.pop("writeOnly", None)
            variant.pop("format", None)
    if flavour == "singer":
        prop.pop("examples", None)


def _inline_refs(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = copy.deepcopy(definitions[node["$ref"].rsplit("/", 1)[-1]])
            merged = {**_inline_refs(target, definitions), **{k: v for k, v in node.items() if k != "$ref"}}
            return merged
        return {key: _inline_refs(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    return node
