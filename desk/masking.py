"""Masking of citizens' personal data for display.

The cache keeps full values (the server sends them and a reveal is recorded server-side);
every screen, export and log line shows these masked forms unless the officer revealed
the field. The forms follow the platform's published style (`41082319××××78658`), with
`*` as the mask character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "*"


def mask_name(name: str) -> str:
    """Keep the family name (the first character), hide the rest: 张伟明 -> 张**."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return MASK
    return name[0] + MASK * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """Keep the carrier prefix and the last four digits: 13912345678 -> 139****5678."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + MASK * (len(phone) - 7) + phone[-4:]
    if len(phone) > 4:
        # Landlines and short numbers: only the last four digits stay readable.
        return MASK * (len(phone) - 4) + phone[-4:]
    return MASK * len(phone)


def mask_id(id_number: str) -> str:
    """Keep the region and birth year, hide the rest but the last two characters:
    140105199001011234 -> 14010519********34."""
    id_number = (id_number or "").strip()
    if not id_number:
        return ""
    if len(id_number) > 10:
        return id_number[:8] + MASK * (len(id_number) - 10) + id_number[-2:]
    if len(id_number) > 4:
        return id_number[:2] + MASK * (len(id_number) - 4) + id_number[-2:]
    return MASK * len(id_number)


def mask_citizen(citizen: Mapping[str, Any] | None, revealed: frozenset[str] | set[str] = frozenset()) -> dict:
    """A copy of a citizen dict with name, phone and id_number masked, except the fields
    named in `revealed`. Other fields are copied unchanged."""
    out = dict(citizen or {})
    maskers = {"name": mask_name, "phone": mask_phone, "id_number": mask_id}
    for field, masker in maskers.items():
        if field in out and field not in revealed:
            out[field] = masker(str(out[field] or ""))
    return out


# Citizens write their numbers into the text too ("电话13767749627"). Mainland mobiles
# and 15/18-character ID numbers are told apart from other digits by length and by not
# touching further digits; office landlines (0351-...) stay readable on purpose.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Free text with ID numbers, mobile numbers and the given full names masked the
    way the citizen fields are (names shorter than two characters are left alone: one
    character would hide too much ordinary text)."""
    out = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(1)), text or "")
    out = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), out)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    return out


def fields_in_text(text: str, names: Iterable[str] = ()) -> set[str]:
    """Which kinds of personal data `mask_text` would hide in this text ("id_number",
    "phone", "name"): what a reveal of the text has to record."""
    found = set()
    if _ID_IN_TEXT.search(text or ""):
        found.add("id_number")
    if _MOBILE_IN_TEXT.search(_ID_IN_TEXT.sub("", text or "")):
        found.add("phone")
    if any(n and len(n.strip()) >= 2 and n.strip() in (text or "") for n in names):
        found.add("name")
    return found
