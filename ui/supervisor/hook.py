"""Where the supervision feature plugs into the main window, kept in one place so the
window itself only calls `install`; the hook uses the window's seams (add_page,
add_above_queue, apply_changes), never its insides.

- every officer gets the "my commitments" line above the queue table;
- supervisors get a "Supervision" page (MainWindow.add_page) that shows SupervisorView;
- after each finished sync, the clock warnings due now (desk.supervision
  .pending_warnings, each raised once) go out through the window's notify path.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject

from desk import supervision
from ui.clockfmt import utcnow
from ui.errors import log_failure
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
        window.add_above_queue(self.commitments)
        window.sig_refreshed.connect(self.commitments.refresh)
        self.view: SupervisorView | None = None
        if window.actor.is_supervisor:
            self.view = SupervisorView(window.context)
            self.view.sig_open_case.connect(window.open_case)
            # What the chief's batch changed in the cache shows in the queues too.
            self.view.sig_acted.connect(window.apply_changes)
            # A chief's own queue is mostly empty: the station's review is where the day starts.
            window.add_page(SUPERVISION, self.view, icon_name="urge",
                            caption=QCoreApplication.translate("Supervision", "Supervision"),
                            on_show=self.show_view, before="outbox", start_here=True)
        window.bridge.sig_report.connect(self.after_sync)

    def show_view(self) -> None:
        if self.view is None:
            return
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
        log_failure(log, "clock warnings", error)

    def raise_warnings(self, warnings: list) -> None:
        if self.window.closed:
            return
        if self.view is not None and self.window.queue_name == SUPERVISION:
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
