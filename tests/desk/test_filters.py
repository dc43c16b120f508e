"""The officer's filters over the queues (desk.filters, desk.store.queries' refine_sql):
each field, fields combined, due ranges around weekends and the 2026 National Day holiday
with the real calendar the reference server serves, search narrowed, the plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_store_factory import CHIEF, OFFICER, make_case, open_store, reference, upsert

from central.calendar_seed import build_calendar
from desk.actions import Actions
from desk.filters import QueueFilter, due_bounds, end_of_week, end_of_working_day
from desk.queues import queue_counts, queue_filter, queue_ids, search_ids
from desk.wire import Case

CAL = build_calendar()
SH = CAL.zone


def sh(*args: int) -> datetime:
    """A wall-clock time in Shanghai, as UTC."""
    return datetime(*args, tzinfo=SH).astimezone(UTC)


# Wednesday 30 September 2026, 10:00 in Shanghai: the last working day before the
# National Day holiday (1-7 October); Saturday 10 October is a make-up working day.
NOW = sh(2026, 9, 30, 10)


def case(n: int, *, kind="consultation", category="户政", channel="portal", status="in_progress",
         assignee_id: str | None = "o1", due_at: datetime | None = None, title="咨询户口迁移手续") -> Case:
    data = make_case(n, kind=kind, status=status, assignee_id=assignee_id, title=title,
                     due_at=due_at or NOW + timedelta(days=30)).model_dump(mode="json")
    data.update(category=category, channel=channel)
    return Case.model_validate(data)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    ref = reference().model_copy(update={"calendar": CAL.to_wire()})
    s.save_reference(ref, None)
    s.apply_changes([upsert(c) for c in [
        case(1, kind="consultation", category="户政", channel="portal", due_at=sh(2026, 9, 30, 8)),
        case(2, kind="tip", category="治安", channel="hotline", due_at=sh(2026, 9, 30, 18)),
        case(3, kind="application", category="出入境", channel="portal", status="accepted",
             due_at=sh(2026, 10, 2, 9)),
        case(4, kind="consultation", category="交警", channel="wechat", due_at=sh(2026, 10, 8, 12)),
        case(5, kind="appeal", category="户政", channel="hotline", status="new", assignee_id=None,
             due_at=sh(2026, 10, 9, 10)),
        case(6, kind="tip", category="治安", channel="portal", status="waiting_citizen"),
        case(7, kind="someday_kind", category="网警", channel=None, due_at=sh(2026, 9, 29, 12)),
    ]], "c1")
    yield s
    s.close()


def ids(store, refine: QueueFilter, name="station", actor=CHIEF, now=NOW) -> list[str]:
    return sorted(i.removeprefix("case-") for i in queue_ids(store, name, actor, now, refine=refine))


def test_each_field_narrows_the_queue(store):
    assert ids(store, QueueFilter()) == ["1", "2", "3", "4", "5", "6", "7"]
    assert ids(store, QueueFilter(kinds=("tip",))) == ["2", "6"]
    assert ids(store, QueueFilter(kinds=("someday_kind",))) == ["7"], "an unknown kind is a value like any"
    assert ids(store, QueueFilter(categories=("户政",))) == ["1", "5"]
    assert ids(store, QueueFilter(channels=("hotline",))) == ["2", "5"]
    assert ids(store, QueueFilter(statuses=("new", "accepted"))) == ["3", "5"]
    assert ids(store, QueueFilter(unsent=True)) == []


def test_or_within_a_field_and_across_fields(store):
    assert ids(store, QueueFilter(kinds=("tip", "appeal"))) == ["2", "5", "6"]
    assert ids(store, QueueFilter(kinds=("tip", "appeal"), channels=("hotline",))) == ["2", "5"]
    assert ids(store, QueueFilter(kinds=("tip", "appeal"), channels=("hotline",),
                                  categories=("治安",))) == ["2"]
    assert ids(store, QueueFilter(kinds=("tip",), statuses=("closed",))) == []


def test_filters_narrow_the_queue_they_are_on(store):
    # "mine" for officer o1 holds every case but the unclaimed 5.
    assert ids(store, QueueFilter(categories=("户政",)), "mine", OFFICER) == ["1"]
    assert ids(store, QueueFilter(categories=("户政",)), "unclaimed", OFFICER) == ["5"]


def test_unsent_work_follows_the_outbox(store):
    actions = Actions(store, OFFICER, now=lambda: NOW)
    actions.note("case-4", "已电话联系")
    assert ids(store, QueueFilter(unsent=True)) == ["4"]
    assert ids(store, QueueFilter(unsent=True, kinds=("tip",))) == []
    counts = queue_counts(store, CHIEF, NOW)
    assert counts["station"] == 7, "a plain queue is not narrowed"


def test_due_ranges_before_national_day(store):
    # Wednesday 10:00: overdue are 1 (08:00 today) and 7 (yesterday); today ends at
    # midnight, so 2 (18:00); the week ends Sunday 24:00, which holds 3 (Friday, a
    # holiday: a calendar-day clock may fall due on one) but not 4 (8 October).
    assert ids(store, QueueFilter(due=("overdue",))) == ["1", "7"]
    assert ids(store, QueueFilter(due=("today",))) == ["2"]
    assert ids(store, QueueFilter(due=("week",))) == ["2", "3"]
    assert ids(store, QueueFilter(due=("overdue", "today"))) == ["1", "2", "7"]
    assert ids(store, QueueFilter(due=("today",), kinds=("consultation",))) == []
    # A paused clock (waiting_citizen) falls due in no range.
    assert "6" not in ids(store, QueueFilter(due=("overdue", "today", "week")))


def test_due_today_on_a_holiday_is_the_next_working_day(store):
    # Thursday 1 October 10:00, a holiday: the officer's day is the next working day,
    # Thursday 8 October, so "today" runs to its end and holds 3 (2 October) and 4 (8
    # October 12:00) but not 5 (9 October). The calendar week ends Sunday 4 October,
    # shorter than that, so "this week" holds the same.
    now = sh(2026, 10, 1, 10)
    assert end_of_working_day(CAL, now) == sh(2026, 10, 9, 0)
    assert ids(store, QueueFilter(due=("today",)), now=now) == ["3", "4"]
    assert ids(store, QueueFilter(due=("week",)), now=now) == ["3", "4"]
    assert ids(store, QueueFilter(due=("overdue",)), now=now) == ["1", "2", "7"]


def test_due_ranges_on_weekends_use_the_calendar():
    # Saturday 10 October 2026 is a make-up working day: today is today.
    assert end_of_working_day(CAL, sh(2026, 10, 10, 9)) == sh(2026, 10, 11, 0)
    # Saturday 17 October is an ordinary day off: today is Monday the 19th.
    assert end_of_working_day(CAL, sh(2026, 10, 17, 9)) == sh(2026, 10, 20, 0)
    assert end_of_week(CAL, sh(2026, 10, 17, 9)) == sh(2026, 10, 19, 0)
    assert due_bounds("week", CAL, sh(2026, 10, 17, 9)) == (sh(2026, 10, 17, 9), sh(2026, 10, 20, 0))
    # Late on a Wednesday in Shanghai is Wednesday, whatever the UTC date says.
    late = sh(2026, 10, 14, 23, 30)
    assert late.day == 14 and end_of_working_day(CAL, late) == sh(2026, 10, 15, 0)
    with pytest.raises(ValueError):
        due_bounds("fortnight", CAL, late)


def test_search_is_narrowed_by_the_same_filters(store):
    assert len(search_ids(store, "户口迁移")) == 7
    found = search_ids(store, "户口迁移", QueueFilter(kinds=("tip",)), NOW)
    assert sorted(found) == ["case-2", "case-6"]
    assert sorted(search_ids(store, "户口迁移", QueueFilter(due=("today",)), NOW)) == ["case-2"]
    assert search_ids(store, "户口迁移", QueueFilter(statuses=("closed",)), NOW) == []


def test_values_are_bound_not_spliced(store):
    hostile = "x') OR 1=1 --"
    assert ids(store, QueueFilter(kinds=(hostile,))) == []
    assert ids(store, QueueFilter(categories=("户政",), channels=(hostile,))) == []


def test_filter_value_round_trips_and_reads_tolerantly():
    f = QueueFilter().with_value("kinds", "tip").with_value("kinds", "appeal") \
        .with_value("kinds", "tip").with_value("due", "today").with_value("unsent", "")
    assert f.kinds == ("tip", "appeal") and f.unsent and bool(f)
    assert QueueFilter.from_json(f.to_json()) == f
    assert f.chips() == [("kinds", "tip"), ("kinds", "appeal"), ("due", "today"), ("unsent", "")]
    assert f.without("kinds", "tip").kinds == ("appeal",)
    assert not f.without("unsent").unsent
    assert not QueueFilter()
    # A view saved by a newer Desk: unknown fields and ranges are left out.
    assert QueueFilter.from_json('{"kinds": ["tip", 3], "due": ["fortnight", "week"], "zones": ["x"]}') \
        == QueueFilter(kinds=("tip",), due=("week",))
    assert QueueFilter.from_json("not json") == QueueFilter() == QueueFilter.from_json("[1]")
    with pytest.raises(ValueError):
        QueueFilter().with_value("due", "fortnight")


@pytest.mark.parametrize("actor", [OFFICER, CHIEF], ids=["officer", "supervisor"])
@pytest.mark.parametrize("name", ["mine", "overdue", "station", "unclaimed", "closed"])
def test_a_filtered_queue_is_answered_from_a_covering_index(store, actor, name):
    refine = QueueFilter(kinds=("tip", "consultation"), categories=("治安",), channels=("portal",),
                         statuses=("in_progress",), due=("overdue", "week"), unsent=True)
    listing, count = store.queue_plans(queue_filter(store, name, actor, NOW, refine))
    for line in listing + count:
        if "local_cases" in line:
            assert "COVERING INDEX local_cases_" in line, (name, line)
