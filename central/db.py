"""The reference server's storage: one schema and one SQL for two backends.

SQLite (a file path) is the default: the demo, the tests and station IT training run on
it with nothing to install. PostgreSQL (`postgresql://...`, psycopg 3) is for a
province: several worker processes on several machines share it, with a streaming
replica for failover. `open_database(target)` picks the backend from the target.

The service writes one SQL for both, in the subset they share; this module is the only
place that knows which backend it talks to. The differences, each with a test in
tests/central/test_db_dialects.py:
- placeholders: the service writes `?`; PostgreSQL gets `%s` (and `%` doubled).
- types: the schema says INTEGER, BLOB and TEXT; PostgreSQL gets BIGINT (sequence
  numbers outgrow 32 bits), BYTEA, and TEXT COLLATE "C" so that text compares and
  sorts byte by byte as in SQLite, whatever locale the cluster was made with.
- upsert: `INSERT ... ON CONFLICT(...) DO UPDATE / DO NOTHING`, which both run; never
  SQLite's `INSERT OR IGNORE` / `OR REPLACE`. RETURNING runs on both (SQLite >= 3.35).
- no AUTOINCREMENT or identity columns: the change sequence is the meta row `seq`,
  numbered inside the write transaction, so both number alike.
- the one-writer rule: SQLite takes `BEGIN IMMEDIATE` (plus a process lock);
  PostgreSQL takes a transaction-scoped advisory lock first thing in every write.
  Writes must be serialised, not only per case: the feed hands out `seq` as a cursor,
  and a seq that committed after a higher one would be skipped by a reader already
  past it. Readers never wait for it.
- reads: SQLite's deferred `BEGIN` in WAL mode; PostgreSQL's `REPEATABLE READ READ
  ONLY`, so every query of a feed page sees the same snapshot on both.
- PRAGMAs (WAL, synchronous, foreign keys) are SQLite's only.
- JSON: cases are stored as canonical JSON in TEXT, never JSONB (which reorders
  keys), because the feed splices the stored bytes into its answer; no JSON functions
  in SQL on either side. No LIKE (SQLite's is case-blind for ASCII, PostgreSQL's is
  not). Integer division truncates on both; the server does none in SQL.
- NUL: PostgreSQL's text cannot hold it; a NUL in a parameter becomes U+FFFD there
  (hostile input reaches lookups by username, case id and device name).
- rows: both answer rows readable by column name and by index.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from central.errors import ApiError

if TYPE_CHECKING:
    import psycopg

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
-- Login attempts of the last minute, per username (the throttle): in the database, so
-- the limit holds across every worker and machine, not per process.
CREATE TABLE IF NOT EXISTS login_attempts (
    username TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_user ON login_attempts(username, at);
CREATE INDEX IF NOT EXISTS login_attempts_at ON login_attempts(at);
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
    sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_case ON attachments(case_id);
CREATE INDEX IF NOT EXISTS attachments_sha ON attachments(sha256);
-- The bytes of attachments, one row per sha256 however many cases name it; the bytes
-- are a file under the server's blob folder (central/blobs.py says why).
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- An officer's upload of a file, by sha256: partial until completed_at, the officer's
-- alone until an op names it (named = 1); never named, it is swept 7 days after it was
-- last touched.
CREATE TABLE IF NOT EXISTS uploads (
    sha256 TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    touched_at TEXT NOT NULL,
    completed_at TEXT,
    named INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sha256, officer_id)
);
CREATE INDEX IF NOT EXISTS uploads_unnamed ON uploads(touched_at) WHERE named = 0;
"""


