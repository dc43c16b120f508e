"""Supervisor figures from the local cache, checked against hand-computed expectations,
plus the demo seed over real HTTP and the server refusing an officer's supervisor op."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from test_store_factory import CHIEF, OFFICER, OFFICER2, key, reference, upsert

from desk import export, supervision
from desk.actions import ActionRefused, Actions
from desk.api import CentralClient
from desk.clocks import apply_op, start_clocks
from desk.store import CaseFilter, Store
from desk.wire import Case, Op
from desk.worktime import Calendar

UTC = UTC
HOLIDAY = date(2026, 3, 4)  # a Wednesday made a holiday for these tests
NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def case(n, *, assignee="o1", status="in_progress", kind="consultation", unit="s1",
         received="2026-03-02T01:00:00Z", clocks=(), rating=None, entries=(), name="欧阳建华",
         phone="13912345678"):
    return Case.model_validate({
        "id": f"case-{n}", "number": f"SX20260302{n:06d}", "kind": kind, "category": "户政",
        "channel": "portal", "title": f"咨询{n}", "body": "请问户口迁移需要哪些材料",
        "citizen": {"name": name, "phone": phone, "id_number": "140105199001011234"},
        "unit_id": unit, "assignee_id": assignee, "status": status, "version": 3,
        "received_at": received, "clocks": list(clocks), "rating": rating,
        "entries": list(entries),
    })


def clock(due, stopped=None, performed=None, name="reply", paused=False, paused_at=None,
          started=None):
    return {"clock": name, "due_at": due, "stopped_at": stopped,
            "stopped_performed_at": performed or stopped, "paused": paused,
            "paused_at": paused_at, "unit": "working_day", "limit": 2, "started_at": started}


def callback(at, satisfaction, author="o1"):
    return {"id": f"e-{uuid.uuid4()}", "type": "callback", "author_id": author,
            "body": "电话回访", "data": {"outcome": "reached", "satisfaction": satisfaction},
            "performed_at": at, "received_at": at}


def rating(score, at, comment=""):
    return {"score": score, "comment": comment, "rated_at": at}


def cases():
    return [
        # Due Thu 09:00 because Wednesday's holiday does not count; met at Thu 08:30.
        case(1, clocks=[clock("2026-03-05T01:00:00Z", "2026-03-05T00:30:00Z",
                              started="2026-03-02T01:00:00Z")], status="closed",
             rating=rating(5, "2026-03-06T02:00:00Z", "很满意"),
             entries=[callback("2026-03-05T03:00:00Z", "satisfied")]),
        # Answered offline before the due time, received after it.
        case(2, clocks=[clock("2026-03-10T01:00:00Z", "2026-03-10T05:00:00Z",
                              "2026-03-10T00:30:00Z")], status="closed"),
        # Late, and done late.
        case(3, assignee="o2", status="closed",
             clocks=[clock("2026-03-11T01:00:00Z", "2026-03-12T01:00:00Z")],
             rating=rating(1, "2026-03-13T02:00:00Z", "态度差，拖了很久"),
             entries=[callback("2026-03-12T03:00:00Z", "dissatisfied", "o2")]),
        # Open and past due.
        case(4, assignee="o2", received="2026-03-13T01:00:00Z",
             clocks=[clock("2026-03-18T01:00:00Z")]),
        # Waiting on the citizen: paused, neither met nor missed.
        case(5, assignee="o2", status="waiting_citizen", received="2026-03-12T01:00:00Z",
             clocks=[clock("2026-03-16T01:00:00Z", paused=True, paused_at="2026-03-13T01:00:00Z")]),
        # Met early, before a due time still ahead: counted by its stop.
        case(6, status="closed", received="2026-03-18T01:00:00Z",
             clocks=[clock("2026-03-25T01:00:00Z", "2026-03-19T01:00:00Z")],
             rating=rating(4, "2026-03-19T05:00:00Z")),
        # Open, due at noon today: due soon, not counted yet.
        case(7, received="2026-03-18T04:00:00Z", clocks=[clock("2026-03-20T04:00:00Z")]),
        # Long before the period.
        case(8, assignee="o2", status="closed", received="2026-01-05T01:00:00Z",
             clocks=[clock("2026-01-07T01:00:00Z", "2026-01-06T01:00:00Z")],
             rating=rating(2, "2026-01-08T01:00:00Z", "一般")),
        # Paused a working day on the citizen: due a day later, so a stop at Wed 15:00 is met.
        case(9, assignee="o2", status="closed", received="2026-03-09T01:00:00Z",
             clocks=[clock("2026-03-12T01:00:00Z", "2026-03-11T07:00:00Z")]),
        # Unclaimed application, accept clock overdue.
        case(10, assignee=None, status="new", kind="application", received="2026-03-16T01:00:00Z",
             clocks=[clock("2026-03-17T01:00:00Z", name="accept")]),
        # Another unit's case is none of this supervisor's business.
        case(11, unit="s2", assignee="o3", clocks=[clock("2026-03-18T01:00:00Z")]),
    ]


def calendar() -> Calendar:
    return Calendar(known_years=(2025, 2026, 2027), days={HOLIDAY: "holiday"})


def make_store(tmp_path, name="c.db") -> Store:
    store = Store.open(tmp_path / name, key())
    store.save_reference(reference(days={HOLIDAY: "holiday"}), '"r1"')
    store.apply_changes([upsert(c, i + 1) for i, c in enumerate(cases())], "cur")
    return store


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path)
    yield s
    s.close()


def test_the_hand_made_due_times_follow_the_shared_rules():
    cal = calendar()
    policy = reference().policy[1]
    # Case 1: Monday 09:00 + 2 working days, Wednesday a holiday -> Thursday 09:00.
    (c1,) = start_clocks(policy, t("2026-03-02T01:00:00Z"), cal)
    assert c1.due_at == t("2026-03-05T01:00:00Z")
    # Case 9: Monday 09:00, paused 10:00 Monday to 10:00 Tuesday -> Thursday 09:00.
    (c9,) = start_clocks(policy, t("2026-03-09T01:00:00Z"), cal)
    kw = dict(payload={}, cal=cal, policy=policy)
    (c9,) = apply_op([c9], op_type="set_status", status_before="in_progress",
                     status_after="waiting_citizen", at=t("2026-03-09T02:00:00Z"),
                     performed_at=t("2026-03-09T02:00:00Z"), **kw)
    (c9,) = apply_op([c9], op_type="set_status", status_before="waiting_citizen",
                     status_after="in_progress", at=t("2026-03-10T02:00:00Z"),
                     performed_at=t("2026-03-10T02:00:00Z"), **kw)
    assert c9.due_at == t("2026-03-12T01:00:00Z")


def test_compliance_matches_the_hand_count(store):
    report = supervision.compliance(store, "s1", NOW, 30)
    s = report.station
    # Counted: 1 met (holiday), 2 offline, 3 missed, 4 missed, 6 met, 9 met (pause), 10 missed.
    assert (s.total, s.met, s.met_offline_on_time, s.missed) == (7, 3, 1, 3)
    assert s.rate == pytest.approx(3 / 7)
    assert s.rate_with_offline == pytest.approx(4 / 7)
    by_case = {o.case_id: o.outcome for o in report.outcomes}
    assert by_case == {"case-1": "met", "case-2": "met_offline_on_time", "case-3": "missed",
                       "case-4": "missed", "case-6": "met", "case-9": "met", "case-10": "missed"}
    o1, o2, nobody = (report.by_officer[k] for k in ("o1", "o2", None))
    assert (o1.total, o1.met, o1.met_offline_on_time, o1.missed) == (3, 2, 1, 0)
    assert (o2.total, o2.met, o2.met_offline_on_time, o2.missed) == (3, 1, 0, 2)
    assert (nobody.total, nobody.missed) == (1, 1)
    assert (report.by_clock["reply"].total, report.by_clock["reply"].met) == (6, 3)
    assert (report.by_clock["accept"].total, report.by_clock["accept"].missed) == (1, 1)
    assert report.by_kind["application"].missed == 1
    weeks = {w: (x.total, x.met, x.met_offline_on_time, x.missed) for w, x in report.weekly}
    assert list(weeks) == [date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2),
                           date(2026, 3, 9), date(2026, 3, 16)]
    assert weeks[date(2026, 3, 2)] == (1, 1, 0, 0)
    assert weeks[date(2026, 3, 9)] == (3, 1, 1, 1)
    assert weeks[date(2026, 3, 16)] == (3, 1, 0, 2)
    # Seven days back only keeps the clocks due or stopped since Friday 13th.
    week = supervision.compliance(store, "s1", NOW, 7).station
    assert (week.total, week.met, week.missed) == (3, 1, 2)


def test_ratings_per_officer_low_ones_and_callbacks(store):
    report = supervision.ratings(store, "s1", NOW, 30)
    assert report.station.count == 3 and report.station.average == pytest.approx(10 / 3)
    assert report.station.distribution == {5: 1, 1: 1, 4: 1}
    assert report.by_officer["o1"].average == pytest.approx(4.5)
    assert report.by_officer["o2"].average == 1
    assert [(r.number, r.score, r.comment) for r in report.low] == [
        ("SX20260302000003", 1, "态度差，拖了很久")]
    assert report.station.satisfaction == {"satisfied": 1, "dissatisfied": 1}
    assert report.by_officer["o2"].satisfaction == {"dissatisfied": 1}
    # Ninety days reach January's rating of 2, a low one too.
    assert [r.score for r in supervision.ratings(store, "s1", NOW, 90).low] == [1, 2]


def test_at_risk_grouped_by_officer_and_workload(store):
    items = supervision.at_risk(store, CHIEF, NOW, 4)
    assert [(i.case_id, i.assignee_id, i.level) for i in items] == [
        ("case-10", None, "overdue"), ("case-7", "o1", "due_soon"), ("case-4", "o2", "overdue")]
    assert list(supervision.group_by_officer(items)) == [None, "o1", "o2"]
    assert supervision.overdue_per_officer(items) == {None: 1, "o2": 1}
    # Case 7 is due in two working hours: a one-hour horizon leaves it out.
    assert "case-7" not in [i.case_id for i in supervision.at_risk(store, CHIEF, NOW, 1)]
    load = {w.officer_id: w for w in supervision.workload(store, CHIEF, NOW, 4)}
    assert list(load) == [None, "o1", "o2", "c1"]
    assert (load[None].open, load[None].overdue, load[None].due_soon) == (1, 1, 0)
    assert (load["o1"].open, load["o1"].due_soon, load["o1"].overdue) == (1, 1, 0)
    assert load["o1"].oldest_number == "SX20260302000007"
    assert (load["o2"].open, load["o2"].due_soon, load["o2"].overdue) == (2, 0, 1)
    assert load["o2"].oldest_case_id == "case-5"  # waiting since the 12th, the oldest open
    assert (load["c1"].open, load["c1"].oldest_case_id) == (0, None)


def test_explanation_names_the_holiday(store):
    steps = supervision.explain(store, "case-1", "reply")
    assert steps[0]["step"] == "start"
    assert {"step": "skip", "first": "2026-03-04", "last": "2026-03-04", "reason": "holiday",
            "name": None} in steps
    assert steps[-1] == {"step": "due", "at": "2026-03-05T01:00:00Z"}
    assert any(s["step"] == "stopped" for s in steps)


def test_my_commitments(store):
    mine = supervision.my_commitments(store, OFFICER, NOW)
    assert (mine.due_today, mine.due_tomorrow, mine.overdue) == (1, 0, 0)
    assert (mine.rating_count, mine.rating_average) == (2, pytest.approx(4.5))
    theirs = supervision.my_commitments(store, OFFICER2, NOW)
    assert (theirs.due_today, theirs.overdue, theirs.rating_count) == (0, 1, 2)
    assert theirs.rating_average == pytest.approx(1.5)
    # Thursday evening, case 7 (Friday noon) is due tomorrow.
    evening = supervision.my_commitments(store, OFFICER, t("2026-03-19T12:00:00Z"))
    assert (evening.due_today, evening.due_tomorrow) == (0, 1)


def test_each_warning_is_raised_once(tmp_path):
    officer_store, chief_store = make_store(tmp_path, "o1.db"), make_store(tmp_path, "c1.db")
    try:
        first = supervision.pending_warnings(officer_store, OFFICER, NOW, 4)
        assert [(w.case_id, w.clock, w.level) for w in first] == [("case-7", "reply", "due_soon")]
        assert supervision.pending_warnings(officer_store, OFFICER, NOW, 4) == []
        later = NOW + timedelta(hours=1)
        assert supervision.pending_warnings(officer_store, OFFICER, later, 4) == []
        overdue_at = t("2026-03-20T04:30:00Z")
        second = supervision.pending_warnings(officer_store, OFFICER, overdue_at, 4)
        assert [(w.case_id, w.level) for w in second] == [("case-7", "overdue")]
        assert supervision.pending_warnings(officer_store, OFFICER, overdue_at, 4) == []

        chief = supervision.pending_warnings(chief_store, CHIEF, NOW, 4)
        # The chief hears of the overdue ones (his own unit's), not of another's due soon.
        assert sorted((w.case_id, w.level) for w in chief) == [("case-10", "overdue"),
                                                                ("case-4", "overdue")]
        assert supervision.pending_warnings(chief_store, CHIEF, NOW, 4) == []
        assert [(w.case_id, w.level) for w in
                supervision.pending_warnings(chief_store, CHIEF, overdue_at, 4)] == [("case-7", "overdue")]
    finally:
        officer_store.close()
        chief_store.close()


def test_dashboard_rejects_an_unknown_period(store):
    with pytest.raises(ValueError):
        supervision.dashboard(store, CHIEF, NOW, days=14)
    board = supervision.dashboard(store, CHIEF, NOW, days=7)
    assert board.compliance.days == 7 and len(board.at_risk) == 3


def test_csv_export_has_a_bom_a_heading_and_masks_by_default(store, tmp_path):
    items = supervision.at_risk(store, CHIEF, NOW, 4)
    info = export.ExportInfo(station="城关派出所", period="2026-02-18 — 2026-03-20",
                             exported_at="2026-03-20 10:00")
    path = export.export_overdue_csv(tmp_path / "overdue.csv", items, info)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Station", "城关派出所"] and rows[1][1] == info.period
    assert rows[2] == ["Exported at", "2026-03-20 10:00"]
    header = rows[5]
    assert header[0] == "Case number" and len(rows) == 6 + len(items)
    table = [dict(zip(header, r, strict=False)) for r in rows[6:]]
    assert table[0]["Case number"] == "SX20260302000010"
    assert table[0]["Citizen"] == "欧***" and table[0]["Phone"] == "139****5678"
    assert "欧阳建华" not in path.read_text(encoding="utf-8-sig")

    report = supervision.compliance(store, "s1", NOW, 30)
    cpath = export.export_compliance_csv(tmp_path / "compliance.csv", report, info)
    crow = list(csv.reader(cpath.read_text(encoding="utf-8-sig").splitlines()))
    assert crow[6] == ["Station", "", "7", "3", "1", "3", "42.9%"]


def test_unmasked_export_records_a_reveal_per_case_and_field(store, tmp_path):
    actions = Actions(store, CHIEF, now=lambda: NOW)
    items = supervision.at_risk(store, CHIEF, NOW, 4)
    assert export.record_reveals(actions.reveal, [i.case_id for i in items]) == 6
    reveals = sorted((o.case_id, o.payload["field"]) for o in store.outbox() if o.type == "reveal")
    assert reveals == sorted((i.case_id, f) for i in items for f in ("name", "phone"))
    info = export.ExportInfo(station="城关派出所", period="p", exported_at="x", reveal=True)
    path = export.export_overdue_csv(tmp_path / "o.csv", items, info)
    assert "欧阳建华" in path.read_text(encoding="utf-8-sig")


def test_officer_cannot_queue_supervisor_actions(store):
    actions = Actions(store, OFFICER, now=lambda: NOW)
    for attempt in (lambda: actions.urge("case-4", "请尽快办理"),
                    lambda: actions.reassign("case-4", "o1", "改派")):
        with pytest.raises(ActionRefused) as refused:
            attempt()
        assert refused.value.code == "forbidden"


# ---------------------------------------------------------------- the demo seed, real HTTP


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from tests.central.server_fixture import start_server
    running = start_server(tmp_path_factory.mktemp("server"), seed="demo")
    yield running
    running.stop()


def _client(server, username):
    client = CentralClient(server.url, device_id=str(uuid.uuid4()))
    login = client.login(username, "demo-pass")
    client.token = login.token
    return client, login


def _pull(client, store):
    ref, etag = client.reference()
    store.save_reference(ref, etag)
    cursor = None
    while True:
        page = client.changes(cursor)
        store.apply_changes(page.changes, page.next_cursor)
        cursor = page.next_cursor
        if not page.has_more:
            return page.server_time


@pytest.mark.slow
def test_demo_seed_compliance_agrees_with_a_plain_count(demo_server, tmp_path):
    from desk.rules import Actor
    client, login = _client(demo_server, "chief2")
    store = Store.open(tmp_path / "chief2.db", key())
    try:
        now = _pull(client, store)
        actor = Actor(id=login.officer.id, unit_id=login.officer.unit_id,
                      roles=tuple(login.officer.roles))
        report = supervision.compliance(store, actor.unit_id, now, 30)
        # The same figures counted straight from the snapshots, without desk.clocks.
        expected = {"met": 0, "met_offline_on_time": 0, "missed": 0}
        offline_cases = set()
        since = now - timedelta(days=30)
        for raw in (store.case(i) for i in sorted(store.queue_id_set(CaseFilter(unit_id=actor.unit_id)))):
            for c in raw["clocks"]:
                due, stopped = t(c["due_at"]), c["stopped_at"] and t(c["stopped_at"])
                if not (since <= due <= now or (stopped and since <= stopped <= now)):
                    continue
                if stopped:
                    performed = t(c["stopped_performed_at"] or c["stopped_at"])
                    key_ = ("met" if stopped <= due else
                            "met_offline_on_time" if performed <= due else "missed")
                elif c["paused"] or due >= now:
                    continue
                else:
                    key_ = "missed"
                expected[key_] += 1
                if key_ == "met_offline_on_time":
                    offline_cases.add(raw["id"])
        s = report.station
        assert (s.met, s.met_offline_on_time, s.missed) == (
            expected["met"], expected["met_offline_on_time"], expected["missed"])
        assert s.met_offline_on_time >= 1 and s.missed >= 1 and s.met >= 1
        assert offline_cases == {o.case_id for o in report.outcomes
                                 if o.outcome == "met_offline_on_time"}
        assert supervision.ratings(store, actor.unit_id, now, 90).station.count >= 1
    finally:
        store.close()
        client.close()


def test_server_refuses_an_officers_urge_and_reassign(demo_server, tmp_path):
    chief, chief_login = _client(demo_server, "chief1")
    officer, officer_login = _client(demo_server, "officer1")
    try:
        page = chief.changes(None)
        target = next(c.case for c in page.changes if c.op == "upsert"
                      and c.case.status in ("new", "accepted", "in_progress"))
        ops = [Op(op_id=str(uuid.uuid4()), seq=i + 1, case_id=target.id, type=kind,
                  base_version=target.version, performed_at=datetime.now(UTC), payload=payload)
               for i, (kind, payload) in enumerate([
                   ("urge", {"body": "请尽快办理"}),
                   ("reassign", {"to_officer_id": officer_login.officer.id, "reason": "改派"})])]
        for one in ops:
            (result,) = officer.push([one]).results
            assert result.outcome == "rejected", result
            assert result.error.code == "forbidden"
        # The chief may: the same urge from the supervisor is applied.
        urge = Op(op_id=str(uuid.uuid4()), seq=1, case_id=target.id, type="urge",
                  base_version=target.version, performed_at=datetime.now(UTC),
                  payload={"body": "请尽快办理"})
        assert chief.push([urge]).results[0].outcome == "applied"
    finally:
        chief.close()
        officer.close()
