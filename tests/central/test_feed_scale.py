"""The feed at province scale: a page costs what the page holds, however long the move
history; the change log grows with cases, not with edits; a poll writes nothing.

A supervisor's later page used to walk every move in the whole server since its cursor
(every claim, transfer and reassign of every station) to find the few that took a case
out of its scope, and the change log kept a row for every edit. Costs are counted in
SQLite VM steps (deterministic, unlike timings), as in test_feed_cost.py.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from central.db import is_postgres
from central.errors import ApiError
from central.service import Service
from desk import wire
from tests.central.conftest import intake, op
from tests.central.test_feed_cost import caller, vm_steps
from tests.central.tiny_seed import STATION_1, STATION_2, TinySeed

MOVES = 1500  # claims at another station, after the supervisor's cursor


def _intake(svc: Service, unit_id: str, when: datetime) -> dict:
    return svc.intake(wire.IntakeRequest(
        kind="consultation", category="户政", channel="portal", title="咨询",
        body="请问办理居住证需要哪些材料？", unit_id=unit_id, received_at=when,
        citizen={"name": "张三", "phone": "13900000000", "id_number": "140105199001011234"}),
        now=when)


def _op(case_id: str, type_: str, now: datetime, payload: dict | None = None) -> wire.Op:
    return wire.Op(op_id=str(uuid.uuid4()), seq=1, case_id=case_id, type=type_, base_version=0,
                   performed_at=now, payload=payload or {})


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Station 1 with 30 cases and a supervisor's cursor taken then; after it, 1,500
    cases of station 2 each claimed (a move apiece), and 3 of station 1 transferred
    away (the supervisor's only removes)."""
    svc = Service(tmp_path_factory.mktemp("feedscale") / "central.db", gateway_token="g", seed=TinySeed())
    now = svc.now()
    chief, officer3 = caller(svc, "chief1"), caller(svc, "officer3")
    mine = [_intake(svc, STATION_1, now)["id"] for _ in range(30)]
    cursor = svc.summary(chief, now=now)["cursor"]
    with svc.db.write():
        for _ in range(MOVES):
            case = _intake(svc, STATION_2, now)
            assert svc.apply_ops(officer3, [_op(case["id"], "claim", now)], now=now)[0]["outcome"] == "applied"
    moved = mine[:3]
    results = svc.apply_ops(chief, [_op(c, "transfer", now, {"to_unit_id": STATION_2, "reason": "辖区"})
                                    for c in moved], now=now)
    assert [r["outcome"] for r in results] == ["applied"] * 3
    yield svc, cursor, moved
    svc.close()


def test_a_supervisors_page_does_not_walk_other_stations_moves(history):
    svc, cursor, moved = history
    chief = caller(svc, "chief1")
    steps = vm_steps(svc, lambda: svc.changes_json(chief, cursor, 2, now=svc.now()))
    # Walking the moves since the cursor took more than ten steps a move.
    assert steps < MOVES, steps
    # And the removes are all there, page by page, in seq order.
    seen, next_cursor = [], cursor
    while True:
        page = svc.changes(chief, next_cursor, 2, now=svc.now())
        seen.extend(page["changes"])
        next_cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [(c["op"], c["case_id"], c["reason"]) for c in seen] == [
        ("remove", case_id, "transferred") for case_id in moved]
    assert [c["seq"] for c in seen] == sorted(c["seq"] for c in seen)


def test_a_poll_with_nothing_new_in_scope_does_not_walk_the_moves(history):
    svc, _, _ = history
    chief = caller(svc, "chief1")
    head = svc.summary(chief, now=svc.now())["cursor"]
    officer3 = caller(svc, "officer3")
    now = svc.now()
    with svc.db.write():
        for _ in range(300):
            case = _intake(svc, STATION_2, now)
            svc.apply_ops(officer3, [_op(case["id"], "claim", now)], now=now)
    steps = vm_steps(svc, lambda: svc.changes_json(chief, head, 1000, now=svc.now()))
    assert steps < 300, steps
    assert svc.changes(chief, head, 1000, now=svc.now())["changes"] == []
    # Cursor at the head: one lookup of the head, nothing else.
    head = svc.summary(chief, now=svc.now())["cursor"]
    steps = vm_steps(svc, lambda: svc.changes_json(chief, head, 1000, now=svc.now()))
    assert steps < 300, steps


