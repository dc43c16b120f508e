"""The login dialog: online login on a worker thread, offline unlock when the server
cannot be reached and this officer has a cache here."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)

from desk import session as desk_session
from desk.api import ApiError, AuthError, ServerRefused, TransportError
from desk.profile import CacheLost, Profile, ProfileError, WrongPassword, profile_dir
from desk.store import StoreError
from ui.errors import log_bug
from ui.resources import icon

log = logging.getLogger(__name__)


class LoginDialog(QDialog):
    """On success `self.session` is the opened desk.session.Session and `self.offline`
    says whether it was opened without the server."""

    sig_logged_in = Signal(object)

    def __init__(self, runner, *, server_url: str = "", username: str = "", ca_bundle: str | None = None,
                 server_locked: bool = False, message: str = "", parent=None):
        super().__init__(parent)
        self.runner = runner
        self.session = None
        self.offline = False
        # Set only for an offline unlock, and taken (and cleared) by the app at once.
        self.held_password: str | None = None
        self.ca_bundle = ca_bundle
        self.setWindowTitle(self.tr("Desk — log in"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Police service desk"))
        heading.setObjectName("caseNumber")
        layout.addWidget(heading)
        form = QFormLayout()
        self.server_edit = QLineEdit(server_url)
        self.server_edit.setPlaceholderText("https://desk.example.gov.cn")
        self.server_edit.setReadOnly(server_locked)
        self.user_edit = QLineEdit(username)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        for caption, edit in ((self.tr("&Server:"), self.server_edit),
                              (self.tr("&User name:"), self.user_edit),
                              (self.tr("&Password:"), self.password_edit)):
            label = QLabel(caption)
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout.addLayout(form)
        self.message = QLabel(message)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Log in"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.password_edit if username else self.user_edit if server_url else self.server_edit).setFocus()

    def _busy(self, busy: bool) -> None:
        for widget in (self.server_edit, self.user_edit, self.password_edit, self.buttons):
            widget.setEnabled(not busy)

    def submit(self) -> None:
        server = self.server_edit.text().strip().rstrip("/")
        username = self.user_edit.text().strip()
        password = self.password_edit.text()
        if not server or not username or not password:
            self.message.setText(self.tr("Please fill in the server, your user name and password."))
            return
        if "//" not in server:
            server = "https://" + server
        self._busy(True)
        self.message.setText(self.tr("Logging in to the server…"))
        ca_bundle = self.ca_bundle

        def work():
            try:
                return desk_session.login(server, username, password, ca_bundle=ca_bundle), False, None
            except TransportError:
                folder = profile_dir(server, username)
                if not Profile(folder).exists():
                    raise
                # Opened offline: the password goes (in memory only) to the app, which
                # logs in with it once the server answers again.
                return desk_session.open_offline(folder, password), True, password

        self.runner.run(work, self._done, self._failed)

    def _done(self, result) -> None:
        self.session, self.offline, self.held_password = result
        self.password_edit.clear()
        self._busy(False)
        self.sig_logged_in.emit(self.session)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        self.message.setText(login_error_text(error))
        if isinstance(error, CacheLost):
            self._offer_fresh_cache(error)

    def cache_lost_box(self, error: CacheLost) -> QMessageBox:
        """Unsent work is never dropped silently: say what was lost, and start afresh
        only when the officer says so (Cancel is the default)."""
        box = QMessageBox(QMessageBox.Icon.Critical, self.tr("Local cache lost"),
                          self.tr("The local cache of this profile is missing, empty or damaged."), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(str(error))
        self.fresh_button = box.addButton(self.tr("Start with an empty cache"),
                                          QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box

    def exec_box(self, box: QMessageBox) -> None:
        """Runs a message box modally. Tests replace this to answer it."""
        box.exec()

    def _offer_fresh_cache(self, error: CacheLost) -> None:
        box = self.cache_lost_box(error)
        self.exec_box(box)
        if box.clickedButton() is not self.fresh_button:
            return
        server = self.server_edit.text().strip().rstrip("/")
        if "//" not in server:
            server = "https://" + server
        folder = profile_dir(server, self.user_edit.text().strip())
        password = self.password_edit.text()

        def reset():
            store, _lost = Profile(folder).reset_cache(password)
            store.close()

        def done(_result) -> None:
            self.submit()

        self._busy(True)
        self.runner.run(reset, done, self._failed)


def login_error_text(error: BaseException) -> str:
    if isinstance(error, AuthError):
        return QCoreApplication.translate("LoginDialog", "Wrong user name or password.")
    if isinstance(error, WrongPassword):
        return QCoreApplication.translate("LoginDialog", "The server cannot be reached, and this password does not open the cache on this computer.")
    if isinstance(error, TransportError):
        return QCoreApplication.translate("LoginDialog", "The server cannot be reached, and you have no cache on this computer yet. "
                 "Log in once while connected.")
    if isinstance(error, ServerRefused) and error.status == 429:
        return QCoreApplication.translate("LoginDialog", "Too many attempts. Wait a minute and try again.")
    if isinstance(error, CacheLost):
        return QCoreApplication.translate("LoginDialog", "Your local cache is lost: %1").replace("%1", str(error))
    if isinstance(error, (ProfileError, StoreError)):
        return QCoreApplication.translate("LoginDialog", "Your local cache cannot be opened: %1").replace("%1", str(error))
    if isinstance(error, ApiError):
        log.warning("login failed: %s", type(error).__name__)
    else:
        # None of the failures a login expects: a bug, logged with where it happened.
        log_bug(log, "login", error)
    return QCoreApplication.translate("LoginDialog", "Login failed: %1").replace("%1", str(error))
