"""The attachment widgets: the viewer (images with EXIF orientation, bombs refused, PDF
pages, broken PDFs, text), the case pane's file list (plain-text names), saving a copy out
(only after the confirmation, only where chosen, through Actions.save_attachment) and
attaching files (button, drop, refusals).

Until the core's attachment room is merged, the store and actions here are a test-only
stand-in with exactly the agreed names (notes/att-api.md): case_files, file_bytes,
upload_progress, check_attachment, save_attachment, reply/note/callback(attachments=).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pypdfium2
import pytest
from PySide6.QtCore import QBuffer, QIODevice, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QToolButton

from desk.actions import ActionRefused
from ui import text
from ui.actions.dialogs import CallbackDialog
from ui.attachments.attach import AttachList
from ui.attachments.files import FilesPanel
from ui.attachments.viewer import AttachmentViewer
from ui.clockfmt import ClockFormatter
from ui.tasks import TaskRunner


@dataclass(frozen=True)
class CachedFile:  # the fields of desk.store's CachedFile
    attachment_id: str | None
    case_id: str
    entry_id: str | None
    name: str
    content_type: str
    size: int
    sha256: str
    cached: bool
    direction: str = "in"
    uploaded: int = 0


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encoded(image: QImage, fmt: str) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)
    return bytes(buffer.data().data())


def picture(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    for x in range(width // 2):  # the left half red: which way it turned shows
        for y in range(height):
            image.setPixelColor(x, y, QColor("red"))
    return image


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 Exif segment holding only the Orientation tag (0x0112)."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1) \
        + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + app1 + jpeg[2:]


def pdf_of(pages: int) -> bytes:
    pdf = pypdfium2.PdfDocument.new()
    for i in range(pages):
        pdf.new_page(300 + 10 * i, 400)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def open_viewer(qtbot, data: bytes, name: str, content_type: str, **kw) -> AttachmentViewer:
    viewer = AttachmentViewer(data, name, content_type, **kw)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


# ---------------------------------------------------------------- the viewer


def test_png_opens_from_memory(qtbot):
    viewer = open_viewer(qtbot, encoded(picture(60, 30), "PNG"), "receipt.png", "image/png")
    assert viewer.error_text == ""
    assert viewer.stack.currentWidget() is viewer.scroll_area
    assert (viewer.image.width(), viewer.image.height()) == (60, 30)


def test_jpeg_is_turned_upright_by_its_exif_orientation(qtbot):
    jpeg = with_exif_orientation(encoded(picture(60, 30), "JPEG"), 6)  # 6: rotate 90° clockwise
    viewer = open_viewer(qtbot, jpeg, "photo.jpg", "image/jpeg")
    assert (viewer.image.width(), viewer.image.height()) == (30, 60)
    # The red left half is on top once turned clockwise.
    top, bottom = viewer.image.pixelColor(15, 5), viewer.image.pixelColor(15, 55)
    assert top.red() > 200 and top.green() < 80
    assert bottom.green() > 200


def test_zoom_keys_and_fit(qtbot):
    viewer = open_viewer(qtbot, encoded(picture(200, 100), "PNG"), "x.png", "image/png")
    fitted = viewer.canvas.zoom
    viewer.zoom_by(1.25)
    assert viewer.canvas.zoom == pytest.approx(fitted * 1.25)
    assert viewer.canvas.size().width() == round(200 * viewer.canvas.zoom)
    viewer.fit_to_window()
    assert viewer.canvas.zoom == pytest.approx(fitted)


def test_a_decompression_bomb_is_refused_with_a_message(qtbot):
    bomb = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + _chunk(b"IEND", b""))
    viewer = open_viewer(qtbot, bomb, "bomb.png", "image/png")
    assert viewer.image.isNull()
    assert viewer.stack.currentWidget() is viewer.error_label
    assert "60000" in viewer.error_label.text()


def test_a_broken_image_is_an_error_in_the_viewer(qtbot):
    viewer = open_viewer(qtbot, b"\x89PNG\r\n\x1a\nnot really", "x.png", "image/png")
    assert viewer.stack.currentWidget() is viewer.error_label
    assert viewer.error_text


def test_pdf_pages_render_one_at_a_time_with_navigation(qtbot):
    viewer = open_viewer(qtbot, pdf_of(3), "form.pdf", "application/pdf")
    assert viewer.error_text == ""
    assert viewer.page_count == 3 and viewer.page == 0
    assert viewer.page_label.text() == "Page 1 of 3"
    assert not viewer.image.isNull()
    assert not viewer.prev_button.isEnabled()
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    qtbot.keyClick(viewer.scroll_area, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: viewer.page == 1)
    assert viewer.page_label.text() == "Page 2 of 3"
    viewer.next_button.click()
    assert viewer.page == 2 and not viewer.next_button.isEnabled()
    qtbot.keyClick(viewer.scroll_area, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: viewer.page == 1)


def test_a_broken_pdf_is_an_error_in_the_viewer(qtbot):
    viewer = open_viewer(qtbot, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "bad.pdf", "application/pdf")
    assert viewer.stack.currentWidget() is viewer.error_label
    assert "PDF" in viewer.error_label.text()
    truncated = pdf_of(2)[:200]
    viewer = open_viewer(qtbot, truncated, "cut.pdf", "application/pdf")
    assert viewer.error_text or viewer.page_count >= 0  # opened or refused, never a crash


def test_text_is_plain_text_decoded_with_replacement(qtbot):
    data = "已上传 <b>照片</b>\n".encode() + b"\xff"
    viewer = open_viewer(qtbot, data, "note.txt", "text/plain")
    assert viewer.stack.currentWidget() is viewer.text_view
    assert viewer.text_view.isReadOnly()
    assert viewer.text_view.toPlainText() == "已上传 <b>照片</b>\n\ufffd"


def test_escape_closes_and_ctrl_s_asks_to_save(qtbot):
    asked = []
    viewer = open_viewer(qtbot, b"hello", "a.txt", "text/plain", on_save=lambda: asked.append(1))
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    qtbot.keyClick(viewer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked == [1]
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer.isVisible())


# ---------------------------------------------------------------- the case's files

MARKUP_NAME = '<b>bold</b><img src="file:///etc/passwd">.png'


class StandInStore:
    def __init__(self, files, blobs):
        self.files = files
        self.blobs = blobs

    def case_files(self, case_id):
        return [f for f in self.files if f.case_id == case_id]

    def file_bytes(self, sha256):
        return self.blobs.get(sha256)

    def upload_progress(self):
        return [f for f in self.files if f.direction == "out" and f.uploaded < f.size]


class StandInActions:
    def __init__(self, store):
        self.store = store
        self.saved = []
        self.sent = []

    def check_attachment(self, path, name):
        data = Path(path).read_bytes()
        if len(data) > 1000:
            raise ActionRefused("too_large", "the file is larger than the server accepts (1000 bytes)")
        return SimpleNamespace(name=name, size=len(data))

    def save_attachment(self, case_id, key, dest, *, overwrite=False):
        f = next(f for f in self.store.files if f.case_id == case_id and key in (f.attachment_id, f.sha256))
        Path(dest).write_bytes(self.store.blobs[f.sha256])
        self.saved.append((case_id, key, Path(dest)))
        assert overwrite, "the save dialog has asked before replacing a file"
        return SimpleNamespace(changes=None)

    def callback(self, case_id, outcome, body, *, duration_s=0, satisfaction=None, attachments=()):
        self.sent.append(("callback", case_id, list(attachments)))


PNG = encoded(picture(20, 10), "PNG")
CASE = {"id": "c1", "number": "A-1", "received_at": "2026-03-02T09:00:00+08:00", "entries": [
    {"id": "e1", "type": "citizen_message", "performed_at": "2026-03-03T10:00:00+08:00", "body": "已上传照片"}]}


@pytest.fixture
def files_context(qtbot):
    files = [
        CachedFile("a1", "c1", "e1", MARKUP_NAME, "image/png", len(PNG), "s1", True, uploaded=len(PNG)),
        CachedFile("a2", "c1", None, "form.pdf", "application/pdf", 5000, "s2", False, uploaded=5000),
    ]
    store = StandInStore(files, {"s1": PNG})
    runner = TaskRunner()
    context = SimpleNamespace(store=store, actions=StandInActions(store), runner=runner,
                              formatter=ClockFormatter(), officer_name=lambda _id: "",
                              session=SimpleNamespace(store=store,
                                                      profile=SimpleNamespace(record_cache=lambda _store: None)))
    yield context
    runner.wait()


def test_the_list_shows_names_with_markup_as_plain_text(qtbot, files_context):
    panel = FilesPanel(files_context)
    qtbot.addWidget(panel)
    panel.set_case(CASE)
    assert not panel.isHidden()
    item = panel.tree.topLevelItem(0)
    assert item.text(0) == MARKUP_NAME
    # A tooltip is rich text when it looks like markup: escaped, it shows the characters.
    tip = item.toolTip(0)
    assert "<img" not in tip and "&lt;img" in tip
    assert item.text(4) == "In the cache"
    assert "Citizen message" in item.text(3) and "2026-03-03 10:00" in item.text(3)
    second = panel.tree.topLevelItem(1)
    assert second.text(4) == "Not downloaded yet"
    assert second.text(3).startswith("The request")
    assert panel.heading.text() == "Files (2)"


def test_opening_a_cached_file_shows_it_and_an_uncached_one_says_why(qtbot, files_context):
    panel = FilesPanel(files_context)
    qtbot.addWidget(panel)
    panel.set_case(CASE)
    panel.show()
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    panel.tree.itemActivated.emit(panel.tree.currentItem(), 0)
    assert "next sync" in panel.message.text()
    assert panel.viewer is None
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.viewer is not None and panel.viewer.isVisible())
    assert (panel.viewer.image.width(), panel.viewer.image.height()) == (20, 10)
    assert panel.viewer.windowTitle() == text.one_line(MARKUP_NAME)
    panel.viewer.close()


class _Window(QMainWindow):
    """What the action controller needs of the window, around a real case pane's panel."""

    def __init__(self, context):
        super().__init__()
        self.context = context
        self.store = context.store
        self.actor = None
        self.runner = context.runner
        self.online_state = "offline"
        self.changes = []
        self.case_pane = SimpleNamespace(files_panel=FilesPanel(context), show_refusal=lambda m: None)

    def apply_changes(self, changes):
        self.changes.append(changes)


