"""The window's status bar: whether the link is up and why not, the sync's progress,
when the last sync was, how much work has not reached the server, and a computer clock
that is off. Notices ("Saved.") come and go on the left; the state never hides."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from ui import text
from ui.resources import icon

# A computer clock further off than this from the server's is named.
CLOCK_WARN_S = 5 * 60


class StatusBar(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
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
        self.addWidget(self.progress)
        self.addWidget(self.clock_warning)
        # Online/offline is permanent: a notice or "Saved." in the status bar must never
        # hide whether the link is up.
        self.addPermanentWidget(self.state_icon)
        self.addPermanentWidget(self.state_label)
        self.addPermanentWidget(self.outbox_label)
        self.addPermanentWidget(self.last_sync_label)
        self.addPermanentWidget(self.sync_button)

    def show_state(self, state: str, detail: str = "") -> None:
        """`state` is the sync bridge's (syncing, idle, login_needed, connecting, error,
        offline); `detail` why there is no sync and when the next try is."""
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
        if detail:
            caption = self.tr("%1. %2").replace("%1", caption).replace("%2", detail)
        self.state_label.setText(caption)
        self.state_label.setToolTip(caption)  # the whole reason when a narrow window cuts it
        self.state_icon.setPixmap(icon(icon_name).pixmap(16, 16))

    def show_syncing(self) -> None:
        self.state_label.setText(self.tr("Syncing…"))

    def show_unreadable(self, error: BaseException) -> None:
        self.state_label.setText(self.tr("Cannot read the local cache: %1").replace("%1", str(error)))

    def show_figures(self, last_success: datetime | None, zone, outbox_count: int,
                     clock_offset_s: float | None) -> None:
        self.last_sync_label.setText(self.tr("Last sync: %1").replace(
            "%1", text.format_local(last_success, zone) if last_success else self.tr("never")))
        self.outbox_label.setText(self.tr("%n not sent", "", outbox_count))
        if clock_offset_s is not None and abs(clock_offset_s) > CLOCK_WARN_S:
            self.clock_warning.setText(self.tr("This computer's clock is off by %n minute(s)", "",
                                               int(abs(clock_offset_s) // 60)))
            self.clock_warning.show()
        else:
            self.clock_warning.hide()

    def show_progress(self, fraction: float) -> None:
        # QProgressBar.setValue repaints at once, on the spot: beside a busy sync that
        # held the window 20 to 40 ms for each page. With updates off for the call, the
        # bar is painted with the rest of the window on its next paint instead.
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(int(fraction * 100))
        self.progress.setUpdatesEnabled(True)
        self.progress.show()
