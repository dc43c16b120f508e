"""The 帮助 (Help) menu and the queue keys (issue 14).

- Ctrl+1 … Ctrl+9 choose the 1st … 9th entry of the left pane, counted over the rows
  the pane holds when the key is pressed (QueueList.entry_at), so saved views or pages
  added there get the next numbers without this module knowing them.
- "Keyboard shortcuts" lists every shortcut of the window, read from its QActions,
  QShortcuts and buttons' Alt+letter keys when the dialog opens: nothing to keep in step.
- "About Desk" shows the version, the server and the profile folder.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import desk

NATIVE = QKeySequence.SequenceFormat.NativeText


def _plain(caption: str) -> str:
    """A menu caption as words: no mnemonic ampersand, no trailing ellipsis."""
    return caption.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(sequences) -> str:
    return ", ".join(k.toString(NATIVE) for k in sequences if not k.isEmpty())


def _describe_shortcut(shortcut: QShortcut, buttons: list[QAbstractButton]) -> str:
    if shortcut.whatsThis():
        return shortcut.whatsThis()
    # The case pane's keys stand beside buttons whose tooltips name them ("Claim (Ctrl+Shift+L)").
    portable = shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
    for button in buttons:
        tip = button.toolTip()
        if portable and f"({portable})" in tip:
            return _plain(tip.replace(f"({portable})", ""))
    parent = shortcut.parent()
    if isinstance(parent, QWidget):
        return parent.accessibleName() or parent.toolTip() or parent.objectName()
    return ""


def gather_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every shortcut of the window, as it is now."""
    rows: list[tuple[str, str]] = []
    buttons = window.findChildren(QAbstractButton)
    for action in window.findChildren(QAction):
        keys = _keys(action.shortcuts())
        if keys:
            rows.append((keys, _plain(action.text()) or action.toolTip()))
    for shortcut in window.findChildren(QShortcut):
        keys = _keys([shortcut.key()])
        if keys:
            rows.append((keys, _describe_shortcut(shortcut, buttons)))
    for button in buttons:
        keys = _keys([button.shortcut()])
        if keys:
            rows.append((keys, _plain(button.text())))
    return sorted(dict.fromkeys(rows), key=lambda row: (row[1].casefold(), row[0]))


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        # Captions come from the program, but a table item is plain text anyway.
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels([self.tr("Does"), self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (keys, what) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.setMinimumSize(560, 480)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)

    def listed(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 1).text(), self.table.item(r, 0).text())
                for r in range(self.table.rowCount())]


class HelpHook(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.queue_actions: list[QAction] = []
        for n in range(1, 10):
            action = QAction(self.tr("Go to entry %1 of the left pane").replace("%1", str(n)), window)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.triggered.connect(lambda _=False, k=n: self.go_to(k))
            window.addAction(action)
            self.queue_actions.append(action)
        menu = window.menuBar().addMenu(self.tr("&Help"))
        self.menu = menu
        self.shortcuts_action = menu.addAction(self.tr("&Keyboard shortcuts…"))
        self.shortcuts_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.about_action = menu.addAction(self.tr("&About Desk…"))
        self.about_action.triggered.connect(self.show_about)

    def go_to(self, n: int) -> None:
        window = self.window
        if window.locked:
            return
        item = window.queue_list.entry_at(n)
        if item is not None:
            window.queue_list.setCurrentItem(item)

    def show_shortcuts(self) -> None:
        self.window._exec(ShortcutsDialog(gather_shortcuts(self.window), self.window))

    def about_text(self) -> str:
        profile = self.window.context.session.profile
        config = getattr(profile, "config", None)
        server = getattr(config, "server_url", "") or ""
        return "\n".join([
            self.tr("Desk %1").replace("%1", desk.__version__),
            self.tr("Server: %1").replace("%1", server or self.tr("(not set)")),
            self.tr("Profile folder: %1").replace("%1", str(profile.path)),
        ])

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About Desk"), self.about_text(),
                          QMessageBox.StandardButton.Ok, self.window)
        # A server URL or a folder name is shown as it is, never as markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        self.window._exec(box)


def install(window) -> HelpHook:
    return HelpHook(window)



