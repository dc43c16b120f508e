"""desk.session.Reconnector's schedule: backoff capped so work leaves within a minute
of the link returning, and F5 (try_now) tries at once. Against a loopback port where
nothing listens, as when the station's link is down."""

from __future__ import annotations

import random
import socket
import threading
import time
from types import SimpleNamespace

from desk.session import Reconnector, server_answers


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_backoff_is_capped_and_try_now_tries_at_once():
    session = SimpleNamespace(server_url=_dead_url(), ca_bundle=None)
    assert not server_answers(session.server_url)
    waits: list[float] = []
    attempted = threading.Event()

    def waiting(reason, next_at):
        assert reason == "unreachable"
        waits.append(next_at - time.time())
        attempted.set()

    reconnector = Reconnector(session, "secret", on_waiting=waiting, base=0.05, maximum=0.4,
                              rng=random.Random(1))
    reconnector.start()
    try:
        deadline = time.monotonic() + 20
        while len(waits) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(waits) >= 8
        assert max(waits) <= 0.4 + 0.05  # never longer than the cap
        assert waits[-1] > waits[0]  # it does back off
        # F5 after a long wait: the next attempt comes at once, not at the scheduled time.
        reconnector.maximum = reconnector.base = 30.0
        attempted.clear()
        while not attempted.wait(0.05):
            pass
        attempted.clear()
        started = time.monotonic()
        reconnector.try_now()
        assert attempted.wait(10)
        assert time.monotonic() - started < 5
    finally:
        reconnector.stop()
    assert not reconnector.is_alive()
    assert reconnector._password is None  # nothing of the password stays after stop
