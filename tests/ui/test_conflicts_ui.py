"""Conflicts through the window: work done while the link was down meets a case that
changed on the server; the officer sees it under Conflicts and settles each one with the
buttons, and the server ends up with what was chosen."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.faults import harness
from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, settle


def _mine_in(window, statuses, count):
    ids = [i for i in window.model.ids()
           if window.store.synced_case(i)["status"] in statuses
           and window.store.synced_case(i)["assignee_id"] == window.actor.id
           and not window.store.case(i)["pending_ops"]]
    assert len(ids) >= count, "the demo seed gives officer1 enough cases in progress"
    return ids[:count]


def _select_conflict(qtbot, window, case_id):
    view = window.conflicts_view
    row = next(i for i, item in enumerate(view.model.items) if item.case_id == case_id)
    view.table.selectRow(row)
    qtbot.waitUntil(lambda: view.current() is not None and view.current().case_id == case_id)
    return view.current()


def test_offline_status_changes_meet_server_changes_and_are_settled_in_the_ui(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "mine")
    reassigned, closed, reopened = _mine_in(window, ("accepted", "in_progress"), 3)
    versions = {i: window.store.synced_case(i) for i in (reassigned, closed, reopened)}
    officer2 = next(o for o in window.context.reference.officers if o.username == "officer2")

    # The link goes down: nothing reaches the server while the officer works.
    window.bridge.stop()
    for case_id, reason in ((reassigned, "等待群众补充驾驶证复印件"), (closed, "等待群众补充材料"),
                            (reopened, "等群众回电确认地址")):
        window.context.actions.set_status(case_id, "waiting_citizen", reason)
    assert window.store.outbox_count() == 3

    # Meanwhile on the server: the chief reassigns one case, the officer's other desk
    # closes two.
    chief = harness.other_officer(server, "chief1")
    other_desk = harness.other_officer(server, "officer1")
    chief.act(versions[reassigned], "reassign", {"to_officer_id": officer2.id, "reason": "工作调整"})
    closed_on_server = other_desk.act(versions[closed], "set_status", {"to": "closed", "reason": "已电话答复"})
    closed_again = other_desk.act(versions[reopened], "set_status", {"to": "closed", "reason": "已办结"})

    # The link comes back.
    window.bridge.start()
    window.sync_now()
    qtbot.waitUntil(lambda: len(window.store.conflicts()) == 3 and window.online_state == "idle",
                    timeout=30000)
    window.refresh()
    qtbot.waitUntil(lambda: "(3)" in window.queue_items["conflicts"].text(), timeout=10000)
    assert any(title for title, _ in window.notifications if title == "Conflict")

    choose_queue(qtbot, window, "conflicts")
    view = window.conflicts_view
    assert window.middle.currentWidget() is view
    assert {item.case_id for item in view.model.items} == {reassigned, closed, reopened}

    # Reassigned away: keep the officer's words as a note (late, nothing lost).
    item = _select_conflict(qtbot, window, reassigned)
    assert "等待群众补充驾驶证复印件" in view.mine.toPlainText()
    assert officer2.name in view.theirs.toPlainText()
    assert view.note_button.isEnabled()
    qtbot.mouseClick(view.note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.store.conflict(item.op_id).resolution == "note", timeout=10000)

    # Closed meanwhile: drop it.
    choose_queue(qtbot, window, "conflicts")
    item = _select_conflict(qtbot, window, closed)
    discarded = item.op_id
    qtbot.mouseClick(view.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.store.conflict(discarded).resolution == "discard", timeout=10000)

    # Closed, then reopened by the chief: the change still makes sense, so retry it.
    chief.act(closed_again, "set_status", {"to": "in_progress", "reason": "群众来电补充情况"})
    window.sync_now()
    qtbot.waitUntil(lambda: window.store.synced_case(reopened)["status"] == "in_progress"
                    and window.online_state == "idle", timeout=30000)
    choose_queue(qtbot, window, "conflicts")
    item = _select_conflict(qtbot, window, reopened)
    qtbot.mouseClick(view.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.store.conflict(item.op_id).resolution == "retry", timeout=10000)

    settle(qtbot, window, timeout=30000)
    qtbot.waitUntil(lambda: "(0)" in window.queue_items["conflicts"].text(), timeout=10000)
    view.refresh()
    assert view.model.items == [] and not view.retry_button.isEnabled()

    on_server = harness.server_cases(server, "chief1")
    notes = [e for e in on_server[reassigned]["entries"] if e["type"] == "note"]
    assert on_server[reassigned]["assignee_id"] == officer2.id
    assert notes and notes[-1]["body"] == "等待群众补充驾驶证复印件" and notes[-1]["late"]
    assert on_server[closed]["status"] == "closed"
    assert on_server[closed]["version"] == closed_on_server["version"], "nothing sent for it"
    assert not any(e.get("op_id") == discarded for e in on_server[closed]["entries"])
    assert on_server[reopened]["status"] == "waiting_citizen"
