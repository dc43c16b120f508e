"""The filter bar above the queue table: a menu to add each kind of filter and the chosen
filters as removable chips, over a desk.filters.QueueFilter (the value the store turns
into SQL). Each chip's × is a button of its own, reachable with Tab and pressed with
Space, and says which filter it removes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from desk.filters import DUE_RANGES, QueueFilter
from ui import text

FIELD_CAPTIONS = {
    "kinds": QT_TRANSLATE_NOOP("FilterBar", "Kind"),
    "categories": QT_TRANSLATE_NOOP("FilterBar", "Service category"),
    "channels": QT_TRANSLATE_NOOP("FilterBar", "Channel"),
    "statuses": QT_TRANSLATE_NOOP("FilterBar", "Status"),
    "due": QT_TRANSLATE_NOOP("FilterBar", "Due"),
    "unsent": QT_TRANSLATE_NOOP("FilterBar", "Has unsent work"),
}
DUE_CAPTIONS = {
    "overdue": QT_TRANSLATE_NOOP("FilterBar", "Overdue"),
    "today": QT_TRANSLATE_NOOP("FilterBar", "Today"),
    "week": QT_TRANSLATE_NOOP("FilterBar", "This week"),
}


def _tr(source: str) -> str:
    return QCoreApplication.translate("FilterBar", source)


class Chip(QFrame):
    """One condition of the filter: its caption and a × that removes it."""

    def __init__(self, field: str, value: str, caption: str, on_remove: Callable[[], None], parent=None):
        super().__init__(parent)
        self.setObjectName("filterChip")
        self.field, self.value = field, value
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.setSpacing(2)
        self.label = QLabel(caption)
        # Values come from the cache (a channel's name, a category): never markup.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.label)
        self.remove_button = QToolButton()
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        tip = QCoreApplication.translate("FilterBar", "Remove the filter %1").replace("%1", caption)
        self.remove_button.setToolTip(tip)
        self.remove_button.setAccessibleName(tip)
        self.remove_button.clicked.connect(lambda _checked=False: on_remove())
        layout.addWidget(self.remove_button)


class FilterBar(QWidget):
    """`values()` -> {field: [values]} offers what the menus list (the reference data's
    and the cache's); `reference` names the kinds."""

    sig_changed = Signal(object)     # the new QueueFilter
    sig_save_requested = Signal()    # the officer asks to save the filtered view

    def __init__(self, values: Callable[[], dict[str, list[str]]], parent=None):
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._values = values
        self.reference = None
        self.filter = QueueFilter()
        self.chips: list[Chip] = []
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.add_button = QToolButton()
        self.add_button.setText(self.tr("Filter"))
        self.add_button.setToolTip(self.tr("Add a filter: kind, category, channel, status, due, unsent work"))
        self.add_button.setAccessibleName(self.tr("Add a filter"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu = QMenu(self)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.add_button.setMenu(self.menu)
        self._layout.addWidget(self.add_button)
        self._chip_row = QHBoxLayout()
        self._chip_row.setSpacing(4)
        self._layout.addLayout(self._chip_row)
        self._layout.addStretch(1)
        self.clear_button = QPushButton(self.tr("Clear filters"))
        self.clear_button.clicked.connect(lambda: self.set_filter(QueueFilter(), announce=True))
        self._layout.addWidget(self.clear_button)
        self.save_button = QPushButton(self.tr("Save view…"))
        self.save_button.setToolTip(self.tr("Save this filtered queue under a name, in the left pane"))
        self.save_button.clicked.connect(self.sig_save_requested.emit)
        self._layout.addWidget(self.save_button)
        self._show_chips()

    # ------------------------------------------------------------ the value

    def set_filter(self, value: QueueFilter, *, announce: bool = False) -> None:
        changed = value != self.filter
        self.filter = value
        self._show_chips()
        if announce and changed:
            self.sig_changed.emit(value)

    def add(self, field: str, value: str = "") -> None:
        self.set_filter(self.filter.with_value(field, value), announce=True)

    def remove(self, field: str, value: str = "") -> None:
        self.set_filter(self.filter.without(field, value), announce=True)

    def caption(self, field: str, value: str) -> str:
        """What a chip says: the field and the value as officers read it."""
        if field == "unsent":
            return _tr(FIELD_CAPTIONS["unsent"])
        if field == "kinds":
            shown = text.kind_label(value, self.reference)
        elif field == "statuses":
            shown = text.label("Status", value)
        elif field == "due":
            shown = _tr(DUE_CAPTIONS[value])
        else:
            shown = text.one_line(value)
        return f"{_tr(FIELD_CAPTIONS[field])}: {shown}"

    def _show_chips(self) -> None:
        for chip in self.chips:
            self._chip_row.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for field, value in self.filter.chips():
            chip = Chip(field, value, self.caption(field, value),
                        lambda f=field, v=value: self.remove(f, v), self)
            self._chip_row.addWidget(chip)
            self.chips.append(chip)
        self.clear_button.setVisible(bool(self.filter))
        self.save_button.setEnabled(bool(self.filter))

    # ------------------------------------------------------------ the menu

    def _fill_menu(self) -> None:
        self.menu.clear()
        values = self._values()
        for field in ("kinds", "categories", "channels", "statuses"):
            sub = self.menu.addMenu(_tr(FIELD_CAPTIONS[field]))
            self._add_choices(sub, field, values.get(field, []))
        due = self.menu.addMenu(_tr(FIELD_CAPTIONS["due"]))
        self._add_choices(due, "due", DUE_RANGES)
        unsent = self.menu.addAction(_tr(FIELD_CAPTIONS["unsent"]))
        unsent.setCheckable(True)
        unsent.setChecked(self.filter.unsent)
        unsent.triggered.connect(lambda on: self.add("unsent") if on else self.remove("unsent"))

    def _add_choices(self, menu: QMenu, field: str, values: Iterable[str]) -> None:
        chosen = set(getattr(self.filter, field))
        any_added = False
        for value in values:
            action = menu.addAction(self.caption(field, value).split(": ", 1)[-1])
            action.setCheckable(True)
            action.setChecked(value in chosen)
            action.triggered.connect(
                lambda on, v=value: self.add(field, v) if on else self.remove(field, v))
            any_added = True
        if not any_added:
            empty = menu.addAction(self.tr("(none in the cache)"))
            empty.setEnabled(False)
