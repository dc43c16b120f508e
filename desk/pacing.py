"""Background Python work that leaves the window its interpreter.

A thread busy in Python gives the GIL up only when the interpreter asks it to, every
5 ms; each call Qt makes into Python while it paints (a cell's `data()`) waits that long,
so a window repainting a table beside a busy sync stalls for hundreds of milliseconds
though its own work is a few. A loop that calls a pacer once per unit of work (a case
rebuilt, an op settled) rests 0.5 ms after each millisecond of work: the window's calls
find the GIL free, and the loop runs at about two thirds of its speed. Measured: a bare
table repaint beside a busy thread goes from 199 ms to 27 ms.
"""

from __future__ import annotations

import threading
import time


def no_pace() -> None:
    """The default: a command-line process has no window to leave time to."""


class GilPacer:
    """Call once per unit of work; on the main (GUI) thread it never rests."""

    def __init__(self, work: float = 0.001, rest: float = 0.0005) -> None:
        self.work = work
        self.rest = rest
        self._local = threading.local()

    def __call__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        now = time.perf_counter()
        since = getattr(self._local, "since", None)
        if since is None:
            self._local.since = now
        elif now - since >= self.work:
            time.sleep(self.rest)
            self._local.since = time.perf_counter()
