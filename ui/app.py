"""Start Desk: translations, the look, the login (or offline unlock), the main window.

`desk`, `desk gui` and `desk demo` call main(); the demo passes the account to log
straight in with.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu

from desk import session as desk_session
from desk.profile import Profile, ProfileError, WrongPassword
from desk.store import StoreError
from ui import i18n, machine_config
from ui import settings as desk_settings
from ui.context import DeskContext
from ui.login.dialog import LoginDialog, login_error_text
from ui.main_window import MainWindow
from ui.resources import icon, style_sheet
from ui.sync_bridge import SyncBridge
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class DeskApp(QObject):
    """Owns the runner, the session and the window of the officer logged in."""

    def __init__(self, *, sync_interval: float = 60.0, parent=None):
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.sync_interval = sync_interval
        self.session = None
        self.context = None
        self.bridge = None
        self.window: MainWindow | None = None
        self.login_dialog: LoginDialog | None = None
        # `desk demo`: the relay between app and demo server (launch.demo.DemoLink) that
        # the Demo menu cuts and restores, so a trainee can see offline work.
        self.demo_link: Any = None
        self.demo_actions: tuple[QAction, QAction] | None = None  # cut, restore

    def login_defaults(self) -> dict:
        """Server and user name for the login dialog: machine config, then last profile."""
        defaults = {"server_url": "", "username": "", "ca_bundle": None, "server_locked": False,
                    "message": ""}
        try:
            config = machine_config.load()
        except machine_config.MachineConfigError as exc:
            defaults["message"] = str(exc)
            config = machine_config.MachineConfig()
        last = desk_session.last_profile()
        if last is not None:
            cfg = Profile(last).config
            if cfg is not None:
                defaults.update(server_url=cfg.server_url, username=cfg.username, ca_bundle=cfg.ca_bundle)
        if config.server_url:
            if defaults["server_url"] != config.server_url:
                defaults["username"] = ""
            defaults.update(server_url=config.server_url, server_locked=True)
            if config.ca_bundle:
                defaults["ca_bundle"] = config.ca_bundle
        return defaults

    def show_login(self, message: str = "") -> LoginDialog:
        defaults = self.login_defaults()
        if message:
            defaults["message"] = message
        dialog = LoginDialog(self.runner, **defaults)
        dialog.sig_logged_in.connect(lambda s: self._logged_in(dialog, s))
        dialog.rejected.connect(self._login_cancelled)
        self.login_dialog = dialog
        dialog.show()
        return dialog

    def _logged_in(self, dialog: LoginDialog, session) -> None:
        password, dialog.held_password = dialog.held_password, None
        self.open_session(session, offline=dialog.offline, password=password)

    def _login_cancelled(self) -> None:
        if self.window is None:
            QCoreApplication.instance().quit()

    def login_directly(self, server_url: str, username: str, password: str, ca_bundle=None) -> None:
        def work():
            return desk_session.login(server_url, username, password, ca_bundle=ca_bundle)

        self.runner.run(work, lambda s: self.open_session(s, offline=False),
                        lambda e: self.show_login(login_error_text(e)))

    def open_session(self, session, *, offline: bool, password: str | None = None) -> MainWindow:
        """`password`, for a session opened offline: held in memory by the sync bridge
        to log in once the server answers again (never written anywhere)."""
        self.session = session
        self.context = DeskContext(session, self.runner, self)
        self.bridge = SyncBridge(session, interval=self.sync_interval, password=password, parent=self)
        self.window = MainWindow(self.context, self.bridge, offline=offline or session.client is None)
        self.window.sig_logout_requested.connect(self.logout)
        if self.demo_link is not None:
            self._add_demo_menu(self.window)
        self.window.show()
        # What exists now (modules, Qt wrappers, the window) lives as long as the app. Out
        # of the collector's sight, a full collection during a sync no longer walks it all
        # while it holds the interpreter lock the window's painting waits for.
        gc.freeze()
        self.bridge.start()
        self.window.refresh()
        return self.window

    def _add_demo_menu(self, window: MainWindow) -> None:
        link = self.demo_link
        # Before 帮助, which stays the last menu.
        menu = QMenu(QCoreApplication.translate("DemoMenu", "De&mo"), window.menuBar())
        window.menuBar().insertMenu(window.help.menu.menuAction(), menu)
        cut = menu.addAction(QCoreApplication.translate("DemoMenu", "&Cut the demo network"))
        cut.setStatusTip(QCoreApplication.translate(
            "DemoMenu", "Act as if this station's link went down: work offline, then restore it"))
        restore = menu.addAction(QCoreApplication.translate("DemoMenu", "&Restore the demo network"))
        restore.setStatusTip(QCoreApplication.translate(
            "DemoMenu", "The link comes back: queued work is sent within half a minute"))
        self.demo_actions = (cut, restore)

        def show_state() -> None:
            cut.setEnabled(link.is_up)
            restore.setEnabled(not link.is_up)

        def do_cut() -> None:
            link.cut()
            show_state()
            if self.bridge is not None:
                self.bridge.sync_now()  # notice at once, as the officer would on the next save

        def do_restore() -> None:
            link.restore()
            show_state()
            # No sync poke: the trainee sees the app find the link again on its own.

        cut.triggered.connect(do_cut)
        restore.triggered.connect(do_restore)
        show_state()

    def logout(self, wipe: bool) -> None:
        session = self.session
        self.close_session()
        if session is not None:
            desk_session.logout(session, wipe=wipe)
        self.show_login()

    def close_session(self) -> None:
        """Stop sync and close the window; the session's store stays for logout()."""
        if self.window is not None:
            # Closed first so signals still queued from the sync thread find it closed.
            self.window.close()
            self.window.deleteLater()
        if self.bridge is not None:
            self.bridge.stop()
        self.runner.wait(10000)
        self.window, self.bridge, self.context = None, None, None

    def shutdown(self) -> None:
        session = self.session
        self.close_session()
        if session is not None:
            session.close()
            self.session = None


