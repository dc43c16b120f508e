"""One reader of times as text (desk.wire.parse_time), used by the core, the server and
the app; the display reader (timesafe.parse) is it with the errors turned into None."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desk import timesafe
from desk.wire import CONTRACT_ZONE, CalendarData, parse_stored_time, parse_time
from desk.worktime import Calendar

ROOT = Path(__file__).resolve().parents[2]


def test_parse_time_reads_the_wire_and_the_stored_forms():
    assert parse_time("2024-05-01T08:00:00Z") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert parse_time("2024-05-01T08:00:00.123456Z") == datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_time("2024-05-01T16:00:00+08:00") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert parse_time(" 2024-05-01t08:00:00z ") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    # Every time we write carries an offset; one without is read as UTC, never as local.
    assert parse_time("2024-05-01T08:00:00").utcoffset() == timedelta(0)
    aware = datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert parse_time(aware) is aware
    assert parse_time(None) is None and parse_time("") is None


def test_a_text_that_is_not_a_time_raises_for_the_core_and_reads_as_none_for_display():
    with pytest.raises(ValueError):
        parse_time("next tuesday")
    with pytest.raises(ValueError):
        parse_stored_time(None)
    assert timesafe.parse("next tuesday") is None
    assert timesafe.parse(None) is None
    assert timesafe.parse("2024-05-01T08:00:00Z") == datetime(2024, 5, 1, 8, tzinfo=UTC)


def test_no_other_module_parses_times_on_its_own():
    # date.fromisoformat of a calendar day is a date, not a time, and stays where it is.
    own = re.compile(r"datetime\.(fromisoformat|strptime)\(")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for package in ("desk", "central", "ui", "launch")
             for path in sorted((ROOT / package).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if own.search(line) and path != ROOT / "desk" / "wire.py"]
    assert found == []


def test_the_contract_zone_is_named_once_and_a_calendar_carries_its_own():
    found = [f"{path.relative_to(ROOT)}:{n}"
             for package in ("desk", "central", "ui", "launch")
             for path in sorted((ROOT / package).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if '"Asia/Shanghai"' in line and path != ROOT / "desk" / "wire.py"]
    assert found == []
    assert str(Calendar(known_years=(), days={}).zone) == CONTRACT_ZONE
    assert str(Calendar.from_wire(CalendarData(zone="Asia/Urumqi", known_years=[], days={})).zone) == "Asia/Urumqi"
