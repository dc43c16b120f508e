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
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
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

from desk.actions import ActionRefused
from desk.store.outbox import EDITABLE, NEVER_WITHDRAWN, SENT
from ui import text
from ui.refusals import refusal_text
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


class EditDialog(QDialog):
    """The text of a queued reply, note, callback record or urge, to change before it
    leaves."""

    def __init__(self, item, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit unsent %1").replace("%1", text.label("Op", item.type)))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Case %1. The new text replaces the old one; "
                                        "nothing has been sent yet.").replace(
                                            "%1", item.case_number or item.case_id)))
        self.editor = QPlainTextEdit()
        self.editor.setPlainText(str(item.payload.get("body") or ""))
        layout.addWidget(self.editor)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, 260)

    def text(self) -> str:
        return self.editor.toPlainText()


class OutboxView(QWidget):
    """The unsent work. An op that never left this computer can be edited (its text) or
    withdrawn, after a confirmation; one that was sent and whose answer is pending
    cannot (the server may already have applied it), and the view says so."""

    sig_open_case = Signal(str)
    # What an edit or withdraw changed in the store (desk.store.Changes), for the
    # window's apply_changes.
    sig_changed = Signal(object)

    def __init__(self, store, actions=None, runner=None, parent=None):
        super().__init__(parent)
        self.store = store
        self.actions = actions
        self.runner = runner
        # The dialog open now (the edit dialog or the withdraw confirmation), for tests.
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        layout.addWidget(self.heading)
        self.model = ItemsModel(OUTBOX_COLUMNS, self)
        self.table = _table(self.model)
        self.table.doubleClicked.connect(self._open)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.table)
        self.why = QLabel()
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setWordWrap(True)
        layout.addWidget(self.why)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton(icon("note"), self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit_current)
        self.withdraw_button = QPushButton(icon("decline"), self.tr("&Withdraw…"))
        self.withdraw_button.clicked.connect(self.withdraw_current)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
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
        self._update_buttons()

    def refresh(self) -> None:
        current = self.current()
        items = self.store.outbox()
        self.model.set_items(items)
        self.heading.setText(self.tr("%n action(s) waiting to be sent.", "", len(items)) if items
                             else self.tr("Everything has been sent."))
        if items:
            row = 0
            if current is not None:
                row = next((i for i, it in enumerate(items) if it.op_id == current.op_id), 0)
            self.table.selectRow(row)
        self._update_buttons()
        self._refresh_uploads()

    def current(self):
        index = self.table.currentIndex()
        return self.model.data(self.model.index(index.row(), 0), ItemRole) if index.isValid() else None

    # ------------------------------------------------------------ what may be done

    def edit_refusal(self, item) -> str:
        """Why this op cannot be edited, or "" when it can."""
        if item.state == SENT:
            return self._sent_text()
        if item.type not in EDITABLE:
            return self.tr("Only the text of a reply, note, callback record or urge can be edited.")
        return ""

    def withdraw_refusal(self, item) -> str:
        if item.state == SENT:
            return self._sent_text()
        if item.type in NEVER_WITHDRAWN:
            return self.tr("A reveal records that the citizen's details were seen; it is never withdrawn.")
        return ""

    def _sent_text(self) -> str:
        return self.tr("Sent; the server's answer has not come back. It may already be applied on "
                       "the server, so it can no longer be edited or withdrawn. It is settled with "
                       "the next sync.")

    def _update_buttons(self) -> None:
        item = self.current()
        usable = item is not None and self.actions is not None
        edit_why = self.edit_refusal(item) if item is not None else ""
        withdraw_why = self.withdraw_refusal(item) if item is not None else ""
        self.edit_button.setEnabled(usable and not edit_why)
        self.withdraw_button.setEnabled(usable and not withdraw_why)
        self.edit_button.setToolTip(text.tooltip(edit_why or self.tr("Change the text before it is sent.")))
        self.withdraw_button.setToolTip(text.tooltip(
            withdraw_why or self.tr("Take this action back before it is sent.")))
        reasons = list(dict.fromkeys(r for r in (edit_why, withdraw_why) if r))
        self.why.setText(" ".join(reasons))

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        menu = self.context_menu()
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        """The row's menu: open the case, edit, withdraw (disabled, with the reason as
        the tooltip, when not possible)."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        item = self.current()
        open_action = menu.addAction(self.tr("Open the case"))
        open_action.triggered.connect(lambda: item is not None and self.sig_open_case.emit(item.case_id))
        for button, slot in ((self.edit_button, self.edit_current),
                             (self.withdraw_button, self.withdraw_current)):
            action = menu.addAction(button.icon(), button.text())
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip())
            action.triggered.connect(slot)
        return menu

    # ------------------------------------------------------------ edit and withdraw

    def edit_current(self) -> None:
        item = self.current()
        if item is None or self.actions is None or self.edit_refusal(item):
            return
        dialog = EditDialog(item, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._save_edit(item.op_id, dialog.text()))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _save_edit(self, op_id: str, text: str) -> None:
        # The text is read here, on the GUI thread, as the dialog is accepted: the task
        # runs later on a pool thread, when the closed dialog may already be deleted
        # (reading it there raised RuntimeError, and the edit was lost, on a busy machine).
        actions = self.actions
        if actions is not None:
            self._run(lambda: actions.edit_queued(op_id, text))

    def withdraw_current(self) -> None:
        item = self.current()
        if item is None or self.actions is None or self.withdraw_refusal(item):
            return
        try:
            going = self.actions.withdrawal(item.op_id)
        except ActionRefused as exc:
            self._refused(exc)
            return
        lines = [self.tr("Withdraw this %1 on case %2? It has not been sent and will not be.")
                 .replace("%1", text.label("Op", item.type)).replace("%2", item.case_number or item.case_id)]
        later = [g for g in going if g.op_id != item.op_id]
        if later:
            lines.append(self.tr("The later actions on this case were done after it and go with it:"))
            lines += ["  • " + text.label("Op", g.type) + (f": {' '.join(_payload_text(g.payload).split())}"
                                                          if _payload_text(g.payload) else "")
                      for g in later]
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Withdraw"), "\n".join(lines),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Withdraw"))
        self.dialog = box
        box.accepted.connect(lambda: self._run(lambda: self.actions.withdraw(item.op_id)))
        box.finished.connect(lambda _r: self._closed(box))
        box.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _run(self, fn: Callable[[], Any]) -> None:
        def done(changes: Any) -> None:
            self.sig_changed.emit(changes)
            self.refresh()

        def failed(error: BaseException) -> None:
            if isinstance(error, ActionRefused):
                self._refused(error)
            else:
                self.why.setText(self.tr("The change could not be saved: %1").replace(
                    "%1", type(error).__name__))
            self.refresh_keep_why()

        if self.runner is None:
            try:
                result = fn()
            except Exception as exc:  # the same path as the runner's on_error
                failed(exc)
                return
            done(result)
        else:
            # A write waits for the sync's page transaction: never on the GUI thread.
            self.runner.run(fn, done, failed)

    def refresh_keep_why(self) -> None:
        why = self.why.text()
        self.refresh()
        self.why.setText(why)

    def _refused(self, error: ActionRefused) -> None:
        if error.code == "sent":
            self.why.setText(self._sent_text())
        elif error.code == "gone":
            self.why.setText(self.tr("This action is no longer in the outbox: it was delivered, "
                                     "refused or withdrawn meanwhile."))
        else:
            self.why.setText(refusal_text(error))

    def _refresh_uploads(self) -> None:
        files = list(self.store.upload_progress())
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
