"""What an officer sees when the platform has grown past this desk: a new kind named by
its policy row, an entry type shown with its type and body, an unknown status
read-only, and a case that cannot be read named in a notice while the rest syncs."""

from __future__ import annotations

import requests

from desk import wire
from tests.central.server_fixture import start_server
from tests.faults.rewriting_proxy import RewritingProxy
from tests.ui.conftest import PASSWORD
from ui.case.view import EntryWidget
from ui.queue.model import COLUMNS

LOST_FOUND = wire.Policy(kind="lost_found", name="失物招领", clocks=[
    wire.PolicyClock(clock="reply", limit=3, unit="calendar_day")])


def _intake(server, unit_id, kind, title):
    resp = requests.post(f"{server.url}/api/v1/intake", timeout=30,
                         headers={"Authorization": f"Bearer {server.gateway_token}"},
                         json={"kind": kind, "title": title, "body": "请帮忙", "unit_id": unit_id,
                               "citizen": {"name": "张伟明", "phone": "13912345678"}})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_the_window_shows_a_grown_platform_and_names_what_it_set_aside(qtbot, desk_app, tmp_path):
    server = start_server(tmp_path / "server", seed="empty", policy=[LOST_FOUND])
    proxy = RewritingProxy(server.url)
    try:
        r = requests.post(f"{server.url}/api/v1/sessions", headers={"X-Device-Id": "probe"},
                          json={"username": "officer1", "password": PASSWORD}, timeout=30)
        unit = r.json()["officer"]["unit_id"]
        lost = _intake(server, unit, "lost_found", "遗失钱包")
        odd = _intake(server, unit, "consultation", "户口迁移咨询")
        broken = _intake(server, unit, "consultation", "暂住证咨询")

        def grown(page):
            for change in page["changes"]:
                case = change.get("case") or {}
                if case.get("id") == odd["id"]:
                    case["status"] = "suspended"
                    case["entries"].append({
                        "id": "sms-1", "type": "sms_notice", "author_name": None,
                        "body": "已短信告知办理地点", "performed_at": case["received_at"],
                        "received_at": case["received_at"]})
                elif case.get("id") == broken["id"]:
                    case["version"] = "two"
            return page

        proxy.rewrite = grown
        desk_app.login_directly(proxy.url, "officer1", PASSWORD)
        qtbot.waitUntil(lambda: desk_app.window is not None, timeout=20000)
        window = desk_app.window
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: any(t == "Cases set aside" for t, _ in window.notifications),
                        timeout=30000)
        message = next(m for t, m in window.notifications if t == "Cases set aside")
        assert broken["number"] in message and "暂住证" not in message and "张伟明" not in message

        window.queue_list.setCurrentItem(window.queue_items["unclaimed"])
        kind_column = [c[0] for c in COLUMNS].index("kind")
        qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10000)
        kinds = {window.model.data(window.model.index(row, kind_column))
                 for row in range(window.model.rowCount())}
        assert "失物招领" in kinds, kinds

        window.case_pane.show_case(lost["id"])
        qtbot.waitUntil(lambda: window.case_pane.case is not None)
        assert window.case_pane.kind_value.text() == "失物招领"

        window.case_pane.show_case(odd["id"])
        qtbot.waitUntil(lambda: (window.case_pane.case or {}).get("id") == odd["id"])
        assert "read-only" in window.case_pane.status_value.text()
        buttons = window.case_pane.action_buttons
        for op_type in ("claim", "set_status", "transfer"):
            assert not buttons[op_type].isEnabled(), op_type
        entries = window.case_pane.findChildren(EntryWidget)
        sms = [e for e in entries if e.entry.get("type") == "sms_notice"]
        assert sms and "sms_notice" in sms[0].title.text() and sms[0].body.text() == "已短信告知办理地点"
    finally:
        proxy.stop()
        server.stop()
