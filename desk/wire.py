"""The wire format of the case exchange API (../shared/contract.md), defined once.

The reference server validates requests with these models and the client validates
responses with them. Every model tolerates fields it does not know (the contract allows
extra fields in either direction) and drops them.

The platform grows while old clients are still installed (the contract's "Growth"
section), so every listed set is written once, as a Literal, and used in two modes:
- CLOSED in what a side sends: requests (ops and their payloads, login, citizen
  events) are typed with the Literal itself, so the client cannot build an op with a
  value it does not know and the server refuses one it was not built for (intake's
  `kind` is the one word checked against the server's own policy, which may grow).
- OPEN in what a side reads back: cases, entries, reference data, the feed and op
  results type the same set as `Open*` (any non-empty word, the Literal's values as
  examples). An unknown kind, entry type, status, reason, unit kind, role, clock name
  or outcome is kept as it is and shown; what it means is decided where it is used
  (rules.py offers no transition on an unknown status, clocks follow the policy row).
And `null` in a field the contract does not require reads as absent (its default),
through `Absent`, natively in pydantic-core: a Python call per field of every case
would cost a first sync a noticeable share of its time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import core_schema

API_PREFIX = "/api/v1"
MAX_BODY_CHARS = 5000
MAX_OPS_PER_PUSH = 100
MAX_REQUEST_BYTES = 1024 * 1024
MAX_CHANGES_LIMIT = 1000
DEFAULT_CHANGES_LIMIT = 200
# Attachments (the contract's section): the reference server's limits, and what a
# client assumes of a server whose /reference names none.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain")
ATTACHMENTS_PER_ENTRY = 10
# An upload is named by the file's sha256 in lower-case hex.
SHA256_PATTERN = r"^[0-9a-f]{64}$"

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
# What a reveal records: a citizen's field shown, or an attachment saved out of the cache.
RevealField = Literal["name", "phone", "id_number", "attachment"]
RemoveReason = Literal["transferred", "reassigned", "retention"]
DayKind = Literal["holiday", "workday"]
ENTRY_TYPES: tuple[str, ...] = EntryType.__args__  # type: ignore[attr-defined]
UNIT_KINDS: tuple[str, ...] = UnitKind.__args__  # type: ignore[attr-defined]
CLOCK_NAMES: tuple[str, ...] = ClockName.__args__  # type: ignore[attr-defined]
CLOCK_UNITS: tuple[str, ...] = ClockUnit.__args__  # type: ignore[attr-defined]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
REMOVE_REASONS: tuple[str, ...] = RemoveReason.__args__  # type: ignore[attr-defined]
# The word a new case kind or status may take: what a server could reasonably name one.
WORD_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"


def _open(values: tuple[str, ...]) -> Any:
    return Field(min_length=1, max_length=200, examples=list(values))


# The listed sets as read back (see the module docstring): the known values, or any other.
OpenKind = Annotated[str, _open(CASE_KINDS)]
OpenStatus = Annotated[str, _open(STATUSES)]
OpenEntryType = Annotated[str, _open(ENTRY_TYPES)]
OpenUnitKind = Annotated[str, _open(UNIT_KINDS)]
OpenClockName = Annotated[str, _open(CLOCK_NAMES)]
OpenClockUnit = Annotated[str, _open(CLOCK_UNITS)]
OpenOutcome = Annotated[str, _open(OUTCOMES)]
OpenReason = Annotated[str, _open(REMOVE_REASONS)]
OpenRole = Annotated[str, _open(Role.__args__)]


def Absent(factory: Callable[[], Any]) -> Any:
    """`null` reads as `factory()` (the field's default) instead of failing the record.

    A left-to-right union: the field's own schema first (no Python call for a value
    that is there), then null, which alone calls `factory`. Only null: any other value
    that does not fit still makes the record unreadable (a list of entries with one bad
    entry must not read as no entries)."""

    def schema(source: Any, handler: Any) -> Any:
        absent = core_schema.chain_schema([
            core_schema.none_schema(),
            core_schema.no_info_plain_validator_function(lambda _none: factory()),
        ])
        return core_schema.union_schema([handler(source), absent], mode="left_to_right")

    return GetPydanticSchema(schema)


Text = Annotated[str, Absent(str)]
# The contract's zone. Every calendar names its own and times are shown and counted in
# that one; this is the zone only where no calendar has arrived yet.
CONTRACT_ZONE = "Asia/Shanghai"
Flag = Annotated[bool, Absent(bool)]


def _aware_utc(value: datetime) -> datetime:
    """Times on the wire carry an offset; we keep them as aware UTC datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a UTC offset (RFC 3339)")
    try:
        return value.astimezone(UTC)
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


