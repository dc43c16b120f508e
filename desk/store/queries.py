"""The store's queries room: cases by id or number, queue listings and counts, table
rows, search, and the counts the sync checks against the server.

A queue is described by a `CaseFilter` (what the queue means lives in desk.queues);
this room turns it into SQL over the view's covering indexes (migration 4), so listing
or counting a queue of 100,000 cases is one indexed query. Hand-written SQL throughout:
these are the hot paths of the window (bench/bench_ui.py, bench/bench_search.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlcipher3

from desk.filters import QueueFilter
from desk.overlay import sort_time
from desk.rules import OPEN_STATUSES, Actor, scope_sql
from desk.store.connection import StoreError
from desk.store.state import StateRoom
from desk.store.view import _SNAPSHOT_IN_VIEW, _snapshot_from_view

_CHUNK = 500

# What one search may hold. Each word is a term of one FTS expression (or five LIKEs);
# SQLite refuses an expression tree deeper than 1,000, and no officer types 32 words.
MAX_SEARCH_WORDS = 32
MAX_SEARCH_CHARS = 256


class QueryTooLarge(StoreError):
    def __init__(self) -> None:
        super().__init__(f"a search may hold at most {MAX_SEARCH_WORDS} words and "
                         f"{MAX_SEARCH_CHARS} characters; shorten it")


_ROW_COLUMNS = (
    "id", "number", "kind", "category", "service_item_id", "title", "citizen_name",
    "citizen_phone", "received_at", "status", "assignee_id", "unit_id", "next_due_at",
    "next_clock", "provisional", "pending_ops", "conflicts",
)

# Sort keys a table may ask for; each maps to trusted SQL (never user text).
SORTS = {
    "due": "next_due_at",
    "received": "received_at",
    "number": "number",
    "status": "status",
    "title": "title",
    "kind": "kind",
    "assignee": "assignee_id",
    "citizen": "citizen_name",
}


def open_status_sql(extra: Iterable[str] = ()) -> str:
    """The open statuses as a SQL condition on `status`, with `extra` statuses (words a
    newer platform added, which the feed brought) quoted as literals: the one spelling
    of "open" for the queues and the supervisor's reports."""
    words = sorted(OPEN_STATUSES) + sorted(extra)
    return "status IN (" + ", ".join("'" + s.replace("'", "''") + "'" for s in words) + ")"


@dataclass(frozen=True)
class CaseFilter:
    """Which of the view's cases a queue holds; every condition given must hold.

    `open_only`: status open (the known open statuses and any a newer platform added);
    `status`: exactly this status; `scope`: the actor's scope (desk.rules.scope_sql);
    `assignee_id` / `unit_id`: equal to this; `unassigned`: no assignee; `due_from`,
    `due_until` (inclusive) and `due_before` (exclusive) bound the nearest due time;
    `closed_since`: closed at or after; `reminders_due` (officer id, time): the officer
    has an open callback reminder on the case due by then (desk.store.reminders).
    `refine`: the officer's filter on top of the queue (desk.filters.QueueFilter), its
    due ranges resolved to `due_ranges` ([from, until) pairs, any of which may hold) by
    desk.queues with the calendar."""

    open_only: bool = False
    status: str | None = None
    scope: Actor | None = None
    assignee_id: str | None = None
    unassigned: bool = False
    unit_id: str | None = None
    due_from: datetime | None = None
    due_until: datetime | None = None
    due_before: datetime | None = None
    closed_since: datetime | None = None
    refine: QueueFilter | None = None
    due_ranges: tuple[tuple[datetime | None, datetime | None], ...] = ()
    reminders_due: tuple[str, datetime] | None = None



