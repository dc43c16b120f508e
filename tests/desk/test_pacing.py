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



def test_a_background_loop_steps_aside_while_the_window_works_and_runs_when_it_sleeps():
    pacer = GilPacer(max_wait=5.0)
    pacer.foreground_busy(True)
    returned = threading.Event()
    worker = threading.Thread(target=lambda: (pacer(), returned.set()))
    worker.start()
    # The window is at work: the loop's next call waits.
    assert not returned.wait(0.2)
    pacer.foreground_busy(False)
    assert returned.wait(2)
    worker.join()
    # While the window sleeps the loop only rests now and then, as before.
    assert _busy_loop_in_thread(pacer, 0.02) <= 20


def test_a_window_that_stays_busy_holds_a_background_loop_back_only_max_wait():
    """A window busy for long (a long job, or waiting for this very loop's lock or end)
    must not stop the loop it may be waiting for."""
    pacer = GilPacer(max_wait=0.1)
    pacer.foreground_busy(True)
    woke = time.perf_counter()
    ended: list[float] = []

    def loop():
        for _ in range(200):
            pacer()
        ended.append(time.perf_counter())

    worker = threading.Thread(target=loop)
    worker.start()
    worker.join(10)
    # Held back until max_wait after the window woke, once, then plain pacing (200 calls
    # rest a few times at most); waiting at every call would take 20 s.
    assert ended, "the loop never ended while the window stayed busy"
    assert 0.09 <= ended[0] - woke < 2.0, ended[0] - woke


def test_the_main_thread_never_waits_on_its_own_business():
    pacer = GilPacer(max_wait=5.0)
    pacer.foreground_busy(True)
    start = time.perf_counter()
    for _ in range(100):
        pacer()
    assert time.perf_counter() - start < 0.5


def _busy_loop_in_thread(pacer, seconds: float) -> int:
    found: list[int] = []
    worker = threading.Thread(target=lambda: found.append(_busy_loop(pacer, seconds)))
    worker.start()
    worker.join()
    return found[0]
