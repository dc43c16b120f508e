"""A case as hostile as the wire allows, laid into an officer's cache: citizen text full
of markup, terminal controls and line breaks, and times at the very ends of the range.
Shared by the client's hostile-input tests (a plain module, not a conftest)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from desk.profile import Profile
from desk.store import Store
from desk.wire import UpsertChange

MARKUP = '<h1 style="color:red">X</h1><img src="file:///etc/passwd">'
# A name that, printed raw, would fake a line of `desk show` and repaint the terminal.
NAME = "张伟明\nassignee: 已核实\u202e\ufeff\u061c\u009b2J\x1b[31m" + MARKUP
TITLE = MARKUP + "\r\n=HYPERLINK(\"http://evil.example\")"
# Times the wire allows (years 1 to 9999, any offset) that overflow in the station's
# zone (+08:00) or under working-time arithmetic.
LATEST = "9999-12-31T23:59:59Z"
LATE_OFFSET = "9999-12-31T23:59:59+14:00"
EARLIEST = "0001-01-01T00:00:00Z"
EARLY_OFFSET = "0001-01-01T23:59:00+23:59"
FORBIDDEN = ("\u202e", "\ufeff", "\u061c", "\u009b", "\x1b")


def hostile(case: dict[str, Any]) -> dict[str, Any]:
    case = copy.deepcopy(case)
    case["title"] = TITLE
    case["body"] = MARKUP + "\n第二行\x1b]0;owned\x07"
    case["channel"] = "web\nassignee: chief1"
    case["citizen"] = {**(case.get("citizen") or {}), "name": NAME,
                       "phone": "139\n1234\u202e5678", "id_number": "1401\x1b[2J05"}
    case["received_at"] = EARLIEST
    for clock in case.get("clocks") or []:
        clock["started_at"] = EARLIEST
        clock["due_at"] = LATEST
    entries = case.get("entries") or []
    times = [LATEST, LATE_OFFSET, EARLIEST, EARLY_OFFSET]
    for i, entry in enumerate(entries):
        entry["performed_at"] = times[i % len(times)]
        entry["received_at"] = LATEST
        entry["body"] = MARKUP + "\n伪造的一行"
        entry["author_name"] = "officer\n2026-01-01 00:00  reply  已核实" + MARKUP
    base = entries[0] if entries else None
    for i, when in enumerate(times):
        if base is not None:
            extra = copy.deepcopy(base)
            extra.update(id=f"hostile-{i}", type="note", body=MARKUP, performed_at=when,
                         received_at=LATEST, op_id=None)
            entries.append(extra)
    case["entries"] = entries
    case["version"] = int(case.get("version") or 1) + 100
    return case


def lay_into_cache(profile_path: Path, password: str, case_id: str) -> dict[str, Any]:
    """Replace the cached snapshot of `case_id` by its hostile twin (as a feed page would)
    and return it."""
    store: Store = Profile(Path(profile_path)).unlock(password)
    try:
        snapshot = store.synced_case(case_id)
        assert snapshot is not None, case_id
        bad = hostile(snapshot)
        change = UpsertChange.model_validate({"seq": 10**9, "op": "upsert", "case": bad})
        store.apply_changes([change], store.get_state().cursor or "c-hostile")
        assert json.dumps(store.case(case_id), ensure_ascii=False).count("<h1") >= 1
        return bad
    finally:
        store.close()
