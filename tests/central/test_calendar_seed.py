"""The published calendar: chinese-calendar's years plus the overrides file."""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from central.calendar_seed import (
    DEFAULT_OVERRIDES,
    OVERRIDES_ENV,
    CalendarOverrideError,
    build_calendar,
    load_overrides,
)
from desk.wire import CalendarData

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch):
    monkeypatch.delenv(OVERRIDES_ENV, raising=False)


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_shipped_overrides_file_is_empty_and_explained():
    data = json.loads(DEFAULT_OVERRIDES.read_text(encoding="utf-8"))
    assert data["years"] == {}
    assert "State Council" in data["_comment"]
    assert load_overrides(DEFAULT_OVERRIDES) == {}


def test_package_years_are_known_and_2026_facts_hold():
    cal = build_calendar()
    assert {2024, 2025, 2026} <= cal.known_years
    assert not cal.is_provisional(date(2026, 10, 10))
    assert cal.is_provisional(date(2027, 1, 1))
    for d in (date(2026, 10, 1), date(2026, 10, 5), date(2026, 10, 7), date(2026, 2, 17),
              date(2026, 1, 2), date(2025, 10, 8)):
        assert not cal.is_working_day(d), d
    for d in (date(2026, 10, 10), date(2026, 9, 20), date(2026, 2, 14), date(2026, 2, 28),
              date(2026, 1, 4), date(2026, 10, 8)):
        assert cal.is_working_day(d), d
    assert cal.names[date(2026, 10, 1)] == "National Day"
    assert cal.names[date(2026, 4, 5)] == "Qingming Festival"
    assert cal.names[date(2026, 9, 25)] == "Mid-Autumn Festival"
    assert cal.names[date(2026, 10, 10)] == "National Day"
    due = cal.due_at(datetime(2026, 9, 30, 10, tzinfo=SH), 2, "working_day")
    assert due == datetime(2026, 10, 9, 10, tzinfo=SH)


def test_matches_the_hand_written_calendar_of_the_desk_tests():
    # Loaded by path: the tests folders are not packages.
    path = Path(__file__).parents[1] / "desk" / "test_worktime.py"
    spec = importlib.util.spec_from_file_location("_hand_written_calendar", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    hand_written = module.CAL

    cal = build_calendar()
    d = date(2025, 1, 1)
    while d.year < 2027:
        assert cal.is_working_day(d) == hand_written.is_working_day(d), d
        assert cal.day_kind(d) == hand_written.day_kind(d), d
        assert cal.names.get(d) == hand_written.names.get(d), d
        d = date.fromordinal(d.toordinal() + 1)


def test_wire_form_validates():
    data = build_calendar().to_wire()
    again = CalendarData.model_validate(data.wire())
    assert again.zone == "Asia/Shanghai"
    assert 2026 in again.known_years
    assert again.days[date(2026, 10, 10)] == "workday"


def test_override_year_becomes_known(tmp_path):
    path = write(tmp_path, {"_comment": "test", "years": {"2027": {
        "days": {"2027-01-01": "holiday", "2027-02-06": "workday"},
        "names": {"2027-01-01": "New Year's Day"},
    }}})
    cal = build_calendar(path)
    assert 2027 in cal.known_years
    assert not cal.is_provisional(date(2027, 3, 1))
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 2, 6))
    assert cal.names[date(2027, 1, 1)] == "New Year's Day"
    due = cal.due_at(datetime(2026, 12, 31, 10, tzinfo=SH), 1, "working_day")
    assert due == datetime(2027, 1, 4, 10, tzinfo=SH)
    assert cal.provisional_years(datetime(2026, 12, 31, 10, tzinfo=SH), due) == []


def test_override_replaces_a_package_year(tmp_path):
    path = write(tmp_path, {"years": {"2026": {"days": {"2026-10-01": "holiday"}}}})
    cal = build_calendar(path)
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.is_working_day(date(2026, 10, 2))
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2025, 10, 11))


def test_env_var_names_another_file(tmp_path, monkeypatch):
    path = write(tmp_path, {"years": {"2028": {"days": {}}}})
    monkeypatch.setenv(OVERRIDES_ENV, str(path))
    assert 2028 in build_calendar().known_years
    monkeypatch.delenv(OVERRIDES_ENV)
    assert 2028 not in build_calendar().known_years


@pytest.mark.parametrize("data, where", [
    ("{not json", "not valid JSON"),
    ([], "top level"),
    ({"years": []}, "top level"),
    ({"years": {"27": {}}}, "years.27"),
    ({"years": {"2027": []}}, "years.2027"),
    ({"years": {"2027": {"dayz": {}}}}, "unknown keys"),
    ({"years": {"2027": {"days": {"2027-13-01": "holiday"}}}}, "years.2027.days"),
    ({"years": {"2027": {"days": {"2028-01-01": "holiday"}}}}, "not in 2027"),
    ({"years": {"2027": {"days": {"2027-01-01": "vacation"}}}}, "years.2027.days.2027-01-01"),
    ({"years": {"2027": {"days": {}, "names": {"2027-01-01": ""}}}}, "names.2027-01-01"),
])
def test_bad_overrides_say_what_is_wrong(tmp_path, data, where):
    path = write(tmp_path, data)
    with pytest.raises(CalendarOverrideError) as caught:
        build_calendar(path)
    assert where in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_overrides_file_is_an_error(tmp_path):
    with pytest.raises(CalendarOverrideError, match="cannot read"):
        load_overrides(tmp_path / "nope.json")
