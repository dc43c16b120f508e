"""The store's state room: sync state, the reference data (parsed once), drafts,
warnings raised, and the statuses a newer platform added."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlcipher3

from desk import overlay
from desk.store.base import StoreBase, _dumps, _now, _time
from desk.store.changes import Changes
from desk.wire import WORD_PATTERN, Policy, Reference, format_time
from desk.worktime import Calendar


@dataclass
class SyncState:
    cursor: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    clock_offset_s: float | None = None
    reference_version: str | None = None
    reference_etag: str | None = None
    full_resync: bool = False


_STATE_FIELDS = {
    "cursor", "last_success", "last_error", "clock_offset_s", "reference_version",
    "reference_etag", "full_resync",
}


class StateRoom(StoreBase):
    _calendar: Calendar | None
    _policies: list[Policy]
    # The parsed reference data and the row it was parsed from (version, etag, calendar
    # hash): every action asks for it, and parsing the whole JSON each time cost more
    # than the action itself.
    _reference: Reference | None
    _reference_key: tuple | None
    _statuses_seen: frozenset[str] | None

    def _init_state(self) -> None:
        self._calendar = None
        self._policies = []
        self._reference = None
        self._reference_key = None
        self._reference_lock = threading.Lock()
        self._statuses_seen = None
        self.reference()

    # ------------------------------------------------------------ sync state

    def get_state(self) -> SyncState:
        row = self._read(
            "SELECT cursor, last_success, last_error, clock_offset_s, reference_version, "
            "reference_etag, full_resync FROM sync_state WHERE id = 1"
        )[0]
        return SyncState(
            cursor=row[0], last_success=_time(row[1]), last_error=row[2], clock_offset_s=row[3],
            reference_version=row[4], reference_etag=row[5], full_resync=bool(row[6]),
        )

    def set_state(self, **fields: Any) -> None:
        unknown = set(fields) - _STATE_FIELDS
        if unknown:
            raise TypeError(f"unknown sync state fields: {sorted(unknown)}")
        if not fields:
            return
        values = []
        for _name, value in fields.items():
            if isinstance(value, datetime):
                value = format_time(value)
            elif isinstance(value, bool):
                value = int(value)
            values.append(value)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._write() as conn:
            conn.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", values)

    def next_seq(self) -> int:
        """The next op seq of this device (counts up, never reused)."""
        with self._write() as conn:
            conn.execute("UPDATE sync_state SET device_seq = device_seq + 1 WHERE id = 1")
            return int(conn.execute("SELECT device_seq FROM sync_state WHERE id = 1").fetchone()[0])

    # ------------------------------------------------------------ reference data

    def _keep_reference(self, ref: Reference | None, key: tuple | None) -> None:
        self._reference = ref
        self._reference_key = key
        if ref is not None:
            self._calendar = Calendar.from_wire(ref.calendar)
            self._policies = list(ref.policy)

    def save_reference(self, ref: Reference, etag: str | None) -> Changes:
        """Keep new reference data. Changes: the reference, and the cases with unsent
        work when the calendar changed (their overlay's clocks are recomputed)."""
        cal_hash = hashlib.sha256(_dumps(ref.calendar.model_dump(mode="json")).encode()).hexdigest()
        rebuilt: list[str] = []
        with self._write() as conn:
            old = conn.execute("SELECT calendar_hash FROM reference WHERE id = 1").fetchone()
            conn.execute(
                "INSERT INTO reference (id, version, etag, calendar_hash, data) VALUES (1, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, etag = excluded.etag, "
                "calendar_hash = excluded.calendar_hash, data = excluded.data",
                (ref.version, etag, cal_hash, _dumps(ref.wire())),
            )
            conn.execute("UPDATE sync_state SET reference_version = ?, reference_etag = ? WHERE id = 1",
                         (ref.version, etag))
            with self._reference_lock:
                self._keep_reference(ref, (ref.version, etag, cal_hash))
            if old is None or old[0] != cal_hash:
                # Only the overlay's own clock arithmetic depends on the calendar: server
                # snapshots carry their due times already.
                for (case_id,) in conn.execute("SELECT DISTINCT case_id FROM outbox").fetchall():
                    self._rebuild(conn, case_id)
                    rebuilt.append(case_id)
        return Changes(case_ids=frozenset(rebuilt), reference=True)

    def reference(self) -> Reference | None:
        """The cached reference data, parsed once per version stored (another process on
        the same cache, `desk sync` beside the app, is seen by the row's key). The same
        object is handed to every caller: read it, never change it."""
        try:
            rows = self._read("SELECT version, etag, calendar_hash FROM reference WHERE id = 1")
        except sqlcipher3.OperationalError:
            return None  # a bare connection of a test before migration 1
        if not rows:
            return None
        key = tuple(rows[0])
        with self._reference_lock:
            if self._reference is not None and key == self._reference_key:
                return self._reference
            data = self._read("SELECT data FROM reference WHERE id = 1")
            if not data:
                return None
            self._keep_reference(Reference.model_validate_json(data[0][0]), key)
            return self._reference

    def calendar(self) -> Calendar | None:
        return self._calendar

    def view_context(self) -> tuple[Calendar | None, list[Policy]]:
        """What a case's view is built with (the calendar and the case kinds' policy);
        the same objects until the reference changes, so a caller can tell it did."""
        return self._calendar, self._policies

    def calendar_or_default(self) -> Calendar:
        return self._calendar or overlay.default_calendar()

    def policy_for(self, kind: str | None) -> Policy | None:
        """The policy of a case kind from the cached reference data, if any."""
        return next((p for p in self._policies if p.kind == kind), None)

    # ------------------------------------------------------------ drafts and warnings

    def draft(self, case_id: str, kind: str) -> str | None:
        rows = self._read("SELECT text FROM drafts WHERE case_id = ? AND kind = ?", (case_id, kind))
        return rows[0][0] if rows else None

    def save_draft(self, case_id: str, kind: str, text: str) -> Changes:
        """Keep unsent text; empty text deletes the draft (it was sent or cleared).
        Changes: the case whose draft this is (its row and view are as they were)."""
        with self._write() as conn:
            if text:
                conn.execute(
                    "INSERT INTO drafts (case_id, kind, text, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(case_id, kind) DO UPDATE SET text = excluded.text, "
                    "updated_at = excluded.updated_at",
                    (case_id, kind, text, _now()))
            else:
                conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = ?", (case_id, kind))
        return Changes(case_ids=frozenset({case_id}))

    def mark_warned(self, case_id: str, clock: str, level: str) -> bool:
        """Record that a warning was raised; True only the first time for this case,
        clock and level, so each warning is raised once."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO warnings_raised (case_id, clock, level, raised_at) "
                "VALUES (?, ?, ?, ?)", (case_id, clock, level, _now()))
            return cursor.rowcount == 1

    # ------------------------------------------------------------ statuses seen

    def note_statuses(self, statuses: Iterable[str]) -> None:
        """Remember statuses this desk does not know that the feed brought (see
        unknown_statuses); a few words, written once each."""
        # Only words: they are spliced into the queues' SQL as quoted literals.
        new = {s for s in statuses if re.fullmatch(WORD_PATTERN, s)} - self.unknown_statuses()
        if not new:
            return
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO statuses_seen (status) VALUES (?)",
                             [(s,) for s in sorted(new)])
        self._statuses_seen = None

    def unknown_statuses(self) -> frozenset[str]:
        """The statuses outside the known ones that cases in this cache have had."""
        # getattr: a Store built without __init__ around an old schema (the migration tests).
        seen = getattr(self, "_statuses_seen", None)
        if seen is None:
            try:
                seen = frozenset(r[0] for r in self._read("SELECT status FROM statuses_seen"))
            except sqlcipher3.OperationalError:
                return frozenset()  # a cache read before migration 6 (the migration tests)
            self._statuses_seen = seen
        return seen

