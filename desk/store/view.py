"""The store's view room: each case's local view (its server snapshot with unsent work
laid over), its search row, and the pull that writes snapshots.

`_rebuild` lays a case's unsent work over its snapshot, one case at a time.
`apply_changes` takes the fast path for the cases of a feed page that carry no unsent
work: their view is the snapshot itself, written with one `executemany` per table for
the whole page (the hot path of a first sync: bench/bench_sync.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pydantic_core

from desk import clocks as clock_rules
from desk import overlay
from desk.overlay import LocalOp, sort_time
from desk.pacing import no_pace
from desk.store.base import _dumps, _now, _stored_time
from desk.store.changes import NOTHING, Changes
from desk.store.state import StateRoom
from desk.wire import Case, Clock, RemoveChange, UpsertChange

# The view's columns as _view_row orders them; `id` comes first so an update can drop it.
_VIEW_NAMES = (
    "id", "number", "kind", "category", "service_item_id", "channel", "title", "citizen_name",
    "citizen_phone", "received_at", "status", "assignee_id", "unit_id", "next_due_at",
    "next_clock", "provisional", "pending_ops", "conflicts", "closed_at", "files", "data",
)
_VIEW_COLUMNS = ", ".join(_VIEW_NAMES)
_VIEW_MARKS = ", ".join("?" * len(_VIEW_NAMES))
_VIEW_UPDATE = ("UPDATE local_cases SET " + ", ".join(f"{n} = ?" for n in _VIEW_NAMES[1:])
                + " WHERE rid = ?")
_FTS_INSERT = ("INSERT INTO case_fts (rowid, number, title, body, citizen, entries) "
               "VALUES (?, ?, ?, ?, ?, ?)")
_SNAPSHOT_UPSERT = """INSERT INTO synced_cases (id, number, version, status, unit_id, assignee_id, data, seen_gen, gone)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
    ON CONFLICT(id) DO UPDATE SET number = excluded.number, version = excluded.version,
        status = excluded.status, unit_id = excluded.unit_id,
        assignee_id = excluded.assignee_id, data = excluded.data,
        seen_gen = max(synced_cases.seen_gen, excluded.seen_gen),
        gone = CASE WHEN ? THEN 0 ELSE synced_cases.gone END"""
# The snapshot of a case with no unsent work is its view minus the view's own marks
# (each entry's local_state, each clock's pending). A bulk-written page stores this
# instead of a second copy of the JSON (a third of what a first sync writes); the
# snapshot is written out in full as soon as anything is laid over the view.
_SNAPSHOT_IN_VIEW = ""


def _snapshot_from_view(view_json: str) -> dict:
    case = json.loads(view_json)
    for entry in case.get("entries", []):
        entry.pop("local_state", None)
    for clock in case.get("clocks", []):
        clock.pop("pending", None)
    return case


def _nearest(clocks: Iterable[Clock]) -> Clock | None:
    """The clock that decides where a case sorts: the running clock due first."""
    return clock_rules.nearest_open([c for c in clocks if c.stopped_at is None and not c.paused])


def _view_row(case: Mapping[str, Any], pending: int, conflicts: int, nearest: Clock | None) -> tuple:
    """One local_cases row (in _VIEW_NAMES order) for a built view and its nearest clock."""
    citizen = case.get("citizen") or {}
    return (
        case["id"], case["number"], case.get("kind"), case.get("category"),
        case.get("service_item_id"), case.get("channel"), case.get("title"),
        citizen.get("name"), citizen.get("phone"), sort_time(case.get("received_at")),
        case.get("status"), case.get("assignee_id"), case.get("unit_id"),
        sort_time(nearest.due_at) if nearest else None,
        nearest.clock if nearest else None,
        int(bool(nearest and nearest.provisional)),
        # pydantic_core's encoder writes what _dumps would (compact, UTF-8) at half the cost.
        pending, conflicts, overlay.closed_at(case), _file_count(case),
        pydantic_core.to_json(case).decode(),
    )


def _file_count(case: Mapping[str, Any]) -> int:
    files = case.get("attachments")
    return len(files) if isinstance(files, list) else 0


def _fts_row(rid: int, case: Mapping[str, Any]) -> tuple:
    citizen = case.get("citizen") or {}
    return (
        rid, case["number"], case.get("title") or "", case.get("body") or "",
        " ".join(str(citizen.get(k) or "") for k in ("name", "phone", "id_number")),
        "\n".join(str(e.get("body") or "") for e in case.get("entries", [])),
    )



@dataclass(frozen=True, slots=True)
class PreparedUpsert:
    """An upsert of a feed page with the rows the fast path writes for it, built before
    the write (desk/pagework.py builds them in a worker process, so a big page's Python
    work does not share the window's interpreter). It carries the case once, as the view
    row's JSON (what the fast path stores as the snapshot too): a page crosses the pipe
    and is unpickled beside the window in half the bytes. `case` is read back from it
    only when the case takes the per-case path (unsent work on it)."""

    seq: int
    case_id: str
    version: int
    status: str
    snapshot: tuple          # _SNAPSHOT_UPSERT's parameters but the generation's
    row: tuple               # _view_row
    fts: tuple               # _fts_row without its rowid

    op: ClassVar[str] = "upsert"

    @property
    def case(self) -> Case:
        return Case.model_validate(_snapshot_from_view(self.row[-1]))

    def case_as_change(self) -> UpsertChange:
        """The upsert as read, for rows to be built again (the reference changed)."""
        return UpsertChange(seq=self.seq, op="upsert", case=self.case)


def prepare_upsert(change: UpsertChange, calendar, policies) -> PreparedUpsert:
    """The fast path's rows for one upsert: its snapshot, view and search rows, built
    from the case in hand with no unsent work laid over it."""
    case_json = change.case.model_dump_json()
    # Decoding pydantic's JSON is cheaper than model_dump(mode="json").
    case = json.loads(case_json)
    view = overlay.build_view(case, (), (), calendar=calendar, policies=policies, owned=True)
    # The wire model's clocks are the view's: no unsent work changed them.
    return PreparedUpsert(
        seq=change.seq, case_id=case["id"], version=case["version"], status=case["status"],
        snapshot=(case["id"], case["number"], case["version"], case["status"],
                  case.get("unit_id"), case.get("assignee_id"), _SNAPSHOT_IN_VIEW),
        row=_view_row(view, 0, 0, _nearest(change.case.clocks)),
        fts=_fts_row(0, view)[1:])


def change_case_id(change: Any) -> str:
    """The case a change of a page is about, whether read (a wire change) or prepared."""
    if isinstance(change, RemoveChange | PreparedUpsert):
        return change.case_id
    return change.case.id


def _change_version(change: Any) -> int:
    return change.version if isinstance(change, PreparedUpsert) else change.case.version


# Rows per executemany slice of a page's fast write (see _paced_executemany).
_PACED_ROWS = 50


class ViewRoom(StateRoom):
    # ------------------------------------------------------------ the view

    def _local_ops(self, conn, case_id: str) -> tuple[list[LocalOp], list[LocalOp]]:
        def load(rows) -> list[LocalOp]:
            return [
                LocalOp(op_id=r[0], type=r[1], payload=json.loads(r[2]), performed_at=_stored_time(r[3]),
                        seq=r[4], author=json.loads(r[5]) if r[5] else {})
                for r in rows
            ]
        pending = load(conn.execute(
            "SELECT op_id, type, payload, performed_at, seq, author FROM outbox "
            "WHERE case_id = ? ORDER BY seq", (case_id,)).fetchall())
        conflicted = load(conn.execute(
            "SELECT op_id, type, payload, performed_at, seq, author FROM conflicts "
            "WHERE case_id = ? AND resolution IS NULL ORDER BY seq", (case_id,)).fetchall())
        return pending, conflicted

    def _delete_view(self, conn, case_id: str) -> None:
        row = conn.execute("SELECT rid FROM local_cases WHERE id = ?", (case_id,)).fetchone()
        if row is not None:
            conn.execute("DELETE FROM case_fts WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM local_cases WHERE rid = ?", (row[0],))

    def _rebuild(self, conn, case_id: str) -> None:
        """Recompute one case's local view from its snapshot and its unsent work."""
        self.connection.pace()
        snap = conn.execute("SELECT data, gone FROM synced_cases WHERE id = ?", (case_id,)).fetchone()
        pending, conflicted = self._local_ops(conn, case_id)
        if snap is None:
            self._delete_view(conn, case_id)
            return
        data = snap[0]
        if data == _SNAPSHOT_IN_VIEW:
            view = conn.execute("SELECT data FROM local_cases WHERE id = ?", (case_id,)).fetchone()
            data = _dumps(_snapshot_from_view(view[0]))
            conn.execute("UPDATE synced_cases SET data = ? WHERE id = ?", (data, case_id))
        if snap[1] and not pending and not conflicted:
            # Left our scope earlier and the work that kept it here is settled now.
            conn.execute("DELETE FROM synced_cases WHERE id = ?", (case_id,))
            self._delete_view(conn, case_id)
            return
        case = overlay.build_view(json.loads(data), pending, conflicted,
                                  calendar=self._calendar, policies=self._policies, owned=True)
        old = conn.execute("SELECT rid FROM local_cases WHERE id = ?", (case_id,)).fetchone()
        nearest = _nearest(Clock.model_validate(c) for c in case["clocks"])
        row = _view_row(case, len(pending), len(conflicted), nearest)
        if old is None:
            rid = conn.execute(f"INSERT INTO local_cases ({_VIEW_COLUMNS}) VALUES ({_VIEW_MARKS}) "
                               f"RETURNING rid", row).fetchone()[0]
        else:
            rid = old[0]
            conn.execute(_VIEW_UPDATE, row[1:] + (rid,))
            conn.execute("DELETE FROM case_fts WHERE rowid = ?", (rid,))
        conn.execute(_FTS_INSERT, _fts_row(rid, case))

    def rebuild_all(self) -> Changes:
        """Recompute every view. Changes: all cases."""
        with self._write() as conn:
            for (case_id,) in conn.execute("SELECT id FROM synced_cases").fetchall():
                self._rebuild(conn, case_id)
        return Changes(all_cases=True)

    # ------------------------------------------------------------ pull

    def _put_snapshot(self, conn, case: Mapping[str, Any], generation: int | None = None,
                      *, in_scope: bool = True) -> bool:
        """Keep the newer of the stored and the given snapshot; True when stored.

        Only the change feed says a case is in scope; a push result may carry a case
        that has left it (a conflict with `out_of_scope`), which must not revive it."""
        old = conn.execute("SELECT version FROM synced_cases WHERE id = ?", (case["id"],)).fetchone()
        if generation is not None:
            conn.execute("UPDATE synced_cases SET seen_gen = ? WHERE id = ?", (generation, case["id"]))
        if old is not None and old[0] > case["version"]:
            return False
        conn.execute(
            _SNAPSHOT_UPSERT,
            (case["id"], case["number"], case["version"], case["status"], case.get("unit_id"),
             case.get("assignee_id"), _dumps(case), generation or 0, int(in_scope)),
        )
        return True

    def _has_local_work(self, conn, case_id: str) -> bool:
        return conn.execute(
            "SELECT EXISTS(SELECT 1 FROM outbox WHERE case_id = ?) OR "
            "EXISTS(SELECT 1 FROM conflicts WHERE case_id = ? AND resolution IS NULL)",
            (case_id, case_id)).fetchone()[0] == 1

    def apply_changes(self, changes: Sequence[UpsertChange | RemoveChange | PreparedUpsert], next_cursor: str, *,
                      full_resync_generation: int | None = None) -> Changes:
        """Store one feed page and its cursor in one transaction. Changes: the cases
        of the page (upserted or removed).

        Most cases of a page carry no unsent work and are newer than what is stored (a
        first sync is nothing else): their view is the snapshot itself, built from the
        case in hand and written with one statement per table for the whole page. The
        rest (pending ops or open conflicts, removals, stale or repeated snapshots) take
        the per-case path that lays unsent work over the snapshot."""
        with self._write() as conn:
            ids = [change_case_id(c) for c in changes]
            if not ids:
                conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (next_cursor,))
                return NOTHING
            page_ids = _dumps(list(dict.fromkeys(ids)))
            busy = {r[0] for r in conn.execute(
                "SELECT j.value FROM json_each(?) AS j "
                "WHERE EXISTS(SELECT 1 FROM outbox WHERE case_id = j.value) "
                "OR EXISTS(SELECT 1 FROM conflicts WHERE case_id = j.value AND resolution IS NULL)",
                (page_ids,))}
            stored = {r[0]: r[1] for r in conn.execute(
                "SELECT s.id, s.version FROM json_each(?) AS j JOIN synced_cases AS s ON s.id = j.value",
                (page_ids,))}
            rids = {r[0]: r[1] for r in conn.execute(
                "SELECT l.id, l.rid FROM json_each(?) AS j JOIN local_cases AS l ON l.id = j.value",
                (page_ids,))}
            repeated = {i for i, n in Counter(ids).items() if n > 1}
            fast: list[UpsertChange | PreparedUpsert] = []
            slow: list[UpsertChange | RemoveChange | PreparedUpsert] = []
            for change, case_id in zip(changes, ids, strict=False):
                if (not isinstance(change, RemoveChange) and case_id not in busy and case_id not in repeated
                        and stored.get(case_id, -1) <= _change_version(change)):
                    fast.append(change)
                else:
                    slow.append(change)
            self._apply_slow(conn, slow, full_resync_generation)
            if fast:
                self._apply_fast(conn, fast, rids, full_resync_generation)
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (next_cursor,))
        return Changes(case_ids=frozenset(ids))

    def _apply_slow(self, conn, changes: Sequence[UpsertChange | RemoveChange | PreparedUpsert],
                    generation: int | None) -> None:
        touched: list[str] = []
        for change in changes:
            if isinstance(change, RemoveChange):
                if self._has_local_work(conn, change.case_id):
                    conn.execute("UPDATE synced_cases SET gone = 1 WHERE id = ?", (change.case_id,))
                else:
                    conn.execute("DELETE FROM synced_cases WHERE id = ?", (change.case_id,))
                touched.append(change.case_id)
            else:
                case = change.case.model_dump(mode="json")
                self._put_snapshot(conn, case, generation)
                touched.append(case["id"])
        for case_id in dict.fromkeys(touched):
            self._rebuild(conn, case_id)

    def _apply_fast(self, conn, changes: Sequence[UpsertChange | PreparedUpsert], rids: Mapping[str, int],
                    generation: int | None) -> None:
        """Snapshots that are the whole view: no unsent work, each case once, newer than
        what is stored. The same rows _rebuild would write, without reading them back."""
        snapshots: list[tuple] = []
        inserts: list[tuple] = []
        updates: list[tuple] = []
        fts_gone: list[tuple] = []
        fts: list[tuple] = []
        # New views get explicit rids (what SQLite would pick: past the largest) so the
        # search rows can be written beside them without a RETURNING per case.
        next_rid = int(conn.execute("SELECT coalesce(max(rid), 0) FROM local_cases").fetchone()[0]) + 1
        for change in changes:
            self.connection.pace()
            prepared = (change if isinstance(change, PreparedUpsert)
                        else prepare_upsert(change, self._calendar, self._policies))
            snapshots.append(prepared.snapshot + (generation or 0, 1))
            rid = rids.get(prepared.case_id)
            if rid is None:
                rid = next_rid
                next_rid += 1
                inserts.append((rid,) + prepared.row)
            else:
                updates.append(prepared.row[1:] + (rid,))
                fts_gone.append((rid,))
            fts.append((rid,) + prepared.fts)
        paced = self._paced_executemany
        paced(conn, _SNAPSHOT_UPSERT, snapshots)
        if inserts:
            paced(conn, f"INSERT INTO local_cases (rid, {_VIEW_COLUMNS}) VALUES (?, {_VIEW_MARKS})", inserts)
        if updates:
            paced(conn, _VIEW_UPDATE, updates)
        if fts_gone:
            paced(conn, "DELETE FROM case_fts WHERE rowid = ?", fts_gone)
        paced(conn, _FTS_INSERT, fts)

    def _paced_executemany(self, conn, sql: str, rows: Sequence[tuple]) -> None:
        """executemany in slices with the pacer between them: in one call, a page's rows
        are tens of milliseconds in which the sync never steps aside for the window."""
        pace = self.connection.pace
        if pace is no_pace:
            conn.executemany(sql, rows)
            return
        for start in range(0, len(rows), _PACED_ROWS):
            pace()
            conn.executemany(sql, rows[start:start + _PACED_ROWS])

    def begin_full_resync(self) -> int:
        with self._write() as conn:
            conn.execute("UPDATE sync_state SET cursor = NULL, full_resync = 1, "
                         "resync_gen = resync_gen + 1 WHERE id = 1")
            return int(conn.execute("SELECT resync_gen FROM sync_state WHERE id = 1").fetchone()[0])

    def finish_full_resync(self, generation: int) -> Changes:
        """Drop the cases the resync did not see. Changes: all cases (a resync may have
        rewritten any), with the dropped ones named."""
        with self._write() as conn:
            stale = [r[0] for r in conn.execute(
                "SELECT id FROM synced_cases WHERE seen_gen < ?", (generation,)).fetchall()]
            for case_id in stale:
                if self._has_local_work(conn, case_id):
                    conn.execute("UPDATE synced_cases SET gone = 1 WHERE id = ?", (case_id,))
                else:
                    conn.execute("DELETE FROM synced_cases WHERE id = ?", (case_id,))
                self._rebuild(conn, case_id)
            conn.execute("UPDATE sync_state SET full_resync = 0 WHERE id = 1")
        return Changes(case_ids=frozenset(stale), all_cases=True)

    # ------------------------------------------------------------ set aside

    def set_aside(self, unreadable: Sequence[Any], read_ids: Iterable[str], *,
                  full_resync_generation: int | None = None) -> Changes:
        """Before a feed page is applied: file the changes of the page that could not be
        read (wire.UnreadableChange) and drop the records of the cases the page reads
        (a later change replaces the set-aside record). The last good copy of a set-aside
        case is left as it is, and a full resync counts it as seen so it keeps it.

        Its own transaction ahead of the page's: if the page is not committed after it,
        the same page is fetched again and files the same records.

        Changes: the cases set aside by this page (their last good copy stays as it was,
        but what the window says of them changes)."""
        ids = list(dict.fromkeys(read_ids))
        if not unreadable and not self._read("SELECT EXISTS(SELECT 1 FROM set_aside)")[0][0]:
            return NOTHING
        with self._write() as conn:
            if ids:
                conn.execute("DELETE FROM set_aside WHERE case_id IN (SELECT value FROM json_each(?))",
                             (_dumps(ids),))
            now = _now()
            for change in unreadable:
                conn.execute(
                    "INSERT OR REPLACE INTO set_aside (case_key, case_id, number, seq, version, problem, "
                    "set_aside_at) VALUES (?, ?, coalesce(?, (SELECT number FROM synced_cases WHERE id = ?)), "
                    "?, ?, ?, ?)",
                    (change.key, change.case_id, change.number, change.case_id, change.seq,
                     change.version, change.problem, now))
                if full_resync_generation is not None and change.case_id:
                    conn.execute("UPDATE synced_cases SET seen_gen = max(seen_gen, ?) WHERE id = ?",
                                 (full_resync_generation, change.case_id))
        return Changes(case_ids=frozenset(c.case_id for c in unreadable if c.case_id))

    def set_aside_cases(self) -> list[dict]:
        """The cases whose latest change could not be read, oldest first: which case
        (id, number), where in the feed (seq), and why (fields and error types only)."""
        rows = self._read("SELECT case_id, number, seq, version, problem, set_aside_at, "
                          "EXISTS(SELECT 1 FROM synced_cases AS s WHERE s.id = a.case_id) "
                          "FROM set_aside AS a ORDER BY set_aside_at, case_key")
        return [{"case_id": r[0], "number": r[1], "seq": r[2], "version": r[3], "problem": r[4],
                 "set_aside_at": r[5], "last_good_copy": bool(r[6])} for r in rows]
