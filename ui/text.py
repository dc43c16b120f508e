"""Display words for the domain's machine words, all through Qt's translation system.

Constants are marked with QT_TRANSLATE_NOOP so pyside6-lupdate collects them; they are
translated when shown (`label(...)`), so switching the language needs no restart of
anything but the widgets.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from desk import timesafe
from desk.wire import CONTRACT_ZONE

STATUS = {
    "new": QT_TRANSLATE_NOOP("Status", "New"),
    "accepted": QT_TRANSLATE_NOOP("Status", "Accepted"),
    "in_progress": QT_TRANSLATE_NOOP("Status", "In progress"),
    "waiting_citizen": QT_TRANSLATE_NOOP("Status", "Waiting for citizen"),
    "closed": QT_TRANSLATE_NOOP("Status", "Closed"),
    "declined": QT_TRANSLATE_NOOP("Status", "Declined"),
}

KIND = {
    "application": QT_TRANSLATE_NOOP("Kind", "Application"),
    "consultation": QT_TRANSLATE_NOOP("Kind", "Consultation"),
    "tip": QT_TRANSLATE_NOOP("Kind", "Tip"),
    "appeal": QT_TRANSLATE_NOOP("Kind", "Appeal"),
    "mailbox": QT_TRANSLATE_NOOP("Kind", "Director's mailbox"),
    "petition": QT_TRANSLATE_NOOP("Kind", "Petition"),
}

CLOCK = {
    "accept": QT_TRANSLATE_NOOP("Clock", "Accept by"),
    "reply": QT_TRANSLATE_NOOP("Clock", "Reply by"),
    "close": QT_TRANSLATE_NOOP("Clock", "Close by"),
}

ENTRY = {
    "citizen_message": QT_TRANSLATE_NOOP("Entry", "Citizen message"),
    "reply": QT_TRANSLATE_NOOP("Entry", "Reply"),
    "note": QT_TRANSLATE_NOOP("Entry", "Internal note"),
    "callback": QT_TRANSLATE_NOOP("Entry", "Callback"),
    "status": QT_TRANSLATE_NOOP("Entry", "Status change"),
    "claim": QT_TRANSLATE_NOOP("Entry", "Claimed"),
    "accept": QT_TRANSLATE_NOOP("Entry", "Accepted"),
    "decline": QT_TRANSLATE_NOOP("Entry", "Declined"),
    "transfer": QT_TRANSLATE_NOOP("Entry", "Transferred"),
    "reassign": QT_TRANSLATE_NOOP("Entry", "Reassigned"),
    "urge": QT_TRANSLATE_NOOP("Entry", "Urged"),
    "rating": QT_TRANSLATE_NOOP("Entry", "Rating"),
    "reveal": QT_TRANSLATE_NOOP("Entry", "Personal data viewed"),
}

OP = {
    "claim": QT_TRANSLATE_NOOP("Op", "Claim"),
    "accept": QT_TRANSLATE_NOOP("Op", "Accept"),
    "decline": QT_TRANSLATE_NOOP("Op", "Decline"),
    "reply": QT_TRANSLATE_NOOP("Op", "Reply"),
    "note": QT_TRANSLATE_NOOP("Op", "Note"),
    "callback": QT_TRANSLATE_NOOP("Op", "Callback"),
    "set_status": QT_TRANSLATE_NOOP("Op", "Change status"),
    "transfer": QT_TRANSLATE_NOOP("Op", "Transfer"),
    "reassign": QT_TRANSLATE_NOOP("Op", "Reassign"),
    "urge": QT_TRANSLATE_NOOP("Op", "Urge"),
    "reveal": QT_TRANSLATE_NOOP("Op", "Reveal"),
}

QUEUE = {
    "mine": QT_TRANSLATE_NOOP("Queue", "My cases"),
    "due-soon": QT_TRANSLATE_NOOP("Queue", "Due soon"),
    "overdue": QT_TRANSLATE_NOOP("Queue", "Overdue"),
    "unclaimed": QT_TRANSLATE_NOOP("Queue", "Unclaimed"),
    "waiting": QT_TRANSLATE_NOOP("Queue", "Waiting for citizen"),
    "closed": QT_TRANSLATE_NOOP("Queue", "Closed"),
    "station": QT_TRANSLATE_NOOP("Queue", "Whole station"),
    "callbacks": QT_TRANSLATE_NOOP("Queue", "Callbacks due"),
    "search": QT_TRANSLATE_NOOP("Queue", "Search results"),
}

OUTCOME = {
    "reached": QT_TRANSLATE_NOOP("Outcome", "Reached"),
    "no_answer": QT_TRANSLATE_NOOP("Outcome", "No answer"),
    "busy": QT_TRANSLATE_NOOP("Outcome", "Busy"),
    "wrong_number": QT_TRANSLATE_NOOP("Outcome", "Wrong number"),
    "refused": QT_TRANSLATE_NOOP("Outcome", "Refused"),
}

SATISFACTION = {
    "satisfied": QT_TRANSLATE_NOOP("Satisfaction", "Satisfied"),
    "neutral": QT_TRANSLATE_NOOP("Satisfaction", "Neutral"),
    "dissatisfied": QT_TRANSLATE_NOOP("Satisfaction", "Dissatisfied"),
}

FIELD = {
    "name": QT_TRANSLATE_NOOP("Field", "Name"),
    "phone": QT_TRANSLATE_NOOP("Field", "Phone"),
    "id_number": QT_TRANSLATE_NOOP("Field", "ID number"),
}

OUTBOX_STATE = {
    "queued": QT_TRANSLATE_NOOP("OutboxState", "Waiting to send"),
    "sent": QT_TRANSLATE_NOOP("OutboxState", "Sent, answer pending"),
    "blocked": QT_TRANSLATE_NOOP("OutboxState", "Blocked"),
    "conflict": QT_TRANSLATE_NOOP("OutboxState", "Conflict"),
    "rejected": QT_TRANSLATE_NOOP("OutboxState", "Rejected"),
}

_TABLES = {
    "Status": STATUS, "Kind": KIND, "Clock": CLOCK, "Entry": ENTRY, "Op": OP,
    "Queue": QUEUE, "Outcome": OUTCOME, "Satisfaction": SATISFACTION, "Field": FIELD,
    "OutboxState": OUTBOX_STATE,
}


def label(context: str, word: str | None) -> str:
    """The translated display word for a machine word; unknown words show as they are
    (a newer server may send kinds this client does not know)."""
    if not word:
        return ""
    source = _TABLES[context].get(word)
    if source is None:
        return word
    return QCoreApplication.translate(context, source)


def kind_label(kind: str | None, reference) -> str:
    """A case kind as officers read it: the translated word for a kind this desk knows;
    for one a grown platform added, the name its policy row gives (else the word)."""
    if kind in KIND or reference is None:
        return label("Kind", kind)
    return reference.kind_name(kind)


def parse_time(value: Any) -> datetime | None:
    """An aware time, or None for a value that is not one (never an exception)."""
    if value is None or value == "":
        return None
    return timesafe.parse(value)


# Times are shown in the calendar's zone, never the computer's (a station PC set to UTC
# showed the outbox eight hours off the timeline). The context sets it from the cached
# calendar; until then the contract's zone.
_display_zone: Any = ZoneInfo(CONTRACT_ZONE)


def set_display_zone(zone: Any) -> None:
    global _display_zone  # noqa: PLW0603 - one zone for every read-out of the process
    if zone is not None:
        _display_zone = ZoneInfo(zone) if isinstance(zone, str) else zone


def display_zone() -> Any:
    return _display_zone


def format_local(value: Any, zone=None, *, seconds: bool = False) -> str:
    """A time for people: in the calendar's zone, no offset noise. Clamped at the ends
    of the years a datetime holds; a text that is not a time is shown as it came."""
    t = parse_time(value)
    if t is None:
        return one_line(value) if value not in (None, "") else ""
    t = timesafe.in_zone(t, zone if zone is not None else _display_zone)
    return t.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def format_span(span: timedelta, *, working: bool) -> str:
    """A positive span in words: working days count 24 working hours each."""
    total_minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(QCoreApplication.translate("Text", "%n working day(s)", None, days) if working else QCoreApplication.translate("Text", "%n day(s)", None, days))
    if hours:
        parts.append(QCoreApplication.translate("Text", "%n hour(s)", None, hours))
    if not days and (minutes or not hours):
        parts.append(QCoreApplication.translate("Text", "%n minute(s)", None, minutes))
    return " ".join(parts)


def compact_span(span: timedelta) -> str:
    """A span in at most two short units for a table column: "1 d 3 h", "45 min"."""
    total_minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(QCoreApplication.translate("Text", "%1 d").replace("%1", str(days)))
    if hours:
        parts.append(QCoreApplication.translate("Text", "%1 h").replace("%1", str(hours)))
    if not days and (minutes or not hours):
        parts.append(QCoreApplication.translate("Text", "%1 min").replace("%1", str(minutes)))
    return " ".join(parts)


def compact_countdown(remaining: timedelta) -> str:
    """The table's countdown: short enough for its column in either language, and
    overdue reads differently from time left at a glance ("2 h overdue", "1 d 3 h left")."""
    if remaining < timedelta(0):
        return QCoreApplication.translate("Text", "%1 overdue").replace("%1", compact_span(remaining))
    return QCoreApplication.translate("Text", "%1 left").replace("%1", compact_span(remaining))


def countdown(remaining: timedelta, *, working: bool) -> str:
    """'1 working day 3 hours left' / '2 hours overdue'."""
    if remaining < timedelta(0):
        return QCoreApplication.translate("Text", "%1 overdue").replace("%1", format_span(remaining, working=working))
    return QCoreApplication.translate("Text", "%1 left").replace("%1", format_span(remaining, working=working))


def explain_steps(steps: list[Mapping[str, Any]], zone=None) -> list[str]:
    """desk.worktime's explanation steps as sentences in the current language."""
    out = []
    for step in steps:
        kind = step.get("step")
        if kind == "start":
            unit_word = (QCoreApplication.translate("Text", "%n working day(s)", None, int(step.get("limit", 0)))
                         if step.get("unit") == "working_day"
                         else QCoreApplication.translate("Text", "%n day(s)", None, int(step.get("limit", 0))))
            out.append(QCoreApplication.translate("Text", "Started %1; the limit is %2.")
                       .replace("%1", format_local(step.get("at"), zone))
                       .replace("%2", unit_word))
        elif kind == "skip":
            name = step.get("name")
            if step.get("reason") == "holiday":
                reason = (QCoreApplication.translate("Text", "holiday (%1)").replace("%1", _holiday_name(name))
                          if name else QCoreApplication.translate("Text", "holiday"))
            else:
                reason = QCoreApplication.translate("Text", "weekend")
            first, last = step.get("first", ""), step.get("last", "")
            span = first if first == last else QCoreApplication.translate("Text", "%1 to %2").replace("%1", first).replace("%2", last)
            out.append(QCoreApplication.translate("Text", "Not counted: %1, %2.").replace("%1", span).replace("%2", reason))
        elif kind == "workday":
            name = step.get("name")
            text = QCoreApplication.translate("Text", "Counted: %1, an adjusted working day").replace("%1", str(step.get("date", "")))
            if name:
                text += " (" + _holiday_name(name) + ")"
            out.append(text + QCoreApplication.translate("Text", "."))
        elif kind == "pause":
            if step.get("to"):
                out.append(QCoreApplication.translate("Text", "Paused while waiting for the citizen: %1 to %2.")
                           .replace("%1", format_local(step.get("from"), zone))
                           .replace("%2", format_local(step.get("to"), zone)))
            else:
                out.append(QCoreApplication.translate("Text", "Paused while waiting for the citizen since %1.")
                           .replace("%1", format_local(step.get("from"), zone)))
        elif kind == "provisional":
            out.append(QCoreApplication.translate("Text", "%1's holiday schedule is not published yet: weekends only, provisional.")
                       .replace("%1", str(step.get("year", ""))))
        elif kind == "stopped":
            line = QCoreApplication.translate("Text", "Stopped %1 (received by the platform).").replace("%1", format_local(step.get("at"), zone))
            if step.get("performed_at") and step.get("performed_at") != step.get("at"):
                line += " " + QCoreApplication.translate("Text", "Done by the officer %1.").replace("%1", format_local(step.get("performed_at"), zone))
            out.append(line)
        elif kind == "due":
            out.append(QCoreApplication.translate("Text", "Due %1.").replace("%1", format_local(step.get("at"), zone)))
    return out


