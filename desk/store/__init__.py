"""The encrypted local cache (SQLCipher), the only place that writes SQL for it.

Everything an officer may read offline lives here and nowhere else: server snapshots,
the local view (snapshots with unsent work laid over), the outbox, conflicts, sync state
and reference data. The file is encrypted with a raw 256-bit key (desk.keys unwraps it);
temporary tables and sort spills stay in memory so no plaintext reaches a temp file.

The Store is built from rooms, one module each:
- connection: one writer (`BEGIN IMMEDIATE` under a lock), a read-only reader per thread;
- state: sync state, the reference data (parsed once per version), drafts, warnings;
- view: each case's local view and search row, the pull's fast path;
- outbox: queued ops and conflicts;
- queries: cases, queue listings and counts (`CaseFilter`), rows, search, counts;
- reports: the SQL of the supervisor's figures (desk.supervision);
- related: other cases of the same citizen or a very similar title (desk.related);
- saved_views: the officer's named filtered views (desk.filters);
- reminders: the officers' callback reminders (desk.reminders);
- attachments: file bytes inside the encrypted cache, downloads, uploads, eviction;
- schema: the numbered migrations; changes: what a write changed (`Changes`).
Every write returns a `Changes` saying which cases, and whether the outbox, the
conflicts or the reference data changed, so the window refreshes only that.

sqlite-utils or hand-written SQL: sqlite-utils where it says the thing more plainly and
runs rarely: creating the tables and indexes a migration adds, reshaping a table with
`table.transform()` when a migration needs it, setting up the search table, one-off
inspection (`Store.db`, `desk check`). Hand-written SQL and bare `executemany` on the
hot paths, where the benchmarks measure every statement: the pull's fast path
(bench/bench_sync.py), the queue queries and search (bench/bench_ui.py,
bench/bench_search.py) and the supervisor's reports (bench/bench_dashboard.py).
sqlite-utils is imported on first use only: it is a twentieth of a second of every
`desk` command's start.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from desk.store import schema
from desk.store.attachments import AttachmentsRoom, CachedFile
from desk.store.base import CLOSED_RETENTION
from desk.store.changes import NOTHING, Changes
from desk.store.connection import StoreClosed, StoreConnection, StoreError, _connect
from desk.store.outbox import ConflictItem, OutboxItem, OutboxLocked, OutboxRoom
from desk.store.queries import (
    MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS,
    SORTS,
    CaseFilter,
    QueryTooLarge,
    open_status_sql,
)
from desk.store.related import RelatedRoom
from desk.store.reminders import ReminderRow, RemindersRoom
from desk.store.reports import ReportsRoom
from desk.store.saved_views import SavedView, SavedViewsRoom
from desk.store.state import SyncState
from desk.store.view import PreparedUpsert, change_case_id, prepare_upsert

__all__ = [
    "CLOSED_RETENTION", "CachedFile", "MAX_SEARCH_CHARS", "MAX_SEARCH_WORDS", "NOTHING", "SORTS",
    "CaseFilter", "Changes", "ConflictItem", "OutboxItem", "OutboxLocked", "PreparedUpsert",
    "QueryTooLarge", "ReminderRow", "SavedView", "Store", "StoreClosed", "StoreConnection",
    "StoreError", "SyncState", "change_case_id", "open_status_sql", "prepare_upsert",
]


class Store(AttachmentsRoom, OutboxRoom, ReportsRoom, RelatedRoom, SavedViewsRoom, RemindersRoom):
    def __init__(self, conn, path: Path, key: bytes | None = None) -> None:
        self.connection = StoreConnection(conn, path, key)
        self.path = path
        self._init_state()

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

    # ------------------------------------------------------------ inspection

    # What migrations leave: the tables and the indexes the queries count on.
    EXPECTED_TABLES = frozenset({
        "synced_cases", "local_cases", "outbox", "conflicts", "sync_state", "reference",
        "case_fts", "drafts", "warnings_raised", "set_aside", "statuses_seen", "saved_views",
        "reminders", "blobs", "blob_chunks", "uploads"})
    EXPECTED_INDEXES = frozenset({
        "local_cases_unit_queue", "local_cases_assignee_queue", "local_cases_closed",
        "local_cases_search", "outbox_case", "conflicts_case", "local_cases_phone",
        "local_cases_id_number", "local_cases_files"})

    def inspect(self) -> dict:
        """A one-off look at the cache for `desk check` (sqlite-utils: plainer than the
        SQL, and off every hot path): its schema version, the tables and indexes the
        migrations should have left that are missing, and the rows of each table."""
        db = self.db
        names = set(db.table_names())
        indexes = {ix.name for t in names - {"case_fts"} if not t.startswith("case_fts")
                   for ix in db[t].indexes}
        return {
            "version": schema.version(self.conn),
            "missing_tables": sorted(self.EXPECTED_TABLES - names),
            "missing_indexes": sorted(self.EXPECTED_INDEXES - indexes),
            "rows": {t: db[t].count for t in sorted(names & self.EXPECTED_TABLES - {"case_fts"})},
        }
