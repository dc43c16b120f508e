"""The outbox's Edit… and Withdraw… in the window, against the real reference server:
the buttons, the confirmation, the refusal for work that was sent and whose answer is
pending, and what reaches the server afterwards."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.faults import harness
from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, settle


def _mine(window):
    case_id = next(i for i in window.model.ids()
                   if window.store.synced_case(i)["status"] in ("accepted", "in_progress")
                   and window.store.synced_case(i)["assignee_id"] == window.actor.id
                   and not window.store.case(i)["pending_ops"])
    return case_id


def _select(qtbot, view, op_id):
    qtbot.waitUntil(lambda: any(i.op_id == op_id for i in view.model.items), timeout=10000)
    row = next(n for n, item in enumerate(view.model.items) if item.op_id == op_id)
    view.table.selectRow(row)
    qtbot.waitUntil(lambda: view.current() is not None and view.current().op_id == op_id)


def test_edit_and_withdraw_with_confirmation_then_sync(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "mine")
    case_id = _mine(window)
    window.bridge.stop()
    actions = window.context.actions
    edited = actions.note(case_id, "已电话联系群众")
    withdrawn = actions.note(case_id, "这条写错了")
    choose_queue(qtbot, window, "outbox")
    view = window.outbox_view

    # Edit…: the dialog holds the text; Save replaces it.
    _select(qtbot, view, edited)
    assert view.edit_button.isEnabled() and view.withdraw_button.isEnabled()
    view.edit_button.click()
    dialog = view.dialog
    assert dialog is not None and dialog.text() == "已电话联系群众"
    dialog.editor.setPlainText("已电话联系群众，约定明天上午来所")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: next(i for i in window.store.outbox() if i.op_id == edited)
                    .payload["body"] == "已电话联系群众，约定明天上午来所", timeout=10000)

    # Withdraw…: Cancel keeps it, the confirmed Withdraw takes it out.
    _select(qtbot, view, withdrawn)
    view.withdraw_button.click()
    box = view.dialog
    assert isinstance(box, QMessageBox) and "这条写错了" not in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.store.outbox_count() == 2
    _select(qtbot, view, withdrawn)
    view.withdraw_button.click()
    view.dialog.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.store.outbox_count() == 1, timeout=10000)
    qtbot.waitUntil(lambda: [i.op_id for i in view.model.items] == [edited], timeout=10000)

    window.bridge.start()
    window.sync_now()
    settle(qtbot, window)
    on_server = harness.server_case(server, "chief1", case_id)
    bodies = {e["op_id"]: e["body"] for e in on_server["entries"] if e.get("op_id")}
    assert bodies[edited] == "已电话联系群众，约定明天上午来所"
    assert withdrawn not in bodies


def test_a_claim_withdrawn_names_the_later_work_it_takes(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    window.bridge.stop()
    case = harness.intake(server, window.actor.unit_id)
    # The new case reaches the cache through one sync, then the link stays down.
    window.bridge.start()
    window.sync_now()
    qtbot.waitUntil(lambda: window.store.case(case["id"]) is not None and window.online_state == "idle",
                    timeout=30000)
    window.bridge.stop()
    actions = window.context.actions
    claim = actions.claim(case["id"])
    actions.accept(case["id"])
    actions.note(case["id"], "先受理再联系")
    choose_queue(qtbot, window, "outbox")
    view = window.outbox_view
    _select(qtbot, view, claim)
    view.withdraw_button.click()
    box = view.dialog
    assert "Accept" in box.text() and "先受理再联系" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.store.outbox_count() == 0, timeout=10000)
    assert window.store.case(case["id"])["assignee_id"] is None


def test_sent_work_cannot_be_edited_or_withdrawn_and_says_why(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "mine")
    case_id = _mine(window)
    window.bridge.stop()
    op_id = window.context.actions.note(case_id, "已回访")
    # What the sync does before the request leaves: the op is marked sent. Its answer
    # has not come back.
    assert [o.op_id for o in window.store.take_batch()] == [op_id]
    choose_queue(qtbot, window, "outbox")
    view = window.outbox_view
    _select(qtbot, view, op_id)
    assert not view.edit_button.isEnabled() and not view.withdraw_button.isEnabled()
    assert "may already be applied" in view.edit_button.toolTip()
    assert "may already be applied" in view.why.text()
    menu = view.context_menu()
    edit, withdraw = [a for a in menu.actions() if a.text() in (view.edit_button.text(),
                                                                  view.withdraw_button.text())]
    assert not edit.isEnabled() and not withdraw.isEnabled()
    assert "may already be applied" in withdraw.toolTip()
    state_column = [k for k, _ in view.model.columns].index("state")
    assert view.model.data(view.model.index(0, state_column)) == "Sent, answer pending"

    window.bridge.start()
    window.sync_now()
    settle(qtbot, window)
    on_server = harness.server_case(server, "chief1", case_id)
    assert [e["body"] for e in on_server["entries"] if e.get("op_id") == op_id] == ["已回访"]
