"""Fixtures for the reference server tests: a real server on a free loopback port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.central.server_fixture import (
    ACTIVE_CLOCKS,
    BACKENDS,
    ManualClock,
    RunningServer,
    database_target,
    start_server,
)
from tests.central.tiny_seed import PASSWORD, STATION_1, TinySeed


class Client:
    """A thin requests wrapper: one officer's session on one device."""

    def __init__(self, server: RunningServer, username: str | None = None,
                 password: str = PASSWORD, device_id: str | None = None) -> None:
        self.server = server
        self.http = requests.Session()
        self.device_id = device_id or str(uuid.uuid4())
        self.http.headers.update({"User-Agent": "desk/0.1.0", "X-Device-Id": self.device_id})
        self.login_body: dict[str, Any] = {}
        if username:
            self.login(username, password)

    def url(self, path: str) -> str:
        return f"{self.server.api}{path}"

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        r = self.http.post(self.url("/sessions"), json={
            "username": username, "password": password, "device_name": "test"})
        if r.status_code == 201:
            self.login_body = r.json()
            self.http.headers["Authorization"] = f"Bearer {self.login_body['token']}"
        return r

    @property
    def officer_id(self) -> str:
        return self.login_body["officer"]["id"]

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.url(path), timeout=30, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.http.delete(self.url(path), timeout=30, **kw)

    def push(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.post("/ops", json={"ops": list(ops)})
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def pull_all(self, cursor: str | None = None, limit: int = 200) -> tuple[list[dict], str]:
        changes: list[dict] = []
        while True:
            params = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            r = self.get("/changes", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            changes.extend(body["changes"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return changes, cursor


# The server clock of the running test (the `clock` fixture), so that an op performed
# "now" is performed at the server's now: a time after the server's own receipt is
# clamped and flagged as clock skew.
# (Kept in server_fixture: this conftest is loaded twice, as pytest's conftest and as
# tests.central.conftest for the test modules that import its helpers.)
_SERVER_CLOCK = ACTIVE_CLOCKS


def op(case_id: str, type_: str, payload: dict | None = None, *, op_id: str | None = None,
       base_version: int = 1, performed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "op_id": op_id or str(uuid.uuid4()), "seq": 1, "case_id": case_id, "type": type_,
        "base_version": base_version,
        "performed_at": (performed_at or (_SERVER_CLOCK[-1]() if _SERVER_CLOCK
                                          else datetime.now(UTC))).isoformat(),
        "payload": payload or {},
    }


def intake(server: RunningServer, **fields: Any) -> dict[str, Any]:
    body = {"kind": "consultation", "category": "户政", "channel": "业务咨询", "title": "户口迁移咨询",
            "body": "请问户口迁移需要什么材料？", "unit_id": STATION_1,
            "citizen": {"name": "陈某某", "phone": "13800138000", "id_number": "410823199001017865"}}
    body.update(fields)
    r = requests.post(f"{server.api}/intake", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def citizen(server: RunningServer, case_id: str, **body: Any) -> requests.Response:
    return requests.post(f"{server.api}/cases/{case_id}/citizen", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {server.gateway_token}"})


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    # A Wednesday morning in Beijing, clear of holidays.
    manual = ManualClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    _SERVER_CLOCK.append(manual)
    yield manual
    _SERVER_CLOCK.remove(manual)


@pytest.fixture(params=BACKENDS)
def db_target(request, tmp_path) -> Iterator[Path | str]:
    """A fresh database on each backend: SQLite always, PostgreSQL when
    DESK_TEST_POSTGRES names a server (skipped otherwise, saying so)."""
    with database_target(request.param, tmp_path) as target:
        yield target


@pytest.fixture
def server(tmp_path, clock, db_target) -> Iterator[RunningServer]:
    running = start_server(tmp_path, seed=TinySeed(), now=clock, db_path=db_target)
    yield running
    running.stop()


@pytest.fixture
def login(server):
    def make(username: str, **kw: Any) -> Client:
        client = Client(server, username, **kw)
        assert client.login_body, f"login of {username} failed"
        return client
    return make
