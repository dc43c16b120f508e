from datetime import timedelta

import pytest
from test_store_factory import (
    CHIEF,
    MONDAY,
    OFFICER,
    key,
    make_case,
    op,
    open_store,
    reference,
    remove,
    result,
    upsert,
)

from desk.store import Store, StoreError

AUTHOR = {"id": "o1", "name": "李明", "unit_id": "s1"}


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), '"r1"')
    yield s
    s.close()


def test_round_trip_survives_reopen(tmp_path):
    k = key()
    s = Store.open(tmp_path / "c.db", k)
    s.apply_changes([upsert(make_case(1)), upsert(make_case(2, assignee_id="o1"))], "cur-2")
    s.set_state(clock_offset_s=1.5, last_error="timeout", last_success=MONDAY)
    s.close()
    s = Store.open(tmp_path / "c.db", k)
    state = s.get_state()
    assert (state.cursor, state.clock_offset_s, state.last_error, state.last_success) == (
        "cur-2", 1.5, "timeout", MONDAY)
    assert s.case("case-2")["assignee_id"] == "o1"
    assert s.case("SX20260302000001")["id"] == "case-1"  # by number too
    assert s.synced_case("case-1")["version"] == 1
    assert s.integrity_ok()
    s.close()


def test_wrong_key_and_garbage_file_give_a_clear_store_error(tmp_path):
    s = Store.open(tmp_path / "c.db", key())
    s.apply_changes([upsert(make_case(1))], "c")
    s.close()
    with pytest.raises(StoreError, match="key is wrong or the file is damaged"):
        Store.open(tmp_path / "c.db", key())
    (tmp_path / "junk.db").write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(StoreError):
        Store.open(tmp_path / "junk.db", key())


