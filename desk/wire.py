"""The wire format of the case exchange API (../shared/contract.md), defined once.

The reference server validates requests with these models and the client validates
responses with them. Every model tolerates fields it does not know (the contract allows
extra fields in either direction) and drops them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"
MAX_BODY_CHARS = 5000
MAX_OPS_PER_PUSH = 100
MAX_REQUEST_BYTES = 1024 * 1024
MAX_CHANGES_LIMIT = 1000
DEFAULT_CHANGES_LIMIT = 200

CaseKind = Literal["application", "consultation", "tip", "appeal", "mailbox", "petition"]
CASE_KINDS: tuple[str, ...] = CaseKind.__args__  # type: ignore[attr-defined]
Status = Literal["new", "accepted", "in_progress", "waiting_citizen", "closed", "declined"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
ClockName = Literal["accept", "reply", "close"]
ClockUnit = Literal["working_day", "calendar_day"]
UnitKind = Literal["province", "city", "county", "station", "section"]
Role = Literal["officer", "supervisor"]
EntryType = Literal[
    "citizen_message", "reply", "note", "callback", "status", "claim", "accept",
    "decline", "transfer", "reassign", "urge", "rating", "reveal",
]
OpType = Literal[
    "claim", "accept", "decline", "reply", "note", "callback", "set_status",
    "transfer", "reassign", "urge", "reveal",
]
OP_TYPES: tuple[str, ...] = OpType.__args__  # type: ignore[attr-defined]
Outcome = Literal["applied", "duplicate", "conflict", "rejected", "blocked"]
CallbackOutcome = Literal["reached", "no_answer", "busy", "wrong_number", "refused"]
Satisfaction = Literal["satisfied", "neutral", "dissatisfied"]
CitizenField = Literal["name", "phone", "id_number"]
RemoveReason = Literal["transferred", "reassigned", "retention"]
DayKind = Literal["holiday", "workday"]


def _aware_utc(value: datetime) -> datetime:
    """Times on the wire carry an offset; we keep them as aware UTC datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a UTC offset (RFC 3339)")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        # 0001-01-01T00:00+14:00 and 9999-12-31T23:59-14:00 have no UTC form.
        raise ValueError("time is out of range in UTC") from None


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text must not be blank")
    return value


UtcTime = Annotated[datetime, AfterValidator(_aware_utc)]
# Bodies are plain text, 1 to 5,000 characters, and not only whitespace.
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS), AfterValidator(_non_blank)]
ShortText = Annotated[str, Field(max_length=MAX_BODY_CHARS)]
Id = Annotated[str, Field(min_length=1, max_length=200)]


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a Z, the way the contract writes times."""
    return _aware_utc(value).isoformat().replace("+00:00", "Z")


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict sent over the wire."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- errors


class Problem(WireModel):
    """application/problem+json (RFC 9457) with the contract's stable `code`."""

    type: str = "about:blank"
    title: str = ""
    status: int = 0
    detail: str = ""
    code: str = ""


class OpError(WireModel):
    code: str
    detail: str = ""


# ---------------------------------------------------------------- sessions


class Officer(WireModel):
    id: Id
    username: str
    name: str
    badge_no: str = ""
    unit_id: Id
    roles: list[Role] = Field(default_factory=list)


class LoginRequest(WireModel):
    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]
    device_name: Annotated[str, Field(max_length=200)] = ""


class LoginResponse(WireModel):
    token: str
    expires_at: UtcTime
    server_time: UtcTime
    device_secret: str
    officer: Officer


# ---------------------------------------------------------------- reference data


class Unit(WireModel):
    id: Id
    name: str
    parent_id: str | None = None
    kind: UnitKind


class ServiceItem(WireModel):
    id: Id
    category: str
    name: str
    mode: str


class Template(WireModel):
    id: Id
    title: str
    body: str


class PolicyClock(WireModel):
    clock: ClockName
    limit: Annotated[int, Field(ge=0)]
    unit: ClockUnit


class Policy(WireModel):
    kind: CaseKind
    name: str
    clocks: list[PolicyClock]


class CalendarData(WireModel):
    zone: str = "Asia/Shanghai"
    known_years: list[int]
    days: dict[date, DayKind] = Field(default_factory=dict)
    # Extra to the contract: the names of holidays, so a due time can be explained
    # ("National Day skipped"). Clients that do not know it ignore it.
    names: dict[date, str] = Field(default_factory=dict)


class Reference(WireModel):
    version: str
    units: list[Unit]
    officers: list[Officer]
    service_items: list[ServiceItem]
    templates: list[Template]
    policy: list[Policy]
    calendar: CalendarData


# ---------------------------------------------------------------- the case


class Citizen(WireModel):
    name: str = ""
    phone: str = ""
    id_number: str = ""


class Clock(WireModel):
    clock: ClockName
    due_at: UtcTime
    stopped_at: UtcTime | None = None
    paused: bool = False
    provisional: bool = False
    # Extras to the contract that the reference server sends so a client can show a
    # paused clock and resume it without guessing; clients fall back to the policy.
    limit: int | None = None
    unit: ClockUnit | None = None
    started_at: UtcTime | None = None
    paused_at: UtcTime | None = None
    # The officer's performed_at of the op that stopped the clock (kept beside the
    # server's stopped_at: "late, done offline on time").
    stopped_performed_at: UtcTime | None = None


