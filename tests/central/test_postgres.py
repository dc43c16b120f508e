"""The guarantees that matter once several workers share one PostgreSQL database: an op
is applied once however many workers it reaches at once, the feed skips no change
while workers write side by side, and a worker killed in the middle of a batch leaves
nothing of it behind (the client's resend applies it once).

Each "worker" here is a whole server of its own (its own app, service and connections)
on one database, as the processes behind a load balancer are. Needs DESK_TEST_POSTGRES
(scripts/pg_test_server.sh start prints one); skipped without it, saying so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from tests.central.conftest import Client, intake, op
from tests.central.server_fixture import (
    POSTGRES_ENV,
    POSTGRES_SKIP,
    RunningServer,
    _free_port,
    postgres_database,
    start_server,
)
from tests.central.tiny_seed import TinySeed

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=POSTGRES_SKIP)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def workers(tmp_path, clock, pg_url) -> Iterator[list[RunningServer]]:
    running = [start_server(tmp_path / f"w{i}", seed=TinySeed(), now=clock, db_path=pg_url)
               for i in range(2)]
    yield running
    for server in running:
        server.stop()


def test_one_op_sent_to_two_workers_at_once_is_applied_once(workers, pg_url):
    case = intake(workers[0])
    claim = op(case["id"], "claim")
    clients = [Client(workers[i % 2], "officer1") for i in range(8)]
    Client(workers[0], "officer1").push(claim)
    note = op(case["id"], "note", {"body": "电话联系了群众"}, base_version=2)
    start = threading.Barrier(len(clients))

    def send(client: Client) -> list[dict]:
        start.wait()
        return client.push(note)

    with ThreadPoolExecutor(len(clients)) as pool:
        results = [r for batch in pool.map(send, clients) for r in batch]
    assert sorted(r["outcome"] for r in results) == ["applied"] + ["duplicate"] * (len(clients) - 1)
    assert {r["case"]["version"] for r in results} == {3}
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE op_id = %s", (note["op_id"],)).fetchone()[0] == 1
    doc = Client(workers[1], "officer1").pull_all()[0][0]["case"]
    assert [e["op_id"] for e in doc["entries"]].count(note["op_id"]) == 1


def test_the_feed_skips_nothing_while_two_workers_write(workers):
    cases = [intake(workers[0])["id"] for _ in range(4)]
    writers = [Client(workers[i % 2], "chief1") for i in range(4)]
    reader = Client(workers[1], "chief1")
    _, cursor = reader.pull_all()
    done = threading.Event()
    seen: dict[str, int] = {}
    errors: list[str] = []

    def write(i: int) -> None:
        for n in range(15):
            result = writers[i].push(op(cases[i], "note", {"body": f"批示{n}"}))[0]
            if result["outcome"] != "applied":
                errors.append(result["outcome"])

    def read() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            changes, cursor = reader.pull_all(cursor, limit=3)
            seqs = [c["seq"] for c in changes]
            if seqs != sorted(set(seqs)):
                errors.append(f"out of order: {seqs}")
            for change in changes:
                seen[change["case"]["id"]] = change["case"]["version"]
            if finished:
                return

    poller = threading.Thread(target=read)
    poller.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    done.set()
    poller.join(timeout=120)
    assert errors == []
    # A change numbered below one the reader had passed, committed after, would be lost
    # here: every case's last version reached the reader.
    assert seen == {case_id: 16 for case_id in cases}


def _worker(pg_url: str, port: int, blob_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "central", "--db", pg_url, "--seed", "empty", "--host", "127.0.0.1",
         "--port", str(port), "--gateway-token", "gw", "--blob-dir", str(blob_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _wait_until_serving(proc: subprocess.Popen, url: str) -> None:
    line = proc.stdout.readline() if proc.stdout else ""
    assert "desk central server on" in line, line
    assert "postgresql://" in line
    for _ in range(600):
        try:
            requests.get(f"{url}/api/v1/openapi.json", timeout=2)
            return
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
    raise AssertionError("the worker never answered")


def _session(url: str) -> requests.Session:
    http = requests.Session()
    http.headers.update({"User-Agent": "desk/0.1.0", "X-Device-Id": str(uuid.uuid4())})
    r = http.post(f"{url}/api/v1/sessions", json={"username": "officer1", "password": "demo-pass",
                                                  "device_name": "t"}, timeout=30)
    assert r.status_code == 201, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return http


def _new_case(url: str, unit_id: str) -> str:
    r = requests.post(f"{url}/api/v1/intake", headers={"Authorization": "Bearer gw"}, timeout=30,
                      json={"kind": "tip", "title": "线索", "body": "路口有人贩卖假证", "unit_id": unit_id})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_nothing_of_it(pg_url, tmp_path):
    """The batch's transaction is held open at a known op (its case row is locked by the
    test), the worker is killed there, and the database holds none of the batch; the
    client's resend to another worker applies each op once, and again is a duplicate."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    first = _worker(pg_url, port, tmp_path / "blobs")
    try:
        _wait_until_serving(first, url)
        http = _session(url)
        unit_id = http.get(f"{url}/api/v1/reference", timeout=30).json()["officers"][0]["unit_id"]
        held, blocked = _new_case(url, unit_id), _new_case(url, unit_id)
        claims = [op(c, "claim") for c in (held, blocked)]
        assert [r["outcome"] for r in http.post(f"{url}/api/v1/ops", json={"ops": claims},
                                                timeout=30).json()["results"]] == ["applied"] * 2
        batch = [op(held, "note", {"body": f"第{i}条记录"}, base_version=2 + i) for i in range(30)]
        batch.append(op(blocked, "note", {"body": "这一条等锁"}))
        batch += [op(held, "note", {"body": f"之后{i}"}) for i in range(5)]
        with psycopg.connect(pg_url) as locker:
            locker.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (blocked,))
            sent = threading.Thread(target=lambda: _post_quietly(http, url, batch))
            sent.start()
            _wait_for_lock_wait(locker)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            sent.join(timeout=30)
        # The locker committed: the killed worker's backend finds its client gone and
        # rolls back. Nothing of the batch was kept.
        with psycopg.connect(pg_url) as conn:
            for _ in range(200):
                left = conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name ="
                                    " 'desk-central' AND state <> 'idle'").fetchone()[0]
                if left == 0:
                    break
                time.sleep(0.05)
            ids = [o["op_id"] for o in batch]
            assert conn.execute("SELECT COUNT(*) FROM ops WHERE op_id = ANY(%s)", (ids,)).fetchone()[0] == 0
    finally:
        first.kill()
        first.wait(timeout=30)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    second = _worker(pg_url, port, tmp_path / "blobs")
    try:
        _wait_until_serving(second, url)
        http = _session(url)
        results = http.post(f"{url}/api/v1/ops", json={"ops": batch}, timeout=60).json()["results"]
        assert [r["outcome"] for r in results] == ["applied"] * len(batch)
        again = http.post(f"{url}/api/v1/ops", json={"ops": batch}, timeout=60).json()["results"]
        assert [r["outcome"] for r in again] == ["duplicate"] * len(batch)
        notes = [e["op_id"] for e in results[-1]["case"]["entries"] if e["type"] == "note"]
        assert notes == [o["op_id"] for o in batch if o["case_id"] == held]
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(timeout=30)


