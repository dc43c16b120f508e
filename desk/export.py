"""CSV exports of the supervisor's overdue list and compliance report.

Files are UTF-8 with a byte-order mark, which is what makes Excel on a Chinese Windows
open them as UTF-8 instead of GBK. Each file starts with a short heading block (station,
period, time of export), a blank row, then the table, so it parses as plain CSV.

Citizens' personal data is masked unless the supervisor chose to show it; that choice
must be recorded as a `reveal` per case and field (`record_reveals`) before the file is
written. Column titles come from the caller (the desktop app translates them); the
defaults are English.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desk.masking import mask_name, mask_phone, mask_text
from desk.supervision import AtRisk, Compliance

BOM_ENCODING = "utf-8-sig"
PERSONAL_FIELDS = ("name", "phone")

OVERDUE_COLUMNS = {
    "number": "Case number", "title": "Title", "kind": "Kind", "status": "Status",
    "assignee": "Officer", "clock": "Clock", "due_at": "Due", "level": "Deadline state",
    "citizen_name": "Citizen", "citizen_phone": "Phone",
}
COMPLIANCE_COLUMNS = {
    "group": "Group", "name": "Name", "total": "Clocks", "met": "Met",
    "met_offline_on_time": "Late, done offline on time", "missed": "Missed", "rate": "Met share",
}
HEADING = {"station": "Station", "period": "Period", "exported_at": "Exported at",
           "personal_data": "Personal data", "masked": "masked", "shown": "shown"}


@dataclass(frozen=True)
class ExportInfo:
    station: str
    period: str
    exported_at: str
    reveal: bool = False


def record_reveals(reveal: Callable[[str, str], Any], case_ids: Iterable[str],
                   fields: Sequence[str] = PERSONAL_FIELDS) -> int:
    """Record a reveal for every case and field about to be exported unmasked (pass
    Actions.reveal). Returns how many were recorded."""
    n = 0
    for case_id in dict.fromkeys(case_ids):
        for name in fields:
            reveal(case_id, name)
            n += 1
    return n


def _heading(info: ExportInfo, words: Mapping[str, str]) -> list[list[str]]:
    w = {**HEADING, **words}
    return [[w["station"], info.station], [w["period"], info.period],
            [w["exported_at"], info.exported_at],
            [w["personal_data"], w["shown"] if info.reveal else w["masked"]], []]


def overdue_table(items: Sequence[AtRisk], *, reveal: bool,
                  officer_name: Callable[[str | None], str] = lambda o: o or "",
                  label: Callable[[str, str], str] = lambda _ctx, word: word,
                  format_time: Callable[[datetime], str] = lambda t: t.isoformat()) -> list[list[str]]:
    """The overdue list as rows of text, masked unless `reveal`."""
    rows = []
    for item in items:
        name = item.citizen_name if reveal else mask_name(item.citizen_name)
        phone = item.citizen_phone if reveal else mask_phone(item.citizen_phone)
        # Numbers and the citizen's name written into the title are personal data too.
        title = item.title if reveal else mask_text(item.title, [item.citizen_name])
        rows.append([item.number, title, label("Kind", item.kind),
                     label("Status", item.status), officer_name(item.assignee_id),
                     label("Clock", item.clock), format_time(item.due_at),
                     label("Level", item.level), name, phone])
    return rows


def compliance_table(report: Compliance, *,
                     officer_name: Callable[[str | None], str] = lambda o: o or "",
                     label: Callable[[str, str], str] = lambda _ctx, word: word,
                     groups: Mapping[str, str] | None = None) -> list[list[str]]:
    """The compliance report as rows: the station, then per clock, kind and officer."""
    g = {"station": "Station", "clock": "Clock", "kind": "Kind", "officer": "Officer",
         **(groups or {})}

    def row(group: str, name: str, t) -> list[str]:
        rate = f"{t.rate * 100:.1f}%" if t.rate is not None else ""
        return [group, name, str(t.total), str(t.met), str(t.met_offline_on_time),
                str(t.missed), rate]

    rows = [row(g["station"], "", report.station)]
    rows += [row(g["clock"], label("Clock", k), t) for k, t in sorted(report.by_clock.items())]
    rows += [row(g["kind"], label("Kind", k), t) for k, t in sorted(report.by_kind.items())]
    rows += [row(g["officer"], officer_name(k), t)
             for k, t in sorted(report.by_officer.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))]
    return rows


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): citizens write
# titles and names, and a mask keeps the first character (`=***`).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> Any:
    """A cell as Excel and LibreOffice show it literally: text that starts like a
    formula gets a leading single quote, as OWASP recommends. Numbers stay numbers."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, info: ExportInfo, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              heading_words: Mapping[str, str] | None = None) -> Path:
    path = Path(path)
    with path.open("w", encoding=BOM_ENCODING, newline="") as f:
        writer = csv.writer(f)
        # Every cell, headings included: the station's name and titles come from outside.
        writer.writerows([[csv_cell(c) for c in r] for r in _heading(info, heading_words or {})])
        writer.writerow([csv_cell(c) for c in columns])
        writer.writerows([[csv_cell(c) for c in r] for r in rows])
    return path


