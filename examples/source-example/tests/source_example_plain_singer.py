"""The same tap written with plain singer-sdk, for the line count in the README (Singer only: no Airbyte).

OAuth2 client credentials in a Basic header, Link-header paging, tasks as a child stream of projects,
invoices incremental by updated_at.
"""

from base64 import b64encode
from urllib.parse import parse_qsl

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import OAuthAuthenticator
from singer_sdk.pagination import HeaderLinkPaginator
from singer_sdk.streams import RESTStream


class ClientCredentials(OAuthAuthenticator):
    @property
    def oauth_request_body(self):
        return {"grant_type": "client_credentials"}


class ExampleStream(RESTStream):
    primary_keys = ("id",)
    records_jsonpath = "$[*]"

    @property
    def url_base(self):
        return self.config["base_url"]

    @property
    def authenticator(self):
        if not hasattr(self._tap, "_example_auth"):
            pair = f"{self.config['client_id']}:{self.config['client_secret']}".encode()
            self._tap._example_auth = ClientCredentials(
                auth_endpoint=f"{self.config['base_url']}/oauth/token",
                oauth_headers={"Authorization": f"Basic {b64encode(pair).decode()}"},
            )
        return self._tap._example_auth

    def get_new_paginator(self):
        return HeaderLinkPaginator()

    def get_url_params(self, context, next_page_token):
        if next_page_token:
            return dict(parse_qsl(next_page_token.query))
        return {"per_page": self.config.get("page_size", 100)}


class ProjectsStream(ExampleStream):
    name = "projects"
    path = "/projects"
    schema = th.PropertiesList(th.Property("id", th.IntegerType), th.Property("name", th.StringType)).to_dict()

    def get_child_context(self, record, context):
        return {"project_id": record["id"]}


class TasksStream(ExampleStream):
    name = "tasks"
    path = "/projects/{project_id}/tasks"
    parent_stream_type = ProjectsStream
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType),
        th.Property("project_id", th.IntegerType),
        th.Property("title", th.StringType),
        th.Property("done", th.BooleanType),
    ).to_dict()


class InvoicesStream(ExampleStream):
    name = "invoices"
    path = "/invoices"
    replication_key = "updated_at"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType),
        th.Property("number", th.StringType),
        th.Property("total", th.NumberType),
        th.Property("updated_at", th.DateTimeType),
    ).to_dict()

    def get_url_params(self, context, next_page_token):
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params["updated_since"] = self.get_starting_replication_key_value(context)
        return params


class TapExample(Tap):
    name = "tap-example-plain"
    config_jsonschema = th.PropertiesList(
        th.Property("base_url", th.StringType, required=True, description="API root URL"),
        th.Property("client_id", th.StringType, required=True, description="OAuth2 client id"),
        th.Property("client_secret", th.StringType, required=True, secret=True, description="OAuth2 client secret"),
        th.Property("start_date", th.DateTimeType, default="2020-01-01T00:00:00Z", description="Earliest change"),
        th.Property("page_size", th.IntegerType, default=100, description="Records per page"),
    ).to_dict()

    def discover_streams(self):
        return [ProjectsStream(self), TasksStream(self), InvoicesStream(self)]
