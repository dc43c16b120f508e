"""The case sheet: one case on paper, as a station files it or hands it over the counter.

Built here without Qt, from the case as the cache holds it, the reference data and the
calendar; ui/paper/ renders it (words in the officer's language, the PDF or the printer).
The sheet holds what the case pane shows and nothing more: number, kind, service item,
the accountability line (who accepted it, when, for which unit, from the timeline's
accept and claim entries), each clock with its explanation (desk.clocks
.explain_shown_clock, the pane's one copy), the request and the timeline in time order,
and the citizen masked unless the officer revealed (and the reveal was recorded) first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desk import timesafe
from desk.clocks import explain_shown_clock
from desk.masking import mask_citizen, mask_text
from desk.wire import Reference
from desk.worktime import Calendar

CITIZEN_FIELDS = ("name", "phone", "id_number")


@dataclass(frozen=True)
class Accountability:
    """受理时间、受理单位、责任人. `accepted_at` None: not accepted yet (the unit is the one
    responsible now). `claimed_by`/`claimed_at`: who took it from the station's queue."""

    unit: str
    accepted_by: str | None = None
    accepted_at: str | None = None
    claimed_by: str | None = None
    claimed_at: str | None = None
    received_at: str | None = None


@dataclass(frozen=True)
class SheetClock:
    clock: str
    raw: Mapping[str, Any]           # the clock as cached, for the renderer's countdown
    due_at: str | None
    provisional: bool
    steps: list[dict[str, Any]]      # desk.worktime's explanation steps


@dataclass(frozen=True)
class SheetEntry:
    type: str
    author: str                      # "" for the citizen
    unit: str
    performed_at: str | None
    received_at: str | None
    body: str                        # masked unless revealed
    data: Mapping[str, Any]
    late: bool
    pending: bool                    # written here, not yet received by the platform


@dataclass(frozen=True)
class CaseSheet:
    case_id: str
    number: str
    kind: str
    kind_name: str
    category: str
    service_item: str
    channel: str
    status: str
    unit: str
    assignee: str
    title: str
    body: str
    citizen: dict[str, str]
    revealed: frozenset[str]
    accountability: Accountability
    clocks: list[SheetClock] = field(default_factory=list)
    entries: list[SheetEntry] = field(default_factory=list)

    @property
    def masked(self) -> bool:
        """Whether any of the citizen's data is still hidden on this sheet."""
        return any(self.citizen.get(f) for f in CITIZEN_FIELDS if f not in self.revealed)


class _Names:
    def __init__(self, reference: Reference | None) -> None:
        self.units = {u.id: u.name for u in reference.units} if reference else {}
        self.officers = {o.id: o.name for o in reference.officers} if reference else {}
        self.items = {s.id: s.name for s in reference.service_items} if reference else {}

    def unit(self, unit_id: Any) -> str:
        return self.units.get(unit_id or "", unit_id or "")

    def officer(self, officer_id: Any) -> str:
        return self.officers.get(officer_id or "", officer_id or "")


def _order_key(entry: Mapping[str, Any]) -> tuple:
    # The timeline in the order things happened; work not yet received sorts by when it
    # was done, the stored order breaks ties.
    at = timesafe.sortable(entry.get("performed_at") or entry.get("received_at"))
    return (at,)


def accountability(case: Mapping[str, Any], names: _Names) -> Accountability:
    # The holder now: a transferred case arrives unclaimed in its new unit and is claimed
    # and accepted there again, so the last accept and the last claim are the ones that
    # answer for it (the earlier ones stay in the timeline below).
    entries = [e for e in case.get("entries") or [] if e.get("local_state") != "conflict"]
    accept = next((e for e in reversed(entries) if e.get("type") == "accept"), None)
    claim = next((e for e in reversed(entries) if e.get("type") == "claim"), None)
    unit = names.unit(case.get("unit_id"))
    accepted_by = accepted_at = None
    if accept is not None:
        accepted_by = accept.get("author_name") or names.officer(accept.get("author_id"))
        # The platform's time of acceptance is when it received the accept.
        accepted_at = accept.get("received_at") or accept.get("performed_at")
        unit = names.unit(accept.get("unit_id") or case.get("unit_id"))
    elif case.get("accepted_at"):
        accepted_by = names.officer(case.get("accepted_by"))
        accepted_at = case.get("accepted_at")
    claimed_by = claimed_at = None
    if claim is not None:
        claimed_by = claim.get("author_name") or names.officer(claim.get("author_id"))
        claimed_at = claim.get("received_at") or claim.get("performed_at")
    return Accountability(unit=unit, accepted_by=accepted_by or None, accepted_at=accepted_at,
                          claimed_by=claimed_by or None, claimed_at=claimed_at,
                          received_at=case.get("received_at"))