def export_overdue_csv(path: Path, items: Sequence[AtRisk], info: ExportInfo, *,
                       columns: Mapping[str, str] | None = None,
                       heading_words: Mapping[str, str] | None = None, **table_kwargs: Any) -> Path:
    titles = {**OVERDUE_COLUMNS, **(columns or {})}
    return write_csv(path, info, [titles[k] for k in OVERDUE_COLUMNS],
                     overdue_table(items, reveal=info.reveal, **table_kwargs), heading_words)


def export_compliance_csv(path: Path, report: Compliance, info: ExportInfo, *,
                          columns: Mapping[str, str] | None = None,
                          heading_words: Mapping[str, str] | None = None, **table_kwargs: Any) -> Path:
    titles = {**COMPLIANCE_COLUMNS, **(columns or {})}
    return write_csv(path, info, [titles[k] for k in COMPLIANCE_COLUMNS],
                     compliance_table(report, **table_kwargs), heading_words)


# The supervisor view's other two tables, as `desk report workload|ratings` writes them
# (the window shows them with the same columns and the same figures).
WORKLOAD_COLUMNS = {
    "officer": "Officer", "open": "Open", "due_soon": "Due soon", "overdue": "Overdue",
    "oldest_number": "Oldest open case", "oldest_received_at": "Received",
}
RATINGS_COLUMNS = {
    "officer": "Officer", "count": "Ratings", "average": "Average",
    "satisfied": "Callbacks satisfied", "neutral": "Neutral", "dissatisfied": "Dissatisfied",
}


def workload_table(items: Sequence[Any], *,
                   officer_name: Callable[[str | None], str] = lambda o: o or "",
                   format_time: Callable[[datetime], str] = lambda t: t.isoformat()) -> list[list[str]]:
    """Per officer: open, due soon, overdue and the oldest open case (supervision.Workload)."""
    return [[officer_name(w.officer_id), str(w.open), str(w.due_soon), str(w.overdue),
             w.oldest_number or "", format_time(w.oldest_received_at) if w.oldest_received_at else ""]
            for w in items]


def ratings_table(report: Any, *, officer_name: Callable[[str | None], str] = lambda o: o or "",
                  station: str = "Station") -> list[list[str]]:
    """The station's ratings, then each officer's: how many, the average, and the
    callbacks' satisfaction (supervision.Ratings)."""
    tallies = [(station, report.station)] + [
        (officer_name(k), v)
        for k, v in sorted(report.by_officer.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))]
    return [[name, str(t.count), f"{t.average:.2f}" if t.average is not None else "—",
             str(t.satisfaction.get("satisfied", 0)), str(t.satisfaction.get("neutral", 0)),
             str(t.satisfaction.get("dissatisfied", 0))] for name, t in tallies]
