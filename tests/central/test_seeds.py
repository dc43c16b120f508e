"""The reference server's seed data: reference data, accounts and the demo story."""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from central import seeds
from central.calendar_seed import build_calendar
from desk import rules, wire

# A Wednesday morning in Beijing, clear of holidays.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CATEGORIES = {"户政", "出入境", "交警", "治安", "消防", "技防", "网警", "禁毒", "法制",
              "边防检查", "民航公安"}
CHANNELS = {"门户网站", "热线电话", "短信", "手机网站", "微博", "微信"}
STORY_REFS = {"story-traffic-fine", "story-taiwan-travel", "story-special-trade-permit",
              "story-offline-on-time", "story-markup-img", "story-markup-link"}
PHONE = re.compile(r"^1[358]\d{9}$")


@pytest.fixture(scope="module")
def events() -> list:
    return list(seeds.demo_events(NOW))


@dataclass
class CaseState:
    ref: str
    request: wire.IntakeRequest
    received: datetime
    unit: str
    status: str = "new"
    assignee: str | None = None
    held: set[str] = field(default_factory=set)
    closed_at: datetime | None = None
    rating: int | None = None
    ops: list = field(default_factory=list)
    units_seen: list[str] = field(default_factory=list)
    messages: list = field(default_factory=list)


def replay(events: list) -> dict[str, CaseState]:
    """Apply the demo through the shared rules, independently of the generator."""
    officers = {o.username: o for o in seeds.officers()}
    unit_of = {o.id: o.unit_id for o in officers.values()}
    unit_ids = {u.id for u in seeds.units()}
    cases: dict[str, CaseState] = {}
    for event in events:
        if isinstance(event, seeds.Intake):
            assert event.ref not in cases, f"{event.ref} taken in twice"
            unit = event.request.unit_id or seeds.DEFAULT_UNIT_BY_CATEGORY[event.request.category]
            cases[event.ref] = CaseState(event.ref, event.request, event.at, unit,
                                         units_seen=[unit])
            continue
        case = cases[event.case_ref]
        assert event.at >= case.received
        if isinstance(event, seeds.CitizenEvent):
            if event.request.type == "message":
                assert case.status in rules.OPEN_STATUSES
                if case.status == "waiting_citizen":
                    case.status = "in_progress"
                case.messages.append(event)
            else:
                assert case.status == "closed"
                case.rating = event.request.score
            continue
        officer = officers[event.username]
        decision = rules.decide(
            event.op_type, event.payload, status=case.status, unit_id=case.unit,
            assignee_id=case.assignee,
            actor=rules.Actor(officer.id, officer.unit_id, officer.roles),
            held_before=officer.id in case.held,
            unit_exists=lambda u: u in unit_ids, officer_unit=unit_of.get,
        )
        assert decision.allowed, (event.case_ref, event.op_type, decision)
        case.status = rules.status_after(event.op_type, event.payload, case.status)
        if event.op_type == "claim":
            case.assignee = officer.id
        elif event.op_type == "reassign":
            case.assignee = event.payload["to_officer_id"]
        elif event.op_type == "transfer":
            case.unit = event.payload["to_unit_id"]
            case.assignee = None
            case.units_seen.append(case.unit)
        elif event.op_type == "set_status" and event.payload["to"] == "closed":
            case.closed_at = event.at
        if case.assignee:
            case.held.add(case.assignee)
        case.ops.append(event)
    return cases


# ---------------------------------------------------------------- reference data


