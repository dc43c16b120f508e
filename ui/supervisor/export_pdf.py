"""PDF exports of the supervisor's tables with QPdfWriter.

The document is HTML laid out by QTextDocument; every text that comes from the cache
(titles, comments, names) is escaped, so a citizen's text that looks like markup stays
text. The heading names the station, the period and the time of export, like the CSV.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return (f'<table border="1" cellspacing="0" cellpadding="3" width="100%">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def write_pdf(path: Path, title: str, heading: Sequence[tuple[str, str]],
              columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """One titled table, landscape A4, with the heading lines above it."""
    path = Path(path)
    lines = "".join(f"<p>{html.escape(k)}: {html.escape(v)}</p>" for k, v in heading)
    doc = QTextDocument()
    doc.setDefaultStyleSheet("th { background: #e8ecf2; } td, th { font-size: 8pt; }")
    doc.setHtml(f"<h2>{html.escape(title)}</h2>{lines}{_table(columns, rows)}")
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Desk")
    layout = writer.pageLayout()
    rect = layout.paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)
    return path
