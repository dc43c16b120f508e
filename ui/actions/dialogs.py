"""Dialogs that collect what an action needs beyond a click.

Each returns the payload fields (or None when cancelled); the window runs the action.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import text
from ui.attachments.attach import AttachList


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error = QLabel()
        self.error.setObjectName("warning")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)

    def _text_edit(self, label: str, *, required: bool = True) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(90)
        edit.setAccessibleName(label)
        caption = QLabel(label)
        caption.setBuddy(edit)
        self.form.addRow(caption, edit)
        edit.setProperty("required", required)
        return edit

    def _check(self) -> str | None:
        return None

    def _try_accept(self) -> None:
        problem = self._check()
        if problem:
            self.error.setText(problem)
            return
        self.accept()


class ReasonDialog(_FormDialog):
    """Decline, urge: a single required text."""

    def __init__(self, title: str, label: str, parent=None):
        super().__init__(title, parent)
        self.text = self._text_edit(label)

    def _check(self):
        if not self.text.toPlainText().strip():
            return self.tr("Please write the reason.")
        return None

    def values(self) -> dict:
        return {"reason": self.text.toPlainText()}


class CallbackDialog(_FormDialog):
    """`check`, when given, is Actions.check_attachment: the callback can carry files
    (a recording, a photo the citizen sent), chosen with the button or dropped."""

    def __init__(self, parent=None, *, check=None):
        super().__init__(self.tr("Record a callback"), parent)
        self.attach_list: AttachList | None = None
        self.outcome = QComboBox()
        for word in text.OUTCOME:
            self.outcome.addItem(text.label("Outcome", word), word)
        self.form.addRow(self.tr("&Outcome:"), self.outcome)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 600)
        self.minutes.setSuffix(" " + self.tr("min"))
        self.form.addRow(self.tr("&Duration:"), self.minutes)
        self.satisfaction = QComboBox()
        self.satisfaction.addItem(self.tr("Not asked"), None)
        for word in text.SATISFACTION:
            self.satisfaction.addItem(text.label("Satisfaction", word), word)
        self.form.addRow(self.tr("S&atisfaction:"), self.satisfaction)
        self.body = self._text_edit(self.tr("What was said:"))
        if check is not None:
            self.attach_list = AttachList(check)
            self.form.addRow(self.tr("Files:"), self.attach_list)
            self.attach_list.accept_drops_on(self)
            self.attach_list.accept_drops_on(self.body)
            self.attach_list.accept_drops_on(self.body.viewport())

    def _check(self):
        if not self.body.toPlainText().strip():
            return self.tr("Please write what was said.")
        return None

    def values(self) -> dict:
        return {"outcome": self.outcome.currentData(), "body": self.body.toPlainText(),
                "duration_s": self.minutes.value() * 60,
                "satisfaction": self.satisfaction.currentData(),
                "attachments": list(self.attach_list.paths) if self.attach_list is not None else []}


class StatusDialog(_FormDialog):
    def __init__(self, targets: list[str], parent=None):
        super().__init__(self.tr("Change status"), parent)
        self.target = QComboBox()
        for word in targets:
            self.target.addItem(text.label("Status", word), word)
        self.form.addRow(self.tr("&New status:"), self.target)
        self.reason = QLineEdit()
        self.reason.setMaxLength(5000)
        self.form.addRow(self.tr("&Reason:"), self.reason)

    def _check(self):
        return None if self.target.count() else self.tr("No status change is possible.")

    def values(self) -> dict:
        return {"to": self.target.currentData(), "reason": self.reason.text()}


class TransferDialog(_FormDialog):
    """A picker over the whole unit tree (the contract sends all of it)."""

    def __init__(self, units, current_unit_id: str, parent=None):
        super().__init__(self.tr("Transfer to another unit"), parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter units…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter units"))
        self.filter.textChanged.connect(self._filter)
        self.form.addRow(self.tr("&Find:"), self.filter)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumHeight(260)
        self.tree.setAccessibleName(self.tr("Units"))
        items: dict[str, QTreeWidgetItem] = {}
        by_parent: dict[str | None, list] = {}
        known = {u.id for u in units}
        for unit in units:
            parent_id = unit.parent_id if unit.parent_id in known else None
            by_parent.setdefault(parent_id, []).append(unit)

        def add(parent_item, parent_id):
            for unit in sorted(by_parent.get(parent_id, []), key=lambda u: u.name):
                item = QTreeWidgetItem([unit.name])
                item.setData(0, Qt.ItemDataRole.UserRole, unit.id)
                if unit.id == current_unit_id:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                    item.setText(0, unit.name + " " + self.tr("(current)"))
                if parent_item is None:
                    self.tree.addTopLevelItem(item)
                else:
                    parent_item.addChild(item)
                items[unit.id] = item
                add(item, unit.id)

        add(None, None)
        self.tree.expandToDepth(1)
        # Open where the case is: its unit's county (the parent) and everything above
        # it expanded, so the neighbouring stations and sections are in view at once.
        current = items.get(current_unit_id)
        if current is not None:
            item = current
            while item is not None:
                item.setExpanded(True)
                item = item.parent()
            self.tree.scrollToItem(current)
        caption = QLabel(self.tr("&Unit:"))
        caption.setBuddy(self.tree)
        self.form.addRow(caption, self.tree)
        self.items = items
        self.reason = self._text_edit(self.tr("Reason:"))

    def _filter(self, value: str) -> None:
        """Show the units whose name holds the text, with the units above them."""
        needle = value.strip().casefold()

        def visit(item) -> bool:
            shown = False
            for i in range(item.childCount()):
                shown = visit(item.child(i)) or shown
            match = not needle or needle in item.text(0).casefold()
            item.setHidden(not (match or shown))
            if needle and shown:
                item.setExpanded(True)
            return match or shown

        first = None
        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))
        if needle:
            first = next((it for it in self.items.values() if not it.isHidden()
                          and needle in it.text(0).casefold()
                          and it.flags() & Qt.ItemFlag.ItemIsSelectable), None)
        if first is not None:
            self.tree.setCurrentItem(first)

    def select_unit(self, unit_id: str) -> None:
        item = self.items.get(unit_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def _check(self):
        item = self.tree.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsSelectable:
            return self.tr("Please choose the unit.")
        if not self.reason.toPlainText().strip():
            return self.tr("Please write the reason.")
        return None

    def values(self) -> dict:
        return {"to_unit_id": self.tree.currentItem().data(0, Qt.ItemDataRole.UserRole),
                "reason": self.reason.toPlainText()}


class ReassignDialog(_FormDialog):
    """No officer is chosen in advance (the first in the list was the chief); each
    one shows the open cases they hold, so the work goes where there is room."""

    def __init__(self, officers, current_assignee: str | None, parent=None,
                 workload: dict[str, int] | None = None):
        super().__init__(self.tr("Reassign to another officer"), parent)
        self.officer = QComboBox()
        workload = workload or {}
        choices = [o for o in officers if o.id != current_assignee]
        # Officers before chiefs, the least loaded first.
        choices.sort(key=lambda o: ("supervisor" in (getattr(o, "roles", None) or []),
                                    workload.get(o.id, 0), o.name))
        for officer in choices:
            name = f"{officer.name} ({officer.badge_no})" if officer.badge_no else officer.name
            if officer.id in workload or workload:
                name += " — " + self.tr("%n open case(s)", "", workload.get(officer.id, 0))
            self.officer.addItem(name, officer.id)
        self.officer.setCurrentIndex(-1)
        self.officer.setPlaceholderText(self.tr("Choose an officer…"))
        self.form.addRow(self.tr("&Officer:"), self.officer)
        self.reason = self._text_edit(self.tr("Reason:"))

    def _check(self):
        if self.officer.count() == 0:
            return self.tr("No other officer in this unit.")
        if self.officer.currentIndex() < 0:
            return self.tr("Please choose the officer.")
        if not self.reason.toPlainText().strip():
            return self.tr("Please write the reason.")
        return None

    def values(self) -> dict:
        return {"to_officer_id": self.officer.currentData(), "reason": self.reason.toPlainText()}
