"""Live clock read-outs for tables and the case pane, in working time.

The table rows carry only the nearest running clock's name and due time; the unit
(working or calendar days) comes from the policy of the case's kind in the cached
reference data. What time is left and whether a clock is overdue or due soon is
desk.clocks' rule (the server's too); this module only words and colours it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication

from desk import clocks
from desk.overlay import default_calendar
from desk.wire import Clock
from ui import text

# Clock states that colour a read-out.
OK, DUE_SOON_STATE, OVERDUE, PAUSED, NONE = "ok", "due_soon", "overdue", "paused", "none"

# desk.clocks' states, as the colours above.
_COLOUR_OF = {"running": OK, "due_soon": DUE_SOON_STATE, "overdue": OVERDUE, "paused": PAUSED,
              "met": OK, "met_offline_on_time": DUE_SOON_STATE, "met_late": OVERDUE}


class ClockFormatter:
    def __init__(self, calendar=None, reference=None):
        self.calendar = calendar
        # Before the reference data arrives: the contract's weekday rule (as the cache's
        # own clocks use it), not elapsed time.
        self._calendar = calendar if calendar is not None else default_calendar()
        self.zone = getattr(calendar, "zone", None)
        self._units: dict[tuple[str, str], str] = {}
        self._policies: dict[str, Any] = {}
        if reference is not None:
            for policy in reference.policy:
                self._policies[policy.kind] = policy
                for clock in policy.clocks:
                    self._units[(policy.kind, clock.clock)] = clock.unit

    def unit(self, kind: str, clock: str) -> str:
        return self._units.get((kind, clock), "working_day")

    def _left(self, due: datetime, now: datetime, unit: str) -> timedelta:
        try:
            return clocks.time_left(due, now, unit, self._calendar)
        except (OverflowError, ValueError):
            # A due time at the ends of the wire's range: elapsed time still tells.
            return due - now

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
        remaining = self._left(due, now, unit)
        shown = (text.countdown(remaining, working=unit == "working_day") if full
                 else text.compact_countdown(remaining))
        return shown, _COLOUR_OF[clocks.running_state(due, now, remaining)], bool(row.get("provisional"))

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
        try:
            model = Clock.model_validate(clock)
        except ValidationError:
            # A clock this desk cannot read (no due time, a bad one) shows nothing.
            return "", NONE
        policy = self._policies.get(kind)
        try:
            state = clocks.clock_state(model, now, self._calendar, policy=policy)
        except (OverflowError, ValueError):
            state = "overdue" if now > model.due_at else "running"
        if state == "met":
            return QCoreApplication.translate("Text", "Met"), OK
        if state == "met_offline_on_time":
            return QCoreApplication.translate("Text", "Late, done offline on time"), DUE_SOON_STATE
        if state == "met_late":
            return QCoreApplication.translate("Text", "Met late"), OVERDUE
        if state == "paused":
            return QCoreApplication.translate("Text", "Paused"), PAUSED
        try:
            remaining = clocks.remaining(model, now, self._calendar, policy)
        except (OverflowError, ValueError):
            remaining = model.due_at - now
        unit = model.unit or self.unit(kind, model.clock)
        return text.countdown(remaining, working=unit == "working_day"), _COLOUR_OF[state]


def _when(template: str, at: Any, zone) -> str:
    t = text.parse_time(at)
    if t is None:
        return template.replace("%1", "").strip()
    shown = t.astimezone(zone if zone is not None else text.display_zone())
    return template.replace("%1", shown.strftime("%m-%d %H:%M"))


def utcnow() -> datetime:
    return datetime.now(UTC)
