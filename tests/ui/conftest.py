"""UI test fixtures: isolated profile/config/settings folders, the real reference server
on loopback, and a logged-in Desk window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from tests.central.server_fixture import start_server

PASSWORD = "demo-pass"


def pytest_collection_modifyitems(items):
    # The offscreen platform plugin warns that it cannot propagate size hints whenever a
    # menu or status bar resizes; that is the plugin's limit, not the app's.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))


@pytest.fixture(autouse=True)
def isolated_desk(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DESK_MACHINE_CONFIG", str(tmp_path / "machine" / "desk.toml"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path


@pytest.fixture
def server(tmp_path):
    running = start_server(tmp_path / "server", seed="demo")
    yield running
    running.stop()


@pytest.fixture
def desk_app(qtbot):
    from ui.app import DeskApp

    app = DeskApp(sync_interval=3600)
    yield app
    app.shutdown()


def login(qtbot, desk_app, server, username="officer1", *, track=True):
    """Log in through the real flow and wait for the first sync to land. `track=False`
    when the test closes the app itself (qtbot would close a deleted window)."""
    desk_app.login_directly(server.url, username, PASSWORD)
    qtbot.waitUntil(lambda: desk_app.window is not None, timeout=20000)
    window = desk_app.window
    if track:
        qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.online_state == "idle" and window.model.rowCount() > 0
                    and not window._refresh_running, timeout=30000)
    return window
