"""The officer's named queues over the local view, filtered and sorted in SQL.

A queue is an ordered list of case ids (a view reads the rows it shows on demand with
Store.rows), so a queue of 100,000 cases costs one indexed query, never a Python sort.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from desk.overlay import sort_time
from desk.rules import OPEN_STATUSES, Actor
from desk.store import CLOSED_RETENTION, Store

QUEUES = ("mine", "due-soon", "overdue", "unclaimed", "waiting", "closed", "station")
DUE_SOON_WORKING = timedelta(hours=4)

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

_OPEN = "status IN (" + ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES)) + ")"


def _open(store: Store) -> str:
    """The open statuses, with any a newer platform added (read-only here) that the
    feed brought: such a case still lists in the officer's queues instead of vanishing
    from every one of them. Words from the cache, quoted as SQL literals."""
    extra = sorted(store.unknown_statuses()) if hasattr(store, "unknown_statuses") else []
    if not extra:
        return _OPEN
    words = sorted(OPEN_STATUSES) + extra
    return "status IN (" + ", ".join("'" + s.replace("'", "''") + "'" for s in words) + ")"


def _scope(actor: Actor) -> tuple[str, list[Any]]:
    """The server's scope rule: a supervisor sees the unit, an officer their own cases and
    the unit's unclaimed ones."""
    if actor.is_supervisor:
        return "unit_id = ?", [actor.unit_id]
    return "(assignee_id = ? OR (assignee_id IS NULL AND unit_id = ?))", [actor.id, actor.unit_id]


def queue_filter(store: Store, name: str, actor: Actor, now: datetime) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of a named queue."""
    now_s = sort_time(now)
    scope, scope_params = _scope(actor)
    open_ = _open(store)
    if name == "mine":
        return f"{open_} AND assignee_id = ?", [actor.id]
    if name == "due-soon":
        threshold = store.calendar_or_default().add_working(now, DUE_SOON_WORKING)
        return (f"{open_} AND {scope} AND next_due_at >= ? AND next_due_at <= ?",
                [*scope_params, now_s, sort_time(threshold)])
    if name == "overdue":
        return f"{open_} AND {scope} AND next_due_at < ?", [*scope_params, now_s]
    if name == "unclaimed":
        return f"{open_} AND assignee_id IS NULL AND unit_id = ?", [actor.unit_id]
    if name == "waiting":
        if actor.is_supervisor:
            return "status = 'waiting_citizen' AND unit_id = ?", [actor.unit_id]
        return "status = 'waiting_citizen' AND assignee_id = ?", [actor.id]
    if name == "closed":
        since = sort_time(now - CLOSED_RETENTION)
        return f"status = 'closed' AND {scope} AND closed_at >= ?", [*scope_params, since]
    if name == "station":
        return f"{open_} AND unit_id = ?", [actor.unit_id]
    raise ValueError(f"unknown queue {name!r}; known: {', '.join(QUEUES)}")


def _order(sort: str, descending: bool) -> str:
    try:
        column = SORTS[sort]
    except KeyError:
        raise ValueError(f"unknown sort {sort!r}; known: {', '.join(SORTS)}") from None
    direction = "DESC" if descending else "ASC"
    # Cases without a running clock sort after every case with one, either direction.
    return f"{column} IS NULL, {column} {direction}, number {direction}"


def queue_ids(store: Store, name: str, actor: Actor, now: datetime, *, sort: str = "due",
              descending: bool = False) -> list[str]:
    where, params = queue_filter(store, name, actor, now)
    return store.case_ids(where, params, _order(sort, descending))


def queue_id_set(store: Store, name: str, actor: Actor, now: datetime) -> set[str]:
    """The ids of a queue in no order: what a "what is new here" check needs, without the
    sort of a listed queue."""
    where, params = queue_filter(store, name, actor, now)
    return set(store.case_ids(where, params, None))


def queue_counts(store: Store, actor: Actor, now: datetime) -> dict[str, int]:
    """The size of every queue. Each is one count over a range of a covering index, so
    the whole set costs a few milliseconds at 100,000 cases."""
    counts = {}
    for name in QUEUES:
        where, params = queue_filter(store, name, actor, now)
        counts[name] = store.count(where, params)
    return counts


def query_plans(store: Store, actor: Actor, now: datetime) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of every queue's listing (default order) and count, for the
    check that each is answered from an index alone."""
    plans = {}
    for name in QUEUES:
        where, params = queue_filter(store, name, actor, now)
        plans[name] = store.plan(f"SELECT id FROM local_cases WHERE {where} "
                                 f"ORDER BY {_order('due', False)}", params)
        plans[name + ":count"] = store.plan(f"SELECT count(*) FROM local_cases WHERE {where}", params)
    return plans


def search_ids(store: Store, text: str) -> list[str]:
    return store.search(text)
