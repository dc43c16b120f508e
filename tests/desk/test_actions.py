from datetime import timedelta

import pytest
from test_store_factory import (
    CHIEF,
    MONDAY,
    OFFICER,
    OFFICER2,
    make_case,
    open_store,
    reference,
    result,
    upsert,
)

from desk.actions import ActionRefused, Actions

NOW = MONDAY + timedelta(hours=2)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([
        upsert(make_case(1, status="new")),                                   # unclaimed
        upsert(make_case(2, status="new", assignee_id="o1", version=4)),      # mine, new
        upsert(make_case(3, status="in_progress", assignee_id="o1")),         # mine, working
        upsert(make_case(4, status="in_progress", assignee_id="o2")),         # a colleague's
        upsert(make_case(5, status="closed", assignee_id="o1")),
        upsert(make_case(6, status="new", unit_id="s2")),                     # another unit
    ], "c1")
    yield s
    s.close()


def officer(store, actor=OFFICER):
    return Actions(store, actor, now=lambda: NOW)


def refused(code, fn, *args, **kwargs):
    with pytest.raises(ActionRefused) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert info.value.message
    return info.value


def test_claim_accept_reply_close_offline(store):
    a = officer(store)
    calls = []
    a.listeners.append(lambda: calls.append(1))
    a.claim("case-1")
    view = store.case("case-1")
    assert view["assignee_id"] == "o1" and view["entries"][-1]["author_name"] == "李明"
    a.accept("case-1")
    a.reply("case-1", "您好，所需材料为户口簿和身份证", notify_sms=True)
    a.set_status("case-1", "closed", "已答复")
    view = store.case("case-1")
    assert view["status"] == "closed" and view["pending_ops"] == 4
    assert all(e["local_state"] == "pending" for e in view["entries"])
    assert view["clocks"][0]["stopped_at"] is not None and view["clocks"][0]["pending"]
    assert len(calls) == 4
    box = store.outbox()
    assert [i.type for i in box] == ["claim", "accept", "reply", "set_status"]
    assert [i.seq for i in box] == sorted({i.seq for i in box})
    assert box[2].payload == {"body": "您好，所需材料为户口簿和身份证", "notify_sms": True}
    assert all(i.performed_at == NOW and i.base_version == 1 for i in box)


def test_base_version_is_the_synced_version(store):
    op_id = officer(store).accept("case-2")
    assert store.next_batch()[0].op_id == op_id and store.next_batch()[0].base_version == 4


def test_refusals_carry_the_rules_codes(store):
    a = officer(store)
    refused("already_claimed", a.claim, "case-4")
    refused("out_of_scope", a.claim, "case-6")
    refused("not_assignee", a.accept, "case-4")
    refused("invalid_transition", a.accept, "case-3")
    refused("validation_failed", a.decline, "case-2", "   ")
    refused("validation_failed", a.reply, "case-3", "")
    refused("validation_failed", a.reply, "case-3", "长" * 5001)
    refused("validation_failed", a.callback, "case-3", "maybe", "body")
    refused("invalid_transition", a.set_status, "case-2", "closed")
    refused("forbidden", a.set_status, "case-5", "in_progress")   # reopen: supervisor only
    refused("forbidden", a.urge, "case-3", "抓紧办理")
    refused("forbidden", a.reassign, "case-3", "o2", "调整")
    refused("unknown_unit", a.transfer, "case-3", "nowhere", "转办")
    refused("forbidden", a.note, "case-4", "别人的案件")
    refused("unknown_case", a.note, "case-404", "无此案件")
    assert store.outbox_count() == 0


def test_supervisor_actions(store):
    chief = officer(store, CHIEF)
    chief.urge("case-4", "请尽快答复群众")
    chief.reassign("case-4", "o1", "王强休假")
    refused("unknown_officer", chief.reassign, "case-3", "o9", "调整")
    refused("already_assigned", chief.reassign, "case-3", "o1", "调整")
    chief.set_status("case-5", "in_progress", "群众反映问题未解决")
    assert store.case("case-4")["assignee_id"] == "o1"
    assert store.case("case-5")["status"] == "in_progress"
    chief.transfer("case-3", "s2", "属南关辖区")
    view = store.case("case-3")
    assert (view["unit_id"], view["assignee_id"], view["status"]) == ("s2", None, "new")


def test_late_note_from_an_officer_who_held_the_case(store):
    store.apply_changes([upsert(make_case(4, status="in_progress", assignee_id="o2", version=2,
                                          entries=[{"id": "e1", "type": "claim", "author_id": "o1",
                                                    "performed_at": "2026-03-02T01:10:00Z",
                                                    "received_at": "2026-03-02T01:10:00Z"}]))], "c2")
    officer(store).note("case-4", "补记：已电话回访")
    officer(store).callback("case-4", "reached", "群众表示满意", duration_s=120, satisfaction="satisfied")
    assert store.outbox_count() == 2


