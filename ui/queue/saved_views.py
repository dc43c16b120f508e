"""Saved views in the left pane: an officer's named filtered queues (desk.store's
saved_views, in the encrypted cache), under the fixed queues with their live counts;
save, rename and delete; choosing one shows its queue with its filter.

The window asks this room three things: which entry names are views (`view_of`), what to
list for one (its queue and filter), and to show the views and counts a count job read.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from desk.filters import QueueFilter
from desk.store import SavedView, StoreError
from desk.store.saved_views import MAX_VIEW_NAME
from ui import text
from ui.errors import log_failure
from ui.resources import icon

log = logging.getLogger(__name__)

PREFIX = "view:"


class SavedViews(QObject):
    def __init__(self, window, *, before: str) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        self.officer_id = window.context.officer.id
        self._before = before
        self.views: dict[str, SavedView] = {}
        queue_list = window.queue_list
        queue_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        queue_list.customContextMenuRequested.connect(self._context_menu)
        # From the keyboard too: F2 renames the view chosen, Delete deletes it.
        for key, act in ((Qt.Key.Key_F2, self.rename), (Qt.Key.Key_Delete, self.delete)):
            shortcut = QShortcut(QKeySequence(key), queue_list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda act=act: self._on_current(act))

    # ------------------------------------------------------------ what the window asks

    def view_of(self, entry: str | None) -> SavedView | None:
        if entry and entry.startswith(PREFIX):
            return self.views.get(entry[len(PREFIX):])
        return None

    def show(self, views: list[SavedView], counts: dict[str, int] | None = None) -> None:
        """Make the left pane's view entries these, in this order, with these counts."""
        queue_list = self.window.queue_list
        wanted = [PREFIX + v.name for v in views]
        for entry in [e for e in queue_list.items if e.startswith(PREFIX) and e not in wanted]:
            queue_list.remove_entry(entry)
        for view, entry in zip(views, wanted, strict=True):
            if entry not in queue_list.items:
                item = queue_list.add_entry(entry, "search", text.one_line(view.name), before=self._before)
                item.setToolTip(QCoreApplication.translate("SavedViews", "Saved view of %1").replace("%1", text.label("Queue", view.queue)))
        self.views = {v.name: v for v in views}
        for name, count in (counts or {}).items():
            if PREFIX + name in queue_list.items:
                queue_list.set_count(PREFIX + name, count)

    def load(self) -> None:
        """Read the officer's views now (a small table; at start, before the last queue
        is chosen again)."""
        self.show(self.store.saved_views(self.officer_id))

    # ------------------------------------------------------------ save, rename, delete

    def ask_name(self, title: str, label: str, value: str = "") -> str | None:
        """The name the officer typed, or None when cancelled. Tests replace this."""
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(value)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        if not self.window._exec(dialog):
            return None
        return dialog.textValue()

    def save_current(self) -> None:
        """Save what the queue page shows (its queue and filter) under a name."""
        window = self.window
        current = self.view_of(window.queue_name)
        queue = current.queue if current else self.base_queue()
        refine: QueueFilter = window.queue_pane.filter_bar.filter
        name = self.ask_name(QCoreApplication.translate("SavedViews", "Save view"),
                             QCoreApplication.translate("SavedViews", "Name of the view (at most %1 characters):").replace("%1", str(MAX_VIEW_NAME)),
                             current.name if current else "")
        if name is None or not name.strip():
            return
        store, officer_id = self.store, self.officer_id
        self._run(lambda: store.save_view(officer_id, name, queue, refine),
                  lambda saved: self._reload(select=saved.name))

    def base_queue(self) -> str:
        """The fixed queue the page shows (a search is saved over the station's or the
        officer's own cases: the widest queue they have)."""
        window = self.window
        if window.queue_name in self.window.queue_items and not window.queue_name.startswith(PREFIX) \
                and window.queue_name not in window._pages:
            return window.queue_name
        return "station" if window.actor.is_supervisor else "mine"

    def rename(self, name: str, new: str | None = None) -> None:
        if new is None:
            new = self.ask_name(QCoreApplication.translate("SavedViews", "Rename view"), QCoreApplication.translate("SavedViews", "New name of the view:"), name)
        if new is None or not new.strip():
            return
        store, officer_id = self.store, self.officer_id
        was_shown = self.window.queue_name == PREFIX + name
        self._run(lambda: store.rename_view(officer_id, name, new),
                  lambda renamed: self._reload(select=renamed if was_shown else None))

    def delete(self, name: str, *, confirmed: bool = False) -> None:
        if not confirmed and not self.window.ask_yes_no(
                QCoreApplication.translate("SavedViews", "Delete view"), QCoreApplication.translate("SavedViews", "Delete the saved view “%1”? The cases stay as they are.")
                .replace("%1", text.one_line(name))):
            return
        store, officer_id = self.store, self.officer_id
        was_shown = self.window.queue_name == PREFIX + name

        def done(_result) -> None:
            if was_shown:
                self.window.queue_list.setCurrentItem(self.window.queue_items["mine"])
            self._reload()

        self._run(lambda: store.delete_view(officer_id, name), done)

    def _reload(self, select: str | None = None) -> None:
        def read():
            return self.store.saved_views(self.officer_id)

        def shown(views: list[SavedView]) -> None:
            if self.window.closed:
                return
            self.show(views)
            if select is not None and PREFIX + select in self.window.queue_items:
                self.window.queue_list.setCurrentItem(self.window.queue_items[PREFIX + select])
            self.window._count()

        self.window.runner.run(read, shown, self._failed)

    def _run(self, job, done) -> None:
        self.window.runner.run(job, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, StoreError):
            # A taken or empty name: the store's message says which (no case data in it).
            self.window.statusBar().showMessage(
                QCoreApplication.translate("SavedViews", "The view could not be saved: %1").replace("%1", str(error)), 15000)
            return
        log_failure(log, "saving a view", error)
        self.window.status.show_unreadable(error)

    # ------------------------------------------------------------ the left pane's menu

    def _on_current(self, act) -> None:
        view = self.view_of(self.window.queue_name)
        if view is not None:
            act(view.name)

    def _context_menu(self, pos) -> None:
        item = self.window.queue_list.itemAt(pos)
        view = self.view_of(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
        if view is None:
            return
        menu = QMenu(self.window.queue_list)
        menu.addAction(icon("note"), QCoreApplication.translate("SavedViews", "Rename…"), lambda: self.rename(view.name))
        menu.addAction(QCoreApplication.translate("SavedViews", "Delete…"), lambda: self.delete(view.name))
        menu.exec(self.window.queue_list.viewport().mapToGlobal(pos))
