"""What a user is told: a chief opens on the station's review, every act in it reports
its outcome in words, a saved action says where it stands, warnings reach a desktop
without a tray, unsent work is never wiped without two confirmations, and the last
queue is kept between runs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import login
from tests.ui.test_supervisor import open_window
from tests.ui.test_workflow import choose_queue
from ui import settings as desk_settings
from ui.supervisor.hook import SUPERVISION
from ui.supervisor.view import CaseIdRole


def _sv(source: str) -> str:
    return QCoreApplication.translate("Supervision", source)


def _children(view):
    return [view.tree.topLevelItem(i).child(j)
            for i in range(view.tree.topLevelItemCount())
            for j in range(view.tree.topLevelItem(i).childCount())]


def test_chief_opens_on_supervision_and_each_act_reports_back(qtbot, qtmodeltester, desk_app,
                                                             server, tmp_path):
    window = open_window(qtbot, desk_app, server, "chief1")
    view = window.supervision.view
    # A chief's own queue is empty in the demo; the window opens on the station's review.
    assert window.queue_name == SUPERVISION
    assert window.middle.currentWidget() is view
    qtbot.waitUntil(lambda: view.board is not None and len(_children(view)) >= 2, timeout=20000)
    qtmodeltester.check(view.workload_table.rows)

    # Urging with nothing picked says what to do instead of doing nothing.
    view.tree.clearSelection()
    view.status.clear()
    view.urge_button.click()
    assert view.status.text() == _sv("Select one or more cases (or an officer's row) in the list first.")

    # Picking a case shows it in the case pane beside the view.
    first, second = _children(view)[:2]
    first_id, second_id = first.data(0, CaseIdRole), second.data(0, CaseIdRole)
    view.tree.setCurrentItem(first)
    qtbot.waitUntil(lambda: window.case_pane.case_id == first_id, timeout=10000)

    # A refresh (as after every sync) keeps what the chief picked out.
    view.tree.clearSelection()
    first.setSelected(True)
    second.setSelected(True)
    with qtbot.waitSignal(view.sig_refreshed, timeout=20000):
        view.refresh()
    assert sorted(view.selected_case_ids()) == sorted([first_id, second_id])

    def fill(dialog):
        dialog.text.setPlainText("请今日内回复群众")
        return True

    view.exec_dialog = fill
    view.urge_button.click()
    done = _sv("Urged %1 case(s); sent with the next sync.").replace("%1", "2")
    qtbot.waitUntil(lambda: done in view.status.text(), timeout=20000)

    # Exports say where the file went, or why it could not be written.
    view.ask_save_path = lambda name, pattern: str(tmp_path)  # a folder: cannot be written
    view.export_buttons[("overdue", "csv")].click()
    assert view.status.text().startswith(_sv("The export failed: %1").replace("%1", ""))
    target = tmp_path / "overdue.csv"
    view.ask_save_path = lambda name, pattern: str(target)
    view.export_buttons[("overdue", "csv")].click()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert view.status.text() == _sv("Exported to %1").replace("%1", str(target))
    view.ask_save_path = lambda name, pattern: ""  # cancelled: nothing written, nothing said
    view.export_buttons[("compliance", "pdf")].click()
    assert view.status.text() == _sv("Exported to %1").replace("%1", str(target))


def test_officer_is_told_what_happened_and_unsent_work_is_guarded(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)

    # Without a tray a warning still reaches the officer, in the status bar.
    window.tray = None
    window.notify("Due soon", "SX-1 entered due soon")
    assert "SX-1 entered due soon" in window.statusBar().currentMessage()

    # A saved action says so.
    choose_queue(qtbot, window, "mine")
    case_id = window.model.case_id(0)
    window.send_text("note", case_id, "已电话联系群众", False)
    saved = window.tr("Saved. It is sent to the server with the next sync.")
    qtbot.waitUntil(lambda: saved in messages, timeout=10000)

    # Offline, a note stays unsent; wiping it asks twice, and one "no" keeps it.
    server.stop()
    window.sync_now()
    qtbot.waitUntil(lambda: window.online_state in ("offline", "error"), timeout=20000)
    window.send_text("note", case_id, "离线记录", False)
    qtbot.waitUntil(lambda: window.store.outbox_count() == 1, timeout=10000)
    questions: list[str] = []

    def answer(answers):
        replies = iter(answers)

        def fake_exec(box):
            questions.append(box.text())
            box.button(next(replies)).click()
            return 0
        window._exec = fake_exec

    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    answer([yes, no])
    assert window.confirm_wipe() is False
    assert len(questions) == 2
    questions.clear()
    answer([no])
    assert window.confirm_wipe() is False
    assert len(questions) == 1
    questions.clear()
    answer([yes, yes])
    assert window.confirm_wipe() is True
    assert len(questions) == 2

    # The chosen queue is remembered for the next start.
    choose_queue(qtbot, window, "overdue")
    window.save_state()
    assert desk_settings.settings().value(
        desk_settings.officer_key(window.context.officer.id, "window/last_queue")) == "overdue"
