"""The SLA clock lifecycle (desk.clocks) on the real 2026 schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.clocks import (
    apply_op,
    clock_state,
    explain_clock,
    nearest_open,
    remaining,
    resume_for_citizen_message,
    start_clocks,
)
from desk.wire import Clock, Policy, PolicyClock
from desk.worktime import DAY, Calendar

SH = ZoneInfo("Asia/Shanghai")
UTC = UTC


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def _days(first: date, last: date, kind: str) -> dict[date, str]:
    return {date.fromordinal(o): kind for o in range(first.toordinal(), last.toordinal() + 1)}


CAL = Calendar(
    known_years=[2026],
    days={**_days(date(2026, 10, 1), date(2026, 10, 7), "holiday"),
          date(2026, 9, 20): "workday", date(2026, 10, 10): "workday"},
    names={date(2026, 10, 1): "National Day", date(2026, 10, 10): "National Day"},
)
CONSULTATION = Policy(kind="consultation", name="Consultation",
                      clocks=[PolicyClock(clock="reply", limit=2, unit="working_day")])
APPLICATION = Policy(kind="application", name="Application",
                     clocks=[PolicyClock(clock="accept", limit=1, unit="working_day")])
PETITION = Policy(kind="petition", name="Petition", clocks=[
    PolicyClock(clock="accept", limit=15, unit="calendar_day"),
    PolicyClock(clock="close", limit=60, unit="calendar_day"),
])
EVERYTHING = Policy(kind="appeal", name="All three", clocks=[
    PolicyClock(clock="accept", limit=1, unit="working_day"),
    PolicyClock(clock="reply", limit=2, unit="working_day"),
    PolicyClock(clock="close", limit=10, unit="working_day"),
])


def op(clocks, op_type, at, *, before="in_progress", after=None, payload=None,
       performed_at=None):
    return apply_op(
        clocks, op_type=op_type, payload=payload or {}, status_before=before,
        status_after=after or before, at=at, performed_at=performed_at or at, cal=CAL,
    )


def by_name(clocks, name) -> Clock:
    return next(c for c in clocks if c.clock == name)


# ------------------------------------------------------------ start


def test_start_follows_the_policy():
    [reply] = start_clocks(CONSULTATION, sh(2026, 9, 30, 10), CAL)
    assert reply.clock == "reply"
    assert reply.due_at == sh(2026, 10, 9, 10)
    assert reply.due_at.tzinfo == UTC
    assert (reply.limit, reply.unit, reply.started_at) == (2, "working_day", sh(2026, 9, 30, 10))
    assert not reply.paused and reply.stopped_at is None and not reply.provisional
    accept, close = start_clocks(PETITION, sh(2026, 9, 30, 10), CAL)
    assert accept.due_at == sh(2026, 10, 15, 10)
    assert close.due_at == sh(2026, 11, 29, 10)
    assert start_clocks(None, sh(2026, 9, 30, 10), CAL) == []


def test_start_into_an_unknown_year_is_provisional():
    [reply] = start_clocks(CONSULTATION, sh(2026, 12, 31, 10), CAL)
    assert reply.provisional
    [reply] = start_clocks(CONSULTATION, sh(2026, 12, 28, 10), CAL)
    assert not reply.provisional
    # Calendar days do not depend on the schedule.
    assert not any(c.provisional for c in start_clocks(PETITION, sh(2026, 12, 31, 10), CAL))


# ------------------------------------------------------------ stops


def test_accept_and_decline_stop_the_accept_clock_only():
    clocks = start_clocks(EVERYTHING, sh(2026, 10, 12, 9), CAL)
    at = sh(2026, 10, 12, 11)
    accepted = op(clocks, "accept", at, before="new", after="accepted",
                  performed_at=sh(2026, 10, 12, 10, 30))
    assert by_name(accepted, "accept").stopped_at == at
    assert by_name(accepted, "accept").stopped_performed_at == sh(2026, 10, 12, 10, 30)
    assert by_name(accepted, "reply").stopped_at is None
    assert by_name(accepted, "close").stopped_at is None
    declined = op(clocks, "decline", at, before="new", after="declined",
                  payload={"reason": "not ours"})
    assert by_name(declined, "accept").stopped_at == at
    # The input is left alone.
    assert all(c.stopped_at is None for c in clocks)


def test_only_the_first_stop_counts():
    clocks = start_clocks(CONSULTATION, sh(2026, 10, 12, 9), CAL)
    first = op(clocks, "reply", sh(2026, 10, 12, 10), payload={"body": "x"})
    second = op(first, "reply", sh(2026, 10, 20, 10), payload={"body": "y"})
    assert second[0].stopped_at == sh(2026, 10, 12, 10)


@pytest.mark.parametrize("outcome, stops", [
    ("reached", True), ("no_answer", False), ("busy", False), ("wrong_number", False),
    ("refused", False),
])
def test_callback_stops_the_reply_clock_only_when_reached(outcome, stops):
    clocks = start_clocks(CONSULTATION, sh(2026, 10, 12, 9), CAL)
    after = op(clocks, "callback", sh(2026, 10, 12, 15), payload={"outcome": outcome, "body": "x"})
    assert (after[0].stopped_at is not None) is stops


@pytest.mark.parametrize("op_type", ["note", "urge", "reveal", "claim", "reassign", "transfer"])
def test_other_ops_stop_nothing(op_type):
    clocks = start_clocks(EVERYTHING, sh(2026, 10, 12, 9), CAL)
    after = op(clocks, op_type, sh(2026, 10, 13, 9), before="accepted",
               after="new" if op_type == "transfer" else "accepted")
    assert after == clocks


def test_close_stops_the_close_clock_and_reopen_restarts_nothing():
    clocks = start_clocks(EVERYTHING, sh(2026, 10, 12, 9), CAL)
    closed = op(clocks, "set_status", sh(2026, 10, 14, 9), before="in_progress",
                after="closed", payload={"to": "closed"})
    assert by_name(closed, "close").stopped_at == sh(2026, 10, 14, 9)
    assert by_name(closed, "reply").stopped_at is None
    reopened = op(closed, "set_status", sh(2026, 10, 15, 9), before="closed",
                  after="in_progress", payload={"to": "in_progress"})
    assert reopened == closed
    closed_again = op(reopened, "set_status", sh(2026, 10, 16, 9), before="in_progress",
                      after="closed", payload={"to": "closed"})
    assert by_name(closed_again, "close").stopped_at == sh(2026, 10, 14, 9)


# ------------------------------------------------------------ pause and resume


def test_waiting_citizen_pauses_and_resuming_moves_due_by_working_time():
    [reply] = start_clocks(CONSULTATION, sh(2026, 9, 29, 10), CAL)
    assert reply.due_at == sh(2026, 10, 8, 10)
    # Paused Wednesday 30 September 16:00 with 18 working hours left (8 h of the 30th,
    # 10 h of 8 October); resumed Friday 9 October 10:00, so the pause took 42 working
    # hours (8 h, all of the 8th, 10 h of the 9th).
    paused = op([reply], "set_status", sh(2026, 9, 30, 16), before="in_progress",
                after="waiting_citizen", payload={"to": "waiting_citizen"})
    assert paused[0].paused and paused[0].paused_at == sh(2026, 9, 30, 16)
    assert paused[0].due_at == reply.due_at
    assert clock_state(paused[0], sh(2026, 10, 20), CAL) == "paused"
    assert remaining(paused[0], sh(2026, 10, 20), CAL) == timedelta(hours=18)
    resumed = op(paused, "set_status", sh(2026, 10, 9, 10), before="waiting_citizen",
                 after="in_progress", payload={"to": "in_progress"})
    assert not resumed[0].paused and resumed[0].paused_at is None
    # The 18 h left run from 9 October 10:00: 14 h that day and 4 h of the make-up
    # Saturday 10 October.
    assert resumed[0].due_at == sh(2026, 10, 10, 4)
    assert CAL.working_between(reply.due_at, resumed[0].due_at) == timedelta(hours=42)
    assert remaining(resumed[0], sh(2026, 10, 9, 10), CAL) == timedelta(hours=18)


def test_pause_over_a_weekend_only_changes_nothing():
    [reply] = start_clocks(CONSULTATION, sh(2026, 10, 15, 10), CAL)
    paused = op([reply], "set_status", sh(2026, 10, 17, 9), after="waiting_citizen")
    resumed = op(paused, "set_status", sh(2026, 10, 18, 20), before="waiting_citizen",
                 after="in_progress")
    assert resumed[0].due_at == reply.due_at


def test_calendar_day_clocks_move_by_elapsed_time():
    clocks = start_clocks(PETITION, sh(2026, 9, 30, 10), CAL)
    paused = op(clocks, "set_status", sh(2026, 10, 2, 10), after="waiting_citizen",
                before="accepted")
    resumed = op(paused, "set_status", sh(2026, 10, 5, 16), before="waiting_citizen",
                 after="in_progress")
    for old, new in zip(clocks, resumed, strict=False):
        assert new.due_at - old.due_at == timedelta(days=3, hours=6)


def test_citizen_message_resumes():
    [reply] = start_clocks(CONSULTATION, sh(2026, 10, 12, 9), CAL)
    paused = op([reply], "set_status", sh(2026, 10, 12, 12), after="waiting_citizen")
    resumed = resume_for_citizen_message(paused, at=sh(2026, 10, 13, 12), cal=CAL)
    assert not resumed[0].paused
    assert resumed[0].due_at == reply.due_at + DAY
    # Running clocks are untouched.
    assert resume_for_citizen_message(resumed, at=sh(2026, 10, 14, 12), cal=CAL) == resumed


def test_stopped_clocks_do_not_pause_and_closing_while_waiting_credits_the_pause():
    clocks = start_clocks(EVERYTHING, sh(2026, 10, 12, 9), CAL)
    accepted = op(clocks, "accept", sh(2026, 10, 12, 10), before="new", after="accepted")
    waiting = op(accepted, "set_status", sh(2026, 10, 12, 12), before="accepted",
                 after="waiting_citizen")
    assert not by_name(waiting, "accept").paused
    assert by_name(waiting, "reply").paused and by_name(waiting, "close").paused
    # A reply while waiting stops the reply clock; the pause so far is credited.
    replied = op(waiting, "reply", sh(2026, 10, 14, 12), before="waiting_citizen",
                 payload={"body": "x"})
    reply = by_name(replied, "reply")
    assert reply.stopped_at == sh(2026, 10, 14, 12) and not reply.paused
    assert reply.due_at == by_name(clocks, "reply").due_at + 2 * DAY
    assert clock_state(reply, sh(2026, 10, 20), CAL) == "met"
    assert by_name(replied, "close").paused
    closed = op(replied, "set_status", sh(2026, 10, 15, 12), before="waiting_citizen",
                after="closed")
    close = by_name(closed, "close")
    assert close.stopped_at == sh(2026, 10, 15, 12) and not close.paused
    assert close.due_at == by_name(clocks, "close").due_at + 3 * DAY


def test_transfer_keeps_clocks_running():
    clocks = start_clocks(EVERYTHING, sh(2026, 10, 12, 9), CAL)
    accepted = op(clocks, "accept", sh(2026, 10, 12, 10), before="new", after="accepted")
    moved = op(accepted, "transfer", sh(2026, 10, 12, 11), before="accepted", after="new",
               payload={"to_unit_id": "u2", "reason": "theirs"})
    assert moved == accepted


# ------------------------------------------------------------ states


def test_states_over_time():
    [reply] = start_clocks(CONSULTATION, sh(2026, 10, 12, 9), CAL)
    assert reply.due_at == sh(2026, 10, 14, 9)
    assert clock_state(reply, sh(2026, 10, 12, 9), CAL) == "running"
    assert clock_state(reply, sh(2026, 10, 14, 5), CAL) == "due_soon"
    assert clock_state(reply, sh(2026, 10, 14, 4, 59), CAL) == "running"
    assert clock_state(reply, sh(2026, 10, 14, 9), CAL) == "due_soon"
    assert clock_state(reply, sh(2026, 10, 14, 9, 0, 1), CAL) == "overdue"
    assert remaining(reply, sh(2026, 10, 15, 9), CAL) == -DAY
    assert clock_state(reply, sh(2026, 10, 14, 1), CAL, due_soon=timedelta(hours=8)) == "due_soon"


def test_due_soon_counts_working_time_over_a_weekend():
    [reply] = start_clocks(CONSULTATION, sh(2026, 10, 15, 2), CAL)
    assert reply.due_at == sh(2026, 10, 19, 2)
    # Friday 23:00: three working hours left although 51 hours of clock time remain.
    assert remaining(reply, sh(2026, 10, 16, 23), CAL) == timedelta(hours=3)
    assert clock_state(reply, sh(2026, 10, 16, 23), CAL) == "due_soon"


def test_met_late_and_late_done_offline_on_time():
    [reply] = start_clocks(CONSULTATION, sh(2026, 10, 12, 9), CAL)
    due = reply.due_at
    on_time = op([reply], "reply", due, payload={"body": "x"})[0]
    assert clock_state(on_time, due + DAY, CAL) == "met"
    late = op([reply], "reply", due + timedelta(hours=1), payload={"body": "x"})[0]
    assert clock_state(late, due + DAY, CAL) == "met_late"
    offline = op([reply], "reply", due + timedelta(hours=5), payload={"body": "x"},
                 performed_at=due - timedelta(minutes=3))[0]
    assert offline.stopped_at == due + timedelta(hours=5)
    assert offline.stopped_performed_at == due - timedelta(minutes=3)
    assert clock_state(offline, due + DAY, CAL) == "met_offline_on_time"
    offline_late = op([reply], "reply", due + timedelta(hours=5), payload={"body": "x"},
                      performed_at=due + timedelta(minutes=3))[0]
    assert clock_state(offline_late, due + DAY, CAL) == "met_late"
    assert remaining(late, due + 3 * DAY, CAL) == -timedelta(hours=1)


def test_nearest_open():
    def clock(name, due, **kw):
        return Clock(clock=name, due_at=due, **kw)

    a = clock("accept", sh(2026, 10, 12), stopped_at=sh(2026, 10, 11))
    b = clock("reply", sh(2026, 10, 13), paused=True, paused_at=sh(2026, 10, 10))
    c = clock("close", sh(2026, 10, 20))
    assert nearest_open([a, b, c]) == c
    assert nearest_open([a, b]) == b
    assert nearest_open([a]) is None
    assert nearest_open([]) is None


def test_explain_clock():
    [reply] = start_clocks(CONSULTATION, sh(2026, 9, 30, 10), CAL)
    steps = explain_clock(reply, CAL)
    assert steps == CAL.explain(sh(2026, 9, 30, 10), 2, "working_day")
    paused = op([reply], "set_status", sh(2026, 9, 30, 12), after="waiting_citizen")[0]
    steps = explain_clock(paused, CAL)
    assert {"step": "pause", "from": "2026-09-30T04:00:00Z", "to": None} in steps
    stopped = op([reply], "reply", sh(2026, 10, 9, 11), payload={"body": "x"},
                 performed_at=sh(2026, 10, 9, 9))[0]
    steps = explain_clock(stopped, CAL)
    assert steps[-2] == {"step": "stopped", "at": "2026-10-09T03:00:00Z",
                         "performed_at": "2026-10-09T01:00:00Z"}
    assert steps[-1] == {"step": "due", "at": "2026-10-09T02:00:00Z"}
    bare = Clock(clock="reply", due_at=sh(2026, 10, 9, 10))
    assert explain_clock(bare, CAL) == [{"step": "due", "at": "2026-10-09T02:00:00Z"}]


def test_clock_without_unit_falls_back_to_the_policy():
    [accept, close] = start_clocks(PETITION, sh(2026, 9, 30, 10), CAL)
    bare = close.model_copy(update={"unit": None, "limit": None})
    paused = apply_op([bare], op_type="set_status", payload={}, status_before="accepted",
                      status_after="waiting_citizen", at=sh(2026, 10, 1), performed_at=sh(2026, 10, 1),
                      cal=CAL, policy=PETITION)
    resumed = apply_op(paused, op_type="set_status", payload={}, status_before="waiting_citizen",
                       status_after="in_progress", at=sh(2026, 10, 3), performed_at=sh(2026, 10, 3),
                       cal=CAL, policy=PETITION)
    assert resumed[0].due_at == close.due_at + 2 * DAY


# ------------------------------------------------------------ property


@settings(max_examples=100, deadline=None)
@given(
    start=st.integers(0, 60 * 24).map(lambda m: sh(2026, 9, 15) + timedelta(minutes=30 * m)),
    pause_at=st.integers(0, 24 * 10), pause_len=st.integers(0, 24 * 10),
)
def test_pause_keeps_the_remaining_working_time(start, pause_at, pause_len):
    [reply] = start_clocks(CONSULTATION, start, CAL)
    paused_at = start + timedelta(hours=pause_at)
    resumed_at = paused_at + timedelta(hours=pause_len)
    left = remaining(reply, paused_at, CAL)
    paused = op([reply], "set_status", paused_at, after="waiting_citizen")
    resumed = op(paused, "set_status", resumed_at, before="waiting_citizen", after="in_progress")
    assert remaining(resumed[0], resumed_at, CAL) == left
    assert resumed[0].due_at >= reply.due_at


def test_a_new_kinds_clocks_follow_its_policy_row_and_unknown_units_read_as_not_sent():
    # A kind this desk was not built with: its row decides, like any other kind's.
    from datetime import datetime

    from desk.clocks import remaining, start_clocks
    from desk.overlay import default_calendar
    from desk.wire import Clock, Policy

    cal = default_calendar()
    row = Policy.model_validate({"kind": "lost_found", "name": "失物招领", "clocks": [
        {"clock": "reply", "limit": 3, "unit": "calendar_day"}]})
    start = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # a Friday
    [clock] = start_clocks(row, start, cal)
    assert clock.due_at == datetime(2026, 3, 9, 2, 0, tzinfo=UTC), "three calendar days"
    odd = Clock.model_validate({"clock": "reply", "due_at": "2026-03-09T02:00:00Z",
                                "unit": "business_hour"})
    assert remaining(odd, start, cal, row) == clock.due_at - start, "the policy row's unit"
