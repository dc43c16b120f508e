"""What a file is, told from its bytes, and whether it may be attached (Qt-free).

`sniff` is the one copy of the magic-number rules: the reference server's upload check
(central/blobs.py) imports it, so a file the desk lets an officer queue offline is a
file the server takes. `check_file` applies the server's `limits` (from /reference)
before anything is queued; `Budget` is how much of the encrypted cache attachment bytes
may take (the profile's settings).
"""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from desk import wire

MiB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 20 * MiB
DEFAULT_MAX_TOTAL_BYTES = 2048 * MiB


def sniff(head: bytes, *, whole: bool) -> str | None:
    """The type of a file from its first bytes (magic numbers), never from its name.

    Text is valid UTF-8 without NUL bytes: `whole` says `head` is the whole file, so a
    multi-byte character cut at its end is a fault rather than the next chunk's. None
    when the bytes are none of the types known here."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return None
    return "text/plain"


def sniff_type(data: bytes) -> str | None:
    """The type of a whole file's bytes (`sniff` of all of it)."""
    return sniff(data, whole=True)


@dataclass(frozen=True)
class Budget:
    """How many bytes of attachments the cache keeps for offline reading: no file over
    `max_file_bytes` is downloaded ahead, and downloads stop at `max_total_bytes`. An
    officer's own queued files are kept whatever the budget says."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES

    @classmethod
    def from_config(cls, data: Any) -> Budget:
        """From the profile's `attachments` settings ({max_file_mib, max_total_mib});
        anything missing or not a positive number keeps its default."""
        if not isinstance(data, dict):
            return cls()

        def mib(name: str, default: int) -> int:
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                return default
            return int(value * MiB)

        return cls(max_file_bytes=mib("max_file_mib", DEFAULT_MAX_FILE_BYTES),
                   max_total_bytes=mib("max_total_mib", DEFAULT_MAX_TOTAL_BYTES))


class FileRefused(Exception):
    """A file that may not be attached: `code` (too_large, empty_file, unsupported_type,
    too_many_files, unreadable_file, bad_name) and a sentence saying why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with its bytes (held until it is in the cache)."""

    sha256: str
    name: str
    content_type: str
    size: int
    data: bytes = field(repr=False, compare=False)

    def ref(self) -> wire.AttachmentRef:
        return wire.AttachmentRef(sha256=self.sha256, name=self.name, content_type=self.content_type)


_NAME = TypeAdapter(wire.FileName)


def _mib(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n} bytes"


def read_file(path: Path, limits: wire.Limits) -> bytes:
    """A file's bytes, read no further than one byte over the limit (so a huge file is
    refused without being read whole)."""
    try:
        with open(path, "rb") as f:
            if not os.path.isfile(path):
                raise FileRefused("unreadable_file", "it is not a file")
            return f.read(limits.attachment_max_bytes + 1)
    except FileRefused:
        raise
    except OSError as exc:
        raise FileRefused("unreadable_file", f"it cannot be read ({exc.strerror or type(exc).__name__})") from exc


def check_file(source: Path | bytes, name: str | None, limits: wire.Limits) -> CheckedFile:
    """Check one file against the server's limits: size, type from the bytes, name.
    Raises FileRefused with the reason; never names the file's content."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = read_file(Path(source), limits)
        name = name or Path(source).name
    try:
        clean_name = _NAME.validate_python(name or "")
    except ValidationError as exc:
        raise FileRefused("bad_name", "a file name is one plain name of 1 to 255 characters, "
                                      "without folders or control characters") from exc
    if not data:
        raise FileRefused("empty_file", "the file is empty")
    if len(data) > limits.attachment_max_bytes:
        raise FileRefused("too_large", f"the file is larger than the server accepts "
                                       f"({_mib(limits.attachment_max_bytes)})")
    content_type = sniff_type(data)
    if content_type not in limits.attachment_types:
        seen = f"the file is {content_type}" if content_type else "the file is of no known type"
        raise FileRefused("unsupported_type", f"{seen}; the server accepts {', '.join(limits.attachment_types)}")
    return CheckedFile(hashlib.sha256(data).hexdigest(), clean_name, content_type, len(data), data)


def check_files(files: list[CheckedFile], limits: wire.Limits) -> None:
    if len(files) > limits.attachments_per_entry:
        raise FileRefused("too_many_files", f"at most {limits.attachments_per_entry} files go with one entry")