class Database:
    """One SQLite file, a connection per thread, one writer at a time."""

    dialect = "sqlite"

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

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement's first row, read outside a transaction: a statement is its own
        snapshot, and the BEGIN and COMMIT around it were two round trips on PostgreSQL."""
        return self.conn().execute(sql, params).fetchone()

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


# ---------------------------------------------------------------- PostgreSQL

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# The advisory lock every write takes (pg_advisory_xact_lock(class, key)): the class is
# this constant, the key the current schema's hash, so two servers on two schemas of one
# database do not wait for each other.
WRITE_LOCK_CLASS = 0x6465736B  # "desk"


# PostgreSQL only: tell every worker's quiet-poll memo (central.service.quietmemo) what
# changed. A notification is sent when its transaction commits, once per transaction.
# Row triggers, not statement triggers: a statement trigger fires for a statement that
# touched nothing, as the sweep of expired sessions at every login does.
POSTGRES_NOTIFY = """
CREATE OR REPLACE FUNCTION desk_notify_head() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_notify('desk_head', ''); RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION desk_notify_sessions() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_notify('desk_sessions', ''); RETURN NULL; END $$;
CREATE OR REPLACE TRIGGER meta_notify AFTER INSERT OR UPDATE OR DELETE ON meta
  FOR EACH ROW EXECUTE FUNCTION desk_notify_head();
CREATE OR REPLACE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION desk_notify_sessions();
CREATE OR REPLACE TRIGGER officers_notify AFTER UPDATE OR DELETE ON officers
  FOR EACH ROW EXECUTE FUNCTION desk_notify_sessions();
"""


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_database(target: str | Path) -> Database | PostgresDatabase:
    """SQLite for a file path, PostgreSQL for a `postgresql://` URL."""
    if is_postgres(target):
        assert isinstance(target, str)
        return PostgresDatabase(target)
    return Database(target)


def redacted(target: str | Path) -> str:
    """The database as it may be printed: a URL's password is never shown, whether in
    the user part or as a `password=` parameter."""
    text = str(target)
    if not is_postgres(text):
        return text
    parts = urlsplit(text)
    if parts.password is not None:
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    query = "&".join("password=***" if pair.split("=", 1)[0].lower() == "password" else pair
                     for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit(parts._replace(query=query))


def unreachable(target: str | Path) -> str | None:
    """Why the server cannot start on this database, in one line, or None. Only a
    PostgreSQL server can be out of reach; its password is never in the line."""
    if not is_postgres(target):
        return None
    if importlib.util.find_spec("psycopg") is None:
        return "PostgreSQL needs psycopg: pip install 'desk[postgres]'"
    import psycopg

    try:
        psycopg.connect(str(target), connect_timeout=10).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot reach the database {redacted(target)}: {reason}"
    return None


_TYPE_WORDS = re.compile(r"\b(INTEGER|BLOB|TEXT)\b")
_PG_TYPES = {"INTEGER": "BIGINT", "BLOB": "BYTEA", "TEXT": 'TEXT COLLATE "C"'}


def postgres_schema(schema: str = SCHEMA) -> str:
    """The shared schema with PostgreSQL's types (see the module's docstring)."""
    return _TYPE_WORDS.sub(lambda m: _PG_TYPES[m.group(1)], schema)


@functools.lru_cache(maxsize=4096)
def postgres_sql(sql: str) -> str:
    """The service's SQL for psycopg: `?` outside quotes becomes `%s`, and every `%`
    is doubled (psycopg reads `%` as the start of a placeholder even inside quotes)."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if ch == "%":
            out.append("%%")
        elif quote:
            out.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class Row(tuple):
    """A row readable by column name and by index, as sqlite3.Row is."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _postgres_value(value: Any) -> Any:
    # PostgreSQL's text cannot hold NUL, which SQLite stores. Nothing stored there holds
    # one, so a lookup by a value with NUL finds nothing, as it would on SQLite; a stored
    # name keeps the rest of its text. The cases are JSON, where NUL is escaped \u0000.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def _row_factory(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]
    index = {name: i for i, name in enumerate(names)}
    return lambda values: Row(values, index)


class PostgresConnection:
    """A psycopg connection that runs the service's SQL (see postgres_sql)."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        # Any, as sqlite3's cursor is to the service: rows are read by column name.
        return self.raw.execute(postgres_sql(sql), tuple(map(_postgres_value, params)))

    def close(self) -> None:
        self.raw.close()


