"""Integration fixtures: the real reference server on a free loopback port.

`central_server` starts on the `empty` seed (the contract's accounts, no cases) and
`demo_server` on the `demo` seed. Both expose .url (pass it to the desk client),
.gateway_token, .restart() and .stop(); see tests/central/server_fixture.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.central.server_fixture import RunningServer, start_server


@pytest.fixture
def central_server(tmp_path) -> Iterator[RunningServer]:
    server = start_server(tmp_path / "central", seed="empty")
    yield server
    server.stop()


@pytest.fixture
def demo_server(tmp_path) -> Iterator[RunningServer]:
    server = start_server(tmp_path / "central", seed="demo")
    yield server
    server.stop()
