"""The Outbox (work not yet delivered) and the Conflicts (work the server refused)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import text
from ui.resources import icon

ItemRole = Qt.ItemDataRole.UserRole + 1
TRADITIONAL = QLocale.DataSizeFormat.DataSizeTraditionalFormat  # "2.0 KB", not "2.0 KiB"


def _payload_text(payload: dict) -> str:
    for name in ("body", "reason"):
        if payload.get(name):
            return str(payload[name])
    if payload.get("to"):
        return text.label("Status", payload["to"])
    if payload.get("field"):
        return text.label("Field", payload["field"])
    return ""


OUTBOX_COLUMNS = (
    ("case", QT_TRANSLATE_NOOP("OutboxModel", "Case")),
    ("type", QT_TRANSLATE_NOOP("OutboxModel", "Action")),
    ("state", QT_TRANSLATE_NOOP("OutboxModel", "State")),
    ("performed", QT_TRANSLATE_NOOP("OutboxModel", "Done at")),
    ("text", QT_TRANSLATE_NOOP("OutboxModel", "Text")),
    ("error", QT_TRANSLATE_NOOP("OutboxModel", "Last error")),
)

CONFLICT_COLUMNS = (
    ("case", QT_TRANSLATE_NOOP("OutboxModel", "Case")),
    ("type", QT_TRANSLATE_NOOP("OutboxModel", "Action")),
    ("state", QT_TRANSLATE_NOOP("OutboxModel", "State")),
    ("error", QT_TRANSLATE_NOOP("OutboxModel", "Why")),
    ("text", QT_TRANSLATE_NOOP("OutboxModel", "Text")),
)


class ItemsModel(QAbstractTableModel):
    """A short list of outbox or conflict items (they are few; no paging needed)."""

    def __init__(self, columns, parent=None):
        super().__init__(parent)
        self.columns = columns
        self.items: list[Any] = []

    def set_items(self, items: Sequence[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return QCoreApplication.translate("OutboxModel", self.columns[section][1])
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.items) or index.column() >= len(self.columns):
            return None
        item = self.items[index.row()]
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            # The same words as the cell, escaped: payloads and errors quote citizens and the server.
            return text.tooltip(self.data(index, Qt.ItemDataRole.DisplayRole))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        key = self.columns[index.column()][0]
        if key == "case":
            return item.case_number or item.case_id
        if key == "type":
            return text.label("Op", item.type)
        if key == "state":
            return text.label("OutboxState", item.state)
        if key == "performed":
            return text.format_local(item.performed_at)
        if key == "text":
            return " ".join(_payload_text(item.payload).split())
        if key == "error":
            error = item.error
            if isinstance(error, dict):
                error = " ".join(str(v) for v in (error.get("code"), error.get("detail")) if v)
            return str(error or "")
        return None


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class OutboxView(QWidget):
    sig_open_case = Signal(str)

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        layout.addWidget(self.heading)
        self.model = ItemsModel(OUTBOX_COLUMNS, self)
        self.table = _table(self.model)
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table, 3)
        # The officer's files on their way up: each op waits for its files to arrive.
        self.uploads_heading = QLabel()
        layout.addWidget(self.uploads_heading)
        self.uploads = QTreeWidget()
        self.uploads.setRootIsDecorated(False)
        self.uploads.setUniformRowHeights(True)
        self.uploads.setHeaderLabels([self.tr("File"), self.tr("Uploaded")])
        self.uploads.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.uploads.setAccessibleName(self.tr("Files being uploaded"))
        layout.addWidget(self.uploads, 1)
        self.upload_bars: list[QProgressBar] = []

    def refresh(self) -> None:
        items = self.store.outbox()
        self.model.set_items(items)
        self.heading.setText(self.tr("%n action(s) waiting to be sent.", "", len(items)) if items
                             else self.tr("Everything has been sent."))
        self._refresh_uploads()

    def _refresh_uploads(self) -> None:
        progress = getattr(self.store, "upload_progress", None)
        files = list(progress()) if progress is not None else []
        self.uploads.clear()
        self.upload_bars = []
        for f in files:
            item = QTreeWidgetItem([text.one_line(f.name), ""])
            # A file's name is the officer's or the citizen's choice: never markup.
            item.setToolTip(0, text.tooltip(f.name) or "")
            self.uploads.addTopLevelItem(item)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(int(1000 * f.uploaded / f.size) if f.size else 0)
            done = QCoreApplication.translate("OutboxView", "%1 of %2")
            locale = self.locale()
            bar.setFormat(done.replace("%1", locale.formattedDataSize(max(0, f.uploaded), 1, TRADITIONAL))
                          .replace("%2", locale.formattedDataSize(max(0, f.size), 1, TRADITIONAL)))
            bar.setTextVisible(True)
            self.uploads.setItemWidget(item, 1, bar)
            self.upload_bars.append(bar)
        self.uploads_heading.setText(self.tr("%n file(s) to upload.", "", len(files)))
        self.uploads_heading.setVisible(bool(files))
        self.uploads.setVisible(bool(files))

    def _open(self, index) -> None:
        item = self.model.data(index, ItemRole)
        if item is not None:
            self.sig_open_case.emit(item.case_id)


class ConflictsView(QWidget):
    """The officer's refused work beside the case as it is now, with the three ways out."""

    # (choice, op_id): "retry" | "note" | "discard"
    sig_resolve = Signal(str, str)
    sig_open_case = Signal(str)

    def __init__(self, store, case_text: Callable[[dict | None], str], parent=None):
        super().__init__(parent)
        self.store = store
        self.case_text = case_text
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        layout.addWidget(self.heading)
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = ItemsModel(CONFLICT_COLUMNS, self)
        self.table = _table(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.doubleClicked.connect(self._open)
        split.addWidget(self.table)
        detail = QWidget()
        dl = QHBoxLayout(detail)
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Your action:")))
        self.mine = QPlainTextEdit()
        self.mine.setReadOnly(True)
        left.addWidget(self.mine)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("The case now:")))
        self.theirs = QPlainTextEdit()
        self.theirs.setReadOnly(True)
        right.addWidget(self.theirs)
        dl.addLayout(left)
        dl.addLayout(right)
        split.addWidget(detail)
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton(icon("sync"), self.tr("&Retry on the current case"))
        self.note_button = QPushButton(icon("note"), self.tr("Turn into a &note"))
        self.discard_button = QPushButton(icon("decline"), self.tr("&Discard"))
        for button, choice in ((self.retry_button, "retry"), (self.note_button, "note"),
                               (self.discard_button, "discard")):
            button.clicked.connect(lambda _=False, c=choice: self._resolve(c))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._selected(QModelIndex(), QModelIndex())

    def refresh(self) -> None:
        current = self.current()
        items = self.store.conflicts()
        self.model.set_items(items)
        self.heading.setText(self.tr("%n action(s) could not be applied.", "", len(items)) if items
                             else self.tr("No conflicts."))
        row = 0
        if current is not None:
            row = next((i for i, it in enumerate(items) if it.op_id == current.op_id), 0)
        if items:
            self.table.selectRow(row)
        self._selected(self.table.currentIndex(), QModelIndex())

    def current(self):
        index = self.table.currentIndex()
        return self.model.data(self.model.index(index.row(), 0), ItemRole) if index.isValid() else None

    def _selected(self, current, _previous) -> None:
        item = self.model.data(self.model.index(current.row(), 0), ItemRole) if current.isValid() else None
        for button in (self.retry_button, self.note_button, self.discard_button):
            button.setEnabled(item is not None)
        if item is None:
            self.mine.clear()
            self.theirs.clear()
            return
        self.note_button.setEnabled(bool(item.payload.get("body") or item.payload.get("reason")))
        error = item.error if isinstance(item.error, dict) else {"detail": item.error}
        self.mine.setPlainText("\n".join(p for p in (
            text.label("Op", item.type),
            _payload_text(item.payload),
            self.tr("Refused: %1").replace("%1", " ".join(str(v) for v in (error.get("code"), error.get("detail")) if v)),
        ) if p))
        self.theirs.setPlainText(self.case_text(item.server_case))

    def _resolve(self, choice: str) -> None:
        item = self.current()
        if item is not None:
            self.sig_resolve.emit(choice, item.op_id)

    def _open(self, index) -> None:
        item = self.model.data(self.model.index(index.row(), 0), ItemRole)
        if item is not None:
            self.sig_open_case.emit(item.case_id)
