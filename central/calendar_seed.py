"""The working-day calendar the reference server publishes in /reference.

It comes from the chinese-calendar package for every year the package knows, plus an
overrides file for the years it does not know yet: the State Council publishes the next
year's schedule late each year, and a new year must not need a new release. The file is
`central/data/calendar_overrides.json` unless DESK_CALENDAR_OVERRIDES names another one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import chinese_calendar

from desk.wire import CONTRACT_ZONE
from desk.worktime import Calendar

ZONE = CONTRACT_ZONE
OVERRIDES_ENV = "DESK_CALENDAR_OVERRIDES"
DEFAULT_OVERRIDES = Path(__file__).parent / "data" / "calendar_overrides.json"

# The package's names, as an officer reading English would expect them.
HOLIDAY_NAMES = {
    "New Year's Day": "New Year's Day",
    "Spring Festival": "Spring Festival",
    "Tomb-sweeping Day": "Qingming Festival",
    "Labour Day": "Labour Day",
    "Dragon Boat Festival": "Dragon Boat Festival",
    "National Day": "National Day",
    "Mid-autumn Festival": "Mid-Autumn Festival",
    "Anti-Fascist 70th Day": "Victory Day (70th anniversary)",
}


class CalendarOverrideError(ValueError):
    """The overrides file is not what it must be; the message says where and why."""


@dataclass(frozen=True)
class YearOverride:
    days: dict[date, str] = field(default_factory=dict)
    names: dict[date, str] = field(default_factory=dict)


def _readable(name: Any) -> str:
    text = str(getattr(name, "value", name))
    return HOLIDAY_NAMES.get(text, text)


def _fail(path: Path, where: str, why: str) -> CalendarOverrideError:
    return CalendarOverrideError(f"{path}: {where}: {why}")


def _date_in(path: Path, where: str, text: Any, year: int) -> date:
    try:
        d = date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        d = None
    if d is None or len(text) != 10:
        raise _fail(path, where, f"{text!r} is not a date like {year}-01-01")
    if d.year != year:
        raise _fail(path, where, f"{text} is not in {year}")
    return d


def load_overrides(path: Path) -> dict[int, YearOverride]:
    """Read and check an overrides file: {"years": {"2027": {"days": {...}, "names": {...}}}}.

    Keys starting with "_" are comments. Raises CalendarOverrideError naming the bad part.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarOverrideError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CalendarOverrideError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise _fail(path, "top level", 'expected an object with a "years" object')
    result: dict[int, YearOverride] = {}
    for year_key, body in data["years"].items():
        if year_key.startswith("_"):
            continue
        where = f"years.{year_key}"
        if not (len(year_key) == 4 and year_key.isdigit()) or not 1900 <= int(year_key) <= 9999:
            raise _fail(path, where, "a year must be four digits, like 2027")
        year = int(year_key)
        if not isinstance(body, dict):
            raise _fail(path, where, 'expected an object with "days" (and "names")')
        unknown = {k for k in body if not k.startswith("_")} - {"days", "names"}
        if unknown:
            raise _fail(path, where, f"unknown keys {sorted(unknown)}")
        days_in = body.get("days", {})
        names_in = body.get("names", {})
        if not isinstance(days_in, dict):
            raise _fail(path, f"{where}.days", "expected an object of date: kind")
        if not isinstance(names_in, dict):
            raise _fail(path, f"{where}.names", "expected an object of date: name")
        days: dict[date, str] = {}
        for text, kind in days_in.items():
            d = _date_in(path, f"{where}.days", text, year)
            if kind not in ("holiday", "workday"):
                raise _fail(path, f"{where}.days.{text}",
                            f'{kind!r} is not "holiday" or "workday"')
            days[d] = kind
        names: dict[date, str] = {}
        for text, name in names_in.items():
            d = _date_in(path, f"{where}.names", text, year)
            if not isinstance(name, str) or not name.strip():
                raise _fail(path, f"{where}.names.{text}", "a name must be non-empty text")
            names[d] = name
        result[year] = YearOverride(days=days, names=names)
    return result


def _overrides_path(overrides_path: Path | None) -> Path:
    if overrides_path is not None:
        return Path(overrides_path)
    from_env = os.environ.get(OVERRIDES_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_OVERRIDES


def build_calendar(overrides_path: Path | None = None) -> Calendar:
    """The calendar from the package's years, with the overrides file's years on top
    (a year in the file replaces the package's data for that year)."""
    days: dict[date, str] = {}
    names: dict[date, str] = {}
    for d, name in chinese_calendar.holidays.items():
        days[d] = "holiday"
        names[d] = _readable(name)
    for d, name in chinese_calendar.workdays.items():
        days[d] = "workday"
        names[d] = _readable(name)
    known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    for year, override in load_overrides(_overrides_path(overrides_path)).items():
        days = {d: k for d, k in days.items() if d.year != year}
        names = {d: n for d, n in names.items() if d.year != year}
        days.update(override.days)
        names.update(override.names)
        known.add(year)
    return Calendar(zone=ZONE, known_years=known, days=days, names=names)
