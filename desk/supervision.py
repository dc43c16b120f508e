"""What a station chief (所长) reviews, computed from the local cache so it works offline.

Every figure here is a read of the supervisor's cached view of the unit (the snapshots
with unsent work laid over), through the store's reports room (desk.store.reports holds
the SQL; this module the arithmetic). The cases "of the unit" are the supervisor's scope,
the server's rule (desk.rules.scope_sql). Callers in the desktop app run these off the
GUI thread.

Compliance, as this module counts it:

- A clock counts in a period `[now - days, now]` when it was due in the period, or when
  it stopped in it (a clock met early, before a due time still ahead, counts too).
- `met`: stopped at or before `due_at` (the server's receipt of the op, `stopped_at`).
- `met_offline_on_time`: stopped after `due_at`, but the officer performed the op
  (`stopped_performed_at`) at or before it: "late, done offline on time". Shown apart
  from both met and missed.
- `missed`: stopped after `due_at` otherwise, or still open and past its due time.
- A clock paused while the case waits on the citizen is neither: its due time moves on
  when the case resumes (desk.clocks), so it is left out until then.
The state of each clock is desk.clocks.clock_state, the same rule every screen uses.
Clocks are credited to the case's current assignee (`None`: unclaimed). The cache keeps
closed cases for 30 days (the server's scope rule), so a 90-day figure covers the cases
still in the cache.

Warnings before a breach (`pending_warnings`): a clock entering "due soon" warns its
assignee; a clock going overdue warns its assignee and the unit's supervisor. Each
warning is raised once per case, clock and level (Store.mark_warned records it).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from desk.clocks import DUE_SOON as DUE_SOON_WITHIN
from desk.clocks import clock_state, due_soon_until, explain_case_clock
from desk.overlay import sort_time
from desk.rules import Actor
from desk.store import CLOSED_RETENTION, Store
from desk.wire import Clock, parse_time
from desk.worktime import Calendar

PERIODS = (7, 30, 90)
DEFAULT_DUE_SOON_HOURS = int(DUE_SOON_WITHIN / timedelta(hours=1))
LOW_SCORE = 2
DUE_SOON, OVERDUE = "due_soon", "overdue"
UNASSIGNED = None


def _time(value: Any) -> datetime | None:
    return parse_time(value)


def _stored_time(value: Any) -> datetime:
    """A time the query has already checked is set (`... IS NOT NULL`)."""
    t = _time(value)
    assert t is not None, "the query selects only rows with this time set"
    return t


def due_soon_threshold(cal: Calendar, now: datetime, hours: float) -> datetime:
    return due_soon_until(cal, now, timedelta(hours=hours))


# ---------------------------------------------------------------- overdue and due soon


@dataclass(frozen=True)
class AtRisk:
    """One case that is overdue or due soon, by its nearest running clock."""

    case_id: str
    number: str
    kind: str
    title: str
    status: str
    assignee_id: str | None
    clock: str
    due_at: datetime
    level: str  # DUE_SOON | OVERDUE
    provisional: bool
    citizen_name: str
    citizen_phone: str


def at_risk(store: Store, actor: Actor, now: datetime,
            due_soon_hours: float = DEFAULT_DUE_SOON_HOURS) -> list[AtRisk]:
    """The open cases of the supervisor's scope overdue or due within `due_soon_hours`
    working hours, ordered by assignee (unclaimed first), then by due time."""
    cal = store.calendar_or_default()
    soon = due_soon_threshold(cal, now, due_soon_hours)
    now_s = sort_time(now)
    rows = store.at_risk_rows(actor, soon)
    return [
        AtRisk(case_id=r[0], number=r[1], kind=r[2] or "", title=r[3] or "", status=r[4],
               assignee_id=r[5], clock=r[6] or "", due_at=_stored_time(r[7]),
               level=OVERDUE if r[7] < now_s else DUE_SOON, provisional=bool(r[8]),
               citizen_name=r[9] or "", citizen_phone=r[10] or "")
        for r in rows
    ]


def group_by_officer(items: Sequence[AtRisk]) -> dict[str | None, list[AtRisk]]:
    groups: dict[str | None, list[AtRisk]] = {}
    for item in items:
        groups.setdefault(item.assignee_id, []).append(item)
    return groups


def explain(store: Store, case_id: str, clock_name: str | None = None) -> list[dict[str, Any]]:
    """The reasoning behind a case's clock (desk.worktime's explanation steps), for the
    nearest running clock unless `clock_name` is given."""
    case = store.case(case_id)
    if case is None:
        return []
    clocks = [Clock.model_validate(c) for c in case.get("clocks", [])]
    if clock_name is not None:
        chosen = next((c for c in clocks if c.clock == clock_name), None)
    else:
        running = [c for c in clocks if c.stopped_at is None]
        chosen = min(running, key=lambda c: (c.paused, c.due_at)) if running else None
    if chosen is None:
        return []
    policy = store.policy_for(case.get("kind"))
    return explain_case_clock(case, chosen, store.calendar_or_default(), policy)


# ---------------------------------------------------------------- workload


@dataclass
class Workload:
    officer_id: str | None
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    oldest_case_id: str | None = None
    oldest_number: str | None = None
    oldest_received_at: datetime | None = None


def unit_officers(store: Store, unit_id: str) -> list[str]:
    """Ids of the unit's officers from the cached reference data, supervisors last."""
    ref = store.reference()
    if ref is None:
        return []
    people = [o for o in ref.officers if o.unit_id == unit_id]
    people.sort(key=lambda o: ("supervisor" in o.roles, o.username))
    return [o.id for o in people]


