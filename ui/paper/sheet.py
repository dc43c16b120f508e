"""The case sheet on paper: desk.case_sheet's content in the officer's language, laid out
by the supervisor's PDF path (ui/supervisor/export_pdf: build_document, paint_document,
save_html_pdf) for a PDF file or Qt's printer.

Every text from the cache or the server passes html.escape before it enters the markup
(line breaks become <br> after escaping), so a citizen's text that looks like markup
prints as those characters.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtPrintSupport import QPrinter

from desk.case_sheet import CaseSheet
from ui import text
from ui.case.view import _entry_detail
from ui.clockfmt import utcnow
from ui.supervisor.export_pdf import build_document, paint_document, save_html_pdf


def _e(value: object) -> str:
    return html.escape(str(value or "")).replace("\n", "<br>")


def _row(caption: str, value: str) -> str:
    return (f'<tr><td style="white-space: nowrap"><b>{_e(caption)}</b></td>'
            f"<td>{_e(value)}</td></tr>")


def accountability_line(sheet: CaseSheet, zone) -> str:
    """The same sentence as the case pane's accountability line."""
    line = sheet.accountability
    if line.accepted_at:
        return (QCoreApplication.translate("CasePane", "Accepted by %1 (%2) at %3")
                .replace("%1", line.accepted_by or "-").replace("%2", line.unit)
                .replace("%3", text.format_local(line.accepted_at, zone)))
    return (QCoreApplication.translate("CasePane", "Not accepted yet. Responsible unit: %1; received %2")
            .replace("%1", line.unit).replace("%2", text.format_local(line.received_at, zone)))


def clock_line(sheet: CaseSheet, index: int, context, now: datetime) -> str:
    """One clock's heading line as the case pane writes it."""
    clock = sheet.clocks[index]
    countdown, _state = context.formatter.case_clock(dict(clock.raw), sheet.kind, now)
    line = (text.label("Clock", clock.clock) + " " + text.format_local(clock.due_at, context.formatter.zone)
            + " — " + countdown)
    if clock.provisional:
        line += " " + QCoreApplication.translate("CasePane", "(provisional)")
    return line


