"""The attachment viewer's opening times, each printed beside its floor from the same run.

    python bench/bench_viewer.py [--runs 5]

- a 5 MiB JPEG photo (12 megapixels, made here with QImage.save into a QBuffer) opened
  in the viewer from bytes in memory until its first paint, beside a bare
  QImage.fromData of the same bytes (goal: under 300 ms);
- a 20-page PDF (the demo's form, made by central/seed_files.py, and a page with a
  full-page photo, repeated) opened until the first page is painted, beside a bare
  pypdfium2 open and render of that page at the same size (goal: under 500 ms).

Absolute times on shared machines are noise; the ratio is the result.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2  # noqa: E402
from PySide6.QtCore import QBuffer, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.common import line  # noqa: E402
from central.seed_files import form_pdf  # noqa: E402
from ui.attachments.viewer import AttachmentViewer  # noqa: E402

MIB = 1024 * 1024


def jpeg_of(image: QImage, quality: int) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", quality)
    return bytes(buffer.data().data())


def photo(target: int = 5 * MIB) -> bytes:
    """A 4000x3000 JPEG near `target` bytes: smoothed noise, as busy as a photo of a
    receipt on a table, at the JPEG quality that lands nearest the size."""
    noise = QImage(os.urandom(1000 * 750 * 4), 1000, 750, QImage.Format.Format_RGB32).copy()
    image = noise.scaled(4000, 3000, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    best = b""
    for quality in range(60, 100, 4):
        data = jpeg_of(image, quality)
        if not best or abs(len(data) - target) < abs(len(best) - target):
            best = data
    return best


def twenty_pages(picture: bytes) -> bytes:
    form = pypdfium2.PdfDocument(form_pdf("居民身份证申领登记表", [f"第{i}栏：已填写" for i in range(30)]))
    out = pypdfium2.PdfDocument.new()
    for i in range(20):
        out.import_pages(form, [0])
        if i % 4 == 0:
            # Every fourth page, the first among them, a scanned photo filling the page, as forms often come.
            page = out[i]
            image = pypdfium2.PdfImage.new(out)
            image.load_jpeg(io.BytesIO(picture), inline=False)
            width, height = page.get_size()
            image.set_matrix(pypdfium2.PdfMatrix().scale(width, height))
            page.insert_obj(image)
            page.gen_content()
            page.close()
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def first_paint(app: QApplication, data: bytes, name: str, content_type: str) -> float:
    started = time.perf_counter()
    viewer = AttachmentViewer(data, name, content_type)
    viewer.show()
    viewer.grab()  # the first paint, with the scaled or rendered image
    app.processEvents()
    elapsed = time.perf_counter() - started
    assert not viewer.error_text, viewer.error_text
    viewer.close()
    viewer.deleteLater()
    app.processEvents()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    jpeg = photo()
    print(f"photo: {len(jpeg) / MIB:.2f} MiB, 4000x3000", flush=True)
    floors, figures = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        assert not QImage.fromData(jpeg).isNull()
        floors.append(time.perf_counter() - started)
        figures.append(first_paint(app, jpeg, "photo.jpg", "image/jpeg"))
    line("open a 5 MiB photo in the viewer (goal < 0.3 s)", statistics.median(figures), statistics.median(floors),
         extra=" [floor: bare QImage.fromData]")

    small = jpeg_of(QImage.fromData(jpeg).scaled(1600, 1200), 85)
    pdf = twenty_pages(small)
    print(f"pdf: {len(pdf) / MIB:.2f} MiB, 20 pages", flush=True)
    floors, figures = [], []
    for _ in range(args.runs):
        figure = first_paint(app, pdf, "form.pdf", "application/pdf")
        started = time.perf_counter()
        doc = pypdfium2.PdfDocument(pdf)
        page = doc[0]
        bitmap = page.render(scale=96 / 72, force_bitmap_format=pypdfium2.raw.FPDFBitmap_BGRA, rev_byteorder=True)
        QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBA8888).copy()
        page.close()
        doc.close()
        floors.append(time.perf_counter() - started)
        figures.append(figure)
    line("first page of a 20-page PDF in the viewer (goal < 0.5 s)", statistics.median(figures),
         statistics.median(floors), extra=" [floor: bare pypdfium2 open + render of page 1]")


if __name__ == "__main__":
    main()
