"""The bulk helper (issue 14): one op per case, a refusal is that case's alone, and the
summary says what was queued and why the rest was not."""

from datetime import timedelta

import pytest
from test_store_factory import MONDAY, OFFICER, make_case, open_store, reference, upsert

from desk.actions import MAX_BULK, ActionRefused, Actions

NOW = MONDAY + timedelta(hours=2)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([
        upsert(make_case(1, status="new")),                                   # unclaimed
        upsert(make_case(2, status="new")),                                   # unclaimed
        upsert(make_case(3, status="in_progress", assignee_id="o1")),         # mine
        upsert(make_case(4, status="in_progress", assignee_id="o2")),         # a colleague's
        upsert(make_case(5, status="closed", assignee_id="o1")),
        upsert(make_case(6, status="new", unit_id="s2")),                     # another unit
        upsert(make_case(7, status="accepted", assignee_id="o1")),            # mine
    ], "c1")
    yield s
    s.close()


def test_bulk_claim_queues_one_op_per_allowed_case_and_says_why_not(store):
    a = Actions(store, OFFICER, now=lambda: NOW)
    ids = ["case-1", "case-4", "case-2", "case-6", "case-1", "case-404"]
    summary = a.bulk("claim", ids, {})
    assert list(summary.queued) == ["case-1", "case-2"]
    assert [(r.case_id, r.code) for r in summary.refused] == [
        ("case-4", "already_claimed"), ("case-6", "out_of_scope"), ("case-404", "unknown_case")]
    assert summary.total == 5  # the repeated id counts once
    assert summary.refused[0].number == store.case("case-4")["number"]
    assert summary.refused[2].number == ""
    assert all(r.message and isinstance(r.error, ActionRefused) for r in summary.refused)
    box = store.outbox()
    assert [(i.type, i.case_id) for i in box] == [("claim", "case-1"), ("claim", "case-2")]
    assert {i.op_id for i in box} == set(summary.queued.values())
    assert summary.changes.case_ids == {"case-1", "case-2"} and summary.changes.outbox
    assert store.case("case-1")["assignee_id"] == "o1"


def test_bulk_note_status_and_transfer_follow_the_rules_per_case(store):
    a = Actions(store, OFFICER, now=lambda: NOW)
    notes = a.bulk("note", ["case-3", "case-4", "case-5"], {"body": "已电话联系"})
    assert set(notes.queued) == {"case-3", "case-5"}
    assert [(r.case_id, r.code) for r in notes.refused] == [("case-4", "forbidden")]
    status = a.bulk("set_status", ["case-3", "case-5"], {"to": "waiting_citizen", "reason": "待补材料"})
    assert list(status.queued) == ["case-3"] and status.refused[0].case_id == "case-5"
    assert store.case("case-3")["status"] == "waiting_citizen"
    moved = a.bulk("transfer", ["case-7", "case-3", "case-1"], {"to_unit_id": "s2", "reason": "属南关辖区"})
    assert list(moved.queued) == ["case-7"]
    assert [(r.case_id, r.code) for r in moved.refused] == [
        ("case-3", "invalid_transition"), ("case-1", "not_assignee")]
    assert store.case("case-7")["unit_id"] == "s2"


def test_bulk_refuses_what_is_not_for_many_and_a_blank_text_for_all(store):
    a = Actions(store, OFFICER, now=lambda: NOW)
    with pytest.raises(ActionRefused) as info:
        a.bulk("urge", ["case-3"], {"body": "抓紧"})
    assert info.value.code == "not_bulk"
    with pytest.raises(ActionRefused) as info:
        a.bulk("claim", [f"case-{n}" for n in range(MAX_BULK + 1)], {})
    assert info.value.code == "too_many"
    blank = a.bulk("note", ["case-3", "case-5"], {"body": "  "})
    assert not blank.queued and {r.code for r in blank.refused} == {"validation_failed"}
    assert store.outbox_count() == 0


def test_a_bug_stops_the_batch_and_keeps_what_was_queued(store, monkeypatch):
    a = Actions(store, OFFICER, now=lambda: NOW)
    real = a._act

    def act(case_id, op_type, payload):
        if case_id == "case-2":
            raise KeyError("a bug")
        return real(case_id, op_type, payload)

    monkeypatch.setattr(a, "_act", act)
    with pytest.raises(KeyError):
        a.bulk("claim", ["case-1", "case-2"], {})
    assert [i.case_id for i in store.outbox()] == ["case-1"]
