"""Fixtures shared by the fault and integration tests of the client against the real
reference server (registered for the whole suite in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.faults import harness
from tests.faults.proxy import FaultProxy


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Temporary profile and config folders and cheap key derivation for this test."""
    harness.fast_keys(monkeypatch)
    return harness.desk_dirs(tmp_path, monkeypatch)


@pytest.fixture
def server(tmp_path):
    srv = harness.start_central(tmp_path)
    yield srv
    srv.stop()


@pytest.fixture
def proxy(server):
    """A fault-injecting TCP proxy in front of `server`."""
    p = FaultProxy("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    yield p
    p.stop()
