"""The shared who-may and transition rules (desk/rules.py)."""

import pytest

from desk.rules import Actor, allowed_actions, decide, status_after, status_targets

OFFICER = Actor("o1", "st1", ("officer",))
OTHER = Actor("o2", "st1", ("officer",))
CHIEF = Actor("c1", "st1", ("officer", "supervisor"))
FOREIGN_CHIEF = Actor("c2", "st2", ("officer", "supervisor"))


def verdict(op, payload=None, *, status="new", assignee="o1", actor=OFFICER, held=False, **kw):
    return decide(op, payload or {}, status=status, unit_id="st1", assignee_id=assignee,
                  actor=actor, held_before=held, **kw)


def test_claim_only_unclaimed_cases_of_own_unit():
    assert verdict("claim", assignee=None).verdict == "ok"
    assert verdict("claim", assignee="o2").code == "already_claimed"
    assert verdict("claim", assignee=None, actor=Actor("x", "st2", ("officer",))).code == "out_of_scope"
    assert verdict("claim", assignee=None, status="closed").verdict == "conflict"


def test_accept_and_decline_only_by_assignee_of_a_new_case():
    assert verdict("accept").verdict == "ok"
    assert verdict("accept", actor=OTHER).code == "not_assignee"
    assert verdict("decline", status="accepted").code == "invalid_transition"


@pytest.mark.parametrize("status,to,ok", [
    ("accepted", "in_progress", True), ("accepted", "waiting_citizen", True),
    ("in_progress", "closed", True), ("waiting_citizen", "in_progress", True),
    ("new", "in_progress", False), ("declined", "in_progress", False),
    ("in_progress", "accepted", False),
])
def test_set_status_follows_the_transition_table(status, to, ok):
    assert verdict("set_status", {"to": to}, status=status).allowed is ok


def test_reopen_is_for_supervisors_of_the_unit_only():
    assert verdict("set_status", {"to": "in_progress"}, status="closed").code == "forbidden"
    assert verdict("set_status", {"to": "in_progress"}, status="closed", actor=CHIEF).allowed


def test_notes_from_a_former_holder_are_late_not_conflicts():
    assert verdict("note", actor=OTHER, held=True).verdict == "late"
    assert verdict("callback", actor=OTHER, held=True).verdict == "late"
    assert verdict("note", actor=OTHER, held=False).verdict == "rejected"
    assert verdict("reply", actor=OTHER, held=True).verdict == "conflict"


def test_supervisor_only_ops_are_rejected_for_officers():
    assert verdict("urge", {"body": "x"}).code == "forbidden"
    assert verdict("reassign", {"to_officer_id": "o2"}).code == "forbidden"
    assert verdict("urge", {"body": "x"}, actor=CHIEF).allowed
    assert verdict("urge", {"body": "x"}, actor=FOREIGN_CHIEF).verdict == "conflict"


def test_reassign_needs_an_officer_of_the_unit():
    units = {"o2": "st1", "o9": "st2"}.get
    assert verdict("reassign", {"to_officer_id": "o2"}, actor=CHIEF, officer_unit=units).allowed
    assert verdict("reassign", {"to_officer_id": "o9"}, actor=CHIEF, officer_unit=units).code == "unknown_officer"


def test_transfer_checks_the_unit():
    known = {"st2"}.__contains__
    assert verdict("transfer", {"to_unit_id": "st2"}, unit_exists=known).allowed
    assert verdict("transfer", {"to_unit_id": "nowhere"}, unit_exists=known).code == "unknown_unit"
    assert verdict("transfer", {"to_unit_id": "st2"}, status="waiting_citizen", unit_exists=known).verdict == "conflict"


def test_status_after_and_targets():
    assert status_after("accept", {}, "new") == "accepted"
    assert status_after("transfer", {}, "in_progress") == "new"
    assert status_after("note", {}, "in_progress") == "in_progress"
    assert status_targets("closed", supervisor=False) == []
    assert status_targets("closed", supervisor=True) == ["in_progress"]


def test_allowed_actions_for_buttons():
    unclaimed = allowed_actions(status="new", unit_id="st1", assignee_id=None, actor=OFFICER,
                                held_before=False)
    # Reveal only by the holder, a former holder or a supervisor of the unit.
    assert "claim" in unclaimed and "reveal" not in unclaimed
    mine = allowed_actions(status="new", unit_id="st1", assignee_id="o1", actor=OFFICER, held_before=False)
    assert {"accept", "decline", "reply", "note", "transfer"} <= mine and "claim" not in mine
    assert "reassign" not in mine and "urge" not in mine
    assert {"reassign", "urge"} <= allowed_actions(status="in_progress", unit_id="st1", assignee_id="o1",
                                                   actor=CHIEF, held_before=False)


def test_an_unknown_status_is_read_only_but_notes_and_callbacks_work():
    # A status a newer platform added (the contract's "Growth"): no KeyError, no
    # transition, claim, reply, transfer, urge or reassign; notes, callbacks, reveals.
    from desk.rules import Actor, allowed_actions, decide, status_after, status_targets

    holder = Actor(id="o1", unit_id="s1", roles=("officer",))
    chief = Actor(id="c1", unit_id="s1", roles=("officer", "supervisor"))
    for actor in (holder, chief):
        got = allowed_actions(status="suspended", unit_id="s1", assignee_id="o1", actor=actor,
                              held_before=False)
        assert got == {"note", "callback", "reveal"}, (actor, got)
    # Reveal is for holders and supervisors only, whatever the status.
    assert allowed_actions(status="suspended", unit_id="s1", assignee_id=None, actor=holder,
                           held_before=False) == set()
    assert status_targets("suspended", supervisor=True) == []
    decision = decide("set_status", {"to": "closed"}, status="suspended", unit_id="s1",
                      assignee_id="o1", actor=holder, held_before=False)
    assert (decision.verdict, decision.code) == ("conflict", "unknown_status")
    assert decide("note", {"body": "x"}, status="suspended", unit_id="s1", assignee_id="o1",
                  actor=holder, held_before=False).allowed
    assert status_after("note", {}, "suspended") == "suspended"


def test_scope_sql_is_in_scope():
    """The SQL form of the scope rule, used by the server and the cache, selects exactly
    the cases `in_scope` admits, for officers and supervisors."""
    import sqlite3
    from itertools import product

    from desk.rules import in_scope, scope_branches, scope_sql

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, unit_id TEXT, assignee_id TEXT)")
    # Both sides store a case's unit as NOT NULL; in_scope's guard for None is for
    # payloads, not rows.
    units, people = ["u1", "u2"], [None, "o1", "o2", "s1"]
    rows = list(product(units, people))
    db.executemany("INSERT INTO c (unit_id, assignee_id) VALUES (?, ?)", rows)
    for actor in (Actor("o1", "u1", ("officer",)), Actor("s1", "u1", ("officer", "supervisor"))):
        where, params = scope_sql(actor)
        got = {r[0] for r in db.execute(f"SELECT id FROM c WHERE {where}", params)}
        branches = set()
        for cond, bparams in scope_branches(actor):
            branches |= {r[0] for r in db.execute(f"SELECT id FROM c WHERE {cond}", bparams)}
        want = {i + 1 for i, (u, a) in enumerate(rows) if in_scope(actor, u, a)}
        assert got == want == branches