def workload(store: Store, actor: Actor, now: datetime,
             due_soon_hours: float = DEFAULT_DUE_SOON_HOURS) -> list[Workload]:
    """Open, due soon, overdue and the oldest open case per officer of the unit (every
    officer of the unit is listed, idle ones with zeros; unclaimed work comes first)."""
    cal = store.calendar_or_default()
    rows = store.workload_rows(actor, now, due_soon_threshold(cal, now, due_soon_hours))
    found = {
        r[0]: Workload(officer_id=r[0], open=int(r[1]), due_soon=int(r[2]), overdue=int(r[3]),
                       oldest_received_at=_time(r[4]), oldest_case_id=r[5], oldest_number=r[6])
        for r in rows
    }
    out: list[Workload] = []
    if UNASSIGNED in found:
        out.append(found.pop(UNASSIGNED))
    for officer_id in unit_officers(store, actor.unit_id):
        found_one: Workload | None = found.pop(officer_id, None)
        out.append(found_one or Workload(officer_id=officer_id))
    out.extend(found[k] for k in sorted(found))  # assignees no longer in the reference data
    return out


# ---------------------------------------------------------------- compliance


@dataclass
class Tally:
    total: int = 0
    met: int = 0
    met_offline_on_time: int = 0
    missed: int = 0

    def add(self, outcome: str) -> None:
        self.total += 1
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def rate(self) -> float | None:
        """The share of counted clocks met on time (None when nothing counted)."""
        return self.met / self.total if self.total else None

    @property
    def rate_with_offline(self) -> float | None:
        return (self.met + self.met_offline_on_time) / self.total if self.total else None


@dataclass
class ClockOutcome:
    case_id: str
    number: str
    kind: str
    clock: str
    assignee_id: str | None
    due_at: datetime
    stopped_at: datetime | None
    performed_at: datetime | None
    outcome: str  # met | met_offline_on_time | missed
    counted_at: datetime


@dataclass
class Compliance:
    unit_id: str
    since: datetime
    until: datetime
    days: int
    station: Tally = field(default_factory=Tally)
    by_clock: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_officer: dict[str | None, Tally] = field(default_factory=dict)
    # (first day of the week, its tally), oldest first; weeks start on Monday, local time.
    weekly: list[tuple[date, Tally]] = field(default_factory=list)
    outcomes: list[ClockOutcome] = field(default_factory=list)


_OUTCOMES = {"met": "met", "met_offline_on_time": "met_offline_on_time",
             "met_late": "missed", "overdue": "missed"}


def clock_outcome(clock: Clock, now: datetime, cal: Calendar) -> str | None:
    """met | met_offline_on_time | missed, or None when the clock is not decided yet."""
    return _OUTCOMES.get(clock_state(clock, now, cal))


