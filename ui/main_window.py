"""The officer's main window: queues on the left, the queue table, the case pane, and a
status bar that says plainly whether we are online.

The rooms: ui/queue/pane.py (the queue list and the table page), ui/status_bar.py,
ui/actions/controller.py (an op type -> its handler). The window puts them together,
keeps the pages of the middle pane (a feature adds one with `add_page`, a line above the
queue with `add_above_queue`), and refreshes what changed (`apply_changes`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QWidget,
)

from desk import queues
from desk.api import ApiError
from ui import help as help_hook
from ui import settings as desk_settings
from ui import text
from ui.actions.controller import ActionController
from ui.bulk.controller import BulkController
from ui.case.view import CasePane
from ui.clockfmt import utcnow
from ui.drafts import Drafts
from ui.errors import log_bug, log_failure
from ui.lock import IdleWatcher, LockScreen
from ui.menus import CaseMenus
from ui.outbox.view import ConflictsView, OutboxView
from ui.paper import hook as paper_hook
from ui.queue.pane import QueueList, QueuePane
from ui.queue.saved_views import SavedViews
from ui.resources import icon
from ui.status_bar import StatusBar
from ui.supervisor import hook as supervision_hook

log = logging.getLogger(__name__)

OUTBOX, CONFLICTS = "outbox", "conflicts"
TICK_MS = 30_000


class MainWindow(QMainWindow):
    sig_refreshed = Signal()           # queue ids, counts and views are up to date
    sig_listed = Signal()              # the chosen queue's rows are shown (counts may follow)
    sig_logout_requested = Signal(bool)  # wipe
    sig_locked_changed = Signal(bool)

    def __init__(self, context, bridge, *, offline: bool = False, parent=None):
        super().__init__(parent)
        self.context = context
        self.bridge = bridge
        self.store = context.store
        self.actor = context.actor
        self.runner = context.runner
        self.drafts = Drafts(self.store, self.runner, self)
        self.queue_name = "mine"
        self._known_mine: set[str] | None = None
        self._known_due_soon: set[str] | None = None
        self._known_conflicts: int | None = None
        # What the next listing re-reads: the rows of these cases (None: every row), the
        # case pane and the shown page. Gathered until a listing ends, because a listing
        # asked for while one runs is coalesced into one (TaskRunner key).
        self._stale_rows: set[str] | None = None
        self._stale_case = True
        self._stale_page = True
        self.locked = False
        self.closed = False
        self.online_state = "offline" if offline else "connecting"
        self.notifications: list[tuple[str, str]] = []
        # Pages of the middle pane by their left-pane name: (widget, what showing it does).
        self._pages: dict[str, tuple[QWidget, Callable[[], None] | None]] = {}
        self._start_page = "mine"

        self._update_title()
        self.setWindowIcon(icon("app"))
        self._build_menus()

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.workspace = QWidget()
        self.stack.addWidget(self.workspace)
        self.lock_screen = LockScreen(self.runner, context.session.profile, context.officer.name)
        self.lock_screen.sig_unlocked.connect(self.unlock)
        self.stack.addWidget(self.lock_screen)

        layout = QHBoxLayout(self.workspace)
        layout.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        layout.addWidget(self.splitter)

        # Left: the queues with live counts, then the pages (Outbox, Conflicts...).
        self.queue_list = QueueList(self.actor.is_supervisor)
        self.queue_items = self.queue_list.items
        self.queue_list.currentItemChanged.connect(self._queue_chosen)
        self.splitter.addWidget(self.queue_list)

        # Middle: the queue page (search + table) or another page.
        self.middle = QStackedWidget()
        self.queue_pane = QueuePane(self.store.rows, self.store.case)
        self.queue_pane.sig_search.connect(self._search)
        self.queue_pane.sig_case_chosen.connect(self.open_case)
        self.search_edit = self.queue_pane.search_edit
        self.search_result = self.queue_pane.search_result
        self.model = self.queue_pane.model
        self.model.requery = self._requery
        self.table = self.queue_pane.table
        self.middle.addWidget(self.queue_pane)
        self.outbox_view = OutboxView(self.store, context.actions, self.runner)
        self.outbox_view.sig_open_case.connect(self.open_case)
        self.outbox_view.sig_changed.connect(self.apply_changes)
        self.add_page(OUTBOX, self.outbox_view, icon_name="outbox", caption=self.tr("Outbox"),
                      on_show=self.outbox_view.refresh)
        self.conflicts_view = ConflictsView(self.store, self._case_summary)
        self.conflicts_view.sig_open_case.connect(self.open_case)
        self.add_page(CONFLICTS, self.conflicts_view, icon_name="conflict", caption=self.tr("Conflicts"),
                      on_show=self.conflicts_view.refresh)
        self.splitter.addWidget(self.middle)
        # Saved views (issue 14): under the fixed queues, above the pages.
        self.saved_views = SavedViews(self, before=OUTBOX)
        self.saved_views.load()
        self.filter_bar = self.queue_pane.filter_bar
        self.filter_bar.sig_changed.connect(lambda _f: self.refresh())
        self.filter_bar.sig_save_requested.connect(self.saved_views.save_current)
        self.queue_pane.offered_values = self._offered_values
        self._cache_values: dict[str, list[str]] = {}
        self._read_filter_values()

        # Right: the case.
        self.case_pane = CasePane(context, self.drafts)
        self.controller = ActionController(self)
        self.case_pane.sig_action_requested.connect(self.controller.request_action)
        self.case_pane.sig_send_requested.connect(self.controller.send_text)
        self.case_pane.sig_reveal_requested.connect(self.controller.reveal)
        self.case_pane.related.sig_open_case.connect(self.open_case)
        self.case_pane.sig_save_attachment_requested.connect(self.controller.save_attachment)
        self.conflicts_view.sig_resolve.connect(self.controller.resolve_conflict)
        self.splitter.addWidget(self.case_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        context.sig_reference_changed.connect(self._reference_changed)

        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status.sync_button.clicked.connect(self.sync_now)
        self.state_label = self.status.state_label
        self.outbox_label = self.status.outbox_label
        self._build_tray()

        self.tick_timer = QTimer(self)
        self.tick_timer.timeout.connect(self._tick)
        self.tick_timer.start(TICK_MS)

        self.idle = IdleWatcher(desk_settings.idle_minutes(), self)
        self.idle.sig_idle.connect(self.lock)
        self.idle.watch(QCoreApplication.instance())

        bridge.sig_state.connect(self._sync_state)
        bridge.sig_report.connect(self._sync_report)
        bridge.sig_progress.connect(self._sync_progress)
        context.actions.listeners.append(bridge.poke)

        # Supervision (issue 5): the supervisor view, "my commitments", clock warnings.
        self.supervision = supervision_hook.install(self)
        # Paper and time (issue 14): the case sheet, callback reminders.
        self.paper = paper_hook.install(self)
        # Issue 14: many cases at once, context menus, Ctrl+1…9 and the Help menu (last).
        self.bulk = BulkController(self)
        self.menus = CaseMenus(self)
        self.help = help_hook.install(self)

        self._restore_state()
        self._reference_changed()
        self._update_status()

    # ------------------------------------------------------------ the seams

    def add_page(self, name: str, widget: QWidget, *, icon_name: str, caption: str,
                 on_show: Callable[[], None] | None = None, before: str | None = None,
                 start_here: bool = False) -> None:
        """A page of the middle pane with its entry in the left pane (above `before`'s);
        `on_show` runs each time the officer opens it. `start_here`: the page a first
        start opens (a chief's day starts at the station's review)."""
        self.middle.addWidget(widget)
        self.queue_list.add_entry(name, icon_name, caption, before=before)
        self._pages[name] = (widget, on_show)
        if start_here:
            self._start_page = name

    def add_above_queue(self, widget: QWidget) -> None:
        """A line shown above the queue table, on the queue page only."""
        self.queue_pane.add_header(widget)

    # ------------------------------------------------------------ building

    def _build_menus(self) -> None:
        bar = self.menuBar()
        desk_menu = bar.addMenu(self.tr("&Desk"))
        self.sync_action = QAction(icon("sync"), self.tr("&Sync now"), self)
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(self.sync_now)
        desk_menu.addAction(self.sync_action)
        self.lock_action = QAction(icon("lock"), self.tr("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        desk_menu.addAction(self.lock_action)
        idle_action = QAction(self.tr("Lock &after…"), self)
        idle_action.triggered.connect(self._ask_idle_minutes)
        desk_menu.addAction(idle_action)
        language_menu = desk_menu.addMenu(self.tr("&Language"))
        # The saved choice is ticked; `--lang` changes one run and is not saved.
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        chosen = desk_settings.language("zh_CN")
        for code, caption in (("zh_CN", "简体中文"), ("en", "English")):
            action = QAction(caption, self)
            action.setCheckable(True)
            action.setChecked(code == chosen)
            group.addAction(action)
            action.triggered.connect(lambda _=False, c=code: self._set_language(c))
            language_menu.addAction(action)
            self.language_actions[code] = action
        desk_menu.addSeparator()
        logout_action = QAction(icon("logout"), self.tr("Log &out…"), self)
        logout_action.triggered.connect(self.ask_logout)
        desk_menu.addAction(logout_action)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        desk_menu.addAction(quit_action)
        find_action = QAction(self.tr("Find"), self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(lambda: self.search_edit.setFocus())
        self.addAction(find_action)

    def _build_tray(self) -> None:
        self.tray = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip(self.tr("Desk"))
            self.tray.activated.connect(lambda _reason: (self.showNormal(), self.activateWindow()))
            self.tray.show()

    def notify(self, title: str, message: str) -> None:
        """Tray notification; kept in a list too (no tray on some desktops, and tests).
        Some desktops draw a notification's body as markup, and it quotes citizens'
        titles: one line, controls removed, and no tag left to draw."""
        title = text.one_line(title)
        message = text.one_line(message).replace("<", "‹").replace(">", "›")
        self.notifications.append((title, message))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, message, icon("app"), 8000)
        else:
            # Without a tray the status bar carries it, so the warning is not lost. The
            # message says it all ("8 cases went overdue: …"); the title is the balloon's.
            self.statusBar().showMessage(message, 15000)

    # ------------------------------------------------------------ state persistence

    def _state_key(self, key: str) -> str:
        return desk_settings.officer_key(self.context.officer.id, key)

    def _restore_state(self) -> None:
        s = desk_settings.settings()
        key = self._state_key
        geometry = s.value(key("window/geometry"))
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        # Proportions for a first start; saved sizes replace them below.
        self.splitter.setSizes([180, 760, 520])
        for name, splitter in (("window/main_splitter", self.splitter),
                              ("window/case_splitter", self.case_pane.splitter)):
            value = s.value(self._state_key(name))
            if isinstance(value, QByteArray):
                splitter.restoreState(value)
        header = s.value(key("window/table_header"))
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
        else:
            self.queue_pane.default_columns()
        first = self._start_page
        last = str(s.value(key("window/last_queue"), first))
        item = self.queue_items.get(last) or self.queue_items[first]
        self.queue_list.setCurrentItem(item)

    def save_state(self) -> None:
        s = desk_settings.settings()
        key = self._state_key
        s.setValue(key("window/geometry"), self.saveGeometry())
        s.setValue(key("window/main_splitter"), self.splitter.saveState())
        s.setValue(key("window/case_splitter"), self.case_pane.splitter.saveState())
        s.setValue(key("window/table_header"), self.table.horizontalHeader().saveState())
        s.setValue(key("window/last_queue"), self.queue_name)
        s.sync()

    def closeEvent(self, event) -> None:
        self.closed = True
        self.drafts.close()
        self.save_state()
        self.idle.unwatch()
        self.tick_timer.stop()
        self.case_pane.related.stop()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)

    # ------------------------------------------------------------ queues and refresh

    def _queue_chosen(self, current, _previous) -> None:
        if current is None:
            return
        name = current.data(Qt.ItemDataRole.UserRole)
        self.queue_name = name
        if name in self._pages:
            widget, on_show = self._pages[name]
            self.middle.setCurrentWidget(widget)
            if on_show is not None:
                on_show()
            return
        self.middle.setCurrentWidget(self.queue_pane)
        self.queue_pane.clear_search()
        # A saved view brings its filter; a fixed queue starts unfiltered.
        view = self.saved_views.view_of(name)
        self.filter_bar.set_filter(view.filter if view else queues.QueueFilter())
        self.refresh()

    @property
    def search_text(self) -> str:
        return self.queue_pane.search_text

    def _requery(self, _sort: str, _descending: bool) -> None:
        # The model has taken the new sort column; the listing reads it off the GUI
        # thread (a sort of 100,000 cases is a query, not a repaint) and shows the ids.
        self.refresh()

    def _search(self, value: str) -> None:
        # Results come from every queue: no queue stays highlighted while they show.
        self.queue_list.select_quietly(None if value else self.queue_name)
        self.refresh()

    @property
    def _listing(self) -> bool:
        return self.runner.is_running((self, "list"))

    @property
    def _refresh_running(self) -> bool:
        return self._listing or self.runner.is_running((self, "count")) \
            or self.runner.is_running((self, "count-outbox"))

    def refresh(self) -> None:
        """Everything may have changed (a sync, a new queue, search or order): list the
        shown queue again and re-read every row, the case pane and the shown page."""
        self._stale_rows = None
        self._stale_case = self._stale_page = True
        self._list()

    def apply_changes(self, changes: Any) -> None:
        """The one way to refresh after something wrote to the cache (an action, a sync).

        `changes` is what the write reports (desk.store's Changes: case_ids, all_cases,
        outbox, conflicts, reference); None means unknown, so everything is refreshed.
        Only what changed is read again."""
        if self.closed:
            return
        if changes is None or getattr(changes, "all_cases", False):
            if changes is not None and getattr(changes, "reference", False):
                self.context.reload_reference()
            self.refresh()
            return
        if getattr(changes, "reference", False):
            # The title, the clocks' units, the names in the rows and the case pane.
            self.context.reload_reference()
        case_ids = set(getattr(changes, "case_ids", ()) or ())
        outbox = bool(getattr(changes, "outbox", False))
        conflicts = bool(getattr(changes, "conflicts", False))
        if case_ids:
            # A case's row changing may move it between queues (a claim takes it from
            # Unclaimed to Mine, a close to Closed, a transfer out of the unit), and
            # whether it still belongs is each queue's SQL (desk.queues), which the ids
            # alone cannot answer: so the shown queue's ids are listed again and the
            # queues counted (ids only, indexed), but only these cases' rows are read
            # again; every other row keeps its cached data.
            if self._stale_rows is not None:
                self._stale_rows |= case_ids
            if self.case_pane.case_id in case_ids:
                self.case_pane.refresh()
            self._list()
        elif outbox or conflicts:
            self._count_outbox()
        # The pages on show re-read what they list; hidden ones do when they are opened.
        if outbox and self.queue_name == OUTBOX:
            self.outbox_view.refresh()
        if conflicts and self.queue_name == CONFLICTS:
            self.conflicts_view.refresh()

    def _list(self) -> None:
        """Read the shown queue's ids off the GUI thread, then, in a second job, the
        counts: the rows an officer asked for never wait on the other queues' figures."""
        if self.closed:
            return
        store, actor = self.store, self.actor
        queue_name, search_text = self.queue_name, self.search_text
        sort, descending = self.queue_pane.sort_args()
        pages = set(self._pages)
        view = self.saved_views.view_of(queue_name)
        if view is not None:
            queue_name = view.queue
        refine = self.filter_bar.filter

        def list_ids():
            if queue_name in pages or queue_name not in queues.QUEUES:
                return None
            if search_text:
                ids = queues.search_ids(store, search_text, refine, utcnow())
                # Search results come nearest due first; a descending sort turns them round.
                return list(reversed(ids)) if descending else ids
            return queues.queue_ids(store, queue_name, actor, utcnow(), sort=sort, descending=descending,
                                    refine=refine)

        # A listing asked for while one runs makes one more after it, with the queue,
        # search and order of the moment; the first one's ids are stale and dropped.
        self.runner.run(list_ids, self._listed, self._read_failed, key=(self, "list"))

    def _read_failed(self, error: BaseException) -> None:
        log_failure(log, "reading the queues", error)
        self.status.show_unreadable(error)

    def _listed(self, ids: list[str] | None) -> None:
        if self.closed:
            return
        stale_rows, stale_case, stale_page = self._stale_rows, self._stale_case, self._stale_page
        self._stale_rows, self._stale_case, self._stale_page = set(), False, False
        if ids is not None:
            self.queue_pane.show_ids(ids, self.case_pane.case_id, keep_rows=stale_rows is not None)
            if stale_rows:
                self.model.mark_stale(sorted(stale_rows))
        if stale_page and self.queue_name == OUTBOX:
            self.outbox_view.refresh()
        elif stale_page and self.queue_name == CONFLICTS:
            self.conflicts_view.refresh()
        if stale_case:
            self.case_pane.refresh()
        self.sig_listed.emit()
        self._count()

    def _count(self) -> None:
        store, actor = self.store, self.actor
        officer_id = self.context.officer.id

        def count():
            now = utcnow()
            views = store.saved_views(officer_id)
            return {"counts": queues.queue_counts(store, actor, now),
                    "views": views, "view_counts": queues.saved_view_counts(store, views, actor, now),
                    "outbox": store.outbox_count(),
                    "conflicts": len(store.conflicts()),
                    "mine": queues.queue_id_set(store, "mine", actor, now),
                    "due_soon": queues.queue_id_set(store, "due-soon", actor, now),
                    "state": store.get_state()}

        self.runner.run(count, self._counted, self._read_failed, key=(self, "count"))

    def _counted(self, result: dict) -> None:
        if self.closed or self._listing:
            # Figures read beside an older listing would contradict the rows about to be
            # shown; the running listing ends with a fresh count.
            return
        counts = result["counts"]
        self.saved_views.show(result["views"], result["view_counts"])
        for name in self.queue_items:
            if name in counts:
                self.queue_list.set_count(name, counts[name])
        self._show_outbox_counts(result["outbox"], result["conflicts"])
        self.sync_state = result["state"]
        self._notify_changes(result["mine"], result["due_soon"])
        self._update_status()
        self.sig_refreshed.emit()

    def _count_outbox(self) -> None:
        """Only the outbox and conflicts changed: their two figures, not every queue's."""
        store = self.store
        self.runner.run(lambda: (store.outbox_count(), len(store.conflicts())),
                        self._outbox_counted, self._read_failed, key=(self, "count-outbox"))

    def _outbox_counted(self, result: tuple[int, int]) -> None:
        if self.closed:
            return
        self._show_outbox_counts(*result)
        self._update_status()
        self.sig_refreshed.emit()

    def _show_outbox_counts(self, outbox: int, conflicts: int) -> None:
        self.queue_list.set_count(OUTBOX, outbox)
        self.queue_list.set_count(CONFLICTS, conflicts)
        self.outbox_count = outbox
        if self._known_conflicts is not None and conflicts > self._known_conflicts:
            self.notify(self.tr("Conflict"),
                        self.tr("%n action(s) could not be applied. See Conflicts.", "",
                                conflicts - self._known_conflicts))
        self._known_conflicts = conflicts

    def _notify_changes(self, mine: set[str], due_soon: set[str]) -> None:
        if self._known_mine is not None and self._known_due_soon is not None:
            new = mine - self._known_mine
            if new:
                self.notify(self.tr("New assignment"),
                            self.tr("%n case(s) newly assigned to you.", "", len(new)))
            soon = due_soon - self._known_due_soon
            if soon:
                self.notify(self.tr("Due soon"),
                            self.tr("%n case(s) are now due within 4 working hours.", "", len(soon)))
        self._known_mine, self._known_due_soon = mine, due_soon

    def _read_filter_values(self) -> None:
        """What the filter menus offer from the cache (kinds, categories, channels and
        statuses its cases hold), read off the GUI thread: a scan of 100,000 rows."""
        def done(values: dict[str, list[str]]) -> None:
            self._cache_values = values

        self.runner.run(self.store.filter_values, done, self._read_failed, key=(self, "filter-values"))

    def _offered_values(self) -> dict[str, list[str]]:
        """The reference data's kinds and categories, the known statuses, and whatever
        else the cache holds (a kind or channel a newer platform added)."""
        ref, cache = self.context.reference, self._cache_values
        kinds = [p.kind for p in ref.policy] if ref is not None else list(text.KIND)
        categories = [s.category for s in ref.service_items if s.category] if ref is not None else []
        return {
            "kinds": list(dict.fromkeys([*kinds, *cache.get("kinds", [])])),
            "categories": list(dict.fromkeys([*categories, *cache.get("categories", [])])),
            "channels": list(cache.get("channels", [])),
            "statuses": list(dict.fromkeys([*text.STATUS, *cache.get("statuses", [])])),
        }

    def open_case(self, case_id: str | None) -> None:
        self.case_pane.show_case(case_id)

    def _tick(self) -> None:
        if self.closed:
            return
        self.model.tick()
        self.case_pane.tick()
        self._update_status()

    def _update_title(self) -> None:
        # On a first login the reference (and so the unit's name) comes with the first
        # sync: the title is written again then, never left showing the unit's code.
        officer = self.context.officer
        unit = self.context.unit_names.get(officer.unit_id or "")
        title = (self.tr("Desk — %1 (%2)").replace("%2", text.one_line(unit)) if unit
                 else self.tr("Desk — %1"))
        self.setWindowTitle(title.replace("%1", text.one_line(officer.name)))

    def _reference_changed(self) -> None:
        self._update_title()
        self.model.set_reference(self.context.formatter, self.context.reference)
        self.case_pane.reference_changed()

    def _case_summary(self, case: dict | None) -> str:
        if not case:
            return self.tr("The case is no longer available to you.")
        lines = [case.get("number", ""), case.get("title", ""),
                 self.tr("Status: %1").replace("%1", text.label("Status", case.get("status"))),
                 self.tr("Unit: %1").replace("%1", self.context.unit_name(case.get("unit_id"))),
                 self.tr("Assignee: %1").replace("%1", self.context.officer_name(case.get("assignee_id"))
                                                 if case.get("assignee_id") else self.tr("Unclaimed"))]
        return "\n".join(lines)

    # ------------------------------------------------------------ actions

    def request_action(self, op_type: str, case_id: str) -> None:
        self.controller.request_action(op_type, case_id)

    def send_text(self, mode: str, case_id: str, body: str, notify_sms: bool) -> None:
        self.controller.send_text(mode, case_id, body, notify_sms)

    def _exec(self, dialog) -> bool:
        """Runs a dialog modally. Tests replace this to fill dialogs in."""
        self.active_dialog = dialog
        try:
            return bool(dialog.exec())
        finally:
            self.active_dialog = None

    # ------------------------------------------------------------ sync

    def sync_now(self) -> None:
        self.bridge.sync_now()
        self.status.show_syncing()

    def _sync_state(self, state: str) -> None:
        if self.closed:
            return
        self.online_state = state
        if state != "syncing":
            self.status.progress.hide()
        if state == "login_needed":
            self.notify(self.tr("Log in again"),
                        self.tr("Your session has expired. Unsent work is kept."))
        self._update_status()

    def _sync_progress(self, fraction: float, _message: str) -> None:
        if not self.closed and self.online_state == "syncing":
            self.status.show_progress(fraction)

    def _sync_report(self, report) -> None:
        # A report queued before the window closed may arrive after the store is gone.
        if self.closed:
            return
        # record_outbox handles what it expects; anything else is logged by the runner.
        self.runner.run(self.controller.record_outbox)
        if report.finished:
            self.online_state = "idle"
            self._read_filter_values()
        if report.clock_offset_s is not None:
            self._clock_offset = report.clock_offset_s
        self._tell_set_aside(getattr(report, "set_aside", None) or [])
        # A report that says what the sync changed (desk.store's Changes) names a new
        # reference itself; without it, the cached version tells.
        changes = getattr(report, "changes", None)
        if changes is None and report.finished:
            if self.context.reference is None:
                if self.store.reference() is not None:
                    self.context.reload_reference()
            elif self.store.get_state().reference_version != self.context.reference.version:
                self.context.reload_reference()
        self.apply_changes(changes)

    def _tell_set_aside(self, set_aside: list) -> None:
        """Name the cases the sync could not read and set aside (a platform that grew
        past this desk), once for each new set of them; numbers only, no case text."""
        keys = tuple(sorted(str(a.get("case_id") or a.get("seq")) for a in set_aside))
        if keys and keys != getattr(self, "_set_aside_told", ()):
            names = ", ".join(str(a.get("number") or a.get("case_id") or a.get("seq"))
                              for a in set_aside[:5])
            if len(set_aside) > 5:
                names += ", …"
            self.notify(self.tr("Cases set aside"), self.tr(
                "%n case(s) could not be read from the server and were set aside: %1. "
                "The last good copy is kept; each is read again when it next changes.", "",
                len(set_aside)).replace("%1", names))
        self._set_aside_told = keys

    def _update_status(self) -> None:
        state = self.online_state
        detail = ""
        if state in ("offline", "error") and hasattr(self.bridge, "offline_detail"):
            # Why there is no sync and when the next try is (issue 10: F5 said neither).
            detail = self.bridge.offline_detail(self.context.formatter.zone) or ""
        self.status.show_state(state, detail)
        sync_state = getattr(self, "sync_state", None)
        offset = getattr(self, "_clock_offset", None)
        if offset is None and sync_state is not None:
            offset = sync_state.clock_offset_s
        self.status.show_figures(sync_state.last_success if sync_state is not None else None,
                                 self.context.formatter.zone, getattr(self, "outbox_count", 0), offset)

    # ------------------------------------------------------------ lock and logout

    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.stack.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(False)
        self.lock_screen.reset()
        self.sig_locked_changed.emit(True)

    def unlock(self) -> None:
        self.locked = False
        self.stack.setCurrentWidget(self.workspace)
        self.menuBar().setEnabled(True)
        self.idle.set_minutes(self.idle.minutes)
        self.sig_locked_changed.emit(False)

    def _ask_idle_minutes(self) -> None:
        minutes, ok = QInputDialog.getInt(self, self.tr("Lock after"),
                                          self.tr("Lock the window after this many idle minutes (0: never):"),
                                          int(self.idle.minutes), 0, 240)
        if ok:
            desk_settings.settings().setValue("lock/idle_minutes", minutes)
            self.idle.set_minutes(minutes)

    def _set_language(self, code: str) -> None:
        desk_settings.set_language(code)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Language"),
                          self.tr("The language changes the next time Desk starts."),
                          QMessageBox.StandardButton.Ok, self)
        self._exec(box)

    def ask_logout(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("Log out"))
        box.setText(self.tr("Log out of Desk?"))
        box.setInformativeText(self.tr("You can also delete the local cache from this computer."))
        keep = box.addButton(self.tr("Log out, keep the cache"), QMessageBox.ButtonRole.AcceptRole)
        wipe = box.addButton(self.tr("Log out and delete the cache"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        self._exec(box)
        clicked = box.clickedButton()
        if clicked is keep:
            self.log_out(False)
        elif clicked is wipe and self.confirm_wipe():
            self.log_out(True)

    def log_out(self, wipe: bool) -> None:
        """End the sync and the server session on the task runner, then hand over to the
        app. Both may take their full timeouts on a bad link (35 s for the server), which
        the window must not spend frozen; the officer sees that it is logging out."""
        if getattr(self, "_logging_out", False):
            return
        self._logging_out = True
        self.menuBar().setEnabled(False)
        self.workspace.setEnabled(False)
        self.statusBar().showMessage(self.tr("Logging out…"))
        client, bridge = self.context.session.client, self.bridge

        def end_sessions() -> None:
            # The sync loop first, so no cycle races the token going away.
            bridge.stop()
            if client is not None and client.token:
                try:
                    client.logout()
                finally:
                    # Forgotten locally whether or not the server heard us, so logging out
                    # after this makes no second call to the server.
                    client.token = None

        def done(_result) -> None:
            self.sig_logout_requested.emit(wipe)

        def failed(error: BaseException) -> None:
            # Offline or expired: the token is forgotten locally either way.
            if isinstance(error, ApiError):
                log.info("server logout failed: %s", type(error).__name__)
            else:
                log_bug(log, "logging out", error)
            self.statusBar().showMessage(self.tr("The server could not be told; logged out on this computer."), 8000)
            self.sig_logout_requested.emit(wipe)

        self.runner.run(end_sessions, done, failed)

    def confirm_wipe(self) -> bool:
        """Unsent work is never wiped without two confirmations."""
        unsent = self.store.outbox_count() + len(self.store.conflicts())
        if not unsent:
            return True
        for question in (
            self.tr("%n action(s) have not reached the server and will be lost. Delete anyway?", "", unsent),
            self.tr("Really delete the unsent work? This cannot be undone."),
        ):
            if not self.ask_yes_no(self.tr("Unsent work"), question):
                return False
        return True

    def ask_yes_no(self, title: str, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, text.one_line(title), question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        # Questions quote case titles and numbers: plain text, never markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self._exec(box)
        return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
