"""Issue 13: the Demo menu cuts and restores the demo's link, so a trainee sees offline
work and its delivery, against the demo server running as its own process."""

from __future__ import annotations

import requests

from launch.demo import DEMO_PASSWORD, DemoEnvironment

NOTE = "演示：断网期间记录的内部备注。"


def _entries_with(url: str, case_id: str, body: str) -> int:
    """Read the case back from the server as the station chief (a second device)."""
    http = requests.Session()
    http.trust_env = False
    login = http.post(f"{url}/api/v1/sessions", timeout=10,
                      json={"username": "chief1", "password": DEMO_PASSWORD, "device_name": "check"},
                      headers={"X-Device-Id": "00000000-0000-4000-8000-000000000001"})
    login.raise_for_status()
    http.headers["Authorization"] = f"Bearer {login.json()['token']}"
    cursor, count = None, 0
    while True:
        page = http.get(f"{url}/api/v1/changes", params={"limit": 1000, **({"cursor": cursor} if cursor else {})},
                        timeout=30).json()
        for change in page["changes"]:
            if change.get("op") == "upsert" and change["case"]["id"] == case_id:
                count = sum(1 for e in change["case"]["entries"] if e.get("body") == body)
        if not page["has_more"]:
            return count
        cursor = page["next_cursor"]


def test_demo_menu_cuts_the_link_and_work_arrives_after_restore(qtbot, desk_app):
    with DemoEnvironment(seed="demo", simulate=False) as demo:
        desk_app.demo_link = demo.link
        desk_app.login_directly(demo.app_url, "officer1", DEMO_PASSWORD)
        qtbot.waitUntil(lambda: desk_app.window is not None, timeout=30000)
        window = desk_app.window
        qtbot.waitUntil(lambda: window.online_state == "idle", timeout=30000)
        cut, restore = desk_app.demo_actions
        menus = [a.text() for a in window.menuBar().actions()]
        assert "De&mo" in menus
        assert cut.isEnabled() and not restore.isEnabled()

        qtbot.waitUntil(lambda: not window._refresh_running and window.model.rowCount() > 0,
                        timeout=30000)
        case_id = window.model.case_id(0)

        cut.trigger()
        assert restore.isEnabled() and not cut.isEnabled()
        qtbot.waitUntil(lambda: window.online_state == "offline", timeout=30000)
        qtbot.waitUntil(lambda: "cannot be reached" in window.state_label.text(), timeout=10000)

        window.context.actions.note(case_id, NOTE)
        assert window.store.outbox_count() == 1

        restore.trigger()
        qtbot.waitUntil(lambda: window.store.outbox_count() == 0 and window.online_state == "idle",
                        timeout=60000)
        assert _entries_with(demo.server_url, case_id, NOTE) == 1
        desk_app.shutdown()
