"""Status transitions and who may do what, defined once.

The reference server applies these rules authoritatively; the client applies the same
rules to its local view before it queues an action, so an officer is told at once when
an action cannot work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

OPEN_STATUSES = frozenset({"new", "accepted", "in_progress", "waiting_citizen"})
FINAL_STATUSES = frozenset({"closed", "declined"})
# A status outside these is one a newer platform added: the case is read-only here
# (no transition, claim, reply or transfer is offered or queued) but notes, callbacks
# and reveals are still recorded, as the contract's "Growth" section asks.
KNOWN_STATUSES = OPEN_STATUSES | FINAL_STATUSES

# The transitions an officer may make with set_status (accept and decline have ops
# of their own, transfer is an op of its own too).
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"accepted", "declined"}),
    "accepted": frozenset({"in_progress", "waiting_citizen", "closed"}),
    "in_progress": frozenset({"waiting_citizen", "closed"}),
    "waiting_citizen": frozenset({"in_progress", "closed"}),
    "closed": frozenset({"in_progress"}),  # reopen: supervisor only
    "declined": frozenset(),
}
SET_STATUS_TARGETS = frozenset({"in_progress", "waiting_citizen", "closed"})
TRANSFERABLE = frozenset({"new", "accepted", "in_progress"})

# Ops that never conflict: an officer who held the case before still gets them
# recorded (marked late), so nothing an officer wrote down is lost.
NEVER_CONFLICT = frozenset({"note", "callback", "reveal"})
SUPERVISOR_ONLY = frozenset({"reassign", "urge"})

Verdict = Literal["ok", "late", "conflict", "rejected"]


@dataclass(frozen=True)
class Actor:
    id: str
    unit_id: str
    roles: tuple[str, ...]

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    code: str = ""
    detail: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict in ("ok", "late")


OK = Decision("ok")


def _conflict(code: str, detail: str) -> Decision:
    return Decision("conflict", code, detail)


def _rejected(code: str, detail: str) -> Decision:
    return Decision("rejected", code, detail)


def in_scope(actor: Actor, unit_id: str | None, assignee_id: str | None) -> bool:
    """The contract's scope: the cases assigned to the actor and the unclaimed cases of
    their unit; a supervisor sees every case of their unit."""
    if unit_id is None:
        return False
    if assignee_id is not None and assignee_id == actor.id:
        return True
    if unit_id != actor.unit_id:
        return False
    return assignee_id is None or actor.is_supervisor


def scope_sql(actor: Actor) -> tuple[str, list[Any]]:
    """`in_scope` as a SQL condition over `unit_id` and `assignee_id` columns, for every
    table of either side that holds cases (the server's `cases`, the cache's views), so
    the rule is written once."""
    if actor.is_supervisor:
        return "(assignee_id = ? OR unit_id = ?)", [actor.id, actor.unit_id]
    return "(assignee_id = ? OR (unit_id = ? AND assignee_id IS NULL))", [actor.id, actor.unit_id]


def scope_branches(actor: Actor) -> list[tuple[str, list[Any]]]:
    """`scope_sql` as conditions without OR, so that each can be served in order by an
    index of its own; a case may match more than one branch."""
    if actor.is_supervisor:
        return [("assignee_id = ?", [actor.id]), ("unit_id = ?", [actor.unit_id])]
    return [("assignee_id = ?", [actor.id]),
            ("unit_id = ? AND assignee_id IS NULL", [actor.unit_id])]


def may_see(actor: Actor, unit_id: str | None, assignee_id: str | None, *, held_before: bool) -> bool:
    """May an op result (or an attachment) show this case to the actor? Only when it is
    in their scope now or they held it before; anyone else learns nothing of it."""
    return held_before or in_scope(actor, unit_id, assignee_id)


def hidden_code(op_type: str, unit_id: str | None, assignee_id: str | None, actor: Actor) -> str:
    """The error code of a refused op whose case the actor may not see: `claimed` when
    someone else of the unit won the claim, `out_of_scope` for anything else (another
    unit's case, another officer's case)."""
    if (op_type == "claim" and assignee_id is not None and assignee_id != actor.id
            and unit_id == actor.unit_id):
        return "claimed"
    return "out_of_scope"


def can_transition(status: str, to: str) -> bool:
    return to in TRANSITIONS.get(status, frozenset())


def decide(
    op_type: str,
    payload: Mapping[str, Any],
    *,
    status: str,
    unit_id: str,
    assignee_id: str | None,
    actor: Actor,
    held_before: bool,
    unit_exists=lambda unit_id: True,
    officer_unit=lambda officer_id: None,
) -> Decision:
    """May `actor` apply this op to a case in this state?

    `held_before` says the actor was the assignee of the case at some earlier time.
    `unit_exists(unit_id)` and `officer_unit(officer_id)` look up reference data; the
    client passes its cached reference data, the server its tables.
    """
    is_assignee = assignee_id is not None and assignee_id == actor.id
    supervises = actor.is_supervisor and actor.unit_id == unit_id
    in_unit = actor.unit_id == unit_id

    if op_type in SUPERVISOR_ONLY and not actor.is_supervisor:
        return _rejected("forbidden", f"only a supervisor may {op_type}")

    if status not in KNOWN_STATUSES and op_type not in NEVER_CONFLICT:
        return _conflict("unknown_status", "the case has a status this desk does not know; "
                                           "only notes, callbacks and reveals are possible")

    if op_type in NEVER_CONFLICT:
        # Reveal too: only the holder, a former holder or a supervisor of the unit, so
        # every reveal is by someone accountable for the case.
        if is_assignee or supervises:
            return OK
        if held_before:
            return Decision("late", "", "the officer no longer holds the case")
        return _rejected("forbidden", "the officer never held this case")

    if op_type == "claim":
        if not in_unit:
            return _conflict("out_of_scope", "the case is no longer in the officer's unit")
        if status in FINAL_STATUSES:
            return _conflict("invalid_transition", f"a {status} case cannot be claimed")
        if assignee_id is not None:
            if is_assignee:
                return _conflict("already_claimed", "the officer holds the case already")
            return _conflict("already_claimed", "another officer claimed the case")
        return OK

    if op_type in ("accept", "decline"):
        if not is_assignee:
            return _conflict("not_assignee", "only the assignee may do this")
        if status != "new":
            return _conflict("invalid_transition", f"the case is {status}, not new")
        return OK

    if op_type == "reply":
        if not (is_assignee or supervises):
            return _conflict("not_assignee", "only the assignee or a supervisor may reply")
        if status in FINAL_STATUSES:
            return _conflict("invalid_transition", f"the case is {status}")
        return OK

    if op_type == "set_status":
        to = payload.get("to")
        if to not in SET_STATUS_TARGETS:
            return _rejected("validation_failed", f"set_status cannot move a case to {to}")
        reopen = status == "closed" and to == "in_progress"
        if reopen:
            if not supervises:
                if actor.is_supervisor or is_assignee or held_before:
                    return _rejected("forbidden", "only a supervisor of the unit may reopen")
                return _conflict("out_of_scope", "the case is not in the officer's unit")
            return OK
        if not is_assignee:
            return _conflict("not_assignee", "only the assignee may change the status")
        if not can_transition(status, to):
            return _conflict("invalid_transition", f"a {status} case cannot become {to}")
        return OK

    if op_type == "transfer":
        if not (is_assignee or supervises):
            return _conflict("not_assignee", "only the assignee or a supervisor may transfer")
        if status not in TRANSFERABLE:
            return _conflict("invalid_transition", f"a {status} case cannot be transferred")
        to_unit = payload.get("to_unit_id")
        if not to_unit or not unit_exists(to_unit):
            return _rejected("unknown_unit", "no such unit")
        if to_unit == unit_id:
            return _rejected("validation_failed", "the case is in that unit already")
        return OK

    if op_type == "reassign":
        if not supervises:
            return _conflict("out_of_scope", "the case is not in the supervisor's unit")
        if status in FINAL_STATUSES:
            return _conflict("invalid_transition", f"the case is {status}")
        to_officer = payload.get("to_officer_id")
        if officer_unit(to_officer) != unit_id:
            return _rejected("unknown_officer", "no such officer in the case's unit")
        if to_officer == assignee_id:
            return _conflict("already_assigned", "the officer holds the case already")
        return OK

    if op_type == "urge":
        if not supervises:
            return _conflict("out_of_scope", "the case is not in the supervisor's unit")
        if status in FINAL_STATUSES:
            return _conflict("invalid_transition", f"the case is {status}")
        return OK

    return _rejected("validation_failed", f"unknown op type {op_type}")


def status_after(op_type: str, payload: Mapping[str, Any], status: str) -> str:
    """The case status once the op is applied."""
    if op_type == "accept":
        return "accepted"
    if op_type == "decline":
        return "declined"
    if op_type == "set_status":
        return str(payload["to"])
    if op_type == "transfer":
        return "new"
    return status


def allowed_actions(
    *, status: str, unit_id: str, assignee_id: str | None, actor: Actor, held_before: bool
) -> set[str]:
    """Which op types the actor could start on this case (for enabling buttons)."""
    probes: dict[str, dict[str, Any]] = {
        "claim": {}, "accept": {}, "decline": {}, "reply": {}, "note": {}, "callback": {},
        "transfer": {"to_unit_id": "\x00other"}, "urge": {}, "reveal": {},
    }
    allowed = {
        op
        for op, payload in probes.items()
        if decide(op, payload, status=status, unit_id=unit_id, assignee_id=assignee_id,
                  actor=actor, held_before=held_before).allowed
    }
    for to in SET_STATUS_TARGETS:
        if decide("set_status", {"to": to}, status=status, unit_id=unit_id,
                  assignee_id=assignee_id, actor=actor, held_before=held_before).allowed:
            allowed.add("set_status")
    if actor.is_supervisor and actor.unit_id == unit_id and status in OPEN_STATUSES:
        allowed.add("reassign")
    return allowed


def status_targets(status: str, *, supervisor: bool) -> list[str]:
    """The statuses set_status may move a case in `status` to."""
    targets = [t for t in ("in_progress", "waiting_citizen", "closed") if can_transition(status, t)]
    if status == "closed" and not supervisor:
        return []
    return targets
