"""Carries the plain-thread sync loop's callbacks onto the GUI thread as Qt signals.

desk.sync.SyncLoop knows nothing of Qt; its callbacks run on the sync thread, where they
only emit signals (queued connections deliver them to the GUI thread). Nothing here
touches a widget.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from desk.sync import SyncEngine, SyncLoop


class SyncBridge(QObject):
    sig_state = Signal(str)          # idle | syncing | offline | error | login_needed | stopped
    sig_report = Signal(object)      # desk.sync.SyncReport
    sig_progress = Signal(float, str)

    def __init__(self, session, *, interval: float = 60.0, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.engine = SyncEngine(session.store, session.client, session.actor)
        self.loop: SyncLoop | None = None
        self.interval = interval
        self._lock = threading.Lock()

    def start(self) -> None:
        # Opened offline without a stored token there is nothing to talk to until the
        # officer logs in again (resume_after_login starts the loop then).
        if self.loop is not None or self.engine.client is None:
            return
        self.loop = SyncLoop(
            self.engine,
            interval=self.interval,
            on_state=self.sig_state.emit,
            on_report=self.sig_report.emit,
            on_progress=self.sig_progress.emit,
        )
        self.loop.start()

    def poke(self) -> None:
        if self.loop is not None:
            self.loop.poke()

    def sync_now(self) -> None:
        if self.loop is not None:
            # reconnect() also cuts a backoff short: the officer asked explicitly.
            self.loop.reconnect()

    def resume_after_login(self, client) -> None:
        self.engine.client = client
        if self.loop is None:
            self.start()
        else:
            self.loop.resume_after_login(client)

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.stop(timeout=10.0)
            self.loop = None

    @property
    def state(self) -> str:
        return self.loop.state if self.loop is not None else "stopped"
