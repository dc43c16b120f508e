"""The case pane of the real window, against the reference server's demo seed, whose
cases carry files: the case's files listed with the entry they came with, and the
composer's attachments going to the action with the reply (dropped on the editor,
checked first, kept per case so a file chosen for one case never goes out with another's).

The actions, the store and the server are real: the reply and its file reach the
server after a sync, and a citizen's file downloaded into the cache opens in the viewer
and is saved out with its reveal recorded."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QCoreApplication, QEvent

from tests.faults import harness
from tests.ui.conftest import login
from tests.ui.test_attachments_ui import PNG, _drop
from tests.ui.test_workflow import choose_queue, settle


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

    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    index = pane.mode_combo.findData("reply")
    pane.mode_combo.setCurrentIndex(index)
    drop = _drop(pane.editor.viewport(), [photo])
    assert drop.isAccepted() and pane.attach_list.paths == [photo]
    assert pane.editor.toPlainText() in ("", pane.drafts.get(case["id"], "reply"))

    # Another case's composer starts without this file; coming back finds it again.
    other = next(window.model.case_id(r) for r in range(window.model.rowCount())
                 if window.model.case_id(r) != case["id"])
    window.open_case(other)
    assert pane.attach_list.paths == []
    window.open_case(case["id"])
    assert pane.attach_list.paths == [photo]

    # Held back until the outbox is looked at; then one sync delivers file and reply.
    window.bridge.stop()
    pane.editor.setPlainText("材料已收到")
    pane.send()
    qtbot.waitUntil(lambda: pane.attach_list.paths == [] and not window.runner.busy, timeout=10000)
    digest = hashlib.sha256(PNG).hexdigest()
    queued = [i for i in window.store.outbox() if i.case_id == case["id"] and i.type == "reply"]
    assert [a["sha256"] for a in queued[-1].payload["attachments"]] == [digest]
    window.bridge.start()
    window.sync_now()
    settle(qtbot, window)
    on_server = harness.server_case(server, "chief1", case["id"])
    assert digest in [a["sha256"] for a in on_server["attachments"]]
    reply = next(e for e in on_server["entries"] if e.get("body") == "材料已收到")
    assert [a["entry_id"] for a in on_server["attachments"] if a["sha256"] == digest] == [reply["id"]]



def test_a_citizens_file_downloaded_with_the_sync_opens_in_the_viewer_and_is_saved_out(
        qtbot, desk_app, server, tmp_path):
    window = login(qtbot, desk_app, server)
    case = _case_with_files(qtbot, window, writable=False)
    store = window.store
    # The sync after login downloads the files of open cases into the encrypted cache.
    qtbot.waitUntil(lambda: any(f.cached for f in store.case_files(case["id"])), timeout=60000)
    panel = window.case_pane.files_panel
    panel.set_case(store.case(case["id"]))
    cached = next(f for f in store.case_files(case["id"]) if f.cached)
    panel.open_file(cached)
    qtbot.waitUntil(lambda: panel.viewer is not None, timeout=10000)
    viewer = panel.viewer
    assert viewer.error_text == "" and viewer.data == store.file_bytes(cached.sha256)
    assert hashlib.sha256(viewer.data).hexdigest() == cached.sha256
    viewer.close()

    dest = tmp_path / "saved-copy"
    panel.confirm_leave = lambda name: True
    panel.ask_path = lambda name: str(dest)
    window.bridge.stop()
    panel.save_file(cached)
    qtbot.waitUntil(lambda: dest.exists() and not window.runner.busy, timeout=10000)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == cached.sha256
    reveals = [i for i in store.outbox() if i.case_id == case["id"] and i.type == "reveal"]
    assert [(r.payload["field"], r.payload["attachment_id"]) for r in reveals] == [
        ("attachment", cached.attachment_id)]