def setup_application(argv: list[str], language: str) -> tuple[QApplication, i18n.Translations]:
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Desk")
    app.setOrganizationName("Desk")
    app.setWindowIcon(icon("app"))
    translations = i18n.Translations()
    translations.install(language)
    app.setStyleSheet(style_sheet())
    return app, translations


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="desk gui", description="The officer's desk.")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="interface language for this run only (default: the one chosen in the "
                        "Desk menu, zh_CN at first)")
    parser.add_argument("--server", help="server URL (overrides the machine config)")
    parser.add_argument("--sync-interval", type=float, default=60.0, help="seconds between syncs")
    parser.add_argument("--profile", metavar="DIR", help="with --password-stdin: the profile to open")
    parser.add_argument("--password-stdin", action="store_true",
                        help="open the profile (default: the last one) offline with the password "
                             "on the first line of stdin, without the login dialog")
    args, _unknown = parser.parse_known_args(argv)
    return args


SMOKE_QUIT_ENV = "DESK_SMOKE_QUIT_AFTER_MS"


class _FirstPaint(QObject):
    """The installer's smoke test (DESK_SMOKE_QUIT_AFTER_MS): report when the first
    window is painted, then quit on our own so a frozen build can be checked unattended."""

    def __init__(self, window, quit_after_ms: int):
        super().__init__(window)
        self.quit_after_ms = quit_after_ms
        window.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"desk-smoke: shown {type(watched).__name__}", flush=True)
            QTimer.singleShot(self.quit_after_ms, QCoreApplication.instance().quit)
        return False


def _arm_smoke_quit(window) -> None:
    value = os.environ.get(SMOKE_QUIT_ENV, "")
    if value.isdigit() and window is not None:
        _FirstPaint(window, int(value))


def display_problem() -> str | None:
    """One line saying there is no display to open a window on, or None. Without this,
    Qt aborts with a message about xcb plugins and libxcb-cursor0 that sends people
    installing libraries they already have."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (DISPLAY and WAYLAND_DISPLAY are not set): the terminal commands "
            "work without one (desk --help), the demo runs headless with `desk demo --no-gui`, "
            "and QT_QPA_PLATFORM=offscreen runs the app without showing it")


def main(argv: list[str] | None = None, *, demo: dict | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    problem = display_problem()
    if problem:
        print(f"desk: {problem}", file=sys.stderr)
        return 1
    # --lang is for this run; the saved language is the one chosen in the Desk menu.
    language = args.lang or desk_settings.language(i18n.DEFAULT_LANGUAGE)
    app, _translations = setup_application([sys.argv[0], *argv], language)
    desk_app = DeskApp(sync_interval=args.sync_interval)
    if demo:
        desk_app.demo_link = demo.get("link")
        desk_app.login_directly(demo["server_url"], demo["username"], demo["password"])
    elif args.password_stdin:
        profile = args.profile or desk_session.last_profile()
        if profile is None:
            print("desk: no profile to open", file=sys.stderr)
            return 2
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            session = desk_session.open_offline(profile, password)
        except (WrongPassword, ProfileError, StoreError, OSError) as exc:
            print(f"desk: cannot open the profile: {exc}", file=sys.stderr)
            return 1
        _arm_smoke_quit(desk_app.open_session(session, offline=True, password=password))
    else:
        dialog = desk_app.show_login()
        if args.server:
            dialog.server_edit.setText(args.server)
        _arm_smoke_quit(dialog)
    app.aboutToQuit.connect(desk_app.shutdown)
    try:
        return app.exec()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
