from tests.ui.conftest import login


def test_login_first_sync_fills_queues(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    assert "(" in window.queue_items["mine"].text()
    assert window.store.reference() is not None
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.case_pane.case is not None)
    assert window.case_pane.number_label.text().startswith("SX")
