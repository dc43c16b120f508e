"""Where the supervision feature plugs into the main window, kept in one place so the
window itself only calls `install` and routes one left-pane entry here.

- every officer gets the "my commitments" line above the queue table;
- supervisors get a "Supervision" entry in the left pane that shows SupervisorView;
- after each finished sync, the clock warnings due now (desk.supervision
  .pending_warnings, each raised once) go out through the window's notify path.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QListWidgetItem

from desk import supervision
from ui.clockfmt import utcnow
from ui.resources import icon
from ui.supervisor.commitments import CommitmentsSummary
from ui.supervisor.view import SupervisorView

log = logging.getLogger(__name__)

SUPERVISION = "supervision"



class SupervisionHook(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.due_soon_hours = supervision.DEFAULT_DUE_SOON_HOURS
        self.commitments = CommitmentsSummary(window.store, window.actor, window.runner)
        table_page = window.middle.widget(0)
        table_page.layout().insertWidget(0, self.commitments)
        window.sig_refreshed.connect(self.commitments.refresh)
        self.view: SupervisorView | None = None
        self.item: QListWidgetItem | None = None
        if window.actor.is_supervisor:
            self.view = SupervisorView(window.context)
            self.view.sig_open_case.connect(window.open_case)
            window.middle.addWidget(self.view)
            self.item = QListWidgetItem(icon("urge"), QCoreApplication.translate("Supervision", "Supervision"))
            self.item.setData(Qt.ItemDataRole.UserRole, SUPERVISION)
            outbox_row = window.queue_list.row(window.queue_items["outbox"])
            window.queue_list.insertItem(outbox_row, self.item)
            window.queue_items[SUPERVISION] = self.item
        window.bridge.sig_report.connect(self.after_sync)

    def show_view(self) -> None:
        if self.view is None:
            return
        self.window.middle.setCurrentWidget(self.view)
        self.view.due_soon.setValue(self.due_soon_hours)
        self.view.refresh()

    def after_sync(self, report) -> None:
        if self.window.closed or not getattr(report, "finished", False):
            return
        store, actor, hours = self.window.store, self.window.actor, self.due_soon_hours
        now = utcnow()
        self.window.runner.run(lambda: supervision.pending_warnings(store, actor, now, hours),
                               self.raise_warnings, self._failed)

    def _failed(self, error: BaseException) -> None:
        log.error("clock warnings failed: %s", type(error).__name__)

    def raise_warnings(self, warnings: list) -> None:
        if self.window.closed:
            return
        if self.view is not None and self.window.middle.currentWidget() is self.view:
            # The view is computed from the cache, which the sync has just changed.
            self.view.refresh()
        soon = [w for w in warnings if w.level == supervision.DUE_SOON]
        overdue = [w for w in warnings if w.level == supervision.OVERDUE]
        if soon:
            self.window.notify(QCoreApplication.translate("Supervision", "Due soon"),
                               QCoreApplication.translate("Supervision", "%n case(s) entered due soon: ", None, len(soon))
                               + ", ".join(w.number for w in soon[:5]))
        if overdue:
            self.window.notify(QCoreApplication.translate("Supervision", "Overdue"),
                               QCoreApplication.translate("Supervision", "%n case(s) went overdue: ", None, len(overdue))
                               + ", ".join(w.number for w in overdue[:5]))


def install(window) -> SupervisionHook:
    return SupervisionHook(window)
