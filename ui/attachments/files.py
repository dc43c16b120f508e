"""A case's files in the case pane: name, type, size, the entry each came with and
whether its bytes are in the encrypted cache; Enter or a double-click opens one in the
viewer, "Save as…" writes a copy where the officer chooses (after saying it leaves the
encrypted cache) through `Actions.save_attachment`, which records the reveal.

The list is the store's `case_files(case_id)` (the server's files with their cached flag,
and the officer's own files still queued); the bytes are `file_bytes(sha256)`, read on the
task runner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import text
from ui.attachments.viewer import AttachmentViewer

FileRole = Qt.ItemDataRole.UserRole + 1

TYPE_WORDS = {
    "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP",
    "application/pdf": "PDF", "text/plain": "Text",
}


def case_files(store: Any, case: Mapping[str, Any]) -> list[Any]:
    """The case's files as the store knows them (desk.store.CachedFile: the server's
    list with what is cached, and the officer's own files on their way up)."""
    return list(store.case_files(case["id"]))


def size_text(size: int) -> str:
    # "2.0 KB" as officers read sizes everywhere else, not "2.0 KiB".
    return QLocale().formattedDataSize(max(0, int(size)), 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def type_text(content_type: str) -> str:
    word = TYPE_WORDS.get((content_type or "").lower())
    if word == "Text":
        return QCoreApplication.translate("FilesPanel", "Text")
    return word or (content_type or "?")


class FilesPanel(QWidget):
    # (case id, attachment id or sha256, destination path): the window saves it out.
    sig_save_requested = Signal(str, str, str)

    COLUMNS = ("name", "type", "size", "came_with", "state")

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.case: Mapping[str, Any] | None = None
        self.files: list[Any] = []
        self.viewer: AttachmentViewer | None = None
        self._shown: tuple | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.heading)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.setAccessibleName(self.tr("Files of the case"))
        self.tree.setHeaderLabels([self.tr("Name"), self.tr("Type"), self.tr("Size"),
                                   self.tr("Came with"), self.tr("State")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.itemActivated.connect(lambda item, _col: self.open_file(item.data(0, FileRole)))
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setObjectName("entryMeta")
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.clicked.connect(lambda: self.open_file(self.current()))
        self.save_button = QPushButton(self.tr("Save as…"))
        self.save_button.setToolTip(self.tr("Save a copy outside the encrypted cache (recorded)"))
        self.save_button.clicked.connect(lambda: self.save_file(self.current()))
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.hide()

    # ------------------------------------------------------------ the list

    def set_case(self, case: Mapping[str, Any] | None) -> None:
        if case is None or (self.case or {}).get("id") != case.get("id"):
            self.message.clear()
        self.case = case
        files = case_files(self.context.store, case) if case is not None else []
        entries = {e.get("id"): e for e in (case or {}).get("entries", []) if isinstance(e, Mapping)}
        shown = ((case or {}).get("id"), (case or {}).get("received_at"), tuple(files),
                 tuple(repr(entries.get(f.entry_id)) for f in files))
        if shown == self._shown or (not files and not self.files and self.isHidden()):
            # Every sync redraws the case; a list that did not change is left alone, with
            # the officer's selection in it and no relayout of the pane.
            return
        self._shown = shown
        self.files = files
        self.tree.clear()
        for f in self.files:
            item = QTreeWidgetItem([text.one_line(f.name), type_text(f.content_type), size_text(f.size),
                                    self._came_with(f, entries), self._state(f)])
            item.setData(0, FileRole, f)
            # Names are the citizen's: a tooltip would render markup, so it is escaped.
            for column in range(len(self.COLUMNS)):
                item.setToolTip(column, text.tooltip(item.text(column)) or "")
            self.tree.addTopLevelItem(item)
        for column in range(1, len(self.COLUMNS)):
            self.tree.resizeColumnToContents(column)
        rows = len(self.files)
        self.heading.setText(self.tr("Files (%n)", "", rows))
        # The list takes the rows it has, up to six, inside the pane's scrolling timeline.
        row_height = self.tree.sizeHintForRow(0) if rows else 20
        self.tree.setFixedHeight(self.tree.header().sizeHint().height() + max(1, min(rows, 6)) * max(row_height, 18) + 6)
        first = self.tree.topLevelItem(0)
        if first is not None and self.tree.currentItem() is None:
            self.tree.setCurrentItem(first)
        self.setVisible(rows > 0)
        self._update_buttons()

    def _came_with(self, f: Any, entries: Mapping[Any, Mapping[str, Any]]) -> str:
        zone = self.context.formatter.zone
        if f.direction == "out" and f.attachment_id is None:
            return self.tr("Yours, not sent yet")
        entry = entries.get(f.entry_id) if f.entry_id else None
        if entry is None:
            if f.entry_id:
                return self.tr("An entry not in the cache")
            return self.tr("The request · %1").replace("%1", text.format_local((self.case or {}).get("received_at"), zone))
        if entry.get("type") == "citizen_message":
            who = self.tr("citizen")
        else:
            who = entry.get("author_name") or self.context.officer_name(entry.get("author_id")) or "-"
        return (self.tr("%1 · %2 · %3").replace("%1", text.label("Entry", entry.get("type")))
                .replace("%2", text.one_line(who)).replace("%3", text.format_local(entry.get("performed_at"), zone)))

    def _state(self, f: Any) -> str:
        if f.direction == "out" and f.uploaded < f.size:
            percent = int(100 * f.uploaded / f.size) if f.size else 0
            return self.tr("Uploading: %1%").replace("%1", str(percent)) if f.uploaded else self.tr("Waiting to upload")
        return self.tr("In the cache") if f.cached else self.tr("Not downloaded yet")

    def current(self) -> Any:
        item = self.tree.currentItem()
        return item.data(0, FileRole) if item is not None else None

    def _update_buttons(self) -> None:
        f = self.current()
        self.open_button.setEnabled(f is not None)
        self.save_button.setEnabled(f is not None and bool(f.cached))

    # ------------------------------------------------------------ opening

    def _not_cached(self) -> None:
        self.message.setText(self.tr("This file is not downloaded yet. It is downloaded with the "
                                     "next sync while the server can be reached."))

    def open_file(self, f: Any) -> None:
        if f is None:
            return
        if not f.cached:
            self._not_cached()
            return
        store = self.context.store
        self.message.setText(self.tr("Opening…"))
        self.context.runner.run(lambda: store.file_bytes(f.sha256),
                                lambda data: self._show(f, data),
                                lambda _error: self.message.setText(self.tr("The file could not be read from the cache.")))

    def _show(self, f: Any, data: bytes | None) -> None:
        if data is None:
            self._not_cached()
            return
        self.message.clear()
        if self.viewer is not None:
            self.viewer.close()
        viewer = AttachmentViewer(data, f.name, f.content_type, self.window(),
                                  on_save=lambda: self.save_file(f))
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.destroyed.connect(lambda *_: self._viewer_gone(viewer))
        self.viewer = viewer
        viewer.show()

    def _viewer_gone(self, viewer) -> None:
        if self.viewer is viewer:
            self.viewer = None

    # ------------------------------------------------------------ saving out

    def save_file(self, f: Any) -> None:
        if f is None or self.case is None:
            return
        if not f.cached:
            self._not_cached()
            return
        if not self.confirm_leave(f.name):
            return
        dest = self.ask_path(f.name)
        if not dest:
            return
        self.sig_save_requested.emit(str(self.case["id"]), str(f.attachment_id or f.sha256), dest)
        self.message.setText(self.tr("Saving a copy of %1 …").replace("%1", text.one_line(f.name)))

    def confirm_leave(self, name: str) -> bool:
        """Says first that the copy leaves the encrypted cache. Tests replace it."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Save a copy"),
                          self.tr("The copy of “%1” is saved outside the encrypted cache, as an ordinary "
                                  "file anyone with access to that folder can read. Saving it is recorded "
                                  "in the case. Continue?").replace("%1", text.one_line(name)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window())
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.exec()
        return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)

    def ask_path(self, name: str) -> str | None:
        """Where to write the copy. Tests replace it."""
        safe = "".join(c for c in text.one_line(name) if c not in '/\\:*?"<>|') or "attachment"
        path, _filter = QFileDialog.getSaveFileName(self.window(), self.tr("Save as…"), safe)
        return path or None

    def saved(self, dest: str) -> None:
        self.message.setText(self.tr("Saved a copy to %1").replace("%1", text.one_line(dest)))
