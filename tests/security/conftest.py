"""The hostile-input tests run against the real reference server on loopback: the
fixtures of tests/central (a TinySeed server on a ManualClock, officers' sessions),
with a short body timeout so a stalled body is dropped within the test's patience."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.central.conftest import clock, db_target, login  # noqa: F401  (fixtures)
from tests.central.server_fixture import ManualClock, RunningServer, start_server
from tests.central.tiny_seed import TinySeed

# Long enough that a loaded CI machine never drops an honest body (a 408 closes the
# connection, and the client then reads a reset), short enough for the stall tests.
BODY_TIMEOUT = 5.0


@pytest.fixture
def server(tmp_path, clock: ManualClock, db_target) -> Iterator[RunningServer]:  # noqa: F811
    running = start_server(tmp_path, seed=TinySeed(), now=clock, body_timeout=BODY_TIMEOUT,
                           db_path=db_target)
    yield running
    running.stop()
