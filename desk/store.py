"""The encrypted local cache (SQLCipher through sqlite-utils).

Everything an officer may read offline lives here and nowhere else: server snapshots,
the local view (snapshots with unsent work laid over), the outbox, conflicts, sync state
and reference data. The file is encrypted with a raw 256-bit key (desk.keys unwraps it);
temporary tables and sort spills stay in memory so no plaintext reaches a temp file.

One writer at a time: every write is one `BEGIN IMMEDIATE` transaction on the one
writer connection, under a lock. Reads go to a connection of the reading thread's own
(WAL mode lets them run beside a write transaction), so the window never waits for the
sync thread's page transactions (datasette's database.py keeps readers the same way).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pydantic_core
import sqlcipher3

from desk import clocks as clock_rules
from desk import overlay, schema
from desk.overlay import LocalOp, sort_time
from desk.wire import (
    WORD_PATTERN,
    Clock,
    Op,
    OpResult,
    Reference,
    RemoveChange,
    UpsertChange,
    format_time,
    parse_stored_time,
    parse_time,
)
from desk.worktime import Calendar

CLOSED_RETENTION = timedelta(days=30)
_CHUNK = 500


class StoreError(Exception):
    pass


# What one search may hold. Each word is a term of one FTS expression (or five LIKEs);
# SQLite refuses an expression tree deeper than 1,000, and no officer types 32 words.
MAX_SEARCH_WORDS = 32
MAX_SEARCH_CHARS = 256


class QueryTooLarge(StoreError):
    def __init__(self) -> None:
        super().__init__(f"a search may hold at most {MAX_SEARCH_WORDS} words and "
                         f"{MAX_SEARCH_CHARS} characters; shorten it")


@dataclass
class SyncState:
    cursor: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    clock_offset_s: float | None = None
    reference_version: str | None = None
    reference_etag: str | None = None
    full_resync: bool = False


@dataclass
class OutboxItem:
    op_id: str
    case_id: str
    case_number: str | None
    type: str
    state: str
    error: str | None
    performed_at: datetime
    payload: dict
    seq: int
    base_version: int = 0
    attempts: int = 0
    last_attempt_at: datetime | None = None


@dataclass
class ConflictItem:
    op_id: str
    case_id: str
    case_number: str | None
    type: str
    state: str
    error: dict
    payload: dict
    server_case: dict | None
    resolution: str | None
    resolved_at: datetime | None
    seq: int = 0
    performed_at: datetime | None = None
    base_version: int = 0
    new_op_id: str | None = None


def _now() -> str:
    return format_time(datetime.now(UTC))


def _time(value: str | None) -> datetime | None:
    return parse_time(value)


def _stored_time(value: str) -> datetime:
    """A time from a NOT NULL column (performed_at): never None, unlike `_time`."""
    return parse_stored_time(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_STATE_FIELDS = {
    "cursor", "last_success", "last_error", "clock_offset_s", "reference_version",
    "reference_etag", "full_resync",
}
_ROW_COLUMNS = (
    "id", "number", "kind", "category", "service_item_id", "title", "citizen_name",
    "citizen_phone", "received_at", "status", "assignee_id", "unit_id", "next_due_at",
    "next_clock", "provisional", "pending_ops", "conflicts",
)

# The view's columns as _view_row orders them; `id` comes first so an update can drop it.
_VIEW_NAMES = (
    "id", "number", "kind", "category", "service_item_id", "channel", "title", "citizen_name",
    "citizen_phone", "received_at", "status", "assignee_id", "unit_id", "next_due_at",
    "next_clock", "provisional", "pending_ops", "conflicts", "closed_at", "data",
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
        pending, conflicts, overlay.closed_at(case), pydantic_core.to_json(case).decode(),
    )


def _fts_row(rid: int, case: Mapping[str, Any]) -> tuple:
    citizen = case.get("citizen") or {}
    return (
        rid, case["number"], case.get("title") or "", case.get("body") or "",
        " ".join(str(citizen.get(k) or "") for k in ("name", "phone", "id_number")),
        "\n".join(str(e.get("body") or "") for e in case.get("entries", [])),
    )


class StoreClosed(StoreError):
    pass


def _connect(path: Path, key: bytes):
    """One SQLCipher connection to the cache with the key and the cipher pragmas applied.
    Every connection (the writer and each reader) comes from here: a connection that
    skipped one of these would read garbage or spill plaintext to a temp file."""
    try:
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher3.Error as exc:
        raise StoreError(f"cannot open the cache {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # Sort spills and temporary indexes would otherwise land in plain temp files.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"the cache {path.name} cannot be opened: the key is wrong or the file is damaged"
        ) from exc
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        # Every page read from disk is decrypted and checked; a cache that holds the
        # indexes of a 100,000-case queue keeps searches and sorts off that path.
        conn.execute("PRAGMA cache_size = -65536")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"the cache {path.name} is damaged: {exc}") from exc
    return conn


class _Reader:
    __slots__ = ("thread", "conn", "lock", "used", "closed")

    def __init__(self, thread, conn, lock) -> None:
        self.thread = thread
        self.conn = conn
        self.lock = lock
        self.used = time.monotonic()
        self.closed = False

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.conn.close()


# Readers kept open at most (the GUI thread, the task pool's and the sync thread need
# one each); beyond this the least recently used is closed.
_MAX_READERS = 6


class StoreConnection:
    """The cache's connections: one writer, and one reader per thread that reads.

    `write()` is a `BEGIN IMMEDIATE` transaction on the writer, one at a time under a
    lock. `read()` lends the calling thread its own read-only connection (opened on
    first use with the same key and pragmas); in WAL mode it reads the last committed
    state without waiting for a write transaction. A thread inside `write()` reads
    through the writer, so it sees what it has not committed yet. `close()` closes every
    connection, so a wiped profile leaves no reader holding the file."""

    def __init__(self, writer, path: Path, key: bytes | None) -> None:
        self.writer = writer
        self.path = Path(path)
        # Kept only to open readers; the Store holds the key as long as the cache is open.
        self._key = key
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[_Reader] = []
        self._readers_lock = threading.Lock()
        self._closed = False

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                raise StoreClosed("the cache is closed")
            conn = self.writer
            conn.execute("BEGIN IMMEDIATE")
            self._local.writing = getattr(self._local, "writing", 0) + 1
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._local.writing -= 1

    def _reader(self) -> _Reader:
        reader = getattr(self._local, "reader", None)
        if reader is not None and not reader.closed:
            reader.used = time.monotonic()
            return reader
        if self._key is None:
            # Built around a bare connection (a test of an old schema): no readers.
            reader = _Reader(None, self.writer, self._lock)
            self._local.reader = reader
            return reader
        with self._readers_lock:
            if self._closed:
                raise StoreClosed("the cache is closed")
            conn = _connect(self.path, self._key)
            # A reader must never write: writes go through write() and its lock.
            conn.execute("PRAGMA query_only = 1")
            reader = _Reader(threading.current_thread(), conn, threading.RLock())
            # Close the readers of threads that have ended (a prefetch worker per sync
            # cycle), and the least recently used beyond _MAX_READERS: a Qt pool
            # thread's Python thread-locals do not outlive a job, so each job opens a
            # reader of its own and the one before is left behind.
            gone = [r for r in self._readers if not r.thread.is_alive()]
            alive = sorted((r for r in self._readers if r not in gone), key=lambda r: r.used)
            gone += alive[:max(0, len(alive) + 1 - _MAX_READERS)]
            self._readers = [r for r in self._readers if r not in gone] + [reader]
        for old in gone:
            old.close()
        self._local.reader = reader
        return reader

    @contextmanager
    def read(self) -> Iterator[Any]:
        if getattr(self._local, "writing", 0):
            with self._lock:
                yield self.writer
            return
        while True:
            reader = self._reader()
            with reader.lock:
                if self._closed:
                    raise StoreClosed("the cache is closed")
                if reader.closed:
                    continue  # closed as least recently used just now: open another
                yield reader.conn
                return

    def reader_count(self) -> int:
        with self._readers_lock:
            return len(self._readers)

    def close(self) -> None:
        with self._readers_lock:
            self._closed = True
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()
        with self._lock:
            self.writer.close()
        self._key = None


class Store:
    def __init__(self, conn, path: Path, key: bytes | None = None) -> None:
        self.connection = StoreConnection(conn, path, key)
        self.path = path
        self._calendar: Calendar | None = None
        self._policies: list = []
        self._load_reference_cache()

    @property
    def db(self):
        """sqlite_utils over the writer, for tests and tools. Imported on first use: it
        is a twentieth of a second of every `desk` command's start."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @property
    def conn(self):
        """The writer connection (migrations and tests; everything else goes through
        `_write()` and `_read()`)."""
        return self.connection.writer

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, key: bytes) -> Store:
        path = Path(path)
        if len(key) != 32:
            raise StoreError("the cache key must be 32 bytes")
        conn = _connect(path, key)
        try:
            # WAL lets the readers read beside the writer; only the writer migrates.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            schema.migrate(conn)
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"the cache {path.name} is damaged: {exc}") from exc
        except RuntimeError as exc:
            conn.close()
            raise StoreError(str(exc)) from exc
        return cls(conn, path, key)

    def close(self) -> None:
        self.connection.close()

    def _write(self):
        return self.connection.write()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self.connection.read() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    def read(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[tuple]:
        """A read-only query for reports (supervision) that keeps out of the sync
        thread's write transactions."""
        bound = params if isinstance(params, Mapping) else tuple(params)
        with self.connection.read() as conn:
            return conn.execute(sql, bound).fetchall()

    # ------------------------------------------------------------ sync state

    def get_state(self) -> SyncState:
        row = self._read(
            "SELECT cursor, last_success, last_error, clock_offset_s, reference_version, "
            "reference_etag, full_resync FROM sync_state WHERE id = 1"
        )[0]
        return SyncState(
            cursor=row[0], last_success=_time(row[1]), last_error=row[2], clock_offset_s=row[3],
            reference_version=row[4], reference_etag=row[5], full_resync=bool(row[6]),
        )

    def set_state(self, **fields: Any) -> None:
        unknown = set(fields) - _STATE_FIELDS
        if unknown:
            raise TypeError(f"unknown sync state fields: {sorted(unknown)}")
        if not fields:
            return
        values = []
        for _name, value in fields.items():
            if isinstance(value, datetime):
                value = format_time(value)
            elif isinstance(value, bool):
                value = int(value)
            values.append(value)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._write() as conn:
            conn.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", values)

    def next_seq(self) -> int:
        """The next op seq of this device (counts up, never reused)."""
        with self._write() as conn:
            conn.execute("UPDATE sync_state SET device_seq = device_seq + 1 WHERE id = 1")
            return int(conn.execute("SELECT device_seq FROM sync_state WHERE id = 1").fetchone()[0])

    # ------------------------------------------------------------ reference data

    def _load_reference_cache(self) -> None:
        ref = self.reference()
        if ref is not None:
            self._calendar = Calendar.from_wire(ref.calendar)
            self._policies = list(ref.policy)

    def save_reference(self, ref: Reference, etag: str | None) -> None:
        cal_hash = hashlib.sha256(_dumps(ref.calendar.model_dump(mode="json")).encode()).hexdigest()
        with self._write() as conn:
            old = conn.execute("SELECT calendar_hash FROM reference WHERE id = 1").fetchone()
            conn.execute(
                "INSERT INTO reference (id, version, etag, calendar_hash, data) VALUES (1, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, etag = excluded.etag, "
                "calendar_hash = excluded.calendar_hash, data = excluded.data",
                (ref.version, etag, cal_hash, _dumps(ref.wire())),
            )
            conn.execute("UPDATE sync_state SET reference_version = ?, reference_etag = ? WHERE id = 1",
                         (ref.version, etag))
            self._calendar = Calendar.from_wire(ref.calendar)
            self._policies = list(ref.policy)
            if old is None or old[0] != cal_hash:
                # Only the overlay's own clock arithmetic depends on the calendar: server
                # snapshots carry their due times already.
                for (case_id,) in conn.execute("SELECT DISTINCT case_id FROM outbox").fetchall():
                    self._rebuild(conn, case_id)

    def reference(self) -> Reference | None:
        rows = self._read("SELECT data FROM reference WHERE id = 1")
        if not rows:
            return None
        return Reference.model_validate_json(rows[0][0])

    def calendar(self) -> Calendar | None:
        return self._calendar

    def calendar_or_default(self) -> Calendar:
        return self._calendar or overlay.default_calendar()

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

    def rebuild_all(self) -> None:
        with self._write() as conn:
            for (case_id,) in conn.execute("SELECT id FROM synced_cases").fetchall():
                self._rebuild(conn, case_id)

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

    def apply_changes(self, changes: Sequence[UpsertChange | RemoveChange], next_cursor: str, *,
                      full_resync_generation: int | None = None) -> None:
        """Store one feed page and its cursor in one transaction.

        Most cases of a page carry no unsent work and are newer than what is stored (a
        first sync is nothing else): their view is the snapshot itself, built from the
        case in hand and written with one statement per table for the whole page. The
        rest (pending ops or open conflicts, removals, stale or repeated snapshots) take
        the per-case path that lays unsent work over the snapshot."""
        with self._write() as conn:
            ids = [c.case.id if c.op == "upsert" else c.case_id for c in changes]
            if not ids:
                conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (next_cursor,))
                return
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
            fast: list[UpsertChange] = []
            slow: list[UpsertChange | RemoveChange] = []
            for change, case_id in zip(changes, ids, strict=False):
                if (change.op == "upsert" and case_id not in busy and case_id not in repeated
                        and stored.get(case_id, -1) <= change.case.version):
                    fast.append(change)
                else:
                    slow.append(change)
            self._apply_slow(conn, slow, full_resync_generation)
            if fast:
                self._apply_fast(conn, fast, rids, full_resync_generation)
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (next_cursor,))

    def _apply_slow(self, conn, changes: Sequence[UpsertChange | RemoveChange],
                    generation: int | None) -> None:
        touched: list[str] = []
        for change in changes:
            if change.op == "upsert":
                case = change.case.model_dump(mode="json")
                self._put_snapshot(conn, case, generation)
                touched.append(case["id"])
            else:
                if self._has_local_work(conn, change.case_id):
                    conn.execute("UPDATE synced_cases SET gone = 1 WHERE id = ?", (change.case_id,))
                else:
                    conn.execute("DELETE FROM synced_cases WHERE id = ?", (change.case_id,))
                touched.append(change.case_id)
        for case_id in dict.fromkeys(touched):
            self._rebuild(conn, case_id)

    def _apply_fast(self, conn, changes: Sequence[UpsertChange], rids: Mapping[str, int],
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
            # Decoding pydantic's JSON is cheaper than model_dump(mode="json").
            case = json.loads(change.case.model_dump_json())
            snapshots.append((case["id"], case["number"], case["version"], case["status"],
                              case.get("unit_id"), case.get("assignee_id"), _SNAPSHOT_IN_VIEW,
                              generation or 0, 1))
            view = overlay.build_view(case, (), (), calendar=self._calendar,
                                      policies=self._policies, owned=True)
            # The wire model's clocks are the view's: no unsent work changed them.
            row = _view_row(view, 0, 0, _nearest(change.case.clocks))
            rid = rids.get(case["id"])
            if rid is None:
                rid = next_rid
                next_rid += 1
                inserts.append((rid,) + row)
            else:
                updates.append(row[1:] + (rid,))
                fts_gone.append((rid,))
            fts.append(_fts_row(rid, view))
        conn.executemany(_SNAPSHOT_UPSERT, snapshots)
        if inserts:
            conn.executemany(f"INSERT INTO local_cases (rid, {_VIEW_COLUMNS}) "
                             f"VALUES (?, {_VIEW_MARKS})", inserts)
        if updates:
            conn.executemany(_VIEW_UPDATE, updates)
        if fts_gone:
            conn.executemany("DELETE FROM case_fts WHERE rowid = ?", fts_gone)
        conn.executemany(_FTS_INSERT, fts)

    def begin_full_resync(self) -> int:
        with self._write() as conn:
            conn.execute("UPDATE sync_state SET cursor = NULL, full_resync = 1, "
                         "resync_gen = resync_gen + 1 WHERE id = 1")
            return int(conn.execute("SELECT resync_gen FROM sync_state WHERE id = 1").fetchone()[0])

    def finish_full_resync(self, generation: int) -> None:
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

    # ------------------------------------------------------------ set aside

    def set_aside(self, unreadable: Sequence[Any], read_ids: Iterable[str], *,
                  full_resync_generation: int | None = None) -> None:
        """Before a feed page is applied: file the changes of the page that could not be
        read (wire.UnreadableChange) and drop the records of the cases the page reads
        (a later change replaces the set-aside record). The last good copy of a set-aside
        case is left as it is, and a full resync counts it as seen so it keeps it.

        Its own transaction ahead of the page's: if the page is not committed after it,
        the same page is fetched again and files the same records."""
        ids = list(dict.fromkeys(read_ids))
        if not unreadable and not self._read("SELECT EXISTS(SELECT 1 FROM set_aside)")[0][0]:
            return
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

    def note_statuses(self, statuses: Iterable[str]) -> None:
        """Remember statuses this desk does not know that the feed brought (see
        unknown_statuses); a few words, written once each."""
        # Only words: they are spliced into the queues' SQL as quoted literals.
        new = {s for s in statuses if re.fullmatch(WORD_PATTERN, s)} - self.unknown_statuses()
        if not new:
            return
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO statuses_seen (status) VALUES (?)",
                             [(s,) for s in sorted(new)])
        self._statuses_seen: frozenset[str] | None = None

    def unknown_statuses(self) -> frozenset[str]:
        """The statuses outside the known ones that cases in this cache have had."""
        seen = getattr(self, "_statuses_seen", None)
        if seen is None:
            try:
                seen = frozenset(r[0] for r in self._read("SELECT status FROM statuses_seen"))
            except sqlcipher3.OperationalError:
                return frozenset()  # a cache read before migration 6 (the migration tests)
            self._statuses_seen = seen
        return seen

    def set_aside_cases(self) -> list[dict]:
        """The cases whose latest change could not be read, oldest first: which case
        (id, number), where in the feed (seq), and why (fields and error types only)."""
        rows = self._read("SELECT case_id, number, seq, version, problem, set_aside_at, "
                          "EXISTS(SELECT 1 FROM synced_cases AS s WHERE s.id = a.case_id) "
                          "FROM set_aside AS a ORDER BY set_aside_at, case_key")
        return [{"case_id": r[0], "number": r[1], "seq": r[2], "version": r[3], "problem": r[4],
                 "set_aside_at": r[5], "last_good_copy": bool(r[6])} for r in rows]

    # ------------------------------------------------------------ push

    def enqueue(self, op: Op, *, author: Mapping[str, Any] | None = None) -> None:
        """Queue an op and lay it over the view, in one transaction."""
        with self._write() as conn:
            row = conn.execute("SELECT number FROM local_cases WHERE id = ?", (op.case_id,)).fetchone()
            conn.execute(
                "INSERT INTO outbox (op_id, seq, case_id, case_number, type, base_version, "
                "performed_at, payload, author, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                (op.op_id, op.seq, op.case_id, row[0] if row else None, op.type, op.base_version,
                 format_time(op.performed_at), _dumps(op.payload),
                 _dumps(dict(author)) if author else None, _now()),
            )
            self._rebuild(conn, op.case_id)

    def next_batch(self, limit: int = 100) -> list[Op]:
        rows = self._read(
            """SELECT op_id, seq, case_id, type, base_version, performed_at, payload FROM outbox o
               WHERE NOT EXISTS (SELECT 1 FROM conflicts c
                                 WHERE c.case_id = o.case_id AND c.resolution IS NULL)
               ORDER BY seq LIMIT ?""", (limit,))
        return [Op(op_id=r[0], seq=r[1], case_id=r[2], type=r[3], base_version=r[4],
                   performed_at=_stored_time(r[5]), payload=json.loads(r[6])) for r in rows]

    def record_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> None:
        by_id = {r.op_id: r for r in results}
        with self._write() as conn:
            touched: list[str] = []
            for op in ops:
                result = by_id.get(op.op_id)
                if result is None:
                    continue
                touched.append(op.case_id)
                if result.case is not None and result.outcome != "blocked":
                    self._put_snapshot(conn, result.case.model_dump(mode="json"), in_scope=False)
                if result.outcome in ("applied", "duplicate"):
                    conn.execute("DELETE FROM outbox WHERE op_id = ?", (op.op_id,))
                elif result.outcome in ("conflict", "rejected"):
                    error = result.error
                    conn.execute(
                        """INSERT OR REPLACE INTO conflicts (op_id, seq, case_id, case_number, type,
                               base_version, performed_at, payload, author, state, error_code,
                               error_detail, server_case, created_at)
                           SELECT op_id, seq, case_id, case_number, type, base_version, performed_at,
                                  payload, author, ?, ?, ?, ?, ? FROM outbox WHERE op_id = ?""",
                        (result.outcome, error.code if error else "", error.detail if error else "",
                         _dumps(result.case.model_dump(mode="json")) if result.case else None,
                         _now(), op.op_id),
                    )
                    conn.execute("DELETE FROM outbox WHERE op_id = ?", (op.op_id,))
                elif result.outcome == "blocked":
                    conn.execute("UPDATE outbox SET state = 'blocked', error = ? WHERE op_id = ?",
                                 ("waiting behind an earlier operation on this case", op.op_id))
            for case_id in dict.fromkeys(touched):
                self._rebuild(conn, case_id)

    def mark_attempt(self, op_ids: Sequence[str], error: str | None) -> None:
        with self._write() as conn:
            now = _now()
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, error = ? WHERE op_id = ?",
                [(now, error, op_id) for op_id in op_ids],
            )

    def outbox(self) -> list[OutboxItem]:
        rows = self._read(
            "SELECT op_id, case_id, case_number, type, state, error, performed_at, payload, seq, "
            "base_version, attempts, last_attempt_at FROM outbox ORDER BY seq")
        return [OutboxItem(op_id=r[0], case_id=r[1], case_number=r[2], type=r[3], state=r[4],
                           error=r[5], performed_at=_stored_time(r[6]), payload=json.loads(r[7]), seq=r[8],
                           base_version=r[9], attempts=r[10], last_attempt_at=_time(r[11]))
                for r in rows]

    def outbox_count(self) -> int:
        return int(self._read("SELECT count(*) FROM outbox")[0][0])

    def outbox_marks(self) -> tuple[int, int, int | None, int]:
        """(highest seq queued, ops queued, lowest seq still queued, open conflicts): what
        the profile records so a lost cache can say what it held."""
        try:
            highest = int(self._read("SELECT device_seq FROM sync_state WHERE id = 1")[0][0] or 0)
            queued, lowest = self._read("SELECT count(*), min(seq) FROM outbox")[0]
            conflicts = int(self._read("SELECT count(*) FROM conflicts WHERE resolution IS NULL")[0][0])
        except sqlcipher3.Error as exc:  # damaged, or already closed
            raise StoreError(f"the cache {self.path.name} is damaged: {exc}") from exc
        return highest, int(queued), (int(lowest) if lowest is not None else None), conflicts

    def conflicts(self, include_resolved: bool = False) -> list[ConflictItem]:
        where = "" if include_resolved else "WHERE resolution IS NULL"
        rows = self._read(
            f"SELECT op_id, case_id, case_number, type, state, error_code, error_detail, payload, "
            f"server_case, resolution, resolved_at, seq, performed_at, base_version, new_op_id "
            f"FROM conflicts {where} ORDER BY seq")
        return [ConflictItem(op_id=r[0], case_id=r[1], case_number=r[2], type=r[3], state=r[4],
                             error={"code": r[5] or "", "detail": r[6] or ""},
                             payload=json.loads(r[7]),
                             server_case=json.loads(r[8]) if r[8] else None, resolution=r[9],
                             resolved_at=_time(r[10]), seq=r[11], performed_at=_time(r[12]),
                             base_version=r[13], new_op_id=r[14])
                for r in rows]

    def conflict(self, op_id: str) -> ConflictItem | None:
        return next((c for c in self.conflicts(include_resolved=True) if c.op_id == op_id), None)

    def resolve_conflict(self, op_id: str, choice: str, *, new_op: Op | None,
                         author: Mapping[str, Any] | None = None) -> None:
        with self._write() as conn:
            row = conn.execute("SELECT case_id, resolution FROM conflicts WHERE op_id = ?",
                               (op_id,)).fetchone()
            if row is None:
                raise StoreError(f"no conflict for op {op_id}")
            if row[1] is not None:
                raise StoreError(f"the conflict of op {op_id} was resolved already ({row[1]})")
            case_id = row[0]
            conn.execute("UPDATE conflicts SET resolution = ?, resolved_at = ?, new_op_id = ? "
                         "WHERE op_id = ?", (choice, _now(), new_op.op_id if new_op else None, op_id))
            if new_op is not None:
                number = conn.execute("SELECT number FROM local_cases WHERE id = ?",
                                      (new_op.case_id,)).fetchone()
                conn.execute(
                    "INSERT INTO outbox (op_id, seq, case_id, case_number, type, base_version, "
                    "performed_at, payload, author, state, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                    (new_op.op_id, new_op.seq, new_op.case_id, number[0] if number else None,
                     new_op.type, new_op.base_version, format_time(new_op.performed_at),
                     _dumps(new_op.payload), _dumps(dict(author)) if author else None, _now()),
                )
            # Ops that waited behind this one may go again once nothing blocks the case.
            if not conn.execute("SELECT EXISTS(SELECT 1 FROM conflicts WHERE case_id = ? AND "
                                "resolution IS NULL)", (case_id,)).fetchone()[0]:
                conn.execute("UPDATE outbox SET state = 'queued', error = NULL "
                             "WHERE case_id = ? AND state = 'blocked'", (case_id,))
            self._rebuild(conn, case_id)
            if new_op is not None and new_op.case_id != case_id:
                self._rebuild(conn, new_op.case_id)

    # ------------------------------------------------------------ drafts and warnings

    def draft(self, case_id: str, kind: str) -> str | None:
        rows = self._read("SELECT text FROM drafts WHERE case_id = ? AND kind = ?", (case_id, kind))
        return rows[0][0] if rows else None

    def save_draft(self, case_id: str, kind: str, text: str) -> None:
        """Keep unsent text; empty text deletes the draft (it was sent or cleared)."""
        with self._write() as conn:
            if text:
                conn.execute(
                    "INSERT INTO drafts (case_id, kind, text, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(case_id, kind) DO UPDATE SET text = excluded.text, "
                    "updated_at = excluded.updated_at",
                    (case_id, kind, text, _now()))
            else:
                conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = ?", (case_id, kind))

    def mark_warned(self, case_id: str, clock: str, level: str) -> bool:
        """Record that a warning was raised; True only the first time for this case,
        clock and level, so each warning is raised once."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO warnings_raised (case_id, clock, level, raised_at) "
                "VALUES (?, ?, ?, ?)", (case_id, clock, level, _now()))
            return cursor.rowcount == 1

    # ------------------------------------------------------------ reads

    def case(self, id_or_number: str) -> dict | None:
        rows = self._read("SELECT data, pending_ops, conflicts FROM local_cases WHERE id = ? "
                          "UNION ALL SELECT data, pending_ops, conflicts FROM local_cases "
                          "WHERE number = ? LIMIT 1", (id_or_number, id_or_number))
        if not rows:
            return None
        case = json.loads(rows[0][0])
        case["pending_ops"] = rows[0][1]
        case["conflicts"] = rows[0][2]
        return case

    def synced_case(self, case_id: str) -> dict | None:
        rows = self._read("SELECT s.data, l.data FROM synced_cases AS s "
                          "LEFT JOIN local_cases AS l ON l.id = s.id WHERE s.id = ?", (case_id,))
        if not rows:
            return None
        if rows[0][0] == _SNAPSHOT_IN_VIEW:
            return _snapshot_from_view(rows[0][1])
        return json.loads(rows[0][0])

    def synced_version(self, case_id: str) -> int | None:
        rows = self._read("SELECT version FROM synced_cases WHERE id = ?", (case_id,))
        return int(rows[0][0]) if rows else None

    def case_ids(self, where_sql: str, params: Iterable[Any], order_sql: str | None) -> list[str]:
        """Ids of the view's cases matching `where_sql`, ordered by `order_sql` (None: in
        whatever order the index gives, when the caller needs a set)."""
        sql = f"SELECT id FROM local_cases WHERE {where_sql}"
        if order_sql:
            sql += f" ORDER BY {order_sql}"
        with self.connection.read() as conn:
            return [r[0] for r in conn.execute(sql, tuple(params))]

    def plan(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[str]:
        """The detail lines of EXPLAIN QUERY PLAN for `sql`."""
        return [r[3] for r in self.read(f"EXPLAIN QUERY PLAN {sql}", params)]

    def count(self, where_sql: str, params: Iterable[Any]) -> int:
        return int(self._read(f"SELECT count(*) FROM local_cases WHERE {where_sql}", params)[0][0])

    def rows(self, ids: Sequence[str]) -> list[dict]:
        found: dict[str, dict] = {}
        cols = ", ".join(_ROW_COLUMNS)
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start:start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            for r in self._read(f"SELECT {cols} FROM local_cases WHERE id IN ({marks})", chunk):
                row = dict(zip(_ROW_COLUMNS, r, strict=False))
                row["provisional"] = bool(row["provisional"])
                found[row["id"]] = row
        return [found[i] for i in ids if i in found]

    def search(self, text: str, limit: int = 500) -> list[str]:
        """Case ids whose number, title, body, citizen or entries hold every word of
        `text`, nearest due first. Words of three characters or more use the trigram
        index; shorter ones are matched with LIKE."""
        words = text.split()
        if not words:
            return []
        if len(words) > MAX_SEARCH_WORDS or len(text.strip()) > MAX_SEARCH_CHARS:
            raise QueryTooLarge()
        long_words = [w for w in words if len(w) >= 3]
        short_words = [w for w in words if len(w) < 3]
        where: list[str] = []
        params: list[Any] = []
        if long_words:
            where.append("case_fts MATCH ?")
            params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_words))
        for word in short_words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(" + " OR ".join(
                f"f.{col} LIKE ? ESCAPE '\\'" for col in ("number", "title", "body", "citizen", "entries")
            ) + ")")
            params.extend([pattern] * 5)
        params.append(limit)
        # Matching first, then the join through a covering index: letting the planner
        # interleave the FTS cursor with the join is several times slower.
        sql = (f"WITH m AS MATERIALIZED (SELECT f.rowid AS rid FROM case_fts AS f "
               f"WHERE {' AND '.join(where)}) "
               f"SELECT l.id FROM m JOIN local_cases AS l ON l.rid = m.rid "
               f"ORDER BY l.next_due_at IS NULL, l.next_due_at, l.received_at DESC LIMIT ?")
        return [r[0] for r in self._read(sql, params)]

    def status_counts(self, actor) -> dict[str, int]:
        """Counts per status of the synced cases in the actor's scope (the server's rule:
        a supervisor sees the unit, an officer their own and the unit's unclaimed)."""
        if actor.is_supervisor:
            scope, params = "unit_id = ?", [actor.unit_id]
        else:
            scope = "(assignee_id = ? OR (assignee_id IS NULL AND unit_id = ?))"
            params = [actor.id, actor.unit_id]
        rows = self._read(f"SELECT status, count(*) FROM synced_cases WHERE gone = 0 AND {scope} "
                          f"GROUP BY status", params)
        return {status: int(n) for status, n in rows}

    def integrity_ok(self) -> bool:
        try:
            rows = self._read("PRAGMA integrity_check")
            cipher = self._read("PRAGMA cipher_integrity_check")
        except sqlcipher3.DatabaseError:
            return False
        return [r[0] for r in rows] == ["ok"] and not cipher
