"""The in-app viewer: an attachment opened from bytes in memory, never from a file.

Images decode through QImageReader on a QBuffer with EXIF orientation applied and an
allocation limit, so a decompression bomb (a small PNG that claims 60000x60000 pixels) is
refused before it is decoded. PDFs are rendered in-process with pypdfium2 (PDFium, the
engine of Chrome's viewer), one page at a time, when it is shown; QtPdf would do the same
but lives in PySide6-Addons, hundreds of MB against the installer's 90 MB goal. Text is
shown as plain text. A file that cannot be shown says why inside the viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ui import text

# What one decoded image may take: 128 MB, i.e. 32 million pixels at 4 bytes each (a
# 24-megapixel phone photo fits; a bomb does not).
ALLOCATION_LIMIT_MB = 128
MAX_PIXELS = ALLOCATION_LIMIT_MB * 1024 * 1024 // 4
# A PDF page is rendered at most this large, whatever size its page box claims.
MAX_PAGE_PIXELS = 24_000_000
PDF_DPI = 96
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.05, 16.0

IMAGE, PDF, TEXT = "image", "pdf", "text"


def kind_of(data: bytes, content_type: str) -> str | None:
    """How to show a file: by the type the server sniffed from its bytes, else by the
    bytes themselves; None for a type this viewer cannot show."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type.startswith("image/"):
        return IMAGE
    if content_type == "application/pdf":
        return PDF
    if content_type.startswith("text/"):
        return TEXT
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return IMAGE
    return None


class ImageRefused(Exception):
    """An image that is not decoded: too large to hold, or unreadable."""


def decode_image(data: bytes) -> QImage:
    """The image in `data`, turned upright by its EXIF orientation. Raises ImageRefused
    (with the reason in the officer's language) for a bomb or a broken file."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    size = reader.size()
    # The header's claim is checked before a pixel is decoded: Qt's limit alone would
    # still let a format without a size in its header start allocating.
    if size.isValid() and size.width() * size.height() > MAX_PIXELS:
        raise ImageRefused(QCoreApplication.translate(
            "AttachmentViewer", "The image is too large to open safely (%1 × %2 pixels).")
            .replace("%1", str(size.width())).replace("%2", str(size.height())))
    image = reader.read()
    if image.isNull():
        if reader.error() == QImageReader.ImageReaderError.InvalidDataError and size.isValid() \
                and size.width() * size.height() * 4 > ALLOCATION_LIMIT_MB * 1024 * 1024:
            raise ImageRefused(QCoreApplication.translate("AttachmentViewer", "The image is too large to open safely."))
        raise ImageRefused(QCoreApplication.translate("AttachmentViewer", "The image cannot be read: the file is damaged or not an image."))
    return image


class Canvas(QWidget):
    """Draws one image at a zoom. The scaled copy is made once per zoom, not per paint."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image = QImage()
        self.zoom = 1.0
        self._scaled: QImage | None = None

    def set_image(self, image: QImage, zoom: float = 1.0) -> None:
        self.image = image
        self.set_zoom(zoom)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        self._scaled = None
        self.resize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:
        if self.image.isNull():
            return QSize(0, 0)
        return QSize(max(1, round(self.image.width() * self.zoom)), max(1, round(self.image.height() * self.zoom)))

    def scaled(self) -> QImage:
        if self._scaled is None:
            if abs(self.zoom - 1.0) < 1e-6:
                self._scaled = self.image
            else:
                self._scaled = self.image.scaled(self.sizeHint(), Qt.AspectRatioMode.IgnoreAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)
        return self._scaled

    def paintEvent(self, event) -> None:
        if self.image.isNull():
            return
        painter = QPainter(self)
        rect = event.rect()
        painter.drawImage(rect, self.scaled(), rect)
        painter.end()


class _ScrollCanvas(QScrollArea):
    """A canvas in a scroll area; Ctrl+wheel zooms."""

    sig_zoom_wheel = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = Canvas()
        self.setWidget(self.canvas)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidgetResizable(False)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.sig_zoom_wheel.emit(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)


