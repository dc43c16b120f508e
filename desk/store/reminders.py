"""The store's reminders room: "remind me to call back" per officer and case.

A reminder is the officer's own note to self, never sent to the platform: it lives in
the encrypted cache beside the cases (migration 7), keyed by officer and case, so two
officers sharing a workstation each keep their own and neither sees the other's. The
rules (the default time, snoozing, what is due) are desk.reminders'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.overlay import sort_time
from desk.store.base import StoreBase, _now, _stored_time, _time
from desk.store.changes import Changes

OPEN, DONE, DISMISSED = "open", "done", "dismissed"
STATES = (OPEN, DONE, DISMISSED)


@dataclass(frozen=True)
class ReminderRow:
    officer_id: str
    case_id: str
    number: str
    due_at: datetime
    state: str
    notified_at: datetime | None
    in_cache: bool             # the case is still in the cache's view (in scope)


_COLUMNS = ("r.officer_id, r.case_id, r.number, r.due_at, r.state, r.notified_at, "
            "l.id IS NOT NULL")


def _row(r: tuple) -> ReminderRow:
    return ReminderRow(officer_id=r[0], case_id=r[1], number=r[2], due_at=_stored_time(r[3]),
                       state=r[4], notified_at=_time(r[5]), in_cache=bool(r[6]))


class RemindersRoom(StoreBase):
    def set_reminder(self, officer_id: str, case_id: str, number: str, due_at: datetime) -> Changes:
        """Set (or move) the officer's reminder on a case; it is open and not yet shown."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO reminders (officer_id, case_id, number, due_at, state, notified_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'open', NULL, ?) "
                "ON CONFLICT(officer_id, case_id) DO UPDATE SET number = excluded.number, "
                "due_at = excluded.due_at, state = 'open', notified_at = NULL, "
                "updated_at = excluded.updated_at",
                (officer_id, case_id, number, sort_time(due_at), _now()))
        return Changes(case_ids=frozenset({case_id}))

    def finish_reminder(self, officer_id: str, case_id: str, state: str) -> Changes:
        """Close the reminder as done (the callback was made) or dismissed."""
        if state not in (DONE, DISMISSED):
            raise ValueError(f"a reminder is finished as {DONE} or {DISMISSED}, not {state!r}")
        with self._write() as conn:
            conn.execute("UPDATE reminders SET state = ?, updated_at = ? "
                         "WHERE officer_id = ? AND case_id = ?", (state, _now(), officer_id, case_id))
        return Changes(case_ids=frozenset({case_id}))

    def mark_reminders_notified(self, officer_id: str, case_ids: list[str], at: datetime) -> None:
        with self._write() as conn:
            conn.executemany("UPDATE reminders SET notified_at = ? WHERE officer_id = ? AND case_id = ?",
                             [(sort_time(at), officer_id, c) for c in case_ids])

    def reminder(self, officer_id: str, case_id: str) -> ReminderRow | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM reminders AS r LEFT JOIN local_cases AS l "
                          "ON l.id = r.case_id WHERE r.officer_id = ? AND r.case_id = ?",
                          (officer_id, case_id))
        return _row(rows[0]) if rows else None

    def open_reminders(self, officer_id: str, due_by: datetime | None = None) -> list[ReminderRow]:
        """The officer's open reminders (due at or before `due_by` if given), soonest first."""
        sql = (f"SELECT {_COLUMNS} FROM reminders AS r LEFT JOIN local_cases AS l "
               "ON l.id = r.case_id WHERE r.officer_id = ? AND r.state = 'open'")
        params: list = [officer_id]
        if due_by is not None:
            sql += " AND r.due_at <= ?"
            params.append(sort_time(due_by))
        return [_row(r) for r in self._read(sql + " ORDER BY r.due_at, r.number", params)]
