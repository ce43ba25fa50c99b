"""Shared fixtures: a tiny generated contractor and a running twin on free loopback ports."""

from __future__ import annotations

import shutil

import pytest
import requests
from tieout_sandbox.credentials import CLIENT_ID, CLIENT_SECRET, MAIN_TENANT_ID
from tieout_sandbox.dataset import generate_dataset
from tieout_sandbox.server import start


class Api:
    """A tiny client for tests: the twin, its token and the main tenant header."""

    def __init__(self, running, tenant=MAIN_TENANT_ID):
        self.running = running
        self.base = running.buildops_url
        self.session = requests.Session()
        self.tenant = tenant
        self.token = self.new_token()

    def new_token(self, **extra):
        body = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, **extra}
        response = requests.post(f"{self.base}/v1/auth/token", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def get(self, path, params=None, tenant=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.token}", "tenantId": tenant or self.tenant}
        return self.session.get(self.base + path, params=params, headers=headers, timeout=30)

    def all_pages(self, path, size_param="page_size", first_page=0, **params):
        items, page = [], first_page
        while True:
            body = self.get(path, params={"page": page, size_param: 100, **params}).json()
            items += body["items"]
            if len(body["items"]) < 100:
                return items, body["totalCount"]
            page += 1


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("sandbox-data")
    truth = generate_dataset(out, seed=5, scale=0.03)
    return out, truth


@pytest.fixture(scope="session")
def running(dataset):
    sandbox = start(dataset[0], port=0, spectrum_port=0)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def api(running):
    return Api(running)


@pytest.fixture(scope="session")
def template_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("sandbox-template")
    generate_dataset(out, seed=9, scale=0.02)
    return out


@pytest.fixture
def fresh_sandbox(tmp_path, template_dataset):
    """A private copy of a tiny data dir + its own server, for tests that edit files or need other options."""
    started = []

    def make(**options):
        data_dir = tmp_path / f"data{len(started)}"
        shutil.copytree(template_dataset, data_dir)
        sandbox = start(data_dir, port=0, spectrum_port=0, **options)
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def make_api():
    """Api for a sandbox started by `fresh_sandbox` (test modules cannot import conftest under importlib)."""
    return Api
