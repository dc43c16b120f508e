"""Working time and deadlines: the contract's "Working time and deadlines" rule.

W(t) is the working time between a fixed origin and t: a working day counts all of its
24 hours in the calendar's zone, a day off counts none. A clock of N working days started
at s is due at the earliest t with W(t) = W(s) + N days; a clock of N calendar days is due
at s + N days. The server and the client both compute deadlines with this module.

A working day is found in O(log n) (n = listed days): the weekday rule has a closed form
and the listed days are kept as a sorted table of corrections with prefix sums, so a span
of any length costs the same. That matters because queues evaluate every row's clocks.

`Calendar.explain` returns the reasoning behind a due time as data for the UI to translate.
Every item is a JSON-ready dict with a "step" key; dates are ISO strings and instants are
RFC 3339 UTC with a Z:

    ============  =====================================================================
    step          other keys and meaning
    ============  =====================================================================
    start         at, limit, unit ("working_day" | "calendar_day"): the clock started
    skip          first, last (dates), reason ("weekend" | "holiday"), name (str | None):
                  consecutive days off between start and due that did not count;
                  reason is "holiday" when any day of the run is a listed holiday, and
                  name is then the holiday's name (the one most days of the run carry)
    workday       date, name (str | None): an adjusted working weekend day (调休上班)
                  that counted
    pause         from, to (instant | None while still paused): the case waited on the
                  citizen and the clock stood still
    provisional   year: a year not in known_years was used (weekday rule only), so the
                  due time may move when that year's schedule is published
    stopped       at, performed_at (instant | None): the clock stopped (only from
                  desk.clocks.explain_clock); at is the server's receipt
    due           at: the due time
    ============  =====================================================================

Items come in this order: start, then skip/workday/pause in date order, then
provisional (one per year), then stopped, then due.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, cast
from zoneinfo import ZoneInfo

from desk import timesafe
from desk.wire import CONTRACT_ZONE, CalendarData, DayKind, format_time

DAY = timedelta(days=1)
WORKING_DAY = "working_day"
CALENDAR_DAY = "calendar_day"
UNITS = (WORKING_DAY, CALENDAR_DAY)
_DAY_KINDS = ("holiday", "workday")
_MIN_ORDINAL = date.min.toordinal()
_MAX_ORDINAL = date.max.toordinal()


def _weekday_rule_count(ordinal: int) -> int:
    """Mondays to Fridays with an ordinal below `ordinal` (ordinal 1, 0001-01-01, is a
    Monday, so every block of seven starts with the five working days)."""
    days = ordinal - 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def _weekend(d: date) -> bool:
    return d.weekday() >= 5


def _require_aware(t: datetime) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("a naive datetime has no place in time; pass an aware datetime")


class Calendar:
    """The working-day calendar of the contract's reference data.

    `days` maps a date to "holiday" or "workday"; a date not listed is a working day from
    Monday to Friday and a day off on Saturday and Sunday. Times are measured by the wall
    clock of `zone` (the contract's zone, Asia/Shanghai, keeps no daylight saving time, so
    that equals elapsed time).
    """

    def __init__(
        self,
        *,
        zone: str = CONTRACT_ZONE,
        known_years: Iterable[int],
        days: Mapping[date, str],
        names: Mapping[date, str] | None = None,
    ) -> None:
        self.zone = ZoneInfo(zone)
        self._zone_name = zone
        self.known_years = frozenset(int(y) for y in known_years)
        self._days: dict[date, DayKind] = {}
        for d, kind in days.items():
            if kind not in _DAY_KINDS:
                raise ValueError(f"day {d.isoformat()} is {kind!r}, not 'holiday' or 'workday'")
            # Checked just above; mypy does not narrow a str to a Literal through `in`.
            self._days[d] = cast(DayKind, kind)
        self.names: dict[date, str] = dict(names or {})
        # Corrections to the weekday rule: +1 for a working weekend day, -1 for a holiday
        # on a weekday. A holiday on a weekend changes no count and needs no entry.
        corrections = sorted(
            (d.toordinal(), 1 if kind == "workday" else -1)
            for d, kind in self._days.items()
            if (kind == "workday") == _weekend(d)
        )
        self._fix_ordinals = [o for o, _ in corrections]
        self._fix_prefix = [0, *accumulate(delta for _, delta in corrections)]

    # ------------------------------------------------------------ wire

    @classmethod
    def from_wire(cls, data: CalendarData) -> Calendar:
        return cls(zone=data.zone, known_years=data.known_years, days=data.days, names=data.names)

    def to_wire(self) -> CalendarData:
        return CalendarData(
            zone=self._zone_name,
            known_years=sorted(self.known_years),
            days=dict(sorted(self._days.items())),
            names=dict(sorted(self.names.items())),
        )

    # ------------------------------------------------------------ days

    def day_kind(self, d: date) -> str | None:
        """"holiday" or "workday" when the date is listed, else None."""
        return self._days.get(d)

    def is_working_day(self, d: date) -> bool:
        kind = self._days.get(d)
        if kind is not None:
            return kind == "workday"
        return not _weekend(d)

    def is_provisional(self, d: date) -> bool:
        return d.year not in self.known_years

    def working_days_before(self, d: date) -> int:
        """Working days from the origin (0001-01-01) up to, not including, `d`."""
        return self._count(d.toordinal())

    def _count(self, ordinal: int) -> int:
        fixes = self._fix_prefix[bisect_left(self._fix_ordinals, ordinal)]
        return _weekday_rule_count(ordinal) + fixes

    def _nth_working_ordinal(self, n: int) -> int:
        """The ordinal of the working day with exactly n working days before it."""
        # The smallest ordinal whose count (days before, plus itself) exceeds n.
        lo, hi = _MIN_ORDINAL, _MAX_ORDINAL
        if n < 0 or self._count(_MAX_ORDINAL + 1) <= n:
            raise OverflowError("working time outside the years a date can hold")
        while lo < hi:
            mid = (lo + hi) // 2
            if self._count(mid + 1) > n:
                hi = mid
            else:
                lo = mid + 1
        return lo

    # ------------------------------------------------------------ working time

    def _local(self, t: datetime) -> datetime:
        _require_aware(t)
        # Clamped: 9999-12-31 23:00 UTC is year 10000 in Beijing, and the wire allows it.
        return timesafe.in_zone(t, self.zone)

    def _to_utc(self, d: date, offset: timedelta) -> datetime:
        local = datetime.combine(d, time()) + offset
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def working_time(self, t: datetime) -> timedelta:
        """W(t): working time between the fixed origin and t."""
        local = self._local(t)
        d = local.date()
        worked = DAY * self.working_days_before(d)
        if self.is_working_day(d):
            worked += timedelta(
                hours=local.hour, minutes=local.minute, seconds=local.second,
                microseconds=local.microsecond,
            )
        return worked

    def working_between(self, a: datetime, b: datetime) -> timedelta:
        """W(b) - W(a); negative when b comes before a."""
        return self.working_time(b) - self.working_time(a)

    def add_working(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant t with W(t) = W(start) + amount, in UTC.

        W stands still over days off, so the earliest such instant of a whole number of
        days is the end of a working day (00:00 of the next day), never a later moment
        inside a weekend.
        """
        return self._at_working_time(self.working_time(start) + amount)

    def _at_working_time(self, target: timedelta) -> datetime:
        whole, part = divmod(target, DAY)
        if part:
            day = date.fromordinal(self._nth_working_ordinal(whole))
            return self._to_utc(day, part)
        if whole <= 0:
            raise OverflowError("working time outside the years a date can hold")
        # W first reaches whole days at the end of the working day numbered whole - 1.
        day = date.fromordinal(self._nth_working_ordinal(whole - 1))
        return self._to_utc(day, DAY)

    def due_at(self, start: datetime, limit: int, unit: str) -> datetime:
        if unit == WORKING_DAY:
            return self.add_working(start, DAY * limit)
        if unit == CALENDAR_DAY:
            _require_aware(start)
            # In UTC, so that a start given in a zone with daylight saving time still
            # gets N times 24 elapsed hours (aware arithmetic in one zone is wall time).
            return start.astimezone(UTC) + DAY * limit
        raise ValueError(f"unknown clock unit {unit!r}")

    def provisional_years(self, a: datetime, b: datetime) -> list[int]:
        """The years not in known_years whose days decide working time from a to b."""
        la, lb = self._local(a), self._local(b)
        if lb < la:
            la, lb = lb, la
        last = lb.date()
        # An instant at 00:00 ends the day before it and uses nothing of its own day.
        if lb.time() == time() and last > la.date():
            last -= DAY
        return [y for y in range(la.year, last.year + 1) if y not in self.known_years]

    # ------------------------------------------------------------ explanation

    def explain(
        self,
        start: datetime,
        limit: int,
        unit: str,
        *,
        pauses: Sequence[tuple[datetime, datetime | None]] = (),
        due: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Why the clock is due when it is, as data (see the module's table of steps)."""
        if unit not in UNITS:
            raise ValueError(f"unknown clock unit {unit!r}")
        _require_aware(start)
        if due is None:
            due = self.due_at(start, limit, unit)
        _require_aware(due)
        steps: list[tuple[str, int, dict[str, Any]]] = []
        for begin, end in pauses:
            _require_aware(begin)
            key = self._local(begin).date().isoformat()
            steps.append((key, 1, {
                "step": "pause", "from": format_time(begin),
                "to": format_time(end) if end is not None else None,
            }))
        provisional: list[int] = []
        if unit == WORKING_DAY:
            steps.extend((item["first"] if item["step"] == "skip" else item["date"], 0, item)
                         for item in self._day_steps(start, due))
            provisional = self.provisional_years(start, due)
        steps.sort(key=lambda s: (s[0], s[1]))
        out: list[dict[str, Any]] = [
            {"step": "start", "at": format_time(start), "limit": limit, "unit": unit}
        ]
        out.extend(item for _, _, item in steps)
        out.extend({"step": "provisional", "year": y} for y in provisional)
        out.append({"step": "due", "at": format_time(due)})
        return out

    def _day_steps(self, start: datetime, due: datetime) -> list[dict[str, Any]]:
        first = self._local(start).date()
        local_due = self._local(due)
        last = local_due.date()
        if local_due.time() == time() and last > first:
            last -= DAY
        items: list[dict[str, Any]] = []
        run: list[date] = []

        def close_run() -> None:
            if not run:
                return
            holiday_names = [self.names.get(d) for d in run if self._days.get(d) == "holiday"]
            if holiday_names:
                named = Counter(n for n in holiday_names if n)
                name = named.most_common(1)[0][0] if named else None
                reason = "holiday"
            else:
                name, reason = None, "weekend"
            items.append({"step": "skip", "first": run[0].isoformat(),
                          "last": run[-1].isoformat(), "reason": reason, "name": name})
            run.clear()

        d = first
        while d <= last:
            if self.is_working_day(d):
                close_run()
                if _weekend(d):
                    items.append({"step": "workday", "date": d.isoformat(),
                                  "name": self.names.get(d)})
            else:
                run.append(d)
            d += DAY
        close_run()
        return items