def test_contract_accounts_exist_in_their_units_with_their_roles():
    by_name = {o.username: o for o in seeds.officers()}
    expected = {
        "chief1": (seeds.STATION_1, ("officer", "supervisor")),
        "officer1": (seeds.STATION_1, ("officer",)),
        "officer2": (seeds.STATION_1, ("officer",)),
        "chief2": (seeds.STATION_2, ("officer", "supervisor")),
        "officer3": (seeds.STATION_2, ("officer",)),
        "traffic1": (seeds.TRAFFIC_SECTION, ("officer",)),
        "exit1": (seeds.EXIT_ENTRY_SECTION, ("officer",)),
    }
    for username, (unit_id, roles) in expected.items():
        officer = by_name[username]
        assert (officer.unit_id, officer.roles) == (unit_id, roles), username
    officers = seeds.officers()
    assert all(o.password == "demo-pass" for o in officers)
    assert len({o.id for o in officers}) == len({o.username for o in officers}) == len(officers)
    assert len({o.badge_no for o in officers}) == len(officers)
    assert all(o.badge_no.startswith("140105") and o.badge_no.isdigit() for o in officers)
    unit_ids = {u.id for u in seeds.units()}
    assert all(o.unit_id in unit_ids for o in officers)
    for o in officers:
        wire.Officer(id=o.id, username=o.username, name=o.name, badge_no=o.badge_no,
                     unit_id=o.unit_id, roles=list(o.roles))
    # Every station and section can both work and supervise its cases.
    for unit in seeds.units():
        if unit.kind in ("station", "section"):
            here = [o for o in officers if o.unit_id == unit.id]
            assert any("supervisor" in o.roles for o in here), unit.id
            assert any("supervisor" not in o.roles for o in here), unit.id
    assert sum(o.unit_id == seeds.STATION_1 for o in officers) >= 4
    assert sum(o.unit_id == seeds.STATION_2 for o in officers) >= 3


def test_units_form_one_tree_under_the_province():
    units = seeds.units()
    assert 15 <= len(units) <= 30
    by_id = {u.id: u for u in units}
    assert len(by_id) == len(units)
    roots = [u for u in units if u.parent_id is None]
    assert [(r.kind, r.name) for r in roots] == [("province", "山西省公安厅")]
    for unit in units:
        assert unit.id.isascii() and len(unit.id) <= 12
        seen = set()
        node = unit
        while node.parent_id is not None:
            assert node.id not in seen, f"cycle at {unit.id}"
            seen.add(node.id)
            node = by_id[node.parent_id]
        assert node is roots[0]
    kinds = {u.id: u.kind for u in units}
    assert kinds[seeds.STATION_1] == kinds[seeds.STATION_2] == "station"
    assert kinds[seeds.TRAFFIC_SECTION] == kinds[seeds.EXIT_ENTRY_SECTION] == "section"
    assert kinds[seeds.COUNTY_BUREAU] == "county"
    assert by_id[seeds.STATION_1].parent_id == seeds.COUNTY_BUREAU
    assert sum(k == "city" for k in kinds.values()) >= 2
    assert sum(k == "station" for k in kinds.values()) >= 6
    assert set(seeds.DEFAULT_UNIT_BY_CATEGORY) == CATEGORIES
    assert set(seeds.DEFAULT_UNIT_BY_CATEGORY.values()) <= set(by_id)


def test_service_items_cover_every_category():
    items = seeds.service_items()
    assert len({i.id for i in items}) == len(items)
    per_category = Counter(i.category for i in items)
    assert set(per_category) == CATEGORIES
    assert all(3 <= n <= 6 for n in per_category.values()), per_category
    assert {i.mode for i in items} == {"fully_online", "partly_online", "appointment"}


def test_templates_and_policy():
    templates = seeds.templates()
    assert 8 <= len(templates) <= 12
    assert len({t.id for t in templates}) == len(templates)
    assert all(t.title and len(t.body) > 20 for t in templates)
    rows = {p.kind: p for p in seeds.policy()}
    assert set(rows) == set(wire.CASE_KINDS)
    clocks = {k: [(c.clock, c.limit, c.unit) for c in p.clocks] for k, p in rows.items()}
    assert clocks == {
        "application": [("accept", 1, "working_day")],
        "consultation": [("reply", 2, "working_day")],
        "tip": [("reply", 5, "working_day")],
        "appeal": [("reply", 2, "working_day")],
        "mailbox": [("reply", 5, "working_day")],
        "petition": [("accept", 15, "calendar_day"), ("close", 60, "calendar_day")],
    }
    assert {k: p.name for k, p in rows.items()} == {
        "application": "业务申办", "consultation": "业务咨询", "tip": "线索举报",
        "appeal": "民生诉求", "mailbox": "厅长信箱", "petition": "网上信访"}


def test_id_check_digit_matches_a_known_number():
    # GB 11643's published example.
    assert seeds.id_check_digit("11010519491231002") == "X"
    assert seeds.id_number_valid("11010519491231002X")
    assert not seeds.id_number_valid("110105194912310021")


# ---------------------------------------------------------------- the demo events


