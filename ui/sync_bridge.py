"""Carries the plain-thread sync loop's callbacks onto the GUI thread as Qt signals.

desk.sync.SyncLoop knows nothing of Qt; its callbacks run on the sync thread, where they
only emit signals (queued connections deliver them to the GUI thread). Nothing here
touches a widget.

A session opened offline has no server session yet. With the password the officer
unlocked with (held in memory only), a desk.session.Reconnector checks for the server
and logs in once it answers; the sync loop starts then, with no restart.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from PySide6.QtCore import QAbstractEventDispatcher, QCoreApplication, QObject, Signal

from desk.pacing import GilPacer
from desk.pagework import PageWorker
from desk.session import Reconnector
from desk.sync import SyncEngine, SyncLoop

# Transport failures back off up to this (seconds): queued work leaves within about
# this long after the link returns, at the cost of one failing request per period.
BACKOFF_MAX_S = 30.0


class _Loop(SyncLoop):
    """The sync loop, remembering when it will next try while it backs off (for the
    officer who presses F5 while offline)."""

    next_try_at: float | None = None

    def _wait(self, seconds: float, *, interruptible: bool) -> None:
        self.next_try_at = None if interruptible else time.time() + seconds
        try:
            super()._wait(seconds, interruptible=interruptible)
        finally:
            self.next_try_at = None


class _WindowWatch(QObject):
    """Tells the sync's pacer when the GUI thread is at work: from the first event it
    delivers after its event loop slept until the loop is about to sleep again. (The
    event dispatcher's `awake` signal is no mark of that: the glib dispatcher emits it
    after the events it woke for.)"""

    def __init__(self, pacer: GilPacer, parent: QObject) -> None:
        super().__init__(parent)
        self.pacer = pacer
        self.busy = False
        self._app = QCoreApplication.instance()
        self._dispatcher = QAbstractEventDispatcher.instance()
        if self._app is not None and self._dispatcher is not None:
            self._app.installEventFilter(self)
            self._dispatcher.aboutToBlock.connect(self._asleep)

    def eventFilter(self, watched, event) -> bool:
        # Called for every event of the GUI thread: a flag test and nothing more.
        if not self.busy:
            self.busy = True
            self.pacer.foreground_busy(True)
        return False

    def _asleep(self) -> None:
        if self.busy:
            self.busy = False
            self.pacer.foreground_busy(False)

    def close(self) -> None:
        if self._app is not None and self._dispatcher is not None:
            self._app.removeEventFilter(self)
            self._dispatcher.aboutToBlock.disconnect(self._asleep)
            self._app = self._dispatcher = None
        self.pacer.foreground_busy(False)


class SyncBridge(QObject):
    sig_state = Signal(str)          # idle | syncing | offline | error | login_needed | stopped | connecting
    sig_report = Signal(object)      # desk.sync.SyncReport
    sig_progress = Signal(float, str)
    sig_connected = Signal(object)   # reconnector thread -> GUI thread: the logged-in client
    sig_refused = Signal(object)     # reconnector thread -> GUI thread: the login was refused

    def __init__(self, session, *, interval: float = 60.0, password: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        # The sync's per-case writes rest now and then so the window's paints find the
        # GIL, and step aside while the window's thread is at work (desk/pacing.py).
        self.pacer = GilPacer()
        session.store.connection.pace = self.pacer
        self._window_watch = _WindowWatch(self.pacer, self)
        # A first sync's pages are read in a worker process: on a thread of this one their
        # Python work would take the GIL from the window for the whole pull (desk/pagework.py).
        # It runs at the lowest priority: on two cores it takes the core the window is not
        # using, never the window's (measured: at niceness 10 it still cost the window
        # 5-10 ms a step now and then).
        self.page_worker = PageWorker(niceness=19, pace=self.pacer)
        self.engine = SyncEngine(session.store, session.client, session.actor,
                                 page_worker=self.page_worker)
        self.loop: SyncLoop | None = None
        self.interval = interval
        self._password = password
        self.reconnector: Reconnector | None = None
        self.offline_reason = ""        # unreachable | busy | refused | ""
        self.refused = False
        self.sig_connected.connect(self._connected)
        self.sig_refused.connect(self._refused)
        self.sig_state.connect(self._watch_state)

    def start(self) -> None:
        if self.loop is not None:
            return
        if self.engine.client is None:
            # Opened offline without a stored token: find the server and log in first.
            self._start_reconnector()
            return
        self.loop = _Loop(
            self.engine,
            interval=self.interval,
            backoff_max=BACKOFF_MAX_S,
            on_state=self.sig_state.emit,
            on_report=self.sig_report.emit,
            on_progress=self.sig_progress.emit,
        )
        self.loop.start()

    def _start_reconnector(self) -> None:
        if self.reconnector is not None or not self._password:
            return
        password, self._password = self._password, None  # only the reconnector holds it now
        self.reconnector = Reconnector(
            self.session, password,
            on_attempt=lambda: self.sig_state.emit("connecting"),
            on_waiting=self._waiting,
            on_connected=self.sig_connected.emit,
            on_refused=self.sig_refused.emit,
            maximum=BACKOFF_MAX_S,
        )
        self.reconnector.start()

    def _waiting(self, reason: str, _next_at: float) -> None:
        self.offline_reason = reason
        self.sig_state.emit("offline")

    def _watch_state(self, state: str) -> None:
        # A stored token that has expired meanwhile: log in with the held password
        # instead of asking the officer.
        if state == "login_needed" and self._password and self.reconnector is None:
            self._start_reconnector()

    def _connected(self, client) -> None:
        reconnector, self.reconnector = self.reconnector, None
        if reconnector is None:  # stopped meanwhile
            return
        self.offline_reason = ""
        self.engine.actor = self.session.actor
        self.resume_after_login(client)

    def _refused(self, _error) -> None:
        self.reconnector = None
        self.refused = True
        self.offline_reason = "refused"
        self.sig_state.emit("login_needed")

    def poke(self) -> None:
        if self.loop is not None:
            self.loop.poke()

    def sync_now(self) -> None:
        if self.loop is not None:
            # reconnect() also cuts a backoff short: the officer asked explicitly.
            self.loop.reconnect()
        elif self.reconnector is not None:
            self.reconnector.try_now()

    def offline_detail(self, zone=None) -> str:
        """Why there is no sync just now and when the next try is, in one sentence
        (empty when online or nothing is known)."""
        next_at: float | None = None
        reason = self.offline_reason
        if self.reconnector is not None:
            next_at = self.reconnector.next_try_at
        elif self.loop is not None and self.loop.state in ("offline", "error"):
            next_at = getattr(self.loop, "next_try_at", None)
            report = self.loop.last_report
            reason = "unreachable" if report is None or report.error_kind == "transport" else "error"
        if reason == "refused":
            return QCoreApplication.translate(
                "SyncBridge", "The server refused the password: log out and log in again (your work is kept).")
        if not reason:
            return ""
        why = {
            "unreachable": QCoreApplication.translate("SyncBridge", "The server cannot be reached."),
            "busy": QCoreApplication.translate("SyncBridge", "The server is busy."),
        }.get(reason, QCoreApplication.translate("SyncBridge", "The last sync failed."))
        if next_at is None:
            return why
        when = datetime.fromtimestamp(next_at, UTC)
        when = when.astimezone(zone) if zone is not None else when.astimezone()
        return QCoreApplication.translate("SyncBridge", "%1 Next try at %2 (F5 tries now).") \
            .replace("%1", why).replace("%2", when.strftime("%H:%M:%S"))

    def resume_after_login(self, client) -> None:
        self.engine.client = client
        if self.loop is None:
            self.start()
        else:
            self.loop.resume_after_login(client)

    def stop(self) -> None:
        if self.reconnector is not None:
            # A short join: an attempt in flight may wait on a network timeout, and a
            # stopped reconnector hands nothing on (see Reconnector._attempt).
            self.reconnector.stop(timeout=1.0)
            self.reconnector = None
        self._password = None
        # First: the sync's last page is written while the window waits for its end.
        self._window_watch.close()
        if self.loop is not None:
            self.loop.stop(timeout=10.0)
            self.loop = None
        self.page_worker.close()

    @property
    def state(self) -> str:
        if self.loop is None and self.reconnector is not None:
            return "offline"
        return self.loop.state if self.loop is not None else "stopped"
