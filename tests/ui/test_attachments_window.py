"""The case pane of the real window, against the reference server's demo seed, whose
cases carry files: the case's files listed with the entry they came with, and the
composer's attachments going to the action with the reply (dropped on the editor,
checked first, kept per case so a file chosen for one case never goes out with another's).

`check_attachment` and `reply` are wrapped on the window's actions by a recorder of the
agreed names until the core's attachment room is merged."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QCoreApplication, QEvent

from tests.ui.conftest import login
from tests.ui.test_attachments_ui import PNG, _drop
from tests.ui.test_workflow import choose_queue


def _case_with_files(qtbot, window, *, writable: bool):
    for queue in ("mine", "station", "waiting"):
        if queue not in window.queue_items:
            continue
        choose_queue(qtbot, window, queue)
        model = window.model
        for row in range(model.rowCount()):
            case_id = model.case_id(row)
            case = window.store.case(case_id) if case_id else None
            if case and case.get("attachments"):
                window.open_case(case_id)
                if not writable or window.case_pane.mode_combo.findData("reply") >= 0:
                    return case
    raise AssertionError("the demo seed has no case with files in officer1's queues")


def test_the_case_pane_lists_the_files_and_a_reply_carries_the_dropped_ones(qtbot, desk_app, server, tmp_path):
    window = login(qtbot, desk_app, server)
    pane = window.case_pane
    case = _case_with_files(qtbot, window, writable=True)
    panel = pane.files_panel
    assert not panel.isHidden()
    names = [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]
    assert names == [a["name"] for a in case["attachments"]]
    came_with = [panel.tree.topLevelItem(i).text(3) for i in range(panel.tree.topLevelItemCount())]
    assert all(came_with)
    # A sync redraws the timeline; the list (which an open viewer saves through) stays.
    pane.refresh()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the old timeline is gone
    assert pane.files_panel is panel and panel.tree.topLevelItemCount() == len(case["attachments"])
    assert not panel.isHidden()

    checked, sent = [], []
    real = window.context.actions

    def check_attachment(path, name):
        checked.append(name)
        return SimpleNamespace(name=name)

    def reply(case_id, body, *, notify_sms=False, attachments=()):
        sent.append((case_id, body, list(attachments)))
        return real.reply(case_id, body, notify_sms=notify_sms)

    window.context.actions = SimpleNamespace(check_attachment=check_attachment, reply=reply)
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    index = pane.mode_combo.findData("reply")
    pane.mode_combo.setCurrentIndex(index)
    drop = _drop(pane.editor.viewport(), [photo])
    assert drop.isAccepted() and pane.attach_list.paths == [photo] and checked == ["photo.png"]
    assert pane.editor.toPlainText() in ("", pane.drafts.get(case["id"], "reply"))

    # Another case's composer starts without this file; coming back finds it again.
    other = next(window.model.case_id(r) for r in range(window.model.rowCount())
                 if window.model.case_id(r) != case["id"])
    window.open_case(other)
    assert pane.attach_list.paths == []
    window.open_case(case["id"])
    assert pane.attach_list.paths == [photo]

    pane.editor.setPlainText("材料已收到")
    pane.send()
    qtbot.waitUntil(lambda: bool(sent) and not window.runner.busy, timeout=10000)
    assert sent == [(case["id"], "材料已收到", [photo])]
    qtbot.waitUntil(lambda: pane.attach_list.paths == [], timeout=5000)
