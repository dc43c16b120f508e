"""The local overlay: a synced case with the officer's unsent work laid over it.

The view an officer reads is always `synced snapshot + pending ops`, rebuilt from the
outbox whenever either side changes, so a pull never overwrites unsent work and an action
shows at once (an accept done offline shows the accept clock met, "pending delivery").
The rules are the shared ones: desk.rules for statuses, desk.clocks for clocks.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from desk import clocks as clock_rules
from desk import rules
from desk.wire import Clock, Policy, format_time, parse_stored_time
from desk.worktime import Calendar

# Which entry an op leaves on the case.
ENTRY_TYPES = {
    "claim": "claim", "accept": "accept", "decline": "decline", "reply": "reply",
    "note": "note", "callback": "callback", "set_status": "status", "transfer": "transfer",
    "reassign": "reassign", "urge": "urge", "reveal": "reveal",
}
_BODY_FIELDS = ("body", "reason")

PENDING = "pending"
CONFLICT = "conflict"


@dataclass
class LocalOp:
    """An op as the overlay needs it: from the outbox (pending) or conflicts."""

    op_id: str
    type: str
    payload: Mapping[str, Any]
    performed_at: datetime
    seq: int = 0
    author: Mapping[str, Any] = field(default_factory=dict)


def default_calendar() -> Calendar:
    """Before reference data arrives: the contract's weekday rule, every year provisional."""
    return Calendar(known_years=(), days={})


def _entry(op: LocalOp, local_state: str) -> dict[str, Any]:
    payload = dict(op.payload)
    body = ""
    for name in _BODY_FIELDS:
        if payload.get(name):
            body = str(payload[name])
            break
    data = {k: v for k, v in payload.items() if k not in _BODY_FIELDS}
    when = format_time(op.performed_at)
    return {
        "id": f"local-{op.op_id}",
        "type": ENTRY_TYPES.get(op.type, op.type),
        "author_id": op.author.get("id"),
        "author_name": op.author.get("name", ""),
        "unit_id": op.author.get("unit_id"),
        "body": body,
        "data": data,
        "performed_at": when,
        "received_at": when,
        "op_id": op.op_id,
        "late": False,
        "local_state": local_state,
    }


def _policy_for(kind: str, policies: Sequence[Policy]) -> Policy | None:
    return next((p for p in policies if p.kind == kind), None)


def build_view(
    synced: Mapping[str, Any],
    pending: Sequence[LocalOp],
    conflicts: Sequence[LocalOp] = (),
    *,
    calendar: Calendar | None = None,
    policies: Sequence[Policy] = (),
    owned: bool = False,
) -> dict[str, Any]:
    """The local view of one case (a wire Case dict, entries marked with local_state).

    `owned=True` lets the overlay change `synced` in place (the store passes a dict it
    has just decoded, and copying every case of a large pull costs a third of the time)."""
    # An owned view is a dict the caller has just decoded (see above), so it may be changed.
    case: dict[str, Any] = cast(dict[str, Any], synced) if owned else copy.deepcopy(dict(synced))
    cal = calendar or default_calendar()
    policy = _policy_for(str(case.get("kind")), policies)
    for entry in case.setdefault("entries", []):
        entry["local_state"] = None
    for clock in case.setdefault("clocks", []):
        clock["pending"] = False
    extra: list[tuple[int, dict[str, Any]]] = []
    for op in conflicts:
        extra.append((op.seq, _entry(op, CONFLICT)))

    for op in pending:
        before = str(case.get("status"))
        after = rules.status_after(op.type, op.payload, before)
        payload = op.payload
        if op.type == "claim":
            case["assignee_id"] = op.author.get("id")
        elif op.type == "accept":
            case["accepted_at"] = format_time(op.performed_at)
            case["accepted_by"] = op.author.get("id")
        elif op.type == "transfer":
            case["unit_id"] = payload.get("to_unit_id")
            case["assignee_id"] = None
        elif op.type == "reassign":
            case["assignee_id"] = payload.get("to_officer_id")
        case["status"] = after
        old = [Clock.model_validate(c) for c in case["clocks"]]
        new = clock_rules.apply_op(
            old, op_type=op.type, payload=payload, status_before=before, status_after=after,
            at=op.performed_at, performed_at=op.performed_at, cal=cal, policy=policy,
        )
        dumped = []
        for was, now, raw in zip(old, new, case["clocks"], strict=False):
            d = now.model_dump(mode="json")
            # A clock this op changed shows "pending delivery" until the server agrees.
            d["pending"] = bool(raw.get("pending")) or now != was
            dumped.append(d)
        case["clocks"] = dumped
        extra.append((op.seq, _entry(op, PENDING)))

    extra.sort(key=lambda item: item[0])
    case["entries"].extend(entry for _, entry in extra)
    return case


def closed_at(case: Mapping[str, Any]) -> str | None:
    """When the case was closed (for the 30-day closed queue)."""
    if case.get("status") != "closed":
        return None
    for clock in case.get("clocks", []):
        if clock.get("clock") == "close" and clock.get("stopped_at"):
            return _norm(clock["stopped_at"])
    for entry in reversed(case.get("entries", [])):
        if entry.get("type") == "status":
            return _norm(entry.get("performed_at") or entry.get("received_at"))
    entries = case.get("entries", [])
    if entries:
        return _norm(entries[-1].get("received_at"))
    return _norm(case.get("received_at"))


def _norm(value: Any) -> str | None:
    """Times in sortable columns are all `YYYY-MM-DDTHH:MM:SS.ffffffZ` UTC strings of one
    fixed width, so that text order is time order."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_stored_time(value)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sort_time(value: Any) -> str | None:
    return _norm(value)
