"""Serving a province (issue 15), on the real server over real HTTP on loopback:
- a quiet poll ("anything new?") is answered ahead of the framework with the very page
  the full route gives, and everything else still goes to the full route (errors,
  expired cursors, the version gate, a cursor with something to send);
- pushes have their own bounded pool: beyond it a push gets 503 with Retry-After at once,
  and polls are answered while pushes wait;
- an idle connection stays open longer than uvicorn's default 5 s (`--timeout-keep-alive`,
  75 s by default, more than a desk's 60 s poll);
- `--workers 2` serves one address from two processes on one SQLite file, and a worker
  killed in the middle of a push loses and doubles nothing once the desk resends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from central.server import DEFAULT_KEEP_ALIVE, add_arguments
from tests.central.conftest import Client
from tests.central.server_fixture import ManualClock, _free_port, start_server
from tests.central.tiny_seed import STATION_1, TinySeed

ROOT = Path(__file__).resolve().parents[2]


def _intake(server, title: str = "咨询") -> dict:
    r = requests.post(f"{server.api}/intake", timeout=30, headers={
        "Authorization": f"Bearer {server.gateway_token}"}, json={
        "kind": "consultation", "category": "户政", "channel": "portal", "title": title,
        "body": "请问办理居住证需要哪些材料？", "unit_id": STATION_1,
        "citizen": {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"}})
    assert r.status_code == 201, r.text
    return r.json()


def _note(case: dict, body: str = "已电话联系") -> dict:
    return {"op_id": str(uuid.uuid4()), "seq": 1, "case_id": case["id"], "type": "note",
            "base_version": case["version"], "performed_at": datetime.now(UTC).isoformat(),
            "payload": {"body": body}}


@pytest.fixture
def srv(tmp_path):
    server = start_server(tmp_path, seed=TinySeed())
    yield server
    server.stop()


# ---------------------------------------------------------------- quiet polls

def test_quiet_poll_is_the_full_routes_page(srv, monkeypatch):
    officer = Client(srv, "officer1")
    _intake(srv)
    _, head = officer.pull_all()
    quiet = officer.get("/changes", params={"cursor": head, "limit": 200})
    assert quiet.status_code == 200
    assert quiet.headers["content-type"] == "application/json"
    # The same page from the full route (the fast path turned off) says the same.
    monkeypatch.setattr(srv.app.state.service, "quiet_changes_json", lambda *a, **k: None)
    full = officer.get("/changes", params={"cursor": head, "limit": 200})
    assert full.status_code == 200
    a, b = quiet.json(), full.json()
    assert a.pop("server_time") and b.pop("server_time")
    assert a == b == {"changes": [], "next_cursor": head, "has_more": False,
                      "reference_version": a["reference_version"]}
    assert list(quiet.json()) == list(full.json())  # same keys, same order


def test_quiet_poll_behind_the_head_when_nothing_in_scope_moved(srv):
    officer = Client(srv, "officer3")  # station 2: nothing below touches its scope
    _, cursor = officer.pull_all()
    for _ in range(3):
        _intake(srv)  # station 1: the head moves for everyone
    page = officer.get("/changes", params={"cursor": cursor}).json()
    assert page["changes"] == [] and page["has_more"] is False
    # The cursor moves to the head, as the full route moves it.
    chief = Client(srv, "chief1")
    _, head = chief.pull_all()
    assert page["next_cursor"] == head


def test_everything_but_a_quiet_poll_goes_to_the_full_route(tmp_path):
    clock = ManualClock(datetime.now(UTC))
    server = start_server(tmp_path, seed=TinySeed(), now=clock, min_client_version="0.1.0")
    try:
        officer = Client(server, "officer1")
        _, head = officer.pull_all()
        case = _intake(server)
        # Something to send: the upsert comes, through the full route.
        page = officer.get("/changes", params={"cursor": head}).json()
        assert [c["case"]["id"] for c in page["changes"]] == [case["id"]]
        head = page["next_cursor"]
        assert officer.get("/changes", params={"cursor": head}).status_code == 200
        # A client under the minimum version: 426 from the guard, quiet or not.
        old = officer.get("/changes", params={"cursor": head}, headers={"User-Agent": "desk/0.0.9"})
        assert old.status_code == 426 and old.json()["code"] == "client_too_old"
        # An odd query, a foreign cursor, no token: the route's own answers.
        assert officer.get("/changes", params={"cursor": head, "limit": 0}).status_code == 422
        assert officer.get("/changes", params={"cursor": "x" + head}).status_code == 410
        anonymous = requests.get(f"{server.api}/changes", params={"cursor": head}, timeout=30)
        assert anonymous.status_code == 401
        # An expired session, a logged-out one: 401, never a quiet 200.
        clock.advance(timedelta(hours=13))
        expired = officer.get("/changes", params={"cursor": head})
        assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
        clock.advance(timedelta(hours=-13))
        assert officer.get("/changes", params={"cursor": head}).status_code == 200
        assert officer.delete("/sessions/current").status_code == 204
        assert officer.get("/changes", params={"cursor": head}).status_code == 401
    finally:
        server.stop()


def test_quiet_poll_lets_a_due_retention_sweep_run(tmp_path):
    clock = ManualClock(datetime.now(UTC))
    server = start_server(tmp_path, seed=TinySeed(), now=clock)
    try:
        officer = Client(server, "officer1")
        case = _intake(server)
        ops = [{"op_id": str(uuid.uuid4()), "seq": i, "case_id": case["id"], "type": t,
                "base_version": case["version"] + i - 1, "performed_at": clock().isoformat(),
                "payload": p} for i, (t, p) in enumerate(
            [("claim", {}), ("accept", {}), ("set_status", {"to": "closed", "reason": "办结"})], start=1)]
        assert [r["outcome"] for r in officer.push(*ops)] == ["applied"] * 3
        _, head = officer.pull_all()
        clock.advance(timedelta(days=31))
        officer.login("officer1")  # the session outlived: the cursor did not
        page = officer.get("/changes", params={"cursor": head}).json()
        assert [(c["op"], c["case_id"], c["reason"]) for c in page["changes"]] == [
            ("remove", case["id"], "retention")]
    finally:
        server.stop()


def test_openapi_still_describes_the_feed_and_the_busy_push(srv):
    doc = requests.get(f"{srv.api}/openapi.json", timeout=30).json()
    assert "200" in doc["paths"]["/api/v1/changes"]["get"]["responses"]
    busy = doc["paths"]["/api/v1/ops"]["post"]["responses"]["503"]
    assert "application/problem+json" in busy["content"]


# ---------------------------------------------------------------- the pushes' own pool

def test_pushes_beyond_their_pool_get_503_and_polls_still_answer(tmp_path):
    server = start_server(tmp_path, seed=TinySeed(), ops_threads=1, ops_queue=1)
    try:
        chief = Client(server, "chief1")
        officer = Client(server, "officer1")
        case = _intake(server)
        service = server.app.state.service
        # Hold the database's writer: the first push waits on it in the pushes' one
        # thread, the second waits in the queue, a third is refused at once.
        released = threading.Event()
        holding = threading.Event()

        def hold() -> None:
            with service.db.write():
                holding.set()
                released.wait(30)

        pushers = [Client(server, "chief1") for _ in range(2)]  # logins write: before the hold
        holder = threading.Thread(target=hold)
        holder.start()
        assert holding.wait(10)
        answers: list[requests.Response] = []
        waiting = [threading.Thread(target=lambda c=c: answers.append(c.post("/ops", json={"ops": [_note(case)]})))
                   for c in pushers]
        for t in waiting:
            t.start()
        time.sleep(1.5)  # both inside the server: one in the pushes' thread, one queued
        assert not answers
        started = time.monotonic()
        refused = chief.post("/ops", json={"ops": [_note(case)]})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "2"
        assert refused.json()["code"] == "busy"
        # Reads are served while the pushes wait: a full feed pull, the summary, a quiet poll.
        _, head = officer.pull_all()
        assert officer.get("/summary").status_code == 200
        assert officer.get("/changes", params={"cursor": head}).status_code == 200
        assert time.monotonic() - started < 5
        released.set()
        holder.join(10)
        for t in waiting:
            t.join(30)
        assert sorted(a.status_code for a in answers) == [200, 200]
        assert all(a.json()["results"][0]["outcome"] == "applied" for a in answers)
    finally:
        server.stop()


# ---------------------------------------------------------------- keep-alive

def _raw_get(sock: socket.socket, path: str) -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += sock.recv(65536)
    return head


def _run_central(db: Path, port: int, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(db), "--seed", "empty", "--host", "127.0.0.1",
         "--port", str(port), "--gateway-token", "gw", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _wait_up(url: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        try:
            requests.get(f"{url}/api/v1/openapi.json", timeout=2)
            return
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def test_keep_alive_outlasts_a_poll_interval_by_default():
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--db", "x", "--gateway-token", "g"])
    assert args.timeout_keep_alive == DEFAULT_KEEP_ALIVE > 60


def test_an_idle_connection_stays_open_past_uvicorns_default(tmp_path):
    port = _free_port()
    proc = _run_central(tmp_path / "c.db", port, "--timeout-keep-alive", "75")
    try:
        _wait_up(f"http://127.0.0.1:{port}", proc)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            assert b" 200 " in _raw_get(sock, "/api/v1/openapi.json").split(b"\r\n")[0] + b" "
            time.sleep(6.5)  # uvicorn's own default closes after 5 s
            assert b"200" in _raw_get(sock, "/api/v1/openapi.json").split(b"\r\n")[0]
    finally:
        _stop(proc)


# ---------------------------------------------------------------- workers

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry))
    return found


def _workers(proc: subprocess.Popen, count: int) -> list[int]:
    """The uvicorn worker processes under the supervisor (multiprocessing's own
    resource tracker is a child too, but holds no listening socket)."""
    deadline = time.monotonic() + 60
    while True:
        pids = [p for p in _children(proc.pid) if "multiprocessing.resource_tracker" not in
                Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
        if len(pids) >= count:
            return pids
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)


def _connected_workers(pids: list[int], port: int) -> list[int]:
    """The workers holding an established connection on the server's port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    holding = []
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            holding.append(pid)
    return holding


