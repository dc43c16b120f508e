"""A first sync's pages read and prepared in the page worker process (desk/pagework.py)
leave the cache exactly as the pages read in this process do, against the real server;
a worker that dies hands over to this process without losing a page."""

from __future__ import annotations

import json
import os
import threading

import pytest

from desk.pagework import PageWorker, next_cursor_hint, prepare_page
from desk.store import PreparedUpsert
from tests.faults import harness


def _cache(store) -> dict:
    rows = lambda sql: list(store.db.execute(sql).fetchall())  # noqa: E731 (a test's reader)
    return {
        "view": [r[1:] for r in rows("SELECT * FROM local_cases ORDER BY id")],
        "fts": rows("SELECT number, title, body, citizen, entries FROM case_fts ORDER BY number"),
        "synced": rows("SELECT id, version, status, unit_id, assignee_id FROM synced_cases ORDER BY id"),
    }


def _fill(server, n: int) -> None:
    unit = harness.officer_unit(server, "officer1")
    for i in range(n):
        harness.intake(server, unit, title=f"第{i}号 走失的狗")


def test_pages_prepared_in_the_worker_fill_the_cache_as_pages_read_here(tmp_path, env, server):
    _fill(server, 12)
    here = harness.open_desk(server.url, "officer1", tmp_path, name="here")
    report = harness.engine_for(here, page_size=5).run_cycle()
    assert report.finished and report.pull_requests >= 3

    worker = PageWorker()
    there = harness.open_desk(server.url, "officer1", tmp_path, name="there")
    fetched, threads = _count_fetches(there.client)
    try:
        report = harness.engine_for(there, page_size=5, page_worker=worker).run_cycle()
        assert report.finished and report.pulled >= 12, report.error
        assert worker._pool is not None, "the pages after the first went through the worker"
        pids = {p.pid for p in worker._pool._processes.values()}
        assert pids and os.getpid() not in pids
    finally:
        worker.close()
    assert _cache(there.store) == _cache(here.store)
    assert len(there.store.search("走失的狗")) >= 12
    # Each page was fetched once, and those after the second ahead (on the feed reader
    # thread), under the cursor read off the page before them.
    assert len(fetched) == report.pull_requests >= 3 and len(set(fetched)) == len(fetched)
    assert [t.startswith("desk-feed") for t in threads][2:] == [True] * (len(fetched) - 2), threads


def test_a_paced_sync_writes_in_slices_that_step_aside_and_fills_the_cache_the_same(
        tmp_path, env, server, monkeypatch):
    """The app's sync calls its pacer between the worker's pieces and between slices of
    a page's writes (desk/pacing.py), and the cache ends as an unpaced sync leaves it."""
    import desk.store.view

    _fill(server, 12)
    here = harness.open_desk(server.url, "officer1", tmp_path, name="here")
    assert harness.engine_for(here, page_size=5).run_cycle().finished

    monkeypatch.setattr(desk.store.view, "_PACED_ROWS", 2)
    calls: list[str] = []

    def pace():
        calls.append(threading.current_thread().name)

    worker = PageWorker(pace=pace)
    there = harness.open_desk(server.url, "officer1", tmp_path, name="there")
    there.store.connection.pace = pace
    try:
        report = harness.engine_for(there, page_size=5, page_worker=worker).run_cycle()
        assert report.finished and report.pulled >= 12, report.error
    finally:
        worker.close()
    assert _cache(there.store) == _cache(here.store)
    # Once per case, and once per slice of two rows for each of the three tables a new
    # case is written to (pages of 5: 3 slices each): at least 12 + 3 * 3 * 2.
    assert len(calls) >= 12 + 18, len(calls)
    # The worker's pieces are unpickled on the thread that collects them.
    assert any(name.startswith("desk-pull") for name in calls), set(calls)


def _count_fetches(client) -> tuple[list, list[str]]:
    """The cursors of the client's page fetches, and the threads that made them."""
    fetched: list = []
    threads: list[str] = []
    body = client.changes_body

    def counted(cursor, limit):
        fetched.append(cursor)
        threads.append(threading.current_thread().name)
        return body(cursor, limit)

    client.changes_body = counted
    return fetched, threads


def test_a_wrong_guess_of_the_next_cursor_is_dropped_unread(tmp_path, env, server, monkeypatch):
    _fill(server, 12)
    here = harness.open_desk(server.url, "officer1", tmp_path, name="here")
    assert harness.engine_for(here, page_size=5).run_cycle().finished
    # A guess that is never the page's cursor: every page fetched ahead is dropped and
    # fetched again under the cursor the page itself names.
    monkeypatch.setattr("desk.sync.next_cursor_hint", lambda content: "not-the-cursor")
    there = harness.open_desk(server.url, "officer1", tmp_path, name="there")
    fetched, _ = _count_fetches(there.client)
    worker = PageWorker()
    try:
        report = harness.engine_for(there, page_size=5, page_worker=worker).run_cycle()
    finally:
        worker.close()
    assert report.finished and report.pulled >= 12, report.error
    assert _cache(there.store) == _cache(here.store)
    assert "not-the-cursor" in fetched and len([c for c in fetched if c != "not-the-cursor"]) == \
        report.pull_requests


