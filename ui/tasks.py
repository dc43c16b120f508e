"""Run slow work off the GUI thread and hand the outcome back on it.

One small runner for the whole app (the idea of Anki's taskman): `run(fn, on_done,
on_error)` executes `fn` on a pool thread; the result or the exception comes back through
a queued signal, so the callbacks always run on the GUI thread. Workers never touch
widgets: they only compute and return.

`run(..., key=...)` is for reads that follow the data ("re-list the queue", "count"): a
second run with the same key while one is running is not started beside it; it waits,
and when the running job ends its outcome is dropped (it may predate the change that
asked for the second run) and the latest of the waiting runs starts instead. Any number
of requests while busy make exactly one re-run, with the arguments of the last one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from ui.errors import log_bug

log = logging.getLogger(__name__)


class _Relay(QObject):
    # Lives on the GUI thread; emitting from a worker queues the call to it.
    sig_finished = Signal(int, object, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self._id = job_id
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the caller's on_error on the GUI thread
            self._relay.sig_finished.emit(self._id, None, exc)
            return
        self._relay.sig_finished.emit(self._id, result, None)


class TaskRunner(QObject):
    """Owns a small thread pool; callbacks run on the thread that created the runner."""

    sig_busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        # Keep the pool's few threads for the app's life: each keeps a read connection
        # to the cache (desk.store) and an HTTP session by thread id, which a thread
        # that expired and came back under a new id would open again.
        self._pool.setExpiryTimeout(-1)
        self._relay = _Relay(self)
        self._relay.sig_finished.connect(self._finished)
        self._next_id = 0
        self._pending: dict[int, tuple[Callable | None, Callable | None]] = {}
        # key -> id of its running job (and back); key -> the run asked for while it runs.
        self._running_keys: dict[Hashable, int] = {}
        self._job_keys: dict[int, Hashable] = {}
        self._waiting: dict[Hashable, tuple[Callable[[], Any], Callable | None, Callable | None]] = {}

    @property
    def busy(self) -> bool:
        # A waiting run always sits behind a running one, which is in _pending.
        return bool(self._pending)

    def is_running(self, key: Hashable) -> bool:
        """A job with this key is running (or waits to run again)."""
        return key in self._running_keys or key in self._waiting

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        key: Hashable | None = None,
    ) -> int | None:
        """Start `fn`; returns its job id, or None when it was coalesced behind a
        running job with the same `key` (see the module's docstring)."""
        if key is not None and key in self._running_keys:
            self._waiting[key] = (fn, on_done, on_error)
            return None
        self._next_id += 1
        job_id = self._next_id
        was_busy = self.busy
        self._pending[job_id] = (on_done, on_error)
        if key is not None:
            self._running_keys[key] = job_id
            self._job_keys[job_id] = key
        if not was_busy:
            self.sig_busy_changed.emit(True)
        self._pool.start(_Job(job_id, fn, self._relay))
        return job_id

    @Slot(int, object, object)
    def _finished(self, job_id: int, result: Any, error: BaseException | None) -> None:
        key = self._job_keys.pop(job_id, None)
        if key is not None:
            del self._running_keys[key]
            waiting = self._waiting.pop(key, None)
            if waiting is not None:
                # Asked again while it ran: this outcome may predate the change that asked,
                # so it is dropped and the latest run starts (before this job leaves
                # _pending, so the runner does not blink idle in between).
                self.run(*waiting, key=key)
                self._pending.pop(job_id, None)
                return
        on_done, on_error = self._pending.pop(job_id, (None, None))
        try:
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log_bug(log, "a background task", error)
            elif on_done is not None:
                on_done(result)
        finally:
            if not self._pending:
                self.sig_busy_changed.emit(False)

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for running jobs (shutdown only; never while the GUI must stay live)."""
        return self._pool.waitForDone(msecs)
