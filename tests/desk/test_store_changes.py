"""Every write of the store says what it changed (desk.store.changes.Changes), and the
officer's actions hand that on with the op id, so the window refreshes only that."""

from __future__ import annotations

import pytest
from test_store_factory import (
    MONDAY,
    OFFICER,
    make_case,
    op,
    open_store,
    reference,
    remove,
    result,
    upsert,
)

from desk.actions import Actions, Queued
from desk.store import NOTHING, Changes
from desk.wire import UnreadableChange

AUTHOR = {"id": "o1", "name": "李明", "unit_id": "s1"}


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([upsert(make_case(1, assignee_id="o1")), upsert(make_case(2)),
                     upsert(make_case(3, assignee_id="o1"))], "c1")
    yield s
    s.close()


def test_changes_combine_and_say_whether_anything_changed():
    assert not NOTHING and not Changes()
    a = Changes(case_ids=frozenset({"a"}), outbox=True)
    b = Changes(case_ids=frozenset({"b"}), conflicts=True)
    both = a | b
    assert both == Changes(case_ids=frozenset({"a", "b"}), outbox=True, conflicts=True)
    assert both and Changes(reference=True) and Changes(all_cases=True)
    assert Changes(all_cases=True).touches("anything") and not a.touches("b")


def test_a_feed_page_changes_its_cases_and_an_empty_page_nothing(store):
    changes = store.apply_changes([upsert(make_case(1, assignee_id="o1", version=2)),
                                   upsert(make_case(4)), remove("case-2")], "c2")
    assert changes == Changes(case_ids=frozenset({"case-1", "case-4", "case-2"}))
    assert store.apply_changes([], "c3") is NOTHING


def test_queueing_changes_the_outbox_and_the_case(store):
    o = op("case-1")
    assert store.enqueue(o, author=AUTHOR) == Changes(case_ids=frozenset({"case-1"}), outbox=True)


def test_delivery_attempts_change_the_outbox_only(store):
    o = op("case-1")
    store.enqueue(o, author=AUTHOR)
    assert store.mark_attempt([o.op_id], "timeout") == Changes(outbox=True)
    assert store.mark_attempt([], None) is NOTHING


def test_results_change_the_answered_cases_and_the_conflicts_when_one_is_refused(store):
    applied, refused, untouched = op("case-1"), op("case-3"), op("case-2")
    for o in (applied, refused, untouched):
        store.enqueue(o, author=AUTHOR)
    changes = store.record_results(
        [applied, refused, untouched],
        [result(applied, "applied", make_case(1, assignee_id="o1", version=2)),
         result(refused, "conflict", make_case(3, assignee_id="o2", version=2), code="not_assignee")])
    assert changes == Changes(case_ids=frozenset({"case-1", "case-3"}), outbox=True, conflicts=True)
    quiet = op("case-1")
    store.enqueue(quiet, author=AUTHOR)
    changes = store.record_results([quiet], [result(quiet, "applied")])
    assert changes == Changes(case_ids=frozenset({"case-1"}), outbox=True)


def test_resolving_a_conflict_changes_conflicts_outbox_and_the_cases(store):
    refused = op("case-3")
    store.enqueue(refused, author=AUTHOR)
    store.record_results([refused], [result(refused, "conflict", code="not_assignee")])
    note = op("case-1")
    changes = store.resolve_conflict(refused.op_id, "note", new_op=note, author=AUTHOR)
    assert changes == Changes(case_ids=frozenset({"case-3", "case-1"}), outbox=True, conflicts=True)


def test_reference_data_changes_the_reference_and_with_a_new_calendar_the_unsent_work(store):
    assert store.save_reference(reference(), "e1") == Changes(reference=True)
    store.enqueue(op("case-1"), author=AUTHOR)
    new_calendar = reference(days={"2026-03-03": "holiday"})
    assert store.save_reference(new_calendar, "e2") == Changes(
        case_ids=frozenset({"case-1"}), reference=True)


def test_the_reference_data_is_parsed_once_per_stored_version(store):
    first = store.reference()
    assert store.reference() is first  # the same parsed object, not a new parse
    store.save_reference(reference(days={"2026-03-03": "holiday"}), "e2")
    assert store.reference() is not first
    assert [str(d) for d in store.reference().calendar.days] == ["2026-03-03"]


def test_a_full_rebuild_and_a_finished_resync_change_every_case(store):
    assert store.rebuild_all() == Changes(all_cases=True)
    generation = store.begin_full_resync()
    store.apply_changes([upsert(make_case(1, assignee_id="o1"))], "c9",
                        full_resync_generation=generation)
    changes = store.finish_full_resync(generation)
    assert changes.all_cases and changes.case_ids == {"case-2", "case-3"}


def test_setting_aside_names_the_cases_set_aside(store):
    bad = UnreadableChange(seq=7, case_id="case-2", number=None, version=3, problem="case.x: bad")
    assert store.set_aside([bad], ["case-1"]) == Changes(case_ids=frozenset({"case-2"}))
    # Nothing unreadable and nothing filed: no transaction, nothing changed.
    store.set_aside([], ["case-2"])
    assert store.set_aside([], ["case-1"]) is NOTHING


def test_a_draft_changes_its_case(store):
    assert store.save_draft("case-1", "reply", "您好") == Changes(case_ids=frozenset({"case-1"}))
    assert store.save_draft("case-1", "reply", "") == Changes(case_ids=frozenset({"case-1"}))


def test_actions_return_the_op_id_with_what_they_changed(store):
    a = Actions(store, OFFICER, now=lambda: MONDAY)
    queued = a.note("case-1", "电话联系群众")
    assert isinstance(queued, Queued) and isinstance(queued, str)
    assert queued.op_id == str(queued) and store.outbox()[0].op_id == queued
    assert queued.changes == Changes(case_ids=frozenset({"case-1"}), outbox=True)
    ops = store.next_batch()
    store.record_results(ops, [result(ops[0], "conflict", code="not_assignee")])
    discarded = a.discard_conflict(queued)
    assert not discarded and discarded.op_id is None
    assert discarded.changes == Changes(case_ids=frozenset({"case-1"}), outbox=True, conflicts=True)
