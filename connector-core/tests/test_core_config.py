from pathlib import Path

import pytest
from pydantic import BaseModel, Field, SecretStr, field_validator
from tieout_core import ConfigError, ConnectorConfig, airbyte_spec, check_spec_file, config_json_schema
from tieout_core._config import write_spec_file


class Window(BaseModel):
    minutes: int = Field(10, ge=0)


class ExampleConfig(ConnectorConfig):
    base_url: str = Field(description="API root")
    client_secret: SecretStr = Field(description="secret")
    page_size: int = Field(100, ge=1, le=100)
    window: Window = Field(default_factory=Window)

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must start with https://; use the https URL of your tenant")
        return value


def test_given_a_secret_field_when_rendering_the_airbyte_spec_then_it_is_marked_airbyte_secret():
    spec = airbyte_spec(ExampleConfig, "https://docs.invalid")
    props = spec["connectionSpecification"]["properties"]
    assert props["client_secret"]["airbyte_secret"] is True
    assert "airbyte_secret" not in props["base_url"]
    assert spec["connectionSpecification"]["required"] == ["base_url", "client_secret"]


def test_given_a_secret_field_when_rendering_singer_settings_then_it_is_marked_secret_and_refs_are_inlined():
    schema = config_json_schema(ExampleConfig, "singer")
    assert schema["properties"]["client_secret"]["secret"] is True
    assert "airbyte_secret" not in schema["properties"]["client_secret"]
    assert "$defs" not in schema and "$ref" not in str(schema)
    assert schema["properties"]["window"]["properties"]["minutes"]["minimum"] == 0


class Vault(BaseModel):
    password: SecretStr | None = Field(None, description="optional secret, two levels down")
    user: str = ""


class Connection(BaseModel):
    token: SecretStr = Field(description="nested secret")
    vault: Vault = Field(default_factory=Vault)


class NestedConfig(ConnectorConfig):
    connection: Connection


def test_given_secrets_in_nested_settings_when_rendering_both_flavours_then_each_is_marked_at_its_depth():
    airbyte = airbyte_spec(NestedConfig, "https://docs.invalid")["connectionSpecification"]["properties"]
    singer = config_json_schema(NestedConfig, "singer")["properties"]
    for flavour, flag, props in (("airbyte", "airbyte_secret", airbyte), ("singer", "secret", singer)):
        connection = props["connection"]["properties"]
        vault = connection["vault"]["properties"]
        assert connection["token"][flag] is True, flavour
        assert vault["password"][flag] is True, flavour
        assert flag not in vault["user"] and flag not in props["connection"], flavour
        assert "writeOnly" not in str(props) and "password" not in str(vault["password"].get("anyOf")), flavour
    assert "secret" not in airbyte["connection"]["properties"]["token"]
    assert "airbyte_secret" not in singer["connection"]["properties"]["token"]


def test_given_an_out_of_range_value_when_parsing_then_the_error_names_the_field_and_the_limit():
    with pytest.raises(ConfigError) as caught:
        ExampleConfig.parse({"base_url": "https://x", "client_secret": "s3cr3t-value", "page_size": 500})
    assert caught.value.message == "Invalid config: page_size: Input should be less than or equal to 100"


def test_given_a_validator_failure_when_parsing_then_the_message_gives_the_fix_without_the_secret():
    with pytest.raises(ConfigError) as caught:
        ExampleConfig.parse({"base_url": "http://x", "client_secret": "s3cr3t-value"})
    assert "base_url: must start with https://; use the https URL of your tenant" in caught.value.message
    assert "s3cr3t-value" not in caught.value.message


def test_given_a_missing_required_field_when_parsing_then_it_is_named():
    with pytest.raises(ConfigError, match=r"client_secret: Field required"):
        ExampleConfig.parse({"base_url": "https://x"})


def test_given_a_committed_spec_when_the_model_changes_then_the_check_reports_drift(tmp_path: Path):
    spec_path = tmp_path / "spec.json"
    write_spec_file(ExampleConfig, "https://docs.invalid", spec_path)
    assert check_spec_file(ExampleConfig, "https://docs.invalid", spec_path) is None

    class Changed(ExampleConfig):
        extra_setting: int = 1

    message = check_spec_file(Changed, "https://docs.invalid", spec_path)
    assert message is not None and "out of date" in message


def test_given_unknown_keys_top_level_and_nested_when_parsing_then_one_warning_names_each_and_host_keys_pass(caplog):
    raw = {
        "base_url": "https://x",
        "client_secret": "s3cr3t-value",
        "ca_bundel": "/etc/ssl/ca.pem",
        "window": {"minutes": 5, "minuts": 6},
        "stream_maps": {},
    }
    with caplog.at_level("WARNING", logger="tieout_core._config"):
        ExampleConfig.parse(raw, host_keys={"stream_maps"})
        ExampleConfig.parse(raw, host_keys={"stream_maps"})  # parsed again in the same run: warned once
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "Unknown setting(s) ignored: ca_bundel, window.minuts. Check the spelling against the connector's settings"
        " (its README or `spec`); an unknown setting has no effect."
    ]
    assert "s3cr3t-value" not in warnings[0]
