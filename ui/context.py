"""What the windows of one logged-in officer share: the session, its store and actions,
the task runner, and lookups built from the cached reference data."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desk.actions import Actions
from ui import text
from ui.clockfmt import ClockFormatter


class DeskContext(QObject):
    sig_reference_changed = Signal()

    def __init__(self, session, runner, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.store = session.store
        self.actor = session.actor
        self.officer = session.officer
        self.runner = runner
        self.actions = Actions(self.store, self.actor)
        self.reference = None
        self.calendar = None
        self.formatter = ClockFormatter()
        self.unit_names: dict[str, str] = {}
        self.officer_names: dict[str, str] = {}
        self.service_names: dict[str, str] = {}
        self.reload_reference()

    def reload_reference(self) -> None:
        self.reference = self.store.reference()
        self.calendar = self.store.calendar()
        self.formatter = ClockFormatter(self.calendar, self.reference)
        text.set_display_zone((self.calendar or self.store.calendar_or_default()).zone)
        ref = self.reference
        if ref is not None:
            self.unit_names = {u.id: u.name for u in ref.units}
            self.officer_names = {o.id: o.name for o in ref.officers}
            self.service_names = {s.id: s.name for s in ref.service_items}
        self.officer_names.setdefault(self.officer.id, self.officer.name)
        self.sig_reference_changed.emit()

    def unit_name(self, unit_id: Any) -> str:
        return self.unit_names.get(unit_id or "", unit_id or "")

    def officer_name(self, officer_id: Any) -> str:
        return self.officer_names.get(officer_id or "", officer_id or "")
