"""The officer's main window: queues on the left, the queue table, the case pane, and a
status bar that says plainly whether we are online."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from PySide6.QtCore import QByteArray, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QProgressBar, QPushButton,
    QSplitter, QStackedWidget, QSystemTrayIcon, QTableView, QVBoxLayout, QWidget,
)

from desk import queues
from desk.actions import ActionRefused
from desk.rules import status_targets
from ui import text
from ui.actions.dialogs import (
    CallbackDialog, ReasonDialog, ReassignDialog, StatusDialog, TransferDialog,
)
from ui.case.view import CasePane
from ui.clockfmt import utcnow
from ui.drafts import Drafts
from ui.lock import IdleWatcher, LockScreen
from ui.outbox.view import ConflictsView, OutboxView
from ui.queue.model import CLOCK_COLUMN, COLUMNS, QueueModel
from ui.resources import icon
from ui import settings as desk_settings
from ui.supervisor import hook as supervision_hook

log = logging.getLogger(__name__)

QUEUE_ICONS = {"mine": "mine", "due-soon": "due-soon", "overdue": "overdue",
               "unclaimed": "unclaimed", "waiting": "waiting", "closed": "closed",
               "station": "station"}
OUTBOX, CONFLICTS = "outbox", "conflicts"
CLOCK_WARN_S = 5 * 60
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
        self.search_text = ""
        self._listing = False
        self._refresh_again = False
        self._counting = False
        self._count_again = False
        self._known_mine: set[str] | None = None
        self._known_due_soon: set[str] | None = None
        self._known_conflicts: int | None = None
        self.locked = False
        self.closed = False
        self.online_state = "offline" if offline else "connecting"
        self.notifications: list[tuple[str, str]] = []

        self.setWindowTitle(self.tr("Desk — %1 (%2)").replace("%1", context.officer.name)
                            .replace("%2", context.unit_name(context.officer.unit_id)))
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

        # Left: the queues with live counts, Outbox and Conflicts.
        self.queue_list = QListWidget()
        self.queue_list.setObjectName("queueList")
        self.queue_list.setAccessibleName(self.tr("Queues"))
        self.queue_items: dict[str, QListWidgetItem] = {}
        for name in queues.QUEUES:
            if name == "station" and not self.actor.is_supervisor:
                continue
            self._add_queue_item(name, QUEUE_ICONS[name])
        self._add_queue_item(OUTBOX, "outbox")
        self._add_queue_item(CONFLICTS, "conflict")
        self.queue_list.currentItemChanged.connect(self._queue_chosen)
        self.queue_list.setMinimumWidth(150)
        self.splitter.addWidget(self.queue_list)

        # Middle: search + table / outbox / conflicts.
        self.middle = QStackedWidget()
        table_page = QWidget()
        tl = QVBoxLayout(table_page)
        tl.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search number, title, text, citizen… (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search"))
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.returnPressed.connect(self._search)
        self.search_edit.textChanged.connect(self._search_text_changed)
        search_row.addWidget(self.search_edit)
        tl.addLayout(search_row)
        self.model = QueueModel(self.store.rows, self)
        self.model.requery = self._requery
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
        tl.addWidget(self.table)
        self.middle.addWidget(table_page)
        self.outbox_view = OutboxView(self.store)
        self.outbox_view.sig_open_case.connect(self.open_case)
        self.middle.addWidget(self.outbox_view)
        self.conflicts_view = ConflictsView(self.store, self._case_summary)
        self.conflicts_view.sig_resolve.connect(self.resolve_conflict)
        self.conflicts_view.sig_open_case.connect(self.open_case)
        self.middle.addWidget(self.conflicts_view)
        self.splitter.addWidget(self.middle)

        # Right: the case.
        self.case_pane = CasePane(context, self.drafts)
        self.case_pane.sig_action_requested.connect(self.request_action)
        self.case_pane.sig_send_requested.connect(self.send_text)
        self.case_pane.sig_reveal_requested.connect(self.reveal)
        self.splitter.addWidget(self.case_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        context.sig_reference_changed.connect(self._reference_changed)

        self._build_status_bar()
        self._build_tray()

        self.tick_timer = QTimer(self)
        self.tick_timer.timeout.connect(self._tick)
        self.tick_timer.start(TICK_MS)

        self.idle = IdleWatcher(desk_settings.idle_minutes(), self)
        self.idle.sig_idle.connect(self.lock)
        QCoreApplication.instance().installEventFilter(self.idle)

        bridge.sig_state.connect(self._sync_state)
        bridge.sig_report.connect(self._sync_report)
        bridge.sig_progress.connect(self._sync_progress)
        context.actions.listeners.append(bridge.poke)

        # Supervision (issue 5): the supervisor view, "my commitments", clock warnings.
        self.supervision = supervision_hook.install(self)

        self._restore_state()
        self._reference_changed()
        self._update_status()

    # ------------------------------------------------------------ building

    def _add_queue_item(self, name: str, icon_name: str) -> None:
        item = QListWidgetItem(icon(icon_name), "")
        item.setData(Qt.ItemDataRole.UserRole, name)
        self.queue_list.addItem(item)
        self.queue_items[name] = item
        self._set_queue_label(name, None)

    def _set_queue_label(self, name: str, count: int | None) -> None:
        if name == OUTBOX:
            caption = self.tr("Outbox")
        elif name == CONFLICTS:
            caption = self.tr("Conflicts")
        else:
            caption = text.label("Queue", name)
        self.queue_items[name].setText(caption if count is None else f"{caption}  ({count})")

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
        for code, caption in (("zh_CN", "简体中文"), ("en", "English")):
            action = QAction(caption, self)
            action.triggered.connect(lambda _=False, c=code: self._set_language(c))
            language_menu.addAction(action)
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

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_icon = QLabel()
        self.state_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.last_sync_label = QLabel()
        self.outbox_label = QLabel()
        self.clock_warning = QLabel()
        self.clock_warning.setObjectName("warning")
        self.clock_warning.hide()
        self.sync_button = QPushButton(icon("sync"), self.tr("Sync now"))
        self.sync_button.clicked.connect(self.sync_now)
        bar.addWidget(self.state_icon)
        bar.addWidget(self.state_label)
        bar.addWidget(self.progress)
        bar.addWidget(self.clock_warning)
        bar.addPermanentWidget(self.outbox_label)
        bar.addPermanentWidget(self.last_sync_label)
        bar.addPermanentWidget(self.sync_button)

    def _build_tray(self) -> None:
        self.tray = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip(self.tr("Desk"))
            self.tray.activated.connect(lambda _reason: (self.showNormal(), self.activateWindow()))
            self.tray.show()

    def notify(self, title: str, message: str) -> None:
        """Tray notification; kept in a list too (no tray on some desktops, and tests)."""
        self.notifications.append((title, message))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, message, icon("app"), 8000)
        else:
            # Without a tray the status bar carries it, so the warning is not lost.
            self.statusBar().showMessage(f"{title}: {message}", 15000)

    # ------------------------------------------------------------ state persistence

    def _restore_state(self) -> None:
        s = desk_settings.settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        # Proportions for a first start; saved sizes replace them below.
        self.splitter.setSizes([180, 760, 520])
        for key, splitter in (("window/main_splitter", self.splitter),
                              ("window/case_splitter", self.case_pane.splitter)):
            value = s.value(key)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)
        header = s.value("window/table_header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
        else:
            for column, width in enumerate((140, 72, 110, 220, 120, 124, 150, 72, 72, 60)):
                self.table.setColumnWidth(column, width)
            # The time left is what an officer scans for: right after the number, so
            # it stays in view when the table is narrow.
            hh = self.table.horizontalHeader()
            hh.moveSection(hh.visualIndex(CLOCK_COLUMN), 1)
        # A chief's own queue is mostly empty: the station's review is where the day starts.
        first = supervision_hook.SUPERVISION if self.actor.is_supervisor else "mine"
        last = str(s.value("window/last_queue", first))
        item = self.queue_items.get(last) or self.queue_items[first]
        self.queue_list.setCurrentItem(item)

    def save_state(self) -> None:
        s = desk_settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/main_splitter", self.splitter.saveState())
        s.setValue("window/case_splitter", self.case_pane.splitter.saveState())
        s.setValue("window/table_header", self.table.horizontalHeader().saveState())
        s.setValue("window/last_queue", self.queue_name)
        s.sync()

    def closeEvent(self, event) -> None:
        self.closed = True
        self.drafts.close()
        self.save_state()
        QCoreApplication.instance().removeEventFilter(self.idle)
        self.tick_timer.stop()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)

    # ------------------------------------------------------------ queues and refresh

    def _queue_chosen(self, current, _previous) -> None:
        if current is None:
            return
        name = current.data(Qt.ItemDataRole.UserRole)
        if name == OUTBOX:
            self.middle.setCurrentWidget(self.outbox_view)
            self.outbox_view.refresh()
            self.queue_name = name
            return
        if name == CONFLICTS:
            self.middle.setCurrentWidget(self.conflicts_view)
            self.conflicts_view.refresh()
            self.queue_name = name
            return
        if name == supervision_hook.SUPERVISION:
            self.queue_name = name
            self.supervision.show_view()
            return
        self.middle.setCurrentIndex(0)
        self.queue_name = name
        self.search_text = ""
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.refresh()

    def _sort_args(self) -> tuple[str, bool]:
        key = COLUMNS[self.model.sort_column][2] or "due"
        return key, self.model.sort_order == Qt.SortOrder.DescendingOrder

    def _requery(self, _sort: str, _descending: bool) -> None:
        # The model has taken the new sort column; the listing reads it off the GUI
        # thread (a sort of 100,000 cases is a query, not a repaint) and shows the ids.
        self.refresh()

    def _search(self) -> None:
        self.search_text = self.search_edit.text().strip()
        self.refresh()

    def _search_text_changed(self, value: str) -> None:
        if not value.strip() and self.search_text:
            self._search()

    @property
    def _refresh_running(self) -> bool:
        return self._listing or self._counting

    def refresh(self) -> None:
        """Re-read the shown queue off the GUI thread, then, in a second job, the counts,
        the outbox and conflicts: the rows an officer asked for never wait on the figures
        of the other queues."""
        if self.closed:
            return
        if self._listing:
            self._refresh_again = True
            return
        self._listing = True
        store, actor = self.store, self.actor
        queue_name, search_text = self.queue_name, self.search_text
        sort, descending = self._sort_args()

        def list_ids():
            if queue_name in (OUTBOX, CONFLICTS, supervision_hook.SUPERVISION):
                return None
            if search_text:
                ids = queues.search_ids(store, search_text)
                # Search results come nearest due first; a descending sort turns them round.
                return list(reversed(ids)) if descending else ids
            return queues.queue_ids(store, queue_name, actor, utcnow(), sort=sort, descending=descending)

        self.runner.run(list_ids, self._listed, self._refresh_failed)

    def _refresh_failed(self, error: BaseException) -> None:
        self._listing = False
        self._read_failed(error)

    def _read_failed(self, error: BaseException) -> None:
        log.error("refresh failed: %s", type(error).__name__)
        self.state_label.setText(self.tr("Cannot read the local cache: %1").replace("%1", str(error)))

    def _listed(self, ids: list[str] | None) -> None:
        self._listing = False
        if self.closed:
            return
        if self._refresh_again:
            # The queue, search or data changed while reading: these ids are stale.
            self._refresh_again = False
            self.refresh()
            return
        if ids is not None:
            current = self.case_pane.case_id
            # Rows are re-read: the listing follows a change in the store as often as a
            # new queue or order.
            self.model.show_ids(ids, keep_rows=False)
            row = self.model.row_of(current) if current else None
            if row is not None:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(row)
                self.table.selectionModel().blockSignals(False)
        if self.queue_name == OUTBOX:
            self.outbox_view.refresh()
        elif self.queue_name == CONFLICTS:
            self.conflicts_view.refresh()
        self.case_pane.refresh()
        self.sig_listed.emit()
        self._count()

    def _count(self) -> None:
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        store, actor = self.store, self.actor

        def count():
            now = utcnow()
            return {"counts": queues.queue_counts(store, actor, now),
                    "outbox": store.outbox_count(),
                    "conflicts": len(store.conflicts()),
                    "mine": queues.queue_id_set(store, "mine", actor, now),
                    "due_soon": queues.queue_id_set(store, "due-soon", actor, now),
                    "state": store.get_state()}

        self.runner.run(count, self._counted, self._count_failed)

    def _count_failed(self, error: BaseException) -> None:
        self._counting = False
        self._read_failed(error)

    def _counted(self, result: dict) -> None:
        self._counting = False
        if self.closed:
            return
        if self._count_again or self._listing:
            # Figures read beside an older listing would contradict the rows about to be
            # shown; a fresh count follows (asked for already, or by the running listing).
            if self._count_again:
                self._count_again = False
                self._count()
            return
        counts = result["counts"]
        for name in self.queue_items:
            if name in counts:
                self._set_queue_label(name, counts[name])
        self._set_queue_label(OUTBOX, result["outbox"])
        self._set_queue_label(CONFLICTS, result["conflicts"])
        self.outbox_count = result["outbox"]
        self.sync_state = result["state"]
        self._notify_changes(result)
        self._update_status()
        if not self._listing:
            # A listing still running ends with another count; "refreshed" waits for it.
            self.sig_refreshed.emit()

    def _notify_changes(self, result: dict) -> None:
        mine, due_soon, conflicts = result["mine"], result["due_soon"], result["conflicts"]
        if self._known_mine is not None:
            new = mine - self._known_mine
            if new:
                self.notify(self.tr("New assignment"),
                            self.tr("%n case(s) newly assigned to you.", "", len(new)))
            soon = due_soon - self._known_due_soon
            if soon:
                self.notify(self.tr("Due soon"),
                            self.tr("%n case(s) are now due within 4 working hours.", "", len(soon)))
            if conflicts > self._known_conflicts:
                self.notify(self.tr("Conflict"),
                            self.tr("%n action(s) could not be applied. See Conflicts.", "",
                                    conflicts - self._known_conflicts))
        self._known_mine, self._known_due_soon, self._known_conflicts = mine, due_soon, conflicts

    def _row_changed(self, current, _previous) -> None:
        case_id = self.model.case_id(current.row()) if current.isValid() else None
        self.case_pane.show_case(case_id)

    def open_case(self, case_id: str) -> None:
        self.case_pane.show_case(case_id)

    def _tick(self) -> None:
        if self.closed:
            return
        self.model.tick()
        self.case_pane.tick()
        self._update_status()

    def _reference_changed(self) -> None:
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

    def _run_action(self, fn, *, on_done=None) -> None:
        def done(result):
            if on_done is not None:
                on_done(result)
            # The action is in the cache now; the officer is told where it stands.
            self.statusBar().showMessage(
                self.tr("Saved. It is sent to the server with the next sync.")
                if self.online_state in ("idle", "syncing", "connecting") else
                self.tr("Saved offline. It is sent when the server can be reached."), 6000)
            self.refresh()

        def failed(error: BaseException):
            if isinstance(error, ActionRefused):
                self.case_pane.show_refusal(error.message)
                self.statusBar().showMessage(error.message, 8000)
            else:
                log.error("action failed: %s", type(error).__name__)
                message = self.tr("The action could not be saved: %1").replace(
                    "%1", str(error) or type(error).__name__)
                self.case_pane.show_refusal(message)
                self.statusBar().showMessage(message, 8000)

        self.runner.run(fn, done, failed)

    def request_action(self, op_type: str, case_id: str) -> None:
        actions, ctx = self.context.actions, self.context
        case = self.case_pane.case if self.case_pane.case_id == case_id else self.store.case(case_id)
        if case is None:
            return
        if op_type == "claim":
            self._run_action(lambda: actions.claim(case_id))
        elif op_type == "accept":
            self._run_action(lambda: actions.accept(case_id))
        elif op_type == "decline":
            dialog = ReasonDialog(self.tr("Decline to accept"), self.tr("Reason for the citizen:"), self)
            if self._exec(dialog):
                reason = dialog.values()["reason"]
                self._run_action(lambda: actions.decline(case_id, reason))
        elif op_type == "callback":
            dialog = CallbackDialog(self)
            if self._exec(dialog):
                v = dialog.values()
                self._run_action(lambda: actions.callback(case_id, v["outcome"], v["body"],
                                                          duration_s=v["duration_s"],
                                                          satisfaction=v["satisfaction"]))
        elif op_type == "set_status":
            dialog = StatusDialog(status_targets(case.get("status", ""), supervisor=self.actor.is_supervisor), self)
            if self._exec(dialog):
                v = dialog.values()
                self._run_action(lambda: actions.set_status(case_id, v["to"], v["reason"]))
        elif op_type == "transfer":
            units = ctx.reference.units if ctx.reference is not None else []
            dialog = TransferDialog(units, case.get("unit_id", ""), self)
            if self._exec(dialog):
                v = dialog.values()
                self._run_action(lambda: actions.transfer(case_id, v["to_unit_id"], v["reason"]))
        elif op_type == "reassign":
            officers = [o for o in (ctx.reference.officers if ctx.reference else [])
                        if o.unit_id == case.get("unit_id")]
            dialog = ReassignDialog(officers, case.get("assignee_id"), self)
            if self._exec(dialog):
                v = dialog.values()
                self._run_action(lambda: actions.reassign(case_id, v["to_officer_id"], v["reason"]))

    def _exec(self, dialog) -> bool:
        """Runs a dialog modally. Tests replace this to fill dialogs in."""
        self.active_dialog = dialog
        try:
            return bool(dialog.exec())
        finally:
            self.active_dialog = None

    def send_text(self, mode: str, case_id: str, body: str, notify_sms: bool) -> None:
        actions = self.context.actions
        if mode == "reply":
            fn = lambda: actions.reply(case_id, body, notify_sms=notify_sms)  # noqa: E731
        elif mode == "note":
            fn = lambda: actions.note(case_id, body)  # noqa: E731
        else:
            fn = lambda: actions.urge(case_id, body)  # noqa: E731
        self._run_action(fn, on_done=lambda _op: self.case_pane.clear_draft(case_id, mode))

    def reveal(self, case_id: str, field: str) -> None:
        actions = self.context.actions
        self._run_action(lambda: actions.reveal(case_id, field),
                         on_done=lambda _op: self.case_pane.mark_revealed(case_id, field))

    def resolve_conflict(self, choice: str, op_id: str) -> None:
        actions = self.context.actions
        if choice == "retry":
            fn = lambda: actions.retry_conflict(op_id)  # noqa: E731
        elif choice == "note":
            fn = lambda: actions.note_from_conflict(op_id)  # noqa: E731
        else:
            fn = lambda: actions.discard_conflict(op_id)  # noqa: E731
        self._run_action(fn)

    # ------------------------------------------------------------ sync

    def sync_now(self) -> None:
        self.bridge.sync_now()
        self.state_label.setText(self.tr("Syncing…"))

    def _sync_state(self, state: str) -> None:
        if self.closed:
            return
        self.online_state = state
        if state != "syncing":
            self.progress.hide()
        if state == "login_needed":
            self.notify(self.tr("Log in again"),
                        self.tr("Your session has expired. Unsent work is kept."))
        self._update_status()

    def _sync_progress(self, fraction: float, _message: str) -> None:
        if not self.closed and self.online_state == "syncing":
            self.progress.setValue(int(fraction * 100))
            self.progress.show()

    def _sync_report(self, report) -> None:
        # A report queued before the window closed may arrive after the store is gone.
        if self.closed:
            return
        if report.finished:
            self.online_state = "idle"
        if report.clock_offset_s is not None:
            self._clock_offset = report.clock_offset_s
        if report.finished and self.store.reference() is not None and self.context.reference is None:
            self.context.reload_reference()
        elif report.finished:
            state = self.store.get_state()
            if self.context.reference is None or state.reference_version != self.context.reference.version:
                self.context.reload_reference()
        self.refresh()

    def _update_status(self) -> None:
        state = self.online_state
        sync_state = getattr(self, "sync_state", None)
        if state == "syncing":
            caption, icon_name = self.tr("Syncing…"), "sync"
        elif state == "idle":
            caption, icon_name = self.tr("Online"), "online"
        elif state == "login_needed":
            caption, icon_name = self.tr("Session expired: log in again (your work is kept)"), "offline"
        elif state == "connecting":
            caption, icon_name = self.tr("Connecting…"), "sync"
        elif state == "error":
            caption, icon_name = self.tr("Sync error; retrying"), "offline"
        else:
            caption, icon_name = self.tr("Offline: working from the local cache"), "offline"
        self.state_label.setText(caption)
        self.state_icon.setPixmap(icon(icon_name).pixmap(16, 16))
        last = sync_state.last_success if sync_state is not None else None
        self.last_sync_label.setText(
            self.tr("Last sync: %1").replace("%1", text.format_local(last, self.context.formatter.zone) if last else self.tr("never")))
        count = getattr(self, "outbox_count", 0)
        self.outbox_label.setText(self.tr("%n not sent", "", count))
        offset = getattr(self, "_clock_offset", None)
        if offset is None and sync_state is not None:
            offset = sync_state.clock_offset_s
        if offset is not None and abs(offset) > CLOCK_WARN_S:
            self.clock_warning.setText(self.tr("This computer's clock is off by %n minute(s)", "",
                                               int(abs(offset) // 60)))
            self.clock_warning.show()
        else:
            self.clock_warning.hide()

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
        desk_settings.settings().setValue("ui/language", code)
        QMessageBox.information(self, self.tr("Language"),
                                self.tr("The language changes the next time Desk starts."))

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
            log.info("server logout failed: %s", type(error).__name__)
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
        box = QMessageBox(QMessageBox.Icon.Warning, title, question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self._exec(box)
        return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
