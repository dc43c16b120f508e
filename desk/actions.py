"""Officer actions: one typed function per thing an officer can do to a case.

Each checks the local view with the shared rules (desk.rules.decide), validates the
payload with the wire models, and queues one op: the outbox row and the overlay are
written in one transaction (Store.enqueue), so an action works offline and shows at once.
The UI calls these; it never writes SQL.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from desk import rules
from desk.attachments import CheckedFile, FileRefused, check_file, check_files
from desk.logsafe import log_unexpected
from desk.store import NOTHING, Changes, OutboxItem, OutboxLocked, Store
from desk.wire import Limits, Op, OpType, parse_payload

log = logging.getLogger(__name__)

_TEXT_FIELDS = ("body", "reason")

# What an officer may do to many cases at once from the queue (issue 14); urge and
# reassign on many are the supervisor view's. One op per case, each judged on its own.
BULK_OPS: tuple[OpType, ...] = ("claim", "note", "set_status", "transfer")
# A selection larger than this is refused before any op is queued: a slip of Ctrl+A
# over a station's queue must not put thousands of ops in the outbox.
MAX_BULK = 500


class Queued(str):
    """What an action returns: the id of the op it queued (a str, as before) and the
    `Changes` it made in the store (Anki's OpChangesWithId). An action that settled
    something without queueing an op (discarding a conflict, a retry with nothing left
    to send) returns an empty, false, id with its changes."""

    changes: Changes

    def __new__(cls, op_id: str = "", changes: Changes = NOTHING) -> Queued:
        self = super().__new__(cls, op_id)
        self.changes = changes
        return self

    @property
    def op_id(self) -> str | None:
        return str(self) or None


def allowed_on(case: Mapping[str, Any], actor: rules.Actor) -> set[str]:
    """The op types `actor` could start on this case of the local view now (for enabling
    buttons): rules.allowed_actions with this module's held_before."""
    return rules.allowed_actions(
        status=case.get("status", ""), unit_id=case.get("unit_id", ""),
        assignee_id=case.get("assignee_id"), actor=actor,
        held_before=held_before(case, actor.id),
    )


class ActionRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def held_before(case: Mapping[str, Any], officer_id: str) -> bool:
    """Does or did the officer hold this case (holds it now, claimed it, or had it
    assigned)? What rules.decide calls `held_before`, from a case of the local view;
    the one definition for the actions and for the case pane's buttons (holding the case
    now changes no decision: the holder is the assignee, which every rule checks first)."""
    if officer_id and case.get("assignee_id") == officer_id:
        return True
    for entry in case.get("entries", []):
        data = entry.get("data") or {}
        if entry.get("type") == "claim" and entry.get("author_id") == officer_id:
            return True
        if entry.get("type") == "reassign" and data.get("to_officer_id") == officer_id:
            return True
    return False


@dataclass(frozen=True)
class BulkRefusal:
    """One case a bulk action did not touch, and why (ActionRefused's code and message)."""
    case_id: str
    number: str
    code: str
    message: str

    @property
    def error(self) -> ActionRefused:
        return ActionRefused(self.code, self.message)


@dataclass(frozen=True)
class BulkSummary:
    """What `Actions.bulk` did: the op queued per case, the cases refused with their
    reason, and the union of the actions' Changes (what the window re-reads)."""
    op_type: str
    queued: dict[str, str] = field(default_factory=dict)      # case id -> op id
    refused: list[BulkRefusal] = field(default_factory=list)
    changes: Changes = NOTHING

    @property
    def total(self) -> int:
        return len(self.queued) + len(self.refused)


_FIELD_WORDS = {"to": "new status", "duration_s": "duration", "to_unit_id": "unit",
                "to_officer_id": "officer", "notify_sms": "SMS notice"}


def _validation_message(exc: ValidationError) -> str:
    """Say what is wrong in the officer's words, not pydantic's; values are never
    echoed (they may be a citizen's personal data)."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "payload"
        where = _FIELD_WORDS.get(where, where)
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        if kind == "string_too_short" or (kind == "value_error" and "blank" in str(err.get("msg", ""))):
            parts.append(f"the {where} must not be empty")
        elif kind == "string_too_long":
            parts.append(f"the {where} is longer than {ctx.get('max_length', 'allowed')} characters")
        elif kind == "greater_than_equal" and "ge" in ctx:
            parts.append(f"the {where} must be at least {ctx['ge']}")
        elif kind == "literal_error" and "expected" in ctx:
            parts.append(f"the {where} must be one of {ctx['expected'].replace(chr(39), '')}")
        else:
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


class Actions:
    def __init__(self, store: Store, actor: rules.Actor, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 name: str | None = None) -> None:
        self.store = store
        self.actor = actor
        self.now = now
        self._name = name
        self.listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------ plumbing

    def _author(self) -> dict[str, Any]:
        name = self._name
        if name is None:
            ref = self.store.reference()
            officer = next((o for o in (ref.officers if ref else []) if o.id == self.actor.id), None)
            name = officer.name if officer else ""
        return {"id": self.actor.id, "name": name, "unit_id": self.actor.unit_id}

    def _lookups(self) -> tuple[Callable[[str], bool], Callable[[str], str | None]]:
        ref = self.store.reference()
        if ref is None:
            # Without reference data the server will judge units and officers.
            return (lambda unit_id: True), (lambda officer_id: None)
        units = {u.id for u in ref.units}
        officers = {o.id: o.unit_id for o in ref.officers}
        return (lambda unit_id: unit_id in units), officers.get

    def _case(self, case_id: str) -> dict[str, Any]:
        case = self.store.case(case_id)
        if case is None:
            raise ActionRefused("unknown_case", "the case is not in the local cache")
        return case

    def _check(self, case: Mapping[str, Any], op_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        try:
            clean = parse_payload(op_type, dict(payload)).model_dump(mode="json")
        except ValidationError as exc:
            raise ActionRefused("validation_failed", _validation_message(exc)) from exc
        unit_exists, officer_unit = self._lookups()
        if op_type == "reassign" and self.store.reference() is None:
            officer_unit = lambda officer_id: case["unit_id"]  # noqa: E731 - the server decides
        decision = rules.decide(
            op_type, clean, status=case["status"], unit_id=case["unit_id"],
            assignee_id=case.get("assignee_id"), actor=self.actor,
            held_before=held_before(case, self.actor.id),
            unit_exists=unit_exists, officer_unit=officer_unit,
        )
        if not decision.allowed:
            raise ActionRefused(decision.code, decision.detail)
        return clean

    def _new_op(self, case: Mapping[str, Any], op_type: OpType, payload: dict[str, Any]) -> Op:
        base = self.store.synced_version(case["id"])
        return Op(
            op_id=str(uuid.uuid4()), seq=self.store.next_seq(), case_id=case["id"], type=op_type,
            base_version=base if base is not None else int(case["version"]),
            performed_at=self.now(), payload=payload,
        )

    def _notify(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception as exc:  # a failing listener must not undo a queued action
                log_unexpected(log, "action listener failed", exc)

    def _act(self, case_id: str, op_type: OpType, payload: Mapping[str, Any],
             attachments: Sequence[Path | CheckedFile] = ()) -> Queued:
        case = self._case(case_id)
        files = self._files(attachments)
        if files:
            payload = {**payload, "attachments": [f.ref().model_dump(mode="json") for f in files]}
        clean = self._check(case, op_type, payload)
        op = self._new_op(case, op_type, clean)
        # The files go into the encrypted cache in the op's own transaction: the op is
        # never queued without its files, nor its files kept without it.
        changes = self.store.enqueue(op, author=self._author(), files=files)
        log.info("queued %s op %s with %d file(s)", op_type, op.op_id, len(files))
        self._notify()
        return Queued(op.op_id, changes)

    # ------------------------------------------------------------ files

    def limits(self) -> Limits:
        """The server's attachment limits (the contract's figures before the first sync)."""
        ref = self.store.reference()
        return ref.limits if ref is not None else Limits()

    def check_attachment(self, source: Path | str | bytes, name: str | None = None) -> CheckedFile:
        """Check one file against the server's limits (size, type sniffed from the
        bytes, name) before anything is queued. Raises ActionRefused(code, reason):
        too_large, empty_file, unsupported_type, unreadable_file, bad_name."""
        try:
            return check_file(source if isinstance(source, bytes) else Path(source), name, self.limits())
        except FileRefused as exc:
            raise ActionRefused(exc.code, exc.message) from None

    def _files(self, attachments: Sequence[Path | str | CheckedFile]) -> list[CheckedFile]:
        files: list[CheckedFile] = []
        for item in attachments:
            if isinstance(item, CheckedFile):
                files.append(item)
                continue
            try:
                files.append(self.check_attachment(item))
            except ActionRefused as exc:
                raise ActionRefused(exc.code, f"{Path(item).name}: {exc.message}") from None
        # The same file twice is one file.
        files = list({f.sha256: f for f in files}.values())
        try:
            check_files(files, self.limits())
        except FileRefused as exc:
            raise ActionRefused(exc.code, exc.message) from None
        return files

    def save_attachment(self, case_id: str, ref: str, dest: Path | str, *, overwrite: bool = False) -> Queued:
        """Write a case's file (by attachment id or sha256) where the officer chose and
        record that it left the encrypted cache (`reveal` with field attachment). An
        officer's own file not yet sent has no server id: it is written, nothing is
        recorded. Raises ActionRefused: unknown_file, not_cached, exists, write_failed."""
        case = self._case(case_id)
        found = self.store.find_file(case["id"], ref)
        if found is None:
            raise ActionRefused("unknown_file", "the case has no such file")
        data = self.store.file_bytes(found.sha256)
        if data is None:
            raise ActionRefused("not_cached", "the file is not in the local cache yet; sync while online first")
        dest = Path(dest)
        if found.attachment_id is not None:
            # Checked before anything is written: a file saved out is always recorded.
            self._check(case, "reveal", {"field": "attachment", "attachment_id": found.attachment_id})
        try:
            with open(dest, "wb" if overwrite else "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except FileExistsError:
            raise ActionRefused("exists", "a file of that name is there already") from None
        except OSError as exc:
            raise ActionRefused("write_failed", f"the file could not be written ({exc.strerror or type(exc).__name__})"
                                ) from None
        if found.attachment_id is None:
            return Queued("", NOTHING)
        return self._act(case["id"], "reveal", {"field": "attachment", "attachment_id": found.attachment_id})

    def allowed(self, case_id: str) -> set[str]:
        """The op types the officer could start on this case now (for enabling buttons)."""
        case = self.store.case(case_id)
        if case is None:
            return set()
        return allowed_on(case, self.actor)

    # ------------------------------------------------------------ the actions

    def claim(self, case_id: str) -> Queued:
        return self._act(case_id, "claim", {})

    def accept(self, case_id: str) -> Queued:
        return self._act(case_id, "accept", {})

    def decline(self, case_id: str, reason: str) -> Queued:
        return self._act(case_id, "decline", {"reason": reason})

    def reply(self, case_id: str, body: str, notify_sms: bool = False, *,
              attachments: Sequence[Path | CheckedFile] = ()) -> Queued:
        return self._act(case_id, "reply", {"body": body, "notify_sms": notify_sms}, attachments)

    def note(self, case_id: str, body: str, *, attachments: Sequence[Path | CheckedFile] = ()) -> Queued:
        return self._act(case_id, "note", {"body": body}, attachments)

    def callback(self, case_id: str, outcome: str, body: str, duration_s: int = 0,
                 satisfaction: str | None = None, *, attachments: Sequence[Path | CheckedFile] = ()) -> Queued:
        return self._act(case_id, "callback", {"outcome": outcome, "body": body,
                                               "duration_s": duration_s, "satisfaction": satisfaction},
                         attachments)

    def set_status(self, case_id: str, to: str, reason: str = "") -> Queued:
        return self._act(case_id, "set_status", {"to": to, "reason": reason})

    def transfer(self, case_id: str, to_unit_id: str, reason: str) -> Queued:
        return self._act(case_id, "transfer", {"to_unit_id": to_unit_id, "reason": reason})

    def reassign(self, case_id: str, to_officer_id: str, reason: str) -> Queued:
        return self._act(case_id, "reassign", {"to_officer_id": to_officer_id, "reason": reason})

    def urge(self, case_id: str, body: str) -> Queued:
        return self._act(case_id, "urge", {"body": body})

    def reveal(self, case_id: str, field: str) -> Queued:
        return self._act(case_id, "reveal", {"field": field})

    # ------------------------------------------------------------ the outbox

    def _queued(self, op_id: str) -> OutboxItem:
        item = next((i for i in self.store.outbox() if i.op_id == op_id), None)
        if item is None:
            raise ActionRefused("gone", "the operation is no longer in the outbox "
                                "(it was delivered, refused or withdrawn)")
        return item

    def edit_queued(self, op_id: str, text: str) -> Changes:
        """Change the text of a reply, note, callback record or urge that never left this
        computer; the case's view is laid again in the same transaction. Refused
        (code `sent`) once a sync has sent it: the server may have applied it."""
        item = self._queued(op_id)
        if item.type not in ("reply", "note", "callback", "urge"):
            raise ActionRefused("not_editable", f"a {item.type} operation has no text to edit")
        payload = dict(item.payload)
        payload["body"] = text
        try:
            clean = parse_payload(item.type, payload).model_dump(mode="json")
        except ValidationError as exc:
            raise ActionRefused("validation_failed", _validation_message(exc)) from exc
        try:
            changes = self.store.edit_queued(op_id, clean)
        except OutboxLocked as exc:
            raise ActionRefused(exc.code, str(exc)) from exc
        log.info("edited queued %s op %s", item.type, op_id)
        self._notify()
        return changes

    def withdrawal(self, op_id: str) -> list[OutboxItem]:
        """What withdraw(op_id) would take out of the outbox now (the op first, then the
        later ops of its case that depend on it), for the confirmation."""
        try:
            return self.store.withdrawal(op_id)
        except OutboxLocked as exc:
            raise ActionRefused(exc.code, str(exc)) from exc

    def withdraw(self, op_id: str) -> Changes:
        """Take an op that never left this computer out of the outbox. A claim, accept,
        decline, status change, transfer or reassign takes the later ops of its case
        with it (they were decided on the case as it would have been after it; never a
        reveal, which records what was already seen); `withdrawal` says which first.
        Refused (code `sent`) once a sync has sent it."""
        try:
            changes, ids = self.store.withdraw(op_id)
        except OutboxLocked as exc:
            raise ActionRefused(exc.code, str(exc)) from exc
        log.info("withdrew %d queued op(s), first %s", len(ids), op_id)
        self._notify()
        return changes

    # ------------------------------------------------------------ many at once

    def bulk(self, op_type: OpType, case_ids: Iterable[str], payload: Mapping[str, Any]) -> BulkSummary:
        """Queue one `op_type` op with `payload` on each case, each checked on its own
        by the same rules as one action (a case the op does not fit is refused, the
        others go on). Only ActionRefused is a case's refusal: anything else (the cache
        unreadable, a bug) stops the batch; the ops queued before it stay queued."""
        if op_type not in BULK_OPS:
            raise ActionRefused("not_bulk", f"{op_type} cannot be done on many cases at once")
        ids = list(dict.fromkeys(case_ids))
        if len(ids) > MAX_BULK:
            raise ActionRefused("too_many", f"at most {MAX_BULK} cases at once")
        queued: dict[str, str] = {}
        refused: list[BulkRefusal] = []
        changes = NOTHING
        for case_id in ids:
            try:
                done = self._act(case_id, op_type, payload)
            except ActionRefused as exc:
                case = self.store.case(case_id) if exc.code != "unknown_case" else None
                refused.append(BulkRefusal(case_id, str((case or {}).get("number") or ""),
                                           exc.code, exc.message))
                continue
            queued[case_id] = str(done)
            changes = changes | done.changes
        log.info("bulk %s: %d queued, %d refused", op_type, len(queued), len(refused))
        return BulkSummary(op_type, queued, refused, changes)

    # ------------------------------------------------------------ conflicts

    def _conflict(self, op_id: str):
        item = self.store.conflict(op_id)
        if item is None:
            raise ActionRefused("unknown_conflict", "no such conflict")
        if item.resolution is not None:
            raise ActionRefused("already_resolved", f"this conflict was resolved already ({item.resolution})")
        return item

    def retry_conflict(self, op_id: str) -> Queued:
        """Send the op again, as a new op on the case as it is now. An empty (false) id
        when the case is already where the op wanted it (e.g. the officer holds it
        already): the conflict is closed and nothing is sent."""
        item = self._conflict(op_id)
        case = self._case(item.case_id)
        try:
            clean = self._check(case, item.type, item.payload)
        except ActionRefused:
            if item.type == "claim" and case.get("assignee_id") == self.actor.id:
                changes = self.store.resolve_conflict(op_id, "retry", new_op=None)
                self._notify()
                return Queued("", changes)
            raise
        op = self._new_op(case, item.type, clean)
        changes = self.store.resolve_conflict(op_id, "retry", new_op=op, author=self._author())
        self._notify()
        return Queued(op.op_id, changes)

    def note_from_conflict(self, op_id: str) -> Queued:
        """Keep what the officer wrote as an internal note on the case."""
        item = self._conflict(op_id)
        text = next((str(item.payload[f]) for f in _TEXT_FIELDS if item.payload.get(f)), "")
        if not text.strip():
            raise ActionRefused("no_text", "this operation has no text to keep as a note")
        case = self._case(item.case_id)
        clean = self._check(case, "note", {"body": text})
        op = self._new_op(case, "note", clean)
        changes = self.store.resolve_conflict(op_id, "note", new_op=op, author=self._author())
        self._notify()
        return Queued(op.op_id, changes)

    def discard_conflict(self, op_id: str) -> Queued:
        self._conflict(op_id)
        changes = self.store.resolve_conflict(op_id, "discard", new_op=None)
        self._notify()
        return Queued("", changes)