@pytest.mark.parametrize(("page", "hint"), [
    ({"changes": [], "next_cursor": "c-41", "has_more": True}, "c-41"),
    ({"changes": [], "next_cursor": "c-41", "has_more": False}, None),
    # A citizen who types the key into a case: inside a string its quotes are escaped.
    ({"changes": [{"case": {"body": '"next_cursor":"evil", "has_more": true'}}],
      "next_cursor": "c-42", "has_more": True}, "c-42"),
    # A grown server with the key nested in a change as well: two matches, no guess.
    ({"changes": [{"next_cursor": "inner"}], "next_cursor": "c-43", "has_more": True}, None),
    ({"next_cursor": "", "has_more": True}, None),
])
def test_the_next_cursor_is_read_off_the_raw_bytes_only_when_sure(page, hint):
    for text in (json.dumps(page), json.dumps(page, separators=(",", ":"), ensure_ascii=False)):
        assert next_cursor_hint(text.encode()) == hint


def test_a_first_sync_starts_the_worker_before_its_first_page(tmp_path, env, server, monkeypatch):
    started = []
    monkeypatch.setattr(PageWorker, "start", lambda self: started.append(True))
    session = harness.open_desk(server.url, "officer1", tmp_path)
    worker = PageWorker()
    try:
        engine = harness.engine_for(session, page_worker=worker)
        assert engine.run_cycle().finished and started == [True]
        assert engine.run_cycle().finished and started == [True], "a sync with a cursor does not"
    finally:
        worker.close()


def test_a_worker_that_dies_hands_the_page_to_this_process(tmp_path, env, server):
    _fill(server, 3)
    session = harness.open_desk(server.url, "officer1", tmp_path)
    body = session.client.changes_body(None, 1000)
    calendar, policies = session.store.view_context()
    worker = PageWorker()
    try:
        first = worker.prepare(body, calendar, policies)
        for process in worker._pool._processes.values():
            process.kill()
            process.join()
        again = worker.prepare(body, calendar, policies)
    finally:
        worker.close()
    here = prepare_page(body, calendar, policies)
    assert first.changes == again.changes == here.changes
    assert all(isinstance(c, PreparedUpsert) for c in here.changes) and len(here.changes) >= 3
    # The rows it builds are the ones apply_changes writes for a case in hand.
    assert here.changes[0].case_as_change().case.id == here.changes[0].case_id


def test_a_closed_worker_starts_no_process_for_a_page_that_lands_late(tmp_path, env, server):
    _fill(server, 2)
    session = harness.open_desk(server.url, "officer1", tmp_path)
    body = session.client.changes_body(None, 1000)
    worker = PageWorker()
    worker.close()
    # A fetch ahead that finishes after its sync stopped hands its page to a closed worker.
    late = worker.submit(body, *session.store.view_context())
    assert late.future is None and worker._pool is None
    assert len(worker.collect(late).changes) >= 2, "still readable here if someone asks"


def test_a_big_first_page_goes_to_a_running_worker_and_a_small_one_does_not(
        tmp_path, env, server, monkeypatch):
    from desk import sync

    _fill(server, 6)
    session = harness.open_desk(server.url, "officer1", tmp_path)
    worker = PageWorker()
    submitted: list[int] = []
    real_submit = worker.submit
    monkeypatch.setattr(worker, "submit", lambda content, *a: (submitted.append(len(content)),
                                                               real_submit(content, *a))[1])
    try:
        engine = harness.engine_for(session, page_worker=worker)
        # A first sync's only page (it started the worker) is read there, however small.
        monkeypatch.setattr(sync, "WORKER_PAGE_BYTES", 1)
        assert engine.run_cycle().finished and len(submitted) == 1
        # The answers to a push, with the worker running: read there too.
        _fill(server, 2)
        assert engine.run_cycle().pulled >= 2 and len(submitted) == 2
        # A cycle's small first page (a poll with little new) is read here.
        monkeypatch.setattr(sync, "WORKER_PAGE_BYTES", 1 << 30)
        _fill(server, 1)
        report = engine.run_cycle()
        assert report.finished and report.pulled >= 1 and len(submitted) == 2
    finally:
        worker.close()


def test_the_apps_worker_runs_below_this_process(tmp_path):
    worker = PageWorker(niceness=5)
    try:
        pool = worker._get_pool()
        assert pool is not None
        # os.nice(0) answers the niceness it runs at, changing nothing.
        assert pool.submit(os.nice, 0).result(timeout=60) == os.nice(0) + 5
    finally:
        worker.close()