def _sheet_html(sheet: CaseSheet, context, now: datetime) -> tuple[str, list[str]]:
    zone = context.formatter.zone
    texts: list[str] = []

    def keep(value: str) -> str:
        texts.append(value)
        return value

    heading = QCoreApplication.translate("CaseSheet", "Case sheet") + " " + sheet.number
    parts = [f"<h1>{_e(keep(heading))}</h1>"]
    rows = [
        (QCoreApplication.translate("CaseSheet", "Number"), sheet.number),
        (QCoreApplication.translate("CaseSheet", "Kind"), text.kind_label(sheet.kind, context.reference)),
        (QCoreApplication.translate("CaseSheet", "Service item"), " / ".join(p for p in (sheet.category, sheet.service_item) if p)),
        (QCoreApplication.translate("CaseSheet", "Channel"), sheet.channel),
        (QCoreApplication.translate("CaseSheet", "Status"), text.label("Status", sheet.status)),
        (QCoreApplication.translate("CaseSheet", "Responsible unit"), sheet.unit),
        (QCoreApplication.translate("CaseSheet", "Assignee"), sheet.assignee or QCoreApplication.translate("CasePane", "Unclaimed")),
        (QCoreApplication.translate("CaseSheet", "Received"), text.format_local(sheet.accountability.received_at, zone)),
    ]
    line = sheet.accountability
    rows.append((QCoreApplication.translate("CaseSheet", "Accountability"), accountability_line(sheet, zone)))
    if line.claimed_by:
        rows.append((QCoreApplication.translate("CaseSheet", "Claimed"), QCoreApplication.translate("CaseSheet", "%1 at %2").replace("%1", line.claimed_by)
                     .replace("%2", text.format_local(line.claimed_at, zone))))
    citizen = "  ".join(v for v in (sheet.citizen.get(f, "") for f in ("name", "phone", "id_number")) if v)
    state = QCoreApplication.translate("CaseSheet", "personal data masked") if sheet.masked else QCoreApplication.translate("CaseSheet", "personal data shown; the viewing is recorded")
    rows.append((QCoreApplication.translate("CaseSheet", "Citizen"), (citizen or QCoreApplication.translate("CaseSheet", "(none given)")) + f"  ({state})"))
    for caption, value in rows:
        keep(caption)
        keep(value)
    parts.append('<table cellspacing="0" cellpadding="3" width="100%">'
                 + "".join(_row(c, v) for c, v in rows) + "</table>")
    request = QCoreApplication.translate("CaseSheet", "Request")
    parts.append(f"<h2>{_e(keep(request))}</h2><p><b>{_e(keep(sheet.title))}</b></p>"
                 f"<p>{_e(keep(sheet.body))}</p>")
    clocks_heading = QCoreApplication.translate("CaseSheet", "Clocks")
    parts.append(f"<h2>{_e(keep(clocks_heading))}</h2>")
    if not sheet.clocks:
        none = QCoreApplication.translate("CaseSheet", "No clocks.")
        parts.append(f"<p>{_e(keep(none))}</p>")
    for index, clock in enumerate(sheet.clocks):
        parts.append(f"<p><b>{_e(keep(clock_line(sheet, index, context, now)))}</b></p>")
        for step in text.explain_steps(clock.steps, zone) if clock.steps else []:
            parts.append(f'<p style="margin-left: 12px">{_e(keep(step))}</p>')
    timeline_heading = QCoreApplication.translate("CaseSheet", "Timeline")
    parts.append(f"<h2>{_e(keep(timeline_heading))}</h2>")
    head = [QCoreApplication.translate("CaseSheet", "Time"), QCoreApplication.translate("CaseSheet", "Entry"), QCoreApplication.translate("CaseSheet", "By"), QCoreApplication.translate("CaseSheet", "Text")]
    texts.extend(head)
    cells = []
    for entry in sheet.entries:
        what = text.label("Entry", entry.type)
        if entry.pending:
            what += " (" + QCoreApplication.translate("EntryWidget", "not sent yet") + ")"
        elif entry.late:
            what += " (" + QCoreApplication.translate("EntryWidget", "recorded late") + ")"
        by = (QCoreApplication.translate("CaseSheet", "citizen") if entry.type == "citizen_message"
              else " · ".join(p for p in (entry.author, entry.unit) if p))
        detail = _entry_detail({"type": entry.type, "data": dict(entry.data)}, context)
        row = [text.format_local(entry.performed_at, zone), what, by,
               "\n".join(p for p in (detail, entry.body) if p)]
        texts.extend(row)
        cells.append("<tr>" + "".join(
            f'<td style="white-space: nowrap">{_e(v)}</td>' if i < 3 else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)) + "</tr>")
    parts.append('<table border="1" cellspacing="0" cellpadding="3" width="100%"><thead><tr>'
                 + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                 + "".join(cells) + "</tbody></table>")
    footer = (QCoreApplication.translate("CaseSheet", "Printed by %1 (%2) at %3").replace("%1", context.officer.name or "")
              .replace("%2", context.unit_name(context.officer.unit_id))
              .replace("%3", text.format_local(now, zone)))
    parts.append(f"<p></p><p>{_e(keep(footer))}</p>")
    return "".join(parts), texts


def sheets_html(sheets: Sequence[CaseSheet], context, now: datetime | None = None) -> tuple[str, list[str]]:
    """The markup of the sheets, each from a new page, and every text written in it."""
    now = now or utcnow()
    out, texts = [], []
    for i, sheet in enumerate(sheets):
        body, written = _sheet_html(sheet, context, now)
        out.append(body if i == 0 else f'<div style="page-break-before: always">{body}</div>')
        texts.extend(written)
    return "".join(out), texts


def document_title(sheets: Sequence[CaseSheet]) -> str:
    if len(sheets) == 1:
        return QCoreApplication.translate("CaseSheet", "Case sheet") + " " + sheets[0].number
    return QCoreApplication.translate("CaseSheet", "Case sheets (%n)", None, len(sheets))


def save_sheets_pdf(path: Path, sheets: Sequence[CaseSheet], context, now: datetime | None = None) -> Path:
    markup, texts = sheets_html(sheets, context, now)
    return save_html_pdf(path, document_title(sheets), markup, texts, landscape=False)


def print_sheets(printer: QPrinter, sheets: Sequence[CaseSheet], context, now: datetime | None = None) -> None:
    """Paint the sheets on a printer the print dialog set up."""
    markup, _texts = sheets_html(sheets, context, now)
    printer.setDocName(document_title(sheets))
    paint_document(build_document(markup), printer)
