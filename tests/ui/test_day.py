"""Issue 13, the officer's day without a stumble: what a first day in the app tripped on,
each checked in the real window against the real demo server."""

from __future__ import annotations

import csv
import re
import subprocess
from datetime import UTC

import pytest

from tests.ui.conftest import login
from tests.ui.test_supervisor import open_window, show_supervision


def pdf_words(path) -> list[tuple[float, str]]:
    """(height in pt, word) for every word `pdftotext -bbox` finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [(float(y1) - float(y0), word) for y0, y1, word in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', out)]


def test_pdf_exports_are_readable_a4_in_a_chinese_face(qtbot, desk_app, server, tmp_path):
    window = open_window(qtbot, desk_app, server, "chief1")
    view = show_supervision(qtbot, window)
    for kind in ("overdue", "compliance"):
        pdf = view.export_to(kind, "pdf", tmp_path / f"{kind}.pdf")
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "(A4)" in info
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "CJKsc" in fonts and "CJKjp" not in fonts, fonts
        words = pdf_words(pdf)
        title_height = words[0][0]
        body = [h for h, _ in words if h < title_height]
        # A word's box is 1.19 (DejaVu Sans) to 1.45 (Noto Sans CJK) times its point
        # size: 9 pt text gives boxes of 10.7 pt and more, 8 pt of 9.5.
        assert min(body) >= 10.5, min(body)
        assert body and title_height > max(body) * 1.3
        plain = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                               text=True).stdout
        # No radical stands in for the character written (⾄ for 至, ⺠ for 民).
        assert not re.search("[\u2e80-\u2ef3\u2f00-\u2fd5]", plain), plain[:400]
        assert "清源派出所" in plain
    overdue = view.export_to("overdue", "csv", tmp_path / "overdue.csv")
    header = list(csv.reader(overdue.read_text(encoding="utf-8-sig").splitlines()))[5]
    assert len(header) == len(set(header)), header


def clock_lines(pane) -> list[str]:
    box = pane.clocks_box
    return [box.itemAt(i).widget().text() for i in range(box.count())
            if box.itemAt(i).widget() is not None]


def test_case_pane_explains_pauses_like_the_supervisor_panel(qtbot, desk_app, server):
    from desk import supervision
    from desk.clocks import case_pauses
    from ui import text

    window = open_window(qtbot, desk_app, server, "chief1")
    store = window.store
    resumed = None
    for case_id in supervision_case_ids(window):
        case = store.case(case_id)
        if any(end is not None for _, end in case_pauses(case)) and any(
                c.get("stopped_at") is None for c in case.get("clocks", [])):
            resumed = case
            break
    assert resumed is not None, "the demo has a case that waited on the citizen and runs again"
    window.case_pane.show_case(resumed["id"])
    shown = " ".join(clock_lines(window.case_pane))
    assert "Paused while waiting for the citizen:" in shown, shown
    steps = supervision.explain(store, resumed["id"])
    assert " ".join(text.explain_steps(steps, window.context.formatter.zone)) in shown


def supervision_case_ids(window, queue="station") -> list[str]:
    from desk import queues
    from ui.clockfmt import utcnow
    return queues.queue_ids(window.store, queue, window.actor, utcnow())


def test_numbers_and_names_inside_citizen_text_are_masked_until_shown(qtbot, desk_app, server):
    from desk.masking import fields_in_text

    window = login(qtbot, desk_app, server, "officer1")
    store, pane = window.store, window.case_pane
    target = None
    for case_id in supervision_case_ids(window, "mine"):
        case = store.case(case_id)
        name = (case.get("citizen") or {}).get("name") or ""
        if name and name in (case.get("body") or "") and "phone" in fields_in_text(case.get("body") or ""):
            target = case
            break
    assert target is not None, "the demo has a body with the citizen's name and a mobile number"
    name = target["citizen"]["name"]
    pane.show_case(target["id"])
    body = pane.body_view.toPlainText()
    assert name not in body and name[0] + "*" in body, body
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", body), body
    assert pane.show_button.isEnabled()
    pane.show_button.click()
    qtbot.waitUntil(lambda: name in pane.body_view.toPlainText(), timeout=10000)
    entries = store.case(target["id"])["entries"]
    fields = {(e.get("data") or {}).get("field") for e in entries
              if e["type"] == "reveal" and e.get("author_id") == window.actor.id}
    assert {"name", "phone"} <= fields
    # Another case: masked again.
    other = next(i for i in supervision_case_ids(window, "mine") if i != target["id"])
    pane.show_case(other)
    pane.show_case(target["id"])
    assert name not in pane.body_view.toPlainText()


@pytest.fixture
def chinese(qapp):
    from ui import i18n

    translations = i18n.Translations()
    assert translations.install("zh_CN")
    yield translations
    translations.install("en")


def first_case(window, queue, test):
    return next(i for i in supervision_case_ids(window, queue) if test(window.store.case(i)))


def test_composer_starts_each_case_in_its_own_mode_and_speaks_chinese(qtbot, chinese, desk_app, server):
    from PySide6.QtCore import Qt

    window = login(qtbot, desk_app, server, "officer1")
    pane = window.case_pane
    closed = first_case(window, "closed", lambda c: True)
    open_id = first_case(window, "mine", lambda c: c["status"] in ("accepted", "in_progress"))
    pane.show_case(closed)
    assert pane.mode_combo.currentData() == "note"
    pane.show_case(open_id)
    assert pane.mode_combo.currentData() == "reply"
    assert not pane.template_combo.isHidden() and not pane.sms_check.isHidden()

    # Feedback follows the current problem, in Chinese.
    pane.editor.setPlainText("")
    pane.send()
    assert pane.refused_label.text() == "请先填写内容。"
    pane.editor.setPlainText("长" * 6000)
    qtbot.keyClick(pane.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pane.refused_label.text() != "", timeout=10000)
    assert pane.refused_label.text() == "内容超过 5000 个字。"

    # The SMS tick is spent with the reply it went with.
    pane.editor.setPlainText("您好，已为您查询。")
    pane.sms_check.setChecked(True)
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        pane.send()
    qtbot.waitUntil(lambda: pane.editor.toPlainText() == "", timeout=10000)
    assert not pane.sms_check.isChecked()


def test_every_core_refusal_reads_in_chinese(chinese):
    """Each English sentence desk/ can raise (rules and validation) is matched."""
    import inspect

    from desk import actions, rules
    from desk.actions import ActionRefused
    from ui.refusals import refusal_text

    sources = inspect.getsource(rules) + inspect.getsource(actions)
    messages = re.findall(r'(?:_conflict|_rejected|ActionRefused|Decision)\(\s*f?"\w*",\s*f?"([^"]+)"', sources)
    messages += ["the body is longer than 5000 characters", "the reason must not be empty",
                 "the duration must be at least 0", "the outcome must be one of reached, busy"]
    assert len(messages) > 25
    for message in messages:
        message = re.sub(r"\{[^}]*\}", "closed", message)
        shown = refusal_text(ActionRefused("invalid_transition", message))
        assert not re.search("[A-Za-z]{3,}", shown.replace("closed", "")), (message, shown)


def test_times_in_the_calendars_zone_and_stopped_clocks_say_what_and_when(
        qtbot, desk_app, server, monkeypatch):
    import time
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import Qt

    from ui import text
    from ui.queue.model import CLOCK_COLUMN

    # A station PC set to UTC: nothing shown may follow it.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    window = login(qtbot, desk_app, server, "officer1")
    case_id = first_case(window, "mine", lambda c: c["status"] in ("accepted", "in_progress"))
    window.context.actions.note(case_id, "内部备注")
    window.queue_list.setCurrentItem(window.queue_items["outbox"])
    qtbot.waitUntil(lambda: window.outbox_view.model.rowCount() > 0, timeout=10000)
    outbox = window.outbox_view.model
    column = [k for k, _ in outbox.columns].index("performed")
    shown = outbox.data(outbox.index(0, column))
    performed = outbox.items[0].performed_at
    assert shown == performed.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert text.format_local(performed) == shown

    # The closed queue: every row says when it was closed instead of an empty cell.
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        window.queue_list.setCurrentItem(window.queue_items["closed"])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10000)
    cell = window.model.data(window.model.index(0, CLOCK_COLUMN), Qt.ItemDataRole.DisplayRole)
    assert re.fullmatch(r"Closed \d\d-\d\d \d\d:\d\d", cell), cell

    # No row of the officer's queues has an empty countdown.
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        window.queue_list.setCurrentItem(window.queue_items["mine"])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10000)
    cells = [window.model.data(window.model.index(r, CLOCK_COLUMN), Qt.ItemDataRole.DisplayRole)
             for r in range(window.model.rowCount())]
    assert all(cells), cells


def test_countdown_is_compact_and_plural_in_english(qapp):
    from datetime import timedelta

    from ui import i18n, text

    translations = i18n.Translations()
    translations.install("en")
    assert text.compact_countdown(timedelta(hours=2, minutes=24)) == "2 h 24 min left"
    assert text.compact_countdown(-timedelta(days=1, hours=3)) == "1 d 3 h overdue"
    assert text.countdown(timedelta(hours=1), working=True) == "1 hour left"
    assert text.countdown(timedelta(hours=2), working=True) == "2 hours left"
    translations.install("zh_CN")
    try:
        assert text.compact_countdown(-timedelta(hours=2)) == "超期 2小时"
    finally:
        translations.install("en")


def test_window_state_is_per_officer_and_the_title_names_the_unit(qtbot, desk_app, server):
    from ui import settings as desk_settings
    from ui.supervisor.hook import SUPERVISION

    s = desk_settings.settings()
    # officer2 last used the outbox on this shared PC (in the old shared key, too).
    s.setValue("window/last_queue", "outbox")
    s.setValue(desk_settings.officer_key("officer2-id", "window/last_queue"), "outbox")
    window = open_window(qtbot, desk_app, server, "chief1")
    assert window.queue_list.currentItem() is window.queue_items[SUPERVISION]
    unit_id = window.context.officer.unit_id
    assert window.context.unit_names.get(unit_id) in window.windowTitle()
    assert f"（{unit_id}）" not in window.windowTitle() and f"({unit_id})" not in window.windowTitle()


def test_lang_flag_is_for_one_run_and_the_menu_choice_is_saved(qtbot, desk_app, server, monkeypatch):
    from ui import app as desk_app_module
    from ui import settings as desk_settings

    class Started(Exception):
        pass

    seen = []

    def fake_setup(argv, language):
        seen.append(language)
        raise Started

    monkeypatch.setattr(desk_app_module, "setup_application", fake_setup)
    with pytest.raises(Started):
        desk_app_module.main(["--lang", "en"])
    assert seen == ["en"]
    assert desk_settings.settings().value("ui/language") is None

    window = login(qtbot, desk_app, server, "officer1")
    assert window.language_actions["zh_CN"].isChecked()
    window._exec = lambda dialog: 0
    window.language_actions["en"].trigger()
    assert desk_settings.language() == "en" and window.language_actions["en"].isChecked()


def test_qt_dialogs_speak_chinese(chinese):
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QCoreApplication.translate("QFileDialog", "Files of type:") == "文件类型："


def test_search_says_what_it_found_and_esc_clears_it(qtbot, chinese, desk_app, server):
    from PySide6.QtCore import Qt

    window = login(qtbot, desk_app, server, "officer1")
    number = window.model.row_data(0)["number"]
    edit = window.search_edit
    edit.setText(number)
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        edit.returnPressed.emit()
    assert window.search_result.text() == "找到 1 件" and window.search_result.isVisibleTo(window)
    assert window.queue_list.currentItem() is None and not window.queue_list.selectedItems()
    edit.setText("没有这样的案件内容")
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        edit.returnPressed.emit()
    assert window.search_result.text() == "未找到"
    edit.setFocus()
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == "" and not window.search_result.isVisibleTo(window)
    assert window.queue_list.currentItem() is window.queue_items["mine"]


def test_timeline_words_notices_and_status_bar(qtbot, chinese, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    from desk.clocks import case_pauses

    pane = window.case_pane

    resumed = first_case(window, "mine", lambda c: any(
        (e.get("data") or {}).get("by") == "citizen" for e in c.get("entries", [])) and case_pauses(c))
    pane.show_case(resumed)
    metas = [w.meta.text() for w in pane.entry_widgets]
    assert not any(" · - · " in m for m in metas), metas
    assert any(m.startswith("群众补充材料后自动变更") for m in metas), metas
    assert any(m.startswith("群众 · ") for m in metas), metas

    # A notice in the status bar leaves the link state in view and is not doubled.
    window.tray = None
    window.notify("超期", "8 件已超期：SX1")
    assert window.statusBar().currentMessage() == "8 件已超期：SX1"
    assert window.state_label.isVisibleTo(window) or not window.isVisible()
    assert window.state_label.text() and not window.state_label.isHidden()


def test_an_offline_entry_reads_not_yet_received_and_its_widget_is_reused(qtbot, chinese, desk_app, server):
    from ui.case.view import EntryWidget

    window = login(qtbot, desk_app, server, "officer1")
    entry = {"type": "note", "author_id": window.actor.id, "unit_id": window.actor.unit_id,
             "performed_at": "2026-11-26T02:30:00Z", "received_at": None, "local_state": "pending",
             "body": "备注"}
    widget = EntryWidget(entry, window.context)
    assert widget.meta.text().endswith("平台尚未收到"), widget.meta.text()
    assert widget.objectName() == "entryPending" and not widget.body.isHidden()
    assert "尚未发送" in widget.title.text()
    # Reused for another case's entry (the pane refills its widgets): re-styled, and the
    # old entry's body is gone rather than shown under the new one.
    widget.set_entry({"type": "transfer", "author_id": window.actor.id, "unit_id": window.actor.unit_id,
                      "performed_at": "2026-11-26T03:30:00Z", "received_at": "2026-11-26T03:30:01Z",
                      "data": {"to_unit_id": window.actor.unit_id}})
    assert widget.objectName() == "entry" and widget.body.isHidden() and not widget.detail.isHidden()
    assert "尚未发送" not in widget.title.text() and not widget.meta.text().endswith("平台尚未收到")
    widget.deleteLater()


def test_the_reused_entry_widgets_and_clock_lines_show_the_case_now_shown(qtbot, chinese, desk_app, server):
    from ui.case.view import CLOCK_OBJECT_NAMES
    from ui.clockfmt import utcnow

    window = login(qtbot, desk_app, server, "officer1")
    pane = window.case_pane
    ids = [window.model.case_id(row) for row in range(min(window.model.rowCount(), 12))]
    for case_id in ids + ids[::-1]:
        pane.show_case(case_id)
        case = window.store.case(case_id)
        want = [c.get("clock") for c in case.get("clocks", [])]
        heads = [w for w in pane._clock_labels if not w.text().startswith("  ")]
        assert len(heads) == len(want), (case_id, clock_lines(pane))
        # Each line's look follows its own clock's state, not the last case's.
        looks = [CLOCK_OBJECT_NAMES.get(window.context.formatter.case_clock(c, case.get("kind", ""), utcnow())[1], "")
                 for c in case.get("clocks", [])]
        assert [w.objectName() for w in heads] == looks
        assert clock_lines(pane) == [w.text() for w in pane._clock_labels]
        assert len(pane.entry_widgets) == len(case.get("entries", []))
        assert [w.entry for w in pane.entry_widgets] == case.get("entries", [])


def test_transfer_reassign_urge_dialogs_and_confirmations(qtbot, chinese, desk_app, server):
    from PySide6.QtWidgets import QLabel, QMessageBox

    from ui.actions.dialogs import ReassignDialog, TransferDialog

    window = open_window(qtbot, desk_app, server, "chief1")
    ref = window.context.reference
    station = window.actor.unit_id
    dialog = TransferDialog(ref.units, station, window)
    item = dialog.items[station]
    assert item.parent() is not None and item.parent().isExpanded()
    sibling = next(u for u in ref.units if u.kind == "station" and u.id != station)
    dialog.filter.setText(sibling.name)
    assert dialog.tree.currentItem() is dialog.items[sibling.id]
    hidden = [u for u in ref.units if dialog.items[u.id].isHidden()]
    assert hidden, "the filter hides the units that do not match"
    dialog.deleteLater()

    officers = [o for o in ref.officers if o.unit_id == station]
    loads = window.controller.open_cases_by_officer()
    picker = ReassignDialog(officers, None, window, workload=loads)
    assert picker.officer.currentIndex() == -1
    assert all("在办" in picker.officer.itemText(i) for i in range(picker.officer.count()))
    assert "supervisor" not in (next(o for o in officers if o.id == picker.officer.itemData(0)).roles)
    picker.reason.setPlainText("工作调整")
    picker._try_accept()
    assert picker.error.text() == "请选择民警。"
    picker.deleteLater()

    # Close and transfer ask first; "No" leaves the case as it was.
    asked = []

    def answer(dialog):
        if isinstance(dialog, QMessageBox):
            asked.append(dialog.text())
            dialog.button(QMessageBox.StandardButton.No).click()
            return False
        if isinstance(dialog, TransferDialog):
            dialog.select_unit(sibling.id)
            dialog.reason.setPlainText("属地管辖")
            return True
        dialog.target.setCurrentIndex(dialog.target.findData("closed"))
        return True

    window._exec = answer
    case_id = next(i for i in supervision_case_ids(window)
                   if window.store.case(i)["status"] in ("accepted", "in_progress"))
    before = window.store.outbox_count()
    window.request_action("transfer", case_id)
    window.request_action("set_status", case_id)
    assert len(asked) == 2 and "转办" in asked[0] and "办结" in asked[1], asked
    assert window.store.outbox_count() == before

    # The urge dialog says how many cases it is for.
    view = show_supervision(qtbot, window)
    seen = []
    view.exec_dialog = lambda d: seen.append(d) or False
    top = view.tree.topLevelItem(0)
    view.tree.setCurrentItem(top)
    top.setSelected(True)
    view._ask_urge()
    assert seen
    labels = " ".join(w.text() for w in seen[0].findChildren(QLabel))
    assert re.search(r"已选 \d+ 件", labels), labels


def test_overdue_export_masks_numbers_in_titles():
    from datetime import datetime

    from desk import export, supervision

    item = supervision.AtRisk(case_id="c1", number="SX1", kind="tip", title="姚志强举报，电话13370148678",
                              status="new", assignee_id=None, clock="reply",
                              due_at=datetime(2026, 11, 27, 1, tzinfo=UTC),
                              level=supervision.OVERDUE, provisional=False,
                              citizen_name="姚志强", citizen_phone="13370148678")
    masked = export.overdue_table([item], reveal=False)[0][1]
    assert "姚志强" not in masked and "13370148678" not in masked, masked
    assert export.overdue_table([item], reveal=True)[0][1] == item.title
