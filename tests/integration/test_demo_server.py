"""`desk demo`'s pieces and `desk central` delegation, with the real server."""

from __future__ import annotations

import io
import uuid

import pytest

from desk import cli
from desk.demo import CitizenSimulator, start_demo_server
from tests.faults import harness


@pytest.fixture
def env(tmp_path, monkeypatch):
    harness.fast_keys(monkeypatch)
    return harness.desk_dirs(tmp_path, monkeypatch)


def test_demo_server_and_citizen_simulator_feed_the_officer(tmp_path, env):
    server = start_demo_server(db_path=tmp_path / "demo.db", seed="empty")
    try:
        session = harness.open_desk(server.url, "officer1", tmp_path)
        engine = harness.engine_for(session)
        assert engine.run_cycle().finished
        before = session.store.status_counts(session.actor)
        simulator = CitizenSimulator(server.url, server.gateway_token, seed=7)
        filed = [simulator.file_one() for _ in range(3)]
        assert simulator.filed == 3
        assert all(case["number"] and case["citizen"]["name"] for case in filed)
        report = engine.run_cycle()
        assert report.finished
        # The simulator routes by category, so only some land in officer1's station;
        # those that do arrive in the cache.
        for case in filed:
            if case["unit_id"] == session.officer.unit_id:
                assert session.store.case(case["id"]) is not None
        assert sum(session.store.status_counts(session.actor).values()) >= sum(before.values())
        session.close()
    finally:
        server.stop()


def test_desk_central_delegates_to_the_server_runner(tmp_path, env):
    out, err = io.StringIO(), io.StringIO()
    db = tmp_path / "central.db"
    code = cli.main(["central", "--db", str(db), "--gateway-token", "t", "--seed", "empty",
                     "--revoke-device", str(uuid.uuid4())], out=out, err=err)
    assert code == 0
    assert db.exists()
