"""The hostile-input tests run against the real reference server on loopback: the
fixtures of tests/central (a TinySeed server on a ManualClock, officers' sessions)."""

from __future__ import annotations

from tests.central.conftest import clock, login, server  # noqa: F401  (fixtures)
