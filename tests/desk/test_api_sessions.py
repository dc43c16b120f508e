"""Each thread of the API client has its own requests.Session: a Session's connection
pool and cookie jar are not safe to share, and the sync thread refreshes the reference
data while a worker prefetches the next feed page."""

from __future__ import annotations

import threading
from collections import defaultdict

import requests

from desk.api import CentralClient
from tests.faults import harness


def test_two_threads_of_one_client_never_share_a_session():
    client = CentralClient("http://127.0.0.1:9", device_id="d1", ca_bundle=None)
    seen: dict[str, requests.Session] = {}
    together = threading.Barrier(2)

    def grab(name):
        seen[name] = client.http
        assert client.http is seen[name]  # stable within a thread
        if name != "main":
            together.wait(5)  # both alive at once, so neither inherits the other's id

    threads = [threading.Thread(target=grab, args=(f"t{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    grab("main")
    assert len({id(s) for s in seen.values()}) == 3
    for http in seen.values():
        assert http.trust_env is False and http.verify is True
        assert http.headers["X-Device-Id"] == "d1"
    client.close()


def test_sessions_of_finished_threads_are_closed_not_kept():
    client = CentralClient("http://127.0.0.1:9", device_id="d1")
    for _ in range(5):
        t = threading.Thread(target=lambda: client.http)
        t.start()
        t.join()
    assert client.http is not None  # a new thread's first use prunes the ended ones
    assert len(client._sessions) == 1
    client.close()


def test_a_sync_with_prefetch_uses_one_session_per_thread(tmp_path, env, server, monkeypatch):
    session = harness.open_desk(server.url, "officer1", tmp_path)
    unit = session.officer.unit_id
    for _ in range(4):
        harness.intake(server, unit)
    used: dict[int, set[str]] = defaultdict(set)
    real_request = requests.Session.request

    def spy(self, method, url, *args, **kwargs):
        used[id(self)].add(threading.current_thread().name)
        return real_request(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    # Small pages so the prefetch worker and the reference refresh run side by side.
    engine = harness.engine_for(session, page_size=1)
    session.store.set_state(reference_version=None)
    report = engine.run_cycle()
    assert report.finished, report.error
    assert report.pull_requests >= 3
    threads = [names for names in used.values()]
    assert any(any(n.startswith("desk-pull") for n in names) for names in threads)
    assert all(len(names) == 1 for names in threads), used
