"""Paper and time in the real window against the real demo server: the case sheet saved
as PDF and printed (read back with pdftotext), masked until the officer reveals and the
reveal on the server after sync; a callback reminder set, shown when its time comes
(an injected clock, no sleep), listed in 待回访, dismissed."""

from __future__ import annotations

import subprocess
from datetime import timedelta

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtPrintSupport import QPrinter

from desk.case_sheet import build_sheet
from desk.masking import mask_phone
from tests.central.server_fixture import ManualClock
from tests.ui.conftest import login
from ui.clockfmt import utcnow
from ui.paper import reminders as reminder_ui
from ui.paper.sheet import accountability_line, clock_line
from ui.text import explain_steps


def pdf_lines(path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [" ".join(line.split()) for line in out.splitlines()]


def squeeze(value: str) -> str:
    return " ".join(value.split())


def pick_case(window):
    """An accepted case of the officer's own with a phone number and a clock."""
    for case_id in window.model.ids():
        case = window.store.case(case_id)
        phone = (case.get("citizen") or {}).get("phone")
        if (phone and case.get("clocks") and any(e["type"] == "accept" for e in case["entries"])
                and case.get("assignee_id") == window.actor.id):
            return case
    raise AssertionError("the demo seed gives officer1 an accepted case with a phone")


def select(qtbot, window, case_id):
    row = window.model.row_of(case_id)
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.case_pane.case_id == case_id, timeout=10000)


def test_case_sheet_pdf_masked_then_revealed(qtbot, desk_app, server, tmp_path):
    window = login(qtbot, desk_app, server)
    case = pick_case(window)
    phone = case["citizen"]["phone"]
    select(qtbot, window, case["id"])
    path = window.paper.save_pdf(tmp_path / "sheet.pdf")
    lines = pdf_lines(path)
    text = "\n".join(lines)
    assert any(case["number"] in line for line in lines[:3]), "the number heads the sheet"
    ctx = window.context
    sheet = build_sheet(case, ctx.reference, ctx.calendar)
    accepted = squeeze(accountability_line(sheet, ctx.formatter.zone))
    assert any(accepted in line for line in lines), (accepted, text)
    assert sheet.accountability.accepted_by in accepted
    for index, clock in enumerate(sheet.clocks):
        heading = clock_line(sheet, index, ctx, utcnow()).split(" — ")[0]
        assert any(squeeze(heading) in line for line in lines), (heading, text)
        assert clock.steps, "each clock comes with its explanation"
        first_step = squeeze(explain_steps(clock.steps, ctx.formatter.zone)[0])
        assert squeeze(first_step)[:24] in text, (first_step, text)
    assert phone not in text and mask_phone(phone) in text
    assert "masked" in text or "已遮蔽" in text

    # Show (recorded), then the sheet carries the full number.
    window.case_pane.show_button.click()
    qtbot.waitUntil(lambda: window.case_pane.revealed_state(case["id"])[1], timeout=10000)
    shown = "\n".join(pdf_lines(window.paper.save_pdf(tmp_path / "shown.pdf")))
    assert phone in shown
    # The printer path: the same sheet through a QPrinter writing PDF.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert window.paper.print_to(printer)
    printed = "\n".join(pdf_lines(tmp_path / "printed.pdf"))
    assert case["number"] in printed and phone in printed
    # After a sync the platform holds the reveal.
    window.sync_now()
    qtbot.waitUntil(lambda: window.store.outbox_count() == 0 and any(
        e["type"] == "reveal" and (e.get("data") or {}).get("field") == "phone"
        and e.get("author_id") == window.actor.id
        for e in (window.store.synced_case(case["id"]) or {}).get("entries", [])), timeout=30000)


def test_several_selected_cases_print_one_sheet_each_masked(qtbot, desk_app, server, tmp_path):
    window = login(qtbot, desk_app, server)
    ids = window.model.ids()[:2]
    window.table.selectRow(window.model.row_of(ids[0]))
    qtbot.waitUntil(lambda: window.case_pane.case_id == ids[0], timeout=10000)
    model = window.table.selectionModel()
    model.select(window.model.index(window.model.row_of(ids[1]), 0),
                 QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert window.paper.selected_ids() == ids
    text = "\n".join(pdf_lines(window.paper.save_pdf(tmp_path / "two.pdf")))
    for case_id in ids:
        case = window.store.case(case_id)
        assert case["number"] in text
        phone = (case.get("citizen") or {}).get("phone")
        if phone:
            assert phone not in text


def test_callback_reminder_due_listed_and_dismissed(qtbot, desk_app, server, monkeypatch):
    window = login(qtbot, desk_app, server)
    clock = ManualClock(utcnow())
    # The window's queues and the reminders read the same injected time.
    monkeypatch.setattr("ui.main_window.utcnow", clock)
    window.paper.clock = clock
    case = window.store.case(window.model.ids()[0])

    # The dialog proposes the next working hour, by the cached calendar.
    dialog = reminder_ui.ReminderDialog(case["number"], reminder_ui.default_time(window, clock()),
                                        window.context.formatter.zone)
    qtbot.addWidget(dialog)
    proposed = dialog.when.dateTime().toSecsSinceEpoch()
    assert proposed == int(reminder_ui.default_time(window, clock()).timestamp())
    assert proposed > clock().timestamp()

    due = clock() + timedelta(hours=2)
    window.paper.apply_choice(case["id"], reminder_ui.SET, due)
    qtbot.waitUntil(lambda: window.paper.reminders.get(case["id"]) is not None, timeout=10000)
    window.paper.watcher.check()
    qtbot.waitUntil(lambda: not window.runner.is_running((window.paper.watcher, "check")), timeout=10000)
    title = window.paper.watcher.tr("Callbacks due")

    def announced():
        return [m for t, m in window.notifications if t == title and case["number"] in m]

    assert not window.paper.watcher.shown and not announced()

    clock.advance(timedelta(hours=2, minutes=1))
    window.paper.watcher.check()
    qtbot.waitUntil(lambda: len(announced()) == 1, timeout=10000)
    window.queue_list.setCurrentItem(window.queue_items["callbacks"])
    qtbot.waitUntil(lambda: window.model.ids() == [case["id"]] and not window._refresh_running, timeout=10000)
    assert "1" in window.queue_items["callbacks"].text()
    # Announced once only.
    window.paper.watcher.check()
    qtbot.waitUntil(lambda: not window.runner.is_running((window.paper.watcher, "check")), timeout=10000)
    assert len(announced()) == 1

    window.paper.apply_choice(case["id"], reminder_ui.DISMISS, None)
    qtbot.waitUntil(lambda: window.model.ids() == [] and not window._refresh_running, timeout=10000)
    assert window.paper.reminders.get(case["id"]) is None
