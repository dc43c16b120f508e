"""The queue table: ordered case ids from SQL, rows read on demand.

The model holds only the ordered ids of its rows (filtered and sorted in SQL by
desk.queues); row data is fetched in blocks around what the view asks for, cached, and
dropped when marked stale. Sorting re-runs the query (no proxy model over 100k rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from desk.masking import mask_name, mask_phone, mask_text
from ui import text
from ui.clockfmt import DUE_SOON_STATE, OVERDUE, PAUSED, ClockFormatter, utcnow

CaseIdRole = Qt.ItemDataRole.UserRole + 1
ClockStateRole = Qt.ItemDataRole.UserRole + 2
SyncMarkRole = Qt.ItemDataRole.UserRole + 3
SortKeyRole = Qt.ItemDataRole.UserRole + 4

# (key, header, sort key understood by desk.queues.queue_ids; None: not sortable)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("number", QT_TRANSLATE_NOOP("QueueModel", "Number"), "number"),
    ("kind", QT_TRANSLATE_NOOP("QueueModel", "Kind"), "kind"),
    ("service", QT_TRANSLATE_NOOP("QueueModel", "Service"), None),
    ("title", QT_TRANSLATE_NOOP("QueueModel", "Title"), "title"),
    ("citizen", QT_TRANSLATE_NOOP("QueueModel", "Citizen"), "citizen"),
    ("received", QT_TRANSLATE_NOOP("QueueModel", "Received"), "received"),
    ("clock", QT_TRANSLATE_NOOP("QueueModel", "Time left"), "due"),
    ("status", QT_TRANSLATE_NOOP("QueueModel", "Status"), "status"),
    ("assignee", QT_TRANSLATE_NOOP("QueueModel", "Assignee"), "assignee"),
    ("sync", QT_TRANSLATE_NOOP("QueueModel", "Sync"), None),
)
COLUMN_INDEX = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
CLOCK_COLUMN = COLUMN_INDEX["clock"]

BLOCK = 100

# Built once: the view asks for flags and data of every visible cell at every paint, and
# combining Qt's enum members costs more than the rest of the call.
_CELL_FLAGS = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
               | Qt.ItemFlag.ItemNeverHasChildren)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_CASE_ID = int(CaseIdRole)
_CLOCK_STATE = int(ClockStateRole)
_SYNC_MARK = int(SyncMarkRole)
# The roles a cell answers; the delegate's questions about fonts, alignment, icons and
# check boxes are answered None before anything else is looked at.
_ROLES = frozenset((_DISPLAY, _TOOLTIP, _FOREGROUND, _CASE_ID, _CLOCK_STATE, _SYNC_MARK))
_NCOLUMNS = len(COLUMNS)
_NO_VALUES = (None,) * _NCOLUMNS
_TIP_COLUMNS = frozenset((COLUMN_INDEX["title"], COLUMN_INDEX["service"]))

STATE_COLOURS = {
    OVERDUE: QColor("#b3261e"),
    DUE_SOON_STATE: QColor("#a15c00"),
    PAUSED: QColor("#5f6368"),
}
_STATE_BRUSHES = {state: QBrush(colour) for state, colour in STATE_COLOURS.items()}


class QueueModel(QAbstractTableModel):
    """`fetch_rows(ids) -> list[dict]` is desk.store.Store.rows (or the same shape)."""

    sig_ids_changed = Signal()

    def __init__(self, fetch_rows: Callable[[list[str]], list[dict]], parent=None):
        super().__init__(parent)
        self._fetch_rows = fetch_rows
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._cache: dict[str, dict] = {}
        # What each cell answers, per role, formatted once when its row is read: the view
        # asks every visible cell several questions at every paint, and scrolling through
        # a long queue must not format, translate or mask anything twice.
        self._cells: dict[str, dict[int, tuple]] = {}
        # The clock cell per role, apart because it changes at every tick; working time is
        # worked out once per case until the next tick or re-read.
        self._clocks: dict[str, dict[int, Any]] = {}
        self.formatter = ClockFormatter()
        self.officer_names: dict[str, str] = {}
        self.service_names: dict[str, str] = {}
        self.now: datetime = utcnow()
        self.sort_column = CLOCK_COLUMN
        self.sort_order = Qt.SortOrder.AscendingOrder
        # Called by sort() with (sort key, descending): returns the ids in the new order,
        # or None when it reads them off the GUI thread and hands them to show_ids later.
        self.requery: Callable[[str, bool], list[str] | None] | None = None
        # Reads one case when a row has no running clock (what stopped it, and when).
        self.case_lookup: Callable[[str], dict | None] | None = None

    # ------------------------------------------------------------ content

    def ids(self) -> list[str]:
        return list(self._ids)

    def set_ids(self, ids: Sequence[str], *, keep_rows: bool = True) -> None:
        """Replace the rows. Cached row data is kept unless `keep_rows` is false: a new
        order of the same cases should not re-read them, a re-read of the store should."""
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of = {case_id: i for i, case_id in enumerate(self._ids)}
        if keep_rows:
            self._cache = {k: v for k, v in self._cache.items() if k in self._row_of}
            self._cells = {k: v for k, v in self._cells.items() if k in self._row_of}
        else:
            self._cache = {}
            self._cells = {}
        self._clocks = {}
        self.endResetModel()
        self.sig_ids_changed.emit()

    def show_ids(self, ids: Sequence[str], *, keep_rows: bool = True) -> None:
        """Replace the rows; when they are the same cases in a new order, move them as a
        layout change so that persistent indexes (the selection) stay on their case."""
        old_ids = self._ids
        if len(ids) != len(old_ids) or set(ids) != self._row_of.keys():
            self.set_ids(ids, keep_rows=keep_rows)
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {case_id: i for i, case_id in enumerate(ids)}
        old_indexes = self.persistentIndexList()
        new_indexes = [self.index(new_row[old_ids[ix.row()]], ix.column()) for ix in old_indexes]
        self._ids = list(ids)
        self._row_of = new_row
        if not keep_rows:
            self._cache = {}
            self._cells = {}
            self._clocks = {}
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()
        self.sig_ids_changed.emit()

    def mark_stale(self, ids: Sequence[str] | None = None) -> None:
        """Drop cached rows (all when ids is None) and repaint them."""
        if ids is None:
            self._cache.clear()
            self._cells.clear()
            self._clocks.clear()
            if self._ids:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(self._ids) - 1, len(COLUMNS) - 1))
            return
        for case_id in ids:
            self._cache.pop(case_id, None)
            self._cells.pop(case_id, None)
            self._clocks.pop(case_id, None)
            row = self._row_of.get(case_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def tick(self, now: datetime | None = None) -> None:
        """Advance the live countdowns: only the clock column changes, and only in the
        rows whose clock was read since the last tick (the ones on screen); any other
        row's clock is worked out fresh when it is first read."""
        self.now = now or utcnow()
        rows = [r for r in map(self._row_of.get, self._clocks) if r is not None]
        self._clocks = {}
        if rows:
            self.dataChanged.emit(self.index(min(rows), CLOCK_COLUMN),
                                  self.index(max(rows), CLOCK_COLUMN))

    def set_reference(self, formatter: ClockFormatter, reference) -> None:
        self.formatter = formatter
        if reference is not None:
            self.officer_names = {o.id: o.name for o in reference.officers}
            self.service_names = {s.id: s.name for s in reference.service_items}
        self.reference = reference
        self.mark_stale()

    def case_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, case_id: str) -> int | None:
        return self._row_of.get(case_id)

    def row_data(self, row: int) -> dict | None:
        case_id = self.case_id(row)
        if case_id is None:
            return None
        data = self._cache.get(case_id)
        if data is None:
            self._load_block(row)
            data = self._cache.get(case_id)
        return data

    def _load_block(self, row: int) -> None:
        start = max(0, row - BLOCK // 4)
        block = [i for i in self._ids[start:start + BLOCK] if i not in self._cache]
        for found in self._fetch_rows(block):
            self._cache[found["id"]] = found
        for case_id in block:
            # A case that vanished between the query and the read shows as an empty row
            # until the next refresh, instead of being read again on every paint.
            data = self._cache.setdefault(case_id, {"id": case_id})
            self._cells[case_id] = self._render(data)

    # ------------------------------------------------------------ Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return QCoreApplication.translate("QueueModel", COLUMNS[section][1])
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CELL_FLAGS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        # Called for every visible cell and role at every paint: keep it to lookups.
        if role not in _ROLES:
            return None
        r = index.row()
        c = index.column()
        ids = self._ids
        if r < 0 or r >= len(ids) or c < 0 or c >= _NCOLUMNS:
            return None
        case_id = ids[r]
        if role == _CASE_ID:
            return case_id
        if c == CLOCK_COLUMN and role != _SYNC_MARK:
            clock = self._clocks.get(case_id)
            if clock is None:
                clock = self._clock_cell(r)
            return clock[role]
        cells = self._cells.get(case_id)
        if cells is None:
            cells = self._row_cells(r)
        return cells[role][c]

    def _row_cells(self, row: int) -> dict[int, tuple]:
        case_id = self._ids[row]
        cells = self._cells.get(case_id)
        if cells is None:
            # Reading the block renders the whole block, so this is rare.
            data = self.row_data(row) or {"id": case_id}
            cells = self._cells.get(case_id) or self._render(data)
            self._cells[case_id] = cells
        return cells

    def _render(self, row: dict) -> dict[int, tuple]:
        display = tuple("" if key == "clock" else self._display(key, row) for key, _, _ in COLUMNS)
        # Titles and services are citizens' and the server's words: plain text even as a tooltip.
        tips = tuple(text.tooltip(value) if c in _TIP_COLUMNS else None for c, value in enumerate(display))
        return {_DISPLAY: display, _TOOLTIP: tips, _FOREGROUND: _NO_VALUES,
                _CLOCK_STATE: _NO_VALUES, _SYNC_MARK: (_sync_mark(row),) * _NCOLUMNS}

    def _clock_cell(self, row: int) -> dict[int, Any]:
        data = self.row_data(row) or {"id": self._ids[row]}
        clock_text, state, provisional = self.formatter.row_clock(data, self.now)
        full_text = self.formatter.row_clock(data, self.now, full=True)[0]
        if not clock_text and self.case_lookup is not None:
            # No clock runs: say what stopped the last one and when.
            clock_text = full_text = self.formatter.stopped_text(self.case_lookup(self._ids[row]))
        if provisional and clock_text:
            clock_text += " " + QCoreApplication.translate("QueueModel", "(provisional)")
            full_text += " " + QCoreApplication.translate("QueueModel", "(provisional)")
        tip = (full_text + "\n" + text.format_local(data.get("next_due_at"), self.formatter.zone)).strip()
        cell = {_DISPLAY: clock_text, _TOOLTIP: tip, _FOREGROUND: _STATE_BRUSHES.get(state),
                _CLOCK_STATE: state}
        self._clocks[self._ids[row]] = cell
        return cell

    def _display(self, key: str, row: dict) -> str:
        if key == "number":
            return row.get("number", "")
        if key == "kind":
            return text.kind_label(row.get("kind"), getattr(self, "reference", None))
        if key == "service":
            return self.service_names.get(row.get("service_item_id") or "", row.get("category") or "")
        if key == "title":
            # One line in a table: the title is plain text and may contain newlines.
            # Numbers and the citizen's name in it are masked, as in the CLI's list.
            return " ".join(mask_text(str(row.get("title") or ""), [str(row.get("citizen_name") or "")]).split())
        if key == "citizen":
            name = mask_name(row.get("citizen_name") or "")
            phone = mask_phone(row.get("citizen_phone") or "")
            return f"{name} {phone}".strip()
        if key == "received":
            return text.format_local(row.get("received_at"), self.formatter.zone)
        if key == "status":
            return text.label("Status", row.get("status"))
        if key == "assignee":
            assignee = row.get("assignee_id")
            if not assignee:
                return QCoreApplication.translate("QueueModel", "Unclaimed")
            return self.officer_names.get(assignee, assignee)
        if key == "sync":
            mark = _sync_mark(row)
            if mark == "conflict":
                return QCoreApplication.translate("QueueModel", "Conflict")
            if mark == "pending":
                return QCoreApplication.translate("QueueModel", "Not sent")
            return ""
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self.requery is None or COLUMNS[column][2] is None:
            return
        self.sort_column, self.sort_order = column, order
        ids = self.requery(COLUMNS[column][2], order == Qt.SortOrder.DescendingOrder)
        if ids is not None:
            self.show_ids(ids)


def _sync_mark(row: dict) -> str:
    if row.get("conflicts"):
        return "conflict"
    if row.get("pending_ops"):
        return "pending"
    return ""
