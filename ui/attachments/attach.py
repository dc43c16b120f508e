"""The files an officer attaches to a reply, note or callback: an "Attach files…" button,
drag and drop onto the composer or the dialog, one row per file with a remove button.

Each file is checked with `Actions.check_attachment` (size, type sniffed from the bytes,
count, against the server's `limits`) before it joins the list; a refused file is named
with the reason and never queued. The action gets the paths (`attachments=[...]`) and puts
the bytes into the encrypted cache with the op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.actions import ActionRefused
from ui import text
from ui.attachments.files import size_text
from ui.refusals import refusal_text

Check = Callable[[Path, str], Any]


def local_files(mime) -> list[Path]:
    """The local files a drag carries (a link or text is no file)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class _DropFilter(QObject):
    """Takes file drops on a widget it watches (the composer's editor would otherwise
    paste the path as text)."""

    def __init__(self, owner: AttachList):
        super().__init__(owner)
        self.owner = owner

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self.owner.isEnabled() and local_files(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            files = local_files(event.mimeData())
            if files and self.owner.isEnabled():
                event.acceptProposedAction()
                self.owner.add_paths(files)
                return True
        return False


class AttachList(QWidget):
    sig_changed = Signal()

    def __init__(self, check: Check, parent=None):
        super().__init__(parent)
        self.check = check
        self.paths: list[Path] = []
        self._drop_filter = _DropFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.attach_button = QPushButton(self.tr("Attach &files…"))
        self.attach_button.setToolTip(self.tr("Attach files (or drop them here)"))
        self.attach_button.clicked.connect(self._choose)
        top.addWidget(self.attach_button)
        self.error = QLabel()
        self.error.setObjectName("warning")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        top.addWidget(self.error, 1)
        layout.addLayout(top)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(0)
        layout.addLayout(self.rows)
        self.row_widgets: list[QWidget] = []
        self.accept_drops_on(self)

    def accept_drops_on(self, widget: QWidget) -> None:
        widget.setAcceptDrops(True)
        widget.installEventFilter(self._drop_filter)

    def ask_files(self) -> list[str]:
        """The file picker. Tests replace it."""
        paths, _filter = QFileDialog.getOpenFileNames(self.window(), self.tr("Attach files"))
        return paths

    def _choose(self) -> None:
        self.add_paths(Path(p) for p in self.ask_files())

    def add_paths(self, paths: Iterable[Path]) -> None:
        problems = []
        for path in paths:
            path = Path(path)
            if path in self.paths:
                continue
            try:
                self.check(path, path.name)
            except ActionRefused as exc:
                problems.append(self.tr("%1: %2").replace("%1", text.one_line(path.name))
                                .replace("%2", refusal_text(exc)))
                continue
            except OSError:
                problems.append(self.tr("%1: the file cannot be read.").replace("%1", text.one_line(path.name)))
                continue
            self.paths.append(path)
        self.error.setText(" ".join(problems))
        self._render()

    def remove(self, path: Path) -> None:
        if path in self.paths:
            self.paths.remove(path)
            self._render()

    def set_paths(self, paths: Iterable[Path]) -> None:
        self.paths = list(paths)
        self.error.clear()
        self._render()

    def clear(self) -> None:
        self.set_paths([])

    def _render(self) -> None:
        for widget in self.row_widgets:
            self.rows.removeWidget(widget)
            widget.deleteLater()
        self.row_widgets = []
        for path in self.paths:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            try:
                size = size_text(path.stat().st_size)
            except OSError:
                size = "?"
            label = QLabel()
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(f"{text.one_line(path.name)}  ({size})")
            label.setToolTip(text.tooltip(str(path)) or "")
            line.addWidget(label, 1)
            remove = QToolButton()
            remove.setText(self.tr("Remove"))
            remove.setAccessibleName(self.tr("Remove %1").replace("%1", text.one_line(path.name)))
            remove.clicked.connect(lambda _=False, p=path: self.remove(p))
            line.addWidget(remove)
            self.rows.addWidget(row)
            self.row_widgets.append(row)
        self.sig_changed.emit()
