"""The officer's "my commitments" line: due today, due tomorrow, overdue, my rating."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel

from desk import supervision
from desk.store import StoreClosed
from ui.clockfmt import utcnow
from ui.errors import log_failure

log = logging.getLogger(__name__)


class CommitmentsSummary(QLabel):
    sig_refreshed = Signal()

    def __init__(self, store, actor, runner, parent=None):
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.runner = runner
        self.summary: supervision.Commitments | None = None
        self.setObjectName("myCommitments")
        self.setAccessibleName(QCoreApplication.translate("Commitments", "My commitments"))

    def refresh(self) -> None:
        # A refresh asked for while one runs may follow new data: the runner runs it
        # once more after (key).
        store, actor, now = self.store, self.actor, utcnow()
        self.runner.run(lambda: supervision.my_commitments(store, actor, now), self._show,
                        self._failed, key=(self, "refresh"))

    def _failed(self, error: BaseException) -> None:
        # The line keeps its last figures; the status bar already says when the cache
        # cannot be read. The cache closing under a refresh (logout, quit) is expected;
        # anything else used to leave the line stale without a word.
        if not isinstance(error, StoreClosed):
            log_failure(log, "my commitments", error)

    def _show(self, summary: supervision.Commitments) -> None:
        self.summary = summary
        rating = (QCoreApplication.translate("Commitments", "my rating %1 (%n rating(s))", None, summary.rating_count)
                  .replace("%1", f"{summary.rating_average:.1f}")
                  if summary.rating_average is not None else QCoreApplication.translate("Commitments", "no rating yet"))
        self.setText(QCoreApplication.translate("Commitments", "My commitments: %1 due today, %2 due tomorrow, %3 overdue; %4")
                     .replace("%1", str(summary.due_today)).replace("%2", str(summary.due_tomorrow))
                     .replace("%3", str(summary.overdue)).replace("%4", rating))
        self.sig_refreshed.emit()