def _prefix(t: datetime) -> str:
    """A second-precision UTC prefix that compares as text with the JSON's times (which
    are UTC with a Z, with or without fractions); exact checks follow in Python."""
    return (t - timedelta(seconds=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _clock_rows(store: Store, unit_id: str, since: datetime) -> list[tuple]:
    # A case closed before the period stopped its clocks before it too; the view's
    # closed_at column spares decoding the JSON of the cache's older cases.
    return store.clock_rows(unit_id, since - timedelta(seconds=1), _prefix(since))


def _week_start(t: datetime, cal: Calendar) -> date:
    local = t.astimezone(cal.zone).date()
    return local - timedelta(days=local.weekday())


def compliance(store: Store, unit_id: str, now: datetime, days: int = 30) -> Compliance:
    """The share of clocks met in the `days` before `now` (see the module docstring)."""
    cal = store.calendar_or_default()
    since = now - timedelta(days=days)
    report = Compliance(unit_id=unit_id, since=since, until=now, days=days)
    weeks: dict[date, Tally] = {}
    for (case_id, number, kind, assignee, name, due_s, stopped_s, performed_s,
         paused) in _clock_rows(store, unit_id, since):
        due = _time(due_s)
        stopped = _time(stopped_s)
        if due is None or name is None:
            continue
        due_in = since <= due <= now
        stopped_in = stopped is not None and since <= stopped <= now
        if not (due_in or stopped_in):
            continue
        clock = Clock(clock=name, due_at=due, stopped_at=stopped,
                      stopped_performed_at=_time(performed_s), paused=bool(paused))
        outcome = clock_outcome(clock, now, cal)
        if outcome is None:
            continue
        counted_at = due if due_in else stopped
        assert counted_at is not None  # not due in the period, so stopped in it (checked above)
        report.station.add(outcome)
        report.by_clock.setdefault(name, Tally()).add(outcome)
        report.by_kind.setdefault(kind or "", Tally()).add(outcome)
        report.by_officer.setdefault(assignee, Tally()).add(outcome)
        weeks.setdefault(_week_start(counted_at, cal), Tally()).add(outcome)
        report.outcomes.append(ClockOutcome(
            case_id=case_id, number=number, kind=kind or "", clock=name, assignee_id=assignee,
            due_at=due, stopped_at=stopped, performed_at=clock.stopped_performed_at,
            outcome=outcome, counted_at=counted_at))
    first, last = _week_start(since, cal), _week_start(now, cal)
    week = first
    while week <= last:
        report.weekly.append((week, weeks.get(week, Tally())))
        week += timedelta(days=7)
    report.outcomes.sort(key=lambda o: (o.counted_at, o.number, o.clock))
    return report


# ---------------------------------------------------------------- ratings


@dataclass
class RatingTally:
    count: int = 0
    total: int = 0
    distribution: Counter = field(default_factory=Counter)
    satisfaction: Counter = field(default_factory=Counter)  # callback satisfaction words

    def add(self, score: int) -> None:
        self.count += 1
        self.total += score
        self.distribution[score] += 1

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(frozen=True)
class LowRating:
    case_id: str
    number: str
    assignee_id: str | None
    score: int
    comment: str
    rated_at: datetime


@dataclass
class Ratings:
    since: datetime
    until: datetime
    station: RatingTally = field(default_factory=RatingTally)
    by_officer: dict[str | None, RatingTally] = field(default_factory=dict)
    low: list[LowRating] = field(default_factory=list)


def ratings(store: Store, unit_id: str, now: datetime, days: int = 30,
            low_score: int = LOW_SCORE) -> Ratings:
    """The citizens' ratings given in the period, per officer and for the station, the
    low ones with their comments, and callback satisfaction recorded in the period."""
    since = now - timedelta(days=days)
    report = Ratings(since=since, until=now)
    # A case leaves the cache 30 days after closing (the server's scope), so a rating or
    # callback in the period can only be on a case closed since then; the closed_at
    # column spares decoding the JSON of older cases a long-lived cache may still hold.
    kept_since = since - CLOSED_RETENTION
    # One pass over the rows: each case's JSON is read and decoded once for both its
    # rating and its callbacks (two queries read every row twice).
    rows = store.rating_rows(unit_id, kept_since)
    for case_id, number, assignee, score, comment, rated_s, _ in rows:
        rated = _time(rated_s) if score is not None else None
        if rated is None or not since <= rated <= now:
            continue
        score = int(score)
        report.station.add(score)
        report.by_officer.setdefault(assignee, RatingTally()).add(score)
        if score <= low_score:
            report.low.append(LowRating(case_id=case_id, number=number, assignee_id=assignee,
                                        score=score, comment=comment or "", rated_at=rated))
    for row in rows:
        assignee = row[2]
        for satisfaction, performed_s in json.loads(row[6]):
            performed = _time(performed_s)
            if performed is None or not since <= performed <= now:
                continue
            report.station.satisfaction[satisfaction] += 1
            report.by_officer.setdefault(assignee, RatingTally()).satisfaction[satisfaction] += 1
    report.low.sort(key=lambda r: (r.score, -r.rated_at.timestamp()))
    return report


# ---------------------------------------------------------------- the officer's summary


@dataclass(frozen=True)
class Commitments:
    due_today: int
    due_tomorrow: int
    overdue: int
    rating_average: float | None
    rating_count: int


def _local_midnight(d: date, cal: Calendar) -> datetime:
    return datetime.combine(d, time(), tzinfo=cal.zone).astimezone(UTC)


def my_commitments(store: Store, actor: Actor, now: datetime) -> Commitments:
    """The officer's own open cases due today and tomorrow (local calendar days), the
    overdue ones, and the average of the ratings on the officer's cached cases."""
    cal = store.calendar_or_default()
    today = now.astimezone(cal.zone).date()
    end_today = _local_midnight(today + timedelta(days=1), cal)
    end_tomorrow = _local_midnight(today + timedelta(days=2), cal)
    due_today, due_tomorrow, overdue = store.my_due_counts(actor.id, now, end_today, end_tomorrow)
    rating_count, rating_average = store.my_rating(actor.id)
    return Commitments(due_today=due_today, due_tomorrow=due_tomorrow, overdue=overdue,
                       rating_count=rating_count, rating_average=rating_average)


# ---------------------------------------------------------------- warnings


@dataclass(frozen=True)
class ClockWarning:
    case_id: str
    number: str
    clock: str
    level: str  # DUE_SOON | OVERDUE
    due_at: datetime
    assignee_id: str | None


def pending_warnings(store: Store, actor: Actor, now: datetime,
                     due_soon_hours: float = DEFAULT_DUE_SOON_HOURS) -> list[ClockWarning]:
    """The warnings this officer should be given now, each returned once only.

    The assignee hears of a clock entering due soon and of it going overdue; a
    supervisor also hears of every overdue clock of the unit. A clock found overdue
    without having been seen due soon gives the overdue warning only."""
    cal = store.calendar_or_default()
    soon = due_soon_threshold(cal, now, due_soon_hours)
    rows = store.warning_rows(actor, soon)
    out: list[ClockWarning] = []
    for case_id, number, assignee, unit_id, clocks_json in rows:
        mine = assignee == actor.id
        supervises = actor.is_supervisor and unit_id == actor.unit_id
        for raw in json.loads(clocks_json or "[]"):
            clock = Clock.model_validate(raw)
            if clock.stopped_at is not None or clock.paused or clock.due_at > soon:
                continue
            level = OVERDUE if now > clock.due_at else DUE_SOON
            if level == DUE_SOON and not mine:
                continue
            if level == OVERDUE and not (mine or supervises):
                continue
            if store.mark_warned(case_id, clock.clock, level):
                out.append(ClockWarning(case_id=case_id, number=number, clock=clock.clock,
                                        level=level, due_at=clock.due_at, assignee_id=assignee))
    return out


# ---------------------------------------------------------------- the dashboard at once


@dataclass
class Dashboard:
    now: datetime
    days: int
    due_soon_hours: float
    at_risk: list[AtRisk]
    workload: list[Workload]
    compliance: Compliance
    ratings: Ratings


def dashboard(store: Store, actor: Actor, now: datetime, *, days: int = 30,
              due_soon_hours: float = DEFAULT_DUE_SOON_HOURS) -> Dashboard:
    """Everything the supervisor view shows, read in one go (off the GUI thread)."""
    if days not in PERIODS:
        raise ValueError(f"the period is one of {PERIODS} days, not {days}")
    return Dashboard(
        now=now, days=days, due_soon_hours=due_soon_hours,
        at_risk=at_risk(store, actor, now, due_soon_hours),
        workload=workload(store, actor, now, due_soon_hours),
        compliance=compliance(store, actor.unit_id, now, days),
        ratings=ratings(store, actor.unit_id, now, days),
    )


def query_plans(store: Store) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of the period figures' queries and of the officer's due counts,
    for the check that each reads only the rows it needs."""
    return store.report_plans()


def overdue_per_officer(items: Sequence[AtRisk]) -> dict[str | None, int]:
    counts: dict[str | None, int] = defaultdict(int)
    for item in items:
        if item.level == OVERDUE:
            counts[item.assignee_id] += 1
    return dict(counts)
