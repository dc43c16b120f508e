"""Working time and deadlines (desk.worktime) against hand-checked dates and an oracle."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.wire import CalendarData
from desk.worktime import DAY, Calendar

SH = ZoneInfo("Asia/Shanghai")
UTC = UTC


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def _span(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# The 2025 and 2026 schedules as the State Council published them (checked against the
# chinese-calendar package's data by tests/central/test_calendar_seed.py).
HOLIDAYS = {
    "New Year's Day": ["2025-01-01", *map(str, _span("2026-01-01", "2026-01-03"))],
    "Spring Festival": [*map(str, _span("2025-01-28", "2025-02-04")),
                        *map(str, _span("2026-02-15", "2026-02-23"))],
    "Qingming Festival": [*map(str, _span("2025-04-04", "2025-04-06")),
                          *map(str, _span("2026-04-04", "2026-04-06"))],
    "Labour Day": [*map(str, _span("2025-05-01", "2025-05-05")),
                   *map(str, _span("2026-05-01", "2026-05-05"))],
    "Dragon Boat Festival": [*map(str, _span("2025-05-31", "2025-06-02")),
                             *map(str, _span("2026-06-19", "2026-06-21"))],
    "National Day": [*map(str, _span("2025-10-01", "2025-10-05")), "2025-10-07", "2025-10-08",
                     *map(str, _span("2026-10-01", "2026-10-07"))],
    "Mid-Autumn Festival": ["2025-10-06", *map(str, _span("2026-09-25", "2026-09-27"))],
}
WORKDAYS = {
    "2025-01-26": "Spring Festival", "2025-02-08": "Spring Festival",
    "2025-04-27": "Labour Day", "2025-09-28": "National Day", "2025-10-11": "National Day",
    "2026-01-04": "New Year's Day", "2026-02-14": "Spring Festival",
    "2026-02-28": "Spring Festival", "2026-05-09": "Labour Day",
    "2026-09-20": "National Day", "2026-10-10": "National Day",
}


def real_calendar() -> Calendar:
    days: dict[date, str] = {}
    names: dict[date, str] = {}
    for name, dates in HOLIDAYS.items():
        for text in dates:
            days[date.fromisoformat(text)] = "holiday"
            names[date.fromisoformat(text)] = name
    for text, name in WORKDAYS.items():
        days[date.fromisoformat(text)] = "workday"
        names[date.fromisoformat(text)] = name
    return Calendar(zone="Asia/Shanghai", known_years=[2025, 2026], days=days, names=names)


CAL = real_calendar()


# ------------------------------------------------------------ hand-checked vectors


def test_national_day_2026_consultation_due_friday_9_october():
    due = CAL.due_at(sh(2026, 9, 30, 10), 2, "working_day")
    assert due == sh(2026, 10, 9, 10)
    assert due.tzinfo == UTC
    assert due.isoformat() == "2026-10-09T02:00:00+00:00"


def test_national_day_2026_explanation():
    steps = CAL.explain(sh(2026, 9, 30, 10), 2, "working_day")
    assert steps == [
        {"step": "start", "at": "2026-09-30T02:00:00Z", "limit": 2, "unit": "working_day"},
        {"step": "skip", "first": "2026-10-01", "last": "2026-10-07", "reason": "holiday",
         "name": "National Day"},
        {"step": "due", "at": "2026-10-09T02:00:00Z"},
    ]


def test_make_up_saturday_10_october_2026_counts():
    assert CAL.is_working_day(date(2026, 10, 10))
    assert not CAL.is_working_day(date(2026, 10, 11))
    assert CAL.is_working_day(date(2026, 10, 8))
    # Thursday 8 October 10:00: 14 h that day, Friday 24 h, Saturday (make-up) 10 h.
    due = CAL.due_at(sh(2026, 10, 8, 10), 2, "working_day")
    assert due == sh(2026, 10, 10, 10)
    steps = CAL.explain(sh(2026, 10, 8, 10), 2, "working_day")
    assert {"step": "workday", "date": "2026-10-10", "name": "National Day"} in steps
    assert not [s for s in steps if s["step"] == "skip"]
    # Received on the make-up Saturday itself, the Sunday is skipped.
    assert CAL.due_at(sh(2026, 10, 10, 10), 2, "working_day") == sh(2026, 10, 13, 10)
    assert CAL.explain(sh(2026, 10, 10, 10), 2, "working_day")[1:3] == [
        {"step": "workday", "date": "2026-10-10", "name": "National Day"}, {
        "step": "skip", "first": "2026-10-11", "last": "2026-10-11", "reason": "weekend",
        "name": None}]


def test_make_up_sunday_before_national_day_2026():
    # Saturday 19 September is off, Sunday 20 September is a working day.
    assert CAL.due_at(sh(2026, 9, 19, 9), 1, "working_day") == sh(2026, 9, 21, 0)


def test_spring_festival_2026():
    # Friday 13 February 15:00, 5 working days (a tip): 9 h on the 13th, the make-up
    # Saturday 14th, then nine days off (15th to 23rd), then 24th, 25th, 26th, and
    # 15 h into Friday 27th.
    start = sh(2026, 2, 13, 15)
    due = CAL.due_at(start, 5, "working_day")
    assert due == sh(2026, 2, 27, 15)
    steps = CAL.explain(start, 5, "working_day")
    assert steps[1:-1] == [
        {"step": "workday", "date": "2026-02-14", "name": "Spring Festival"},
        {"step": "skip", "first": "2026-02-15", "last": "2026-02-23", "reason": "holiday",
         "name": "Spring Festival"},
    ]
    assert CAL.working_between(sh(2026, 2, 15), sh(2026, 2, 24)) == timedelta(0)


def test_saturday_intake_is_due_at_end_of_second_working_day():
    # Saturday 17 October 2026: Monday and Tuesday count; due at Wednesday 00:00.
    due = CAL.due_at(sh(2026, 10, 17, 14, 30), 2, "working_day")
    assert due == sh(2026, 10, 21, 0, 0)
    # It is the earliest instant: one microsecond earlier W is short.
    before = due - timedelta(microseconds=1)
    assert CAL.working_between(sh(2026, 10, 17, 14, 30), before) < 2 * DAY
    assert CAL.working_between(sh(2026, 10, 17, 14, 30), due) == 2 * DAY
    steps = CAL.explain(sh(2026, 10, 17, 14, 30), 2, "working_day")
    assert steps[1] == {"step": "skip", "first": "2026-10-17", "last": "2026-10-18",
                        "reason": "weekend", "name": None}
    assert steps[-1] == {"step": "due", "at": "2026-10-20T16:00:00Z"}


def test_year_end_2025_into_2026():
    # Wednesday 31 December 2025 10:00, then 1-3 January 2026 off, Sunday 4th worked.
    assert CAL.due_at(sh(2025, 12, 31, 10), 1, "working_day") == sh(2026, 1, 4, 10)
    assert CAL.due_at(sh(2025, 12, 31, 0), 2, "working_day") == sh(2026, 1, 5, 0)


def test_year_end_2026_into_provisional_2027():
    cal = CAL
    assert cal.is_provisional(date(2027, 1, 1))
    assert not cal.is_provisional(date(2026, 12, 31))
    # 2027 is unknown: the weekday rule makes Friday 1 January a working day.
    assert cal.due_at(sh(2026, 12, 31, 10), 1, "working_day") == sh(2027, 1, 1, 10)
    assert cal.due_at(sh(2026, 12, 31, 10), 2, "working_day") == sh(2027, 1, 4, 10)
    steps = cal.explain(sh(2026, 12, 31, 10), 2, "working_day")
    assert {"step": "provisional", "year": 2027} in steps
    # Ending exactly at 00:00 of 1 January uses nothing of 2027.
    assert cal.provisional_years(sh(2026, 12, 31, 0), sh(2027, 1, 1, 0)) == []
    assert cal.provisional_years(sh(2026, 12, 31, 0), sh(2027, 1, 1, 0, 1)) == [2027]


def test_provisional_year_known_by_override_follows_it():
    days = {d: k for d, k in CAL.to_wire().days.items()}
    days[date(2027, 1, 1)] = "holiday"
    cal = Calendar(known_years=[2025, 2026, 2027], days=days)
    assert not cal.is_provisional(date(2027, 1, 1))
    assert cal.due_at(sh(2026, 12, 31, 10), 1, "working_day") == sh(2027, 1, 4, 10)
    assert not [s for s in cal.explain(sh(2026, 12, 31, 10), 2, "working_day")
                if s["step"] == "provisional"]


def test_calendar_days_and_other_zone_offsets():
    start_utc = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    start_ny = start_utc.astimezone(ZoneInfo("America/New_York"))
    assert CAL.due_at(start_utc, 2, "working_day") == CAL.due_at(start_ny, 2, "working_day")
    assert CAL.due_at(start_ny, 60, "calendar_day") == start_utc + timedelta(days=60)
    assert CAL.due_at(start_ny, 60, "calendar_day").tzinfo == UTC
    steps = CAL.explain(start_utc, 15, "calendar_day")
    assert [s["step"] for s in steps] == ["start", "due"]


def test_naive_datetimes_and_bad_units_are_refused():
    with pytest.raises(ValueError):
        CAL.working_time(datetime(2026, 1, 5, 10))
    with pytest.raises(ValueError):
        CAL.add_working(datetime(2026, 1, 5, 10), DAY)
    with pytest.raises(ValueError):
        CAL.due_at(sh(2026, 1, 5), 1, "fortnight")
    with pytest.raises(ValueError):
        Calendar(known_years=[2026], days={date(2026, 1, 1): "party"})


def test_wire_round_trip():
    data = CAL.to_wire()
    again = Calendar.from_wire(CalendarData.model_validate(data.wire()))
    assert again.to_wire() == data
    assert data.days[date(2026, 10, 10)] == "workday"
    assert data.names[date(2026, 10, 1)] == "National Day"
    for d in _span("2025-01-01", "2027-01-10"):
        assert again.is_working_day(d) == CAL.is_working_day(d)


def test_working_time_counts_the_day_and_is_exact_to_the_microsecond():
    t = sh(2026, 10, 9, 13, 45, 7, 123456)
    assert CAL.working_between(sh(2026, 10, 9), t) == timedelta(
        hours=13, minutes=45, seconds=7, microseconds=123456)
    assert CAL.working_between(t, sh(2026, 10, 9)) < timedelta(0)
    assert CAL.add_working(t, -timedelta(microseconds=1)) == t - timedelta(microseconds=1)
    # Back across National Day: one working hour before Thursday 8 October 01:00.
    assert CAL.add_working(sh(2026, 10, 8, 1), -timedelta(hours=2)) == sh(2026, 9, 30, 23)


def test_negative_amount_lands_on_earliest_instant():
    # Two working days back from Monday 12 October 2026 00:00: Saturday 10th (make-up)
    # and Friday 9th, so Friday 00:00.
    assert CAL.add_working(sh(2026, 10, 12), -2 * DAY) == sh(2026, 10, 9)


def test_many_years_are_as_fast_as_one():
    # A whole-number jump over decades lands on a weekday-rule working day.
    far = CAL.add_working(sh(2026, 10, 9, 10), DAY * 5000)
    assert CAL.working_between(sh(2026, 10, 9, 10), far) == DAY * 5000
    assert far.astimezone(SH).weekday() < 5


# ------------------------------------------------------------ properties

starts = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([SH, UTC, ZoneInfo("Europe/Berlin")]),
)
amounts = st.integers(min_value=0, max_value=40 * 86400 * 10**6).map(
    lambda us: timedelta(microseconds=us))


@settings(max_examples=200, deadline=None)
@given(a=starts, b=starts, n=st.integers(0, 30))
def test_due_is_monotonic_in_the_start(a, b, n):
    a, b = sorted((a, b))
    assert CAL.due_at(a, n, "working_day") <= CAL.due_at(b, n, "working_day")


@settings(max_examples=200, deadline=None)
@given(s=starts, n=st.integers(0, 20), m=st.integers(0, 20))
def test_n_then_m_working_days_is_n_plus_m(s, n, m):
    then = CAL.due_at(CAL.due_at(s, n, "working_day"), m, "working_day")
    assert then == CAL.due_at(s, n + m, "working_day")


@settings(max_examples=200, deadline=None)
@given(s=starts, amount=amounts)
def test_add_working_and_working_between_are_inverse(s, amount):
    t = CAL.add_working(s, amount)
    assert CAL.working_between(s, t) == amount
    # Earliest: just before it, W had not got there yet.
    if amount > timedelta(0):
        assert CAL.working_between(s, t - timedelta(microseconds=1)) < amount
    back = CAL.add_working(t, -amount)
    assert back <= s.astimezone(UTC)
    assert CAL.working_between(back, s) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(s=starts, n=st.integers(1, 10), offset=st.integers(0, 40), length=st.integers(0, 10))
def test_pause_over_days_off_only_changes_nothing(s, n, offset, length):
    due = CAL.due_at(s, n, "working_day")
    first = s.astimezone(SH).date() + timedelta(days=offset)
    days = [first + timedelta(days=i) for i in range(length)]
    if any(CAL.is_working_day(d) for d in days):
        return
    paused = datetime.combine(first, datetime.min.time(), SH)
    resumed = paused + timedelta(days=length)
    assert CAL.add_working(due, CAL.working_between(paused, resumed)) == due


# ------------------------------------------------------------ the minute-stepping oracle


def random_calendar(seed: int) -> Calendar:
    """A small calendar with random holidays and make-up days around 2025-2027."""
    rng = random.Random(seed)
    days: dict[date, str] = {}
    d = date(2024, 12, 1)
    while d < date(2028, 3, 1):
        roll = rng.random()
        if roll < 0.03:
            for i in range(rng.randint(1, 8)):
                days[d + timedelta(days=i)] = "holiday"
            d += timedelta(days=9)
            continue
        if roll < 0.06 and d.weekday() >= 5:
            days[d] = "workday"
        d += timedelta(days=1)
    return Calendar(zone="Asia/Shanghai", known_years=[2025, 2026], days=days)


def oracle_due(cal: Calendar, start: datetime, n: int) -> datetime:
    """Step minute by minute from a window's start, adding each working minute, and
    return the first minute at which W has grown by n days since the start."""
    local_start = start.astimezone(SH)
    origin = datetime.combine(local_start.date() - timedelta(days=30), datetime.min.time(), SH)
    minute = timedelta(minutes=1)
    w_at: dict[datetime, int] = {}
    t, w = origin, 0
    end = local_start + timedelta(days=60)
    while t <= end:
        w_at[t] = w
        if cal.is_working_day(t.date()):
            w += 1
        t += minute
    target = w_at[local_start] + n * 1440
    if target == 0:
        raise AssertionError("the window starts inside the days off before the start")
    for t, w in w_at.items():
        if w == target:
            return t.astimezone(UTC)
    raise AssertionError("the window is too short")


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), minute=st.integers(0, 3 * 365 * 1440), n=st.integers(0, 5))
def test_matches_minute_stepping_oracle(seed, minute, n):
    cal = random_calendar(seed)
    start = (datetime(2025, 1, 1, tzinfo=SH) + timedelta(minutes=minute)).astimezone(UTC)
    assert cal.due_at(start, n, "working_day") == oracle_due(cal, start, n)
