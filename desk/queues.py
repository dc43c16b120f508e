"""The officer's named queues over the local view, filtered and sorted in SQL.

A queue is an ordered list of case ids (a view reads the rows it shows on demand with
Store.rows), so a queue of 100,000 cases costs one indexed query, never a Python sort.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk.clocks import due_soon_until
from desk.filters import QueueFilter
from desk.rules import Actor
from desk.store import CLOSED_RETENTION, SORTS, CaseFilter, SavedView, Store

QUEUES = ("mine", "due-soon", "overdue", "unclaimed", "waiting", "closed", "station", "callbacks")

# SORTS: the sort keys a table may ask for (the store turns each into trusted SQL).
__all__ = ["QUEUES", "SORTS", "QueueFilter", "queue_counts", "queue_filter", "queue_id_set",
           "queue_ids", "query_plans", "saved_view_counts", "search_ids"]


def queue_filter(store: Store, name: str, actor: Actor, now: datetime,
                 refine: QueueFilter | None = None) -> CaseFilter:
    """What a named queue holds, narrowed by the officer's `refine` (desk.filters), its
    due ranges read with the cached calendar."""
    base = _queue_filter(store, name, actor, now)
    if not refine:
        return base
    return replace(base, refine=refine,
                   due_ranges=refine.due_ranges(store.calendar_or_default(), now))


def _queue_filter(store: Store, name: str, actor: Actor, now: datetime) -> CaseFilter:
    """What a named queue holds. The scope is the server's (desk.rules.scope_sql); "due
    soon" is desk.clocks.due_soon_until."""
    if name == "mine":
        return CaseFilter(open_only=True, assignee_id=actor.id)
    if name == "due-soon":
        threshold = due_soon_until(store.calendar_or_default(), now)
        return CaseFilter(open_only=True, scope=actor, due_from=now, due_until=threshold)
    if name == "overdue":
        return CaseFilter(open_only=True, scope=actor, due_before=now)
    if name == "unclaimed":
        return CaseFilter(open_only=True, unassigned=True, unit_id=actor.unit_id)
    if name == "waiting":
        if actor.is_supervisor:
            return CaseFilter(status="waiting_citizen", unit_id=actor.unit_id)
        return CaseFilter(status="waiting_citizen", assignee_id=actor.id)
    if name == "closed":
        return CaseFilter(status="closed", scope=actor, closed_since=now - CLOSED_RETENTION)
    if name == "station":
        return CaseFilter(open_only=True, unit_id=actor.unit_id)
    if name == "callbacks":
        # 待回访: the cases in scope on which this officer's callback reminder is due
        # (a reminder of a case that left the scope is desk.reminders' to report).
        return CaseFilter(scope=actor, reminders_due=(actor.id, now))
    raise ValueError(f"unknown queue {name!r}; known: {', '.join(QUEUES)}")


def queue_ids(store: Store, name: str, actor: Actor, now: datetime, *, sort: str = "due",
              descending: bool = False, refine: QueueFilter | None = None) -> list[str]:
    return store.queue_ids(queue_filter(store, name, actor, now, refine), sort=sort,
                           descending=descending)


def queue_id_set(store: Store, name: str, actor: Actor, now: datetime) -> set[str]:
    """The ids of a queue in no order: what a "what is new here" check needs, without the
    sort of a listed queue."""
    return store.queue_id_set(queue_filter(store, name, actor, now))


def queue_counts(store: Store, actor: Actor, now: datetime) -> dict[str, int]:
    """The size of every queue. Each is one count over a range of a covering index, so
    the whole set costs a few milliseconds at 100,000 cases."""
    return {name: store.count_cases(queue_filter(store, name, actor, now)) for name in QUEUES}


def saved_view_counts(store: Store, views: list[SavedView], actor: Actor,
                      now: datetime) -> dict[str, int]:
    """The live size of each saved view, by its name."""
    return {view.name: store.count_cases(queue_filter(store, view.queue, actor, now, view.filter))
            for view in views if view.queue in QUEUES}


def query_plans(store: Store, actor: Actor, now: datetime, sort: str = "due") -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of every queue's listing (in the order of `sort`) and count,
    for the check that each is answered from an index alone."""
    plans = {}
    for name in QUEUES:
        plans[name], plans[name + ":count"] = store.queue_plans(queue_filter(store, name, actor, now), sort)
    return plans


def search_ids(store: Store, text: str, refine: QueueFilter | None = None,
               now: datetime | None = None) -> list[str]:
    """What a search finds, narrowed by `refine` like a queue (its due ranges at `now`)."""
    if not refine:
        return store.search(text)
    ranges = refine.due_ranges(store.calendar_or_default(), now) if now is not None and refine.due else ()
    if refine.due and now is None:
        raise ValueError("a due range needs the time it is read at")
    return store.search(text, refine=refine, due_ranges=ranges)
