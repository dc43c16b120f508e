"""Shared pieces for the fault and integration tests: the real reference server on a
free loopback port, citizens filing cases through /intake, other officers acting
through the real HTTP API, and the officer's own desk (session, store, engine)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from desk import keys
from desk.api import CentralClient
from desk.session import Session, login
from desk.sync import SyncEngine
from desk.wire import API_PREFIX, Op
from launch.demo import DemoServer, start_demo_server

PASSWORD = "demo-pass"
REPO = Path(__file__).resolve().parents[2]
_counter = itertools.count(1)
# Small scrypt parameters keep in-process unlocks fast; subprocess CLI runs use the
# real ones.
FAST_SCRYPT = {"n": 2**10, "r": 8, "p": 1}


def fast_keys(monkeypatch) -> None:
    monkeypatch.setattr(keys, "DEFAULT_SCRYPT", FAST_SCRYPT)


def desk_dirs(tmp_path: Path, monkeypatch) -> dict[str, str]:
    env = {"DESK_CONFIG_DIR": str(tmp_path / "config"), "DESK_DATA_DIR": str(tmp_path / "data"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def start_central(tmp_path: Path, seed: Any = None, **options: Any) -> DemoServer:
    """The real server; by default on the server tests' small seed (same accounts as
    the contract's), so these tests do not hang on the demo data."""
    if seed is None:
        from tests.central.tiny_seed import TinySeed

        seed = TinySeed()
    return start_demo_server(db_path=tmp_path / f"central-{next(_counter)}.db", seed=seed, **options)


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def intake(server: DemoServer, unit_id: str, *, kind: str = "consultation", title: str | None = None,
           body: str = "请问办理居住证需要哪些材料？", received_at: datetime | None = None) -> dict:
    n = next(_counter)
    data = {
        "kind": kind, "category": "户政", "channel": "portal",
        "title": title or f"居住证办理咨询 {n}", "body": body,
        "citizen": {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"},
        "unit_id": unit_id,
    }
    if received_at is not None:
        data["received_at"] = received_at.isoformat()
    resp = requests.post(f"{server.url}{API_PREFIX}/intake", json=data, timeout=30,
                         headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert resp.status_code == 201, resp.text
    return resp.json()


def set_password(server: DemoServer, username: str, password: str) -> None:
    resp = requests.post(f"{server.url}{API_PREFIX}/admin/officers/{username}/password",
                         json={"password": password}, timeout=30,
                         headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert resp.status_code == 204, resp.text


@dataclass
class OtherOfficer:
    """Another officer working the same server through its HTTP API."""

    client: CentralClient
    officer: Any
    seq: int = 0

    def act(self, case: dict, op_type: str, payload: dict | None = None) -> Any:
        self.seq += 1
        op = Op(op_id=str(uuid.uuid4()), seq=self.seq, case_id=case["id"], type=op_type,
                base_version=case["version"], performed_at=datetime.now(UTC),
                payload=payload or {})
        result = self.client.push([op]).results[0]
        assert result.outcome == "applied", (op_type, result.outcome, result.error)
        return result.case.model_dump(mode="json")


def other_officer(server: DemoServer, username: str) -> OtherOfficer:
    client = CentralClient(server.url, device_id=str(uuid.uuid4()))
    answer = client.login(username, PASSWORD, "other desk")
    return OtherOfficer(client, answer.officer)


def officer_unit(server: DemoServer, username: str) -> str:
    client = CentralClient(server.url, device_id=str(uuid.uuid4()))
    try:
        return client.login(username, PASSWORD, "probe").officer.unit_id
    finally:
        client.close()


def open_desk(url: str, username: str, tmp_path: Path, *, password: str = PASSWORD,
              name: str = "desk") -> Session:
    return login(url, username, password, profile_dir=tmp_path / f"profile-{name}-{username}")


def engine_for(session: Session, **kw: Any) -> SyncEngine:
    return SyncEngine(session.store, session.client, session.actor, **kw)


def server_cases(server: DemoServer, username: str = "chief1") -> dict[str, dict]:
    """Every case in `username`'s scope as the server holds it (a supervisor sees the
    whole unit), read through the real change feed from the start."""
    client = CentralClient(server.url, device_id=str(uuid.uuid4()))
    client.login(username, PASSWORD, "probe")
    cursor = None
    found: dict[str, dict] = {}
    while True:
        page = client.changes(cursor, 1000)
        for change in page.changes:
            if change.op == "upsert":
                found[change.case.id] = change.case.model_dump(mode="json")
            else:
                found.pop(change.case_id, None)
        cursor = page.next_cursor
        if not page.has_more:
            break
    client.close()
    return found


def server_case(server: DemoServer, username: str, case_id: str) -> dict | None:
    return server_cases(server, username).get(case_id)


def desk_cli(args: list[str], env: dict[str, str], *, password: str = PASSWORD,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `desk` console entry point in a fresh interpreter."""
    full_env = dict(os.environ)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "launch.cli", "--password-stdin", *args],
        input=password + "\n", capture_output=True, text=True, env=full_env, timeout=timeout,
        cwd=str(REPO),
    )


def start_desk_cli(args: list[str], env: dict[str, str], *, password: str = PASSWORD) -> subprocess.Popen:
    full_env = dict(os.environ)
    full_env.update(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "launch.cli", "--password-stdin", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=full_env, cwd=str(REPO),
    )
    assert proc.stdin is not None
    proc.stdin.write(password + "\n")
    proc.stdin.flush()
    return proc
