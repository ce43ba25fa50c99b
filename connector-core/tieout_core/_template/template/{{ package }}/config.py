"""The one config model: it generates the Airbyte spec and the Singer settings."""

from pydantic import Field, SecretStr
from tieout_core import ConnectorConfig


class Config(ConnectorConfig):
    base_url: str = Field(description="API root URL, such as https://api.example.com")
    client_id: str = Field(description="OAuth2 client id")
    client_secret: SecretStr = Field(description="OAuth2 client secret")
    start_date: str = Field("2020-01-01T00:00:00Z", description="Earliest change to read (ISO 8601)")
    page_size: int = Field(100, ge=1, le=1000, description="Records per page")
