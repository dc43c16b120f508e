"""The officer's filter over a queue: a plain value (no Qt, no SQL) that the store turns
into SQL (desk.store.queries) and that a saved view keeps as JSON.

Fields combine with AND; the values within one field with OR ("a consultation or a tip,
overdue or due today, with unsent work"). An empty field does not filter.

The due ranges are read in the calendar's zone and in working terms, like every clock
(desk.clocks):
- overdue: the nearest running clock is past due;
- today: it falls due from now to the end of the officer's working day: today when today
  is a working day, else the next working day (on a Saturday, or on a holiday, "today"
  shows what falls due by the end of the day work starts again: a working-day clock never
  falls due inside a day off, it falls due at the end of the working day before or after);
- this week: from now to the end of this calendar week (Sunday 24:00), and never shorter
  than "today" (on a Sunday off, the week's list holds what Monday brings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from desk.worktime import Calendar

DUE_RANGES = ("overdue", "today", "week")
# The fields a filter holds values in, in the order the filter bar shows their chips.
VALUE_FIELDS = ("kinds", "categories", "channels", "statuses", "due")
# How far past a day off "today" looks for the next working day (the longest run of days
# off in the national schedule is nine days; a calendar that lists more stops here).
_MAX_DAYS_OFF = 31


@dataclass(frozen=True)
class QueueFilter:
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    due: tuple[str, ...] = ()
    unsent: bool = False

    def __bool__(self) -> bool:
        return self.unsent or any(getattr(self, name) for name in VALUE_FIELDS)

    def with_value(self, field: str, value: str) -> QueueFilter:
        """This filter with `value` added to `field` (kept once, in the order added)."""
        if field == "unsent":
            return replace(self, unsent=True)
        if field not in VALUE_FIELDS:
            raise ValueError(f"unknown filter field {field!r}")
        if field == "due" and value not in DUE_RANGES:
            raise ValueError(f"unknown due range {value!r}; known: {', '.join(DUE_RANGES)}")
        current: tuple[str, ...] = getattr(self, field)
        if value in current:
            return self
        change: dict[str, Any] = {field: (*current, value)}
        return replace(self, **change)

    def without(self, field: str, value: str | None = None) -> QueueFilter:
        """This filter with `value` taken out of `field` (unsent: the flag cleared)."""
        if field == "unsent":
            return replace(self, unsent=False)
        current: tuple[str, ...] = getattr(self, field)
        change: dict[str, Any] = {field: tuple(v for v in current if v != value)}
        return replace(self, **change)

    def chips(self) -> list[tuple[str, str]]:
        """(field, value) for each condition, in the bar's order; unsent last."""
        out = [(name, value) for name in VALUE_FIELDS for value in getattr(self, name)]
        if self.unsent:
            out.append(("unsent", ""))
        return out

    def to_json(self) -> str:
        return json.dumps({f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
                           for f in fields(self)}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> QueueFilter:
        """Tolerant: a field it does not know, a value of the wrong shape or an unknown
        due range (a saved view from a newer Desk) is left out, never an error."""
        try:
            data: Any = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        values: dict[str, Any] = {}
        for name in VALUE_FIELDS:
            raw = data.get(name)
            if isinstance(raw, list):
                kept = tuple(dict.fromkeys(str(v) for v in raw if isinstance(v, str)))
                if name == "due":
                    kept = tuple(v for v in kept if v in DUE_RANGES)
                values[name] = kept
        values["unsent"] = data.get("unsent") is True
        return cls(**values)

    def due_ranges(self, cal: Calendar, now: datetime) -> tuple[tuple[datetime | None, datetime | None], ...]:
        """Each chosen due range as [from, until) bounds on the nearest due time."""
        return tuple(due_bounds(word, cal, now) for word in self.due)


def _day_start(cal: Calendar, d: date) -> datetime:
    return datetime.combine(d, time()).replace(tzinfo=cal.zone).astimezone(UTC)


def end_of_working_day(cal: Calendar, now: datetime) -> datetime:
    """The end of today when today is a working day in the calendar's zone, else the end
    of the next working day."""
    d = now.astimezone(cal.zone).date()
    for _ in range(_MAX_DAYS_OFF):
        if cal.is_working_day(d):
            break
        d += timedelta(days=1)
    return _day_start(cal, d + timedelta(days=1))


def end_of_week(cal: Calendar, now: datetime) -> datetime:
    """Monday 00:00 after `now` in the calendar's zone (the calendar week ends Sunday)."""
    d = now.astimezone(cal.zone).date()
    return _day_start(cal, d + timedelta(days=7 - d.weekday()))


def due_bounds(word: str, cal: Calendar, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[from, until) of one due range at `now` (None: unbounded)."""
    if word == "overdue":
        return None, now
    if word == "today":
        return now, end_of_working_day(cal, now)
    if word == "week":
        return now, max(end_of_week(cal, now), end_of_working_day(cal, now))
    raise ValueError(f"unknown due range {word!r}; known: {', '.join(DUE_RANGES)}")
