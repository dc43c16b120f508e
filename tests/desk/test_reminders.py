"""Callback reminders without Qt: the default time by the real calendar, per officer,
due and snoozed, the 待回访 queue, and a case that left the scope."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_store_factory import CHIEF, OFFICER, OFFICER2, key, make_case, open_store, reference, remove, upsert

from central.calendar_seed import build_calendar
from desk.queues import queue_counts, queue_ids
from desk.reminders import Reminders, next_working_hour
from desk.store import Store

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(("now", "expected"), [
    # An ordinary working afternoon: the next whole hour.
    (sh(2026, 10, 13, 14, 20), sh(2026, 10, 13, 15, 0)),
    # Before the office opens: the same morning at nine.
    (sh(2026, 10, 12, 7, 10), sh(2026, 10, 12, 9, 0)),
    # Friday after four: the Monday.
    (sh(2026, 10, 16, 16, 20), sh(2026, 10, 19, 9, 0)),
    # The eve of National Day: the holiday runs 1 to 7 October.
    (sh(2026, 9, 30, 17, 30), sh(2026, 10, 8, 9, 0)),
    # Saturday 10 October is an adjusted working day (调休上班).
    (sh(2026, 10, 9, 18, 0), sh(2026, 10, 10, 9, 0)),
    # Mid-Autumn Festival on the Friday, then the weekend.
    (sh(2026, 9, 24, 16, 59), sh(2026, 9, 28, 9, 0)),
])
def test_default_is_the_next_working_hour_by_the_real_calendar(now, expected):
    due = next_working_hour(build_calendar(), now.astimezone(UTC))
    assert due == expected
    assert due.tzinfo is UTC


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([upsert(make_case(1, status="in_progress", assignee_id="o1")),
                     upsert(make_case(2, status="in_progress", assignee_id="o1")),
                     upsert(make_case(3, status="new"))], "c1")
    yield s
    s.close()


NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def test_reminders_are_per_officer_and_listed_when_due(store):
    mine, colleague = Reminders(store, "o1"), Reminders(store, "o2")
    mine.set("case-1", NOW + timedelta(hours=1))
    mine.set("case-3", NOW + timedelta(hours=3))
    colleague.set("case-3", NOW + timedelta(minutes=30))
    assert mine.due(NOW) == [] and queue_ids(store, "callbacks", OFFICER, NOW) == []
    later = NOW + timedelta(hours=1)
    assert [r.number for r in mine.due(later)] == ["SX20260302000001"]
    assert queue_ids(store, "callbacks", OFFICER, later) == ["case-1"]
    assert queue_counts(store, OFFICER, later)["callbacks"] == 1
    # The colleague's reminder on the unclaimed case is theirs alone.
    assert queue_ids(store, "callbacks", OFFICER2, later) == ["case-3"]
    assert queue_ids(store, "callbacks", CHIEF, later) == []
    # Shown once: the next look finds nothing new, the queue still lists it.
    assert [r.case_id for r in mine.take_new(later)] == ["case-1"]
    assert mine.take_new(later) == []
    assert queue_ids(store, "callbacks", OFFICER, later) == ["case-1"]


def test_done_dismiss_and_snooze(store):
    mine = Reminders(store, "o1")
    mine.set("case-1", NOW)
    mine.set("case-2", NOW)
    assert len(mine.take_new(NOW)) == 2
    mine.snooze("case-1", NOW)
    assert [r.case_id for r in mine.due(NOW)] == ["case-2"]
    mine.done("case-2")
    assert mine.due(NOW) == [] and mine.get("case-2") is None
    hour = NOW + timedelta(hours=1)
    again = mine.take_new(hour)
    assert [r.case_id for r in again] == ["case-1"], "a snoozed reminder is shown again"
    mine.dismiss("case-1")
    assert mine.due(hour + timedelta(days=1)) == []
    assert queue_ids(store, "callbacks", OFFICER, hour) == []


def test_a_reminder_of_a_case_that_left_the_scope_says_so(store):
    mine = Reminders(store, "o1")
    mine.set("case-2", NOW)
    store.apply_changes([remove("case-2", seq=2, reason="transferred")], "c2")
    due = mine.due(NOW)
    assert [(r.number, r.in_scope) for r in due] == [("SX20260302000002", False)]
    assert queue_ids(store, "callbacks", OFFICER, NOW) == []
    mine.dismiss("case-2")
    assert mine.due(NOW) == []


def test_reminders_outlive_a_reopened_cache(tmp_path):
    k = key()
    s = Store.open(tmp_path / "c.db", k)
    s.save_reference(reference(), None)
    s.apply_changes([upsert(make_case(1, status="in_progress", assignee_id="o1"))], "c1")
    Reminders(s, "o1").set("case-1", NOW)
    s.close()
    again = Store.open(tmp_path / "c.db", k)
    try:
        assert [r.case_id for r in Reminders(again, "o1").due(NOW)] == ["case-1"]
        assert Reminders(again, "o2").due(NOW) == []
    finally:
        again.close()


def test_a_time_without_a_zone_is_refused(store):
    with pytest.raises(ValueError):
        Reminders(store, "o1").set("case-1", datetime(2026, 3, 4, 9, 0))
