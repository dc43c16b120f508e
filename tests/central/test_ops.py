"""POST /ops over real HTTP: outcomes, the who-may rules, entries and clocks."""

from __future__ import annotations

import threading
from datetime import timedelta

import requests

from tests.central.conftest import citizen, intake, op
from tests.central.tiny_seed import STATION_2, TRAFFIC


def test_claim_race_between_two_officers_has_one_winner(server, login):
    case = intake(server)
    officers = [login("officer1"), login("officer2")]
    barrier = threading.Barrier(2)
    results: dict[str, dict] = {}

    def claim(client):
        barrier.wait()
        results[client.officer_id] = client.push(op(case["id"], "claim"))[0]

    threads = [threading.Thread(target=claim, args=(c,)) for c in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcomes = sorted(r["outcome"] for r in results.values())
    assert outcomes == ["applied", "conflict"]
    winner = next(k for k, r in results.items() if r["outcome"] == "applied")
    loser = next(r for r in results.values() if r["outcome"] == "conflict")
    # The loser may not see the winner's case (contract, "Push: operations").
    assert loser["error"]["code"] == "claimed"
    assert loser["case"] is None
    assert results[winner]["case"]["version"] == 2
    assert [e["type"] for e in results[winner]["case"]["entries"]] == ["claim"]


def test_same_op_id_twice_is_a_duplicate_and_reuse_is_rejected(server, login):
    case = intake(server)
    client = login("officer1")
    claim = op(case["id"], "claim")
    first = client.push(claim)[0]
    assert first["outcome"] == "applied"
    note = op(case["id"], "note", {"body": "已电话联系"})
    assert client.push(note)[0]["outcome"] == "applied"
    again = client.push(note)[0]
    assert again["outcome"] == "duplicate"
    assert again["case"]["version"] == 3
    entries = client.get("/changes").json()["changes"][0]["case"]["entries"]
    assert [e["type"] for e in entries] == ["claim", "note"]
    reused = client.push({**note, "payload": {"body": "别的内容"}})[0]
    assert reused["outcome"] == "rejected" and reused["error"]["code"] == "op_id_reused"
    # performed_at and seq may differ on a resend; the op is the same.
    resent = client.push({**note, "seq": 9, "performed_at": "2026-11-25T03:00:00+08:00"})[0]
    assert resent["outcome"] == "duplicate"


def test_blocked_ops_follow_a_conflict_on_the_same_case_only(server, login):
    a, b = intake(server), intake(server)
    officer1, officer2 = login("officer1"), login("officer2")
    assert officer2.push(op(a["id"], "claim"))[0]["outcome"] == "applied"
    results = officer1.push(
        op(a["id"], "claim"),
        op(a["id"], "accept"),
        op(b["id"], "claim"),
        op(a["id"], "note", {"body": "x"}),
    )
    assert [r["outcome"] for r in results] == ["conflict", "blocked", "applied", "blocked"]
    blocked = results[1]["op_id"]
    # A blocked op was not recorded: sent again later it is attempted.
    retry = officer1.push({**op(a["id"], "accept"), "op_id": blocked})[0]
    # officer2's case: officer1 is told nothing of it (contract, "Push: operations").
    assert retry["outcome"] == "conflict" and retry["error"]["code"] == "out_of_scope"
    assert retry["case"] is None


def test_rejections(server, login):
    case = intake(server)
    officer1 = login("officer1")
    officer1.push(op(case["id"], "claim"))
    results = officer1.push(
        op(case["id"], "note", {"body": "   "}),
    )
    assert results[0]["outcome"] == "rejected"
    assert results[0]["error"]["code"] == "validation_failed"
    r = officer1.push(op(case["id"], "urge", {"body": "快办"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "forbidden"
    r = officer1.push(op(case["id"], "transfer", {"to_unit_id": "u-nowhere", "reason": "错派"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "unknown_unit"
    r = officer1.push(op("SX20990101000001", "note", {"body": "x"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "unknown_case"
    stranger = login("officer3")
    r = stranger.push(op(case["id"], "note", {"body": "看看"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "out_of_scope"
    assert stranger.push(op(case["id"], "claim"))[0]["error"]["code"] == "out_of_scope"


def test_full_lifecycle_entries_and_clocks(server, login, clock):
    case = intake(server, kind="application")
    assert [c["clock"] for c in case["clocks"]] == ["accept"]
    officer = login("officer1")
    done_offline = clock() + timedelta(minutes=5)
    clock.advance(timedelta(days=2))  # received after the due time
    officer.login("officer1")
    results = officer.push(
        op(case["id"], "claim", performed_at=done_offline),
        op(case["id"], "accept", performed_at=done_offline),
        op(case["id"], "reply", {"body": "材料齐全，已受理。", "notify_sms": True}),
        op(case["id"], "callback", {"outcome": "reached", "duration_s": 90, "body": "已回访",
                                    "satisfaction": "satisfied"}),
        op(case["id"], "set_status", {"to": "closed", "reason": "办结"}),
    )
    assert [r["outcome"] for r in results] == ["applied"] * 5
    final = results[-1]["case"]
    assert final["status"] == "closed" and final["version"] == 6
    assert final["accepted_by"] == "o-officer1"
    assert final["accepted_at"].startswith("2026-11-27T02:00")
    accept_clock = final["clocks"][0]
    assert accept_clock["stopped_at"].startswith("2026-11-27T02:00")
    assert accept_clock["stopped_performed_at"].startswith("2026-11-25T02:05")
    entries = final["entries"]
    assert [e["type"] for e in entries] == ["claim", "accept", "reply", "callback", "status"]
    assert entries[3]["data"] == {"outcome": "reached", "duration_s": 90, "satisfaction": "satisfied"}
    assert entries[4]["data"] == {"from": "accepted", "to": "closed"}
    assert all(e["author_id"] == "o-officer1" and e["unit_id"] == "u-st1" for e in entries)
    assert entries[0]["performed_at"].startswith("2026-11-25T02:05")
    assert entries[0]["received_at"].startswith("2026-11-27T02:00")
    assert entries[0]["op_id"] == results[0]["op_id"]
    # Reopen: the officer may not, the supervisor may.
    r = officer.push(op(case["id"], "set_status", {"to": "in_progress", "reason": "再查"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "forbidden"
    chief = login("chief1")
    r = chief.push(op(case["id"], "set_status", {"to": "in_progress", "reason": "再查"}))[0]
    assert r["outcome"] == "applied" and r["case"]["status"] == "in_progress"


def test_invalid_transition_is_a_conflict(server, login):
    case = intake(server)
    officer = login("officer1")
    officer.push(op(case["id"], "claim"), op(case["id"], "decline", {"reason": "不属于本所"}))
    r = officer.push(op(case["id"], "set_status", {"to": "in_progress", "reason": ""}))[0]
    assert r["outcome"] == "conflict" and r["error"]["code"] == "invalid_transition"
    assert r["case"]["status"] == "declined"


def test_late_note_from_a_former_holder(server, login):
    case = intake(server)
    officer1, chief = login("officer1"), login("chief1")
    officer1.push(op(case["id"], "claim"))
    r = chief.push(op(case["id"], "reassign", {"to_officer_id": "o-officer2", "reason": "调整"}))[0]
    assert r["outcome"] == "applied" and r["case"]["assignee_id"] == "o-officer2"
    results = officer1.push(
        op(case["id"], "note", {"body": "离线时记下的"}),
        op(case["id"], "callback", {"outcome": "no_answer", "body": "未接"}),
        op(case["id"], "reveal", {"field": "phone"}),
        op(case["id"], "reply", {"body": "答复", "notify_sms": False}),
    )
    assert [r["outcome"] for r in results] == ["applied", "applied", "applied", "conflict"]
    entries = results[2]["case"]["entries"]
    # A reveal by a former holder is allowed and marked late like a note (only the
    # holder, a former holder or a supervisor may reveal).
    assert [(e["type"], e["late"]) for e in entries[-3:]] == [("note", True), ("callback", True),
                                                             ("reveal", True)]
    assert results[3]["error"]["code"] == "not_assignee"


def test_waiting_citizen_pauses_and_a_citizen_message_resumes(server, login, clock):
    case = intake(server)
    due = case["clocks"][0]["due_at"]
    officer = login("officer1")
    officer.push(op(case["id"], "claim"), op(case["id"], "accept"))
    r = officer.push(op(case["id"], "set_status", {"to": "waiting_citizen", "reason": "补充材料"}))[0]
    assert r["case"]["clocks"][0]["paused"] is True
    clock.advance(timedelta(days=1))  # Thursday: one working day paused
    r = citizen(server, case["id"], type="message", body="材料已补充")
    assert r.status_code == 201
    resumed = r.json()
    assert resumed["status"] == "in_progress"
    assert resumed["clocks"][0]["paused"] is False
    assert resumed["clocks"][0]["due_at"] > due
    assert resumed["entries"][-2]["type"] == "citizen_message"
    rating = citizen(server, case["id"], type="rating", score=5, body="很满意")
    assert rating.status_code == 201
    assert rating.json()["rating"]["score"] == 5
    assert rating.json()["entries"][-1]["type"] == "rating"
    assert citizen(server, case["id"], type="rating").status_code == 422
    assert citizen(server, "SX20990101000009", type="message", body="?").status_code == 404


def test_intake_numbers_routes_and_requires_the_gateway_token(server, login):
    a, b = intake(server), intake(server, unit_id=None, category="户政")
    assert a["number"].startswith("SX20261125") and len(a["number"]) == 16
    assert int(b["number"][-6:]) == int(a["number"][-6:]) + 1
    assert b["unit_id"]
    officer = login("officer1")
    assert officer.post("/intake", json={"kind": "tip", "title": "t", "body": "b"}).status_code == 401
    r = requests.post(f"{server.api}/intake", json={"kind": "tip", "title": "t", "body": "b",
                                                   "unit_id": "u-nowhere"},
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"


def test_two_clients_pushing_at_once_apply_every_op_exactly_once(server, login):
    case = intake(server)
    chief, officer = login("chief1"), login("officer1")
    officer.push(op(case["id"], "claim"))
    per_client = 30
    batches = {c.officer_id: [op(case["id"], "note", {"body": f"{c.officer_id} {i}"})
                              for i in range(per_client)] for c in (chief, officer)}

    def send(client):
        mine = batches[client.officer_id]
        # Every op goes out twice (a lost answer, then the resend) in overlapping batches.
        for start in range(0, per_client, 5):
            client.push(*mine[start:start + 10])

    threads = [threading.Thread(target=send, args=(c,)) for c in (chief, officer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    final = chief.get("/changes").json()["changes"][0]["case"]
    notes = [e["op_id"] for e in final["entries"] if e["type"] == "note"]
    expected = {o["op_id"] for ops in batches.values() for o in ops}
    assert sorted(notes) == sorted(expected)
    assert final["version"] == 2 + 2 * per_client


def test_transfer_moves_the_case_between_station_feeds(server, login):
    case = intake(server)
    officer1, officer3 = login("officer1"), login("officer3")
    _, cursor1 = officer1.pull_all()
    _, cursor3 = officer3.pull_all()
    officer1.push(op(case["id"], "claim"), op(case["id"], "accept"))
    r = officer1.push(op(case["id"], "transfer", {"to_unit_id": STATION_2, "reason": "属东关辖区"}))[0]
    moved = r["case"]
    assert (moved["unit_id"], moved["assignee_id"], moved["status"]) == (STATION_2, None, "new")
    assert moved["clocks"][0]["stopped_at"] is None
    changes1, _ = officer1.pull_all(cursor1)
    assert changes1 == [{"seq": changes1[0]["seq"], "op": "remove", "case_id": case["id"],
                         "reason": "transferred"}]
    changes3, _ = officer3.pull_all(cursor3)
    assert [(c["op"], c["case"]["unit_id"]) for c in changes3] == [("upsert", STATION_2)]
    assert officer3.push(op(case["id"], "claim"))[0]["outcome"] == "applied"
    r = officer1.push(op(case["id"], "transfer", {"to_unit_id": TRAFFIC, "reason": "再转"}))[0]
    assert r["outcome"] == "conflict"


def test_reassign_removes_the_case_from_the_former_assignee(server, login):
    case = intake(server)
    officer1, officer2, chief = login("officer1"), login("officer2"), login("chief1")
    officer1.push(op(case["id"], "claim"))
    _, c1 = officer1.pull_all()
    _, c2 = officer2.pull_all()
    chief.push(op(case["id"], "reassign", {"to_officer_id": "o-officer2", "reason": "休假"}))
    ch1, _ = officer1.pull_all(c1)
    assert [(c["op"], c.get("reason")) for c in ch1] == [("remove", "reassigned")]
    ch2, _ = officer2.pull_all(c2)
    assert [(c["op"], c["case"]["assignee_id"]) for c in ch2] == [("upsert", "o-officer2")]
    r = chief.push(op(case["id"], "reassign", {"to_officer_id": "o-officer3", "reason": "x"}))[0]
    assert r["outcome"] == "rejected" and r["error"]["code"] == "unknown_officer"
    r = chief.push(op(case["id"], "urge", {"body": "请尽快办理"}))[0]
    assert r["outcome"] == "applied" and r["case"]["entries"][-1]["type"] == "urge"


def test_ops_request_validation(server, login):
    officer = login("officer1")
    assert officer.post("/ops", json={"ops": []}).status_code == 422
    too_many = [op("x", "note", {"body": "x"}) for _ in range(101)]
    assert officer.post("/ops", json={"ops": too_many}).status_code == 422
    assert officer.post("/ops", json={"ops": {"op_id": "x"}}).status_code == 422
    # Not even an object: still one result each, in order, without an op_id.
    assert [(r["op_id"], r["outcome"]) for r in officer.push(1, "x")] == [("", "rejected")] * 2
    # A well-formed envelope gets one result per op: a bad op is rejected on its own.
    bad = op("x", "note", {"body": "x"}, op_id="not-a-uuid")
    unknown_type = {**op("x", "note"), "type": "delete"}
    results = officer.push(bad, unknown_type)
    assert [(r["op_id"], r["outcome"], r["error"]["code"]) for r in results] == [
        ("not-a-uuid", "rejected", "validation_failed"),
        (unknown_type["op_id"], "rejected", "validation_failed")]
