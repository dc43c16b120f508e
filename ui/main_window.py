"""The officer's main window: queues on the left, the queue table, the case pane, and a
status bar that says plainly whether we are online."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk import queues, supervision
from desk.actions import ActionRefused
from desk.profile import ProfileError
from desk.rules import status_targets
from desk.store import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS
from ui import settings as desk_settings
from ui import text
from ui.actions.dialogs import (
    CallbackDialog,
    ReasonDialog,
    ReassignDialog,
    StatusDialog,
    TransferDialog,
)
from ui.case.view import CasePane
from ui.clockfmt import utcnow
from ui.drafts import Drafts
from ui.lock import IdleWatcher, LockScreen
from ui.outbox.view import ConflictsView, OutboxView
from ui.queue.model import CLOCK_COLUMN, COLUMNS, QueueModel
from ui.refusals import refusal_text
from ui.resources import icon
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
        # How many cases the search found (or that it found none).
        self.search_result = QLabel()
        self.search_result.setTextFormat(Qt.TextFormat.PlainText)
        self.search_result.hide()
        search_row.addWidget(self.search_result)
        clear_search = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_edit)
        clear_search.setContext(Qt.ShortcutContext.WidgetShortcut)
        clear_search.activated.connect(self.search_edit.clear)
        tl.addLayout(search_row)
        self.model = QueueModel(self.store.rows, self)
        self.model.requery = self._requery
        self.model.case_lookup = self.store.case
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

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_icon = QLabel()
        self.state_label = QLabel()
        # Carries the server's and the store's error words.
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
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
        bar.addWidget(self.progress)
        bar.addWidget(self.clock_warning)
        # Online/offline is permanent: a notice or "Saved." in the status bar must never
        # hide whether the link is up.
        bar.addPermanentWidget(self.state_icon)
        bar.addPermanentWidget(self.state_label)
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
            for column, width in enumerate((140, 72, 110, 220, 120, 124, 150, 72, 72, 60)):
                self.table.setColumnWidth(column, width)
            # The time left is what an officer scans for: right after the number, so
            # it stays in view when the table is narrow.
            hh = self.table.horizontalHeader()
            hh.moveSection(hh.visualIndex(CLOCK_COLUMN), 1)
        # A chief's own queue is mostly empty: the station's review is where the day starts.
        first = supervision_hook.SUPERVISION if self.actor.is_supervisor else "mine"
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
        self.search_result.hide()
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
        value = self.search_edit.text().strip()
        if len(value.split()) > MAX_SEARCH_WORDS or len(value) > MAX_SEARCH_CHARS:
            # The store refuses it too; say so here rather than show an empty list.
            self.statusBar().showMessage(
                self.tr("A search may hold at most %1 words and %2 characters; shorten it.")
                .replace("%1", str(MAX_SEARCH_WORDS)).replace("%2", str(MAX_SEARCH_CHARS)), 15000)
            return
        self.search_text = value
        # Results come from every queue: no queue stays highlighted while they show.
        self.queue_list.blockSignals(True)
        if self.search_text:
            self.queue_list.setCurrentItem(None)
            self.queue_list.clearSelection()
        elif self.queue_name in self.queue_items:
            self.queue_list.setCurrentItem(self.queue_items[self.queue_name])
        self.queue_list.blockSignals(False)
        if not self.search_text:
            self.search_result.hide()
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
        if ids is not None and self.search_text:
            self.search_result.setText(
                self.tr("%n case(s) found", "", len(ids)) if ids else self.tr("No case found"))
            self.search_result.setObjectName("" if ids else "warning")
            self.search_result.style().unpolish(self.search_result)
            self.search_result.style().polish(self.search_result)
            self.search_result.show()
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
                message = refusal_text(error)
                self.case_pane.show_refusal(message)
                self.statusBar().showMessage(message, 8000)
            else:
                log.error("action failed: %s", type(error).__name__)
                message = self.tr("The action could not be saved: %1").replace(
                    "%1", str(error) or type(error).__name__)
                self.case_pane.show_refusal(message)
                self.statusBar().showMessage(message, 8000)

        def work():
            result = fn()
            self._record_outbox()
            return result

        self.runner.run(work, done, failed)

    def _record_outbox(self) -> None:
        """profile.json learns how far the outbox got, so a cache lost later (deleted,
        emptied) is named with the work it held. Runs on the runner, never the GUI thread."""
        session = self.context.session
        try:
            session.profile.record_cache(session.store)
        except (OSError, ValueError, ProfileError) as exc:
            log.warning("could not record the outbox in the profile: %s", type(exc).__name__)

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
                # Closing cannot be taken back by the officer (only a chief reopens).
                if v["to"] == "closed" and not self.ask_yes_no(
                        self.tr("Close the case"),
                        self.tr("Close %1? Only a station chief can reopen it.").replace(
                            "%1", case.get("number", ""))):
                    return
                self._run_action(lambda: actions.set_status(case_id, v["to"], v["reason"]))
        elif op_type == "transfer":
            units = ctx.reference.units if ctx.reference is not None else []
            dialog = TransferDialog(units, case.get("unit_id", ""), self)
            if self._exec(dialog):
                v = dialog.values()
                # The case leaves this unit's queues with the transfer.
                if not self.ask_yes_no(
                        self.tr("Transfer the case"),
                        self.tr("Transfer %1 to %2? It leaves your unit's queues.")
                        .replace("%1", case.get("number", "")).replace("%2", ctx.unit_name(v["to_unit_id"]))):
                    return
                self._run_action(lambda: actions.transfer(case_id, v["to_unit_id"], v["reason"]))
        elif op_type == "reassign":
            officers = [o for o in (ctx.reference.officers if ctx.reference else [])
                        if o.unit_id == case.get("unit_id")]
            dialog = ReassignDialog(officers, case.get("assignee_id"), self,
                                    workload=self._open_cases_by_officer())
            if self._exec(dialog):
                v = dialog.values()
                self._run_action(lambda: actions.reassign(case_id, v["to_officer_id"], v["reason"]))

    def _open_cases_by_officer(self) -> dict[str, int]:
        """Open cases each officer of the unit holds (for the reassign picker)."""
        try:
            loads = supervision.workload(self.store, self.actor, utcnow())
        except Exception as exc:  # the picker still works without the figures
            log.error("workload failed: %s", type(exc).__name__)
            return {}
        return {w.officer_id: w.open for w in loads if w.officer_id}

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
        self.runner.run(self._record_outbox, lambda _r: None, lambda _e: None)
        if report.finished:
            self.online_state = "idle"
        if report.clock_offset_s is not None:
            self._clock_offset = report.clock_offset_s
        self._tell_set_aside(getattr(report, "set_aside", None) or [])
        if report.finished and self.store.reference() is not None and self.context.reference is None:
            self.context.reload_reference()
        elif report.finished:
            state = self.store.get_state()
            if self.context.reference is None or state.reference_version != self.context.reference.version:
                self.context.reload_reference()
        self.refresh()

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
        if state in ("offline", "error") and hasattr(self.bridge, "offline_detail"):
            # Why there is no sync and when the next try is (issue 10: F5 said neither).
            detail = self.bridge.offline_detail(self.context.formatter.zone)
            if detail:
                caption = self.tr("%1. %2").replace("%1", caption).replace("%2", detail)
        self.state_label.setText(caption)
        self.state_label.setToolTip(caption)  # the whole reason when a narrow window cuts it
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
        box = QMessageBox(QMessageBox.Icon.Warning, text.one_line(title), question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        # Questions quote case titles and numbers: plain text, never markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self._exec(box)
        return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
