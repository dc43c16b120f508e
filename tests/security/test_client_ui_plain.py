"""Citizen and server text is plain text on every surface of the app: table cells and
tooltips (queue, supervisor tables, outbox), the case pane's labels, dialogs, tray
messages, window titles, PDF. Markup is fed through each and must come out literally;
a case with times at the ends of the wire's range draws whole."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from desk.store import OutboxItem
from desk.wire import UpsertChange
from tests.security import hostile_case as H
from tests.ui.conftest import desk_app, isolated_desk, login, server  # noqa: F401 - fixtures
from ui import text
from ui.outbox.view import ItemsModel
from ui.queue.model import COLUMN_INDEX, QueueModel
from ui.supervisor.model import RowsModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
MARKUP = H.MARKUP
TIP = int(Qt.ItemDataRole.ToolTipRole)


def shown_as(tip) -> str:
    """What Qt draws for a tooltip: rich text when it looks like markup, else the text."""
    if tip is None:
        return ""
    if GuiQt.mightBeRichText(tip):
        doc = QTextDocument()
        doc.setHtml(tip)
        return doc.toPlainText()
    return tip


def test_queue_tooltips_are_plain(qtbot):
    row = {"id": "c1", "number": "N1", "kind": "tip", "title": MARKUP, "service_item_id": "s1",
           "citizen_name": "张伟明", "citizen_phone": "139", "status": "new", "received_at": None}
    model = QueueModel(lambda ids: [dict(row, id=i) for i in ids])
    model.service_names = {"s1": MARKUP}
    model.set_ids(["c1"])
    for column in ("title", "service"):
        tip = model.data(model.index(0, COLUMN_INDEX[column]), TIP)
        assert shown_as(tip) == MARKUP, tip
        assert "<h1" not in tip and "<img" not in tip


def test_supervisor_and_outbox_tooltips_are_plain(qtbot):
    rows = RowsModel(["a", "b"])
    rows.set_rows([[MARKUP, "差评：" + MARKUP]])
    for c in (0, 1):
        tip = rows.data(rows.index(0, c), TIP)
        assert MARKUP in shown_as(tip) and "<img" not in tip
    assert rows.data(rows.index(0, 0), Qt.ItemDataRole.DisplayRole) == MARKUP
    items = ItemsModel([("case", "Case"), ("text", "Text"), ("error", "Error")])
    items.set_items([OutboxItem(op_id="o1", case_id="c1", case_number=MARKUP, type="note", state="queued",
                                error=MARKUP, performed_at=datetime.now(UTC),
                                payload={"body": MARKUP}, seq=1)])
    for c in range(3):
        tip = items.data(items.index(0, c), TIP)
        assert MARKUP in shown_as(tip) and "<img" not in tip, tip


def test_single_line_helpers():
    assert text.one_line("张伟明\n已核实\u202e\x1b") == "张伟明⏎已核实"
    assert text.format_local("9999-12-31T23:59:59Z", UTC) == "9999-12-31 23:59"
    assert text.format_local("9999-12-31T23:59:59Z", None) == "9999-12-31 23:59" or \
        text.format_local("9999-12-31T23:59:59Z", None).startswith("9999-12-31")
    assert text.format_local("not a time") == "not a time"


def test_hostile_case_in_the_window_is_plain_and_whole(qtbot, desk_app, server, tmp_path):
    window = login(qtbot, desk_app, server)
    store = window.store
    case_id = window.model.case_id(0)
    bad = H.hostile(store.synced_case(case_id))
    # Not the markup itself: the citizen's own name inside the title would be masked.
    bad["citizen"]["name"] = "王五<b>x</b>"
    store.apply_changes([UpsertChange.model_validate({"seq": 10**9, "op": "upsert", "case": bad})],
                        store.get_state().cursor or "c")
    window.refresh()
    qtbot.waitUntil(lambda: not window._refresh_running, timeout=20000)
    window.open_case(case_id)
    pane = window.case_pane
    assert pane.case_id == case_id
    labels = pane.findChildren(QLabel)
    with_citizen_text = [w for w in labels if "<h1" in w.text() or "⏎" in w.text() or "9999" in w.text()]
    assert with_citizen_text, "the case pane shows the hostile case"
    with_markup = [w for w in labels if "<" in w.text()]
    assert with_markup, "the hostile title and name carry markup"
    for label in with_markup:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert pane.title_label.text().startswith(MARKUP)
    clock_heads = [w.text() for w in labels if "9999-12-31" in w.text()]
    assert clock_heads, [w.text() for w in labels]
    # The timeline drew every entry, the ones at the ends of time included.
    assert len(pane.entry_widgets) == len(bad["entries"])
    # Tray message and window title: one line, controls gone.
    window.notify("New assignment", H.NAME)
    title, message = window.notifications[-1]
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert "\n" not in window.windowTitle()
    # The queue's tooltip of the hostile row is literal.
    row = window.model.row_of(case_id) if hasattr(window.model, "row_of") else 0
    tip = window.model.data(window.model.index(row, COLUMN_INDEX["title"]), TIP)
    assert tip is None or "<h1" not in tip


def test_message_boxes_show_server_text_literally(qtbot, desk_app, server, monkeypatch):
    window = login(qtbot, desk_app, server)
    shown = []
    monkeypatch.setattr(window, "_exec", lambda box: shown.append((box.textFormat(), box.text())) or 0)
    window.ask_yes_no(MARKUP, MARKUP)
    assert shown and shown[-1] == (Qt.TextFormat.PlainText, MARKUP)
    assert isinstance(QMessageBox, type)


def _profile_with_queued_work(server, count=3):
    from desk import queues
    from desk import session as desk_session
    from desk.actions import Actions
    from desk.sync import SyncEngine
    from tests.ui.conftest import PASSWORD

    session = desk_session.login(server.url, "officer1", PASSWORD)
    SyncEngine(session.store, session.client, session.actor).run_cycle()
    ids = queues.queue_ids(session.store, "unclaimed", session.actor, datetime.now(UTC))[:count]
    assert len(ids) == count
    for case_id in ids:
        Actions(session.store, session.actor).claim(case_id)
    profile = session.profile
    session.close()
    return profile


@pytest.mark.parametrize("answer", ["cancel", "fresh"])
def test_a_lost_cache_is_a_clear_dialog_at_login(qtbot, desk_app, server, answer):
    from tests.ui.conftest import PASSWORD
    from ui.login.dialog import LoginDialog

    profile = _profile_with_queued_work(server)
    for suffix in ("", "-wal", "-shm"):
        (profile.path / ("cache.db" + suffix)).unlink(missing_ok=True)
    dialog = LoginDialog(desk_app.runner, server_url=server.url, username="officer1")
    qtbot.addWidget(dialog)
    boxes = []

    def answer_box(box):
        boxes.append((box.textFormat(), box.text(), box.informativeText()))
        if answer == "fresh":
            dialog.fresh_button.click()
        else:
            box.button(QMessageBox.StandardButton.Cancel).click()

    dialog.exec_box = answer_box
    dialog.password_edit.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(boxes), timeout=20000)
    fmt, _text, detail = boxes[0]
    assert fmt == Qt.TextFormat.PlainText
    assert "3 queued operations were in the lost cache" in detail
    if answer == "cancel":
        assert dialog.session is None
        assert "lost" in dialog.message.text()
        assert not profile.db_path.exists()
    else:
        qtbot.waitUntil(lambda: dialog.session is not None, timeout=20000)
        assert dialog.session.store.outbox_count() == 0
        dialog.session.close()


def test_a_search_beyond_the_cap_is_said_in_the_app(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server)
    window.search_edit.setText(" ".join(f"词{i}" for i in range(1500)))
    window.search_edit.returnPressed.emit()
    assert "at most 32 words" in window.statusBar().currentMessage()
    assert window.search_text == ""


def test_the_app_records_how_far_the_outbox_got(qtbot, desk_app, server):
    import json as _json

    window = login(qtbot, desk_app, server)
    profile = window.context.session.profile
    from desk import queues

    unclaimed = queues.queue_ids(window.store, "unclaimed", window.context.actor,
                                 datetime.now(UTC))[:2]
    assert unclaimed
    for case_id in unclaimed:
        window.controller.run(lambda case_id=case_id: window.context.actions.claim(case_id))

    def recorded():
        return _json.loads(profile.config_path.read_text("utf-8")).get("cache", {})

    # The sync thread may deliver the claims meanwhile; the seq of the last one queued
    # stays, and the count recorded follows the outbox either way.
    qtbot.waitUntil(lambda: recorded().get("highest_seq", 0) >= len(unclaimed)
                    and recorded().get("queued") == window.store.outbox_count(), timeout=20000)


def test_pdf_export_shows_markup_literally(qtbot, tmp_path):
    import subprocess

    from ui.supervisor.export_pdf import write_pdf

    path = write_pdf(tmp_path / "o.pdf", "督办 " + MARKUP, [("Station", MARKUP)], ["Title", "Citizen"],
                     [[MARKUP, "张**"]])
    shown = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    shown = shown.replace("\ufb01", "fi")  # the font's ligature
    assert shown.count("<h1") >= 3 and 'file:///etc/passwd">' in shown