@pytest.mark.slow
def test_two_workers_serve_one_address_and_a_killed_one_loses_and_doubles_nothing(tmp_path):
    from desk.api import CentralClient, TransportError
    from desk.wire import Op

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _run_central(tmp_path / "c.db", port, "--workers", "2")
    try:
        _wait_up(url, proc)
        pids = _workers(proc, 2)
        gateway = {"Authorization": "Bearer gw"}
        chief = CentralClient(url, device_id=str(uuid.uuid4()))
        chief.login("chief1", "demo-pass", "kill test")
        unit = chief.login("chief1", "demo-pass", "kill test").officer.unit_id
        cases = []
        for i in range(5):
            r = requests.post(f"{url}/api/v1/intake", headers=gateway, timeout=30, json={
                "kind": "consultation", "category": "户政", "channel": "portal", "title": f"咨询 {i}",
                "body": "请问办理居住证需要哪些材料？", "unit_id": unit,
                "citizen": {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"}})
            assert r.status_code == 201, r.text
            cases.append(r.json())
        # Both processes answer on the one address (each new connection goes to one).
        seen = set()
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                _raw_get(sock, "/api/v1/openapi.json")
                seen.update(_connected_workers(pids, port))
        assert seen == set(pids), (seen, pids)

        batches = [[Op(op_id=str(uuid.uuid4()), seq=b * 100 + i, case_id=cases[i % 5]["id"], type="note",
                       base_version=cases[i % 5]["version"], performed_at=datetime.now(UTC),
                       payload={"body": f"走访记录 {b}-{i} " + "补充说明。" * 500})
                    for i in range(100)] for b in range(4)]
        # The worker applying the second batch is killed while it holds the database's
        # writer (/proc/locks names the process holding the lock file's flock).
        chief.push(batches[0])
        lock_inode = os.stat(f"{tmp_path / 'c.db'}-writer").st_ino
        killed: list[int] = []
        stop = threading.Event()

        def kill_the_writer() -> None:
            while not stop.is_set():
                for line in Path("/proc/locks").read_text().splitlines():
                    fields = line.split()
                    if "FLOCK" in fields and "->" not in fields and fields[-3].endswith(f":{lock_inode}"):
                        pid = int(fields[-4])
                        if pid in pids:
                            os.kill(pid, signal.SIGKILL)
                            killed.append(pid)
                            return
                time.sleep(0.001)

        killer = threading.Thread(target=kill_the_writer)
        killer.start()
        try:
            with pytest.raises(TransportError):
                chief.push(batches[1])
        finally:
            stop.set()
            killer.join(30)
        assert killed
        # The desk resends every op it has no answer for, for as long as it takes; the
        # other worker (or the one uvicorn starts in the dead one's place) answers.
        for batch in batches[1:]:
            for _ in range(50):
                try:
                    answer = chief.push(batch)
                    break
                except TransportError:
                    time.sleep(0.2)
            else:
                raise AssertionError("no worker answered the resend")
            # All or nothing: the killed batch committed entirely or not at all.
            assert len({r.outcome for r in answer.results}) == 1
            assert answer.results[0].outcome in ("applied", "duplicate")
        everything: dict[str, dict] = {}
        cursor = None
        while True:
            page = chief.changes(cursor, 1000)
            for change in page.changes:
                if change.op == "upsert":
                    everything[change.case.id] = change.case.model_dump(mode="json")
            cursor = page.next_cursor
            if not page.has_more:
                break
        counts: dict[str, int] = {}
        for case in cases:
            for entry in everything[case["id"]]["entries"]:
                if entry.get("op_id"):
                    counts[entry["op_id"]] = counts.get(entry["op_id"], 0) + 1
        assert set(counts) == {op.op_id for batch in batches for op in batch}
        assert set(counts.values()) == {1}
        # uvicorn's supervisor started a worker in place of the killed one.
        assert len(_workers(proc, 2)) >= 2
        chief.close()
    finally:
        _stop(proc)
    assert proc.returncode == 0


def test_a_writer_of_another_process_gets_its_turn_at_once(tmp_path):
    """Two processes on one SQLite file: while one writes transaction after transaction
    back to back, the other's write waits for one of them, not for them all (SQLite's
    busy handler alone sleeps between tries and kept missing the gaps)."""
    from central.db import Database

    path = tmp_path / "shared.db"
    Database(path).close()
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[2])\n"
        "from central.db import Database\n"
        "db = Database(sys.argv[1])\n"
        "print('go', flush=True)\n"
        "for _ in range(15):\n"
        "    with db.write() as conn:\n"
        "        conn.execute(\"INSERT INTO meta(key, value) VALUES ('k', 'v')\"\n"
        "                     \" ON CONFLICT(key) DO UPDATE SET value = 'w'\")\n"
        "        time.sleep(0.2)\n")
    other = subprocess.Popen([sys.executable, "-c", script, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "go"
        time.sleep(0.3)  # well inside its run of 15 transactions of 0.2 s
        db = Database(path)
        started = time.monotonic()
        with db.write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('mine', 'x')")
        waited = time.monotonic() - started
        db.close()
        assert other.poll() is None, "the other process finished first: the test proved nothing"
        assert waited < 1.0, f"waited {waited:.2f} s for the other process's writes"
    finally:
        other.wait(30)
