"""Callback reminders: "remind me to call back" on a case, at a time the officer picks.

A reminder is the officer's own, offline, in the encrypted cache (desk.store.reminders),
never an op for the platform. Here are its rules, without Qt: the default time (the
next whole working hour by the real calendar, so a Friday evening's default is the
Monday morning, or the first working day after a holiday), snoozing, and which
reminders are due now, each saying whether its case is still in the officer's scope.
The window shows the due ones in the tray or the status bar and in the 待回访 queue
(desk.queues "callbacks").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from desk.store import Changes, ReminderRow, Store
from desk.store.reminders import DISMISSED, DONE
from desk.worktime import Calendar

# Office hours for a default time: a callback is proposed on the hour, from the first
# hour of the working day to the last hour that starts before its end.
OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(17, 0)
SNOOZE = timedelta(hours=1)

__all__ = ["DISMISSED", "DONE", "SNOOZE", "DueReminder", "Reminders", "default_due",
           "next_working_hour"]


def next_working_hour(cal: Calendar, now: datetime) -> datetime:
    """The first whole hour after `now` (in the calendar's zone) that falls within office
    hours on a working day, by the calendar's holidays and adjusted working days (UTC)."""
    candidate = now.astimezone(cal.zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # Bounded: no run of days off is longer than a few weeks, even provisional ones.
    for _ in range(400):
        working = cal.is_working_day(candidate.date())
        if working and OFFICE_OPENS <= candidate.time() < OFFICE_CLOSES:
            break
        day = candidate.date() if working and candidate.time() < OFFICE_OPENS else candidate.date() + timedelta(days=1)
        candidate = datetime.combine(day, OFFICE_OPENS, tzinfo=cal.zone)
    return candidate.astimezone(UTC)


default_due = next_working_hour


@dataclass(frozen=True)
class DueReminder:
    case_id: str
    number: str
    due_at: datetime
    in_scope: bool          # False: the case left the officer's scope (transferred away...)
    first_time: bool        # not yet shown to the officer


class Reminders:
    """One officer's reminders over the store."""

    def __init__(self, store: Store, officer_id: str) -> None:
        self.store = store
        self.officer_id = officer_id

    def set(self, case_id: str, due_at: datetime) -> Changes:
        if due_at.tzinfo is None:
            raise ValueError("a reminder's time needs its zone")
        case = self.store.case(case_id)
        existing = self.store.reminder(self.officer_id, case_id)
        if case is not None:
            number = str(case.get("number") or "")
        elif existing is not None:
            number = existing.number   # snoozing a case that left the scope
        else:
            raise ValueError("this case is not in the cache")
        return self.store.set_reminder(self.officer_id, case_id, number, due_at)

    def get(self, case_id: str) -> ReminderRow | None:
        row = self.store.reminder(self.officer_id, case_id)
        return row if row is not None and row.state == "open" else None

    def done(self, case_id: str) -> Changes:
        return self.store.finish_reminder(self.officer_id, case_id, DONE)

    def dismiss(self, case_id: str) -> Changes:
        return self.store.finish_reminder(self.officer_id, case_id, DISMISSED)

    def snooze(self, case_id: str, now: datetime, by: timedelta = SNOOZE) -> Changes:
        return self.set(case_id, now + by)

    def due(self, now: datetime) -> list[DueReminder]:
        """Open reminders due at or before `now`, soonest first."""
        return [DueReminder(case_id=r.case_id, number=r.number, due_at=r.due_at,
                            in_scope=r.in_cache, first_time=r.notified_at is None)
                for r in self.store.open_reminders(self.officer_id, due_by=now)]

    def take_new(self, now: datetime) -> list[DueReminder]:
        """The due reminders not yet shown, marked shown: what a notification announces
        once (a snooze or a new time shows it again when that comes)."""
        fresh = [r for r in self.due(now) if r.first_time]
        if fresh:
            self.store.mark_reminders_notified(self.officer_id, [r.case_id for r in fresh], now)
        return fresh

    def next_due_at(self) -> datetime | None:
        rows = self.store.open_reminders(self.officer_id)
        pending = [r.due_at for r in rows if r.notified_at is None]
        return min(pending) if pending else None