def parse_time(value: Any) -> datetime | None:
    """The one reader of a time as text: the wire's RFC 3339, the caches' and the server's
    fixed-width `...Z` columns. None for no value; a time without an offset is taken as
    UTC, as every time we write is. A text that is not a time raises ValueError (see
    desk.timesafe.parse for the reader that never raises, for display)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_stored_time(value: Any) -> datetime:
    """parse_time for a column that is never empty (NOT NULL, or checked by the query)."""
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError("no time where one is required")
    return parsed


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict sent over the wire."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- errors


class Problem(WireModel):
    """application/problem+json (RFC 9457) with the contract's stable `code`."""

    type: Annotated[str, Absent(lambda: "about:blank")] = "about:blank"
    title: Text = ""
    status: Annotated[int, Absent(int)] = 0
    detail: Text = ""
    # An open set too: a code this client does not know is shown as it is.
    code: Text = ""


class OpError(WireModel):
    code: Text = ""
    detail: Text = ""


# ---------------------------------------------------------------- sessions


class Officer(WireModel):
    id: Id
    username: Text = ""
    name: Text = ""
    badge_no: Text = ""
    unit_id: Id
    # Read back: a role this client does not know is kept (and grants nothing here).
    roles: Annotated[list[OpenRole], Absent(list)] = Field(default_factory=list)


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
    name: Text = ""
    parent_id: str | None = None
    kind: Annotated[OpenUnitKind, Absent(str)] = ""


class ServiceItem(WireModel):
    id: Id
    category: Text = ""
    name: Text = ""
    mode: Text = ""


class Template(WireModel):
    id: Id
    title: Text = ""
    body: Text = ""


class PolicyClock(WireModel):
    clock: OpenClockName
    limit: Annotated[int, Field(ge=0)]
    unit: OpenClockUnit


class Policy(WireModel):
    """One case kind's row. A kind this client was not built with arrives with its row,
    and its clocks and display name (`name`) follow it like any other kind's."""

    kind: OpenKind
    name: Text = ""
    clocks: Annotated[list[PolicyClock], Absent(list)] = Field(default_factory=list)


class CalendarData(WireModel):
    zone: Annotated[str, Absent(lambda: CONTRACT_ZONE)] = CONTRACT_ZONE
    known_years: Annotated[list[int], Absent(list)] = Field(default_factory=list)
    # Closed even when read: a day this desk cannot classify cannot be counted.
    days: Annotated[dict[date, DayKind], Absent(dict)] = Field(default_factory=dict)
    # Extra to the contract: the names of holidays, so a due time can be explained
    # ("National Day skipped"). Clients that do not know it ignore it.
    names: Annotated[dict[date, str], Absent(dict)] = Field(default_factory=dict)


class Limits(WireModel):
    """`/reference` `limits`: what a server accepts as an attachment, so a client can
    refuse a file before it queues it offline. A server that sends none is taken to
    have the reference server's (the contract's figures)."""

    attachment_max_bytes: Annotated[int, Field(ge=0), Absent(lambda: ATTACHMENT_MAX_BYTES)] = ATTACHMENT_MAX_BYTES
    # Read back open: a type this client does not know is kept (it may not show it).
    attachment_types: Annotated[list[str], Absent(lambda: list(ATTACHMENT_TYPES))] = Field(
        default_factory=lambda: list(ATTACHMENT_TYPES))
    attachments_per_entry: Annotated[int, Field(ge=0), Absent(lambda: ATTACHMENTS_PER_ENTRY)] = ATTACHMENTS_PER_ENTRY


class Reference(WireModel):
    version: str
    units: Annotated[list[Unit], Absent(list)] = Field(default_factory=list)
    officers: Annotated[list[Officer], Absent(list)] = Field(default_factory=list)
    service_items: Annotated[list[ServiceItem], Absent(list)] = Field(default_factory=list)
    templates: Annotated[list[Template], Absent(list)] = Field(default_factory=list)
    policy: Annotated[list[Policy], Absent(list)] = Field(default_factory=list)
    calendar: CalendarData
    limits: Annotated[Limits, Absent(Limits)] = Field(default_factory=Limits)

    def policy_for(self, kind: str | None) -> Policy | None:
        return next((p for p in self.policy if p.kind == kind), None)

    def kind_name(self, kind: str | None) -> str:
        """The display name of a case kind from its policy row (a kind this client was
        not built with has no name of its own), else the kind as it is."""
        policy = self.policy_for(kind)
        return (policy.name if policy is not None and policy.name else "") or (kind or "")


