"""A feed page is written in bulk for cases with no unsent work and case by case for the
rest; both must leave exactly the rows the per-case rebuild (_rebuild) would."""

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_store_factory import MONDAY, make_case, op, open_store, reference, remove, result, upsert

from desk.wire import format_time

AUTHOR = {"id": "o1", "name": "李明", "unit_id": "s1"}
STATUSES = ["new", "declined", "accepted", "in_progress", "waiting_citizen", "closed"]


def rich_case(n: int, version: int, status: str, *, assignee: str | None = "o1"):
    when = MONDAY + timedelta(hours=n)
    entries = [{"id": f"e{n}-{k}", "type": "note", "author_id": "c1", "body": f"所长批示{k}：第{version}版",
                "performed_at": format_time(when), "received_at": format_time(when)}
               for k in range(version % 3 + 1)]
    clocks = [{"clock": "reply", "due_at": format_time(when + timedelta(days=2)), "limit": 2,
               "unit": "working_day", "started_at": format_time(when),
               "stopped_at": format_time(when + timedelta(hours=5)) if status == "closed" else None,
               "paused": status == "waiting_citizen"}]
    return make_case(n, status=status, assignee_id=assignee, version=version, received_at=when,
                     title=f"咨询户口迁移手续第{n}号v{version}", clocks=clocks, entries=entries)


def read(store, sql: str) -> list[tuple]:
    """Raw SQL for the test only, through sqlite-utils over the writer."""
    return list(store.db.execute(sql).fetchall())


def snapshot(store) -> dict:
    return {
        "view": read(store, "SELECT * FROM local_cases ORDER BY id"),
        "fts": read(store, "SELECT rowid, number, title, body, citizen, entries FROM case_fts ORDER BY rowid"),
        "synced": read(store, "SELECT id, number, version, status, unit_id, assignee_id, seen_gen, gone "
                             "FROM synced_cases ORDER BY id"),
        "snapshots": {i: store.synced_case(i) for (i,) in read(store, "SELECT id FROM synced_cases")},
    }


def test_page_over_cases_with_and_without_pending_work_matches_the_rebuild(tmp_path):
    store = open_store(tmp_path)
    store.save_reference(reference(), '"r1"')
    store.apply_changes([upsert(rich_case(n, 1, "in_progress"), seq=n) for n in range(1, 7)], "c1")
    pending = op("case-2", "accept")
    store.enqueue(pending, author=AUTHOR)
    store.enqueue(op("case-4", "note", {"body": "电话联系群众"}), author=AUTHOR)
    refused = op("case-5", "reply", {"body": "已答复"})
    store.enqueue(refused, author=AUTHOR)
    store.record_results([refused], [result(refused, "conflict", rich_case(5, 2, "in_progress"),
                                            code="not_assignee")])
    rid_before = dict(read(store, "SELECT id, rid FROM local_cases"))

    page = [upsert(rich_case(n, 3, STATUSES[n % len(STATUSES)]), seq=10 + n) for n in range(1, 7)]
    page += [upsert(rich_case(7, 1, "new", assignee=None), seq=20), remove("case-3", seq=21),
             upsert(rich_case(8, 1, "closed"), seq=22)]
    store.apply_changes(page, "c2", full_resync_generation=None)
    fast = snapshot(store)
    store.rebuild_all()
    assert snapshot(store) == fast

    views = {row[1]: row for row in fast["view"]}
    assert "case-3" not in views
    assert {i: rid_before[i] for i in rid_before if i != "case-3"} == {
        i: r for i, r in read(store, "SELECT id, rid FROM local_cases") if i in rid_before}
    # Unsent work is still laid over the newer snapshots.
    assert store.case("case-2")["pending_ops"] == 1
    assert store.case("case-2")["entries"][-1]["local_state"] == "pending"
    assert store.case("case-4")["entries"][-1]["local_state"] == "pending"
    assert store.case("case-5")["conflicts"] == 1
    assert store.case("case-1")["version"] == 3
    # The bulk-written snapshot is the wire case, text for text.
    for change in page:
        if change.op == "upsert" and change.case.id != "case-3":
            assert store.synced_case(change.case.id) == change.case.model_dump(mode="json")
    # The search index follows the newest text and forgets the old.
    assert "case-1" in store.search("第1号v3")
    assert store.search("第1号v1") == []
    store.close()


