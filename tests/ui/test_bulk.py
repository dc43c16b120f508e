"""Issue 14, "work many at once", in the real window against the real reference server:
Shift/Ctrl selection, bulk claim, note, status and transfer with their summary, the
context menus, Ctrl+1…9, the Help menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QMessageBox

import desk
from desk.rules import status_targets
from tests.ui.conftest import login
from tests.ui.test_workflow import choose_queue, settle
from ui.bulk.controller import BulkSummaryDialog
from ui.help import ShortcutsDialog

NATIVE = QKeySequence.SequenceFormat.NativeText


def click_row(qtbot, window, row, modifier=Qt.KeyboardModifier.NoModifier):
    rect = window.table.visualRect(window.model.index(row, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def answer(window, fill=lambda dialog: True):
    """Dialogs are answered by `fill`, confirmations with Yes; every dialog is kept."""
    seen = []

    def fake_exec(dialog):
        seen.append(dialog)
        if isinstance(dialog, QMessageBox):
            yes = dialog.button(QMessageBox.StandardButton.Yes)
            if yes is not None:
                yes.click()
            return True
        if isinstance(dialog, (BulkSummaryDialog, ShortcutsDialog)):
            return True
        return fill(dialog)
    window._exec = fake_exec
    return seen


def wait_summary(qtbot, window, before):
    qtbot.waitUntil(lambda: window.bulk.last_summary is not before, timeout=20000)
    return window.bulk.last_summary


def test_shift_ctrl_select_and_bulk_claim_with_some_not_allowed(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "unclaimed")
    assert window.model.rowCount() >= 5
    ids = [window.model.case_id(r) for r in range(5)]
    click_row(qtbot, window, 0)
    qtbot.waitUntil(lambda: window.case_pane.case_id == ids[0])
    assert not window.bulk.showing_many
    click_row(qtbot, window, 3, Qt.KeyboardModifier.ShiftModifier)      # rows 0..3
    click_row(qtbot, window, 1, Qt.KeyboardModifier.ControlModifier)    # not row 1
    click_row(qtbot, window, 4, Qt.KeyboardModifier.ControlModifier)    # and row 4
    selected = [ids[0], ids[2], ids[3], ids[4]]
    assert window.queue_pane.selected_ids() == selected
    assert window.bulk.showing_many
    panel = window.bulk.panel
    assert "4" in panel.count_label.text()
    qtbot.waitUntil(lambda: panel.buttons["claim"].isEnabled())
    claims_before = {c: sum(1 for e in window.store.case(c)["entries"] if e["type"] == "claim")
                     for c in selected}
    # One of them is claimed on its own first: the bulk claim must refuse that one.
    window.context.actions.claim(ids[2])
    before = window.bulk.last_summary
    answer(window)
    qtbot.mouseClick(panel.buttons["claim"], Qt.MouseButton.LeftButton)
    summary = wait_summary(qtbot, window, before)
    assert list(summary.queued) == [ids[0], ids[3], ids[4]]
    assert [r.case_id for r in summary.refused] == [ids[2]]
    dialog = window.bulk.last_dialog
    assert "3" in dialog.queued_label.text() and "1" in dialog.refused_label.text()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == window.store.case(ids[2])["number"]
    assert dialog.table.item(0, 1).text()  # the reason, in the officer's words
    settle(qtbot, window)
    me = window.actor.id
    for case_id in selected:
        synced = window.store.synced_case(case_id)
        assert synced["assignee_id"] == me
        # One op per case reached the server: one claim entry each, none twice.
        claims = sum(1 for e in synced["entries"] if e["type"] == "claim")
        assert claims == claims_before[case_id] + 1
    # The claimed cases left Unclaimed; the right side is back to one case.
    assert not set(selected) & set(window.model.ids())


def select_rows(qtbot, window, rows):
    click_row(qtbot, window, rows[0])
    for row in rows[1:]:
        click_row(qtbot, window, row, Qt.KeyboardModifier.ControlModifier)
    assert len(window.queue_pane.selected_ids()) == len(rows)


def test_bulk_note_status_and_transfer(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "mine")
    assert window.model.rowCount() >= 4
    rows = list(range(min(4, window.model.rowCount())))
    select_rows(qtbot, window, rows)
    ids = window.queue_pane.selected_ids()
    panel = window.bulk.panel

    # A note on each.
    def fill_note(dialog):
        dialog.text.setPlainText("批量备注：已电话联系")
        return True
    answer(window, fill_note)
    before = window.bulk.last_summary
    qtbot.waitUntil(lambda: panel.buttons["note"].isEnabled())
    qtbot.mouseClick(panel.buttons["note"], Qt.MouseButton.LeftButton)
    summary = wait_summary(qtbot, window, before)
    assert sorted(summary.queued) == sorted(ids) and not summary.refused
    settle(qtbot, window)
    # The refresh after the sync keeps the cases picked out, and the panel with them.
    assert sorted(window.queue_pane.selected_ids()) == sorted(ids) and window.bulk.showing_many
    for case_id in ids:
        notes = [e for e in window.store.synced_case(case_id)["entries"]
                 if e["type"] == "note" and e["body"] == "批量备注：已电话联系"]
        assert len(notes) == 1

    # A status that fits some of them: the others are refused, each with its reason.
    statuses = {case_id: window.store.case(case_id)["status"] for case_id in ids}
    fits = {c for c, s in statuses.items() if "waiting_citizen" in status_targets(s, supervisor=False)}

    def fill_status(dialog):
        index = dialog.target.findData("waiting_citizen")
        assert index >= 0
        dialog.target.setCurrentIndex(index)
        dialog.reason.setText("请补充材料")
        return True
    answer(window, fill_status)
    window.queue_pane.table.clearSelection()
    choose_queue(qtbot, window, "mine")
    select_rows(qtbot, window, [window.model.row_of(c) for c in ids])
    before = window.bulk.last_summary
    window.bulk.request("set_status")
    summary = wait_summary(qtbot, window, before)
    assert set(summary.queued) == fits
    assert {r.case_id for r in summary.refused} == set(ids) - fits
    settle(qtbot, window)
    for case_id in fits:
        assert window.store.synced_case(case_id)["status"] == "waiting_citizen"

    # Transfer what can go (not the ones waiting on the citizen) to another station.
    choose_queue(qtbot, window, "mine")
    movable = [c for c in window.model.ids() if window.store.case(c)["status"] in ("accepted", "in_progress")][:2]
    assert len(movable) == 2
    select_rows(qtbot, window, [window.model.row_of(c) for c in movable])
    other = next(u for u in window.context.reference.units
                 if u.kind == "station" and u.id != window.actor.unit_id)

    def fill_transfer(dialog):
        dialog.select_unit(other.id)
        dialog.reason.setPlainText("属地管辖")
        return True
    seen = answer(window, fill_transfer)
    before = window.bulk.last_summary
    qtbot.waitUntil(lambda: panel.buttons["transfer"].isEnabled())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_T,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    summary = wait_summary(qtbot, window, before)
    assert sorted(summary.queued) == sorted(movable)
    assert any(isinstance(d, QMessageBox) and "2" in d.text() for d in seen)  # asked first
    settle(qtbot, window)
    for case_id in movable:
        case = window.store.case(case_id)
        assert case is None or case["unit_id"] == other.id
        assert case_id not in window.model.ids()


def menu_ops(menu):
    return {a.data(): a.isEnabled() for a in menu.actions() if a.data()}


# A popup menu asks the offscreen plugin to raise it and grab the keyboard, which that
# plugin cannot do (its limit, as with propagateSizeHints); under X11 it says nothing.
@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "does not support grabbing the keyboard")
def test_context_menus_offer_what_each_case_allows(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    choose_queue(qtbot, window, "unclaimed")
    unclaimed = window.model.case_id(0)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(0, 0))
    qtbot.waitUntil(lambda: window.case_pane.case_id == unclaimed)
    window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.menus.menu is not None)
    menu = window.menus.menu
    ops = menu_ops(menu)
    assert ops["claim"] and not ops["accept"] and not ops["note"]
    assert "reassign" not in ops and "urge" not in ops  # supervisors' only
    copy = next(a for a in menu.actions() if a.text() == "Copy the case number")
    copy.trigger()
    assert QGuiApplication.clipboard().text() == window.store.case(unclaimed)["number"]
    menu.close()

    choose_queue(qtbot, window, "mine")
    mine = next(c for c in window.model.ids() if window.store.case(c)["status"] == "in_progress")
    # A right click on the row (the table's own context-menu request).
    rect = window.table.visualRect(window.model.index(window.model.row_of(mine), 0))
    window.table.customContextMenuRequested.emit(rect.center())
    menu = window.menus.menu
    ops = menu_ops(menu)
    assert not ops["claim"] and ops["note"] and ops["reply"] and ops["transfer"]
    opener = next(a for a in menu.actions() if a.text() == "Open")
    opener.trigger()
    qtbot.waitUntil(lambda: window.case_pane.case_id == mine)
    menu.close()
    # The note entry opens the composer in note mode.
    window.menus.act("note", mine)
    assert window.case_pane.mode_combo.currentData() == "note"

    # A timeline entry: copy its text as shown (masked), and the case's actions.
    pane = window.case_pane
    widget = next(w for w in pane.entry_widgets if w.entry.get("body"))
    widget.body.customContextMenuRequested.emit(QPoint(2, 2))
    menu = window.menus.menu
    texts = [a.text() for a in menu.actions()]
    assert "Copy the entry's text" in texts and "Open" not in texts
    assert menu_ops(menu)["note"]
    next(a for a in menu.actions() if a.text() == "Copy the entry's text").trigger()
    assert QGuiApplication.clipboard().text() == pane.masked(widget.entry["body"])
    menu.close()


def test_ctrl_number_switches_queue_over_the_panes_rows(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    window.activateWindow()
    window.table.setFocus()
    # Ctrl+A selects the whole queue; a refresh keeps it (as one range).
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    rows = window.model.rowCount()
    assert len(window.queue_pane.selected_ids()) == rows > 1 and window.bulk.showing_many
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        window.refresh()
    assert len(window.queue_pane.selected_ids()) == rows
    assert len(window.table.selectionModel().selection()) == 1
    qtbot.keyClick(window.table, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_name == "overdue"
    qtbot.keyClick(window.table, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_name == "mine"
    # Whatever rows the pane holds: hide one and the numbers close up.
    window.queue_items["due-soon"].setHidden(True)
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_name == "overdue"
    names = [window.queue_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(window.queue_list.count())]
    shown = [n for n in names if n != "due-soon"]
    qtbot.keyClick(window.table, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_name == shown[6]
    qtbot.keyClick(window.table, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)  # past the end
    assert window.queue_name == shown[6]


def test_help_lists_every_shortcut_and_about_names_version_server_profile(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    seen = answer(window)
    window.help.shortcuts_action.trigger()
    dialog = next(d for d in seen if isinstance(d, ShortcutsDialog))
    listed = {keys for keys, _what in dialog.listed()}
    listed_keys = {k.strip() for keys in listed for k in keys.split(", ")}
    registered = set()
    for action in window.findChildren(QAction):
        registered |= {k.toString(NATIVE) for k in action.shortcuts() if not k.isEmpty()}
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.key().isEmpty():
            registered.add(shortcut.key().toString(NATIVE))
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():
            registered.add(button.shortcut().toString(NATIVE))
    assert registered and registered <= listed_keys, registered - listed_keys
    for key in ("Ctrl+1", "Ctrl+9", "F5", "Ctrl+L", "Shift+F10", "Ctrl+Shift+L", "Ctrl+Shift+N"):
        assert QKeySequence(key).toString(NATIVE) in listed_keys
    assert all(what for _keys, what in dialog.listed())

    window.help.about_action.trigger()
    box = next(d for d in seen if isinstance(d, QMessageBox))
    assert box.textFormat() == Qt.TextFormat.PlainText
    about = box.text()
    assert desk.__version__ in about and server.url in about
    assert str(window.context.session.profile.path) in about
    assert window.menuBar().actions()[-1] is window.help.menu.menuAction()
