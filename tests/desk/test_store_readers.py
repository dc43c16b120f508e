"""Readers beside the writer: a thread reading the cache never waits for another
thread's write transaction (WAL, one read connection per thread), and closing the
store closes every connection it opened."""

from __future__ import annotations

import threading
import time

import pytest
from test_store_factory import MONDAY, OFFICER, make_case, op, open_store, reference, upsert

from desk.queues import queue_ids
from desk.store import CaseFilter, StoreClosed

AUTHOR = {"id": "o1", "name": "李明", "unit_id": "s1"}
HOLD_S = 2.0


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), '"r1"')
    s.apply_changes([upsert(make_case(n, assignee_id="o1")) for n in range(1, 51)], "c1")
    s.save_draft("case-1", "reply", "您好，材料已收到")
    s.enqueue(op("case-2", "note", {"body": "已电话联系"}), author=AUTHOR)
    yield s
    s.close()


def _hold_write(store, started: threading.Event, seconds: float) -> threading.Thread:
    """Another thread takes the writer and sits in its transaction (as a sync page
    does), with an uncommitted change readers must not see."""
    def run():
        with store._write() as conn:
            conn.execute("UPDATE local_cases SET title = 'uncommitted' WHERE id = 'case-3'")
            started.set()
            time.sleep(seconds)
    thread = threading.Thread(target=run, name="holds-the-writer")
    thread.start()
    assert started.wait(5)
    return thread


def test_reads_do_not_wait_for_a_write_transaction_of_another_thread(store):
    started = threading.Event()
    holder = _hold_write(store, started, HOLD_S)
    try:
        t0 = time.monotonic()
        assert store.case("case-1")["id"] == "case-1"
        assert store.rows(["case-3"])[0]["title"] != "uncommitted"  # only committed state
        assert store.draft("case-1", "reply") == "您好，材料已收到"
        assert [i.case_id for i in store.outbox()] == ["case-2"]
        assert len(store.rows(queue_ids(store, "mine", OFFICER, MONDAY))) == 50
        assert store.count_cases(CaseFilter(assignee_id="o1")) == 50
        assert store.search("SX2026") != []
        elapsed = time.monotonic() - t0
        assert holder.is_alive(), "the write transaction ended before the reads were timed"
    finally:
        holder.join()
    assert elapsed < HOLD_S / 4, f"reads waited {elapsed:.2f} s for the writer"
    assert store.rows(["case-3"])[0]["title"] == "uncommitted"  # committed now, seen at once


def test_a_writing_thread_reads_its_own_uncommitted_work(store):
    with store._write() as conn:
        conn.execute("UPDATE local_cases SET title = 'mine' WHERE id = 'case-4'")
        assert store.rows(["case-4"])[0]["title"] == "mine"


def test_each_thread_reads_through_its_own_connection_and_close_closes_them_all(store):
    seen: list = []
    together = threading.Barrier(3)

    def read(wait=True):
        with store.connection.read() as conn:
            seen.append(conn)
            assert conn.execute("SELECT count(*) FROM local_cases").fetchone()[0] == 50
        if wait:
            together.wait(5)  # all alive at once, so none inherits another's thread id

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    read(wait=False)
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 4
    assert store.conn not in seen  # readers are never the writer
    # A reader is read-only: writes go through the writer and its lock.
    with store.connection.read() as conn:
        with pytest.raises(Exception, match="readonly|read-only|query_only"):
            conn.execute("DELETE FROM drafts")
    store.close()
    for conn in seen:
        with pytest.raises(Exception, match="[Cc]losed"):
            conn.execute("SELECT 1")
    # No thread may open a new reader on a closed (perhaps wiped) cache.
    with pytest.raises(StoreClosed):
        store.case("case-1")
    errors: list = []
    t = threading.Thread(target=lambda: errors.append(_try(lambda: store.case("case-1"))))
    t.start()
    t.join()
    assert isinstance(errors[0], StoreClosed)


def _try(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    return None


def test_readers_of_ended_threads_are_closed_and_their_number_is_bounded(store):
    from desk.store.connection import _MAX_READERS

    for _ in range(30):
        t = threading.Thread(target=lambda: store.case("case-1"))
        t.start()
        t.join()
    assert store.connection.reader_count() <= 2
    held, release = threading.Barrier(13), threading.Event()

    def hold():
        store.case("case-1")
        held.wait(5)
        release.wait(5)

    threads = [threading.Thread(target=hold) for _ in range(12)]
    for t in threads:
        t.start()
    held.wait(5)
    assert store.connection.reader_count() <= _MAX_READERS + 1
    # A thread whose reader was closed as least recently used simply opens another.
    store.case("case-1")
    release.set()
    for t in threads:
        t.join()


def test_wiping_after_close_leaves_no_file_behind(tmp_path):
    s = open_store(tmp_path, "w.db")
    s.apply_changes([upsert(make_case(1))], "c")
    t = threading.Thread(target=lambda: s.case("case-1"))
    t.start()
    t.join()
    s.case("case-1")
    s.close()
    for f in tmp_path.glob("w.db*"):
        f.unlink()
    time.sleep(0.05)
    assert not list(tmp_path.glob("w.db*")), "a reader recreated the cache file"
