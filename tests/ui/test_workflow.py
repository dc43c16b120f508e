"""The real window against the real reference server on loopback: the officer's day."""

from __future__ import annotations

import requests
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.conftest import login


def settle(qtbot, window, timeout=20000):
    """Wait until local work has reached the server and the views are re-read."""
    qtbot.waitUntil(lambda: window.store.outbox_count() == 0 and window.online_state == "idle",
                    timeout=timeout)
    window.refresh()
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=timeout)


def choose_queue(qtbot, window, name):
    window.queue_list.setCurrentItem(window.queue_items[name])
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=10000)


def select_case(qtbot, window, case_id):
    row = window.model.row_of(case_id)
    assert row is not None
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.case_pane.case_id == case_id)


def answer_dialogs(window, fill):
    def fake_exec(dialog):
        from PySide6.QtWidgets import QMessageBox
        if isinstance(dialog, QMessageBox):
            # A confirmation (close, transfer): yes.
            dialog.button(QMessageBox.StandardButton.Yes).click()
            return True
        return fill(dialog)
    window._exec = fake_exec


def test_officer_handles_a_case_end_to_end(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    pane = window.case_pane
    me = window.actor.id
    choose_queue(qtbot, window, "unclaimed")
    assert window.model.rowCount() > 0
    case_id = window.model.case_id(0)
    select_case(qtbot, window, case_id)
    assert pane.action_buttons["claim"].isEnabled()
    assert not pane.action_buttons["accept"].isEnabled()

    qtbot.mouseClick(pane.action_buttons["claim"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.store.synced_case(case_id)["assignee_id"] == me
    pane.show_case(case_id)
    assert pane.action_buttons["accept"].isEnabled()

    qtbot.mouseClick(pane.action_buttons["accept"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    synced = window.store.synced_case(case_id)
    assert synced["status"] == "accepted" and synced["accepted_by"] == me
    pane.show_case(case_id)
    assert window.context.officer.name in pane.accountability.text()

    # Reply with the composer, Ctrl+Enter sends.
    pane.mode_combo.setCurrentIndex(pane.mode_combo.findData("reply"))
    pane.sms_check.setChecked(True)
    pane.editor.insertPlainText("您好，已为您查询。")
    QApplication.sendEvent(pane.editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                                   Qt.KeyboardModifier.ControlModifier))
    settle(qtbot, window)
    entries = window.store.synced_case(case_id)["entries"]
    assert any(e["type"] == "reply" and e["body"] == "您好，已为您查询。" for e in entries)
    assert pane.editor.toPlainText() == ""

    # Callback through its dialog.
    def fill_callback(dialog):
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("reached"))
        dialog.minutes.setValue(3)
        dialog.body.setPlainText("电话回访，群众表示满意")
        dialog.satisfaction.setCurrentIndex(dialog.satisfaction.findData("satisfied"))
        return True
    answer_dialogs(window, fill_callback)
    qtbot.mouseClick(pane.action_buttons["callback"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    callbacks = [e for e in window.store.synced_case(case_id)["entries"] if e["type"] == "callback"]
    assert callbacks and callbacks[-1]["data"]["outcome"] == "reached"

    # Internal note.
    pane.show_case(case_id)
    pane.mode_combo.setCurrentIndex(pane.mode_combo.findData("note"))
    pane.editor.setPlainText("已转交通秩序科核查")
    qtbot.mouseClick(pane.send_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert any(e["type"] == "note" for e in window.store.synced_case(case_id)["entries"])

    # Status change.
    def fill_status(dialog):
        dialog.target.setCurrentIndex(dialog.target.findData("in_progress"))
        dialog.reason.setText("开始办理")
        return True
    answer_dialogs(window, fill_status)
    pane.show_case(case_id)
    qtbot.mouseClick(pane.action_buttons["set_status"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.store.synced_case(case_id)["status"] == "in_progress"

    # Transfer to another station through the unit tree.
    other = next(u for u in window.context.reference.units
                 if u.kind == "station" and u.id != window.actor.unit_id)

    def fill_transfer(dialog):
        dialog.select_unit(other.id)
        dialog.reason.setPlainText("属地管辖")
        return True
    answer_dialogs(window, fill_transfer)
    pane.show_case(case_id)
    qtbot.mouseClick(pane.action_buttons["transfer"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    # The case left this officer's scope with the transfer.
    assert window.store.case(case_id) is None or window.store.case(case_id)["unit_id"] == other.id
    assert case_id not in window.model.ids()


def test_hostile_citizen_text_is_plain_and_contact_is_masked(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    body = 'Help <img src=x onerror=alert(1)> and <a href="http://evil.example">click</a>'
    title = "<b>标题</b> 测试"
    reply = requests.post(f"{server.api}/intake", headers={"Authorization": f"Bearer {server.gateway_token}"},
                          json={"kind": "consultation", "title": title, "body": body,
                                "citizen": {"name": "张伟明", "phone": "13912345678",
                                            "id_number": "140105199001011234"},
                                "unit_id": window.actor.unit_id}, timeout=10)
    assert reply.status_code == 201, reply.text
    case_id = reply.json()["id"]
    window.sync_now()
    qtbot.waitUntil(lambda: window.store.case(case_id) is not None, timeout=20000)
    choose_queue(qtbot, window, "unclaimed")
    select_case(qtbot, window, case_id)
    pane = window.case_pane
    assert pane.body_view.toPlainText() == body
    assert pane.title_label.text() == title
    labels = pane.findChildren(QLabel)
    assert all(label.textFormat() == Qt.TextFormat.PlainText
               for label in labels if "<" in label.text())
    row = window.model.row_of(case_id)
    assert window.model.index(row, 3).data() == title

    # Masked everywhere until shown; showing records reveals.
    citizen_cell = window.model.index(row, 4).data()
    assert "张**" in citizen_cell and "139****5678" in citizen_cell
    assert "13912345678" not in pane.citizen_label.text()
    assert "14010519********34" in pane.citizen_label.text()
    # Only the holder, a former holder or a supervisor may reveal (contract): claim first.
    qtbot.mouseClick(pane.action_buttons["claim"], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    pane.show_case(case_id)
    qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    # Each field's reveal is its own background action; the label follows each one.
    qtbot.waitUntil(lambda: "13912345678" in pane.citizen_label.text()
                    and "张伟明" in pane.citizen_label.text(), timeout=10000)
    settle(qtbot, window)
    reveals = [e for e in window.store.synced_case(case_id)["entries"] if e["type"] == "reveal"]
    assert {e["data"].get("field") for e in reveals} >= {"name", "phone"}
    # Another case shows masked again.
    pane.show_case(None)
    pane.show_case(case_id)
    assert "13912345678" not in pane.citizen_label.text()
