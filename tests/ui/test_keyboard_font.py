"""The window can be worked without a mouse, and survives a large font."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractButton, QApplication, QSizePolicy

from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, select_case, settle


def _tab_cycle(qtbot, window, limit=80):
    window.activateWindow()
    window.queue_list.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.queue_list)
    seen = []
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is window.queue_list:
            break
        seen.append(widget)
    return seen


def test_tab_reaches_every_part_and_shortcuts_act(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "unclaimed")
    case_id = window.model.case_id(0)
    select_case(qtbot, window, case_id)
    pane = window.case_pane
    pane.mode_combo.setCurrentIndex(pane.mode_combo.findData("note"))
    pane.editor.setPlainText("键盘操作")

    reached = _tab_cycle(qtbot, window)
    assert window.table in reached
    assert window.search_edit in reached
    assert pane.editor in reached
    # Unclaimed, so nothing may be sent yet: the disabled Send is skipped, not a trap.
    assert (pane.send_button in reached) == pane.send_button.isEnabled()
    assert pane.action_buttons["claim"] in reached, "enabled action buttons take focus"
    assert pane.mode_combo in reached
    pane.editor.clear()

    # Ctrl+F goes to the search field; the claim shortcut claims the case shown.
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search_edit)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, window)
    assert window.store.synced_case(case_id)["assignee_id"] == window.actor.id


def test_large_font_leaves_no_button_clipped(qtbot, desk_app, server):
    app = QApplication.instance()
    old = app.font()
    big = QFont(old)
    big.setPointSize(16)
    app.setFont(big)
    try:
        window = login(qtbot, desk_app, server)
        window.resize(1600, 1000)
        select_case(qtbot, window, window.model.case_id(0))
        qtbot.waitUntil(lambda: window.case_pane.isVisible())
        buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisible() and b.text()]
        assert buttons
        # The offscreen screen is smaller than the window asks for, so sizes are checked
        # on the layout: every button asks for room for its caption, and the whole
        # window's minimum fits a 1600 x 1000 screen, where it is then given that room.
        def least_width(b):
            if b.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Minimum:
                return b.sizeHint().width()
            return max(b.minimumSizeHint().width(), b.minimumWidth())

        short = [b.text() for b in buttons
                 if least_width(b) < b.fontMetrics().horizontalAdvance(b.text().replace("&", ""))]
        assert not short, short
        need = window.minimumSizeHint()
        assert need.width() <= 1600 and need.height() <= 1000, need
    finally:
        app.setFont(old)
