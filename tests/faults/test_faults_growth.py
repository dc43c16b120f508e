"""A platform that has grown past this client (the contract's "Growth" section), fed by
a scripted server: answers the contract allows and our reference server never sends.
A new kind, entry type, status, unit kind, role, reason, outcome or error code is kept
and shown; null reads as absent; a case that still cannot be read is set aside, named,
and the rest of the page is applied with its cursor."""

from __future__ import annotations

import json
import os
from datetime import UTC

import pytest

from desk import rules
from desk.actions import ActionRefused, Actions
from desk.api import CentralClient, ServerRefused
from desk.store import Store
from desk.sync import SyncEngine
from desk.wire import Op
from tests.faults.fake_http import Answer, FakeServer

NOW = "2026-11-26T02:30:00Z"
DEVICE = "5d3c0f59-6f32-4b57-9d4c-bd4d33b5d5a1"
ME = rules.Actor(id="o1", unit_id="s1", roles=("officer",))
CITIZEN = "欧阳建华"

REFERENCE = {
    "version": "r2", "service_items": [], "templates": [],
    "units": [{"id": "s1", "name": "城关派出所", "parent_id": "b1", "kind": "station"},
              # A unit kind this client was not built with.
              {"id": "b1", "name": "分局", "parent_id": None, "kind": "district_bureau"}],
    "officers": [{"id": "o1", "username": "officer1", "name": "李警官", "badge_no": None,
                  "unit_id": "s1", "roles": ["officer", "auditor"]}],
    "policy": [{"kind": "consultation", "name": "咨询", "clocks": [
                   {"clock": "reply", "limit": 2, "unit": "working_day"}]},
               # A new kind arrives with its row: its clocks and its name follow it.
               {"kind": "lost_found", "name": "失物招领", "clocks": [
                   {"clock": "reply", "limit": 3, "unit": "calendar_day"}]}],
    "calendar": {"zone": "Asia/Shanghai", "known_years": [2026], "days": {}},
    "sms_gateway": {"enabled": True},  # extra field
}


def case(case_id, version=1, **over):
    doc = {"id": case_id, "number": f"SX20261126{case_id[-6:]:0>6}", "kind": "consultation",
           "service_item_id": None, "category": None, "channel": None, "title": "咨询",
           "body": "正文", "citizen": {"name": CITIZEN, "phone": "13912345678", "id_number": None},
           "unit_id": "s1", "assignee_id": None, "status": "new", "version": version,
           "received_at": NOW, "accepted_at": None, "accepted_by": None,
           "clocks": [{"clock": "reply", "due_at": "2026-11-28T02:30:00Z", "stopped_at": None,
                       "paused": None, "provisional": None}],
           "rating": None, "attachments": [], "sms_notices": [],  # extra field
           "entries": [{"id": f"{case_id}-e1", "type": "citizen_message", "author_id": None,
                        "author_name": None, "unit_id": None, "body": "我想咨询", "data": None,
                        "performed_at": NOW, "received_at": NOW, "op_id": None, "late": None}]}
    doc.update(over)
    return doc


def page(changes, cursor):
    return {"changes": changes, "next_cursor": cursor, "has_more": False, "server_time": NOW,
            "reference_version": "r2"}


def upsert(seq, doc):
    return {"seq": seq, "op": "upsert", "case": doc}


@pytest.fixture
def fake():
    server = FakeServer()
    server.routes["GET /api/v1/reference"] = Answer(
        body=json.dumps(REFERENCE).encode(), headers={"Content-Type": "application/json", "ETag": '"r2"'})
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "cache.db", os.urandom(32))
    yield s
    s.close()


def sync(fake, store, changes, cursor):
    fake.routes["GET /api/v1/changes"] = Answer.json(page(changes, cursor))
    client = CentralClient(fake.url, device_id=DEVICE, token="tok", timeout=(2, 5))
    return SyncEngine(store, client, ME).run_cycle()


