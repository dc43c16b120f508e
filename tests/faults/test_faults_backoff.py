"""SyncLoop retry behaviour: exponential backoff with jitter, Retry-After honoured,
the same op_ids resent, a poke never cutting a Retry-After short, reconnect() and
login resuming at once."""

from __future__ import annotations

import json
import random
import threading
import time

from desk.actions import Actions
from desk.api import CentralClient
from desk.sync import SyncEngine, SyncLoop
from tests.faults import harness
from tests.faults.fake_http import Answer, FakeServer


def test_backoff_grows_with_jitter_and_honours_retry_after():
    loop = SyncLoop(engine=None, backoff_base=1.0, backoff_max=8.0, rng=random.Random(1))
    delays = []
    for failures in range(1, 7):
        loop._failures = failures
        delays.append(loop._backoff(None))
    caps = [1, 2, 4, 8, 8, 8]
    assert all(cap * 0.5 <= d <= cap for d, cap in zip(delays, caps, strict=False)), delays
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered
    loop._failures = 1
    assert loop._backoff(30.0) == 30.0


def test_busy_server_retry_after_resends_same_op_ids(tmp_path, env):
    server = harness.start_central(tmp_path)
    fake = FakeServer()
    try:
        session = harness.open_desk(server.url, "officer1", tmp_path)
        case = harness.intake(server, session.officer.unit_id)
        engine = harness.engine_for(session)
        assert engine.run_cycle().finished
        claim = Actions(session.store, session.actor).claim(case["id"])

        busy = Answer.json({"status": 503, "code": "busy"}, 503,
                           headers={"Content-Type": "application/problem+json", "Retry-After": "1"})
        fake.routes["POST /api/v1/ops"] = busy
        real = session.client
        engine.client = CentralClient(fake.url, device_id="5d3c0f59-6f32-4b57-9d4c-bd4d33b5d5a1",
                                      token=real.token)
        reports = []
        got_report = threading.Event()

        def on_report(report):
            reports.append((time.monotonic(), report))
            got_report.set()

        loop = SyncLoop(engine, interval=3600, backoff_base=0.01, backoff_max=0.02, on_report=on_report)
        loop.start()
        try:
            assert got_report.wait(20)
            first_at = reports[0][0]
            assert reports[0][1].retry_after == 1
            loop.poke()  # local work must not cut the server's Retry-After short
            harness.wait_until(lambda: len(reports) >= 2, what="the retry")
            assert reports[1][0] - first_at >= 0.9
            engine.client = real
            # reconnect() retries at once, whatever the backoff.
            loop.reconnect()
            harness.wait_until(lambda: session.store.outbox_count() == 0, what="delivery")
        finally:
            loop.stop()
        sent = [json_ops(body) for method, path, _, body in fake.seen if method == "POST"]
        assert sent and all(ids == [claim] for ids in sent)
        assert session.store.outbox() == []
    finally:
        fake.stop()
        server.stop()


def json_ops(body: bytes) -> list[str]:
    return [op["op_id"] for op in json.loads(body)["ops"]]


def test_engine_without_client_reports_login_needed(tmp_path, env):
    server = harness.start_central(tmp_path)
    try:
        session = harness.open_desk(server.url, "officer1", tmp_path)
        report = SyncEngine(session.store, None, session.actor).run_cycle()
        assert report.login_needed and not report.finished
    finally:
        server.stop()
