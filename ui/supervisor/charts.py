"""Three small bar charts drawn with QPainter: compliance per week, overdue per officer,
and the distribution of ratings.

Why not QtCharts: it ships in PySide6-Addons, not in PySide6-Essentials, and Addons
would add about 100 MB to the station installer for three bar charts. These charts draw
plain bars and labels; each also gives its figures as text (`text_lines()`, also set as
the accessible description and tooltip) and the supervisor view can show that text as a
table instead of the picture ("charts as tables"), for screen readers and for people who
would rather read numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLOR = QColor("#2f6fb3")
WARN_COLOR = QColor("#c0392b")
GRID_COLOR = QColor("#d0d4da")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as people read it ("86%", "3")


class BarChart(QWidget):
    """A vertical bar chart of a few labelled values; `maximum` fixes the scale (100 for
    shares in percent), otherwise the largest value sets it."""

    def __init__(self, title: str = "", *, maximum: float | None = None,
                 color: QColor = BAR_COLOR, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.maximum = maximum
        self.color = color
        self.bars: list[Bar] = []
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def sizeHint(self) -> QSize:
        return QSize(360, 200)

    def set_bars(self, bars: list[Bar], title: str | None = None) -> None:
        if title is not None:
            self.title = title
            self.setAccessibleName(title)
        self.bars = list(bars)
        description = "\n".join(self.text_lines())
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.update()

    def text_lines(self) -> list[str]:
        return [f"{bar.label}: {bar.text}" for bar in self.bars]

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height()
        rect = QRectF(self.rect()).adjusted(8, 4, -8, -4)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        plot = rect.adjusted(0, line + 4 + line, 0, -(line + 4))
        painter.setPen(QPen(GRID_COLOR, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        if not self.bars or plot.height() <= 0:
            painter.end()
            return
        top = self.maximum or max((b.value for b in self.bars), default=0) or 1
        slot = plot.width() / len(self.bars)
        width = max(4.0, slot * 0.6)
        for i, bar in enumerate(self.bars):
            x = plot.left() + i * slot + (slot - width) / 2
            height = plot.height() * max(0.0, min(bar.value, top)) / top
            painter.fillRect(QRectF(x, plot.bottom() - height, width, height), self.color)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(x - slot / 4, plot.bottom() - height - line, width + slot / 2, line),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, bar.text)
            label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(slot))
            painter.drawText(QRectF(plot.left() + i * slot, plot.bottom() + 2, slot, line),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        painter.end()
