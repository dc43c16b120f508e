"""Real small files for the demo seed, made by hand with the standard library (Pillow is
no dependency and Qt has no place in central/): a photographed fine receipt (PNG), a
one-page application form (PDF with text), and a plain-text note.

`with_files(events)` gives the demo's event stream its files: an intake whose citizen
writes that material is uploaded (已上传) carries it, and a citizen's follow-up to a
case waiting on them (补充材料) brings the missing file. Deterministic: the same events
get the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

# ---------------------------------------------------------------- PNG


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, pixel: Any) -> bytes:
    """An 8-bit RGB PNG; `pixel(x, y)` gives (r, g, b)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + _chunk(b"IEND", b""))


def receipt_png(tag: str, width: int = 180, height: int = 260) -> bytes:
    """A fine receipt as a phone photographs it: slightly grey paper on a dark table,
    printed lines, a barcode and the red seal. `tag` varies the print (one per case)."""
    seed = hashlib.sha256(tag.encode("utf-8")).digest()
    left, right, top, bottom = 14, width - 14, 10, height - 10
    lines = [(30 + 14 * i, 40 + seed[i] % (right - left - 50)) for i in range(9)]
    bars = [seed[i % 32] & (1 << (i % 8)) for i in range(48)]
    cx, cy, r = right - 40, bottom - 48, 24

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if not (left <= x < right and top <= y < bottom):
            return (46, 42, 40)  # the table
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        if (r - 3) ** 2 <= d2 <= r ** 2 or (d2 < 36 and abs(x - cx) + abs(y - cy) < 7):
            return (200, 40, 36)  # the seal
        for row, length in lines:
            if row <= y < row + 4 and left + 12 <= x < left + 12 + length:
                return (40, 40, 48)
        if bottom - 40 <= y < bottom - 16 and left + 12 <= x < left + 12 + 96:
            if bars[(x - left - 12) // 2]:
                return (20, 20, 20)
        shade = 236 - (x + y) // 40
        return (shade, shade, shade - 6)

    return png(width, height, pixel)


# ---------------------------------------------------------------- PDF


def _pdf_text(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def form_pdf(title: str, lines: Iterable[str]) -> bytes:
    """A one-page A4 PDF with `title` and `lines` in Chinese, using the standard CJK
    font STSong-Light (no font embedded: every PDF reader substitutes one)."""
    ops = ["BT", "/F1 18 Tf", "72 770 Td", f"{_pdf_text(title)} Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -26 Td", f"{_pdf_text(line)} Tj"]
    ops.append("ET")
    # The form's boxes: a frame and the signature line.
    ops += ["0.5 w", "60 420 475 380 re S", "330 450 m 520 450 l S"]
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [6 0 R] >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def application_form(tag: str) -> bytes:
    return form_pdf("业务申办表", [
        f"受理编号：{tag}",
        "申请事项：________________",
        "申请人签名：______  日期：______",
        "本人承诺所填信息真实有效。",
    ])


def note_text(tag: str) -> bytes:
    return (f"补充材料说明（{tag}）\n"
            "一、身份证正反面照片已另附。\n"
            "二、联系人白天均在家，可电话联系。\n"
            "三、如需原件，可到所里现场核验。\n").encode()


# ---------------------------------------------------------------- the demo's events


def _inline(name: str, data: bytes) -> dict[str, str]:
    return {"name": name, "data_base64": base64.b64encode(data).decode("ascii")}


def intake_files(ref: str, category: str, kind: str) -> list[dict[str, str]]:
    if category == "交警":
        return [_inline("罚款收据.png", receipt_png(ref))]
    if kind == "application":
        return [_inline("申请表.pdf", application_form(ref))]
    return [_inline("材料说明.txt", note_text(ref))]


def with_files(events: Iterable[Any]) -> Iterator[Any]:
    """The demo's events, with files where the story has them (see the module doc)."""
    from central.seeds import CitizenEvent, Intake
    from central.service import ReferenceCitizenEventRequest, ReferenceIntakeRequest

    kinds: dict[str, tuple[str, str]] = {}
    for event in events:
        if isinstance(event, Intake):
            kinds[event.ref] = (event.request.category, event.request.kind)
            if "已上传" in event.request.body:
                event = Intake(at=event.at, ref=event.ref, request=ReferenceIntakeRequest.model_validate(
                    {**event.request.model_dump(), "attachments": intake_files(event.ref, *kinds[event.ref])}))
        elif isinstance(event, CitizenEvent) and event.request.type == "message" \
                and "上传" in event.request.body:
            # The material the officer asked for while the case waited on the citizen.
            category, _ = kinds.get(event.case_ref, ("", ""))
            files = ([_inline("补充材料.png", receipt_png(event.case_ref + "/more"))] if category != "户政"
                     else [_inline("补充材料.pdf", application_form(event.case_ref + "/more"))])
            event = CitizenEvent(at=event.at, case_ref=event.case_ref,
                                 request=ReferenceCitizenEventRequest.model_validate(
                                     {**event.request.model_dump(), "attachments": files}))
        yield event