def _post_quietly(http: requests.Session, url: str, batch: list[dict]) -> None:
    try:
        http.post(f"{url}/api/v1/ops", json={"ops": batch}, timeout=60)
    except requests.ConnectionError:
        pass  # the worker was killed under it: that is the point
    else:
        raise AssertionError("the batch was answered before the worker was killed")


def _wait_for_lock_wait(conn: psycopg.Connection) -> None:
    """Until a worker's backend waits for the row lock the test holds: the batch's
    transaction is open, with the ops before the locked case applied in it."""
    for _ in range(600):
        # pg_stat_activity is read through another connection: this one holds the lock.
        with psycopg.connect(conn.info.dsn) as probe:
            waiting = probe.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'desk-central'"
                " AND wait_event_type = 'Lock'").fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the batch never reached the locked case")


def test_a_lost_database_connection_is_a_503_then_reconnected(workers, pg_url):
    """A failover or a restarted database breaks every open connection: the request that
    meets a broken one gets 503 with Retry-After (the client retries), and the worker
    connects again by itself."""
    server = workers[0]
    officer = Client(server, "officer1")
    case = intake(server)
    assert officer.get("/summary").status_code == 200
    with psycopg.connect(pg_url) as admin:
        gone = admin.execute("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                             " WHERE application_name = 'desk-central'").fetchone()[0]
    assert gone > 0
    statuses = []
    for _ in range(200):
        r = officer.get("/summary")
        statuses.append(r.status_code)
        if r.status_code == 503:
            assert r.json()["code"] == "database_unavailable" and int(r.headers["Retry-After"]) > 0
        if 503 in statuses and statuses[-3:] == [200, 200, 200]:
            break
    assert set(statuses) <= {200, 503} and statuses[-3:] == [200, 200, 200], statuses
    assert 503 in statuses
    # Writes too, on whichever thread still holds a broken connection: the client
    # resends on 503 as on any failure, and the op is applied once.
    claim = op(case["id"], "claim")
    outcomes = []
    for _ in range(60):
        r = officer.post("/ops", json={"ops": [claim]})
        assert r.status_code in (200, 503), r.text
        if r.status_code == 200:
            outcomes.append(r.json()["results"][0]["outcome"])
            if len(outcomes) == 3:
                break
    assert outcomes == ["applied", "duplicate", "duplicate"]


def _held_within(service, token: str, cursor: str, held: bool, seconds: float = 3.0) -> bool:
    """Whether the worker's memo comes to hold (or to forget) the quiet answer in time:
    another worker's commit reaches it as a notification, not at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (service.quiet_changes_held(token, cursor, now=service.now()) is not None) == held:
            return True
        time.sleep(0.01)
    return False


def _held_poller(server: RunningServer, cursor: str | None = None) -> tuple[Client, str, str]:
    """An officer on `server` whose quiet poll at the head is held in its memo:
    (the client, its token, the head cursor)."""
    reader = Client(server, "officer1")
    token = reader.login_body["token"]
    if cursor is None:
        _, cursor = reader.pull_all()
    reader.get("/changes", params={"cursor": cursor})
    assert _held_within(server.app.state.service, token, cursor, held=True)
    return reader, token, cursor


def _deaf_to_notifications(monkeypatch, memo) -> None:
    """The memo's listener forgets nothing from here on: whatever the memo forgets now,
    its own worker told it, not a notification that happened to arrive first."""
    for name in ("forget_head", "forget_sessions"):
        told = getattr(memo, name)
        monkeypatch.setattr(memo, name, lambda told=told: (
            None if threading.current_thread().name == "quiet-memo" else told()))


def test_a_quiet_poll_is_answered_from_the_workers_memory_until_any_worker_writes(workers, monkeypatch):
    a, b = workers
    reader = Client(a, "officer1")
    token = reader.login_body["token"]
    service = a.app.state.service
    _, cursor = reader.pull_all()
    assert service.quiet_changes_held(token, cursor, now=service.now()) is None  # never asked yet
    quiet = reader.get("/changes", params={"cursor": cursor})
    assert quiet.status_code == 200 and quiet.json()["changes"] == []
    # The poll the database answered is now held: the next one costs no round trip.
    assert _held_within(service, token, cursor, held=True)
    assert service.quiet_changes_held(token, cursor, now=service.now())[1] == quiet.content

    case = intake(b)  # another worker writes: this one is told, and forgets the head
    assert _held_within(service, token, cursor, held=False)
    changes, cursor = reader.pull_all(cursor)
    assert [c["case"]["id"] for c in changes if c["op"] == "upsert"] == [case["id"]]

    # This worker's own commit is forgotten at once, before any notification.
    reader.get("/changes", params={"cursor": cursor})
    assert _held_within(service, token, cursor, held=True)
    _deaf_to_notifications(monkeypatch, service.quiet_memo)
    Client(a, "officer1").push(op(case["id"], "claim"))
    assert service.quiet_changes_held(token, cursor, now=service.now()) is None


def test_a_session_ended_on_another_worker_is_refused_by_this_ones_memo(workers, monkeypatch):
    a, b = workers
    service = a.app.state.service
    reader, token, cursor = _held_poller(a)
    elsewhere = Client(b)
    elsewhere.http.headers["Authorization"] = f"Bearer {token}"
    assert elsewhere.delete("/sessions/current").status_code == 204
    assert _held_within(service, token, cursor, held=False)
    assert reader.get("/changes", params={"cursor": cursor}).status_code == 401

    # Ended on this very worker: refused by the next request, with no wait.
    again, _, cursor = _held_poller(a, cursor)
    _deaf_to_notifications(monkeypatch, service.quiet_memo)
    assert again.delete("/sessions/current").status_code == 204
    assert again.get("/changes", params={"cursor": cursor}).status_code == 401


def test_a_held_head_is_read_again_after_a_second_even_if_no_notification_came(workers):
    # The net under LISTEN: a path that drops notifications (a pool in transaction
    # mode) hides a change for at most the head's age.
    a, _ = workers
    service = a.app.state.service
    _, token, cursor = _held_poller(a)
    service.quiet_memo.HEAD_MAX_AGE_S = 0.05
    time.sleep(0.1)
    assert service.quiet_changes_held(token, cursor, now=service.now()) is None


def test_every_statement_is_planned_for_its_own_values(pg_url):
    # A generic plan for a poll's `assignee_id = $1 AND last_seq > $2 LIMIT 1` is a
    # sequential scan that reads every case when nothing matches (central/db.py).
    from central.db import PostgresDatabase

    db = PostgresDatabase(pg_url)
    try:
        with db.read() as conn:
            for _ in range(8):  # past psycopg's prepare threshold
                conn.execute("SELECT 1 FROM cases WHERE retired = 0 AND assignee_id = ?"
                             " AND last_seq > ? LIMIT 1", ("nobody", 0)).fetchone()
            assert conn.execute("SHOW plan_cache_mode").fetchone()[0] == "force_custom_plan"
    finally:
        db.close()
