"""The change feed's cost and its byte form (the server half of bench/bench_server.py).

The feed used to read and sort every case in the caller's scope for each page and for
each "anything new?" poll, and the retention sweep before it read every case too; the
page also parsed each stored case only to serialize it again. These tests count SQLite
VM steps (deterministic, unlike timings) and compare the spliced bytes with the dicts.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from central.service import Service
from desk import wire
from tests.central.tiny_seed import PASSWORD, STATION_1, STATION_2, TinySeed

CASES = 1200
# The progress handler fires every STEP VM instructions (a coarser step missed short statements).
STEP = 10


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("feedcost") / "central.db", gateway_token="g", seed=TinySeed())
    start = datetime.now(UTC) - timedelta(days=1)
    with svc.db.write():
        for i in range(CASES):
            when = start + timedelta(seconds=i)
            svc.intake(wire.IntakeRequest(
                kind="consultation", category="户政", channel="portal", title=f"咨询 {i}",
                body="请问办理居住证需要哪些材料？", unit_id=STATION_1, received_at=when,
                citizen={"name": "张三", "phone": "13900000000", "id_number": "140105199001011234"}),
                now=when)
    yield svc
    svc.close()


def caller(svc: Service, username: str):
    now = svc.now()
    token = svc.login(username, PASSWORD, "t", str(uuid.uuid4()), now=now)["token"]
    return svc.authenticate(token, now=now)


def vm_steps(svc: Service, fn) -> int:
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0

    conn = svc.db.conn()
    conn.set_progress_handler(tick, STEP)
    try:
        fn()
    finally:
        conn.set_progress_handler(None, STEP)
    return ticks * STEP


@pytest.mark.parametrize("username", ["officer1", "chief1"])
def test_a_poll_with_nothing_new_does_not_read_the_cases(service, username):
    who = caller(service, username)
    head = service.summary(who, now=service.now())["cursor"]
    steps = vm_steps(service, lambda: service.changes_json(who, head, 1000, now=service.now()))
    # Reading every case in scope took more than ten steps a case.
    assert steps < CASES, steps


@pytest.mark.parametrize("username", ["officer1", "chief1"])
def test_a_small_page_reads_about_its_own_rows(service, username):
    who = caller(service, username)
    steps = vm_steps(service, lambda: service.changes_json(who, None, 10, now=service.now()))
    assert steps < CASES, steps
    page = json.loads(service.changes_json(who, None, 10, now=service.now()))
    assert len(page["changes"]) == 10 and page["has_more"]
    # A later page also looks for cases that left the scope: only moves can, so it must
    # not walk every change since the cursor.
    cursor = page["next_cursor"]
    steps = vm_steps(service, lambda: service.changes_json(who, cursor, 10, now=service.now()))
    assert steps < CASES, steps


def test_the_feed_bytes_are_the_feed(service):
    chief, officer, other = caller(service, "chief1"), caller(service, "officer1"), caller(service, "officer3")
    start = {who.username: service.summary(who, now=service.now())["cursor"] for who in (chief, officer, other)}
    ids = [c["case"]["id"] for c in service.changes(officer, None, 3, now=service.now())["changes"]]
    now = service.now()

    def op(case_id: str, type_: str, payload: dict) -> wire.Op:
        return wire.Op(op_id=str(uuid.uuid4()), seq=1, case_id=case_id, type=type_, base_version=0,
                       performed_at=now, payload=payload)

    results = service.apply_ops(officer, [op(ids[0], "claim", {}), op(ids[1], "claim", {}),
                                          op(ids[1], "transfer", {"to_unit_id": STATION_2, "reason": "辖区"})],
                                now=now)
    assert [r["outcome"] for r in results] == ["applied"] * 3
    for who in (chief, officer, other):
        for cursor in (None, start[who.username]):
            for limit in (1, 2, 1000):
                as_dict = service.changes(who, cursor, limit, now=now)
                as_bytes = json.loads(service.changes_json(who, cursor, limit, now=now).decode("utf-8"))
                assert as_bytes == as_dict
    # The removes and upserts that the comparison above went through really happened.
    officer_after = service.changes(officer, start["officer1"], 1000, now=now)["changes"]
    assert {(c["op"], c.get("case_id") or c["case"]["id"]) for c in officer_after} == {
        ("upsert", ids[0]), ("remove", ids[1])}
    other_after = service.changes(other, start["officer3"], 1000, now=now)["changes"]
    assert [c["case"]["id"] for c in other_after] == [ids[1]]
