from datetime import UTC, date, datetime

import pytest
from test_store_factory import CHIEF, OFFICER, OFFICER2, make_case, open_store, reference, upsert

from desk.actions import Actions
from desk.queues import QUEUES, query_plans, queue_counts, queue_id_set, queue_ids, search_ids

UTC = UTC
# Friday 22:00 in Shanghai, before a weekend and a Monday holiday: four working hours
# from now end on Tuesday 02:00 Shanghai time (Monday 18:00 UTC).
NOW = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
CALENDAR_DAYS = {date(2026, 3, 9): "holiday"}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def closed_case(n, stopped: str):
    return make_case(n, status="closed", assignee_id="o1", clocks=[
        {"clock": "reply", "due_at": "2026-01-01T00:00:00Z", "stopped_at": stopped}],
        entries=[{"id": f"s{n}", "type": "status", "data": {"to": "closed"},
                  "performed_at": stopped, "received_at": stopped}])


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(days=CALENDAR_DAYS), None)
    s.apply_changes([
        upsert(make_case(1, status="in_progress", assignee_id="o1", due_at=t("2026-03-09T12:00"))),
        upsert(make_case(2, status="accepted", assignee_id="o1", due_at=t("2026-03-10T03:00"))),
        upsert(make_case(3, status="in_progress", assignee_id="o1", due_at=t("2026-03-06T10:00"))),
        upsert(make_case(4, status="new", due_at=t("2026-03-08T00:00"))),
        upsert(make_case(5, status="waiting_citizen", assignee_id="o1", clocks=[
            {"clock": "reply", "due_at": "2026-03-05T00:00:00Z", "paused": True,
             "paused_at": "2026-03-04T00:00:00Z"}])),
        upsert(closed_case(6, "2026-03-01T00:00:00Z")),
        upsert(closed_case(7, "2026-01-01T00:00:00Z")),
        upsert(make_case(8, status="in_progress", assignee_id="o2", due_at=t("2026-03-05T00:00"))),
        upsert(make_case(9, status="new", unit_id="s2", due_at=t("2026-03-06T15:00"))),
        upsert(make_case(10, status="waiting_citizen", assignee_id="o2", clocks=[])),
    ], "c1")
    yield s
    s.close()


def ids(store, name, actor=OFFICER, **kw):
    return [i.removeprefix("case-") for i in queue_ids(store, name, actor, NOW, **kw)]


def test_officer_queues(store):
    assert ids(store, "mine") == ["3", "1", "2", "5"]        # nearest due first, no clock last
    assert ids(store, "mine", descending=True) == ["2", "1", "3", "5"]
    assert ids(store, "mine", sort="number") == ["1", "2", "3", "5"]
    assert ids(store, "overdue") == ["3"]                      # a colleague's is not in scope
    # Due on the holiday Monday: within four working hours; due Tuesday 11:00 is not.
    assert ids(store, "due-soon") == ["4", "1"]
    assert ids(store, "unclaimed") == ["4"]
    assert ids(store, "waiting") == ["5"]
    assert ids(store, "closed") == ["6"]                       # closed in the last 30 days
    assert ids(store, "station") == ["8", "3", "4", "1", "2", "5", "10"]


def test_supervisor_queues(store):
    assert ids(store, "overdue", CHIEF) == ["8", "3"]
    assert ids(store, "waiting", CHIEF) == ["5", "10"]
    assert "9" not in ids(store, "station", CHIEF)


def test_due_soon_uses_working_time(tmp_path):
    # The same cases with no holiday: Monday is a working day, so four working hours
    # from Friday 22:00 end on Monday 02:00 Shanghai (Sunday 18:00 UTC), before case 1.
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([upsert(make_case(1, status="in_progress", assignee_id="o1",
                                      due_at=t("2026-03-09T12:00"))),
                     upsert(make_case(4, status="new", due_at=t("2026-03-08T00:00")))], "c")
    assert [i.removeprefix("case-") for i in queue_ids(s, "due-soon", OFFICER, NOW)] == ["4"]
    s.close()


def test_counts_match_the_queues_and_follow_local_work(store):
    counts = queue_counts(store, OFFICER, NOW)
    assert set(counts) == set(QUEUES)
    for name in QUEUES:
        assert counts[name] == len(queue_ids(store, name, OFFICER, NOW))
    actions = Actions(store, OFFICER, now=lambda: NOW)
    actions.claim("case-4")
    actions.set_status("case-3", "waiting_citizen", "请补充身份证复印件")
    after = queue_counts(store, OFFICER, NOW)
    assert after["unclaimed"] == 0 and after["mine"] == 5
    assert after["overdue"] == 0 and after["waiting"] == 2   # a paused clock is not overdue


def test_unknown_queue_or_sort(store):
    with pytest.raises(ValueError):
        queue_ids(store, "everything", OFFICER, NOW)
    with pytest.raises(ValueError):
        queue_ids(store, "mine", OFFICER, NOW, sort="1; DROP TABLE outbox")


def test_search_ids(store):
    assert len(search_ids(store, "户口迁移")) == 10
    assert search_ids(store, "nothing-like-this") == []


@pytest.mark.parametrize("sort", ["due", "received", "number"])
@pytest.mark.parametrize("actor", [OFFICER, CHIEF], ids=["officer", "supervisor"])
def test_every_queue_is_answered_from_a_covering_index(store, actor, sort):
    # A queue that reads local_cases rows (each with its JSON) costs seconds at 100,000
    # cases; from a covering index, milliseconds. In the orders the queue opens in and
    # the officer sorts by most.
    plans = query_plans(store, actor, NOW, sort)
    assert set(plans) == set(QUEUES) | {f"{name}:count" for name in QUEUES}
    for name, plan in plans.items():
        reads = [line for line in plan if "local_cases" in line]
        assert reads, (name, plan)
        for line in reads:
            assert line.startswith("SEARCH local_cases USING COVERING INDEX local_cases_"), (name, plan)


@pytest.mark.parametrize("actor", [OFFICER, OFFICER2, CHIEF], ids=["officer", "colleague", "supervisor"])
def test_id_sets_and_counts_agree_with_the_listed_queues(store, actor):
    counts = queue_counts(store, actor, NOW)
    for name in QUEUES:
        listed = queue_ids(store, name, actor, NOW)
        assert len(listed) == len(set(listed)) == counts[name], name
        assert queue_id_set(store, name, actor, NOW) == set(listed), name