# ---------------------------------------------------------------- the case


class Citizen(WireModel):
    name: Text = ""
    phone: Text = ""
    id_number: Text = ""


class Clock(WireModel):
    clock: OpenClockName
    due_at: UtcTime
    stopped_at: UtcTime | None = None
    paused: Flag = False
    provisional: Flag = False
    # Extras to the contract that the reference server sends so a client can show a
    # paused clock and resume it without guessing; clients fall back to the policy.
    limit: int | None = None
    unit: OpenClockUnit | None = None
    started_at: UtcTime | None = None
    paused_at: UtcTime | None = None
    # The officer's performed_at of the op that stopped the clock (kept beside the
    # server's stopped_at: "late, done offline on time").
    stopped_performed_at: UtcTime | None = None


class Rating(WireModel):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Text = ""
    rated_at: UtcTime


class Entry(WireModel):
    id: Id
    # An entry type this client does not know is shown with its type and body.
    type: OpenEntryType
    author_id: str | None = None
    # null for a citizen's message: no officer wrote it.
    author_name: Text = ""
    unit_id: str | None = None
    body: Text = ""
    data: Annotated[dict[str, Any], Absent(dict)] = Field(default_factory=dict)
    performed_at: UtcTime
    received_at: UtcTime
    op_id: str | None = None
    late: Flag = False


class Attachment(WireModel):
    id: Id
    entry_id: str | None = None
    name: Text = ""
    content_type: Annotated[str, Absent(lambda: "application/octet-stream")] = "application/octet-stream"
    size: Annotated[int, Field(ge=0), Absent(int)] = 0
    sha256: Text = ""


class Case(WireModel):
    # Required by the contract: id, number, kind, status, version, unit_id, received_at
    # (and each clock's clock and due_at). Everything else may be null or missing.
    id: Id
    number: Annotated[str, Field(min_length=1)]
    kind: OpenKind
    service_item_id: str | None = None
    category: Text = ""
    channel: Text = ""
    title: Text = ""
    body: Text = ""
    citizen: Annotated[Citizen, Absent(Citizen)] = Field(default_factory=Citizen)
    unit_id: Id
    assignee_id: str | None = None
    # A status this client does not know makes the case read-only (rules.py).
    status: OpenStatus
    version: Annotated[int, Field(ge=0)]
    received_at: UtcTime
    accepted_at: UtcTime | None = None
    accepted_by: str | None = None
    clocks: Annotated[list[Clock], Absent(list)] = Field(default_factory=list)
    rating: Rating | None = None
    entries: Annotated[list[Entry], Absent(list)] = Field(default_factory=list)
    attachments: Annotated[list[Attachment], Absent(list)] = Field(default_factory=list)


# ---------------------------------------------------------------- the change feed


class UpsertChange(WireModel):
    seq: int
    op: Literal["upsert"]
    case: Case


class RemoveChange(WireModel):
    seq: int
    op: Literal["remove"]
    case_id: Id
    reason: Annotated[OpenReason, Absent(str)] = ""


Change = Annotated[UpsertChange | RemoveChange, Field(discriminator="op")]


class UnreadableChange(WireModel):
    """A change of a feed page that does not fit the contract even read tolerantly. It
    is set aside rather than failing the page; only its place is kept (ids, never
    values: the values may be personal data)."""

    seq: int | None = None
    case_id: str | None = None
    number: str | None = None
    version: int | None = None
    # e.g. "case.entries.2.performed_at: datetime_from_date_parsing (1 problem)".
    problem: str

    @property
    def key(self) -> str:
        """What the set-aside record is filed under: the case, or its place in the feed."""
        return self.case_id or f"seq:{self.seq}"


class ChangesResponse(WireModel):
    changes: list[Change]
    next_cursor: str
    has_more: bool
    server_time: UtcTime
    reference_version: str
    # Filled by read_changes, never on the wire.
    _unreadable: list[UnreadableChange] = PrivateAttr(default_factory=list)

    @property
    def unreadable(self) -> list[UnreadableChange]:
        return self._unreadable


_CHANGE: TypeAdapter[Any] = TypeAdapter(Change)


def _problem(exc: ValidationError, skip: int = 0) -> str:
    first: Any = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ())[skip:]) or "change"
    return f"{where}: {first.get('type', 'invalid')} ({exc.error_count()} problem(s))"


