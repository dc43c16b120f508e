"""The read-outs take their state from desk.clocks, the rule the server and the queues use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desk import clocks
from desk.overlay import default_calendar
from desk.wire import Clock
from ui.clockfmt import DUE_SOON_STATE, OK, OVERDUE, ClockFormatter


def test_a_clock_past_due_on_a_day_off_reads_overdue_as_the_core_says(qapp):
    # Saturday 2026-12-05: no working time passes between 10:00 and 11:00, so the
    # working time left is zero; the clock is still past its due time.
    due = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    now = due + timedelta(hours=1)
    cal = default_calendar()
    assert clocks.clock_state(Clock(clock="reply", due_at=due), now, cal) == "overdue"
    formatter = ClockFormatter()
    row = {"next_due_at": "2026-12-05T02:00:00Z", "next_clock": "reply", "kind": "question"}
    assert formatter.row_clock(row, now)[1] == OVERDUE
    assert formatter.case_clock({"clock": "reply", "due_at": "2026-12-05T02:00:00Z"}, "question", now)[1] == OVERDUE


def test_due_soon_and_running_follow_the_core(qapp):
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Shanghai
    formatter = ClockFormatter()
    soon = {"next_due_at": "2026-12-02T04:00:00Z", "next_clock": "reply", "kind": "question"}
    later = {"next_due_at": "2026-12-04T04:00:00Z", "next_clock": "reply", "kind": "question"}
    assert formatter.row_clock(soon, now)[1] == DUE_SOON_STATE
    assert formatter.row_clock(later, now)[1] == OK
    assert clocks.running_state(datetime(2026, 12, 2, 4, tzinfo=UTC), now,
                                clocks.time_left(datetime(2026, 12, 2, 4, tzinfo=UTC), now, "working_day",
                                                 default_calendar())) == "due_soon"


def test_a_stopped_clock_reads_met_or_late_as_the_core_says(qapp):
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    formatter = ClockFormatter()
    met = {"clock": "reply", "due_at": "2026-12-01T02:00:00Z", "stopped_at": "2026-11-30T02:00:00Z"}
    late_offline = {"clock": "reply", "due_at": "2026-12-01T02:00:00Z", "stopped_at": "2026-12-01T05:00:00Z",
                    "stopped_performed_at": "2026-12-01T01:00:00Z"}
    assert formatter.case_clock(met, "question", now)[1] == OK
    assert formatter.case_clock(late_offline, "question", now)[1] == DUE_SOON_STATE
    assert formatter.case_clock({"clock": "reply", "due_at": "not a time"}, "question", now) == ("", "none")
