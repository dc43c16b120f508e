"""Related cases in the case pane: other cases in the cache with the same citizen phone
or ID number, or a very similar title (desk.related, desk.store.related), read off the
GUI thread. Each line says why it is related; Enter or a double click opens it.

The other cases' citizens were not revealed by this officer on those cases: their names
and any numbers in their titles stay masked here, whatever was revealed on this case
(a reveal is recorded per case; open the case and press Show there).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desk.masking import mask_name, mask_text
from ui import text
from ui.errors import log_failure

log = logging.getLogger(__name__)

CaseIdRole = Qt.ItemDataRole.UserRole
# The lookup waits until the selection has rested this long: an officer walking the
# queue with the arrow keys starts no search per row passed.
REST_MS = 400


def _reason(word: str) -> str:
    source = {"phone": QCoreApplication.translate("RelatedCases", "same phone"),
              "id_number": QCoreApplication.translate("RelatedCases", "same ID number"),
              "title": QCoreApplication.translate("RelatedCases", "similar title")}
    return source.get(word, word)


class RelatedCases(QWidget):
    sig_open_case = Signal(str)

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.setObjectName("relatedCases")
        self.context = context
        self.case_id: str | None = None
        self.rows: list[dict] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.header)
        self.list = QListWidget()
        self.list.setObjectName("relatedList")
        self.list.setAccessibleName(self.tr("Related cases"))
        self.list.setWordWrap(False)
        self.list.setMaximumHeight(110)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout.addWidget(self.list)
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.setInterval(REST_MS)
        self._rest.timeout.connect(self._look_up)
        self.hide()

    def show_for(self, case_id: str | None) -> None:
        """List the cases related to `case_id` (none: hide), once the selection rests."""
        if case_id != self.case_id:
            # Another case's list must not stand beside this one while it is looked up.
            self.rows = []
            self.list.clear()
            self.hide()
        self.case_id = case_id
        if case_id is None:
            self._rest.stop()
            return
        self._rest.start()

    def stop(self) -> None:
        """The window closes: no lookup is started after it (its runner goes with it)."""
        self._rest.stop()
        self.case_id = None

    def _look_up(self) -> None:
        case_id, store = self.case_id, self.context.store
        if case_id is None:
            return
        self.context.runner.run(lambda: (case_id, store.related_cases(case_id)), self._found,
                                self._failed, key=(self, "related"))

    def _found(self, result: tuple[str, list[dict]]) -> None:
        case_id, rows = result
        if case_id != self.case_id:
            return
        self.rows = rows
        self.list.clear()
        for row in rows:
            name = row.get("citizen_name") or ""
            names = [name] if name else []
            parts = [row.get("number") or "", text.label("Status", row.get("status")),
                     text.one_line(mask_text(row.get("title") or "", names)),
                     mask_name(name), "· " + ", ".join(_reason(r) for r in row["reasons"])]
            item = QListWidgetItem("  ".join(p for p in parts if p))
            item.setData(CaseIdRole, row["id"])
            self.list.addItem(item)
        self.header.setText(self.tr("Related cases (%1): the same citizen or a very similar title")
                            .replace("%1", str(len(rows))))
        self.setVisible(bool(rows))

    def _failed(self, error: BaseException) -> None:
        log_failure(log, "finding related cases", error)
        self.hide()

    def _activated(self, item: QListWidgetItem) -> None:
        self.sig_open_case.emit(item.data(CaseIdRole))
