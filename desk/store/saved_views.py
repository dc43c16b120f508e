"""The store's saved-views room: an officer's named filtered views of a queue, kept in
the encrypted cache (a view's name and filter say what the officer works on; they are
not for a plain settings file on a shared workstation).

A saved view is (officer, name) -> the queue it narrows and its desk.filters.QueueFilter
as JSON; the window lists them under the fixed queues with their live counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.filters import QueueFilter
from desk.store.base import _now
from desk.store.connection import StoreError
from desk.store.state import StateRoom

MAX_VIEW_NAME = 60


@dataclass(frozen=True)
class SavedView:
    name: str
    queue: str
    filter: QueueFilter


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise StoreError("a saved view needs a name")
    if len(cleaned) > MAX_VIEW_NAME:
        raise StoreError(f"a saved view's name may hold at most {MAX_VIEW_NAME} characters")
    return cleaned


class SavedViewsRoom(StateRoom):
    def saved_views(self, officer_id: str) -> list[SavedView]:
        """The officer's saved views, in the order they were saved."""
        rows = self._read("SELECT name, queue, filter FROM saved_views WHERE officer_id = ? "
                          "ORDER BY position, name", (officer_id,))
        return [SavedView(r[0], r[1], QueueFilter.from_json(r[2])) for r in rows]

    def save_view(self, officer_id: str, name: str, queue: str, refine: QueueFilter) -> SavedView:
        """Save (or replace) the officer's view `name`. Returns it with its cleaned name."""
        name = _clean_name(name)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO saved_views (officer_id, name, queue, filter, position, saved_at) "
                "VALUES (?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM saved_views "
                "WHERE officer_id = ?), ?) "
                "ON CONFLICT(officer_id, name) DO UPDATE SET queue = excluded.queue, "
                "filter = excluded.filter, saved_at = excluded.saved_at",
                (officer_id, name, queue, refine.to_json(), officer_id, _now()))
        return SavedView(name, queue, refine)

    def rename_view(self, officer_id: str, old: str, new: str) -> str:
        """Rename a saved view; refused when the new name is taken. Returns the new name."""
        new = _clean_name(new)
        if new == old:
            return new
        with self._write() as conn:
            taken = conn.execute("SELECT 1 FROM saved_views WHERE officer_id = ? AND name = ?",
                                 (officer_id, new)).fetchone()
            if taken:
                raise StoreError(f"a saved view named {new!r} exists already")
            cur = conn.execute("UPDATE saved_views SET name = ? WHERE officer_id = ? AND name = ?",
                               (new, officer_id, old))
            if cur.rowcount == 0:
                raise StoreError(f"no saved view named {old!r}")
        return new

    def delete_view(self, officer_id: str, name: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM saved_views WHERE officer_id = ? AND name = ?", (officer_id, name))
