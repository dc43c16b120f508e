"""Unsent text per case and kind of writing (reply, note, urge).

Drafts are case text, so they never go to QSettings or any plain file: they live in the
encrypted store when it offers draft storage (Store.draft / Store.save_draft), and in
memory for this session otherwise.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class Drafts:
    def __init__(self, store=None):
        self._store = store
        self._memory: dict[tuple[str, str], str] = {}
        self.persistent = store is not None and hasattr(store, "save_draft") and hasattr(store, "draft")

    def get(self, case_id: str, kind: str) -> str:
        key = (case_id, kind)
        if key not in self._memory and self.persistent:
            self._memory[key] = self._store.draft(case_id, kind) or ""
        return self._memory.get(key, "")

    def put(self, case_id: str, kind: str, body: str) -> None:
        key = (case_id, kind)
        if self._memory.get(key, "") == body:
            return
        self._memory[key] = body
        if self.persistent:
            self._store.save_draft(case_id, kind, body)
