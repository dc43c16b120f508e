"""The callback reminder dialog and the watcher that shows reminders when they fall due.

The rules are desk.reminders'; here only the date-time picker and the notice. The
watcher reads the time through `clock` (injected by tests, so a reminder's hour comes
without sleeping) and reads and writes the store on the task runner, never on the GUI
thread. A due reminder is announced once in the tray (or the status bar without one);
the 待回访 queue keeps listing it until it is done or dismissed. A reminder of a case
that left the officer's scope is announced saying so, and closed: nothing can be done
on that case here any more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QObject, Qt, QTimer, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from desk.reminders import DueReminder, Reminders, next_working_hour
from desk.store import Changes
from ui.clockfmt import utcnow
from ui.errors import log_failure

log = logging.getLogger(__name__)

CHECK_MS = 30_000
SET, DONE, DISMISS, SNOOZE = "set", "done", "dismiss", "snooze"


class ReminderDialog(QDialog):
    """When to be reminded to call back on one case; with the existing reminder, also
    done / dismiss / snooze. `choice` and `due_at` (UTC) say what the officer chose."""

    def __init__(self, number: str, default: datetime, zone, *, existing: datetime | None = None,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Remind me to call back"))
        self.choice: str | None = None
        self.due_at: datetime | None = None
        self._zone = QTimeZone(str(zone).encode())
        layout = QVBoxLayout(self)
        caption = QLabel(self.tr("Remind me to call back on %1 at:").replace("%1", number))
        caption.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(caption)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setTimeZone(self._zone)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int((existing or default).timestamp()), self._zone))
        self.when.setAccessibleName(self.tr("Reminder time"))
        layout.addWidget(self.when)
        if existing is not None:
            note = QLabel(self.tr("A reminder is set on this case."))
            layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.set_button = buttons.addButton(self.tr("&Set reminder"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.set_button.clicked.connect(lambda: self._choose(SET))
        self.done_button: QPushButton | None = None
        self.dismiss_button: QPushButton | None = None
        if existing is not None:
            self.done_button = buttons.addButton(self.tr("Called &back"), QDialogButtonBox.ButtonRole.ActionRole)
            self.done_button.clicked.connect(lambda: self._choose(DONE))
            self.dismiss_button = buttons.addButton(self.tr("&Dismiss"), QDialogButtonBox.ButtonRole.ActionRole)
            self.dismiss_button.clicked.connect(lambda: self._choose(DISMISS))
            snooze = buttons.addButton(self.tr("S&nooze an hour"), QDialogButtonBox.ButtonRole.ActionRole)
            snooze.clicked.connect(lambda: self._choose(SNOOZE))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.due_at = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        self.accept()


class ReminderWatcher(QObject):
    """Looks for reminders due now, every CHECK_MS and whenever asked (after a change)."""

    def __init__(self, window, reminders: Reminders, clock: Callable[[], datetime] = utcnow):
        super().__init__(window)
        self.window = window
        self.reminders = reminders
        self.clock = clock
        self.shown: list[DueReminder] = []
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(CHECK_MS)

    def check(self) -> None:
        if self.window.closed:
            return
        reminders, now = self.reminders, self.clock()

        def take() -> list[DueReminder]:
            fresh = reminders.take_new(now)
            for r in fresh:
                if not r.in_scope:
                    reminders.dismiss(r.case_id)
            return fresh

        self.window.runner.run(take, self._announce, self._failed, key=(self, "check"))

    def _failed(self, error: BaseException) -> None:
        log_failure(log, "callback reminders", error)

    def _announce(self, fresh: list[DueReminder]) -> None:
        if self.window.closed or not fresh:
            return
        self.shown.extend(fresh)
        here = [r for r in fresh if r.in_scope]
        gone = [r for r in fresh if not r.in_scope]
        if here:
            self.window.notify(self.tr("Callbacks due"),
                               self.tr("%n callback(s) due: ", None, len(here))
                               + ", ".join(r.number for r in here[:5]))
        for r in gone:
            self.window.notify(self.tr("Callback reminder"),
                               self.tr("%1 has left your scope (transferred or reassigned); "
                                       "its callback reminder is closed.").replace("%1", r.number))
        # The 待回访 queue's ids and count follow the clock, not a write: list again.
        self.window.apply_changes(Changes(case_ids=frozenset(r.case_id for r in fresh)))


def default_time(window, now: datetime) -> datetime:
    return next_working_hour(window.store.calendar_or_default(), now)
