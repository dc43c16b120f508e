"""The queue pane: the list of queues and pages on the left (with their counts), and the
page that shows one queue: the search row and the queue table on its QueueModel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
        """Show these rows; the current case stays selected, without choosing it again."""
        if self.search_text:
            self.search_result.setText(
                self.tr("%n case(s) found", "", len(ids)) if ids else self.tr("No case found"))
            self.search_result.setObjectName("" if ids else "warning")
            self.search_result.style().unpolish(self.search_result)
            self.search_result.style().polish(self.search_result)
            self.search_result.show()
        self.model.show_ids(ids, keep_rows=keep_rows)
        row = self.model.row_of(current) if current else None
        if row is not None:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)

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

    def _row_changed(self, current, _previous) -> None:
        self.sig_case_chosen.emit(self.model.case_id(current.row()) if current.isValid() else None)
