"""`desk report overdue|compliance|workload|ratings`: the supervisor view's reports for
station IT, so a station can schedule its daily overdue list.

The figures are the window's (desk.supervision, from the local cache), the CSV is the
window's export (desk.export) and the PDF is the window's PDF (ui.supervisor.export_pdf,
which needs Qt: a QGuiApplication on the offscreen platform is made here, for --pdf
only). Masking and reveal follow the window: personal data is masked unless --reveal,
and --reveal records a reveal per case and field shown (desk.export.record_reveals
through desk.actions), queued like every action and delivered by the next `desk sync`.
The CLI's words are English, like the rest of the command line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.terminal import field

if TYPE_CHECKING:
    from desk import export
    from launch.cli import Context

REPORTS = ("overdue", "compliance", "workload", "ratings")
# desk.supervision.PERIODS (a test holds them equal): the parser is built at every
# command's start, which need not import the supervision arithmetic.
PERIODS = (7, 30, 90)
TITLES = {"overdue": "Overdue and due soon", "compliance": "Compliance", "workload": "Workload",
          "ratings": "Ratings"}


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="a supervisor's report: overdue, compliance, workload, ratings "
                                      "(terminal table, CSV or PDF)")
    p.add_argument("report", choices=REPORTS)
    p.add_argument("--period", type=int, choices=PERIODS, default=30,
                   help="days (compliance and ratings; default 30)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="write the report as CSV (UTF-8 with a BOM, for Excel)")
    out.add_argument("--pdf", metavar="FILE", help="write the report as PDF")
    p.add_argument("--reveal", action="store_true",
                   help="show citizens' names and phones; records a reveal per case and field")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def print_table(ctx: Context, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Columns aligned by display width (a Chinese character takes two cells), every
    cell through desk.terminal.field, so no citizen text drives the terminal."""
    shown = [[field(c) for c in columns]] + [[field(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in shown if i < len(r)) for i in range(len(columns))]
    for n, row in enumerate(shown):
        ctx.print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=False)).rstrip())
        if n == 0:
            ctx.print("  ".join("-" * w for w in widths))


def _pdf(path: Path, title: str, info: export.ExportInfo, columns: Sequence[str],
         rows: Sequence[Sequence[str]]) -> None:
    from PySide6.QtGui import QGuiApplication

    from desk import export
    from ui.supervisor.export_pdf import write_pdf

    # The PDF is laid out by Qt; a command line has no display, so offscreen.
    app = QGuiApplication.instance() or QGuiApplication(["desk", "-platform", "offscreen"])
    try:
        w = export.HEADING
        write_pdf(path, title, [(w["station"], info.station), (w["period"], info.period),
                                (w["exported_at"], info.exported_at),
                                (w["personal_data"], w["shown"] if info.reveal else w["masked"])],
                  columns, rows)
    finally:
        del app


def cmd_report(ctx: Context) -> int:
    from desk import export, supervision, timesafe
    from launch.cli import EXIT_OK, EXIT_USAGE, CliError

    args = ctx.args
    session = ctx.open()
    actor = session.actor
    if not actor.is_supervisor:
        raise CliError("`desk report` is for station chiefs (supervisors): this profile's "
                       "officer is not one", EXIT_USAGE)
    store = session.store
    zone = ctx.zone()
    now = ctx.now()
    ref = store.reference()
    officers = {o.id: o.name for o in ref.officers} if ref else {}
    units = {u.id: u.name for u in ref.units} if ref else {}

    def officer_name(officer_id: str | None) -> str:
        if officer_id is None:
            return "(unclaimed)"
        return officers.get(officer_id, officer_id)

    def when(t: datetime | None) -> str:
        return timesafe.format_in(t, zone) if t is not None else ""

    days = args.period
    since = now - timedelta(days=days)
    info = export.ExportInfo(
        station=units.get(actor.unit_id, actor.unit_id),
        period=f"{when(since)} to {when(now)} ({days} days)",
        exported_at=timesafe.format_in(now, zone, "%Y-%m-%d %H:%M:%S"),
        reveal=bool(args.reveal))
    name = args.report
    if name == "overdue":
        items = supervision.at_risk(store, actor, now)
        if args.reveal:
            # As the window's export: recorded before anything unmasked is written.
            actions = ctx.actions()
            export.record_reveals(actions.reveal, [i.case_id for i in items])
        columns = list(export.OVERDUE_COLUMNS.values())
        rows = export.overdue_table(items, reveal=bool(args.reveal), officer_name=officer_name,
                                    format_time=when)
    elif name == "compliance":
        report = supervision.compliance(store, actor.unit_id, now, days)
        columns = list(export.COMPLIANCE_COLUMNS.values())
        rows = export.compliance_table(report, officer_name=officer_name)
    elif name == "workload":
        columns = list(export.WORKLOAD_COLUMNS.values())
        rows = export.workload_table(supervision.workload(store, actor, now),
                                     officer_name=officer_name, format_time=when)
    else:
        columns = list(export.RATINGS_COLUMNS.values())
        rows = export.ratings_table(supervision.ratings(store, actor.unit_id, now, days),
                                    officer_name=officer_name)
    if args.csv:
        path = export.write_csv(Path(args.csv), info, columns, rows)
        ctx.print(f"wrote {len(rows)} row(s) to {field(path)}")
    elif args.pdf:
        path = Path(args.pdf)
        _pdf(path, TITLES[name], info, columns, rows)
        ctx.print(f"wrote {len(rows)} row(s) to {field(path)}")
    else:
        ctx.print(f"{TITLES[name]}: {field(info.station)}, {field(info.period)}, "
                  f"personal data {'shown' if args.reveal else 'masked'}")
        if rows:
            print_table(ctx, columns, rows)
        ctx.print(f"{len(rows)} row(s)")
    if args.reveal and name == "overdue":
        ctx.print(f"recorded {len(rows) * len(export.PERSONAL_FIELDS)} reveal(s); "
                  "they reach the server with the next `desk sync`")
    return EXIT_OK