def test_a_grown_platform_is_read_and_one_unreadable_case_is_set_aside(fake, store):
    lost = case("c-000002", kind="lost_found", title="遗失钱包", entries=[
        {"id": "c2-e1", "type": "sms_notice", "author_id": None, "author_name": None,
         "body": "已短信通知失主", "data": {"gateway": "x"}, "performed_at": NOW, "received_at": NOW}])
    suspended = case("c-000003", status="suspended", assignee_id="o1")
    report = sync(fake, store, [
        upsert(1, case("c-000001")), upsert(2, lost), upsert(3, suspended),
        upsert(4, case("c-000004", title="后来读不懂的案件")),
        {"seq": 5, "op": "remove", "case_id": "c-elsewhere", "reason": "merged"},
    ], "cur-1")
    assert report.finished, report.error
    assert report.pulled == 4 and report.set_aside == []
    assert store.get_state().cursor == "cur-1"

    first = store.case("c-000001")
    assert first["entries"][0]["author_name"] == "" and first["channel"] == ""
    assert first["citizen"]["id_number"] == "" and first["clocks"][0]["paused"] is False
    got = store.case("c-000002")
    assert got["kind"] == "lost_found"
    assert store.reference().kind_name("lost_found") == "失物招领"
    assert store.reference().kind_name("consultation") == "咨询"
    assert [(e["type"], e["body"]) for e in got["entries"]] == [("sms_notice", "已短信通知失主")]
    assert store.reference().units[1].kind == "district_bureau"
    assert "auditor" in store.reference().officers[0].roles

    # An unknown status is read-only: no transition, claim or reply; notes and
    # callbacks are still recorded.
    actions = Actions(store, ME, name="李警官")
    assert actions.allowed("c-000003") == {"note", "callback", "reveal"}
    for attempt in (lambda: actions.set_status("c-000003", "closed"),
                    lambda: actions.reply("c-000003", "您好"),
                    lambda: actions.transfer("c-000003", "b1", "转分局")):
        with pytest.raises(ActionRefused) as info:
            attempt()
        assert info.value.code == "unknown_status"
    actions.note("c-000003", "已电话联系")
    actions.callback("c-000003", "reached", "回访完毕")
    assert store.case("c-000003")["status"] == "suspended"
    assert store.outbox_count() == 2
    # Still in the officer's queue, among the open cases.
    from datetime import datetime

    from desk.queues import queue_counts, queue_ids
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert "c-000003" in queue_ids(store, "mine", ME, now)
    assert queue_counts(store, ME, now)["mine"] == 1

    # The next page: one case in a shape no reading can follow, beside two good ones.
    broken = case("c-000004", version=2, title="新标题", received_at=None, entries=[
        {"id": "c4-e9", "type": "note", "body": CITIZEN, "performed_at": "yesterday",
         "received_at": NOW}])
    fake.routes["POST /api/v1/ops"] = lambda body: Answer.json({"results": [
        {"op_id": op["op_id"], "outcome": "applied", "case": None, "error": None}
        for op in body["ops"]]})
    report = sync(fake, store, [upsert(6, case("c-000001", version=2, title="已更新")),
                                upsert(7, broken), upsert(8, case("c-000005"))], "cur-2")
    assert report.finished, report.error
    assert store.get_state().cursor == "cur-2", "the rest of the page is committed"
    assert store.case("c-000001")["title"] == "已更新" and store.case("c-000005") is not None
    kept = store.case("c-000004")
    assert kept["version"] == 1 and kept["title"] == "后来读不懂的案件", "the last good copy"
    [aside] = report.set_aside
    assert (aside["case_id"], aside["number"], aside["seq"]) == ("c-000004", "SX20261126000004", 7)
    assert "received_at" in aside["problem"]
    warning = next(w for w in report.warnings if "set aside" in w)
    assert "SX20261126000004" in warning and "c-000004" in warning
    assert CITIZEN not in warning and "新标题" not in warning and "yesterday" not in warning
    assert "1 case(s) set aside" in report.summary_line()

    # A quiet sync still names it; the next change of the case that can be read
    # replaces the record.
    report = sync(fake, store, [], "cur-3")
    assert [a["case_id"] for a in report.set_aside] == ["c-000004"]
    report = sync(fake, store, [upsert(9, case("c-000004", version=3, title="第三版"))], "cur-4")
    assert report.set_aside == [] and not any("set aside" in w for w in report.warnings)
    assert store.case("c-000004")["title"] == "第三版"


def test_a_case_set_aside_during_a_full_resync_keeps_its_last_good_copy(fake, store):
    sync(fake, store, [upsert(1, case("c-000001")), upsert(2, case("c-000002"))], "cur-1")
    store.set_state(full_resync=True)
    report = sync(fake, store, [upsert(3, case("c-000001", version=2)),
                                upsert(4, case("c-000002", version="two"))], "cur-2")
    assert report.finished and report.full_resync
    assert store.case("c-000002")["version"] == 1, "not dropped as unseen"
    assert [a["case_id"] for a in report.set_aside] == ["c-000002"]


def test_unknown_outcomes_and_error_codes_from_a_grown_server(fake, store):
    client = CentralClient(fake.url, device_id=DEVICE, token="tok", timeout=(2, 5))
    ops = [Op(op_id=f"00000000-0000-4000-8000-00000000000{n}", seq=n, case_id="c-1", type="note",
              base_version=1, performed_at=NOW, payload={"body": "备注"}) for n in (1, 2)]
    fake.routes["POST /api/v1/ops"] = Answer.json({"results": [
        {"op_id": ops[0].op_id, "outcome": "deferred", "case": None, "error": None},
        {"op_id": ops[1].op_id, "outcome": "rejected", "case": None,
         "error": {"code": "quota_exceeded", "detail": None}}]})
    answer = client.push(ops)
    assert [r.outcome for r in answer.results] == ["deferred", "rejected"]
    assert answer.results[1].error.code == "quota_exceeded"
    fake.routes["GET /api/v1/summary"] = Answer.json(
        {"type": None, "title": None, "status": 409, "detail": None, "code": "archived_partition"},
        status=409, headers={"Content-Type": "application/problem+json"})
    with pytest.raises(ServerRefused) as info:
        client.summary()
    assert info.value.code == "archived_partition" and "archived_partition" in str(info.value)


def test_what_the_client_sends_stays_closed():
    from pydantic import ValidationError

    from desk.wire import parse_payload

    with pytest.raises(ValidationError):
        Op(op_id="00000000-0000-4000-8000-000000000001", seq=1, case_id="c", type="merge",
           base_version=1, performed_at=NOW, payload={})
    for op_type, payload in (("set_status", {"to": "suspended"}),
                             ("callback", {"outcome": "voicemail", "body": "x"}),
                             ("reveal", {"field": "address"})):
        with pytest.raises(ValidationError):
            parse_payload(op_type, payload)
