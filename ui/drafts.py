"""Unsent text per case and kind of writing (reply, note, urge).

Drafts are case text, so they never go to QSettings or any plain file: they live in the
encrypted store (Store.draft / Store.save_draft) and so survive a restart of the app.
Keystrokes only touch memory; the store is written a moment after typing stops, off the
GUI thread, because the sync thread may hold the store's write lock for a whole page of
changes. close() writes whatever is still pending.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QTimer

from ui.errors import log_failure

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 600


class Drafts(QObject):
    def __init__(self, store=None, runner=None, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store
        self._runner = runner
        self._memory: dict[tuple[str, str], str] = {}
        self._dirty: set[tuple[str, str]] = set()
        # Serialises the writers; each writes the newest text at the time it runs, so a
        # slow earlier save can never overwrite a later one with older text.
        self._write_lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self.persistent = store is not None

    def get(self, case_id: str, kind: str) -> str:
        key = (case_id, kind)
        if key not in self._memory and self.persistent:
            self._memory[key] = self._store.draft(case_id, kind) or ""
        return self._memory.get(key, "")

    def put(self, case_id: str, kind: str, body: str) -> None:
        key = (case_id, kind)
        if key in self._memory and self._memory[key] == body:
            return
        self._memory[key] = body
        if not self.persistent:
            return
        self._dirty.add(key)
        if not body:
            # A sent or cleared draft must not come back after a crash: write at once.
            self.flush()
        else:
            self._timer.start()

    @property
    def pending(self) -> bool:
        return bool(self._dirty)

    def _write(self, keys: list[tuple[str, str]]) -> None:
        with self._write_lock:
            for key in keys:
                self._store.save_draft(key[0], key[1], self._memory.get(key, ""))

    def flush(self, *, wait: bool = False) -> None:
        """Write the changed drafts; on the runner unless `wait` (closing) or no runner."""
        self._timer.stop()
        if not self._dirty or not self.persistent:
            return
        keys = sorted(self._dirty)
        self._dirty.clear()
        if wait or self._runner is None:
            self._write(keys)
            return

        def failed(error: BaseException) -> None:
            log_failure(log, "saving a draft", error)
            self._dirty.update(keys)

        self._runner.run(lambda: self._write(keys), None, failed)

    def close(self) -> None:
        self.flush(wait=True)
