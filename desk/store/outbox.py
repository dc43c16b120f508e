"""The store's outbox room: the ops queued and not yet settled, and the conflicts the
server answered with (kept after resolution as the history of what the officer chose)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlcipher3

from desk.store.base import _dumps, _now, _stored_time, _time
from desk.store.changes import NOTHING, Changes
from desk.store.connection import StoreError
from desk.store.view import ViewRoom
from desk.wire import Op, OpResult, format_time


@dataclass
class OutboxItem:
    op_id: str
    case_id: str
    case_number: str | None
    type: str
    state: str
    error: str | None
    performed_at: datetime
    payload: dict
    seq: int
    base_version: int = 0
    attempts: int = 0
    last_attempt_at: datetime | None = None


@dataclass
class ConflictItem:
    op_id: str
    case_id: str
    case_number: str | None
    type: str
    state: str
    error: dict
    payload: dict
    server_case: dict | None
    resolution: str | None
    resolved_at: datetime | None
    seq: int = 0
    performed_at: datetime | None = None
    base_version: int = 0
    new_op_id: str | None = None


# The outbox's states: `queued` (never left this computer), `sent` (in a request whose
# answer has not come back: the server may have applied it), `blocked` (answered: not
# attempted, waiting behind a refused op of its case). Only `sent` is locked against
# edit and withdraw; `take_batch` sets it in the same write transaction that chooses the
# batch, before the request leaves, so a withdraw either wins (the op is gone before the
# sync picks it) or is refused (the op is on its way).
SENT = "sent"

# Ops that change who holds a case or where it stands: the ops after one of these on the
# same case were decided on the case as it would be after it, so withdrawing it
# withdraws them too (the officer is told which before confirming).
STATE_CHANGING = frozenset({"claim", "accept", "decline", "set_status", "transfer", "reassign"})

# A reveal records that the officer saw a citizen's data; it already happened, so it is
# never withdrawn, neither by itself nor with the op it followed.
NEVER_WITHDRAWN = frozenset({"reveal"})

# The ops whose text the officer may still change before they leave.
EDITABLE = frozenset({"reply", "note", "callback", "urge"})


class OutboxLocked(StoreError):
    """Edit or withdraw refused: `code` says why (`sent`, `gone`, `not_editable`,
    `not_withdrawable`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class OutboxRoom(ViewRoom):
    def enqueue(self, op: Op, *, author: Mapping[str, Any] | None = None,
                files: Sequence[Any] = ()) -> Changes:
        """Queue an op and lay it over the view, in one transaction, with the files it
        carries (desk.attachments.CheckedFile) stored in the cache in that same
        transaction. Changes: the outbox and the op's case."""
        with self._write() as conn:
            if files:
                self._keep_files(conn, files)
            row = conn.execute("SELECT number FROM local_cases WHERE id = ?", (op.case_id,)).fetchone()
            conn.execute(
                "INSERT INTO outbox (op_id, seq, case_id, case_number, type, base_version, "
                "performed_at, payload, author, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                (op.op_id, op.seq, op.case_id, row[0] if row else None, op.type, op.base_version,
                 format_time(op.performed_at), _dumps(op.payload),
                 _dumps(dict(author)) if author else None, _now()),
            )
            self._rebuild(conn, op.case_id)
        return Changes(case_ids=frozenset({op.case_id}), outbox=True)

    def next_batch(self, limit: int = 100) -> list[Op]:
        rows = self._read(
            """SELECT op_id, seq, case_id, type, base_version, performed_at, payload FROM outbox o
               WHERE NOT EXISTS (SELECT 1 FROM conflicts c
                                 WHERE c.case_id = o.case_id AND c.resolution IS NULL)
               ORDER BY seq LIMIT ?""", (limit,))
        return [Op(op_id=r[0], seq=r[1], case_id=r[2], type=r[3], base_version=r[4],
                   performed_at=_stored_time(r[5]), payload=json.loads(r[6])) for r in rows]

    def take_batch(self, limit: int = 100) -> list[Op]:
        """The next ops to push, marked `sent` (and their attempt counted) in the same
        write transaction that reads them, before the request leaves: from then on they
        cannot be edited or withdrawn until their answer comes back."""
        with self._write() as conn:
            rows = conn.execute(
                """SELECT op_id, seq, case_id, type, base_version, performed_at, payload FROM outbox o
                   WHERE NOT EXISTS (SELECT 1 FROM conflicts c
                                     WHERE c.case_id = o.case_id AND c.resolution IS NULL)
                   ORDER BY seq LIMIT ?""", (limit,)).fetchall()
            now = _now()
            conn.executemany(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_attempt_at = ? "
                "WHERE op_id = ?", [(SENT, now, r[0]) for r in rows])
        return [Op(op_id=r[0], seq=r[1], case_id=r[2], type=r[3], base_version=r[4],
                   performed_at=_stored_time(r[5]), payload=json.loads(r[6])) for r in rows]

    def _queued_row(self, conn, op_id: str) -> tuple:
        row = conn.execute("SELECT op_id, seq, case_id, type, state, payload FROM outbox "
                           "WHERE op_id = ?", (op_id,)).fetchone()
        if row is None:
            raise OutboxLocked("gone", "the operation is no longer in the outbox "
                               "(it was delivered, refused or withdrawn)")
        if row[4] == SENT:
            raise OutboxLocked("sent", "the operation was sent and its answer has not come back; "
                               "the server may already have applied it")
        return row

    def edit_queued(self, op_id: str, payload: Mapping[str, Any]) -> Changes:
        """Replace the payload of an op that never left this computer and lay the case's
        view again, in one write transaction (BEGIN IMMEDIATE): the check that it was not
        sent and the change cannot be split by a sync. Changes: the outbox and the case."""
        with self._write() as conn:
            row = self._queued_row(conn, op_id)
            if row[3] not in EDITABLE:
                raise OutboxLocked("not_editable", f"a {row[3]} operation has no text to edit")
            conn.execute("UPDATE outbox SET payload = ? WHERE op_id = ?", (_dumps(dict(payload)), op_id))
            self._rebuild(conn, row[2])
        return Changes(case_ids=frozenset({row[2]}), outbox=True)

    def _withdrawal(self, conn, op_id: str) -> list[tuple]:
        row = self._queued_row(conn, op_id)
        if row[3] in NEVER_WITHDRAWN:
            raise OutboxLocked("not_withdrawable", "a reveal records what was seen and is never withdrawn")
        rows = [row]
        if row[3] in STATE_CHANGING:
            later = conn.execute("SELECT op_id, seq, case_id, type, state, payload FROM outbox "
                                 "WHERE case_id = ? AND seq > ? ORDER BY seq", (row[2], row[1])).fetchall()
            if any(r[4] == SENT for r in later):
                # Cannot happen while ops leave in seq order; refuse rather than split them.
                raise OutboxLocked("sent", "a later operation on this case was sent already")
            rows += [r for r in later if r[3] not in NEVER_WITHDRAWN]
        return rows

    def withdrawal(self, op_id: str) -> list[OutboxItem]:
        """What `withdraw(op_id)` would take out now: the op, and after a claim, accept,
        decline, status change, transfer or reassign, the later ops of its case (never a
        reveal). Raises OutboxLocked as withdraw would."""
        with self.connection.read() as conn:
            ids = [r[0] for r in self._withdrawal(conn, op_id)]
        items = {i.op_id: i for i in self.outbox()}
        return [items[i] for i in ids if i in items]

    def withdraw(self, op_id: str) -> tuple[Changes, list[str]]:
        """Take an op that never left this computer out of the outbox (with the ops that
        depend on it, see `withdrawal`) and lay the case's view again, in one write
        transaction. Returns the Changes and the ids withdrawn, the op's first."""
        with self._write() as conn:
            rows = self._withdrawal(conn, op_id)
            conn.executemany("DELETE FROM outbox WHERE op_id = ?", [(r[0],) for r in rows])
            self._rebuild(conn, rows[0][2])
        return Changes(case_ids=frozenset({rows[0][2]}), outbox=True), [r[0] for r in rows]

    def record_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> Changes:
        """Settle pushed ops with the server's answers. Changes: the cases answered and
        the outbox (when any op was answered), the conflicts (when one was refused)."""
        by_id = {r.op_id: r for r in results}
        refused = False
        with self._write() as conn:
            touched: list[str] = []
            for op in ops:
                result = by_id.get(op.op_id)
                if result is None:
                    continue
                touched.append(op.case_id)
                if result.case is not None and result.outcome != "blocked":
                    self._put_snapshot(conn, result.case.model_dump(mode="json"), in_scope=False)
                if result.outcome in ("applied", "duplicate"):
                    conn.execute("DELETE FROM outbox WHERE op_id = ?", (op.op_id,))
                elif result.outcome in ("conflict", "rejected"):
                    refused = True
                    error = result.error
                    conn.execute(
                        """INSERT OR REPLACE INTO conflicts (op_id, seq, case_id, case_number, type,
                               base_version, performed_at, payload, author, state, error_code,
                               error_detail, server_case, created_at)
                           SELECT op_id, seq, case_id, case_number, type, base_version, performed_at,
                                  payload, author, ?, ?, ?, ?, ? FROM outbox WHERE op_id = ?""",
                        (result.outcome, error.code if error else "", error.detail if error else "",
                         _dumps(result.case.model_dump(mode="json")) if result.case else None,
                         _now(), op.op_id),
                    )
                    conn.execute("DELETE FROM outbox WHERE op_id = ?", (op.op_id,))
                elif result.outcome == "blocked":
                    conn.execute("UPDATE outbox SET state = 'blocked', error = ? WHERE op_id = ?",
                                 ("waiting behind an earlier operation on this case", op.op_id))
            for case_id in dict.fromkeys(touched):
                self._rebuild(conn, case_id)
        return Changes(case_ids=frozenset(touched), outbox=bool(touched), conflicts=refused)

    def mark_attempt(self, op_ids: Sequence[str], error: str | None) -> Changes:
        """Record the error of a delivery attempt on these ops (`take_batch` counted the
        attempt and marked them sent before the request left; they stay sent: without an
        answer the server may have applied them). Changes: the outbox (no view: the
        attempts show in the outbox pane only)."""
        if not op_ids:
            return NOTHING
        with self._write() as conn:
            conn.executemany("UPDATE outbox SET error = ? WHERE op_id = ?",
                             [(error, op_id) for op_id in op_ids])
        return Changes(outbox=True)

    def outbox(self) -> list[OutboxItem]:
        rows = self._read(
            "SELECT op_id, case_id, case_number, type, state, error, performed_at, payload, seq, "
            "base_version, attempts, last_attempt_at FROM outbox ORDER BY seq")
        return [OutboxItem(op_id=r[0], case_id=r[1], case_number=r[2], type=r[3], state=r[4],
                           error=r[5], performed_at=_stored_time(r[6]), payload=json.loads(r[7]), seq=r[8],
                           base_version=r[9], attempts=r[10], last_attempt_at=_time(r[11]))
                for r in rows]

    def outbox_count(self) -> int:
        return int(self._read("SELECT count(*) FROM outbox")[0][0])

    def outbox_marks(self) -> tuple[int, int, int | None, int]:
        """(highest seq queued, ops queued, lowest seq still queued, open conflicts): what
        the profile records so a lost cache can say what it held."""
        try:
            highest = int(self._read("SELECT device_seq FROM sync_state WHERE id = 1")[0][0] or 0)
            queued, lowest = self._read("SELECT count(*), min(seq) FROM outbox")[0]
            conflicts = int(self._read("SELECT count(*) FROM conflicts WHERE resolution IS NULL")[0][0])
        except sqlcipher3.Error as exc:  # damaged, or already closed
            raise StoreError(f"the cache {self.path.name} is damaged: {exc}") from exc
        return highest, int(queued), (int(lowest) if lowest is not None else None), conflicts

    def conflicts(self, include_resolved: bool = False) -> list[ConflictItem]:
        where = "" if include_resolved else "WHERE resolution IS NULL"
        rows = self._read(
            f"SELECT op_id, case_id, case_number, type, state, error_code, error_detail, payload, "
            f"server_case, resolution, resolved_at, seq, performed_at, base_version, new_op_id "
            f"FROM conflicts {where} ORDER BY seq")
        return [ConflictItem(op_id=r[0], case_id=r[1], case_number=r[2], type=r[3], state=r[4],
                             error={"code": r[5] or "", "detail": r[6] or ""},
                             payload=json.loads(r[7]),
                             server_case=json.loads(r[8]) if r[8] else None, resolution=r[9],
                             resolved_at=_time(r[10]), seq=r[11], performed_at=_time(r[12]),
                             base_version=r[13], new_op_id=r[14])
                for r in rows]

    def conflict(self, op_id: str) -> ConflictItem | None:
        return next((c for c in self.conflicts(include_resolved=True) if c.op_id == op_id), None)

    def resolve_conflict(self, op_id: str, choice: str, *, new_op: Op | None,
                         author: Mapping[str, Any] | None = None) -> Changes:
        """Record the officer's choice on a conflict, queue `new_op` if there is one and
        let the ops that waited behind the conflict go. Changes: the conflicts, the
        outbox, and the case (and `new_op`'s case when it is another)."""
        with self._write() as conn:
            row = conn.execute("SELECT case_id, resolution FROM conflicts WHERE op_id = ?",
                               (op_id,)).fetchone()
            if row is None:
                raise StoreError(f"no conflict for op {op_id}")
            if row[1] is not None:
                raise StoreError(f"the conflict of op {op_id} was resolved already ({row[1]})")
            case_id = row[0]
            conn.execute("UPDATE conflicts SET resolution = ?, resolved_at = ?, new_op_id = ? "
                         "WHERE op_id = ?", (choice, _now(), new_op.op_id if new_op else None, op_id))
            if new_op is not None:
                number = conn.execute("SELECT number FROM local_cases WHERE id = ?",
                                      (new_op.case_id,)).fetchone()
                conn.execute(
                    "INSERT INTO outbox (op_id, seq, case_id, case_number, type, base_version, "
                    "performed_at, payload, author, state, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                    (new_op.op_id, new_op.seq, new_op.case_id, number[0] if number else None,
                     new_op.type, new_op.base_version, format_time(new_op.performed_at),
                     _dumps(new_op.payload), _dumps(dict(author)) if author else None, _now()),
                )
            # Ops that waited behind this one may go again once nothing blocks the case.
            if not conn.execute("SELECT EXISTS(SELECT 1 FROM conflicts WHERE case_id = ? AND "
                                "resolution IS NULL)", (case_id,)).fetchone()[0]:
                conn.execute("UPDATE outbox SET state = 'queued', error = NULL "
                             "WHERE case_id = ? AND state = 'blocked'", (case_id,))
            self._rebuild(conn, case_id)
            touched = {case_id}
            if new_op is not None and new_op.case_id != case_id:
                self._rebuild(conn, new_op.case_id)
                touched.add(new_op.case_id)
        return Changes(case_ids=frozenset(touched), outbox=True, conflicts=True)