def test_the_change_log_holds_one_row_per_case_however_many_edits(tmp_path):
    svc = Service(tmp_path / "central.db", gateway_token="g", seed=TinySeed())
    try:
        now = svc.now()
        officer1, officer2, chief = (caller(svc, u) for u in ("officer1", "officer2", "chief1"))
        cases = [_intake(svc, STATION_1, now)["id"] for _ in range(5)]
        for case_id in cases:
            ops = [_op(case_id, "note", now, {"body": f"第{i}条"}) for i in range(20)]
            assert {r["outcome"] for r in svc.apply_ops(chief, ops, now=now)} == {"applied"}
        before = svc.summary(officer1, now=now)["cursor"]
        # Taken from officer1's unit pool, then edited again and again: the claim's
        # change is superseded in the log, and officer1 must still be told it left.
        svc.apply_ops(officer2, [_op(cases[0], "claim", now)], now=now)
        middle = svc.summary(officer1, now=now)["cursor"]
        svc.apply_ops(officer2, [_op(cases[0], "note", now, {"body": f"第{i}条"}) for i in range(10)], now=now)
        svc.apply_ops(chief, [_op(cases[1], "note", now, {"body": "再批示"})], now=now)
        conn = svc.db.conn()
        assert conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0] == len(cases)
        assert conn.execute("SELECT COUNT(*) FROM departures").fetchone()[0] == 1
        for cursor in (before, middle):
            page = svc.changes(officer1, cursor, 100, now=now)["changes"]
            assert [(c["op"], c.get("case_id") or c["case"]["id"]) for c in page] == (
                [("remove", cases[0]), ("upsert", cases[1])] if cursor == before
                else [("upsert", cases[1])])
            page = svc.changes(officer2, cursor, 100, now=now)["changes"]
            latest = {c["case"]["id"]: c["case"]["version"] for c in page}
            assert latest[cases[0]] == 32 and latest[cases[1]] == 22
    finally:
        svc.close()


def test_an_old_log_is_upgraded_on_start(db_target, tmp_path):
    """A database written when the log kept every change: its moves become departures
    and only each case's latest change stays (the upgrade is SQL both backends run)."""
    path = db_target
    svc = Service(path, gateway_token="g", seed=TinySeed(), blob_dir=tmp_path / "blobs")
    now = svc.now()
    officer1, officer2 = caller(svc, "officer1"), caller(svc, "officer2")
    case_id = _intake(svc, STATION_1, now)["id"]
    cursor = svc.summary(officer1, now=now)["cursor"]
    svc.apply_ops(officer2, [_op(case_id, "claim", now), _op(case_id, "note", now, {"body": "甲"})], now=now)
    seq = int(svc.summary(officer1, now=now)["cursor"].split(".")[1])
    with svc.db.write() as conn:
        # What the old code left: every change, no departures, no meta "log".
        conn.execute("DELETE FROM departures")
        conn.execute("DELETE FROM meta WHERE key = 'log'")
        conn.execute("INSERT INTO changes(seq, at, case_id, old_unit, old_assignee, new_unit, new_assignee,"
                     " reason) VALUES (?, ?, ?, ?, NULL, ?, ?, 'reassigned')",
                     (seq - 1, conn.execute("SELECT at FROM changes").fetchone()[0], case_id,
                      STATION_1, STATION_1, "o-officer2"))
    svc.close()
    svc = Service(path, gateway_token="g", seed=TinySeed(), blob_dir=tmp_path / "blobs")
    try:
        conn = svc.db.conn()
        assert conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0] == 1
        assert conn.execute("SELECT audience FROM departures").fetchall()[0][0] == f"f:{STATION_1}"
        officer1 = caller(svc, "officer1")
        page = svc.changes(officer1, cursor, 100, now=svc.now())["changes"]
        assert [(c["op"], c["case_id"]) for c in page] == [("remove", case_id)]
    finally:
        svc.close()


def test_polls_with_nothing_new_write_nothing(server, login, monkeypatch):
    """Sessions are looked up, not updated, on each request; the sweep before a page
    writes only when something is due."""
    intake(server)
    officer = login("officer1")
    officer.push(op(intake(server)["id"], "claim"))
    _, cursor = officer.pull_all()
    if is_postgres(server.db_path):
        # Reads are READ ONLY transactions on PostgreSQL (it refuses a write in them),
        # so a poll could only write through db.write(): count its calls.
        writes: list[int] = []
        real_write = server.service.db.write
        monkeypatch.setattr(server.service.db, "write", lambda: (writes.append(1), real_write())[1])
        for _ in range(20):
            assert officer.get("/changes", params={"cursor": cursor}).json()["changes"] == []
            assert officer.get("/summary").status_code == 200
        assert writes == []
        return
    watcher = sqlite3.connect(server.db_path)
    try:
        before = watcher.execute("PRAGMA data_version").fetchone()[0]
        for _ in range(20):
            body = officer.get("/changes", params={"cursor": cursor}).json()
            assert body["changes"] == []
            assert officer.get("/summary").status_code == 200
        # data_version moves when any other connection commits to the file.
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == before
    finally:
        watcher.close()


