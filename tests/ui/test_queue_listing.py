"""The queue table against the real server: rows first, counts after, sorting and the
re-read of rows kept off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desk import queues
from ui.clockfmt import utcnow
from ui.queue.model import COLUMN_INDEX

from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, select_case


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
