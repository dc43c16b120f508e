"""Offline work that drains on reconnect, the idle lock, and the models' contracts."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from desk.store import OutboxItem
from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, select_case, settle
from ui import settings as desk_settings
from ui.outbox.view import OUTBOX_COLUMNS, ItemsModel
from ui.queue.model import COLUMN_INDEX, QueueModel


def test_offline_work_is_kept_and_delivered_when_the_server_returns(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "unclaimed")
    case_id = window.model.case_id(0)
    select_case(qtbot, window, case_id)
    server.stop()
    window.sync_now()
    qtbot.waitUntil(lambda: window.online_state in ("offline", "error"), timeout=20000)
    assert "Offline" in window.state_label.text() or "retrying" in window.state_label.text()

    qtbot.mouseClick(window.case_pane.action_buttons["claim"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.store.outbox_count() == 1, timeout=10000)
    window.refresh()
    qtbot.waitUntil(lambda: "1" in window.outbox_label.text(), timeout=10000)
    # The local view shows the claim at once, marked as not sent: the case has left
    # "unclaimed" and is in the officer's own queue.
    assert window.store.case(case_id)["assignee_id"] == window.actor.id
    choose_queue(qtbot, window, "mine")
    row = window.model.row_of(case_id)
    assert row is not None
    assert window.model.index(row, COLUMN_INDEX["sync"]).data() == "Not sent"

    server.restart()
    window.sync_now()
    settle(qtbot, window, timeout=30000)
    assert window.store.synced_case(case_id)["assignee_id"] == window.actor.id
    assert window.outbox_label.text().startswith("0")
    assert "Online" in window.state_label.text()


def test_idle_lock_hides_the_cases_and_unlocks_with_the_password(qtbot, desk_app, server):
    desk_settings.settings().setValue("lock/idle_minutes", 0.005)  # 300 ms
    window = login(qtbot, desk_app, server)
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert window.stack.currentWidget() is window.lock_screen
    window.lock_screen.password.setText("wrong")
    window.lock_screen.submit()
    qtbot.waitUntil(lambda: window.lock_screen.message.text() != "", timeout=10000)
    assert window.locked
    window.lock_screen.password.setText("demo-pass")
    with qtbot.waitSignal(window.lock_screen.sig_unlocked, timeout=10000):
        window.lock_screen.submit()
    assert not window.locked and window.stack.currentWidget() is window.workspace


def test_input_keeps_the_lock_away_and_the_watcher_steps_out_between_inputs(qtbot, monkeypatch):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from ui import lock

    monkeypatch.setattr(lock, "LOOK_AWAY_MS", 200)
    app = QCoreApplication.instance()
    watcher = lock.IdleWatcher(0.01)  # 600 ms
    seen = []
    real_filter = watcher.eventFilter
    monkeypatch.setattr(watcher, "eventFilter", lambda w, e: (seen.append(e.type()), real_filter(w, e))[1])
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    watcher.watch(app)
    try:
        idled = []
        watcher.sig_idle.connect(lambda: idled.append(True))
        for _ in range(4):  # typing every 300 ms for 1.2 s: never idle
            QTest.keyClick(field, "a")
            qtbot.wait(300)
        assert not idled and field.text() == "aaaa"
        # Right after an input the filter is out of the event stream...
        QTest.keyClick(field, "b")
        seen.clear()
        QTest.keyClick(field, "c")
        assert not seen
        # ...and back in after LOOK_AWAY_MS, and the lock still comes once input stops.
        qtbot.waitUntil(lambda: bool(seen), timeout=2000)
        qtbot.waitUntil(lambda: bool(idled), timeout=3000)
    finally:
        watcher.unwatch()


def test_queue_model_passes_the_model_tester(qtmodeltester):
    rows = {f"c{i}": {"id": f"c{i}", "number": f"SX{i:012d}", "kind": "tip", "title": f"<i>{i}</i>",
                      "citizen_name": "张伟明", "citizen_phone": "13912345678", "status": "new",
                      "assignee_id": None, "received_at": "2026-11-26T02:30:00Z",
                      "next_due_at": "2026-11-27T02:30:00Z", "next_clock": "reply",
                      "provisional": False, "pending_ops": i % 2, "conflicts": 0}
            for i in range(50)}
    model = QueueModel(lambda ids: [rows[i] for i in ids if i in rows])
    model.requery = lambda sort, descending: sorted(rows, reverse=descending)
    model.set_ids(list(rows))
    qtmodeltester.check(model)
    assert model.index(0, 4).data() == "张** 139****5678"
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.case_id(0) == "c9"
    qtmodeltester.check(model)


def test_outbox_model_passes_the_model_tester(qtmodeltester):
    model = ItemsModel(OUTBOX_COLUMNS)
    qtmodeltester.check(model)
    # An empty model passes almost any tester: check it holding rows too.
    at = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    model.set_items([
        OutboxItem(op_id=f"op{i}", case_id=f"c{i}", case_number=f"SX{i:012d}", type="note", state="pending",
                   error={"code": "conflict", "detail": "changed"} if i % 3 == 0 else None, performed_at=at,
                   payload={"body": f"line one\nline {i}"}, seq=i)
        for i in range(20)])
    assert model.rowCount() == 20
    qtmodeltester.check(model)
    assert model.index(1, 0).data() == "SX000000000001"
    assert model.index(1, 4).data() == "line one line 1"
    assert model.index(0, 5).data() == "conflict changed"
