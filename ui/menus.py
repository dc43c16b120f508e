"""Context menus (issue 14) on queue rows and on timeline entries: copy the case number
(and an entry's text, as plain text and as shown: masked unless the officer revealed),
open the case, and the actions of that case, each enabled as desk.actions.allowed_on
says, run through the window's action controller like the case pane's buttons.
The Menu key and Shift+F10 open the same menu for the current row or the focused entry.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from desk.actions import allowed_on
from ui import text
from ui.case.view import ACTION_BUTTONS, COMPOSE_MODES, EntryWidget
from ui.resources import icon

# Written in the composer rather than by a dialog: the menu opens the case in that mode.
_SUPERVISOR_ONLY = {"reassign", "urge"}
# Claim and accept act at once; the others ask first (a dialog or the composer): "…".
_ACT_AT_ONCE = {"claim", "accept"}
_ICONS = {"reply": "reply", "note": "note", "urge": "urge",
          **{op: icon_name for op, icon_name, _key in ACTION_BUTTONS}}


class CaseMenus(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.menu: QMenu | None = None  # the last menu shown (tests read it)
        window.queue_pane.sig_menu_requested.connect(self.row_menu)
        pane = window.case_pane
        pane.sig_entry_menu_requested.connect(self.entry_menu)
        self.entry_action = QAction(self.tr("Open the menu of the focused entry"), pane.scroll)
        self.entry_action.setShortcuts([QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")])
        self.entry_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.entry_action.triggered.connect(self._menu_of_focused_entry)
        pane.scroll.addAction(self.entry_action)

    # ------------------------------------------------------------ building

    def case_menu(self, case_id: str, *, entry: dict | None = None) -> QMenu:
        window = self.window
        case = window.store.case(case_id) or {}
        menu = QMenu(window)
        if entry is not None:
            copy_text = menu.addAction(self.tr("Copy the entry's text"))
            shown = window.case_pane.masked(entry.get("body") or "")
            copy_text.setEnabled(bool(shown))
            copy_text.triggered.connect(lambda: self._copy(shown))
        number = str(case.get("number") or "")
        copy_number = menu.addAction(self.tr("Copy the case number"))
        copy_number.setEnabled(bool(number))
        copy_number.triggered.connect(lambda: self._copy(number))
        if entry is None:
            open_action = menu.addAction(self.tr("Open"))
            open_action.triggered.connect(lambda: self.open(case_id))
        menu.addSeparator()
        allowed = allowed_on(case, window.actor) if case else set()
        for op in [op for op, _icon, _key in ACTION_BUTTONS] + list(COMPOSE_MODES):
            if op in _SUPERVISOR_ONLY and not window.actor.is_supervisor:
                continue
            caption = text.label("Op", op) + ("" if op in _ACT_AT_ONCE else "…")
            action = menu.addAction(icon(_ICONS[op]), caption)
            action.setData(op)
            action.setEnabled(op in allowed)
            action.triggered.connect(lambda _=False, o=op: self.act(o, case_id))
        return menu

    def row_menu(self, case_id: str, pos: QPoint) -> None:
        self._popup(self.case_menu(case_id), pos)

    def entry_menu(self, entry: dict, pos: QPoint) -> None:
        case_id = self.window.case_pane.case_id
        if case_id:
            self._popup(self.case_menu(case_id, entry=entry), pos)

    def _popup(self, menu: QMenu, pos: QPoint) -> None:
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        # popup, not exec: the window's event loop keeps running (sync, timers, tests).
        menu.popup(pos)

    def _menu_of_focused_entry(self) -> None:
        widget: QWidget | None = QApplication.focusWidget()
        while widget is not None and not isinstance(widget, EntryWidget):
            widget = widget.parentWidget()
        if widget is not None:
            self.entry_menu(widget.entry, widget.mapToGlobal(widget.rect().bottomLeft()))

    # ------------------------------------------------------------ doing

    @staticmethod
    def _copy(value: str) -> None:
        # Plain text only: a citizen's text must not reach another program as markup.
        QGuiApplication.clipboard().setText(value)

    def open(self, case_id: str) -> None:
        window = self.window
        row = window.model.row_of(case_id)
        if row is not None:
            window.table.selectRow(row)
            window.table.setCurrentIndex(window.model.index(row, 0))
        if window.case_pane.case_id != case_id:
            window.open_case(case_id)

    def act(self, op: str, case_id: str) -> None:
        window = self.window
        if op in COMPOSE_MODES:
            # Replies, notes and urges are written in the composer of the open case.
            self.open(case_id)
            pane = window.case_pane
            index = pane.mode_combo.findData(op)
            if index >= 0:
                pane.mode_combo.setCurrentIndex(index)
            pane.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        window.controller.request_action(op, case_id)