def build_sheet(case: Mapping[str, Any], reference: Reference | None, calendar: Calendar | None,
                *, revealed: frozenset[str] | set[str] = frozenset(), text_revealed: bool = False) -> CaseSheet:
    """The sheet of one case. `revealed`: the citizen's fields whose reveal the officer
    asked for and the cache recorded; `text_revealed`: the title, request and timeline
    shown unmasked too (every field found in them was revealed, as in the case pane)."""
    names = _Names(reference)
    citizen = case.get("citizen") or {}
    citizen_names = [str(citizen.get("name") or "")]

    def shown(value: Any) -> str:
        return str(value or "") if text_revealed else mask_text(str(value or ""), citizen_names)

    policies = reference.policy if reference is not None else ()
    clocks = [SheetClock(clock=str(c.get("clock") or ""), raw=c, due_at=c.get("due_at"),
                         provisional=bool(c.get("provisional")),
                         steps=explain_shown_clock(case, c, calendar, policies))
              for c in case.get("clocks") or []]
    entries = [SheetEntry(
        type=str(e.get("type") or ""),
        author=("" if e.get("type") == "citizen_message"
                else e.get("author_name") or names.officer(e.get("author_id"))),
        unit=names.unit(e.get("unit_id")) if e.get("unit_id") else "",
        performed_at=e.get("performed_at"), received_at=e.get("received_at"),
        body=shown(e.get("body")), data=e.get("data") or {}, late=bool(e.get("late")),
        pending=e.get("local_state") == "pending")
        for e in sorted(case.get("entries") or [], key=_order_key)
        if e.get("local_state") != "conflict"]
    masked_citizen = {k: str(v or "") for k, v in
                      mask_citizen({f: citizen.get(f) or "" for f in CITIZEN_FIELDS},
                                   revealed=frozenset(revealed)).items()}
    kind = str(case.get("kind") or "")
    return CaseSheet(
        case_id=str(case.get("id") or ""), number=str(case.get("number") or ""), kind=kind,
        kind_name=reference.kind_name(kind) if reference is not None else kind,
        category=str(case.get("category") or ""),
        service_item=names.items.get(case.get("service_item_id") or "", case.get("service_item_id") or ""),
        channel=str(case.get("channel") or ""), status=str(case.get("status") or ""),
        unit=names.unit(case.get("unit_id")),
        assignee=names.officer(case.get("assignee_id")) if case.get("assignee_id") else "",
        title=shown(case.get("title")), body=shown(case.get("body")),
        citizen=masked_citizen, revealed=frozenset(revealed),
        accountability=accountability(case, names), clocks=clocks, entries=entries)


def build_sheets(cases: Sequence[Mapping[str, Any]], reference: Reference | None,
                 calendar: Calendar | None,
                 revealed: Mapping[str, frozenset[str]] | None = None,
                 text_revealed: frozenset[str] | set[str] = frozenset()) -> list[CaseSheet]:
    """Sheets of several cases (the selected rows), each masked or revealed on its own:
    `revealed` by case id, `text_revealed` the ids whose text is shown in full."""
    revealed = revealed or {}
    return [build_sheet(c, reference, calendar, revealed=revealed.get(str(c.get("id")), frozenset()),
                        text_revealed=str(c.get("id")) in text_revealed) for c in cases]
