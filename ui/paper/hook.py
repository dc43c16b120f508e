"""Where paper and time plug into the main window (the window only calls `install`):

- File ▸ Print case sheet… (Ctrl+P) and Save case sheet as PDF…: the selected cases, or
  the one in the case pane, each masked as the case pane shows it (revealed only after
  the officer pressed Show there and the reveal was recorded);
- Case ▸ Remind me to call back… (Ctrl+Shift+R): set, move, finish or snooze the
  officer's reminder on the case in the pane; the watcher shows it when it falls due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from desk.case_sheet import CaseSheet, build_sheet
from desk.reminders import Reminders
from ui.clockfmt import utcnow
from ui.errors import log_failure
from ui.paper import reminders as reminder_ui
from ui.paper.sheet import print_sheets, save_sheets_pdf

log = logging.getLogger(__name__)

# A print run of more than this many sheets is a report, not a file copy.
MAX_SHEETS = 200


class PaperHook(QObject):
    def __init__(self, window, clock: Callable[[], datetime] = utcnow):
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.reminders = Reminders(window.store, window.actor.id)
        self.watcher = reminder_ui.ReminderWatcher(window, self.reminders, lambda: self.clock())
        bar = window.menuBar()
        file_menu = bar.addMenu(QCoreApplication.translate("Paper", "&File"))
        first = bar.actions()[0] if bar.actions() else None
        if first is not None and first is not file_menu.menuAction():
            # File comes first, as on every desktop.
            bar.insertMenu(first, file_menu)
        self.print_action = QAction(QCoreApplication.translate("Paper", "&Print case sheet…"), window)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_dialog)
        file_menu.addAction(self.print_action)
        self.pdf_action = QAction(QCoreApplication.translate("Paper", "Save case sheet as &PDF…"), window)
        self.pdf_action.triggered.connect(self.save_dialog)
        file_menu.addAction(self.pdf_action)
        case_menu = bar.addMenu(QCoreApplication.translate("Paper", "&Case"))
        self.remind_action = QAction(QCoreApplication.translate("Paper", "&Remind me to call back…"), window)
        self.remind_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.remind_action.triggered.connect(self.remind_dialog)
        case_menu.addAction(self.remind_action)
        window.bridge.sig_report.connect(lambda _report: self.watcher.check())
        self.watcher.check()

    # ------------------------------------------------------------ the case sheet

    def selected_ids(self) -> list[str]:
        """The selected rows' cases in table order, or the case in the pane."""
        window = self.window
        ids: list[str] = []
        selection = window.table.selectionModel()
        if selection is not None and window.middle.currentWidget() is window.queue_pane:
            rows = sorted({index.row() for index in selection.selectedRows()})
            ids = [i for i in (window.model.case_id(r) for r in rows) if i]
        if not ids and window.case_pane.case_id:
            ids = [window.case_pane.case_id]
        return ids[:MAX_SHEETS]

    def sheets(self) -> list[CaseSheet]:
        ctx, pane = self.window.context, self.window.case_pane
        out = []
        for case_id in self.selected_ids():
            case = ctx.store.case(case_id)
            if case is None:
                continue
            revealed, text_revealed = pane.revealed_state(case_id)
            out.append(build_sheet(case, ctx.reference, ctx.calendar, revealed=revealed,
                                   text_revealed=text_revealed))
        return out

    def _nothing(self) -> None:
        QMessageBox.information(self.window, QCoreApplication.translate("Paper", "Case sheet"), QCoreApplication.translate("Paper", "Select a case in the list first."))

    def save_pdf(self, path: Path) -> Path | None:
        sheets = self.sheets()
        if not sheets:
            return None
        return save_sheets_pdf(path, sheets, self.window.context, self.clock())

    def save_dialog(self) -> None:
        sheets = self.sheets()
        if not sheets:
            self._nothing()
            return
        name = (sheets[0].number if len(sheets) == 1 else QCoreApplication.translate("Paper", "case-sheets")) + ".pdf"
        path, _ = QFileDialog.getSaveFileName(self.window, QCoreApplication.translate("Paper", "Save case sheet as PDF"), name,
                                              QCoreApplication.translate("Paper", "PDF files (*.pdf)"))
        if not path:
            return
        try:
            save_sheets_pdf(Path(path), sheets, self.window.context, self.clock())
        except OSError as exc:
            log_failure(log, "saving a case sheet", exc)
            QMessageBox.warning(self.window, QCoreApplication.translate("Paper", "Case sheet"),
                                QCoreApplication.translate("Paper", "The PDF could not be written: %1").replace("%1", exc.strerror or str(exc)))
            return
        self.window.statusBar().showMessage(QCoreApplication.translate("Paper", "Case sheet saved."), 8000)

    def print_to(self, printer: QPrinter) -> bool:
        sheets = self.sheets()
        if not sheets:
            return False
        print_sheets(printer, sheets, self.window.context, self.clock())
        return True

    def print_dialog(self) -> None:
        if not self.selected_ids():
            self._nothing()
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.window)
        dialog.setWindowTitle(QCoreApplication.translate("Paper", "Print case sheet"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    # ------------------------------------------------------------ reminders

    def remind_dialog(self) -> None:
        case_id = self.window.case_pane.case_id
        case = self.window.case_pane.case
        if not case_id or case is None:
            self._nothing()
            return
        existing = self.reminders.get(case_id)
        now = self.clock()
        dialog = reminder_ui.ReminderDialog(
            str(case.get("number") or ""), reminder_ui.default_time(self.window, now),
            self.window.context.formatter.zone, existing=existing.due_at if existing else None,
            parent=self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
            return
        self.apply_choice(case_id, dialog.choice, dialog.due_at)

    def apply_choice(self, case_id: str, choice: str, due_at: datetime | None) -> None:
        reminders, now = self.reminders, self.clock()
        act = {
            reminder_ui.SET: lambda: reminders.set(case_id, due_at or now),
            reminder_ui.DONE: lambda: reminders.done(case_id),
            reminder_ui.DISMISS: lambda: reminders.dismiss(case_id),
            reminder_ui.SNOOZE: lambda: reminders.snooze(case_id, now),
        }[choice]

        def done(changes) -> None:
            self.window.apply_changes(changes)
            # A time already past shows at once rather than at the next look.
            self.watcher.check()

        self.window.runner.run(act, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        log_failure(log, "a callback reminder", error)
        self.window.status.show_unreadable(error)


def install(window) -> PaperHook:
    return PaperHook(window)
