"""Property-based checks of the served OpenAPI document against the real server: no 5xx
for any generated input, and every documented response conforms to its schema."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from central.app import create_app
from tests.central.conftest import intake
from tests.central.server_fixture import start_server
from tests.central.tiny_seed import PASSWORD, TinySeed

GATEWAY_PATHS = ("/intake", "/citizen", "/admin/", "/devices/")
DEVICE_ID = str(uuid.uuid4())


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("schemathesis"), seed=TinySeed())
    intake(server)
    yield server
    server.stop()


def _token(server) -> str:
    r = requests.post(f"{server.api}/sessions", json={"username": "officer1", "password": PASSWORD},
                      headers={"X-Device-Id": DEVICE_ID}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["token"]


@pytest.fixture(scope="module")
def token(running) -> str:
    return _token(running)


def _served_document() -> dict:
    """The OpenAPI document exactly as the server serves it (GET /api/v1/openapi.json is
    checked against it below). It is loaded at import time because schemathesis builds
    its tests at collection, before any fixture runs."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Path(folder) / "openapi.sqlite", gateway_token="x", seed=TinySeed())
        try:
            return app.openapi()
        finally:
            app.state.service.close()


DOCUMENT = _served_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_checked_document_is_the_served_one(running):
    served = requests.get(f"{running.api}/openapi.json", timeout=30).json()
    assert served == DOCUMENT


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_conforms(case, running, token):
    path = case.operation.path
    if any(part in path for part in GATEWAY_PATHS):
        bearer = running.gateway_token
    elif path.endswith("/sessions/current"):
        bearer = _token(running)  # logging out must not end the shared session
    else:
        bearer = token
    headers = {"Authorization": f"Bearer {bearer}", "X-Device-Id": DEVICE_ID}
    if path.startswith("/api/v1/devices/"):
        # Revoking must not hit the device whose session the other cases use.
        case.path_parameters = {**(case.path_parameters or {}), "device_id": "schemathesis-device"}
    case.call_and_validate(
        base_url=running.url, headers=headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