def test_demo_events_are_deterministic(events):
    assert list(seeds.demo_events(NOW)) == events
    later = list(seeds.demo_events(NOW + timedelta(days=3)))
    # The same cases, placed relative to the new now.
    assert {e.ref: e.request.title for e in later if isinstance(e, seeds.Intake)} == {
        e.ref: e.request.title for e in events if isinstance(e, seeds.Intake)}


def test_demo_needs_an_aware_now():
    with pytest.raises(ValueError):
        list(seeds.demo_events(datetime(2026, 11, 25, 10, 0)))


def check_events(events: list, now: datetime) -> dict[str, CaseState]:
    times = [e.at for e in events]
    assert times == sorted(times)
    assert all(t <= now for t in times)
    for event in events:
        if isinstance(event, seeds.Intake):
            wire.IntakeRequest.model_validate(event.request.wire())
            assert event.request.received_at == event.at
            assert event.request.unit_id is None or event.request.unit_id in {
                u.id for u in seeds.units()}
        elif isinstance(event, seeds.Action):
            assert event.op_type in wire.OP_TYPES
            wire.parse_payload(event.op_type, event.payload)
            assert event.performed_at is None or event.performed_at <= event.at
        else:
            wire.CitizenEventRequest.model_validate(event.request.wire())
    cases = replay(events)
    assert 300 <= len(cases) <= 400
    # Whatever the day, the offline reply is done before its due time and arrives after.
    offline = cases["story-offline-on-time"]
    reply = next(op for op in offline.ops if op.op_type == "reply")
    due = build_calendar().due_at(offline.received, 2, "working_day")
    assert reply.performed_at < due < reply.at
    return cases


def test_events_are_valid_sorted_and_follow_the_rules(events):
    check_events(events, NOW)


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(st.one_of(
    st.datetimes(min_value=datetime(2025, 3, 1), max_value=datetime(2027, 12, 31)),
    # Around the long holidays, where working time stands still for a week.
    st.sampled_from([datetime(2026, 10, 4, 3), datetime(2026, 2, 20, 12),
                     datetime(2027, 1, 1, 0), datetime(2026, 11, 28, 23, 59)]),
))
def test_events_hold_for_any_now(naive_now):
    now = naive_now.replace(tzinfo=UTC)
    check_events(list(seeds.demo_events(now)), now)


def test_every_kind_category_and_channel_occurs(events):
    requests = [e.request for e in events if isinstance(e, seeds.Intake)]
    assert {r.kind for r in requests} == set(wire.CASE_KINDS)
    assert {r.category for r in requests} == CATEGORIES
    assert {r.channel for r in requests} == CHANNELS
    item_category = {i.id: i.category for i in seeds.service_items()}
    for r in requests:
        if r.service_item_id is not None:
            assert item_category[r.service_item_id] == r.category
    # Every (category, kind) the texts offer is used.
    assert len({(r.category, r.kind) for r in requests}) >= 35


def test_citizens_look_real(events):
    citizens = [e.request.citizen for e in events if isinstance(e, seeds.Intake)]
    assert all(seeds.id_number_valid(c.id_number) for c in citizens)
    assert all(PHONE.match(c.phone) for c in citizens)
    assert all(2 <= len(c.name) <= 4 for c in citizens)
    shanxi = sum(c.id_number.startswith("14") for c in citizens)
    assert shanxi >= len(citizens) - 2
    assert len({c.id_number for c in citizens}) > 0.95 * len(citizens)


