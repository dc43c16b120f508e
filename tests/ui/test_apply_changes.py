"""MainWindow.apply_changes re-reads only what a write says it changed.

Changes is what desk's store returns from every write (case ids, all cases, outbox,
conflicts, reference). The store, the actions and the server are real; the sync is stopped so that only the
changes handed over here refresh the window."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desk.store import Changes
from tests.ui.conftest import login


def _quiet_window(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    window.bridge.stop()
    # The stopped loop thread may have posted a report (the login's first sync) that
    # marks every row it pulled stale: deliver it, and let what it started finish,
    # before a test counts which rows are read again.
    QCoreApplication.processEvents()
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=10000)
    QCoreApplication.processEvents()
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=10000)
    return window


def _record_reads(window) -> list[list[str]]:
    reads: list[list[str]] = []
    fetch = window.model._fetch_rows

    def recording(ids):
        reads.append(list(ids))
        return fetch(ids)

    window.model._fetch_rows = recording
    return reads


def _read_every_row(window) -> None:
    for row in range(window.model.rowCount()):
        window.model.row_data(row)


def test_a_changed_case_is_the_only_row_read_again(qtbot, desk_app, server):
    window = _quiet_window(qtbot, desk_app, server)
    assert window.model.rowCount() >= 2
    changed, other = window.model.case_id(0), window.model.case_id(1)
    window.open_case(changed)
    _read_every_row(window)
    reads = _record_reads(window)

    window.context.actions.note(changed, "已电话联系群众")
    with qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        window.apply_changes(Changes(case_ids=frozenset({changed}), outbox=True))

    # The case pane shows the new note; the other row is still cached, the changed one
    assert any(e.get("body") == "已电话联系群众" for e in window.case_pane.case["entries"])
    # is read again, alone and once (by a repaint of the table, or here, whichever first).
    window.model.row_data(window.model.row_of(other))
    window.model.row_data(window.model.row_of(changed))
    assert reads == [[changed]]
    assert window.outbox_label.text().startswith("1")


def test_a_case_that_leaves_the_queue_is_listed_out(qtbot, desk_app, server):
    window = _quiet_window(qtbot, desk_app, server)
    window.queue_list.setCurrentItem(window.queue_items["unclaimed"])
    qtbot.waitUntil(lambda: not window._refresh_running and window.model.rowCount() > 0, timeout=10000)
    case_id = window.model.case_id(0)
    count_before = window.model.rowCount()

    window.context.actions.claim(case_id)
    with qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        window.apply_changes(Changes(case_ids=frozenset({case_id}), outbox=True))

    # Claimed: it belongs to Mine now, not to Unclaimed (the queue's own SQL said so).
    assert case_id not in window.model.ids()
    assert window.model.rowCount() == count_before - 1
    assert window.queue_items["unclaimed"].text().endswith(f"({count_before - 1})")


def test_outbox_only_changes_count_the_outbox_and_list_nothing(qtbot, desk_app, server):
    window = _quiet_window(qtbot, desk_app, server)
    _read_every_row(window)
    reads = _record_reads(window)
    case_id = window.model.case_id(0)
    window.context.actions.note(case_id, "内部备注")
    with qtbot.assertNotEmitted(window.sig_listed), qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        window.apply_changes(Changes(outbox=True))
    assert window.outbox_label.text().startswith("1")
    assert window.queue_items["outbox"].text().endswith("(1)")
    _read_every_row(window)
    assert reads == []


def test_nothing_known_refreshes_everything(qtbot, desk_app, server):
    window = _quiet_window(qtbot, desk_app, server)
    _read_every_row(window)
    reads = _record_reads(window)
    with qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        window.apply_changes(None)
    _read_every_row(window)
    assert sorted(i for block in reads for i in block) == sorted(window.model.ids())


def test_an_action_through_the_controller_hands_its_changes_to_the_window(qtbot, desk_app, server):
    """The controller passes the action's own Changes (not "unknown") to apply_changes."""
    from ui.actions.controller import changes_of

    window = _quiet_window(qtbot, desk_app, server)
    case_id = window.model.case_id(0)
    seen: list = []
    apply = window.apply_changes
    window.apply_changes = lambda changes: (seen.append(changes), apply(changes))
    result = window.controller.context.actions.note(case_id, "controller note")
    assert changes_of(result) == Changes(frozenset({case_id}), outbox=True)
    window.controller.run(lambda: result)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen[-1] == Changes(frozenset({case_id}), outbox=True)