def test_save_as_writes_only_where_chosen_after_the_confirmation(qtbot, files_context, tmp_path):
    from ui.actions.controller import ActionController

    window = _Window(files_context)
    qtbot.addWidget(window)
    controller = ActionController(window)
    panel = window.case_pane.files_panel
    panel.sig_save_requested.connect(controller.save_attachment)
    panel.set_case(CASE)
    out = tmp_path / "out"
    out.mkdir()
    asked = []
    panel.confirm_leave = lambda name: asked.append(name) or False
    panel.ask_path = lambda name: pytest.fail("no path is asked before the confirmation")
    panel.save_button.click()
    assert asked == [MARKUP_NAME]
    assert files_context.actions.saved == [] and list(out.iterdir()) == []

    panel.confirm_leave = lambda name: True
    dest = out / "copy.png"
    panel.ask_path = lambda name: str(dest)
    panel.save_button.click()
    qtbot.waitUntil(lambda: files_context.actions.saved != [] and panel.message.text().startswith("Saved"))
    assert files_context.actions.saved == [("c1", "a1", dest)]
    assert list(out.iterdir()) == [dest] and dest.read_bytes() == PNG
    assert window.changes == [None]


def test_an_uncached_file_cannot_be_saved(qtbot, files_context):
    panel = FilesPanel(files_context)
    qtbot.addWidget(panel)
    panel.set_case(CASE)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    assert not panel.save_button.isEnabled()
    panel.confirm_leave = lambda name: pytest.fail("nothing to confirm")
    panel.save_file(panel.current())
    assert "not downloaded" in panel.message.text()