def test_file_is_encrypted(tmp_path):
    s = Store.open(tmp_path / "c.db", key())
    s.apply_changes([upsert(make_case(1))], "c")
    s.close()
    raw = (tmp_path / "c.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert "户口迁移".encode() not in raw


def test_pull_never_overwrites_pending_work(store):
    store.apply_changes([upsert(make_case(1, assignee_id="o1", status="new"))], "c1")
    accept = op("case-1", "accept")
    store.enqueue(accept, author=AUTHOR)
    view = store.case("case-1")
    assert view["status"] == "accepted" and view["pending_ops"] == 1
    assert view["entries"][-1]["local_state"] == "pending"
    # A newer server version arrives (a citizen message) before the accept is delivered.
    newer = make_case(1, assignee_id="o1", status="new", version=2, entries=[{
        "id": "e1", "type": "citizen_message", "body": "补充材料已上传",
        "performed_at": "2026-03-02T01:30:00Z", "received_at": "2026-03-02T01:30:00Z"}])
    store.apply_changes([upsert(newer, seq=2)], "c2")
    view = store.case("case-1")
    assert view["version"] == 2
    assert view["status"] == "accepted", "the pending accept is laid over the new snapshot"
    assert [e["local_state"] for e in view["entries"]] == [None, "pending"]
    assert store.synced_case("case-1")["status"] == "new"
    assert store.get_state().cursor == "c2"
    # An older snapshot never replaces a newer one.
    store.apply_changes([upsert(make_case(1, assignee_id="o1", version=1), seq=3)], "c3")
    assert store.synced_case("case-1")["version"] == 2


def test_offline_accept_shows_the_accept_clock_met_pending(store):
    due = MONDAY + timedelta(days=1)
    store.apply_changes([upsert(make_case(1, kind="application", assignee_id="o1", clock="accept",
                                          due_at=due))], "c1")
    assert store.rows(["case-1"])[0]["next_clock"] == "accept"
    store.enqueue(op("case-1", "accept"), author=AUTHOR)
    clock = store.case("case-1")["clocks"][0]
    assert clock["stopped_at"] is not None and clock["pending"] is True
    row = store.rows(["case-1"])[0]
    assert row["next_due_at"] is None and row["status"] == "accepted" and row["pending_ops"] == 1


def test_remove_keeps_a_case_with_pending_work_until_it_is_settled(store):
    store.apply_changes([upsert(make_case(1, assignee_id="o1")), upsert(make_case(2))], "c1")
    note = op("case-1", "note")
    store.enqueue(note, author=AUTHOR)
    store.apply_changes([remove("case-1", 2), remove("case-2", 3)], "c2")
    assert store.case("case-2") is None
    assert store.case("case-1")["pending_ops"] == 1
    assert store.status_counts(OFFICER) == {}
    store.record_results([note], [result(note, "applied", make_case(1, assignee_id="o9", version=3))])
    assert store.case("case-1") is None and store.synced_case("case-1") is None


def test_record_results_each_outcome(store):
    store.apply_changes([upsert(make_case(i, assignee_id="o1", status="accepted"))
                         for i in (1, 2, 3)], "c1")
    applied, dup = op("case-1", "reply"), op("case-2", "note")
    conflict, blocked = op("case-3", "set_status", {"to": "closed", "reason": ""}), op("case-3", "note")
    rejected = op("case-1", "note", {"body": "x"})
    ops = [applied, dup, conflict, blocked, rejected]
    for o in ops:
        store.enqueue(o, author=AUTHOR)
    assert [o.op_id for o in store.next_batch()] == [o.op_id for o in ops]
    server3 = make_case(3, assignee_id="o2", status="accepted", version=5)
    store.record_results(ops, [
        result(applied, "applied", make_case(1, assignee_id="o1", status="accepted", version=2)),
        result(dup, "duplicate"),
        result(conflict, "conflict", server3, code="not_assignee"),
        result(blocked, "blocked"),
        result(rejected, "rejected", code="validation_failed"),
    ])
    assert store.synced_case("case-1")["version"] == 2
    assert store.synced_case("case-3")["version"] == 5
    box = store.outbox()
    assert [(i.op_id, i.state) for i in box] == [(blocked.op_id, "blocked")]
    found = {c.op_id: c for c in store.conflicts()}
    assert set(found) == {conflict.op_id, rejected.op_id}
    assert found[conflict.op_id].state == "conflict"
    assert found[conflict.op_id].error["code"] == "not_assignee"
    assert found[conflict.op_id].server_case["assignee_id"] == "o2"
    assert found[rejected.op_id].state == "rejected"
    view3 = store.case("case-3")
    assert view3["conflicts"] == 1 and view3["pending_ops"] == 1
    assert [e["local_state"] for e in view3["entries"]] == ["conflict", "pending"]
    # The blocked note waits behind the conflict on its case.
    assert store.next_batch() == []
    store.resolve_conflict(conflict.op_id, "discard", new_op=None)
    assert [o.op_id for o in store.next_batch()] == [blocked.op_id]
    assert store.outbox()[0].state == "queued"
    history = store.conflicts(include_resolved=True)
    assert {c.op_id: c.resolution for c in history}[conflict.op_id] == "discard"


def test_mark_attempt(store):
    store.apply_changes([upsert(make_case(1, assignee_id="o1"))], "c1")
    o = op("case-1", "note")
    store.enqueue(o, author=AUTHOR)
    # take_batch counts the attempt and marks the op sent before the request leaves;
    # mark_attempt records how it failed. Without an answer it stays sent.
    assert [b.op_id for b in store.take_batch()] == [o.op_id]
    store.mark_attempt([o.op_id], "connection refused")
    item = store.outbox()[0]
    assert (item.attempts, item.error, item.state) == (1, "connection refused", "sent")
    assert store.outbox_count() == 1


def test_full_resync_keeps_outbox_and_conflicts(store):
    store.apply_changes([upsert(make_case(i, assignee_id="o1", status="accepted"))
                         for i in (1, 2, 3, 4)], "c1")
    pending, conflicting = op("case-2", "note"), op("case-3", "reply")
    store.enqueue(pending, author=AUTHOR)
    store.enqueue(conflicting, author=AUTHOR)
    store.record_results([conflicting], [result(conflicting, "conflict", code="out_of_scope")])
    gen = store.begin_full_resync()
    assert store.get_state().cursor is None and store.get_state().full_resync
    store.apply_changes([upsert(make_case(4, assignee_id="o1", status="accepted", version=3))],
                        "c9", full_resync_generation=gen)
    store.finish_full_resync(gen)
    assert store.case("case-1") is None, "left scope while we were away"
    assert store.case("case-2")["pending_ops"] == 1
    assert store.case("case-3")["conflicts"] == 1
    assert store.case("case-4")["version"] == 3
    assert store.outbox_count() == 1 and len(store.conflicts()) == 1
    assert not store.get_state().full_resync and store.get_state().cursor == "c9"
    gen2 = store.begin_full_resync()
    assert gen2 == gen + 1


def test_status_counts_follow_the_server_scope(store):
    store.apply_changes([
        upsert(make_case(1, assignee_id="o1", status="accepted")),
        upsert(make_case(2, status="new")),
        upsert(make_case(3, assignee_id="o2", status="closed")),
    ], "c1")
    assert store.status_counts(OFFICER) == {"accepted": 1, "new": 1}
    assert store.status_counts(CHIEF) == {"accepted": 1, "new": 1, "closed": 1}


def test_search_chinese_substrings_and_short_words(store):
    store.apply_changes([
        upsert(make_case(1, title="驾驶证换证被违章记录卡住", body="罚款交给饭店老板代缴")),
        upsert(make_case(2, title="赴台湾旅游签注咨询", body="个人游是否受理",
                         citizen_name="张伟明", citizen_phone="13800001111")),
        upsert(make_case(3, title="特种行业许可证办理", body="需要哪些材料")),
    ], "c1")
    assert store.search("违章记录") == ["case-1"]
    assert store.search("饭店老") == ["case-1"]       # any substring of >= 3 characters
    assert store.search("台湾") == ["case-2"]          # 2 characters: LIKE
    assert set(store.search("证")) == {"case-1", "case-3"}
    assert store.search("0001111") == ["case-2"]       # phone
    assert store.search("SX20260302000003") == ["case-3"]
    assert store.search("许可证 材料") == ["case-3"]   # every word must match
    assert store.search("不存在的内容") == []
    assert store.search("%") == [] and store.search('"') == []
    # Pending work is searchable too.
    o = op("case-3", "note", {"body": "已电话回访群众满意"})
    store.enqueue(o, author=AUTHOR)
    assert store.search("回访群众") == ["case-3"]


def test_cipher_and_temp_settings(tmp_path):
    s = open_store(tmp_path)
    conn = s.conn
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2        # MEMORY
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert int(conn.execute("PRAGMA cipher_plaintext_header_size").fetchone()[0]) == 0
    assert conn.execute("PRAGMA cipher_use_hmac").fetchone()[0] in ("1", 1)
    assert int(conn.execute("PRAGMA kdf_iter").fetchone()[0]) > 0
    s.close()


def test_concurrent_writers_do_not_interleave(tmp_path):
    import threading
    s = open_store(tmp_path)
    s.apply_changes([upsert(make_case(i, assignee_id="o1")) for i in range(20)], "c0")
    errors = []

    def pull():
        try:
            for v in range(2, 30):
                s.apply_changes([upsert(make_case(i, assignee_id="o1", version=v)) for i in range(20)],
                                f"c{v}")
        except Exception as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=pull)
    thread.start()
    for i in range(20):
        s.enqueue(op(f"case-{i}", "note"), author=AUTHOR)
    thread.join()
    assert errors == []
    assert s.outbox_count() == 20
    assert all(s.case(f"case-{i}")["pending_ops"] == 1 for i in range(20))
    assert s.get_state().cursor == "c29"
    s.close()
