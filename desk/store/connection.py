"""The cache's connections: one writer with `BEGIN IMMEDIATE`, a reader per thread.

One writer at a time: every write is one `BEGIN IMMEDIATE` transaction on the one
writer connection, under a lock. Reads go to a connection of the reading thread's own
(WAL mode lets them run beside a write transaction), so the window never waits for the
sync thread's page transactions (datasette's database.py keeps readers the same way).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3

from desk.pacing import no_pace


class StoreError(Exception):
    pass



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
        # Called once per case of a long write (desk/pacing.py); the app sets a pacer so
        # the sync's writes leave the window the GIL.
        self.pace: Callable[[], None] = no_pace

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

