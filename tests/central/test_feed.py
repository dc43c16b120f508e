"""GET /changes and /summary over real HTTP: paging, scopes, removes, retention, restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk import wire
from tests.central.conftest import Client, intake, op
from tests.central.server_fixture import backend_of, database_target, start_server
from tests.central.tiny_seed import TinySeed


def _ids(changes):
    return [c["case"]["id"] if c["op"] == "upsert" else c["case_id"] for c in changes]


def test_pages_in_seq_order_each_case_once_in_its_latest_state(server, login):
    cases = [intake(server) for _ in range(5)]
    officer = login("officer1")
    officer.push(op(cases[0]["id"], "claim"), op(cases[0]["id"], "accept"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = officer.get("/changes", params=params).json()
        pages += 1
        page_ids = _ids(body["changes"])
        assert len(page_ids) == len(set(page_ids))
        assert len(page_ids) <= 2
        seen.extend(body["changes"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert sorted(_ids(seen)) == sorted(c["id"] for c in cases)
    assert pages == 3
    latest = next(c for c in seen if c["case"]["id"] == cases[0]["id"])["case"]
    assert latest["status"] == "accepted" and latest["version"] == 3
    # Nothing new: an empty page with the same cursor position.
    body = officer.get("/changes", params={"cursor": cursor}).json()
    assert body["changes"] == [] and body["has_more"] is False
    assert body["reference_version"] == officer.get("/reference").json()["version"]


def test_scopes_of_officers_and_supervisors(server, login):
    mine, unclaimed, colleague, other_station = (intake(server) for _ in range(4))
    officer1, officer2, chief1, officer3 = (login(u) for u in ("officer1", "officer2", "chief1", "officer3"))
    officer1.push(op(mine["id"], "claim"))
    officer2.push(op(colleague["id"], "claim"))
    chief1.push(op(other_station["id"], "transfer", {"to_unit_id": "u-st2", "reason": "辖区"}))

    def scope(client):
        changes, _ = client.pull_all()
        return {c["case"]["id"] for c in changes if c["op"] == "upsert"}

    assert scope(officer1) == {mine["id"], unclaimed["id"]}
    assert scope(chief1) == {mine["id"], unclaimed["id"], colleague["id"]}
    assert scope(officer3) == {other_station["id"]}
    counts = chief1.get("/summary").json()["counts"]
    assert counts == {"new": 3, "accepted": 0, "in_progress": 0, "waiting_citizen": 0,
                      "closed": 0, "declined": 0}


def test_a_claim_by_a_colleague_removes_the_case_from_my_feed(server, login):
    case = intake(server)
    officer1, officer2 = login("officer1"), login("officer2")
    _, cursor = officer2.pull_all()
    officer1.push(op(case["id"], "claim"))
    changes, _ = officer2.pull_all(cursor)
    assert [(c["op"], c["case_id"]) for c in changes] == [("remove", case["id"])]


def test_summary_cursor_matches_the_feed(server, login):
    intake(server)
    officer = login("officer1")
    summary = officer.get("/summary").json()
    _, cursor = officer.pull_all()
    assert summary["cursor"] == cursor
    assert summary["counts"]["new"] == 1


def test_bad_and_expired_cursors(tmp_path, clock, db_target):
    server = start_server(tmp_path, seed=TinySeed(), now=clock, change_retention=timedelta(days=1),
                          db_path=db_target)
    try:
        client = Client(server, "officer1")
        for garbage in ("garbage", "abc.def", "x.-1", "<script>"):
            r = client.get("/changes", params={"cursor": garbage})
            assert r.status_code == 400 and r.json()["code"] == "invalid_cursor", garbage
        intake(server)
        _, old_cursor = client.pull_all()
        r = client.get("/changes", params={"cursor": old_cursor})
        assert r.status_code == 200
        intake(server)
        clock.advance(timedelta(days=2))
        intake(server)
        client.login("officer1")
        r = client.get("/changes", params={"cursor": old_cursor})
        assert r.status_code == 410 and r.json()["code"] == "cursor_expired"
        changes, fresh = client.pull_all()
        assert len(changes) == 3
        assert client.get("/changes", params={"cursor": fresh}).status_code == 200
        # A cursor from another database is expired too.
        with database_target(backend_of(db_target), tmp_path / "other") as other_db:
            other = start_server(tmp_path / "other", seed=TinySeed(), now=clock, db_path=other_db)
            try:
                stranger = Client(other, "officer1")
                r = stranger.get("/changes", params={"cursor": fresh})
                assert r.status_code == 410
            finally:
                other.stop()
    finally:
        server.stop()


def test_closed_cases_leave_the_feed_after_retention(server, login, clock):
    case, other = intake(server), intake(server)
    officer = login("officer1")
    officer.push(op(case["id"], "claim"), op(case["id"], "accept"),
                 op(case["id"], "set_status", {"to": "closed", "reason": "办结"}))
    _, cursor = officer.pull_all()
    clock.advance(timedelta(days=29))
    officer.login("officer1")
    assert officer.pull_all(cursor)[0] == []
    clock.advance(timedelta(days=2))
    officer.login("officer1")
    changes, _ = officer.pull_all(cursor)
    assert [(c["op"], c["case_id"], c["reason"]) for c in changes] == [
        ("remove", case["id"], "retention")]
    fresh, _ = officer.pull_all()
    assert _ids(fresh) == [other["id"]]
    assert officer.get("/summary").json()["counts"]["closed"] == 0


def test_restart_in_the_middle_loses_nothing(server, login):
    case = intake(server)
    officer = login("officer1")
    first = officer.push(op(case["id"], "claim"))[0]
    _, cursor = officer.pull_all()
    server.restart()
    # Same token, same cursor, same op_ids after the restart.
    assert officer.push(op(case["id"], "claim", op_id=first["op_id"]))[0]["outcome"] == "duplicate"
    result = officer.push(op(case["id"], "accept"))[0]
    assert result["outcome"] == "applied" and result["case"]["version"] == 3
    changes, _ = officer.pull_all(cursor)
    assert [c["case"]["status"] for c in changes] == ["accepted"]
    second = intake(server)
    assert int(second["number"][-6:]) == int(case["number"][-6:]) + 1
    assert officer.get("/summary").json()["counts"]["accepted"] == 1


def test_limit_bounds(server, login):
    officer = login("officer1")
    assert officer.get("/changes", params={"limit": 0}).status_code == 422
    assert officer.get("/changes", params={"limit": 1001}).status_code == 422
    assert officer.get("/changes", params={"limit": 1000}).status_code == 200


@pytest.mark.slow
def test_reference_version_follows_the_reference_data(tmp_path, clock, db_target):
    class OtherTemplates(TinySeed):
        def templates(self):
            return [*super().templates(), wire.Template(id="t-2", title="需补充材料", body="请补充材料。")]

    versions = []
    for name, seed in (("a", TinySeed()), ("b", TinySeed()), ("c", OtherTemplates())):
        with database_target(backend_of(db_target), tmp_path / name) as target:
            server = start_server(tmp_path / name, seed=seed, now=clock, db_path=target)
            try:
                client = Client(server, "officer1")
                body = client.get("/changes").json()
                assert body["reference_version"] == client.get("/reference").json()["version"]
                versions.append(body["reference_version"])
                server.restart()
                assert client.get("/reference").json()["version"] == versions[-1]
            finally:
                server.stop()
    assert versions[0] == versions[1] != versions[2]
