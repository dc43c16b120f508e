"""The queue pane: the list of queues and pages on the left (with their counts), and the
page that shows one queue: the search row and the queue table on its QueueModel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QItemSelection, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk import queues
from desk.store import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS
from ui import text
from ui.queue.filters import FilterBar
from ui.queue.model import CLOCK_COLUMN, COLUMNS, QueueModel
from ui.resources import icon

NameRole = Qt.ItemDataRole.UserRole


class QueueList(QListWidget):
    """The queues (desk.queues.QUEUES, each with its icon of the same name) and the
    window's other pages (Outbox, Conflicts, Supervision...), each with a live count."""

    def __init__(self, is_supervisor: bool, parent=None):
        super().__init__(parent)
        self.setObjectName("queueList")
        self.setAccessibleName(QCoreApplication.translate("MainWindow", "Queues"))
        self.setMinimumWidth(150)
        self.items: dict[str, QListWidgetItem] = {}
        self._captions: dict[str, str] = {}
        for name in queues.QUEUES:
            if name == "station" and not is_supervisor:
                continue
            self.add_entry(name, name, text.label("Queue", name))

    def add_entry(self, name: str, icon_name: str, caption: str, *, before: str | None = None) -> QListWidgetItem:
        item = QListWidgetItem(icon(icon_name), caption)
        item.setData(NameRole, name)
        if before is not None and before in self.items:
            self.insertItem(self.row(self.items[before]), item)
        else:
            self.addItem(item)
        self.items[name] = item
        self._captions[name] = caption
        return item

    def remove_entry(self, name: str) -> None:
        item = self.items.pop(name, None)
        self._captions.pop(name, None)
        if item is not None:
            self.takeItem(self.row(item))

    def set_count(self, name: str, count: int | None) -> None:
        caption = self._captions[name]
        self.items[name].setText(caption if count is None else f"{caption}  ({count})")

    def entry_at(self, n: int) -> QListWidgetItem | None:
        """The n-th (from 1) entry an officer can choose, in the order shown: whatever
        the pane holds (the fixed queues, then saved views and pages), so Ctrl+1…9 follow
        it; hidden rows and rows that cannot be chosen (headings) are not counted."""
        choosable = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        shown = [self.item(row) for row in range(self.count())
                 if not self.item(row).isHidden() and self.item(row).flags() & choosable == choosable]
        return shown[n - 1] if 0 < n <= len(shown) else None

    def select_quietly(self, name: str | None) -> None:
        """Highlight `name` (none: no entry) without announcing a choice."""
        self.blockSignals(True)
        if name is None:
            self.setCurrentItem(None)
            self.clearSelection()
        elif name in self.items:
            self.setCurrentItem(self.items[name])
        self.blockSignals(False)


