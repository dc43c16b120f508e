"""PDF exports of the supervisor's tables with QPdfWriter.

The document is HTML laid out by QTextDocument; every text that comes from the cache
(titles, comments, names) is escaped, so a citizen's text that looks like markup stays
text. The heading names the station, the period and the time of export, like the CSV.

The layout is measured on the PDF writer itself (not the screen), so the point sizes
below are the sizes on paper; the face is a Simplified Chinese one, so that characters
shared by the CJK languages take their mainland shapes and extract as the same text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QRawFont,
    QTextDocument,
)

BODY_PT = 9.5
SHORT_CELL = 20
TITLE_PT = 15
# Simplified Chinese faces in order of preference (Noto on Linux, the Windows ones after).
CHINESE_FACES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
                 "WenQuanYi Micro Hei")

LATIN_FACES = ("DejaVu Sans", "Liberation Sans", "Arial", "Segoe UI", "Noto Sans")


def chinese_family() -> str | None:
    families = set(QFontDatabase.families())
    return next((f for f in CHINESE_FACES if f in families), None)


def latin_family() -> str | None:
    families = set(QFontDatabase.families())
    return next((f for f in LATIN_FACES if f in families), None)


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    # Short columns (numbers, dates, names) stay on one line, so a case number is never
    # cut in two; the long ones (titles) wrap and take the width that is left.
    short = [all(len(str(row[i])) <= SHORT_CELL for row in rows if i < len(row))
             for i in range(len(columns))]

    def cell(tag: str, i: int, value) -> str:
        style = ' style="white-space: nowrap"' if i < len(short) and short[i] else ""
        return f"<{tag}{style}>{html.escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, c) for i, c in enumerate(columns))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return (f'<table border="1" cellspacing="0" cellpadding="4" width="100%">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def write_pdf(path: Path, title: str, heading: Sequence[tuple[str, str]],
              columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """One titled table, landscape A4, with the heading lines above it. Cells wrap, so
    a long title makes its row taller instead of the table wider than the page."""
    lines = "".join(f"<p>{html.escape(k)}: {html.escape(v)}</p>" for k, v in heading)
    return save_html_pdf(path, title, f"<h1>{html.escape(title)}</h1>{lines}<p></p>{_table(columns, rows)}",
                         [title, *(k + v for k, v in heading), *columns,
                          *(str(v) for row in rows for v in row)])


def build_document(body_html: str) -> QTextDocument:
    """The document every export lays out: the faces and sizes on paper. `body_html` is
    trusted markup whose every text from the cache is already escaped."""
    # Latin letters and digits in the interface's own face, Chinese in a Simplified
    # Chinese one: through the CJK face, digits took glyphs that extracted as nothing.
    families = [f for f in (latin_family(), chinese_family()) if f]
    face = "font-family: " + ", ".join(f"'{f}'" for f in families) + ";"
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(BODY_PT)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(
        f"body, td, th, p, h1, h2 {{ {face} }} body {{ font-size: {BODY_PT}pt; }}"
        f" h1 {{ font-size: {TITLE_PT}pt; }} h2 {{ font-size: {BODY_PT + 2}pt; }} p {{ margin: 0; }}"
        f" th {{ background: #e8ecf2; font-weight: bold; }} td, th {{ font-size: {BODY_PT}pt; }}")
    doc.setHtml(body_html)
    return doc


def paint_document(doc: QTextDocument, device: QPagedPaintDevice) -> None:
    """Paint `doc` on a PDF writer or a printer, page by page, at the sizes on paper."""
    # The document is laid out in the units of the screen it would be shown on (its
    # logical dpi) and painted scaled to the writer's resolution, page by page: printed
    # unscaled at the writer's 1200 dpi, 8 pt came out under 1 pt high.
    layout_dpi = QGuiApplication.primaryScreen().logicalDotsPerInchY() if QGuiApplication.primaryScreen() else 96.0
    paint = device.pageLayout().paintRect(QPageLayout.Unit.Point)
    page = QSizeF(paint.width() * layout_dpi / 72.0, paint.height() * layout_dpi / 72.0)
    doc.setPageSize(page)
    scale = device.logicalDpiY() / layout_dpi
    painter = QPainter(device)
    try:
        for number in range(doc.pageCount()):
            if number:
                device.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.translate(0, -number * page.height())
            doc.drawContents(painter, QRectF(0, number * page.height(), page.width(), page.height()))
            painter.restore()
    finally:
        painter.end()


def save_html_pdf(path: Path, title: str, body_html: str, texts: Sequence[str], *,
                  landscape: bool = True) -> Path:
    """Write `body_html` (escaped, see build_document) as an A4 PDF at `path`. `texts`:
    the texts written, for the text map's repair (see _fix_text_map)."""
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                              else QPageLayout.Orientation.Portrait)
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Desk")
    paint_document(build_document(body_html), writer)
    family = chinese_family()
    if family:
        _fix_text_map(path, QFont(family), texts)
    return path


# Kangxi radicals and the CJK radicals supplement share their glyphs with ordinary
# ideographs (⾄ and 至). Qt's PDF engine names each glyph by the lowest code point that
# reaches it, so copied or extracted text read "⾄" for "至" and "⺠" for "民".
_RADICALS = [*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6)]


def _fix_text_map(path: Path, font: QFont, texts: Sequence[str]) -> None:
    """Point the ToUnicode entries that name a radical back at the character that was
    written. Each entry is four hex digits either way, so no offset in the file moves."""
    chars = {c for t in texts for c in t if ord(c) >= 0x3000}
    replace: dict[str, str] = {}
    for weight in (QFont.Weight.Normal, QFont.Weight.Bold):
        probe = QFont(font)
        probe.setWeight(weight)
        raw = QRawFont.fromFont(probe)
        by_glyph: dict[int, int] = {}
        for code in _RADICALS:
            glyphs = raw.glyphIndexesForString(chr(code))
            if glyphs and glyphs[0]:
                by_glyph.setdefault(glyphs[0], code)
        for char in chars:
            glyphs = raw.glyphIndexesForString(char)
            if glyphs and glyphs[0] in by_glyph:
                replace[f"<{by_glyph[glyphs[0]]:04X}>"] = f"<{ord(char):04X}>"
    if not replace:
        return
    data = path.read_bytes()
    out, position = [], 0
    for match in re.finditer(rb"beginbf(?:range|char)(.*?)endbf(?:range|char)", data, re.DOTALL):
        block = match.group(1).decode("ascii")
        for old, new in replace.items():
            block = block.replace(old, new)
        out += [data[position:match.start(1)], block.encode("ascii")]
        position = match.end(1)
    out.append(data[position:])
    path.write_bytes(b"".join(out))
