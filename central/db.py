"""The reference server's SQLite storage: schema, connections, the one-writer rule.

Readers run beside the writer in WAL mode; writes are serialized by a process lock
plus BEGIN IMMEDIATE (so a second process on the same file waits instead of failing
half-way through an op).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy wait alone
    fcntl = None  # type: ignore[assignment]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id TEXT,
    kind TEXT NOT NULL,
    ord INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS officers (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    badge_no TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    pw_salt BLOB NOT NULL,
    pw_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS reference_docs (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    officer_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_officer ON sessions(officer_id, device_id);
CREATE TABLE IF NOT EXISTS devices (
    officer_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (officer_id, device_id)
);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    unit_id TEXT NOT NULL,
    assignee_id TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    closed_at TEXT,
    retired INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_seq ON cases(last_seq);
CREATE INDEX IF NOT EXISTS cases_unit ON cases(unit_id, assignee_id);
CREATE INDEX IF NOT EXISTS cases_assignee ON cases(assignee_id);
-- The change feed reads each branch of a caller's scope in last_seq order from these.
CREATE INDEX IF NOT EXISTS cases_assignee_seq ON cases(assignee_id, last_seq) WHERE retired = 0;
CREATE INDEX IF NOT EXISTS cases_unit_free_seq ON cases(unit_id, assignee_id, last_seq) WHERE retired = 0;
CREATE INDEX IF NOT EXISTS cases_unit_seq ON cases(unit_id, last_seq) WHERE retired = 0;
-- The retention sweep runs before every feed page; without this it read every case.
CREATE INDEX IF NOT EXISTS cases_closing ON cases(closed_at) WHERE retired = 0 AND closed_at IS NOT NULL;
-- Every case change, with where the case was before and after it, so that a caller
-- whose scope the case left gets a `remove`.
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    case_id TEXT NOT NULL,
    old_unit TEXT,
    old_assignee TEXT,
    new_unit TEXT,
    new_assignee TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS changes_at ON changes(at);
-- The log keeps only each case's latest change (the case row holds its latest state);
-- an older change of the case is deleted when a new one is written, through this.
CREATE INDEX IF NOT EXISTS changes_case ON changes(case_id);
-- Removes come from `departures` now; this index only cost every write.
DROP INDEX IF EXISTS changes_moves;
-- Who must be told that a case left them, indexed by that audience: 'a:<officer>' (it
-- was assigned to them), 'f:<unit>' (it lay unclaimed in the unit, seen by its
-- officers), 'u:<unit>' (it was in the unit, seen by its supervisors). A feed page reads
-- its caller's two audiences in seq order from the cursor, so finding removes costs
-- what the page holds, not every move since the cursor. One row per case and audience
-- (a later departure replaces the earlier one), so the table grows with cases.
CREATE TABLE IF NOT EXISTS departures (
    case_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (case_id, audience)
);
CREATE INDEX IF NOT EXISTS departures_audience ON departures(audience, seq);
CREATE INDEX IF NOT EXISTS departures_at ON departures(at);
CREATE TABLE IF NOT EXISTS holders (
    case_id TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (case_id, officer_id)
);
CREATE TABLE IF NOT EXISTS ops (
    op_id TEXT PRIMARY KEY,
    officer_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    result TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    entry_id TEXT,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
"""


class Database:
    """One SQLite file, a connection per thread, one writer at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._writer_fd: int | None = None
        # executescript commits on its own, so it runs outside write(); every statement
        # is IF NOT EXISTS, which makes a concurrent second start harmless.
        with self._write_lock:
            self.conn().executescript(SCHEMA)

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so close() can run from the stopping thread;
            # each connection is otherwise used by the thread that made it.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        conn = self.conn()
        with self._write_lock:
            if conn.in_transaction:
                name = f"sp{threading.get_ident()}_{id(conn)}_{_depth(self._local)}"
                self._local.depth = getattr(self._local, "depth", 0) + 1
                conn.execute(f"SAVEPOINT {name}")
                try:
                    yield conn
                except BaseException:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._local.depth -= 1
                return
            self._take_turn(True)
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                else:
                    conn.execute("COMMIT")
            finally:
                self._take_turn(False)

    def _take_turn(self, take: bool) -> None:
        """Writers of several processes on one file (`desk central --workers N`) queue
        on a lock file the kernel hands over at once, not on SQLite's busy handler:
        that one sleeps up to 100 ms between tries, so a process whose own writers
        follow each other back to back kept the file while the other's waited seconds
        (measured: p99 2.8 s, 9.5 s in all, for one worker of two under 30 pushers)."""
        if fcntl is None:
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(self.path + "-writer", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot."""
        conn = self.conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        if self._writer_fd is not None:
            os.close(self._writer_fd)
            self._writer_fd = None
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.ProgrammingError:
                pass  # closed already by its own thread
        self._local = threading.local()


def _depth(local: threading.local) -> int:
    return getattr(local, "depth", 0)
