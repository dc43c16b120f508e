"""Text made safe for a terminal, the one helper every `desk` print goes through.

Citizens and the server send any Unicode. On a terminal some of it is not text but an
instruction: ESC and the C1 CSI (U+009B) start escape sequences that repaint the screen,
bidi controls (U+202A-202E, U+2066-2069, U+061C) and invisible marks (U+FEFF, U+200B-200F)
reorder or hide what is shown. Those are removed everywhere, in `--json` too. A field that
is one line by nature (a name, a phone, a title) shows a line break as a visible mark, so a
crafted name cannot print a line that looks like one of ours.
"""

from __future__ import annotations

import re
from typing import Any

NEWLINE_MARK = "⏎"

# C0 controls except tab and newline, DEL, C1, zero-width and direction marks, bidi
# embeddings and isolates, the Arabic letter mark, the byte-order mark, the line and
# paragraph separators (a terminal may break lines there) and the interlinear annotations.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")


def clean(text: Any) -> str:
    """Text of many lines, safe to print: controls removed, line breaks kept as \\n."""
    value = "" if text is None else str(text)
    value = _LINE_BREAK.sub("\n", value)
    return _CONTROL.sub("", value)


def field(text: Any) -> str:
    """A single-line field (name, phone, id, title, unit...): controls removed and every
    line break shown as a visible mark."""
    value = "" if text is None else str(text)
    value = _LINE_BREAK.sub(NEWLINE_MARK, value)
    return _CONTROL.sub("", value.replace("\t", " "))


def clean_data(value: Any) -> Any:
    """The same cleaning through a JSON-ready structure (keys and strings), for --json:
    line breaks stay (JSON escapes them), the rest is removed."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_data(v) for v in value]
    return value
