"""`desk demo`'s pieces and `desk central` delegation, with the real server."""

from __future__ import annotations

import io
import uuid

import pytest

from launch import cli
from launch.demo import CitizenSimulator, start_demo_server
from tests.faults import harness


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
        mine = [case for case in filed if case["unit_id"] == session.officer.unit_id]
        assert mine, "seed 7 routes some of the cases to officer1's station"
        for case in mine:
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


def _record_gui(monkeypatch, behaviour=None):
    """Stand in for the Qt app's entry point (the real one blocks in its event loop);
    whatever `behaviour` does runs while the demo server is up."""
    import ui.app

    calls = []

    def fake_main(argv=None, *, demo=None):
        calls.append({"argv": list(argv or []), "demo": demo})
        return behaviour(demo) if behaviour else 0

    monkeypatch.setattr(ui.app, "main", fake_main)
    return calls


def test_desk_with_no_command_and_desk_gui_open_the_app(env, monkeypatch):
    calls = _record_gui(monkeypatch)
    assert cli.main([], out=io.StringIO(), err=io.StringIO()) == 0
    assert cli.main(["gui", "--sync-interval", "5", "--lang", "en"], out=io.StringIO(),
                    err=io.StringIO()) == 0
    assert cli.main(["--lang", "en"], out=io.StringIO(), err=io.StringIO()) == 0
    assert [c["argv"] for c in calls] == [[], ["--sync-interval", "5", "--lang", "en"], ["--lang", "en"]]
    assert all(c["demo"] is None for c in calls)


def test_desk_demo_opens_the_app_logged_in_on_a_live_demo_server(env, monkeypatch):
    import requests

    seen = {}

    def log_in(demo):
        # The app gets a running server and an account that really logs in.
        reply = requests.post(f"{demo['server_url']}/api/v1/sessions", timeout=10,
                              json={"username": demo["username"], "password": demo["password"],
                                    "device_name": "test"},
                              headers={"X-Device-Id": str(uuid.uuid4())})
        assert reply.status_code == 201, reply.text
        seen["status"] = reply.status_code
        seen["roles"] = reply.json()["officer"]["roles"]
        seen["url"] = demo["server_url"]
        return 0

    calls = _record_gui(monkeypatch, log_in)
    out = io.StringIO()
    assert cli.main(["demo", "--as", "chief1", "--lang", "en"], out=out, err=io.StringIO()) == 0
    assert seen["status"] == 201 and "supervisor" in seen["roles"]
    assert calls[0]["demo"]["username"] == "chief1"
    assert calls[0]["argv"][:2] == ["--lang", "en"]
    assert "chief1" in out.getvalue()
    # The server is stopped when the app closes.
    with pytest.raises(requests.RequestException):
        requests.get(f"{seen['url']}/api/v1/reference", timeout=2)

    assert cli.main(["demo"], out=io.StringIO(), err=io.StringIO()) == 0
    assert calls[1]["demo"]["username"] == "officer1"
    err = io.StringIO()
    assert cli.main(["demo", "--as", "nobody"], out=io.StringIO(), err=err) == cli.EXIT_USAGE
    assert "nobody" in err.getvalue()


def test_desk_demo_no_gui_prints_url_and_accounts(env, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import requests

    # Run from a folder of its own, on this tree's code (not whichever copy is installed).
    repo = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-m", "launch.cli", "demo", "--no-gui"],
                            env={**env, "PYTHONPATH": repo}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
    try:
        first = proc.stdout.readline()
        assert first.startswith("demo server on http://127.0.0.1:"), first
        url = first.split()[3].removesuffix("/api/v1")
        rest = "".join(proc.stdout.readline() for _ in range(7))
        for account in ("officer1", "officer2", "chief1", "officer3", "chief2"):
            assert account in rest
        assert requests.get(f"{url}/api/v1/reference", timeout=5).status_code == 401
        assert "PySide6" not in rest
    finally:
        proc.terminate()
        proc.wait(15)
