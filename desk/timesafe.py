"""Times that never crash what shows them.

The wire allows any RFC 3339 time of years 1 to 9999 with any offset (-23:59..+23:59).
Shown in the station's zone, or moved by a working-time computation, such a time can
leave the range datetime holds (9999-12-31 23:00 UTC is already year 10000 in Beijing)
and raise OverflowError. Everything the client formats goes through these: a time out of
range is clamped to the first or last representable moment, a text that is not a time is
shown as it came.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from desk.wire import parse_time

_EDGE = timedelta(days=2)


def parse(value: Any) -> datetime | None:
    """An aware datetime, or None when `value` is not an RFC 3339 time with an offset."""
    if not isinstance(value, datetime) and not value:
        return None
    try:
        return parse_time(value)
    except (ValueError, OverflowError):
        return None


def _near_max(value: datetime) -> bool:
    # Which edge a time fell off: offsets are under a day, so comparing the naive
    # wall-clock with the middle of the range tells.
    return value.replace(tzinfo=None) > datetime(5000, 1, 1)


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """`value` in `zone`, clamped to the representable range instead of overflowing."""
    try:
        return value.astimezone(zone)
    except (OverflowError, ValueError):
        edge = datetime.max if _near_max(value) else datetime.min
        return edge.replace(tzinfo=zone)


def to_utc(value: datetime) -> datetime:
    return in_zone(value, UTC)


def shift(value: datetime, delta: timedelta) -> datetime:
    """`value + delta`, clamped at the ends of the range."""
    try:
        return value + delta
    except OverflowError:
        edge = datetime.max if delta > timedelta(0) else datetime.min
        return edge.replace(tzinfo=value.tzinfo)


def format_in(value: Any, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`value` formatted in `zone`; a text that is not a time comes back as given."""
    parsed = parse(value)
    if parsed is None:
        return "" if value is None else str(value)
    return in_zone(parsed, zone).strftime(fmt)


def sortable(value: Any) -> datetime:
    """A UTC datetime to compare with, an unreadable value sorting last."""
    parsed = parse(value)
    if parsed is None:
        return datetime.max.replace(tzinfo=UTC)
    return to_utc(parsed)