def test_work_queued_on_a_bulk_written_case_lays_over_the_snapshot_as_received(tmp_path):
    store = open_store(tmp_path)
    store.save_reference(reference(), '"r1"')
    case = rich_case(1, 2, "in_progress")
    store.apply_changes([upsert(case)], "c1")
    accept, note = op("case-1", "note", {"body": "第一条"}), op("case-1", "note", {"body": "第二条"})
    store.enqueue(accept, author=AUTHOR)
    store.enqueue(note, author=AUTHOR)
    assert store.synced_case("case-1") == case.model_dump(mode="json")
    view = store.case("case-1")
    assert [e["local_state"] for e in view["entries"]] == [None] * len(case.entries) + ["pending"] * 2
    store.record_results([accept, note], [result(accept, "applied"), result(note, "applied")])
    assert store.case("case-1")["pending_ops"] == 0
    assert store.synced_case("case-1") == case.model_dump(mode="json")
    store.close()


def test_a_page_with_a_case_twice_and_a_stale_snapshot_keeps_the_newest(tmp_path):
    store = open_store(tmp_path)
    store.apply_changes([upsert(rich_case(1, 5, "in_progress"))], "c1")
    store.apply_changes([upsert(rich_case(1, 4, "closed"), seq=2),
                         upsert(rich_case(2, 2, "accepted"), seq=3),
                         upsert(rich_case(2, 1, "new"), seq=4)], "c2")
    assert store.synced_case("case-1")["version"] == 5
    assert store.case("case-1")["status"] == "in_progress"
    assert store.case("case-2")["version"] == 2
    assert store.get_state().cursor == "c2"
    before = snapshot(store)
    store.rebuild_all()
    assert snapshot(store) == before
    store.close()


def test_a_full_resync_page_marks_every_case_seen(tmp_path):
    store = open_store(tmp_path)
    store.apply_changes([upsert(rich_case(n, 1, "new")) for n in range(1, 4)], "c1")
    generation = store.begin_full_resync()
    store.apply_changes([upsert(rich_case(1, 1, "new")), upsert(rich_case(2, 2, "accepted"))], "c2",
                        full_resync_generation=generation)
    store.finish_full_resync(generation)
    assert sorted(r[0] for r in read(store, "SELECT id FROM local_cases")) == ["case-1", "case-2"]
    assert read(store, "SELECT count(*) FROM case_fts")[0][0] == 2
    store.close()


pages = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from(STATUSES), st.booleans()),
    min_size=1, max_size=12)


@settings(max_examples=20, deadline=None)
@given(st.lists(pages, min_size=1, max_size=3), st.sets(st.integers(1, 6), max_size=3))
def test_any_page_leaves_the_rows_a_rebuild_would(page_list, with_work):
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        store.save_reference(reference(), '"r1"')
        store.apply_changes([upsert(rich_case(n, 1, "in_progress")) for n in range(1, 7)], "c0")
        for n in sorted(with_work):
            store.enqueue(op(f"case-{n}", "note", {"body": f"备注{n}"}), author=AUTHOR)
        for i, spec in enumerate(page_list):
            changes = [upsert(rich_case(n, v, s)) if keep else remove(f"case-{n}")
                       for n, v, s, keep in spec]
            store.apply_changes(changes, f"c{i + 1}")
            fast = snapshot(store)
            store.rebuild_all()
            assert snapshot(store) == fast
        for n in with_work:
            view = store.case(f"case-{n}")
            assert view is not None and view["pending_ops"] == 1
        for row in read(store, "SELECT data FROM local_cases"):
            assert json.loads(row[0])["id"].startswith("case-")
        store.close()


def test_prepared_pages_leave_the_rows_of_pages_read_in_hand(tmp_path):
    """A page prepared by the page worker's function (desk/pagework.py) from the page's
    JSON, applied over cases with and without unsent work, leaves what the same page
    applied as read does."""
    from desk.pagework import prepare_page
    from desk.wire import ChangesResponse

    stores = []
    note = op("case-2", "note", {"body": "电话联系群众"})
    for name in ("in_hand", "prepared"):
        store = open_store(tmp_path, f"{name}.db")
        store.save_reference(reference(), '"r1"')
        store.apply_changes([upsert(rich_case(n, 1, "in_progress"), seq=n) for n in range(1, 5)], "c1")
        store.enqueue(note, author=AUTHOR)
        stores.append(store)
    page = [upsert(rich_case(n, 2, STATUSES[n % len(STATUSES)]), seq=10 + n) for n in range(1, 6)]
    page += [remove("case-3", seq=20)]
    body = ChangesResponse(changes=page, next_cursor="c2", has_more=False, server_time=MONDAY,
                           reference_version="r1").model_dump_json().encode()
    stores[0].apply_changes(page, "c2")
    prepared = prepare_page(body, *stores[1].view_context())
    # A prepared upsert carries the case once, in its view row: read back, it is the case.
    assert [c.case for c in prepared.changes if c.op == "upsert"] == [c.case for c in page if c.op == "upsert"]
    stores[1].apply_changes(prepared.changes, prepared.next_cursor)
    assert snapshot(stores[1]) == snapshot(stores[0])
    assert stores[1].case("case-2")["pending_ops"] == 1
    for store in stores:
        store.close()
