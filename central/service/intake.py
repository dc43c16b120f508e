"""The citizen side (reference server only): intake, citizens' messages and ratings,
and the files they bring (stored by central/blobs.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from central.errors import ApiError

# ---------------------------------------------------------------- request extras
from central.service.common import ZONE
from central.service.feed import FeedRoom
from desk import clocks as sla
from desk import wire

INTAKE_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
INTAKE_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class IntakeAttachment(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=200)
    data_base64: str


class ReferenceIntakeRequest(wire.IntakeRequest):
    """The contract's intake plus, on the reference server only, inline attachments."""

    attachments: list[IntakeAttachment] = Field(default_factory=list)

    @field_validator("received_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        # Case numbers hold the day and clocks add up to 60 days to it: a time near the
        # ends of what datetime can hold would overflow instead of being refused.
        if value is not None and not (INTAKE_EARLIEST <= value < INTAKE_LATEST):
            raise ValueError("received_at must lie between 1970 and 2200")
        return value


class ReferenceCitizenEventRequest(wire.CitizenEventRequest):
    """The contract's citizen event plus, on the reference server only, the files a
    message brings (the material a case waiting on the citizen asked for)."""

    attachments: list[IntakeAttachment] = Field(default_factory=list)


def _decoded_files(request: Any) -> list[tuple[IntakeAttachment, bytes]]:
    """The inline files of an intake or a citizen message (reference server only)."""
    files = []
    for att in getattr(request, "attachments", []) or []:
        try:
            data = base64.b64decode(att.data_base64, validate=True)
        except ValueError as exc:
            raise ApiError(422, "validation_failed", "an attachment is not valid base64") from exc
        files.append((att, data))
    return files


class IntakeRoom(FeedRoom):
    # ------------------------------------------------------------ the citizen side

    def _route(self, request: wire.IntakeRequest) -> str:
        if request.unit_id is not None:
            if request.unit_id not in self.unit_ids:
                raise ApiError(422, "unknown_unit", "no such unit")
            return request.unit_id
        try:
            from central.seeds import DEFAULT_UNIT_BY_CATEGORY
        except ImportError:
            DEFAULT_UNIT_BY_CATEGORY = {}
        unit_id = DEFAULT_UNIT_BY_CATEGORY.get(request.category)
        if unit_id in self.unit_ids:
            return unit_id
        stations = [u.id for u in self.units if u.kind == "station"]
        if not stations:
            raise ApiError(422, "unknown_unit", "no unit to route this case to")
        return stations[0]

    def intake(self, request: wire.IntakeRequest, *, now: datetime) -> dict[str, Any]:
        if request.kind not in self.policies:
            # Strict on what it receives: a kind is one of this server's policy rows.
            raise ApiError(422, "unknown_kind", "no such case kind")
        unit_id = self._route(request)
        received_at = request.received_at or now
        files = _decoded_files(request)
        day = received_at.astimezone(ZONE).strftime("%Y%m%d")
        with self.db.write() as conn:
            key = f"number:{day}"
            # Past the last number the raise rolls the bump back with the rest.
            n = self._bump_meta(conn, key)
            if n > 999_999:
                raise ApiError(503, "numbers_exhausted", "no case numbers left for the day",
                               headers={"Retry-After": "3600"})
            number = f"SX{day}{n:06d}"
            case = wire.Case(
                id=number, number=number, kind=request.kind, service_item_id=request.service_item_id,
                category=request.category, channel=request.channel, title=request.title,
                body=request.body, citizen=request.citizen, unit_id=unit_id, assignee_id=None,
                status="new", version=1, received_at=received_at,
                clocks=sla.start_clocks(self.policies.get(request.kind), received_at, self.calendar),
            )
            for i, (att, data) in enumerate(files, start=1):
                # The type is read from the bytes (central/blobs.py), not taken from the portal.
                case.attachments.append(self.files.add_file(
                    conn, case_id=number, attachment_id=f"{number}-a{i}", entry_id=None,
                    name=att.name, data=data, now=now))
            return self._save_case(conn, case, now=now, old=(None, None), reason=None, insert=True)

    def citizen_event(self, case_id: str, request: wire.CitizenEventRequest, *, now: datetime) -> dict[str, Any]:
        if request.type == "message" and not request.body.strip():
            raise ApiError(422, "validation_failed", "a message needs a body")
        if request.type == "rating" and request.score is None:
            raise ApiError(422, "validation_failed", "a rating needs a score from 1 to 5")
        with self.db.write() as conn:
            loaded = self._load_case(conn, case_id)
            if loaded is None:
                raise ApiError(404, "not_found", "no such case")
            _, case = loaded
            old = (case.unit_id, case.assignee_id)
            n = len(case.entries)
            if request.type == "message":
                case.entries.append(wire.Entry(
                    id=f"{case.id}-e{n + 1}", type="citizen_message", author_name="",
                    body=request.body, performed_at=now, received_at=now))
                for att, data in _decoded_files(request):
                    case.attachments.append(self.files.add_file(
                        conn, case_id=case.id, attachment_id=f"{case.id}-a{len(case.attachments) + 1}",
                        entry_id=f"{case.id}-e{n + 1}", name=att.name, data=data, now=now))
                if case.status == "waiting_citizen":
                    case.status = "in_progress"
                    case.clocks = sla.resume_for_citizen_message(
                        case.clocks, at=now, cal=self.calendar, policy=self.policies.get(case.kind))
                    case.entries.append(wire.Entry(
                        id=f"{case.id}-e{n + 2}", type="status", body="",
                        data={"from": "waiting_citizen", "to": "in_progress", "by": "citizen"},
                        performed_at=now, received_at=now))
            else:
                assert request.score is not None  # a rating without one is refused on entry
                case.rating = wire.Rating(score=request.score, comment=request.body, rated_at=now)
                case.entries.append(wire.Entry(
                    id=f"{case.id}-e{n + 1}", type="rating", body=request.body,
                    data={"score": request.score}, performed_at=now, received_at=now))
            case.version += 1
            return self._save_case(conn, case, now=now, old=old, reason=None)