class Rating(WireModel):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: str = ""
    rated_at: UtcTime


class Entry(WireModel):
    id: Id
    type: EntryType
    author_id: str | None = None
    author_name: str = ""
    unit_id: str | None = None
    body: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    performed_at: UtcTime
    received_at: UtcTime
    op_id: str | None = None
    late: bool = False


class Attachment(WireModel):
    id: Id
    entry_id: str | None = None
    name: str
    content_type: str
    size: Annotated[int, Field(ge=0)]
    sha256: str


class Case(WireModel):
    id: Id
    number: str
    kind: CaseKind
    service_item_id: str | None = None
    category: str = ""
    channel: str = ""
    title: str = ""
    body: str = ""
    citizen: Citizen = Field(default_factory=Citizen)
    unit_id: Id
    assignee_id: str | None = None
    status: Status
    version: Annotated[int, Field(ge=0)]
    received_at: UtcTime
    accepted_at: UtcTime | None = None
    accepted_by: str | None = None
    clocks: list[Clock] = Field(default_factory=list)
    rating: Rating | None = None
    entries: list[Entry] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)


# ---------------------------------------------------------------- the change feed


class UpsertChange(WireModel):
    seq: int
    op: Literal["upsert"]
    case: Case


class RemoveChange(WireModel):
    seq: int
    op: Literal["remove"]
    case_id: Id
    reason: RemoveReason


Change = Annotated[Union[UpsertChange, RemoveChange], Field(discriminator="op")]


class ChangesResponse(WireModel):
    changes: list[Change]
    next_cursor: str
    has_more: bool
    server_time: UtcTime
    reference_version: str


class SummaryResponse(WireModel):
    """Extra to the contract (GET /summary): case counts per status in the caller's
    scope, at `cursor`, so a client can check its cache after a sync."""

    counts: dict[Status, int]
    cursor: str
    server_time: UtcTime


# ---------------------------------------------------------------- operations


class ClaimPayload(WireModel):
    pass


class AcceptPayload(WireModel):
    pass


class DeclinePayload(WireModel):
    reason: Body


class ReplyPayload(WireModel):
    body: Body
    notify_sms: bool = False


class NotePayload(WireModel):
    body: Body


class CallbackPayload(WireModel):
    outcome: CallbackOutcome
    duration_s: Annotated[int, Field(ge=0, le=86400)] = 0
    body: Body
    satisfaction: Satisfaction | None = None


class SetStatusPayload(WireModel):
    to: Status
    reason: ShortText = ""


class TransferPayload(WireModel):
    to_unit_id: Id
    reason: Body


class ReassignPayload(WireModel):
    to_officer_id: Id
    reason: Body


class UrgePayload(WireModel):
    body: Body


class RevealPayload(WireModel):
    field: CitizenField


OP_PAYLOADS: dict[str, type[WireModel]] = {
    "claim": ClaimPayload,
    "accept": AcceptPayload,
    "decline": DeclinePayload,
    "reply": ReplyPayload,
    "note": NotePayload,
    "callback": CallbackPayload,
    "set_status": SetStatusPayload,
    "transfer": TransferPayload,
    "reassign": ReassignPayload,
    "urge": UrgePayload,
    "reveal": RevealPayload,
}


def parse_payload(op_type: str, payload: dict[str, Any]) -> WireModel:
    """Validate an op's payload for its type. Raises pydantic.ValidationError."""
    return OP_PAYLOADS[op_type].model_validate(payload)


class Op(WireModel):
    # The payload is validated per op (parse_payload) so that one bad op is `rejected`
    # on its own instead of failing the whole batch.
    op_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{32,36}$")]
    seq: Annotated[int, Field(ge=0)]
    case_id: Id
    type: OpType
    base_version: Annotated[int, Field(ge=0)]
    performed_at: UtcTime
    payload: dict[str, Any] = Field(default_factory=dict)


class OpsRequest(WireModel):
    ops: Annotated[list[Op], Field(min_length=1, max_length=MAX_OPS_PER_PUSH)]


class OpsEnvelope(WireModel):
    """What the server checks of a push as a whole: 1 to 100 objects. Each is then
    validated alone as an Op, so one bad op is `rejected` and the others still apply
    (a bad op that failed the whole batch would block an outbox forever)."""

    ops: Annotated[list[Any], Field(min_length=1, max_length=MAX_OPS_PER_PUSH)]


class OpResult(WireModel):
    op_id: str
    outcome: Outcome
    case: Case | None = None
    error: OpError | None = None


class OpsResponse(WireModel):
    results: list[OpResult]


# ---------------------------------------------------------------- the citizen side


class IntakeRequest(WireModel):
    kind: CaseKind
    category: Annotated[str, Field(max_length=200)] = ""
    service_item_id: str | None = None
    channel: Annotated[str, Field(max_length=200)] = ""
    title: Annotated[str, Field(min_length=1, max_length=500)]
    body: Body
    citizen: Citizen = Field(default_factory=Citizen)
    unit_id: str | None = None
    received_at: UtcTime | None = None


class CitizenEventRequest(WireModel):
    type: Literal["message", "rating"]
    body: ShortText = ""
    score: Annotated[int, Field(ge=1, le=5)] | None = None

