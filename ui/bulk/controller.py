"""Work many cases at once (issue 14): while more than one queue row is selected the
right side shows the BulkPanel instead of the case pane; an action asks what it needs
once (a note's text, a status, a unit), then desk.actions' `bulk` queues one op per
case on the task runner, a summary dialog says what was queued and what was not
allowed and why (ui/refusals' words), and the window re-reads the union of the
actions' Changes (MainWindow.apply_changes). Dialogs go through the window's `_exec`,
which tests replace to fill them in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desk.actions import MAX_BULK, BulkSummary, allowed_on
from desk.rules import status_targets
from desk.wire import OpType
from ui import text
from ui.actions.controller import failure_message
from ui.actions.dialogs import ReasonDialog, StatusDialog, TransferDialog
from ui.bulk.panel import BULK_BUTTONS, BulkPanel
from ui.errors import log_failure
from ui.refusals import refusal_text

log = logging.getLogger(__name__)


class BulkSummaryDialog(QDialog):
    """What a bulk action did: how many were queued, and each case left alone with why."""

    def __init__(self, summary: BulkSummary, reasons: list[tuple[str, str]], online: bool, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("%1 on %n case(s)", "", summary.total)
                            .replace("%1", text.label("Op", summary.op_type)))
        layout = QVBoxLayout(self)
        queued = len(summary.queued)
        self.queued_label = QLabel(
            self.tr("%n action(s) saved; sent with the next sync.", "", queued) if online else
            self.tr("%n action(s) saved offline; sent when the server can be reached.", "", queued))
        self.queued_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.queued_label)
        self.refused_label = QLabel(self.tr("%n case(s) not changed:", "", len(reasons)) if reasons
                                    else self.tr("Every selected case was changed."))
        self.refused_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.refused_label)
        # Table items are plain text: a case number or a reason is never markup.
        self.table = QTableWidget(len(reasons), 2)
        self.table.setHorizontalHeaderLabels([self.tr("Case"), self.tr("Why not")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, (number, why) in enumerate(reasons):
            self.table.setItem(row, 0, QTableWidgetItem(number))
            self.table.setItem(row, 1, QTableWidgetItem(why))
        self.table.setVisible(bool(reasons))
        self.table.setMinimumWidth(520)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.accept)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class BulkController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.context = window.context
        self.store = window.store
        self.actor = window.actor
        self.runner = window.runner
        self.last_summary: BulkSummary | None = None
        self.last_dialog: BulkSummaryDialog | None = None
        self.panel = BulkPanel()
        self.panel.sig_bulk_requested.connect(self.request)
        # The right side: the case pane, or the panel while many rows are selected.
        splitter = window.splitter
        index = splitter.indexOf(window.case_pane)
        self.right = QStackedWidget()
        self.right.setObjectName("rightSide")
        splitter.replaceWidget(index, self.right)
        self.right.addWidget(window.case_pane)
        self.right.addWidget(self.panel)
        self.right.setCurrentWidget(window.case_pane)
        window.queue_pane.sig_selection_changed.connect(self._selection_changed)

    @property
    def showing_many(self) -> bool:
        return self.right.currentWidget() is self.panel

    def selected_ids(self) -> list[str]:
        return self.window.queue_pane.selected_ids()

    # ------------------------------------------------------------ the selection

    def _selection_changed(self, count: int) -> None:
        if count < 2:
            self.right.setCurrentWidget(self.window.case_pane)
            return
        self.right.setCurrentWidget(self.panel)
        self.panel.show_count(count)
        if count > MAX_BULK:
            return
        ids, store, actor = self.selected_ids(), self.store, self.actor

        def fits() -> dict[str, int]:
            counts = {op: 0 for op, _icon, _key in BULK_BUTTONS}
            for case_id in ids:
                case = store.case(case_id)
                allowed = allowed_on(case, actor) if case is not None else set()
                for op in counts:
                    counts[op] += op in allowed
            return counts

        def shown(counts: dict[str, int]) -> None:
            # A newer selection may have been made meanwhile; its own job follows.
            if self.panel.count == len(ids):
                self.panel.show_fits(counts)

        self.runner.run(fits, shown, lambda error: log_failure(log, "bulk: what fits", error),
                        key=(self, "fits"))

    # ------------------------------------------------------------ requests

    def request(self, op_type: str) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        ask = {"claim": self._ask_claim, "note": self._ask_note,
               "set_status": self._ask_status, "transfer": self._ask_transfer}.get(op_type)
        if ask is None:
            log.error("no bulk handler for %s", op_type)
            return
        payload = ask(ids)
        if payload is not None:
            self.run(op_type, ids, payload)

    def _ask_claim(self, _ids: list[str]) -> dict | None:
        return {}

    def _ask_note(self, ids: list[str]) -> dict | None:
        dialog = ReasonDialog(self.tr("Internal note on %n case(s)", "", len(ids)),
                              self.tr("The same note is added to each case:"), self.window)
        return {"body": dialog.values()["reason"]} if self.window._exec(dialog) else None

    def _ask_status(self, ids: list[str]) -> dict | None:
        # Every status some selected case can move to; a case it does not fit is refused.
        statuses = []
        model = self.window.model
        for case_id in ids:
            row = model.row_of(case_id)
            data = model.row_data(row) if row is not None else None
            if data and data.get("status") not in statuses:
                statuses.append(data.get("status"))
        targets: list[str] = []
        for status in statuses:
            for target in status_targets(status or "", supervisor=self.actor.is_supervisor):
                if target not in targets:
                    targets.append(target)
        dialog = StatusDialog(targets, self.window)
        if not self.window._exec(dialog):
            return None
        v = dialog.values()
        if v["to"] == "closed" and not self.window.ask_yes_no(
                self.tr("Close the cases"),
                self.tr("Close %n case(s)? Only a station chief can reopen them.", "", len(ids))):
            return None
        return {"to": v["to"], "reason": v["reason"]}

    def _ask_transfer(self, ids: list[str]) -> dict | None:
        ctx = self.context
        units = ctx.reference.units if ctx.reference is not None else []
        dialog = TransferDialog(units, self.actor.unit_id or "", self.window)
        if not self.window._exec(dialog):
            return None
        v = dialog.values()
        if not self.window.ask_yes_no(
                self.tr("Transfer the cases"),
                self.tr("Transfer %n case(s) to %1? They leave your unit's queues.", "", len(ids))
                .replace("%1", ctx.unit_name(v["to_unit_id"]))):
            return None
        return {"to_unit_id": v["to_unit_id"], "reason": v["reason"]}

    # ------------------------------------------------------------ running

    def run(self, op_type: str, ids: list[str], payload: Mapping[str, Any]) -> None:
        window, actions = self.window, self.context.actions
        controller = window.controller

        def work() -> BulkSummary:
            summary = actions.bulk(cast(OpType, op_type), ids, payload)
            controller.record_outbox()
            return summary

        def done(summary: BulkSummary) -> None:
            self.last_summary = summary
            window.apply_changes(summary.changes)
            reasons = [(r.number or r.case_id, refusal_text(r.error)) for r in summary.refused]
            online = window.online_state in ("idle", "syncing", "connecting")
            window.statusBar().showMessage(
                self.tr("%1 of %2 case(s) changed.").replace("%1", str(len(summary.queued)))
                .replace("%2", str(summary.total)), 8000)
            self.last_dialog = BulkSummaryDialog(summary, reasons, online, window)
            window._exec(self.last_dialog)

        def failed(error: BaseException) -> None:
            message = failure_message("a bulk action", error)
            window.statusBar().showMessage(message, 8000)
            # Cases acted on before the failure are saved: re-read everything.
            window.apply_changes(None)

        self.runner.run(work, done, failed)
