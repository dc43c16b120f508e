"""Hand-made cases, reference data and stores for the client-core tests (no tests here;
the name keeps it beside the store tests that own it)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk.rules import Actor
from desk.store import Store
from desk.wire import (
    CalendarData,
    Case,
    Officer,
    Op,
    OpError,
    OpResult,
    Policy,
    PolicyClock,
    Reference,
    RemoveChange,
    Unit,
    UpsertChange,
    format_time,
)

UTC = UTC
# A Monday in a known year with no holidays listed: working time is the weekday rule.
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

OFFICER = Actor(id="o1", unit_id="s1", roles=("officer",))
OFFICER2 = Actor(id="o2", unit_id="s1", roles=("officer",))
CHIEF = Actor(id="c1", unit_id="s1", roles=("officer", "supervisor"))
OTHER_UNIT_OFFICER = Actor(id="o3", unit_id="s2", roles=("officer",))

CITIZEN_NAME = "欧阳建华"
CITIZEN_PHONE = "13912345678"
CITIZEN_ID = "140105199001011234"


def key() -> bytes:
    return os.urandom(32)


def open_store(tmp_path: Path, name: str = "cache.db") -> Store:
    return Store.open(tmp_path / name, key())


def reference(days: dict | None = None, known_years=(2025, 2026, 2027)) -> Reference:
    return Reference(
        version="r1",
        units=[Unit(id="s1", name="城关派出所", kind="station"),
               Unit(id="s2", name="南关派出所", kind="station")],
        officers=[
            Officer(id="o1", username="officer1", name="李明", unit_id="s1", roles=["officer"]),
            Officer(id="o2", username="officer2", name="王强", unit_id="s1", roles=["officer"]),
            Officer(id="c1", username="chief1", name="赵刚", unit_id="s1",
                    roles=["officer", "supervisor"]),
        ],
        service_items=[],
        templates=[],
        policy=[
            Policy(kind="application", name="业务申办",
                   clocks=[PolicyClock(clock="accept", limit=1, unit="working_day")]),
            Policy(kind="consultation", name="业务咨询",
                   clocks=[PolicyClock(clock="reply", limit=2, unit="working_day")]),
        ],
        calendar=CalendarData(known_years=list(known_years), days=days or {}),
    )


def make_case(
    n: int,
    *,
    kind: str = "consultation",
    status: str = "new",
    unit_id: str = "s1",
    assignee_id: str | None = None,
    version: int = 1,
    received_at: datetime = MONDAY,
    due_at: datetime | None = None,
    clock: str = "reply",
    title: str = "咨询户口迁移手续",
    body: str = "请问户口从外省迁入需要哪些材料",
    citizen_name: str = CITIZEN_NAME,
    citizen_phone: str = CITIZEN_PHONE,
    clocks: list | None = None,
    entries: list | None = None,
) -> Case:
    if clocks is None:
        due = due_at or received_at + timedelta(days=2)
        clocks = [{"clock": clock, "due_at": format_time(due), "limit": 2, "unit": "working_day",
                   "started_at": format_time(received_at)}]
    return Case.model_validate({
        "id": f"case-{n}", "number": f"SX20260302{n:06d}", "kind": kind, "category": "户政",
        "channel": "portal", "title": title, "body": body,
        "citizen": {"name": citizen_name, "phone": citizen_phone, "id_number": CITIZEN_ID},
        "unit_id": unit_id, "assignee_id": assignee_id, "status": status, "version": version,
        "received_at": format_time(received_at), "clocks": clocks, "entries": entries or [],
    })


def upsert(case: Case, seq: int = 1) -> UpsertChange:
    return UpsertChange(seq=seq, op="upsert", case=case)


def remove(case_id: str, seq: int = 1, reason: str = "transferred") -> RemoveChange:
    return RemoveChange(seq=seq, op="remove", case_id=case_id, reason=reason)


_seq = iter(range(1, 10**9))


def op(case_id: str, type_: str = "note", payload: dict | None = None, *, base_version: int = 1,
       performed_at: datetime = MONDAY + timedelta(hours=1)) -> Op:
    if payload is None:
        payload = {"body": "电话联系群众，已说明所需材料"} if type_ in ("note", "reply") else {}
    return Op(op_id=str(uuid.uuid4()), seq=next(_seq), case_id=case_id, type=type_,
              base_version=base_version, performed_at=performed_at, payload=payload)


def result(o: Op, outcome: str, case: Case | None = None, code: str = "") -> OpResult:
    return OpResult(op_id=o.op_id, outcome=outcome, case=case,
                    error=OpError(code=code, detail=f"{code} detail") if code else None)