def _unreadable(item: Any, exc: ValidationError) -> UnreadableChange:
    def word(value: Any) -> str | None:
        return value[:200] if isinstance(value, str) and value else None

    item = item if isinstance(item, dict) else {}
    case = item.get("case") if isinstance(item.get("case"), dict) else {}
    seq, version = item.get("seq"), case.get("version")
    return UnreadableChange(
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        case_id=word(case.get("id")) or word(item.get("case_id")),
        number=word(case.get("number")),
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        problem=_problem(exc))


def read_changes(content: bytes | str) -> ChangesResponse:
    """A feed page, with the changes that cannot be read set aside (`unreadable`)
    instead of failing the page: one case a newer server writes in a way this client
    cannot follow must not stop the sync of every other case.

    The whole page is validated in one pass first (the usual case, and the fast one);
    only a page that fails, and fails nowhere but inside its changes, is read again
    change by change. Raises ValidationError when the page itself does not fit."""
    try:
        return ChangesResponse.model_validate_json(content)
    except ValidationError as exc:
        errors = exc.errors()
        inside = all(len(e.get("loc", ())) >= 2 and e["loc"][0] == "changes"
                     and isinstance(e["loc"][1], int) for e in errors)
        if not errors or not inside:
            raise
    raw = json.loads(content)
    page = ChangesResponse.model_validate({**raw, "changes": []})
    for item in raw["changes"]:
        try:
            page.changes.append(_CHANGE.validate_python(item))
        except ValidationError as exc:
            page._unreadable.append(_unreadable(item, exc))
    return page


class SummaryResponse(WireModel):
    """Extra to the contract (GET /summary): case counts per status in the caller's
    scope, at `cursor`, so a client can check its cache after a sync."""

    counts: dict[str, int]
    cursor: str
    server_time: UtcTime


# ---------------------------------------------------------------- operations


class ClaimPayload(WireModel):
    pass


class AcceptPayload(WireModel):
    pass


class DeclinePayload(WireModel):
    reason: Body


def _file_name(value: str) -> str:
    # A name is shown and offered when saving: no folders, no control characters.
    if not value.strip() or any(c in value for c in "/\\") or any(
            ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in value):
        raise ValueError("a file name is one plain name, without folders or control characters")
    return value


FileName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_file_name)]


class AttachmentRef(WireModel):
    """A file an op carries (reply, note, callback): uploaded before the op, by sha256.
    The server takes the type from the bytes; `content_type` is what the client saw."""

    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    name: FileName
    content_type: Annotated[str, Field(min_length=1, max_length=200)]


# How many a payload may list is the server's `limits.attachments_per_entry`; this cap
# only bounds what is parsed at all.
AttachmentRefs = Annotated[list[AttachmentRef], Field(max_length=100)]


def _empty(value: Any) -> bool:
    # A payload without files is sent as it was before attachments existed: the same
    # bytes in the outbox, nothing new for an older server to meet.
    return not value


class ReplyPayload(WireModel):
    body: Body
    notify_sms: bool = False
    attachments: AttachmentRefs = Field(default_factory=list, exclude_if=_empty)


class NotePayload(WireModel):
    body: Body
    attachments: AttachmentRefs = Field(default_factory=list, exclude_if=_empty)


class CallbackPayload(WireModel):
    outcome: CallbackOutcome
    duration_s: Annotated[int, Field(ge=0, le=86400)] = 0
    body: Body
    satisfaction: Satisfaction | None = None
    attachments: AttachmentRefs = Field(default_factory=list, exclude_if=_empty)


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
    field: RevealField
    # With field "attachment": the file saved out of the encrypted cache.
    attachment_id: Id | None = Field(default=None, exclude_if=_empty)

    @model_validator(mode="after")
    def _names_the_attachment(self) -> RevealPayload:
        if (self.field == "attachment") != (self.attachment_id is not None):
            raise ValueError("attachment_id goes with field attachment, and only with it")
        return self


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
    # An outcome this client does not know settles nothing: the op stays queued.
    outcome: OpenOutcome
    case: Case | None = None
    error: OpError | None = None


class OpsResponse(WireModel):
    results: list[OpResult]


# ---------------------------------------------------------------- the citizen side


class IntakeRequest(WireModel):
    # Any kind the receiving server has a policy row for (central/policy.py may add
    # kinds by configuration); the server refuses every other with unknown_kind.
    kind: Annotated[str, Field(pattern=WORD_PATTERN)]
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

