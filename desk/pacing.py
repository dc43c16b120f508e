"""Background Python work that leaves the window its interpreter.

A thread busy in Python gives the GIL up only when the interpreter asks it to, every
5 ms; each call Qt makes into Python while it paints (a cell's `data()`) waits that long,
so a window repainting a table beside a busy sync stalls for hundreds of milliseconds
though its own work is a few. A loop that calls a pacer once per unit of work (a case
rebuilt, an op settled) rests 0.5 ms after each millisecond of work: the window's calls
find the GIL free, and the loop runs at about two thirds of its speed. Measured: a bare
table repaint beside a busy thread goes from 199 ms to 27 ms.

Even then a paint makes hundreds of calls into Python, and each one that finds the
background thread at work waits a fraction of a millisecond for the lock: tens of
milliseconds a paint while a first sync writes. So the pacer also knows when the
window's thread works (`foreground_busy`: told at the first event it handles after its
event loop slept, and when the loop goes back to sleep): then the background loop waits
at its next call, and runs while the window sleeps. It waits at most `max_wait` after the window woke: a window busy for
longer (a long job, or waiting on this very loop, for its lock or its end) gets the
plain pacing, so nothing the window waits for is held back.
"""

from __future__ import annotations

import threading
import time


def no_pace() -> None:
    """The default: a command-line process has no window to leave time to."""


class GilPacer:
    """Call once per unit of work; on the main (GUI) thread it never rests."""

    def __init__(self, work: float = 0.001, rest: float = 0.0005, *, max_wait: float = 0.03) -> None:
        self.work = work
        self.rest = rest
        self.max_wait = max_wait
        self._local = threading.local()
        self._idle = threading.Event()
        self._idle.set()
        self._busy_since = 0.0

    def foreground_busy(self, busy: bool) -> None:
        """The window's thread started on an event (True) or is about to sleep (False)."""
        if busy:
            self._busy_since = time.perf_counter()
            self._idle.clear()
        else:
            self._idle.set()

    def __call__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        now = time.perf_counter()
        if not self._idle.is_set():
            left = self._busy_since + self.max_wait - now
            # Waiting releases the GIL until the window sleeps again.
            if left > 0 and self._idle.wait(left):
                self._local.since = time.perf_counter()
                return
        since = getattr(self._local, "since", None)
        if since is None:
            self._local.since = now
        elif now - since >= self.work:
            time.sleep(self.rest)
            self._local.since = time.perf_counter()
