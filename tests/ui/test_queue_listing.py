"""The queue table against the real server: rows first, counts after, sorting and the
re-read of rows kept off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desk import queues
from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, select_case
from ui.clockfmt import utcnow
from ui.queue.model import COLUMN_INDEX, COLUMNS


def idle(qtbot, window):
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=10000)


def test_a_chosen_queue_is_listed_before_the_counts_are_read(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    events = []
    window.sig_listed.connect(lambda: events.append(("listed", window.model.ids(),
                                                     window.queue_items["unclaimed"].text())))
    window.sig_refreshed.connect(lambda: events.append(("refreshed", None, None)))
    window.queue_list.setCurrentItem(window.queue_items["unclaimed"])
    with qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        pass
    assert [e[0] for e in events] == ["listed", "refreshed"]
    expected = queues.queue_ids(window.store, "unclaimed", window.actor, utcnow())
    assert events[0][1] == expected and expected
    counts = queues.queue_counts(window.store, window.actor, utcnow())
    assert window.queue_items["unclaimed"].text().endswith(f"({counts['unclaimed']})")
    assert window.queue_items["mine"].text().endswith(f"({counts['mine']})")


def test_a_header_sort_is_read_off_the_gui_thread_and_keeps_the_selection(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "unclaimed")
    assert window.model.rowCount() > 1
    chosen = window.model.case_id(window.model.rowCount() - 1)
    select_case(qtbot, window, chosen)
    before = window.model.ids()
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        window.table.horizontalHeader().setSortIndicator(COLUMN_INDEX["number"], Qt.SortOrder.DescendingOrder)
        # The click returns at once: the old order is still shown while the query runs.
        assert window.model.ids() == before
    idle(qtbot, window)
    expected = queues.queue_ids(window.store, "unclaimed", window.actor, utcnow(), sort="number", descending=True)
    assert window.model.ids() == expected != before
    assert window.table.selectionModel().selectedRows()[0].row() == window.model.row_of(chosen)
    assert window.case_pane.case_id == chosen


def test_rows_are_read_again_after_local_work(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "mine")
    case_id = window.model.case_id(0)
    row = window.model.row_of(case_id)
    assert window.model.index(row, COLUMN_INDEX["sync"]).data() == ""  # read into the row cache
    server.stop()
    window.context.actions.note(case_id, "已电话联系群众，约定明日到所办理")
    window.refresh()
    idle(qtbot, window)
    row = window.model.row_of(case_id)
    assert window.model.index(row, COLUMN_INDEX["sync"]).data() == "Not sent"


def _rows(n):
    return {f"c{i}": {"id": f"c{i}", "number": f"SX{i:012d}", "kind": "tip", "title": f"标题\n{i}",
                      "citizen_name": "张伟明", "citizen_phone": "13912345678",
                      "status": "waiting_citizen" if i % 3 == 0 else "new", "assignee_id": None,
                      "received_at": "2020-01-01T02:30:00Z", "next_due_at": "2020-01-02T02:30:00Z",
                      "next_clock": "reply", "provisional": False, "pending_ops": i % 2, "conflicts": 0}
            for i in range(n)}


def test_cells_are_formatted_once_per_read_and_answer_every_role(qapp):
    from ui.queue.model import CaseIdRole, ClockStateRole, QueueModel, SyncMarkRole

    rows = _rows(1000)
    reads = []

    def fetch(ids):
        reads.append(list(ids))
        return [rows[i] for i in ids if i in rows]

    model = QueueModel(fetch)
    model.set_ids(list(rows))
    title, clock, sync = COLUMN_INDEX["title"], COLUMN_INDEX["clock"], COLUMN_INDEX["sync"]
    assert model.index(500, title).data() == "标题 500"
    assert model.index(500, title).data(Qt.ItemDataRole.ToolTipRole) == "标题 500"
    assert model.index(500, COLUMN_INDEX["number"]).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(500, COLUMN_INDEX["citizen"]).data() == "张** 139****5678"
    assert model.index(501, sync).data() == "Not sent"
    assert model.index(501, title).data(SyncMarkRole) == "pending"
    assert model.index(501, clock).data(SyncMarkRole) == "pending"
    assert model.index(501, clock).data(CaseIdRole) == "c501"
    assert model.index(501, title).data(ClockStateRole) is None
    assert model.index(501, clock).data(ClockStateRole) == "paused"
    assert model.index(502, clock).data(ClockStateRole) == "overdue"
    assert model.index(502, clock).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b3261e"
    assert model.index(501, clock).data(Qt.ItemDataRole.ToolTipRole).startswith(model.index(501, clock).data())
    assert model.index(501, clock).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(501, title).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(501, clock).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(1000, title).data() is None and model.index(-1, -1).data() is None
    assert len(reads) == 1
    # Every cell of the block is answered from what was read, whatever the view asks.
    for case_id in reads[0]:
        for c in range(len(COLUMNS)):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                         Qt.ItemDataRole.ToolTipRole, ClockStateRole):
                model.index(model.row_of(case_id), c).data(role)
    assert len(reads) == 1
    model.mark_stale(["c500"])
    rows["c500"]["title"] = "新标题"
    assert model.index(500, title).data() == "新标题"
    assert reads[-1] == ["c500"]


def test_a_tick_repaints_only_the_clock_cells_read_since_the_last_tick(qapp):
    from datetime import timedelta

    from ui.queue.model import QueueModel

    rows = _rows(1000)
    model = QueueModel(lambda ids: [rows[i] for i in ids if i in rows])
    model.set_ids(list(rows))
    clock = COLUMN_INDEX["clock"]
    changed = []
    model.dataChanged.connect(lambda tl, br, roles=(): changed.append((tl.row(), tl.column(), br.row(), br.column())))
    model.tick()
    assert changed == []  # nothing shown yet: nothing to repaint
    for r in range(300, 330):
        model.index(r, clock).data()
    before = model.index(301, clock).data()
    model.tick(model.now + timedelta(days=2))
    assert changed == [(300, clock, 329, clock)]
    assert model.index(301, clock).data() != before  # read again, not the stale text
    changed.clear()
    model.tick()
    assert changed == [(301, clock, 301, clock)]
