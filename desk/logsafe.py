"""Logging an unexpected error: where it happened, never what it said.

An exception's message can carry what the code was holding: a citizen's name in a
KeyError, a case's text in a validation error. A log line must not (personal data never
goes to logs), so an unexpected error is logged as its type and the code locations it
passed through (file, line, function), as the reference server logs its own bugs. That
is enough to find the bug, and nothing a reader of the log could learn a case from.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import PurePath

# Paths are shown from the package down: the folder above it may name the officer
# (C:\Users\<name>\...).
_PACKAGES = ("desk", "ui", "central", "launch")


def _short(filename: str) -> str:
    parts = PurePath(filename).parts
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in _PACKAGES:
            return "/".join(parts[i:])
    return parts[-1] if parts else filename


def where(exc: BaseException) -> str:
    """The exception's type and its frames, innermost last, and the same for what it was
    raised from or during; no message, no values."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if lines:
            lines.append("while handling or raised from:")
        lines.append(type(current).__name__)
        lines += [f"  {_short(frame.filename)}:{frame.lineno} in {frame.name}"
                  for frame in traceback.extract_tb(current.__traceback__)]
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def log_unexpected(log: logging.Logger, what: str, exc: BaseException, *, level: int = logging.ERROR) -> None:
    """`what` is a fixed text naming the work that failed ("sync cycle crashed")."""
    log.log(level, "%s: %s", what, where(exc))
