"""The op engine: POST /ops, each op decided by desk.rules and applied once, in one
transaction with the record of its op_id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from central.service.common import Caller, canonical, db_time
from central.service.feed import FeedRoom
from desk import clocks as sla
from desk import rules, wire


class OpsRoom(FeedRoom):
    # ------------------------------------------------------------ the op engine

    def apply_ops(self, caller: Caller, ops: Iterable[wire.Op | dict[str, Any]], *,
                  now: datetime) -> list[dict[str, Any]]:
        """One result per op, in order. An op may come unvalidated (a dict from the
        wire): one that is not a valid Op is `rejected` on its own and the rest go on."""
        results = []
        stopped_cases: set[str] = set()
        # One transaction for the batch: every op is atomic with the record of its op_id
        # because the whole batch is, and a commit per op was most of the cost of a push.
        # No savepoint per op either (two round trips an op on PostgreSQL): nothing
        # catches an error half-way through a batch, so an op that fails ends the batch,
        # nothing was answered, the client resends it all and nothing is lost or done
        # twice. An op refused by the rules is a result, not an error, and writes nothing.
        with self.db.write() as conn:
            for raw in ops:
                op = raw if isinstance(raw, wire.Op) else _parse_op(raw)
                if not isinstance(op, wire.Op):
                    case_id = raw.get("case_id") if isinstance(raw, dict) else None
                    if isinstance(case_id, str):
                        stopped_cases.add(case_id)
                    results.append(op)
                    continue
                result = self._apply_one(conn, caller, op, stopped_cases, now)
                if result["outcome"] in ("conflict", "rejected", "blocked"):
                    stopped_cases.add(op.case_id)
                results.append(result)
        return results

    def _apply_one(self, conn: Any, caller: Caller, op: wire.Op, stopped_cases: set[str],
                   now: datetime) -> dict[str, Any]:
        # surrogatepass: a lone surrogate must never crash the hash (the guard refuses
        # such bodies, but the hash is not the place to find out).
        content_hash = hashlib.sha256(canonical({
            "officer": caller.id, "type": op.type, "case_id": op.case_id, "payload": op.payload,
        }).encode("utf-8", "surrogatepass")).hexdigest()
        seen = conn.execute("SELECT content_hash, outcome, result FROM ops WHERE op_id = ?",
                            (op.op_id,)).fetchone()
        if seen is not None:
            if seen["content_hash"] != content_hash:
                return _result(op, "rejected", error=("op_id_reused",
                               "this op_id was used before for another operation"))
            stored = json.loads(seen["result"])
            if stored["outcome"] == "applied":
                stored["outcome"] = "duplicate"
            # The stored answer as the caller may see it now: the case may have
            # left their scope since.
            return self._visible(conn, caller, op, stored)
        if op.case_id in stopped_cases:
            return _result(op, "blocked", error=("blocked", "an earlier op on this case did not apply"))
        where = _Where()
        result = self._decide_and_apply(conn, caller, op, now, where)
        conn.execute("INSERT INTO ops(op_id, officer_id, content_hash, outcome, result, received_at)"
                     " VALUES (?,?,?,?,?,?)",
                     (op.op_id, caller.id, content_hash, result["outcome"], canonical(result),
                      db_time(now)))
        return self._visible(conn, caller, op, result, where)

    def _visible(self, conn: Any, caller: Caller, op: wire.Op, result: dict[str, Any],
                 where: _Where | None = None) -> dict[str, Any]:
        """A result carries `case` only for a caller who may see the case now or held it
        before (desk.rules.may_see); anyone else gets null and a code that tells nothing
        of what the case holds. `where`, when the op just loaded the case, says where it
        is now and whether the caller holds it, so that is not read back."""
        if where is not None and where.known:
            unit_raw, assignee_id, retired, held = where.unit_id, where.assignee_id, where.retired, where.held
        else:
            row = conn.execute("SELECT unit_id, assignee_id, retired FROM cases WHERE id = ?",
                               (op.case_id,)).fetchone()
            if row is None:
                return {**result, "case": None}
            held = conn.execute("SELECT 1 FROM holders WHERE case_id = ? AND officer_id = ?",
                                (op.case_id, caller.id)).fetchone() is not None
            unit_raw, assignee_id, retired = row["unit_id"], row["assignee_id"], bool(row["retired"])
        unit_id = None if retired else unit_raw
        if rules.may_see(caller.actor, unit_id, assignee_id, held_before=held):
            return result
        hidden = {**result, "case": None}
        if result["outcome"] in ("conflict", "rejected") and result.get("error"):
            code = rules.hidden_code(op.type, unit_raw, assignee_id, caller.actor)
            if result["error"]["code"] not in ("validation_failed", "op_id_reused"):
                hidden["error"] = {"code": code, "detail": (
                    "another officer claimed the case" if code == "claimed"
                    else "the case is not in the officer's scope")}
        return hidden

    def _decide_and_apply(self, conn: Any, caller: Caller, op: wire.Op, now: datetime,
                          where: _Where) -> dict[str, Any]:
        try:
            payload = wire.parse_payload(op.type, op.payload)
        except ValidationError as exc:
            fields = ", ".join(wire_field_names(
                ".".join(str(p) for p in e["loc"]) or op.type for e in exc.errors()))
            return _result(op, "rejected", error=("validation_failed", f"invalid payload: {fields}"))
        loaded = self._load_case(conn, op.case_id)
        if loaded is None:
            return _result(op, "rejected", error=("unknown_case", "no such case"))
        row, case = loaded
        held_before = conn.execute("SELECT 1 FROM holders WHERE case_id = ? AND officer_id = ?",
                                   (case.id, caller.id)).fetchone() is not None
        # Where the case is while nothing is changed: every early return below leaves it so.
        where.set(row["unit_id"], row["assignee_id"], bool(row["retired"]), held_before)
        values = payload.model_dump(mode="json")
        decision = rules.decide(
            op.type, values, status=case.status, unit_id=case.unit_id,
            assignee_id=case.assignee_id, actor=caller.actor, held_before=held_before,
            unit_exists=lambda unit_id: unit_id in self.unit_ids,
            officer_unit=lambda officer_id: self.officer_units.get(officer_id),
        )
        if decision.verdict == "conflict":
            return _result(op, "conflict", case=case.wire(), error=(decision.code, decision.detail))
        if decision.verdict == "rejected":
            return _result(op, "rejected", error=(decision.code, decision.detail))
        refused = self.files.refused(conn, caller.id, case, op.type, values)
        if refused is not None:
            return _result(op, "rejected", error=refused)

        status_before = case.status
        status_after = rules.status_after(op.type, values, status_before)
        old = (case.unit_id, case.assignee_id)
        reason = None
        body, data = "", {}
        # The officer the case is now assigned to holds it from now on (they keep seeing
        # it after it leaves them).
        new_holder: str | None = None
        if op.type == "claim":
            case.assignee_id = new_holder = caller.id
            reason = "reassigned"
        elif op.type == "accept":
            case.accepted_at = now
            case.accepted_by = caller.id
        elif op.type == "decline":
            body = values["reason"]
        elif op.type == "reply":
            body, data = values["body"], {"notify_sms": values["notify_sms"]}
        elif op.type in ("note", "urge"):
            body = values["body"]
        elif op.type == "callback":
            body = values["body"]
            data = {k: values[k] for k in ("outcome", "duration_s", "satisfaction")}
        elif op.type == "set_status":
            body, data = values["reason"], {"from": status_before, "to": status_after}
        elif op.type == "transfer":
            body = values["reason"]
            data = {"from_unit_id": case.unit_id, "to_unit_id": values["to_unit_id"]}
            case.unit_id = values["to_unit_id"]
            case.assignee_id = None
            reason = "transferred"
        elif op.type == "reassign":
            body = values["reason"]
            data = {"from_officer_id": case.assignee_id, "to_officer_id": values["to_officer_id"]}
            case.assignee_id = new_holder = values["to_officer_id"]
            reason = "reassigned"
        elif op.type == "reveal":
            data = {"field": values["field"]}
            if values.get("attachment_id") is not None:
                data["attachment_id"] = values["attachment_id"]
        if new_holder is not None:
            self._hold(conn, case.id, new_holder, now)
        # The officer's clock may be wrong (years off, or before the citizen wrote):
        # the stored time stays between the case's arrival and the server's receipt,
        # so every deadline computed from it stays computable, and the officer's own
        # value is kept beside it.
        performed_at = min(max(op.performed_at, case.received_at), now)
        if performed_at != op.performed_at:
            data = {**data, "clock_skew": True, "performed_at_claimed": wire.format_time(op.performed_at)}
        case.status = status_after
        case.clocks = sla.apply_op(
            case.clocks, op_type=op.type, payload=values, status_before=status_before,
            status_after=status_after, at=now, performed_at=performed_at,
            cal=self.calendar, policy=self.policies.get(case.kind))
        entry_type = "status" if op.type == "set_status" else op.type
        entry_id = f"{case.id}-e{len(case.entries) + 1}"
        # The entry and its files together, in the batch's transaction (central/blobs.py).
        self.files.attach(conn, caller.id, case, entry_id, values)
        case.entries.append(wire.Entry(
            id=entry_id, type=entry_type, author_id=caller.id,
            author_name=caller.name, unit_id=caller.unit_id, body=body, data=data,
            performed_at=performed_at, received_at=now, op_id=op.op_id,
            late=decision.verdict == "late"))
        case.version += 1
        doc = self._save_case(conn, case, now=now, old=old, reason=reason)
        # _save_case un-retires the row.
        where.set(case.unit_id, case.assignee_id, False, held_before or new_holder == caller.id)
        return _result(op, "applied", case=doc)

    def _hold(self, conn: Any, case_id: str, officer_id: str, now: datetime) -> None:
        conn.execute("INSERT INTO holders(case_id, officer_id, since) VALUES (?,?,?)"
                     " ON CONFLICT(case_id, officer_id) DO NOTHING",
                     (case_id, officer_id, db_time(now)))


class _Where:
    """Where an op left its case (unit, assignee, retired) and whether the caller holds
    it, as the op's own statements found and wrote them; unknown until the case loads."""

    __slots__ = ("known", "unit_id", "assignee_id", "retired", "held")

    def __init__(self) -> None:
        self.known = False
        self.unit_id: str | None = None
        self.assignee_id: str | None = None
        self.retired = False
        self.held = False

    def set(self, unit_id: str | None, assignee_id: str | None, retired: bool, held: bool) -> None:
        self.known = True
        self.unit_id, self.assignee_id, self.retired, self.held = unit_id, assignee_id, retired, held


def _parse_op(raw: Any) -> wire.Op | dict[str, Any]:
    """The op, or its `rejected` result: which fields are wrong, never their values."""
    try:
        return wire.Op.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "op" for e in exc.errors()})
        op_id = raw.get("op_id") if isinstance(raw, dict) else None
        return {"op_id": op_id if isinstance(op_id, str) and len(op_id) <= 200 else "",
                "outcome": "rejected", "case": None,
                "error": {"code": "validation_failed",
                          "detail": "invalid op: " + ", ".join(wire_field_names(fields))}}


def wire_field_names(fields: Iterable[str]) -> list[str]:
    """Field paths as the wire spells them; a key a caller made up (it may be personal
    data) is shown as `?`."""
    return [".".join(p if p.isdigit() or (p.isidentifier() and p.isascii() and len(p) <= 40)
                     else "?" for p in f.split(".")) for f in fields]


def _result(op: wire.Op, outcome: str, *, case: dict[str, Any] | None = None,
            error: tuple[str, str] | None = None) -> dict[str, Any]:
    return {
        "op_id": op.op_id, "outcome": outcome, "case": case,
        "error": {"code": error[0], "detail": error[1]} if error else None,
    }