def refine_sql(refine: QueueFilter | None, due_ranges: Sequence[tuple[datetime | None, datetime | None]],
               prefix: str = "") -> tuple[list[str], list[Any]]:
    """The officer's filter as SQL conditions over the view's columns (each with
    `prefix`, e.g. "l."): AND across fields, OR within one. Values are bound, never
    spliced."""
    parts: list[str] = []
    params: list[Any] = []
    if refine is not None:
        for column, values in (("kind", refine.kinds), ("category", refine.categories),
                               ("channel", refine.channels), ("status", refine.statuses)):
            if values:
                parts.append(f"{prefix}{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if refine.unsent:
            # Unsent work: ops still in the outbox, or refused ones the officer has not
            # settled (they are sent again, or dropped, only by the officer's choice).
            parts.append(f"({prefix}pending_ops > 0 OR {prefix}conflicts > 0)")
    ranges: list[str] = []
    for low, high in due_ranges:
        bounds = []
        if low is not None:
            bounds.append(f"{prefix}next_due_at >= ?")
            params.append(sort_time(low))
        if high is not None:
            bounds.append(f"{prefix}next_due_at < ?")
            params.append(sort_time(high))
        ranges.append("(" + " AND ".join(bounds or [f"{prefix}next_due_at IS NOT NULL"]) + ")")
    if ranges:
        parts.append("(" + " OR ".join(ranges) + ")")
    return parts, params


def _order(sort: str, descending: bool) -> str:
    try:
        column = SORTS[sort]
    except KeyError:
        raise ValueError(f"unknown sort {sort!r}; known: {', '.join(SORTS)}") from None
    direction = "DESC" if descending else "ASC"
    # Cases without a running clock sort after every case with one, either direction.
    return f"{column} IS NULL, {column} {direction}, number {direction}"


class QueriesRoom(StateRoom):
    def _plan(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[str]:
        """The detail lines of EXPLAIN QUERY PLAN for `sql`."""
        bound = params if isinstance(params, Mapping) else tuple(params)
        with self.connection.read() as conn:
            return [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", bound).fetchall()]

    def _where(self, f: CaseFilter) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if f.open_only:
            # A case in a status a newer platform added still lists among the open ones
            # instead of vanishing from every queue.
            parts.append(open_status_sql(self.unknown_statuses()))
        if f.status is not None:
            parts.append("status = ?")
            params.append(f.status)
        if f.assignee_id is not None:
            parts.append("assignee_id = ?")
            params.append(f.assignee_id)
        if f.unassigned:
            parts.append("assignee_id IS NULL")
        if f.unit_id is not None:
            parts.append("unit_id = ?")
            params.append(f.unit_id)
        if f.scope is not None:
            scope, scope_params = scope_sql(f.scope)
            parts.append(scope)
            params.extend(scope_params)
        for column, op, value in (("next_due_at", ">=", f.due_from), ("next_due_at", "<=", f.due_until),
                                  ("next_due_at", "<", f.due_before), ("closed_at", ">=", f.closed_since)):
            if value is not None:
                parts.append(f"{column} {op} ?")
                params.append(sort_time(value))
        refine_parts, refine_params = refine_sql(f.refine, f.due_ranges)
        parts.extend(refine_parts)
        params.extend(refine_params)
        if f.reminders_due is not None:
            # `+id`: the few reminders are checked against the queue's covering index,
            # never by reading each case's row through the id index.
            parts.append("+id IN (SELECT case_id FROM reminders WHERE officer_id = ? "
                         "AND state = 'open' AND due_at <= ?)")
            params.extend([f.reminders_due[0], sort_time(f.reminders_due[1])])
        return " AND ".join(parts) or "1", params

    def queue_ids(self, f: CaseFilter, *, sort: str = "due", descending: bool = False) -> list[str]:
        """Ids of the view's cases that `f` holds, in the order of `sort`."""
        order = _order(sort, descending)
        where, params = self._where(f)
        with self.connection.read() as conn:
            return [r[0] for r in conn.execute(
                f"SELECT id FROM local_cases WHERE {where} ORDER BY {order}", params)]

    def queue_id_set(self, f: CaseFilter) -> set[str]:
        """The ids `f` holds in no order (a set needs no sort)."""
        where, params = self._where(f)
        with self.connection.read() as conn:
            return {r[0] for r in conn.execute(f"SELECT id FROM local_cases WHERE {where}", params)}

    def count_cases(self, f: CaseFilter) -> int:
        where, params = self._where(f)
        return int(self._read(f"SELECT count(*) FROM local_cases WHERE {where}", params)[0][0])

    def queue_plans(self, f: CaseFilter, sort: str = "due") -> tuple[list[str], list[str]]:
        """EXPLAIN QUERY PLAN of listing `f` (in the order of `sort`) and of counting it."""
        where, params = self._where(f)
        return (self._plan(f"SELECT id FROM local_cases WHERE {where} ORDER BY {_order(sort, False)}",
                           params),
                self._plan(f"SELECT count(*) FROM local_cases WHERE {where}", params))

    # ------------------------------------------------------------ cases and rows

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

    def search(self, text: str, limit: int = 500, *, refine: QueueFilter | None = None,
               due_ranges: Sequence[tuple[datetime | None, datetime | None]] = ()) -> list[str]:
        """Case ids whose number, title, body, citizen or entries hold every word of
        `text`, nearest due first. Words of three characters or more use the trigram
        index; shorter ones are matched with LIKE. `refine` and `due_ranges` narrow the
        results as they narrow a queue (CaseFilter)."""
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
        narrow, narrow_params = refine_sql(refine, due_ranges, "l.")
        params.extend(narrow_params)
        params.append(limit)
        # Matching first, then the join through a covering index: letting the planner
        # interleave the FTS cursor with the join is several times slower.
        sql = (f"WITH m AS MATERIALIZED (SELECT f.rowid AS rid FROM case_fts AS f "
               f"WHERE {' AND '.join(where)}) "
               f"SELECT l.id FROM m JOIN local_cases AS l ON l.rid = m.rid "
               f"WHERE {' AND '.join(narrow) or '1'} "
               f"ORDER BY l.next_due_at IS NULL, l.next_due_at, l.received_at DESC LIMIT ?")
        return [r[0] for r in self._read(sql, params)]

    def status_counts(self, actor: Actor) -> dict[str, int]:
        """Counts per status of the synced cases in the actor's scope, by the rule the
        server's /summary counts with (desk.rules.scope_sql), so that the check after a
        sync compares like with like."""
        scope, params = scope_sql(actor)
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

    def filter_values(self) -> dict[str, list[str]]:
        """The distinct kinds, categories, channels and statuses in the cache, for the
        filter menus (besides what the reference data names)."""
        out: dict[str, list[str]] = {}
        for field, column in (("kinds", "kind"), ("categories", "category"),
                              ("channels", "channel"), ("statuses", "status")):
            out[field] = [r[0] for r in self._read(
                f"SELECT DISTINCT {column} FROM local_cases WHERE {column} IS NOT NULL ORDER BY 1")]
        return out