def test_every_state_occurs_in_both_stations(events):
    cases = replay(events)
    for unit_id in (seeds.STATION_1, seeds.STATION_2):
        here = [c for c in cases.values() if c.unit == unit_id]
        statuses = Counter(c.status for c in here)
        assert set(statuses) == set(wire.STATUSES), (unit_id, statuses)
        assert any(c.status == "new" and c.assignee is None for c in here)
        assert any(c.status == "new" and c.assignee is not None for c in here)
        unclaimed_ages = [NOW - c.received for c in here if c.assignee is None and c.status == "new"]
        assert min(unclaimed_ages) < timedelta(hours=8)
        assert max(unclaimed_ages) > timedelta(days=2)
        assert any(c.status == "in_progress" and c.messages for c in here)  # resumed
    closed = [c for c in cases.values() if c.status == "closed"]
    assert any(NOW - c.closed_at < timedelta(days=30) for c in closed)
    assert any(NOW - c.closed_at > timedelta(days=30) for c in closed)
    ops = [op for c in cases.values() for op in c.ops]
    kinds = Counter(op.op_type for op in ops)
    assert set(kinds) == set(wire.OP_TYPES)
    outcomes = {op.payload["outcome"] for op in ops if op.op_type == "callback"}
    assert {"reached", "no_answer"} <= outcomes
    urgers = {op.username for op in ops if op.op_type in ("urge", "reassign")}
    assert {"chief1", "chief2"} <= urgers
    # Transfers go both between stations and to the specialist sections.
    targets = {op.payload["to_unit_id"] for op in ops if op.op_type == "transfer"}
    assert {seeds.TRAFFIC_SECTION} <= targets
    assert targets & {seeds.STATION_1, seeds.STATION_2}
    ratings = Counter(c.rating for c in cases.values() if c.rating is not None)
    assert set(ratings) == {1, 2, 3, 4, 5}
    assert ratings[4] + ratings[5] > 0.7 * sum(ratings.values())
    offline = [op for op in ops if op.performed_at is not None]
    assert len(offline) >= 5
    assert any(op.at - op.performed_at > timedelta(hours=1) for op in offline)


def test_officer1_has_a_full_queue(events):
    cases = replay(events)
    officer1 = "o-officer1"
    mine = [c for c in cases.values() if c.assignee == officer1 and c.status in rules.OPEN_STATUSES]
    assert 20 <= len(mine) <= 40, len(mine)
    assert {c.status for c in mine} >= {"new", "accepted", "in_progress", "waiting_citizen"}
    in_stations = sum(c.units_seen[0] in (seeds.STATION_1, seeds.STATION_2) for c in cases.values())
    assert in_stations > 0.6 * len(cases)
    assert len(cases) - in_stations >= 30


def test_story_cases(events):
    cases = replay(events)
    assert STORY_REFS <= set(cases)

    fine = cases["story-traffic-fine"]
    assert (fine.request.kind, fine.request.category) == ("appeal", "交警")
    steps = [(op.username, op.op_type) for op in fine.ops]
    assert steps[:2] == [("officer1", "claim"), ("officer1", "accept")]
    assert ("officer1", "callback") in steps
    transfer = next(op for op in fine.ops if op.op_type == "transfer")
    assert transfer.payload["to_unit_id"] == seeds.TRAFFIC_SECTION
    after = steps[steps.index(("officer1", "transfer")) + 1:]
    assert [s for s in after if s[1] in ("claim", "note", "callback", "reply")] == [
        ("traffic1", "claim"), ("traffic1", "note"), ("traffic1", "callback"), ("traffic1", "reply")]
    reply = next(op for op in fine.ops if op.op_type == "reply")
    assert "诈骗" in reply.payload["body"] and "滞纳金" in reply.payload["body"]
    assert fine.messages and "谢谢" in fine.messages[0].request.body
    assert (fine.status, fine.rating) == ("closed", 5)
    assert not fine.request.citizen.id_number.startswith("14")  # from another province
    assert fine.request.citizen.id_number in fine.request.body

    taiwan = cases["story-taiwan-travel"]
    reply = next(op for op in taiwan.ops if op.op_type == "reply")
    assert reply.at - taiwan.received < timedelta(minutes=10)
    assert "台湾" in taiwan.request.title and "微博" in reply.payload["body"]
    assert (taiwan.unit, taiwan.status, taiwan.rating) == (seeds.EXIT_ENTRY_SECTION, "closed", 5)

    permit = cases["story-special-trade-permit"]
    assert "特种行业许可证" in permit.request.title
    kinds = [op.op_type for op in permit.ops]
    assert kinds.index("reply") < kinds.index("callback")
    assert (permit.status, permit.rating) == ("closed", 5)

    offline = cases["story-offline-on-time"]
    reply = next(op for op in offline.ops if op.op_type == "reply")
    due = build_calendar().due_at(offline.received, 2, "working_day")
    assert reply.performed_at < due < reply.at

    assert "<img src=x onerror=alert(1)>" in cases["story-markup-img"].request.body
    assert '<a href="http://x">点我</a>' in cases["story-markup-link"].request.body


