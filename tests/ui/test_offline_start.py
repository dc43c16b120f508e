"""Issue 10, part 1: an app started offline goes back online by itself.

The way it happens at a rural station: the officer logged in here once before; today the
real reference server is down when the app starts, the login dialog unlocks the cache
offline, the officer works, the server comes back on the same database and port, and the
work reaches it exactly once, with no restart of the app.
"""

from __future__ import annotations

import time

import pytest

from desk import session as desk_session
from desk.sync import SyncEngine
from tests.central.server_fixture import start_server
from tests.ui.conftest import PASSWORD

NOTE = "离线时记录：已电话联系群众，约定明日到所补材料。"


def _prepare_cache(server) -> None:
    """A first, online login on this computer fills the cache; the app is then closed.
    No token survives (the test keyring is the null one), as on a PC without a keyring."""
    session = desk_session.login(server.url, "officer1", PASSWORD)
    try:
        report = SyncEngine(session.store, session.client, session.actor).run_cycle()
        assert report.finished
    finally:
        session.close()


def _entries_with(server, case_id: str, body: str) -> int:
    doc = server.service.case_doc(case_id)
    return sum(1 for entry in doc["entries"] if entry.get("body") == body)


def test_offline_start_delivers_work_once_server_returns(qtbot, tmp_path, desk_app):
    server = start_server(tmp_path / "server", seed="demo")
    try:
        _prepare_cache(server)
        server.stop()  # the link is down before the app starts

        dialog = desk_app.show_login()
        qtbot.addWidget(dialog)
        dialog.server_edit.setText(server.url)
        dialog.user_edit.setText("officer1")
        dialog.password_edit.setText(PASSWORD)
        dialog.submit()
        qtbot.waitUntil(lambda: desk_app.window is not None, timeout=20000)
        window = desk_app.window
        assert desk_app.session.client is None  # really offline: no token, no server
        # The password is held by the reconnector only, not by the dialog.
        assert dialog.held_password is None and dialog.password_edit.text() == ""
        qtbot.waitUntil(lambda: not window._refresh_running and window.model.rowCount() > 0,
                        timeout=20000)
        case_id = window.model.case_id(0)
        window.context.actions.note(case_id, NOTE)
        assert window.store.outbox_count() == 1

        # F5 while offline says why there is no sync and when the next try is.
        window.sync_now()
        qtbot.waitUntil(lambda: "Next try at" in window.state_label.text(), timeout=20000)
        assert "cannot be reached" in window.state_label.text()

        server.start()  # same database, same port
        back = time.monotonic()
        qtbot.waitUntil(lambda: window.store.outbox_count() == 0 and window.online_state == "idle",
                        timeout=60000)
        assert time.monotonic() - back < 60
        assert _entries_with(server, case_id, NOTE) == 1
        assert desk_app.session.online

        # Delivered exactly once: further syncs resend nothing.
        window.sync_now()
        qtbot.waitUntil(lambda: desk_app.bridge.loop.cycles >= 2 and window.online_state == "idle",
                        timeout=20000)
        assert _entries_with(server, case_id, NOTE) == 1
    finally:
        desk_app.shutdown()
        server.stop()


@pytest.mark.slow
def test_wrong_password_on_server_stops_trying(qtbot, tmp_path):
    """The password was changed on the server while the officer worked offline: one
    refused login, no retry loop (that would lock the account), and the officer is told."""
    from ui.sync_bridge import SyncBridge

    server = start_server(tmp_path / "server", seed="demo")
    try:
        _prepare_cache(server)
        folder = desk_session.last_profile()
        session = desk_session.open_offline(folder, PASSWORD)
        import requests
        requests.post(f"{server.api}/admin/officers/officer1/password", json={"password": "new-pass-1"},
                      headers={"Authorization": f"Bearer {server.gateway_token}"}, timeout=10
                      ).raise_for_status()
        bridge = SyncBridge(session, interval=3600, password=PASSWORD)
        states: list[str] = []
        bridge.sig_state.connect(states.append)
        bridge.start()
        qtbot.waitUntil(lambda: bridge.refused, timeout=20000)
        assert states[-1] == "login_needed"
        assert bridge.reconnector is None and bridge.loop is None
        assert "refused the password" in bridge.offline_detail()
        bridge.stop()
        session.close()
    finally:
        server.stop()
