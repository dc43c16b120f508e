"""Bad input never gives a 500 and never hangs: impossible and absurd times, raw
surrogate bytes, one bad op in a batch, a stalled body, a forged log line. Each sent as
it is over real HTTP (or a raw socket) to the real server."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from tests.central.conftest import intake, op
from tests.central.server_fixture import _free_port, start_server
from tests.central.tiny_seed import PASSWORD, TinySeed

ROOT = Path(__file__).resolve().parents[2]
OVERFLOWING = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def test_times_that_overflow_in_utc_are_refused(server, login):
    officer = login("officer1")
    case = intake(server)
    officer.push(op(case["id"], "claim"))
    for when in OVERFLOWING:
        bad = {**op(case["id"], "note", {"body": "x"}), "performed_at": when}
        result = officer.push(bad)[0]
        assert (result["outcome"], result["error"]["code"]) == ("rejected", "validation_failed")
        assert "performed_at" in result["error"]["detail"]
        r = requests.post(f"{server.api}/intake", timeout=30,
                          headers={"Authorization": f"Bearer {server.gateway_token}"},
                          json={"kind": "tip", "title": "t", "body": "b", "received_at": when})
        assert r.status_code == 422 and r.json()["code"] == "validation_failed", r.text


def test_raw_surrogate_bytes_are_422_not_500(server, login):
    officer = login("officer1")
    case = intake(server)
    raw = json.dumps({"ops": [op(case["id"], "note", {"body": "SURROGATE"})]}).encode()
    for surrogate in (b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff"):
        body = raw.replace(b"SURROGATE", surrogate)
        r = officer.http.post(officer.url("/ops"), data=body, timeout=30,
                              headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["code"] == "validation_failed", r.text
    r = requests.post(f"{server.api}/intake", timeout=30, data=b'{"kind":"tip","title":"\xed\xa0\x80","body":"b"}',
                      headers={"Authorization": f"Bearer {server.gateway_token}",
                               "Content-Type": "application/json"})
    assert r.status_code == 422
    r = requests.post(f"{server.api}/sessions", timeout=30, headers={"X-Device-Id": "d"},
                      data=b'{"username":"\xed\xa0\x80","password":"x"}')
    assert r.status_code == 422


def test_an_absurd_performed_at_is_applied_clamped_and_flagged(server, login, clock):
    officer = login("officer1")
    case = intake(server)
    far = {**op(case["id"], "claim"), "performed_at": "9999-12-31T00:00:00Z"}
    early = {**op(case["id"], "note", {"body": "补记"}), "performed_at": "2000-01-01T00:00:00+08:00"}
    results = officer.push(far, early)
    assert [r["outcome"] for r in results] == ["applied", "applied"]
    claim, note = results[1]["case"]["entries"]
    assert claim["performed_at"] == "2026-11-25T02:00:00Z" == claim["received_at"]
    assert claim["data"] == {"clock_skew": True, "performed_at_claimed": "9999-12-31T00:00:00Z"}
    assert note["performed_at"] == case["received_at"]
    assert note["data"] == {"clock_skew": True, "performed_at_claimed": "1999-12-31T16:00:00Z"}
    # A time that is right is stored as it is, without a flag.
    clock.advance(timedelta(minutes=10))
    fine = officer.push(op(case["id"], "note", {"body": "ok"},
                          performed_at=clock() - timedelta(minutes=1)))[0]["case"]["entries"][-1]
    assert fine["data"] == {} and fine["performed_at"] == "2026-11-25T02:09:00Z"
    # And the case reads back for everyone, clocks and all.
    changes = officer.get("/changes").json()["changes"]
    assert changes[0]["case"]["version"] == 4


def test_one_bad_op_is_rejected_alone_and_the_batch_goes_on(server, login):
    officer = login("officer1")
    a, b = intake(server), intake(server)
    officer.push(op(a["id"], "claim"))
    unknown_type = {**op(b["id"], "note", {"body": "x"}), "type": "delete"}
    negative = op(b["id"], "note", {"body": "x"}, base_version=-1)
    bad_time = {**op(b["id"], "note", {"body": "x"}), "performed_at": "2026-13-45T99:00:00Z"}
    bad_payload = op(a["id"], "callback", {"outcome": "maybe", "body": "x"})
    no_op_id = {**op(b["id"], "note", {"body": "x"}), "op_id": {"nested": [1]}}
    batch = [op(a["id"], "note", {"body": "第一条"}), unknown_type, negative, 7, bad_time,
             no_op_id, op(a["id"], "note", {"body": "第二条"}), bad_payload]
    r = officer.post("/ops", json={"ops": batch})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [res["outcome"] for res in results] == [
        "applied", "rejected", "rejected", "rejected", "rejected", "rejected", "applied", "rejected"]
    assert [res["op_id"] for res in results] == [
        batch[0]["op_id"], unknown_type["op_id"], negative["op_id"], "", bad_time["op_id"], "",
        batch[6]["op_id"], bad_payload["op_id"]]
    assert all(res["error"]["code"] == "validation_failed" for res in results if res["outcome"] == "rejected")
    assert all(res["case"] is None for res in results[1:6])
    assert [e["body"] for e in results[6]["case"]["entries"][-2:]] == ["第一条", "第二条"]
    # Later ops on a case behind a rejected one wait, as after any rejection.
    assert officer.push(op(b["id"], "claim"))[0]["outcome"] == "applied"


def test_forty_parallel_wrong_passwords_get_at_most_five_checked_answers(server):
    barrier = threading.Barrier(40)

    def guess(n: int) -> int:
        barrier.wait()
        return requests.post(f"{server.api}/sessions", timeout=60, headers={"X-Device-Id": f"d{n}"},
                             json={"username": "officer1", "password": f"wrong-{n}"}).status_code

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(guess, range(40)))
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= 5 and statuses.count(429) >= 35, statuses
    # Even the right password waits out the minute.
    r = requests.post(f"{server.api}/sessions", timeout=30, headers={"X-Device-Id": "d"},
                      json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def _raw(port: int, request: bytes, *, wait: float) -> tuple[bytes, float]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise AssertionError(f"the server held the connection: {answer!r}") from None
            if not chunk:
                return answer, time.monotonic() - started
            answer += chunk


@pytest.mark.slow
def test_a_stalled_body_is_dropped_with_408(tmp_path):
    server = start_server(tmp_path, seed=TinySeed(), body_timeout=1.0)
    try:
        for path in (b"/api/v1/ops", b"/api/v1/sessions", b"/api/v1/intake"):
            answer, took = _raw(server.port, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                                b'{"ops": [1', wait=10)
            # Answered and closed (recv saw the end), after about the timeout.
            assert answer.startswith(b"HTTP/1.1 408"), answer
            assert b"request_timeout" in answer and 0.9 <= took < 5, took
        # A body that arrives in time is served as ever.
        r = requests.post(f"{server.api}/sessions", timeout=30, headers={"X-Device-Id": "d"},
                          json={"username": "officer1", "password": PASSWORD})
        assert r.status_code == 201
    finally:
        server.stop()


@pytest.mark.slow
def test_control_characters_in_a_path_are_escaped_in_the_log(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(tmp_path / "c.sqlite"), "--seed", "empty",
         "--host", "127.0.0.1", "--port", str(port), "--gateway-token", "gw", "--body-timeout", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        for _ in range(300):
            try:
                requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        forged = ("/api/v1/x%0a2026-12-01 00:00:00,000 INFO central.access: GET /api/v1/admin 200"
                  "%1b[2J%1b]0;owned%07%c2%9b").replace(" ", "%20").replace("[", "%5b").replace("]", "%5d")
        answer, _ = _raw(port, f"GET {forged} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(), wait=10)
        assert answer.startswith(b"HTTP/1.1 404")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "\x1b" not in stderr and "\x07" not in stderr and "\x9b" not in stderr
    assert not any(line.startswith("2026-12-01 00:00:00,000") for line in stderr.splitlines())
    logged = [line for line in stderr.splitlines() if "/api/v1/x" in line]
    assert len(logged) == 1, stderr
    assert "\\x0a2026-12-01" in logged[0] and "\\x1b[2J" in logged[0] and "\\x9b" in logged[0]
