"""The SLA clock lifecycle, shared by the server and the client.

The server applies it authoritatively at the moment it receives an op; the client applies
the same functions to its local overlay of work done offline, so both agree on what a
clock shows. Every function returns new Clock objects and leaves its input alone.

The contract's rules: clocks start at `received_at`; the accept clock stops at the first
accept or decline, the reply clock at the first reply or the first callback whose outcome
is "reached", the close clock when the case is closed (a reopen restarts nothing). While
the case is `waiting_citizen` every open clock is paused; on leaving that status its due
time moves by W(resumed) - W(paused) (by the elapsed time for calendar-day clocks). A
transferred case keeps its clocks running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from desk import timesafe
from desk.wire import Clock, Policy, format_time, parse_time
from desk.worktime import CALENDAR_DAY, WORKING_DAY, Calendar

ClockState = Literal[
    "running", "due_soon", "overdue", "paused", "met", "met_late", "met_offline_on_time"
]
# "Due soon": within this much working time of the due time. The one definition, for
# the clock states, the queues, the supervisor's figures and the window's read-outs.
DUE_SOON = timedelta(hours=4)
WAITING = "waiting_citizen"


def _unit(clock: Clock, policy: Policy | None) -> str:
    # A unit this desk cannot count in (a newer platform's) reads as not sent.
    if clock.unit in (WORKING_DAY, CALENDAR_DAY):
        return clock.unit
    # A server that does not send the unit: the policy says, and every reference default
    # but the petition's is counted in working days.
    if policy is not None:
        for rule in policy.clocks:
            if rule.clock == clock.clock and rule.unit in (WORKING_DAY, CALENDAR_DAY):
                return rule.unit
    return WORKING_DAY


def start_clocks(policy: Policy | None, received_at: datetime, cal: Calendar) -> list[Clock]:
    """One running clock per clock of the case kind's policy."""
    if policy is None:
        return []
    clocks = []
    for rule in policy.clocks:
        due = cal.due_at(received_at, rule.limit, rule.unit)
        provisional = rule.unit == WORKING_DAY and bool(cal.provisional_years(received_at, due))
        clocks.append(Clock(
            clock=rule.clock, due_at=due, provisional=provisional, limit=rule.limit,
            unit=rule.unit, started_at=received_at,
        ))
    return clocks


def _resume(clock: Clock, at: datetime, cal: Calendar, policy: Policy | None) -> Clock:
    if not clock.paused:
        return clock
    if clock.paused_at is None:
        # Paused by a server that did not say when: nothing to add, just run again.
        return clock.model_copy(update={"paused": False})
    if _unit(clock, policy) == CALENDAR_DAY:
        due = clock.due_at + (at - clock.paused_at)
        provisional = clock.provisional
    else:
        due = cal.add_working(clock.due_at, cal.working_between(clock.paused_at, at))
        provisional = clock.provisional or bool(cal.provisional_years(clock.due_at, due))
    return clock.model_copy(
        update={"due_at": due, "paused": False, "paused_at": None, "provisional": provisional}
    )


def _pause(clock: Clock, at: datetime) -> Clock:
    if clock.stopped_at is not None or clock.paused:
        return clock
    return clock.model_copy(update={"paused": True, "paused_at": at})


def _stop(clock: Clock, at: datetime, performed_at: datetime, cal: Calendar,
          policy: Policy | None) -> Clock:
    if clock.stopped_at is not None:
        return clock
    # A clock stopped while paused first takes the pause into account, so that
    # "met" or "late" compares the stop with the due time the pause earned.
    clock = _resume(clock, at, cal, policy)
    return clock.model_copy(update={"stopped_at": at, "stopped_performed_at": performed_at})


def _stops(op_type: str, payload: Mapping[str, Any], status_before: str,
           status_after: str) -> set[str]:
    stops = set()
    if op_type in ("accept", "decline"):
        stops.add("accept")
    if op_type == "reply" or (op_type == "callback" and payload.get("outcome") == "reached"):
        stops.add("reply")
    if status_after == "closed" and status_before != "closed":
        stops.add("close")
    return stops


def apply_op(
    clocks: list[Clock],
    *,
    op_type: str,
    payload: Mapping[str, Any],
    status_before: str,
    status_after: str,
    at: datetime,
    performed_at: datetime,
    cal: Calendar,
    policy: Policy | None = None,
) -> list[Clock]:
    """The clocks once an op is applied at `at` (the server's receipt of the op).

    `policy` is only consulted for clocks that do not carry their unit.
    """
    leaving_wait = status_before == WAITING and status_after != WAITING
    entering_wait = status_after == WAITING and status_before != WAITING
    stops = _stops(op_type, payload, status_before, status_after)
    result = []
    for clock in clocks:
        if leaving_wait:
            clock = _resume(clock, at, cal, policy)
        if clock.clock in stops:
            clock = _stop(clock, at, performed_at, cal, policy)
        if entering_wait:
            clock = _pause(clock, at)
        result.append(clock)
    return result


def resume_for_citizen_message(
    clocks: list[Clock], *, at: datetime, cal: Calendar, policy: Policy | None = None
) -> list[Clock]:
    """A citizen's message on a waiting_citizen case sets its clocks running again."""
    return [_resume(clock, at, cal, policy) for clock in clocks]


def remaining(clock: Clock, now: datetime, cal: Calendar, policy: Policy | None = None) -> timedelta:
    """Time left until the due time: working time for working-day clocks, calendar time
    for calendar-day clocks. Negative when overdue. A paused clock keeps what it had
    when paused; a stopped clock keeps what it had when stopped."""
    if clock.stopped_at is not None:
        now = clock.stopped_at
    elif clock.paused and clock.paused_at is not None:
        now = clock.paused_at
    return time_left(clock.due_at, now, _unit(clock, policy), cal)


