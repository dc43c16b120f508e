"""Live clock read-outs for tables and the case pane, in working time.

The table rows carry only the nearest running clock's name and due time; the unit
(working or calendar days) comes from the policy of the case's kind in the cached
reference data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication

from ui import text

DUE_SOON = timedelta(hours=4)

# Clock states that colour a read-out.
OK, DUE_SOON_STATE, OVERDUE, PAUSED, NONE = "ok", "due_soon", "overdue", "paused", "none"


class ClockFormatter:
    def __init__(self, calendar=None, reference=None):
        self.calendar = calendar
        self.zone = getattr(calendar, "zone", None)
        self._units: dict[tuple[str, str], str] = {}
        if reference is not None:
            for policy in reference.policy:
                for clock in policy.clocks:
                    self._units[(policy.kind, clock.clock)] = clock.unit

    def unit(self, kind: str, clock: str) -> str:
        return self._units.get((kind, clock), "working_day")

    def remaining(self, due: datetime, now: datetime, unit: str) -> timedelta:
        if unit == "working_day" and self.calendar is not None:
            try:
                return self.calendar.working_between(now, due)
            except (OverflowError, ValueError):
                # A due time at the ends of the wire's range: elapsed time still tells.
                pass
        return due - now

    def state_for(self, remaining: timedelta) -> str:
        if remaining < timedelta(0):
            return OVERDUE
        if remaining <= DUE_SOON:
            return DUE_SOON_STATE
        return OK

    def row_clock(self, row: Mapping[str, Any], now: datetime, *, full: bool = False) -> tuple[str, str, bool]:
        """(text, state, provisional) for a table row's nearest running clock; compact
        for the column unless `full` (the tooltip)."""
        # A waiting case says so even when its row carries no due time (paused clocks
        # are not "next due"); it was an empty cell.
        if row.get("status") == "waiting_citizen":
            return QCoreApplication.translate("Text", "Paused"), PAUSED, bool(row.get("provisional"))
        due = text.parse_time(row.get("next_due_at"))
        if due is None:
            return "", NONE, False
        unit = self.unit(row.get("kind", ""), row.get("next_clock") or "")
        remaining = self.remaining(due, now, unit)
        shown = (text.countdown(remaining, working=unit == "working_day") if full
                 else text.compact_countdown(remaining))
        return shown, self.state_for(remaining), bool(row.get("provisional"))

    def stopped_text(self, case: Mapping[str, Any] | None) -> str:
        """For a case with no clock running: what stopped the last one, and when
        (已受理 / 已答复 / 已办结 ...), instead of an empty countdown."""
        if not case:
            return ""
        if case.get("status") == "declined":
            return QCoreApplication.translate("Text", "Declined")
        stopped = [c for c in case.get("clocks", []) if c.get("stopped_at")]
        if case.get("status") == "closed":
            at = case.get("closed_at") or next(
                (c.get("stopped_at") for c in stopped if c.get("clock") == "close"), None) or next(
                (e.get("received_at") or e.get("performed_at") for e in reversed(case.get("entries", []))
                 if e.get("type") == "status" and (e.get("data") or {}).get("to") == "closed"), None)
            return _when(QCoreApplication.translate("Text", "Closed %1"), at, self.zone)
        if not stopped:
            return ""
        last = max(stopped, key=lambda c: text.parse_time(c["stopped_at"]))
        words = {"accept": QCoreApplication.translate("Text", "Accepted %1"),
                 "reply": QCoreApplication.translate("Text", "Replied %1"),
                 "close": QCoreApplication.translate("Text", "Closed %1")}
        return _when(words.get(last.get("clock"), QCoreApplication.translate("Text", "Done %1")),
                     last.get("stopped_at"), self.zone)

    def case_clock(self, clock: Mapping[str, Any], kind: str, now: datetime) -> tuple[str, str]:
        """(text, state) for one clock of a case in the case pane."""
        due = text.parse_time(clock.get("due_at"))
        if due is None:
            return "", NONE
        unit = clock.get("unit") or self.unit(kind, clock.get("clock", ""))
        if clock.get("stopped_at"):
            stopped = text.parse_time(clock["stopped_at"])
            performed = text.parse_time(clock.get("stopped_performed_at"))
            if stopped <= due:
                return QCoreApplication.translate("Text", "Met"), OK
            if performed is not None and performed <= due:
                return QCoreApplication.translate("Text", "Late, done offline on time"), DUE_SOON_STATE
            return QCoreApplication.translate("Text", "Met late"), OVERDUE
        if clock.get("paused"):
            return QCoreApplication.translate("Text", "Paused"), PAUSED
        remaining = self.remaining(due, now, unit)
        return text.countdown(remaining, working=unit == "working_day"), self.state_for(remaining)


def _when(template: str, at: Any, zone) -> str:
    t = text.parse_time(at)
    if t is None:
        return template.replace("%1", "").strip()
    shown = t.astimezone(zone if zone is not None else text.display_zone())
    return template.replace("%1", shown.strftime("%m-%d %H:%M"))


def utcnow() -> datetime:
    return datetime.now(UTC)