def test_bytes_of_an_empty_page_are_the_page(history):
    svc, _, _ = history
    chief = caller(svc, "chief1")
    head = svc.summary(chief, now=svc.now())["cursor"]
    now = svc.now()
    assert json.loads(svc.changes_json(chief, head, 10, now=now)) == svc.changes(chief, head, 10, now=now)
    assert svc.changes(chief, head, 10, now=now) == {
        "changes": [], "next_cursor": head, "has_more": False,
        "server_time": wire.format_time(now), "reference_version": svc.reference_version}


def test_retention_still_expires_old_cursors_with_a_superseding_log(tmp_path):
    clock = [datetime.now(UTC)]
    svc = Service(tmp_path / "central.db", gateway_token="g", seed=TinySeed(),
                  change_retention=timedelta(days=1), now=lambda: clock[0])
    try:
        officer1, officer2 = caller(svc, "officer1"), caller(svc, "officer2")
        case_id = _intake(svc, STATION_1, svc.now())["id"]
        _intake(svc, STATION_1, svc.now())
        old = svc.summary(officer1, now=svc.now())["cursor"]
        svc.apply_ops(officer2, [_op(case_id, "claim", svc.now())], now=svc.now())
        clock[0] += timedelta(days=2)
        # The claim (a departure officer1 must hear of) is past retention: a cursor
        # before it can no longer be answered in full.
        _intake(svc, STATION_1, svc.now())
        with pytest.raises(ApiError) as info:
            svc.changes(officer1, old, 10, now=svc.now())
        assert (info.value.status, info.value.code) == (410, "cursor_expired")
    finally:
        svc.close()


def test_any_cursor_converges_to_the_scope_after_random_moves(tmp_path):
    """Whatever moved, a caller who pulls from any earlier cursor onto what it held then
    ends with exactly its scope now (removes for all that left it, none for the rest)."""
    import random

    rng = random.Random(15)
    svc = Service(tmp_path / "central.db", gateway_token="g", seed=TinySeed())
    try:
        now = svc.now()
        names = ("chief1", "officer1", "officer2", "chief2", "officer3")
        who = {u: caller(svc, u) for u in names}
        ids = {u: who[u].id for u in names}
        cases = [_intake(svc, rng.choice((STATION_1, STATION_2)), now)["id"] for _ in range(8)]

        def pull(u: str, cursor: str | None) -> tuple[set[str], list[dict], str]:
            got, changes = set(), []
            while True:
                page = svc.changes(who[u], cursor, 3, now=svc.now())
                changes.extend(page["changes"])
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    return got | {c["case"]["id"] for c in changes if c["op"] == "upsert"}, changes, cursor

        snapshots, removes = [], 0
        for step in range(60):
            u, case_id = rng.choice(names), rng.choice(cases)
            kind = rng.choice(("claim", "transfer", "reassign", "note"))
            payload: dict = {}
            if kind == "transfer":
                payload = {"to_unit_id": rng.choice((STATION_1, STATION_2)), "reason": "调整"}
            elif kind == "reassign":
                payload = {"to_officer_id": ids[rng.choice(names)], "reason": "调整"}
            elif kind == "note":
                payload = {"body": "备注"}
            svc.apply_ops(who[u], [_op(case_id, kind, now, payload)], now=now)
            if step % 7 == 0:
                snapshots.extend((name, set(pull(name, None)[0]), svc.summary(who[name], now=now)["cursor"])
                                 for name in names)
        for name, had, cursor in snapshots:
            state = set(had)
            _, changes, _ = pull(name, cursor)
            for change in changes:
                if change["op"] == "upsert":
                    state.add(change["case"]["id"])
                else:
                    removes += 1
                    state.discard(change["case_id"])
            assert state == pull(name, None)[0], name
            seqs = [c["seq"] for c in changes]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert removes > 10  # the moves did take cases out of scopes
    finally:
        svc.close()