def time_left(due_at: datetime, now: datetime, unit: str | None, cal: Calendar) -> timedelta:
    """`remaining` for a caller that holds only a due time and a unit (a queue row, not a
    Clock): working time unless the unit is calendar days."""
    if unit == CALENDAR_DAY:
        return due_at - now
    return cal.working_between(now, due_at)


def running_state(due_at: datetime, now: datetime, left: timedelta,
                  due_soon: timedelta = DUE_SOON) -> ClockState:
    """The state of a clock that runs (neither stopped nor paused), `left` being its
    `remaining`/`time_left`: the one "overdue" and "due soon" rule of a clock."""
    if now > due_at:
        return "overdue"
    if is_due_soon(left, due_soon):
        return "due_soon"
    return "running"


def due_soon_until(cal: Calendar, now: datetime, within: timedelta = DUE_SOON) -> datetime:
    """The latest due time that counts as due soon at `now`: `within` working time on
    (what the "due soon" queue and the supervisor's at-risk list select by)."""
    return cal.add_working(now, within)


def is_due_soon(remaining: timedelta, within: timedelta = DUE_SOON) -> bool:
    """Does a clock with `remaining` time left (desk.clocks.remaining) count as due
    soon? Not yet overdue, and no more than `within` left."""
    return timedelta(0) <= remaining <= within


def clock_state(
    clock: Clock, now: datetime, cal: Calendar, due_soon: timedelta = DUE_SOON,
    policy: Policy | None = None,
) -> ClockState:
    if clock.stopped_at is not None:
        if clock.stopped_at <= clock.due_at:
            return "met"
        performed = clock.stopped_performed_at
        if performed is not None and performed <= clock.due_at:
            return "met_offline_on_time"
        return "met_late"
    if clock.paused:
        return "paused"
    return running_state(clock.due_at, now, remaining(clock, now, cal, policy), due_soon)


def nearest_open(clocks: Sequence[Clock]) -> Clock | None:
    """The open clock due first; paused clocks come after every running one."""
    open_clocks = [c for c in clocks if c.stopped_at is None]
    if not open_clocks:
        return None
    return min(open_clocks, key=lambda c: (c.paused, c.due_at))


def explain_clock(
    clock: Clock,
    cal: Calendar,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """Calendar.explain for this clock, plus a "stopped" step when it has stopped."""
    pauses = list(pauses)
    if clock.paused and clock.paused_at is not None and all(end is not None for _, end in pauses):
        pauses.append((clock.paused_at, None))
    limit = clock.limit
    if limit is None and policy is not None:
        limit = next((r.limit for r in policy.clocks if r.clock == clock.clock), None)
    if clock.started_at is None or limit is None:
        # Without its start the reasoning is unknown; the due time is all there is.
        steps: list[dict[str, Any]] = [{"step": "due", "at": format_time(clock.due_at)}]
    else:
        steps = cal.explain(clock.started_at, limit, _unit(clock, policy), pauses=pauses,
                            due=clock.due_at)
    if clock.stopped_at is not None:
        performed = clock.stopped_performed_at
        steps.insert(len(steps) - 1, {
            "step": "stopped", "at": format_time(clock.stopped_at),
            "performed_at": format_time(performed) if performed is not None else None,
        })
    return steps


def _entry_time(value: Any) -> datetime | None:
    return parse_time(value)


def case_pauses(case: Mapping[str, Any]) -> list[tuple[datetime, datetime | None]]:
    """The spans a case waited on the citizen, from its status entries: from a change to
    waiting_citizen until the next change away from it or the citizen's next message."""
    spans: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for entry in case.get("entries", []):
        if entry.get("type") not in ("status", "citizen_message"):
            continue
        to = (entry.get("data") or {}).get("to")
        at = _entry_time(entry.get("received_at") or entry.get("performed_at"))
        if at is None:
            continue
        if entry.get("type") == "status" and to == WAITING and start is None:
            start = at
        elif start is not None and (entry.get("type") == "citizen_message" or to != WAITING):
            spans.append((start, at))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def explain_case_clock(case: Mapping[str, Any], clock: Clock, cal: Calendar,
                       policy: Policy | None = None) -> list[dict[str, Any]]:
    """The one full explanation of a case's clock, pauses included: what the case pane
    and the supervisor's panel both show. A pause still open comes from the clock itself."""
    closed = [(a, b) for a, b in case_pauses(case) if b is not None]
    return explain_clock(clock, cal, closed, policy)


# A clock that spans centuries (the wire allows years 1 to 9999) has no useful day-by-day
# explanation, and walking it would stall whoever asked.
EXPLAIN_SPAN_LIMIT = timedelta(days=3 * 366)


def explain_shown_clock(case: Mapping[str, Any], clock: Mapping[str, Any], cal: Calendar | None,
                        policies: Sequence[Policy] = ()) -> list[dict[str, Any]]:
    """The explanation shown beside a clock of a case as the cache holds it (a dict of the
    local view): what the case pane and the case sheet both show. Empty when there is
    nothing sound to explain (no calendar, a clock the wire model refuses, a span too
    long to walk)."""
    if cal is None:
        return []
    try:
        model = Clock.model_validate({k: v for k, v in clock.items() if k != "pending"})
    except ValueError:
        return []
    policy = next((p for p in policies if p.kind == case.get("kind")), None)
    start, due = timesafe.parse(clock.get("started_at")), timesafe.parse(clock.get("due_at"))
    if start is not None and due is not None and abs(due - start) > EXPLAIN_SPAN_LIMIT:
        return []
    try:
        return explain_case_clock(case, model, cal, policy)
    except (OverflowError, ValueError):
        return []