HOLIDAYS = {
    "New Year's Day": QT_TRANSLATE_NOOP("Holiday", "New Year's Day"),
    "Spring Festival": QT_TRANSLATE_NOOP("Holiday", "Spring Festival"),
    "Qingming Festival": QT_TRANSLATE_NOOP("Holiday", "Qingming Festival"),
    "Labour Day": QT_TRANSLATE_NOOP("Holiday", "Labour Day"),
    "Dragon Boat Festival": QT_TRANSLATE_NOOP("Holiday", "Dragon Boat Festival"),
    "Mid-Autumn Festival": QT_TRANSLATE_NOOP("Holiday", "Mid-Autumn Festival"),
    "Victory Day (70th anniversary)": QT_TRANSLATE_NOOP("Holiday", "Victory Day (70th anniversary)"),
    "National Day": QT_TRANSLATE_NOOP("Holiday", "National Day"),
}


def _holiday_name(name: str) -> str:
    source = HOLIDAYS.get(name)
    return QCoreApplication.translate("Holiday", source) if source else name


def locale_name(lang: str) -> str:
    return QLocale(lang).name()


# ---------------------------------------------------------------- plain text

# The one line break a tray notification or a window title may show; a citizen's name or
# a title is one line, so what a crafted text puts after a break cannot pass for ours.
NEWLINE_MARK = "⏎"
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0), 0x061c,
     *range(0x200b, 0x2010), *range(0x202a, 0x202f), *range(0x2066, 0x206a), 0xfeff])


def tooltip(value: Any) -> str | None:
    """A tooltip that shows `value` literally. Qt renders a tooltip as rich text whenever
    it looks like markup, so a citizen's `<h1>` or `<img src=file:...>` would be drawn
    and loaded; escaped inside <p> it is only ever text (line breaks kept)."""
    if value is None or value == "":
        return None
    value = str(value)
    if "<" not in value:
        # Without a tag Qt never takes it for rich text: shown as it is.
        return value
    escaped = html.escape(value).replace("\n", "<br>")
    return f'<p style="white-space:pre-wrap">{escaped}</p>'


def one_line(value: Any) -> str:
    """Citizen or server text for a single-line surface (window title, tray message):
    controls removed, a line break shown as a mark."""
    flat = str(value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return flat.replace("\n", NEWLINE_MARK).translate(_INVISIBLE)
