"""What a station chief (所长) reviews, computed from the local cache so it works offline.

Every figure here is a read of the supervisor's cached view of the unit (`local_cases`,
the snapshots with unsent work laid over). Cheap figures use the indexed columns of the
view (`next_due_at`, `assignee_id`, `status`); figures that need a case's clocks, rating
or callbacks pull only those parts out of the JSON with SQLite's json functions, so the
Python side never decodes a whole case of a 100,000-case cache. Callers in the desktop
app run these off the GUI thread.

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

from desk.clocks import clock_state, explain_case_clock
from desk.overlay import sort_time
from desk.rules import OPEN_STATUSES, Actor
from desk.store import CLOSED_RETENTION, Store
from desk.wire import Clock, parse_time
from desk.worktime import Calendar

PERIODS = (7, 30, 90)
DEFAULT_DUE_SOON_HOURS = 4
LOW_SCORE = 2
DUE_SOON, OVERDUE = "due_soon", "overdue"
UNASSIGNED = None

_OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES)) + ")"


def _time(value: Any) -> datetime | None:
    return parse_time(value)


def _stored_time(value: Any) -> datetime:
    """A time the query has already checked is set (`... IS NOT NULL`)."""
    t = _time(value)
    assert t is not None, "the query selects only rows with this time set"
    return t


def due_soon_threshold(cal: Calendar, now: datetime, hours: float) -> datetime:
    return cal.add_working(now, timedelta(hours=hours))


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
    """The unit's open cases overdue or due within `due_soon_hours` working hours,
    ordered by assignee (unclaimed first), then by due time."""
    cal = store.calendar_or_default()
    soon = due_soon_threshold(cal, now, due_soon_hours)
    now_s = sort_time(now)
    rows = store.read(
        f"SELECT id, number, kind, title, status, assignee_id, next_clock, next_due_at, "
        f"provisional, citizen_name, citizen_phone FROM local_cases "
        f"WHERE unit_id = ? AND {_OPEN_SQL} AND next_due_at IS NOT NULL AND next_due_at <= ? "
        f"ORDER BY assignee_id IS NOT NULL, assignee_id, next_due_at",
        (actor.unit_id, sort_time(soon)))
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
    policy = next((p for p in getattr(store, "_policies", []) if p.kind == case.get("kind")), None)
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
    now_s = sort_time(now)
    soon_s = sort_time(due_soon_threshold(cal, now, due_soon_hours))
    # With a single min() aggregate SQLite returns the bare columns of that row: the
    # oldest case's id and number come with its received_at.
    rows = store.read(
        f"SELECT assignee_id, count(*), "
        f"coalesce(sum(next_due_at >= ? AND next_due_at <= ?), 0), "
        f"coalesce(sum(next_due_at < ?), 0), min(received_at), id, number "
        f"FROM local_cases WHERE unit_id = ? AND {_OPEN_SQL} GROUP BY assignee_id",
        (now_s, soon_s, now_s, actor.unit_id))
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


# The unit's open cases and those closed since :closed, as two ranges of the
# (closed_at, unit_id) index (NULL sorts first): an OR of the two would walk every case
# the unit ever had, and fetching by rid reads the rows in table order.
_PERIOD_CASES = (
    "l.rid IN (SELECT rid FROM local_cases INDEXED BY local_cases_closed "
    "          WHERE closed_at IS NULL AND unit_id = :unit "
    "          UNION ALL SELECT rid FROM local_cases INDEXED BY local_cases_closed "
    "          WHERE closed_at >= :closed AND unit_id = :unit)"
)


_CLOCK_ROWS_SQL = (
    "SELECT l.id, l.number, l.kind, l.assignee_id, "
    "json_extract(c.value, '$.clock'), json_extract(c.value, '$.due_at'), "
    "json_extract(c.value, '$.stopped_at'), json_extract(c.value, '$.stopped_performed_at'), "
    "json_extract(c.value, '$.paused') "
    "FROM local_cases AS l, json_each(l.data, '$.clocks') AS c "
    f"WHERE {_PERIOD_CASES} "
    "AND (substr(json_extract(c.value, '$.due_at'), 1, 19) >= :since "
    "     OR substr(json_extract(c.value, '$.stopped_at'), 1, 19) >= :since)"
)


def _clock_rows(store: Store, unit_id: str, since: datetime) -> list[tuple]:
    # A case closed before the period stopped its clocks before it too; the view's
    # closed_at column spares decoding the JSON of the cache's older cases.
    return store.read(_CLOCK_ROWS_SQL, {
        "unit": unit_id, "closed": sort_time(since - timedelta(seconds=1)), "since": _prefix(since)})


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


# One pass over the rows: each case's JSON is read and decoded once for both its rating
# and its callbacks (two queries read every row twice).
_RATINGS_SQL = (
    "SELECT l.id, l.number, l.assignee_id, json_extract(l.data, '$.rating.score'), "
    "json_extract(l.data, '$.rating.comment'), json_extract(l.data, '$.rating.rated_at'), "
    "(SELECT json_group_array(json_array(json_extract(e.value, '$.data.satisfaction'), "
    "                                    json_extract(e.value, '$.performed_at'))) "
    " FROM json_each(l.data, '$.entries') AS e "
    " WHERE json_extract(e.value, '$.type') = 'callback' "
    " AND json_extract(e.value, '$.data.satisfaction') IS NOT NULL) "
    f"FROM local_cases AS l WHERE {_PERIOD_CASES}"
)


def ratings(store: Store, unit_id: str, now: datetime, days: int = 30,
            low_score: int = LOW_SCORE) -> Ratings:
    """The citizens' ratings given in the period, per officer and for the station, the
    low ones with their comments, and callback satisfaction recorded in the period."""
    since = now - timedelta(days=days)
    report = Ratings(since=since, until=now)
    # A case leaves the cache 30 days after closing (the server's scope), so a rating or
    # callback in the period can only be on a case closed since then; the closed_at
    # column spares decoding the JSON of older cases a long-lived cache may still hold.
    kept_since = sort_time(since - CLOSED_RETENTION)
    # One pass over the rows: each case's JSON is read and decoded once for both its
    # rating and its callbacks (two queries read every row twice).
    rows = store.read(_RATINGS_SQL, {"unit": unit_id, "closed": kept_since})
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


# Answered from the assignee queue index alone (migration 4): it holds assignee_id,
# status and next_due_at.
_MINE_DUE_SQL = (
    "SELECT coalesce(sum(next_due_at >= ? AND next_due_at < ?), 0), "
    "coalesce(sum(next_due_at >= ? AND next_due_at < ?), 0), "
    "coalesce(sum(next_due_at < ?), 0) "
    f"FROM local_cases WHERE assignee_id = ? AND {_OPEN_SQL}"
)


def my_commitments(store: Store, actor: Actor, now: datetime) -> Commitments:
    """The officer's own open cases due today and tomorrow (local calendar days), the
    overdue ones, and the average of the ratings on the officer's cached cases."""
    cal = store.calendar_or_default()
    today = now.astimezone(cal.zone).date()
    end_today = _local_midnight(today + timedelta(days=1), cal)
    end_tomorrow = _local_midnight(today + timedelta(days=2), cal)
    now_s, today_s, tomorrow_s = sort_time(now), sort_time(end_today), sort_time(end_tomorrow)
    row = store.read(_MINE_DUE_SQL, (now_s, today_s, today_s, tomorrow_s, now_s, actor.id))[0]
    rating = store.read(
        "SELECT count(*), avg(json_extract(data, '$.rating.score')) FROM local_cases "
        "WHERE assignee_id = ? AND json_extract(data, '$.rating.score') IS NOT NULL",
        (actor.id,))[0]
    return Commitments(due_today=int(row[0]), due_tomorrow=int(row[1]), overdue=int(row[2]),
                       rating_count=int(rating[0]),
                       rating_average=float(rating[1]) if rating[1] is not None else None)


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
    if actor.is_supervisor:
        scope, params = "(assignee_id = ? OR unit_id = ?)", [actor.id, actor.unit_id]
    else:
        scope, params = "assignee_id = ?", [actor.id]
    # The nearest running clock bounds every other: a case whose nearest is not yet due
    # soon has no clock to warn about, so only these cases' clocks are decoded.
    rows = store.read(
        f"SELECT id, number, assignee_id, unit_id, json_extract(data, '$.clocks') "
        f"FROM local_cases WHERE {_OPEN_SQL} AND {scope} AND next_due_at IS NOT NULL "
        f"AND next_due_at <= ? ORDER BY next_due_at",
        (*params, sort_time(soon)))
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
    period = {"unit": "", "closed": "", "since": ""}
    return {
        "clocks": store.plan(_CLOCK_ROWS_SQL, period),
        "ratings": store.plan(_RATINGS_SQL, period),
        "my_commitments": store.plan(_MINE_DUE_SQL, ("",) * 6),
    }


def overdue_per_officer(items: Sequence[AtRisk]) -> dict[str | None, int]:
    counts: dict[str | None, int] = defaultdict(int)
    for item in items:
        if item.level == OVERDUE:
            counts[item.assignee_id] += 1
    return dict(counts)
