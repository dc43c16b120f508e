"""Masking of citizens' personal data for display.

The cache keeps full values (the server sends them and a reveal is recorded server-side);
every screen, export and log line shows these masked forms unless the officer revealed
the field. The forms follow the platform's published style (`41082319××××78658`), with
`*` as the mask character.
"""

from __future__ import annotations

from typing import Any, Mapping

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
