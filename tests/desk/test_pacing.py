"""The pacer rests a background loop so a window's calls into Python find the GIL."""

import threading
import time

from desk.pacing import GilPacer


def _busy_loop(pacer, seconds: float) -> int:
    rests = 0
    end = time.perf_counter() + seconds
    original = time.sleep

    def counting(s):
        nonlocal rests
        rests += 1
        original(s)

    time.sleep = counting
    try:
        while time.perf_counter() < end:
            pacer()
    finally:
        time.sleep = original
    return rests


def test_a_background_loop_rests_about_once_a_millisecond_and_the_main_thread_never():
    pacer = GilPacer()
    found: list[int] = []
    worker = threading.Thread(target=lambda: found.append(_busy_loop(pacer, 0.05)))
    worker.start()
    worker.join()
    # At most one rest per millisecond of work; at least a few in 50 ms, however loaded.
    assert 1 <= found[0] <= 50
    assert _busy_loop(pacer, 0.02) == 0