class PostgresDatabase:
    """One PostgreSQL database, a connection per thread, one writer at a time across
    every process and machine that shares it (an advisory lock)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        if importlib.util.find_spec("psycopg") is None:
            raise RuntimeError("PostgreSQL needs psycopg: pip install 'desk[postgres]'")
        self.url = url
        self.path = redacted(url)
        self._local = threading.local()
        self._all: list[PostgresConnection] = []
        self._all_lock = threading.Lock()
        # Called after each outermost commit of this process (the quiet-poll memo).
        self.on_commit: list[Callable[[], None]] = []
        # PostgreSQL's DDL is transactional: the schema goes in under the write lock,
        # so workers starting together do not race on CREATE ... IF NOT EXISTS.
        with self.write() as conn:
            conn.raw.execute(postgres_schema())
            conn.raw.execute(POSTGRES_NOTIFY)

    def _connect(self) -> PostgresConnection:
        import psycopg

        try:
            raw = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory,
                                  application_name="desk-central", connect_timeout=10)
            # psycopg prepares a statement run five times, and PostgreSQL may then plan
            # it once for any parameters. For `assignee_id = $1 AND last_seq > $2 LIMIT 1`
            # that generic plan is a sequential scan that stops at the first match: when
            # nothing matches, as for nearly every poll behind the head, it reads every
            # case (300,000 cases: PostgreSQL at 400 s of CPU in a 30 s run). Each
            # execution is planned for its own values instead.
            raw.execute("SET plan_cache_mode = force_custom_plan")
        except psycopg.OperationalError as exc:
            raise _unavailable() from exc
        return PostgresConnection(raw)

    def conn(self) -> PostgresConnection:
        conn: PostgresConnection | None = getattr(self._local, "conn", None)
        if conn is not None and (conn.raw.closed or conn.raw.broken):
            # The server restarted or failed over: this thread connects again.
            self._local.conn = None
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn = None
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[PostgresConnection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        import psycopg

        conn = self.conn()
        if conn.in_transaction:
            depth = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            self._local.depth = depth + 1
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                self._local.depth = depth
            return
        try:
            # READ COMMITTED: each statement after the lock sees every write committed
            # before it was granted (a REPEATABLE READ snapshot would predate them).
            conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
                         (WRITE_LOCK_CLASS,))
        except psycopg.OperationalError as exc:
            raise _unavailable() from exc
        try:
            yield conn
        except BaseException as exc:
            if not conn.raw.broken:
                conn.execute("ROLLBACK")
            if isinstance(exc, psycopg.OperationalError):
                raise _unavailable() from exc
            raise
        else:
            try:
                conn.execute("COMMIT")
            except psycopg.OperationalError as exc:
                raise _unavailable() from exc
            for hook in self.on_commit:
                hook()

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement's first row, read outside a transaction (autocommit: the
        statement is its own snapshot), one round trip instead of three."""
        import psycopg

        try:
            return self.conn().execute(sql, params).fetchone()
        except psycopg.OperationalError as exc:
            raise _unavailable() from exc

    @contextmanager
    def read(self) -> Iterator[PostgresConnection]:
        """A read transaction: every query inside sees the same snapshot."""
        import psycopg

        conn = self.conn()
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except psycopg.OperationalError as exc:
            raise _unavailable() from exc
        try:
            yield conn
        except psycopg.OperationalError as exc:
            raise _unavailable() from exc
        finally:
            if not conn.raw.broken:
                conn.execute("COMMIT")

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


def _unavailable() -> ApiError:
    # The database is down or failing over: the client retries, nothing was applied.
    return ApiError(503, "database_unavailable", "the database is not reachable; try again",
                    headers={"Retry-After": "5"})
