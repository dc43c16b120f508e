"""Who sees what: an op result, an attachment, a summary or an error never shows a case
to a caller who may not see it now and never held it (contract, "Push: operations")."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from tests.central.conftest import intake, op
from tests.central.tiny_seed import STATION_1, STATION_2

SECRET_CITIZEN = {"name": "保密甲某", "phone": "13911110001", "id_number": "110101199001010011"}
OP_PAYLOADS = {
    "claim": {}, "accept": {}, "decline": {"reason": "不属于本所"},
    "reply": {"body": "您好", "notify_sms": False}, "note": {"body": "看看"},
    "callback": {"outcome": "reached", "body": "已回访"},
    "set_status": {"to": "closed", "reason": "办结"},
    "transfer": {"to_unit_id": STATION_2, "reason": "转办"},
    "reassign": {"to_officer_id": "o-officer3", "reason": "调整"},
    "urge": {"body": "快办"}, "reveal": {"field": "phone"},
}


def _secret_case(server, **fields):
    return intake(server, citizen=SECRET_CITIZEN, title="保密标题", body="保密正文内容", **fields)


def _assert_no_secret(text: str) -> None:
    for value in (*SECRET_CITIZEN.values(), "保密标题", "保密正文内容"):
        assert value not in text


@pytest.mark.parametrize("username", ["officer3", "chief2"])
def test_every_op_on_another_units_case_tells_nothing_of_it(server, login, username):
    case = _secret_case(server, unit_id=STATION_1)
    login("officer1").push(op(case["id"], "claim"))
    stranger = login(username)
    for op_type, payload in OP_PAYLOADS.items():
        r = stranger.post("/ops", json={"ops": [op(case["id"], op_type, payload)]})
        assert r.status_code == 200, r.text
        _assert_no_secret(r.text)
        result = r.json()["results"][0]
        assert result["case"] is None, op_type
        assert result["outcome"] in ("conflict", "rejected")
        assert result["error"]["code"] == "out_of_scope", (op_type, result)


def test_a_guessing_batch_reads_nothing(server, login):
    cases = [_secret_case(server, unit_id=STATION_1) for _ in range(3)]
    stranger = login("officer3")
    guesses = [op(c["id"], "claim") for c in cases] + [
        op(cases[0]["id"][:-1] + str(n), "claim") for n in range(10)]
    r = stranger.post("/ops", json={"ops": guesses})
    assert r.status_code == 200
    _assert_no_secret(r.text)
    assert all(res["case"] is None for res in r.json()["results"])


def test_the_loser_of_a_claim_gets_claimed_and_no_case(server, login):
    case = _secret_case(server)
    login("officer1").push(op(case["id"], "claim"))
    loser = login("officer2").push(op(case["id"], "claim"))[0]
    assert (loser["outcome"], loser["error"]["code"], loser["case"]) == ("conflict", "claimed", None)
    # Another officer's case, inside the station: nothing of it either.
    for op_type in ("accept", "reply", "set_status", "transfer"):
        r = login("officer2").push(op(case["id"], op_type, OP_PAYLOADS[op_type]))[0]
        assert (r["error"]["code"], r["case"]) == ("out_of_scope", None), op_type
    # A supervisor of the unit sees the case, so the conflict shows it.
    chief = login("chief1").push(op(case["id"], "claim"))[0]
    assert chief["outcome"] == "conflict" and chief["case"]["id"] == case["id"]


def test_a_duplicate_is_filtered_for_the_caller_now(server, login):
    case = _secret_case(server)
    officer1, chief = login("officer1"), login("chief1")
    officer1.push(op(case["id"], "claim"))
    urge = op(case["id"], "urge", {"body": "请尽快办理"})
    assert chief.push(urge)[0]["case"]["id"] == case["id"]
    moved = officer1.push(op(case["id"], "transfer", {"to_unit_id": STATION_2, "reason": "转办"}))[0]
    assert moved["outcome"] == "applied" and moved["case"]["unit_id"] == STATION_2  # held it
    again = chief.post("/ops", json={"ops": [urge]})
    _assert_no_secret(again.text)
    result = again.json()["results"][0]
    assert result["outcome"] == "duplicate" and result["case"] is None
    # A stored conflict resent: no case either.
    stranger = login("officer1")
    first = op(case["id"], "accept")
    assert stranger.push(first)[0]["case"] is not None  # officer1 held the case
    grab = op(case["id"], "claim")
    r1 = login("officer2").push(grab)[0]
    r2 = login("officer2").push(grab)[0]
    assert r1["case"] is None and r2["case"] is None


def test_reveal_only_by_the_holder_a_former_holder_or_a_supervisor(server, login):
    case = _secret_case(server)
    officer1, officer2, officer3 = login("officer1"), login("officer2"), login("officer3")
    unclaimed = officer2.push(op(case["id"], "reveal", {"field": "phone"}))[0]
    assert (unclaimed["outcome"], unclaimed["case"]) == ("rejected", None)
    officer1.push(op(case["id"], "claim"))
    for stranger in (officer2, officer3):
        r = stranger.post("/ops", json={"ops": [op(case["id"], "reveal", {"field": "id_number"})]})
        _assert_no_secret(r.text)
        result = r.json()["results"][0]
        assert (result["outcome"], result["error"]["code"], result["case"]) == (
            "rejected", "out_of_scope", None)
    assert officer1.push(op(case["id"], "reveal", {"field": "phone"}))[0]["outcome"] == "applied"
    chief = login("chief1")
    assert chief.push(op(case["id"], "reveal", {"field": "name"}))[0]["outcome"] == "applied"
    chief.push(op(case["id"], "reassign", {"to_officer_id": "o-officer2", "reason": "调整"}))
    former = officer1.push(op(case["id"], "reveal", {"field": "name"}))[0]
    assert former["outcome"] == "applied" and former["case"]["entries"][-1]["late"] is True
    reveals = [e for e in former["case"]["entries"] if e["type"] == "reveal"]
    assert [e["author_id"] for e in reveals] == ["o-officer1", "o-chief1", "o-officer1"]


def test_attachments_are_404_for_anyone_who_may_not_see_the_case(server, login):
    data = b"%PDF-1.4 secret scan"
    case = _secret_case(server, attachments=[{"name": "身份证.pdf", "content_type": "application/pdf",
                                              "data_base64": base64.b64encode(data).decode()}])
    att = case["attachments"][0]["id"]
    login("officer1").push(op(case["id"], "claim"))
    assert login("officer1").get(f"/attachments/{att}").content == data
    assert login("chief1").get(f"/attachments/{att}").content == data
    for username in ("officer2", "officer3", "chief2"):
        r = login(username).get(f"/attachments/{att}")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert b"secret" not in r.content


def test_summary_counts_only_the_callers_scope(server, login):
    _secret_case(server, unit_id=STATION_1)
    counts = login("officer3").get("/summary").json()["counts"]
    assert sum(counts.values()) == 0
    assert login("officer1").get("/summary").json()["counts"]["new"] == 1


def test_problem_details_never_echo_what_was_sent(server, login):
    officer = login("officer3")
    secret = SECRET_CITIZEN["id_number"]
    for body in ({"ops": secret}, {"ops": [{secret: secret}]}, {"ops": [{"op_id": [secret]}]}):
        r = officer.post("/ops", json=body)
        assert r.status_code in (200, 422), r.text
        assert secret not in r.text
    gateway = {"Authorization": f"Bearer {server.gateway_token}"}
    r = requests.post(f"{server.api}/intake", headers=gateway, timeout=30, json={
        "kind": "tip", "title": "t", "body": "b", "citizen": {"name": 5, "phone": [secret]},
        secret: secret})
    assert r.status_code == 422 and secret not in r.text
    # Nor do the OpenAPI examples hold a case's contents.
    # Listed sets may carry their known values as `examples`; nothing else may.
    document = requests.get(f"{server.api}/openapi.json", timeout=30).json()

    def examples(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("example", "examples"):
                    yield value
                yield from examples(value)
        elif isinstance(node, list):
            for item in node:
                yield from examples(item)

    for value in examples(document):
        assert isinstance(value, list) and all(isinstance(v, str) and v.isascii() for v in value), value
    assert secret not in json.dumps(document) and "SX20" not in json.dumps(document)
