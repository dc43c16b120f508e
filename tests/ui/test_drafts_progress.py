"""Drafts live in the encrypted cache and come back after a restart; the sync loop's
progress reaches the window."""

from __future__ import annotations

from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, select_case, settle
from ui.app import DeskApp

DRAFT = "您好，您反映的违章记录已转交警秩序科核查，"


def _compose(pane, mode):
    pane.mode_combo.setCurrentIndex(pane.mode_combo.findData(mode))


def test_a_draft_survives_closing_and_reopening_the_app(qtbot, server, isolated_desk):
    first = DeskApp(sync_interval=3600)
    window = login(qtbot, first, server, track=False)
    choose_queue(qtbot, window, "mine")
    case_id = window.model.case_id(0)
    select_case(qtbot, window, case_id)
    pane = window.case_pane
    _compose(pane, "reply")
    pane.editor.setPlainText(DRAFT)
    qtbot.waitUntil(lambda: window.store.draft(case_id, "reply") == DRAFT, timeout=5000)
    _compose(pane, "note")
    pane.editor.setPlainText("内部：待核实")
    first.shutdown()  # before the delayed save: closing writes it

    # Case text never lands in the plain settings files.
    settings_files = [path for path in (isolated_desk / "settings").rglob("*") if path.is_file()]
    assert settings_files, "closing wrote the settings"
    for path in settings_files:
        assert "违章" not in path.read_text(encoding="utf-8", errors="replace")

    second = DeskApp(sync_interval=3600)
    try:
        window = login(qtbot, second, server, track=False)
        choose_queue(qtbot, window, "mine")
        select_case(qtbot, window, case_id)
        pane = window.case_pane
        _compose(pane, "reply")
        assert pane.editor.toPlainText() == DRAFT
        _compose(pane, "note")
        assert pane.editor.toPlainText() == "内部：待核实", "written just before closing, still kept"

        # Sending clears the draft for good.
        pane.send_button.click()
        settle(qtbot, window)
        assert window.store.draft(case_id, "note") is None
        assert window.store.draft(case_id, "reply") == DRAFT
    finally:
        second.shutdown()


def test_sync_progress_reaches_the_window(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    seen = []
    window.bridge.sig_progress.connect(lambda fraction, message: seen.append((fraction, message)))
    with qtbot.waitSignal(window.bridge.sig_report, timeout=20000):
        window.sync_now()
    assert seen, "SyncLoop passes on_progress to every cycle"
    assert all(0.0 <= f <= 1.0 for f, _ in seen)
    assert seen[-1][0] == 1.0