class QueuePane(QWidget):
    """Search row, optional header lines, the queue table. It shows the ids it is given
    and says what the officer asked for; the window decides when to list."""

    sig_search = Signal(str)          # a search to run ("" when it was cleared)
    sig_case_chosen = Signal(object)  # the case id of the current row, or None
    sig_selection_changed = Signal(int)  # how many rows are selected now
    sig_menu_requested = Signal(str, QPoint)  # a row's context menu: case id, global position

    def __init__(self, fetch_rows: Callable[[list[str]], list[dict]], case_lookup, parent=None):
        super().__init__(parent)
        self.search_text = ""
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search number, title, text, citizen… (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search"))
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.returnPressed.connect(self._search_entered)
        self.search_edit.textChanged.connect(self._search_text_changed)
        search_row.addWidget(self.search_edit)
        # How many cases the search found (or that it found none).
        self.search_result = QLabel()
        self.search_result.setTextFormat(Qt.TextFormat.PlainText)
        self.search_result.hide()
        search_row.addWidget(self.search_result)
        clear_search = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_edit)
        clear_search.setContext(Qt.ShortcutContext.WidgetShortcut)
        clear_search.activated.connect(self.search_edit.clear)
        self._layout.addLayout(search_row)
        # The officer's filters over the shown queue or search (desk.filters); what the
        # menus offer is set by the window (the reference data's and the cache's values).
        self.offered_values: Callable[[], dict[str, list[str]]] = dict
        self.filter_bar = FilterBar(lambda: self.offered_values(), self)
        self._layout.addWidget(self.filter_bar)
        self.model = QueueModel(fetch_rows, self)
        self.model.case_lookup = case_lookup
        self.table = QTableView()
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift/Ctrl pick many cases for one bulk action (issue 14); the current row is
        # the one the case pane shows.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        # No grid: alternating row colours separate rows, and the grid costs ~1 ms a page.
        self.table.setShowGrid(False)
        # Tab leaves the table for the case pane; arrows move between rows.
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        hh.setSortIndicator(CLOCK_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu_at)
        # The Menu key opens the row's menu by itself; Shift+F10 is the other key for it
        # (Windows' and GNOME's convention), so both are one action the help lists.
        self.menu_action = QAction(self.tr("Open the menu of the current case"), self.table)
        self.menu_action.setShortcuts([QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")])
        self.menu_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.menu_action.triggered.connect(self._menu_of_current)
        self.table.addAction(self.menu_action)
        self._layout.addWidget(self.table)

    def add_header(self, widget: QWidget) -> None:
        """A line above the search row (the "my commitments" line)."""
        self._layout.insertWidget(0, widget)

    def default_columns(self) -> None:
        """Column widths and order for a first start (saved ones replace them)."""
        for column, width in enumerate((140, 72, 110, 220, 120, 124, 150, 72, 72, 60)):
            self.table.setColumnWidth(column, width)
        # The time left is what an officer scans for: right after the number, so it
        # stays in view when the table is narrow.
        hh = self.table.horizontalHeader()
        hh.moveSection(hh.visualIndex(CLOCK_COLUMN), 1)

    def sort_args(self) -> tuple[str, bool]:
        key = COLUMNS[self.model.sort_column][2] or "due"
        return key, self.model.sort_order == Qt.SortOrder.DescendingOrder

    def clear_search(self) -> None:
        """A queue was chosen: its whole content, not the last search."""
        self.search_text = ""
        self.search_result.hide()
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)

    def show_ids(self, ids: Sequence[str], current: str | None, *, keep_rows: bool) -> None:
        """Show these rows; the current case stays selected, without choosing it again,
        and so do the other selected cases still listed (a refresh must not drop the
        cases an officer picked out for a bulk action)."""
        selected = self.selected_ids()
        if self.search_text:
            self.search_result.setText(
                self.tr("%n case(s) found", "", len(ids)) if ids else self.tr("No case found"))
            self.search_result.setObjectName("" if ids else "warning")
            self.search_result.style().unpolish(self.search_result)
            self.search_result.style().polish(self.search_result)
            self.search_result.show()
        self.model.show_ids(ids, keep_rows=keep_rows)
        row = self.model.row_of(current) if current else None
        # The selection is set as a whole, not with selectRow (whose meaning in extended
        # mode follows the keyboard modifiers held at the time).
        keep = [r for r in map(self.model.row_of, selected) if r is not None] if len(selected) > 1 else []
        if row is not None and len(selected) <= 1:
            keep.append(row)
        selection_model = self.table.selectionModel()
        selection_model.blockSignals(True)
        if keep:
            kept = QItemSelection()
            last = self.model.columnCount() - 1
            # One range per run of neighbouring rows: a Ctrl+A kept over 100,000 rows
            # is one range, not 100,000.
            runs: list[list[int]] = []
            for kept_row in sorted(keep):
                if runs and kept_row == runs[-1][1] + 1:
                    runs[-1][1] = kept_row
                else:
                    runs.append([kept_row, kept_row])
            for top, bottom in runs:
                kept.select(self.model.index(top, 0), self.model.index(bottom, last))
            selection_model.select(kept, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if row is not None:
            selection_model.setCurrentIndex(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        selection_model.blockSignals(False)
        self._selection_changed()

    def selected_rows(self) -> list[int]:
        """The selected rows in order, read from the selection's ranges (a Ctrl+A over
        100,000 rows is one range, not 100,000 indexes)."""
        rows: set[int] = set()
        for selected in self.table.selectionModel().selection():
            rows.update(range(selected.top(), selected.bottom() + 1))
        return sorted(rows)

    def selected_ids(self) -> list[str]:
        return [case_id for case_id in map(self.model.case_id, self.selected_rows()) if case_id]

    def _search_entered(self) -> None:
        value = self.search_edit.text().strip()
        if len(value.split()) > MAX_SEARCH_WORDS or len(value) > MAX_SEARCH_CHARS:
            # The store refuses it too; say so here rather than show an empty list.
            self.window().statusBar().showMessage(
                self.tr("A search may hold at most %1 words and %2 characters; shorten it.")
                .replace("%1", str(MAX_SEARCH_WORDS)).replace("%2", str(MAX_SEARCH_CHARS)), 15000)
            return
        self.search_text = value
        if not value:
            self.search_result.hide()
        self.sig_search.emit(value)

    def _search_text_changed(self, value: str) -> None:
        if not value.strip() and self.search_text:
            self._search_entered()

    def _selection_changed(self, *_args) -> None:
        self.sig_selection_changed.emit(len(self.selected_rows()))

    def _menu_at(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        case_id = self.model.case_id(index.row()) if index.isValid() else None
        if case_id:
            self.sig_menu_requested.emit(case_id, self.table.viewport().mapToGlobal(pos))

    def _menu_of_current(self) -> None:
        index = self.table.currentIndex()
        case_id = self.model.case_id(index.row()) if index.isValid() else None
        if case_id:
            rect = self.table.visualRect(index)
            self.sig_menu_requested.emit(case_id, self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def _row_changed(self, current, _previous) -> None:
        self.sig_case_chosen.emit(self.model.case_id(current.row()) if current.isValid() else None)