# ---------------------------------------------------------------- attaching


def test_attach_with_the_button_and_remove(qtbot, files_context, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b <b>x.txt"
    a.write_text("one")
    b.write_text("two")
    attach = AttachList(files_context.actions.check_attachment)
    qtbot.addWidget(attach)
    attach.ask_files = lambda: [str(a), str(b), str(a)]
    attach.attach_button.click()
    assert attach.paths == [a, b]
    labels = [w.findChild(QLabel) for w in attach.row_widgets]
    assert labels[1].textFormat() == Qt.TextFormat.PlainText and labels[1].text().startswith("b <b>x.txt")
    attach.row_widgets[0].findChild(QToolButton).click()  # its Remove button
    qtbot.waitUntil(lambda: attach.paths == [b])


def _drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(5, 5)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def test_a_drop_on_the_callback_dialog_attaches_and_a_refused_file_says_why(qtbot, files_context, tmp_path):
    small, big = tmp_path / "photo.png", tmp_path / "huge.png"
    small.write_bytes(PNG)
    big.write_bytes(b"\x00" * 5000)
    dialog = CallbackDialog(check=files_context.actions.check_attachment)
    qtbot.addWidget(dialog)
    assert dialog.attach_list is not None
    drop = _drop(dialog.body.viewport(), [small, big])
    assert drop.isAccepted()
    assert dialog.attach_list.paths == [small]
    assert "huge.png" in dialog.attach_list.error.text()
    assert "larger than the server accepts" in dialog.attach_list.error.text()
    # The text edit did not take the drop as text.
    assert dialog.body.toPlainText() == ""
    dialog.body.setPlainText("说了")
    assert dialog.values()["attachments"] == [small]


def test_without_files_the_callback_dialog_passes_none(qtbot):
    dialog = CallbackDialog()
    qtbot.addWidget(dialog)
    assert dialog.attach_list is None
    assert dialog.values()["attachments"] == []


# ---------------------------------------------------------------- the outbox


def test_the_outbox_shows_upload_progress_per_file(qtbot):
    from ui.outbox.view import OutboxView

    store = StandInStore([
        CachedFile(None, "c1", None, "<b>scan</b>.pdf", "application/pdf", 2 * 1024 * 1024, "s3", True, "out",
                   1024 * 1024),
        CachedFile(None, "c1", None, "done.png", "image/png", 10, "s4", True, "out", 10),
    ], {})
    store.outbox = lambda: []
    view = OutboxView(store)
    qtbot.addWidget(view)
    view.refresh()
    assert view.uploads.topLevelItemCount() == 1
    assert view.uploads.topLevelItem(0).text(0) == "<b>scan</b>.pdf"
    assert view.upload_bars[0].value() == 500
    assert view.uploads_heading.text() == "1 file(s) to upload."