class AttachmentViewer(QDialog):
    """One attachment, opened from its bytes. `on_save`, when given, is what Ctrl+S and
    the Save as… button call (the opener asks where and records the reveal)."""

    def __init__(self, data: bytes, name: str, content_type: str, parent=None, *,
                 on_save: Callable[[], None] | None = None):
        super().__init__(parent)
        self.data = data
        self.name = name
        self.on_save = on_save
        self.kind = kind_of(data, content_type)
        self.error_text = ""
        self.pdf: Any = None  # a pypdfium2.PdfDocument while a PDF is open
        self.page_count = 0
        self.page = 0
        self.fit = True
        self.zoom = 1.0
        self.image = QImage()
        self.setWindowTitle(text.one_line(name) or self.tr("Attachment"))
        self.resize(900, 700)

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.name_label = QLabel()
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_label.setText(text.one_line(name))
        bar.addWidget(self.name_label, 1)
        self.prev_button = QPushButton(self.tr("Previous page"))
        self.prev_button.clicked.connect(lambda: self.go_to(self.page - 1))
        self.page_label = QLabel()
        self.next_button = QPushButton(self.tr("Next page"))
        self.next_button.clicked.connect(lambda: self.go_to(self.page + 1))
        self.zoom_out_button = QPushButton(self.tr("Zoom out"))
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.zoom_in_button = QPushButton(self.tr("Zoom in"))
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.fit_button = QPushButton(self.tr("Fit"))
        self.fit_button.clicked.connect(self.fit_to_window)
        self.save_button = QPushButton(self.tr("Save as…"))
        self.save_button.setToolTip(self.tr("Save a copy outside the encrypted cache (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.save_button.setVisible(on_save is not None)
        for widget in (self.prev_button, self.page_label, self.next_button, self.zoom_out_button,
                       self.zoom_in_button, self.fit_button, self.save_button):
            bar.addWidget(widget)
        layout.addLayout(bar)

        self.stack = QStackedWidget()
        self.scroll_area = _ScrollCanvas()
        self.scroll_area.sig_zoom_wheel.connect(lambda d: self.zoom_by(ZOOM_STEP if d > 0 else 1 / ZOOM_STEP))
        self.canvas = self.scroll_area.canvas
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setAccessibleName(self.tr("File text"))
        self.error_label = QLabel()
        self.error_label.setObjectName("warning")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setWordWrap(True)
        for page in (self.scroll_area, self.text_view, self.error_label):
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)

        # Esc closes (QDialog's own); the rest are the viewer's keys.
        for keys, slot in (
            ((QKeySequence.StandardKey.Save,), self.save),
            ((Qt.Key.Key_PageDown,), lambda: self.go_to(self.page + 1)),
            ((Qt.Key.Key_PageUp,), lambda: self.go_to(self.page - 1)),
            ((QKeySequence.StandardKey.ZoomIn, Qt.Key.Key_Plus, Qt.Key.Key_Equal), lambda: self.zoom_by(ZOOM_STEP)),
            ((QKeySequence.StandardKey.ZoomOut, Qt.Key.Key_Minus), lambda: self.zoom_by(1 / ZOOM_STEP)),
            ((Qt.Key.Key_0, "Ctrl+0"), self.fit_to_window),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(slot)

        self._load()

    # ------------------------------------------------------------ loading

    def _load(self) -> None:
        if self.kind == IMAGE:
            try:
                self.image = decode_image(self.data)
            except ImageRefused as exc:
                self._fail(str(exc))
                return
            self.stack.setCurrentWidget(self.scroll_area)
            self.canvas.set_image(self.image, self._fit_zoom())
        elif self.kind == PDF:
            self._open_pdf()
        elif self.kind == TEXT:
            self.text_view.setPlainText(self.data.decode("utf-8", errors="replace"))
            self.stack.setCurrentWidget(self.text_view)
        else:
            self._fail(self.tr("This type of file cannot be shown here. Save it to open it elsewhere."))
        self._update_bar()

    def _fail(self, message: str) -> None:
        self.error_text = message
        self.error_label.setText(message)
        self.stack.setCurrentWidget(self.error_label)
        self._update_bar()

    def _open_pdf(self) -> None:
        import pypdfium2

        try:
            self.pdf = pypdfium2.PdfDocument(self.data)
            self.page_count = len(self.pdf)
        except pypdfium2.PdfiumError:
            self.pdf = None
            self._fail(self.tr("The PDF cannot be opened: the file is damaged or protected."))
            return
        if self.page_count == 0:
            self._fail(self.tr("The PDF has no pages."))
            return
        self.stack.setCurrentWidget(self.scroll_area)
        self._update_bar()
        # The first page is rendered once shown, at the width the viewer really has.
        if self.isVisible():
            self._render_page()

    def _render_page(self) -> None:
        """Renders the current page only: a long PDF costs what its shown page costs."""
        import pypdfium2

        assert self.pdf is not None
        try:
            page = self.pdf[self.page]
            try:
                width, height = page.get_size()
                scale = self._pdf_scale(width, height)
                bitmap = page.render(scale=scale, force_bitmap_format=pypdfium2.raw.FPDFBitmap_BGRA,
                                     rev_byteorder=True)
                image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                               QImage.Format.Format_RGBA8888).copy()
                bitmap.close()
            finally:
                page.close()
        except pypdfium2.PdfiumError:
            self._fail(self.tr("Page %1 of the PDF cannot be shown: the file is damaged.")
                       .replace("%1", str(self.page + 1)))
            return
        self.image = image
        self.stack.setCurrentWidget(self.scroll_area)
        self.canvas.set_image(image, 1.0)
        self._update_bar()

    def _pdf_scale(self, width_pt: float, height_pt: float) -> float:
        base = PDF_DPI / 72.0
        if self.fit:
            view = self.scroll_area.viewport().size()
            # Room for the vertical scroll bar a tall page brings, so fitting the width
            # never adds a horizontal one.
            bar = 0 if self.scroll_area.verticalScrollBar().isVisible() else \
                self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
            if width_pt > 0 and view.width() > 50:
                base = (view.width() - bar - 4) / width_pt
        scale = base * (1.0 if self.fit else self.zoom)
        pixels = max(1.0, width_pt * height_pt) * scale * scale
        if pixels > MAX_PAGE_PIXELS:
            scale *= (MAX_PAGE_PIXELS / pixels) ** 0.5
        return max(scale, 0.01)

    # ------------------------------------------------------------ navigation and zoom

    def go_to(self, page: int) -> None:
        if self.pdf is None or not 0 <= page < self.page_count or page == self.page:
            return
        self.page = page
        self._render_page()

    def _fit_zoom(self) -> float:
        if self.image.isNull():
            return 1.0
        view = self.scroll_area.viewport().size()
        if view.width() < 50 or view.height() < 50:
            view = QSize(860, 600)
        return min(1.0, (view.width() - 4) / self.image.width(), (view.height() - 4) / self.image.height())

    def zoom_by(self, factor: float) -> None:
        if self.stack.currentWidget() is not self.scroll_area:
            return
        if self.kind == PDF:
            if self.fit:
                self.zoom = self.canvas.image.width() / max(1.0, self._page_width_at_dpi())
                self.fit = False
            self.zoom = max(ZOOM_MIN, min(ZOOM_MAX, self.zoom * factor))
            self._render_page()
            return
        self.fit = False
        self.zoom = max(ZOOM_MIN, min(ZOOM_MAX, self.canvas.zoom * factor))
        self.canvas.set_zoom(self.zoom)
        self._update_bar()

    def _page_width_at_dpi(self) -> float:
        assert self.pdf is not None
        page = self.pdf[self.page]
        try:
            return page.get_size()[0] * PDF_DPI / 72.0
        finally:
            page.close()

    def fit_to_window(self) -> None:
        self.fit = True
        if self.kind == PDF and self.pdf is not None:
            self._render_page()
        elif self.kind == IMAGE and not self.image.isNull():
            self.canvas.set_zoom(self._fit_zoom())
        self._update_bar()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit and self.kind == IMAGE and not self.image.isNull():
            self.canvas.set_zoom(self._fit_zoom())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The viewport's real size is known once shown: a PDF page fills its width.
        if self.kind == PDF and self.pdf is not None and (self.fit or self.image.isNull()):
            self._render_page()

    def _update_bar(self) -> None:
        paged = self.pdf is not None and not self.error_text
        for widget in (self.prev_button, self.page_label, self.next_button):
            widget.setVisible(paged)
        if paged:
            self.page_label.setText(self.tr("Page %1 of %2").replace("%1", str(self.page + 1))
                                    .replace("%2", str(self.page_count)))
            self.prev_button.setEnabled(self.page > 0)
            self.next_button.setEnabled(self.page + 1 < self.page_count)
        zoomable = self.stack.currentWidget() is self.scroll_area
        for widget in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            widget.setVisible(zoomable)

    def save(self) -> None:
        if self.on_save is not None:
            self.on_save()

    def done(self, result: int) -> None:
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None
        super().done(result)
