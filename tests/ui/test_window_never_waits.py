"""The window never waits: not for the sync thread's write transactions (readers have
connections of their own beside the writer) and not for the server at logout (the
task runner ends the sessions, the window says it is logging out)."""

from __future__ import annotations

import threading
import time

import requests
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from desk.api import CentralClient
from tests.ui.conftest import login

HOLD_S = 2.0


class Heartbeat:
    """A 5 ms timer on the GUI thread; the largest gap between its ticks is the longest
    time the event loop was blocked."""

    def __init__(self):
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.worst = 0

    def _tick(self):
        now = self.clock.elapsed()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self):
        self.clock.start()
        self.last = 0
        self.worst = 0
        self.timer.start()

    def stop(self) -> int:
        self.timer.stop()
        self._tick()
        return self.worst


def test_gui_reads_while_another_thread_holds_a_write_transaction(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    store = window.store
    ids = window.model.ids()
    assert len(ids) >= 2
    store.save_draft(ids[1], "reply", "草稿：请补充材料")
    started, release = threading.Event(), threading.Event()

    def hold():
        # What a sync page does: a long write transaction on another thread.
        with store._write() as conn:
            conn.execute("UPDATE sync_state SET last_error = last_error WHERE id = 1")
            started.set()
            release.wait(HOLD_S)

    holder = threading.Thread(target=hold, name="holds-the-writer")
    holder.start()
    assert started.wait(5)
    try:
        timer = time.monotonic()
        window.table.selectRow(1)               # selecting a case reads it
        assert window.case_pane.case_id == ids[1]
        assert window.drafts.get(ids[1], "reply") == "草稿：请补充材料"
        window.model.mark_stale()               # painting the queue re-reads its rows
        window.table.viewport().repaint()
        QApplication.processEvents()
        window.outbox_view.refresh()            # the outbox view reads the outbox
        elapsed = time.monotonic() - timer
        assert holder.is_alive(), "the write transaction ended before the reads were timed"
    finally:
        release.set()
        holder.join()
    assert elapsed < 0.5, f"the GUI thread waited {elapsed:.2f} s for another thread's write"


def test_task_runner_jobs_leave_no_pile_of_read_connections(qtbot, tmp_path):
    import os

    from desk.store import Store
    from desk.store.connection import _MAX_READERS
    from ui.tasks import TaskRunner

    store = Store.open(tmp_path / "c.db", os.urandom(32))
    runner = TaskRunner()
    try:
        for _ in range(30):
            done: list = []
            runner.run(store.outbox_count, done.append)
            qtbot.waitUntil(lambda done=done: bool(done), timeout=5000)
        # A Qt pool thread's Python thread-locals do not outlive a job, so each job may
        # open a reader; the ones left behind are closed, not kept for the session.
        assert store.connection.reader_count() <= _MAX_READERS
    finally:
        runner.wait()
        store.close()


def test_logout_talks_to_the_server_off_the_gui_thread_and_says_so(qtbot, desk_app, server, monkeypatch):
    window = login(qtbot, desk_app, server, track=False)
    token = window.context.session.client.token
    calls: list[str] = []
    real_logout = CentralClient.logout

    def slow_logout(self):
        calls.append(threading.current_thread().name)
        # A link that takes its time: the window must stay live meanwhile.
        time.sleep(1.0)
        return real_logout(self)

    monkeypatch.setattr(CentralClient, "logout", slow_logout)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)

    def keep_cache(box):
        keep = next(b for b in box.buttons() if b.text() == window.tr("Log out, keep the cache"))
        keep.click()
        return 0

    window._exec = keep_cache
    beat = Heartbeat()
    beat.start()
    window.ask_logout()
    qtbot.waitUntil(lambda: desk_app.window is None and desk_app.login_dialog is not None
                    and desk_app.login_dialog.isVisible(), timeout=20000)
    worst = beat.stop()
    desk_app.login_dialog.close()
    assert calls and calls[0] != threading.main_thread().name, calls
    assert len(calls) == 1, "the server was asked twice"
    assert window.tr("Logging out…") in messages
    assert worst < 500, f"the GUI thread was blocked for {worst} ms during logout"
    # The server heard it: the token is dead.
    r = requests.get(f"{server.url}/api/v1/summary", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 401



def test_the_sync_steps_aside_while_the_window_handles_an_event(qtbot, desk_app, server):
    """The sync's pacer waits while the GUI thread works (its event loop awake) and runs
    while it sleeps: the window's calls into Python never queue behind the sync's."""
    login(qtbot, desk_app, server)
    pacer = desk_app.bridge.pacer
    stop = threading.Event()
    calls: list[float] = []

    def sync_like():
        while not stop.is_set():
            pacer()
            calls.append(time.perf_counter())

    handled: list[tuple[float, float]] = []

    def handler():
        start = time.perf_counter()
        time.sleep(0.02)   # the window's own work, 20 ms of it
        handled.append((start, time.perf_counter()))

    worker = threading.Thread(target=sync_like, name="sync-like")
    worker.start()
    try:
        for _ in range(5):
            QTimer.singleShot(0, handler)
            qtbot.wait(40)
    finally:
        stop.set()
        worker.join(5)
    assert len(handled) == 5
    during = [c for c in calls for start, end in handled if start + 0.001 < c < end]
    # At most the one call already past its check when the window woke, per event.
    assert len(during) <= len(handled), len(during)
    # ... and the loop ran while the window slept.
    assert len(calls) > 100