def test_reveal_is_recorded(store):
    # Only the holder, a former holder or a supervisor may reveal (contract): not on
    # an unclaimed case of the unit.
    refused("forbidden", officer(store).reveal, "case-1", "phone")
    officer(store).claim("case-1")
    officer(store).reveal("case-1", "phone")
    assert store.outbox()[1].payload == {"field": "phone"}
    refused("validation_failed", officer(store).reveal, "case-1", "address")


def test_conflict_choices(store):
    a = officer(store)
    b = officer(store, OFFICER2)
    first = a.claim("case-1")
    second = a.reply("case-1", "答复内容")
    ops = store.next_batch()
    taken = make_case(1, status="new", assignee_id="o2", version=2)
    store.record_results(ops, [result(ops[0], "conflict", taken, code="already_claimed"),
                               result(ops[1], "blocked")])
    assert [c.op_id for c in store.conflicts()] == [first]
    # Retrying a claim someone else holds is refused with the rules' reason...
    refused("already_claimed", a.retry_conflict, first)
    # ...but the officer can keep nothing of it and move on.
    a.discard_conflict(first)
    refused("already_resolved", a.discard_conflict, first)
    assert [o.op_id for o in store.next_batch()] == [second]
    ops = store.next_batch()
    store.record_results(ops, [result(ops[0], "conflict", taken, code="not_assignee")])
    # The reply text is kept as a note: refused (never held), so it stays unresolved.
    refused("forbidden", a.note_from_conflict, second)
    assert store.conflict(second).resolution is None
    a.discard_conflict(second)
    # A colleague's conflicting reply on their own case becomes a note.
    mine = b.reply("case-1", "请补充材料")
    ops = store.next_batch()
    closed = make_case(1, status="closed", assignee_id="o2", version=3)
    store.record_results(ops, [result(ops[0], "conflict", closed, code="invalid_transition")])
    note_id = b.note_from_conflict(mine)
    assert store.conflict(mine).resolution == "note" and store.conflict(mine).new_op_id == note_id
    assert store.next_batch()[0].payload == {"body": "请补充材料"}
    assert store.next_batch()[0].base_version == 3


def test_retry_conflict_reissues_on_the_current_case(store):
    a = officer(store)
    first = a.set_status("case-3", "waiting_citizen", "请补充材料")
    ops = store.next_batch()
    # The server had a newer version (a citizen message) and a stale-version conflict.
    newer = make_case(3, status="in_progress", assignee_id="o1", version=7)
    store.record_results(ops, [result(ops[0], "conflict", newer, code="stale")])
    new_id = a.retry_conflict(first)
    assert new_id and new_id != first
    retried = store.next_batch()
    assert [o.op_id for o in retried] == [new_id]
    assert retried[0].base_version == 7 and retried[0].payload["to"] == "waiting_citizen"
    assert store.case("case-3")["status"] == "waiting_citizen"
    assert store.conflict(first).resolution == "retry"


def test_retry_of_a_claim_already_held_needs_nothing(store):
    a = officer(store)
    first = a.claim("case-1")
    ops = store.next_batch()
    store.record_results(ops, [result(ops[0], "conflict", make_case(1, assignee_id="o1", version=2),
                                      code="already_claimed")])
    nothing = a.retry_conflict(first)
    assert not nothing and nothing.op_id is None
    assert nothing.changes.conflicts and nothing.changes.case_ids == {"case-1"}
    assert store.conflict(first).resolution == "retry" and store.outbox_count() == 0


def test_held_before_follows_the_servers_claim_and_reassign_entries():
    from desk.actions import held_before

    def case(*entries):
        return {"entries": list(entries)}

    assert held_before(case({"type": "claim", "author_id": "o1"}), "o1")
    assert held_before(case({"type": "reassign", "author_id": "c1",
                             "data": {"from_officer_id": "o2", "to_officer_id": "o1"}}), "o1")
    assert not held_before(case({"type": "reassign", "author_id": "c1",
                                 "data": {"from_officer_id": "o1", "to_officer_id": "o2"}}), "o3")
    assert not held_before(case({"type": "note", "author_id": "o1"}), "o1")
    # Holding it now counts too (the case pane enables late notes from the same rule).
    assert held_before({"assignee_id": "o1", "entries": []}, "o1")
    assert not held_before({"assignee_id": None, "entries": []}, "")
