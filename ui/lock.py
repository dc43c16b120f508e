"""The idle lock: after N minutes without keyboard or mouse input the window hides the
cases behind a password prompt. Sync keeps running while locked."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desk.profile import WrongPassword
from ui.resources import icon

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


# After an input the watcher looks away this long: an application-wide filter is called
# from Qt for every event of every object (hundreds per repaint of the queue, each a call
# into Python that waits for the interpreter lock beside a sync), and the idle clock
# needs no finer grain than this.
LOOK_AWAY_MS = 2000


class IdleWatcher(QObject):
    """An application-wide event filter that restarts a timer on any input. Once it saw
    one, it steps out of the event stream for LOOK_AWAY_MS: the window locks at most
    that much earlier than the minutes after the officer's last input."""

    sig_idle = Signal()

    def __init__(self, minutes: float, parent=None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sig_idle)
        self._app: QObject | None = None
        self._look_back = QTimer(self)
        self._look_back.setSingleShot(True)
        self._look_back.setInterval(LOOK_AWAY_MS)
        self._look_back.timeout.connect(self._filter_again)
        self.set_minutes(minutes)

    def watch(self, app: QObject) -> None:
        self._app = app
        app.installEventFilter(self)

    def unwatch(self) -> None:
        self._look_back.stop()
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def set_minutes(self, minutes: float) -> None:
        self.minutes = minutes
        if minutes > 0:
            self.timer.setInterval(max(1, int(minutes * 60_000)))
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched, event) -> bool:
        if event.type() in INPUT_EVENTS and self.minutes > 0:
            self.timer.start()
            if self._app is not None:
                self._app.removeEventFilter(self)
                self._look_back.start()
        return False

    def _filter_again(self) -> None:
        if self._app is not None:
            self._app.installEventFilter(self)


class LockScreen(QWidget):
    sig_unlocked = Signal()

    def __init__(self, runner, profile, username: str, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.profile = profile
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QVBoxLayout()
        title = QLabel(self.tr("Desk is locked"))
        title.setObjectName("caseNumber")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(title)
        who = QLabel(self.tr("Enter the password of %1 to continue. Sync goes on meanwhile.").replace("%1", username))
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(who)
        row = QHBoxLayout()
        row.addStretch(1)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setMinimumWidth(240)
        self.password.returnPressed.connect(self.submit)
        row.addWidget(self.password)
        self.unlock_button = QPushButton(icon("lock"), self.tr("&Unlock"))
        self.unlock_button.clicked.connect(self.submit)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        box.addLayout(row)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setObjectName("warning")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.message)
        outer.addLayout(box)
        outer.addStretch(2)

    def reset(self) -> None:
        self.password.clear()
        self.message.clear()
        self.password.setFocus()

    def submit(self) -> None:
        password = self.password.text()
        if not password:
            return
        self.password.setEnabled(False)
        self.unlock_button.setEnabled(False)
        profile = self.profile

        def check():
            # The password must open the cache key; the store it opens is closed at once.
            profile.unlock(password).close()
            return True

        self.runner.run(check, self._ok, self._failed)

    def _ok(self, _result) -> None:
        self.password.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.sig_unlocked.emit()

    def _failed(self, error: BaseException) -> None:
        self.password.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.password.selectAll()
        self.password.setFocus()
        if isinstance(error, WrongPassword):
            self.message.setText(self.tr("Wrong password."))
        else:
            self.message.setText(self.tr("Cannot check the password: %1").replace("%1", str(error)))
