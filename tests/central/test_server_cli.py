"""The runner: `python -m central` serves, prints its URL, stops cleanly on SIGTERM and
carries on from the same database after a restart. Also the real seeds."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from central.service import Service
from tests.central.server_fixture import _free_port, start_server

ROOT = Path(__file__).resolve().parents[2]


def _run(db: Path, port: int, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(db), "--seed", "empty", "--host", "127.0.0.1",
         "--port", str(port), "--gateway-token", "gw", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _wait_for_url(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    assert "http://127.0.0.1:" in line, line
    url = line.split()[4].removesuffix("/api/v1")
    # The URL is printed just before uvicorn binds; poll until it answers.
    for _ in range(300):
        try:
            requests.get(f"{url}/api/v1/openapi.json", timeout=2)
            return url
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read()) from None
            time.sleep(0.05)
    raise AssertionError("the server never answered")


@pytest.mark.slow
def test_python_m_central_serves_and_stops_on_sigterm(tmp_path):
    db = tmp_path / "central.sqlite"
    port = _free_port()
    proc = _run(db, port)
    try:
        url = _wait_for_url(proc)
        r = requests.post(f"{url}/api/v1/sessions", headers={"X-Device-Id": "d1"},
                          json={"username": "officer1", "password": "demo-pass"}, timeout=30)
        assert r.status_code == 201
        device_secret = r.json()["device_secret"]
        unit_id = r.json()["officer"]["unit_id"]
        r = requests.post(f"{url}/api/v1/intake", headers={"Authorization": "Bearer gw"}, timeout=30,
                          json={"kind": "tip", "title": "线索", "body": "有人在路口贩卖假证",
                                "unit_id": unit_id})
        assert r.status_code == 201
        number = r.json()["number"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        stderr = proc.stderr.read()
        assert "有人在路口" not in stderr and "Traceback" not in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The CLI revokes a device without a running server, then the server starts again
    # on the same database: nothing is reseeded and nothing lost.
    revoke = subprocess.run(
        [sys.executable, "-m", "central", "--db", str(db), "--gateway-token", "gw",
         "--revoke-device", "d1"], capture_output=True, text=True, cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert revoke.returncode == 0 and "revoked 1 device secret" in revoke.stdout
    proc = _run(db, port)
    try:
        url = _wait_for_url(proc)
        r = requests.post(f"{url}/api/v1/sessions", headers={"X-Device-Id": "d1"},
                          json={"username": "officer1", "password": "demo-pass"}, timeout=30)
        assert r.json()["device_secret"] != device_secret
        token = r.json()["token"]
        cases = requests.get(f"{url}/api/v1/changes", headers={"Authorization": f"Bearer {token}"},
                             timeout=30).json()["changes"]
        r = requests.post(f"{url}/api/v1/intake", headers={"Authorization": "Bearer gw"}, timeout=30,
                          json={"kind": "tip", "title": "线索", "body": "再次举报"})
        assert int(r.json()["number"][-6:]) == int(number[-6:]) + 1
        assert number in {c["case"]["number"] for c in cases}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_empty_seed_has_the_contract_accounts_and_reference(tmp_path):
    server = start_server(tmp_path, seed="empty")
    try:
        officers = {}
        for username in ("chief1", "officer1", "officer2", "chief2", "officer3"):
            r = requests.post(f"{server.api}/sessions", headers={"X-Device-Id": "d"},
                              json={"username": username, "password": "demo-pass"}, timeout=30)
            assert r.status_code == 201, username
            officers[username] = r.json()
        assert officers["chief1"]["officer"]["unit_id"] == officers["officer1"]["officer"]["unit_id"]
        assert officers["chief2"]["officer"]["unit_id"] == officers["officer3"]["officer"]["unit_id"]
        assert "supervisor" in officers["chief1"]["officer"]["roles"]
        assert "supervisor" not in officers["officer1"]["officer"]["roles"]
        auth = {"Authorization": f"Bearer {officers['officer1']['token']}"}
        reference = requests.get(f"{server.api}/reference", headers=auth, timeout=30).json()
        assert {p["kind"] for p in reference["policy"]} == {
            "application", "consultation", "tip", "appeal", "mailbox", "petition"}
        assert reference["calendar"]["days"]
        summary = requests.get(f"{server.api}/summary", headers=auth, timeout=30).json()
        assert sum(summary["counts"].values()) == 0
    finally:
        server.stop()


@pytest.mark.slow
def test_demo_seed_goes_through_the_op_engine_without_a_failure(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="central")
    service = Service(tmp_path / "demo.sqlite", gateway_token="gw", seed="demo")
    try:
        assert not [r for r in caplog.records if r.name.startswith("central")]
        with service.db.read() as conn:
            statuses = {row["status"] for row in conn.execute("SELECT DISTINCT status FROM cases")}
            applied = conn.execute("SELECT COUNT(*) FROM ops WHERE outcome = 'applied'").fetchone()[0]
            total = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        assert statuses == {"new", "accepted", "in_progress", "waiting_citizen", "closed", "declined"}
        assert total >= 100 and applied > total
    finally:
        service.close()
    # A restart on the same file does not seed again.
    again = Service(tmp_path / "demo.sqlite", gateway_token="gw", seed="demo")
    try:
        with again.db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == total
    finally:
        again.close()


@pytest.mark.slow
def test_desk_central_logs_each_request_to_stderr_without_personal_data(tmp_path):
    # Run through the `desk` CLI, which quiets the library logs of the officer's
    # commands: the server's request log must survive that.
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launch.cli", "central", "--db", str(tmp_path / "c.sqlite"), "--seed", "empty",
         "--host", "127.0.0.1", "--port", str(port), "--gateway-token", "gw"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    try:
        url = _wait_for_url(proc)
        r = requests.post(f"{url}/api/v1/sessions", headers={"X-Device-Id": "d1"},
                          json={"username": "officer1", "password": "demo-pass"}, timeout=30)
        assert r.status_code == 201
        r = requests.post(f"{url}/api/v1/intake", headers={"Authorization": "Bearer gw"}, timeout=30,
                          json={"kind": "tip", "title": "线索", "body": "有人在路口贩卖假证",
                                "citizen": {"name": "独特姓名", "phone": "13912345678"},
                                "unit_id": r.json()["officer"]["unit_id"]})
        assert r.status_code == 201
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        stderr = proc.stderr.read()
        assert "POST /api/v1/sessions 201" in stderr and "POST /api/v1/intake 201" in stderr
        for secret in ("有人在路口", "独特姓名", "13912345678", "demo-pass", "Traceback"):
            assert secret not in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
