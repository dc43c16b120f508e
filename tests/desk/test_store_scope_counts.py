"""The cache counts a scope as the server does: after a sync the client compares
Store.status_counts with the server's /summary and warns when they differ, so a
different scope rule on either side is a false "the cache does not match the server".

The case that told them apart: a supervisor who holds a case of another unit (an
officer moved to head another station keeps what they held). The server's scope, and
now the cache's, counts it; the cache's old `unit_id = ?` did not."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from central.service import Service
from desk import wire
from desk.rules import Actor
from desk.store import Store
from tests.central.tiny_seed import PASSWORD, STATION_1, STATION_2, TinySeed


@pytest.fixture
def service(tmp_path):
    svc = Service(tmp_path / "central.db", gateway_token="g", seed=TinySeed())
    yield svc
    svc.close()


def _caller(svc: Service, username: str):
    now = svc.now()
    token = svc.login(username, PASSWORD, "t", str(uuid.uuid4()), now=now)["token"]
    return svc.authenticate(token, now=now)


def test_status_counts_match_the_servers_summary_for_a_supervisor_holding_another_units_case(
        service, tmp_path):
    start = datetime.now(UTC) - timedelta(hours=3)
    for i, unit in enumerate([STATION_1, STATION_1, STATION_1, STATION_2, STATION_2]):
        service.intake(wire.IntakeRequest(
            kind="consultation", category="户政", channel="portal", title=f"咨询 {i}",
            body="请问办理居住证需要哪些材料？", unit_id=unit, received_at=start + timedelta(minutes=i),
            citizen={"name": "张三", "phone": "13900000000"}), now=start + timedelta(minutes=i))
    chief = _caller(service, "chief1")
    with service.db.write() as conn:
        ids = {r["unit_id"]: r["id"] for r in conn.execute("SELECT id, unit_id FROM cases ORDER BY id")}
        # chief1 (station 1) holds a case of station 2, accepted: what their move left.
        conn.execute("UPDATE cases SET assignee_id = ?, status = 'accepted', "
                     "doc = json_set(doc, '$.assignee_id', ?, '$.status', 'accepted') WHERE id = ?",
                     (chief.actor.id, chief.actor.id, ids[STATION_2]))
        docs = [r["doc"] for r in conn.execute("SELECT doc FROM cases WHERE retired = 0")]
    store = Store.open(tmp_path / "cache.db", os.urandom(32))
    try:
        # Every case of the server is in the cache (more than the feed would bring), so
        # the scope rule alone decides what is counted.
        store.apply_changes([wire.UpsertChange(seq=n + 1, op="upsert", case=wire.Case.model_validate_json(d))
                             for n, d in enumerate(docs)], "c1")
        for username in ("chief1", "officer1", "chief2", "officer3"):
            who = _caller(service, username)
            server = {s: n for s, n in service.summary(who, now=service.now())["counts"].items() if n}
            actor = Actor(id=who.actor.id, unit_id=who.actor.unit_id, roles=tuple(who.actor.roles))
            assert store.status_counts(actor) == server, username
        # The case that told the rules apart is counted for chief1 on both sides.
        assert store.status_counts(chief.actor).get("accepted") == 1
    finally:
        store.close()
