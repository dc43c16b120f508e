"""Table models of the supervisor view: small read-only tables of already computed rows
(desk.supervision does the work off the GUI thread; these only show the result)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ui.text import tooltip

CaseIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


class RowsModel(QAbstractTableModel):
    """Rows of display texts; each row may carry a case id and per-cell sort keys."""

    def __init__(self, headers: Sequence[str] = (), parent=None):
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[list[str]] = []
        self._case_ids: list[str | None] = []
        self._keys: list[list[Any]] = []

    def set_headers(self, headers: Sequence[str]) -> None:
        self._headers = list(headers)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, len(self._headers) - 1))

    def set_rows(self, rows: Sequence[Sequence[str]], case_ids: Sequence[str | None] | None = None,
                 keys: Sequence[Sequence[Any]] | None = None) -> None:
        self.beginResetModel()
        self._rows = [list(r) for r in rows]
        self._case_ids = list(case_ids) if case_ids is not None else [None] * len(self._rows)
        self._keys = [list(k) for k in keys] if keys is not None else [list(r) for r in self._rows]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if index.column() >= len(row):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            # Cells hold titles, names and rating comments: never rendered as markup.
            return tooltip(row[index.column()])
        if role == CaseIdRole:
            return self._case_ids[index.row()]
        if role == SortRole:
            return self._keys[index.row()][index.column()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def texts(self) -> list[list[str]]:
        return [list(r) for r in self._rows]

    def case_id(self, row: int) -> str | None:
        return self._case_ids[row] if 0 <= row < len(self._case_ids) else None