def test_citizen_case_is_realistic_and_reproducible():
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    first = [seeds.citizen_case(random.Random(7), now) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(7)
    made = [seeds.citizen_case(rng, now) for _ in range(60)]
    assert len({m.title + m.body for m in made}) > 30
    for request in made:
        wire.IntakeRequest.model_validate(request.wire())
        assert request.received_at == now
        assert request.category in CATEGORIES and request.channel in CHANNELS
        assert seeds.id_number_valid(request.citizen.id_number)
    assert {m.unit_id for m in made} >= {seeds.STATION_1, seeds.STATION_2, None}


# ---------------------------------------------------------------- on the real server


@pytest.mark.slow
def test_demo_seed_applies_every_action_on_the_real_server(tmp_path, caplog, db_target):
    from tests.central.server_fixture import ManualClock, start_server

    with caplog.at_level(logging.WARNING, logger="central"):
        server = start_server(tmp_path, seed="demo", now=ManualClock(NOW), db_path=db_target)
    try:
        refused = [r.getMessage() for r in caplog.records if "demo seed" in r.getMessage()]
        assert refused == []

        def cases_of(username: str) -> list[dict]:
            http = requests.Session()
            http.headers.update({"User-Agent": "desk/0.1.0", "X-Device-Id": str(uuid.uuid4())})
            r = http.post(f"{server.api}/sessions", timeout=30, json={
                "username": username, "password": "demo-pass", "device_name": "seed test"})
            assert r.status_code == 201, (username, r.text)
            http.headers["Authorization"] = f"Bearer {r.json()['token']}"
            cases: dict[str, dict] = {}
            params: dict[str, object] = {"limit": 1000}
            while True:
                r = http.get(f"{server.api}/changes", params=params, timeout=30)
                assert r.status_code == 200, r.text
                body = r.json()
                for change in body["changes"]:
                    if change["op"] == "upsert":
                        cases[change["case"]["id"]] = change["case"]
                    else:
                        cases.pop(change["case_id"], None)
                params["cursor"] = body["next_cursor"]
                if not body["has_more"]:
                    return list(cases.values())

        calendar = build_calendar()
        mine = [c for c in cases_of("officer1")
                if c["assignee_id"] == "o-officer1" and c["status"] in rules.OPEN_STATUSES]
        assert 20 <= len(mine) <= 40

        station = cases_of("chief1")
        running = [(clock, c) for c in station if c["status"] in rules.OPEN_STATUSES
                   for clock in c["clocks"] if clock["stopped_at"] is None]
        due = [datetime.fromisoformat(clock["due_at"]) for clock, _ in running
               if not clock["paused"]]
        assert any(d < NOW for d in due), "no overdue case"
        assert any(timedelta(0) < calendar.working_between(NOW, d) <= timedelta(hours=4)
                   for d in due), "no case due within four working hours"
        assert any(clock["paused"] for clock, c in running if c["status"] == "waiting_citizen")
        assert any(c["rating"] for c in station)
        assert any(c["status"] == "new" and c["assignee_id"] is None for c in station)
        markup = [c for c in station if "<img src=x onerror=alert(1)>" in c["body"]]
        assert len(markup) == 1

        fine = [c for c in cases_of("traffic1") if c["title"].startswith("去年的违章罚款")]
        assert len(fine) == 1
        assert fine[0]["status"] == "closed" and fine[0]["rating"]["score"] == 5
        types = [e["type"] for e in fine[0]["entries"]]
        for expected in ("claim", "callback", "transfer", "note", "reply", "citizen_message",
                         "rating"):
            assert expected in types

        offline = [c for c in cases_of("officer3") if c["title"] == "居住证到期了怎么续签"
                   and any(e["type"] == "note" and "离线" in e["body"] for e in c["entries"])]
        assert len(offline) == 1
        reply_clock = next(k for k in offline[0]["clocks"] if k["clock"] == "reply")
        due_at = datetime.fromisoformat(reply_clock["due_at"])
        assert datetime.fromisoformat(reply_clock["stopped_at"]) > due_at
        reply = next(e for e in offline[0]["entries"] if e["type"] == "reply")
        assert datetime.fromisoformat(reply["performed_at"]) < due_at
    finally:
        server.stop()
