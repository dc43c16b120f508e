"""What the service's rooms share: times as stored, canonical JSON, the caller and the
scope rule, and the Room base with the meta table."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, overload
from zoneinfo import ZoneInfo

from central.blobs import BlobStore
from central.db import Database, PostgresDatabase
from central.service.quietmemo import QuietMemo
from desk import rules, wire
from desk.worktime import Calendar

log = logging.getLogger("central.service")

ZONE = ZoneInfo(wire.CONTRACT_ZONE)
FINAL = ("closed", "declined")
# The change log's form (meta "log"): each case's latest change only, departures
# indexed by audience. A database without it is upgraded on start (Service._upgrade_log).
LOG_FORM = "latest+departures"


def utcnow() -> datetime:
    return datetime.now(UTC)


def db_time(t: datetime) -> str:
    """A fixed-width UTC form, so stored times compare correctly as text."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_db_time(s: str) -> datetime:
    return wire.parse_stored_time(s)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Caller:
    id: str
    username: str
    name: str
    badge_no: str
    unit_id: str
    roles: tuple[str, ...]
    device_id: str = ""

    @property
    def actor(self) -> rules.Actor:
        return rules.Actor(id=self.id, unit_id=self.unit_id, roles=self.roles)

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles

    def wire(self) -> wire.Officer:
        return wire.Officer(id=self.id, username=self.username, name=self.name,
                            badge_no=self.badge_no, unit_id=self.unit_id,
                            roles=list(self.roles))


def _caller(row: Any, device_id: str = "") -> Caller:
    return Caller(id=row["id"], username=row["username"], name=row["name"],
                  badge_no=row["badge_no"], unit_id=row["unit_id"],
                  roles=tuple(json.loads(row["roles"])), device_id=device_id)


def in_scope(caller: Caller, unit_id: str | None, assignee_id: str | None) -> bool:
    """The contract's scope rule (desk.rules); `retired` (closed past retention) is
    checked apart."""
    return rules.in_scope(caller.actor, unit_id, assignee_id)


def _scope_sql(caller: Caller) -> tuple[str, list[Any]]:
    return rules.scope_sql(caller.actor)


def _scope_branches(caller: Caller) -> list[tuple[str, list[Any]]]:
    return rules.scope_branches(caller.actor)


class Room:
    """What every room of the service reads: the database, the clock and the reference
    data that ReferenceRoom loads. Service.__init__ sets them all."""

    db: Database | PostgresDatabase
    files: BlobStore
    # PostgreSQL only: what a quiet poll needs, held in memory (quietmemo.py).
    quiet_memo: QuietMemo | None = None
    clock: Callable[[], datetime]
    calendar: Calendar
    gateway_token: str
    token_ttl: timedelta
    change_retention: timedelta
    closed_retention: timedelta
    policy_overrides: list[wire.Policy]
    units: list[wire.Unit]
    unit_ids: set[str]
    officer_units: dict[str, str]
    officer_names: dict[str, str]
    supervisor_ids: set[str]
    service_items: list[Any]
    templates: list[Any]
    policies: dict[str, wire.Policy]
    reference_version: str
    _calendar_wire: dict[str, Any]

    def now(self) -> datetime:
        t = self.clock()
        if t.tzinfo is None:
            raise ValueError("the server clock must return aware times")
        return t.astimezone(UTC)

    @overload
    def _meta(self, conn: Any, key: str, default: str) -> str: ...
    @overload
    def _meta(self, conn: Any, key: str, default: None = None) -> str | None: ...

    def _meta(self, conn: Any, key: str, default: str | None = None) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def _bump_meta(self, conn: Any, key: str) -> int:
        """The counter `key` plus one, stored and returned in one statement: a read and
        a write were two round trips per change on PostgreSQL. Inside the write
        transaction, whose lock keeps the numbering gapless and in commit order."""
        row = conn.execute("INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE"
                           " SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT) RETURNING value",
                           (key,)).fetchone()
        return int(row["value"])

    def _set_meta(self, conn: Any, key: str, value: str) -> None:
        conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
