"""From the officer's request to the typed action in desk.actions.

The case pane asks for an op type on a case, the composer for a text to send, the
conflicts view for a choice on a conflict. Each op type has one handler, in a table:
it asks what must be asked first (a dialog, a confirmation), then runs the action on
the task runner, tells the officer how it went and hands what changed to the window
(`MainWindow.apply_changes`). Dialogs run through the window's `_exec`, which tests
replace to fill them in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from desk import supervision
from desk.actions import ActionRefused
from desk.profile import ProfileError
from desk.rules import status_targets
from ui.actions.dialogs import (
    CallbackDialog,
    ReasonDialog,
    ReassignDialog,
    StatusDialog,
    TransferDialog,
)
from ui.clockfmt import utcnow
from ui.errors import CACHE_ERRORS, log_bug, log_failure
from ui.refusals import refusal_text

log = logging.getLogger(__name__)

# A handler: (case id, the case as the officer sees it) -> None.
Handler = Callable[[str, Mapping[str, Any]], None]


def changes_of(result: Any) -> Any:
    """What an action changed, when it says: desk.store's Changes (case_ids, outbox...)
    itself, or carried by the action's result (desk.actions.Queued); None, "unknown",
    when it returns something else."""
    if hasattr(result, "case_ids") and hasattr(result, "outbox"):
        return result
    changes = getattr(result, "changes", None)
    return changes if hasattr(changes, "case_ids") and hasattr(changes, "outbox") else None


def _files(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """The `attachments` argument of an action, only when there are files: an op
    without files is called as before."""
    return {"attachments": [Path(p) for p in paths]} if paths else {}


def failure_message(what: str, error: BaseException) -> str:
    """What the officer reads when an action (or a batch of them) was not saved: the
    rule's refusal in words, or the cache's failure; a bug is logged with where it
    happened. `what` names the work in the log ("an action")."""
    if isinstance(error, ActionRefused):
        return refusal_text(error)
    if isinstance(error, CACHE_ERRORS):
        log.error("%s failed: %s", what, type(error).__name__)
    else:
        log_bug(log, what, error)
    return QCoreApplication.translate("ActionController", "The action could not be saved: %1").replace(
        "%1", str(error) or type(error).__name__)


class ActionController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.context = window.context
        self.store = window.store
        self.actor = window.actor
        self.runner = window.runner
        self.handlers: dict[str, Handler] = {
            "claim": self._claim,
            "accept": self._accept,
            "decline": self._decline,
            "callback": self._callback,
            "set_status": self._set_status,
            "transfer": self._transfer,
            "reassign": self._reassign,
        }

    # ------------------------------------------------------------ requests

    def request_action(self, op_type: str, case_id: str) -> None:
        pane = self.window.case_pane
        case = pane.case if pane.case_id == case_id else self.store.case(case_id)
        if case is None:
            return
        handler = self.handlers.get(op_type)
        if handler is None:
            # A button without a handler is a bug in this table, not the officer's doing.
            log.error("no handler for the action %s", op_type)
            return
        handler(case_id, case)

    def send_text(self, mode: str, case_id: str, body: str, notify_sms: bool,
                  attachments: Sequence[Path] = ()) -> None:
        actions = self.context.actions
        files = _files(attachments)
        send: dict[str, Callable[[], Any]] = {
            "reply": lambda: actions.reply(case_id, body, notify_sms=notify_sms, **files),
            "note": lambda: actions.note(case_id, body, **files),
            "urge": lambda: actions.urge(case_id, body),
        }
        self.run(send[mode], on_done=lambda _r: self.window.case_pane.clear_draft(case_id, mode))

    def reveal(self, case_id: str, field: str) -> None:
        actions = self.context.actions
        self.run(lambda: actions.reveal(case_id, field),
                 on_done=lambda _r: self.window.case_pane.mark_revealed(case_id, field))

    def save_attachment(self, case_id: str, key: str, dest: str) -> None:
        """A copy out of the encrypted cache where the officer chose; the action writes
        it and records the reveal. The save dialog has asked before replacing a file."""
        actions = self.context.actions
        self.run(lambda: actions.save_attachment(case_id, key, Path(dest), overwrite=True),
                 on_done=lambda _r: self.window.case_pane.files_panel.saved(dest))

    def resolve_conflict(self, choice: str, op_id: str) -> None:
        actions = self.context.actions
        resolve: dict[str, Callable[[], Any]] = {
            "retry": lambda: actions.retry_conflict(op_id),
            "note": lambda: actions.note_from_conflict(op_id),
            "discard": lambda: actions.discard_conflict(op_id),
        }
        self.run(resolve.get(choice, resolve["discard"]))

    # ------------------------------------------------------------ the handlers

    def _claim(self, case_id: str, _case: Mapping[str, Any]) -> None:
        actions = self.context.actions
        self.run(lambda: actions.claim(case_id))

    def _accept(self, case_id: str, _case: Mapping[str, Any]) -> None:
        actions = self.context.actions
        self.run(lambda: actions.accept(case_id))

    def _decline(self, case_id: str, _case: Mapping[str, Any]) -> None:
        dialog = ReasonDialog(self.tr("Decline to accept"), self.tr("Reason for the citizen:"), self.window)
        if self.window._exec(dialog):
            reason = dialog.values()["reason"]
            actions = self.context.actions
            self.run(lambda: actions.decline(case_id, reason))

    def _callback(self, case_id: str, _case: Mapping[str, Any]) -> None:
        actions = self.context.actions
        dialog = CallbackDialog(self.window, check=lambda path, name: actions.check_attachment(path, name))
        if self.window._exec(dialog):
            v = dialog.values()
            files = _files(v["attachments"])
            self.run(lambda: actions.callback(case_id, v["outcome"], v["body"], duration_s=v["duration_s"],
                                              satisfaction=v["satisfaction"], **files))

    def _set_status(self, case_id: str, case: Mapping[str, Any]) -> None:
        dialog = StatusDialog(status_targets(case.get("status", ""), supervisor=self.actor.is_supervisor),
                              self.window)
        if not self.window._exec(dialog):
            return
        v = dialog.values()
        # Closing cannot be taken back by the officer (only a chief reopens).
        if v["to"] == "closed" and not self.window.ask_yes_no(
                self.tr("Close the case"),
                self.tr("Close %1? Only a station chief can reopen it.").replace("%1", case.get("number", ""))):
            return
        actions = self.context.actions
        self.run(lambda: actions.set_status(case_id, v["to"], v["reason"]))

    def _transfer(self, case_id: str, case: Mapping[str, Any]) -> None:
        ctx = self.context
        units = ctx.reference.units if ctx.reference is not None else []
        dialog = TransferDialog(units, case.get("unit_id", ""), self.window)
        if not self.window._exec(dialog):
            return
        v = dialog.values()
        # The case leaves this unit's queues with the transfer.
        if not self.window.ask_yes_no(
                self.tr("Transfer the case"),
                self.tr("Transfer %1 to %2? It leaves your unit's queues.")
                .replace("%1", case.get("number", "")).replace("%2", ctx.unit_name(v["to_unit_id"]))):
            return
        actions = ctx.actions
        self.run(lambda: actions.transfer(case_id, v["to_unit_id"], v["reason"]))

    def _reassign(self, case_id: str, case: Mapping[str, Any]) -> None:
        ref = self.context.reference
        officers = [o for o in (ref.officers if ref else []) if o.unit_id == case.get("unit_id")]
        dialog = ReassignDialog(officers, case.get("assignee_id"), self.window,
                                workload=self.open_cases_by_officer())
        if self.window._exec(dialog):
            v = dialog.values()
            actions = self.context.actions
            self.run(lambda: actions.reassign(case_id, v["to_officer_id"], v["reason"]))

    def open_cases_by_officer(self) -> dict[str, int]:
        """Open cases each officer of the unit holds (for the reassign picker)."""
        try:
            loads = supervision.workload(self.store, self.actor, utcnow())
        except CACHE_ERRORS as exc:  # the picker still works without the figures
            log_failure(log, "workload for the reassign picker", exc)
            return {}
        return {w.officer_id: w.open for w in loads if w.officer_id}

    # ------------------------------------------------------------ running

    def run(self, fn: Callable[[], Any], *, on_done: Callable[[Any], None] | None = None) -> None:
        """Run one action on the task runner; say how it went; refresh what it changed."""
        window = self.window

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            # The action is in the cache now; the officer is told where it stands.
            window.statusBar().showMessage(
                self.tr("Saved. It is sent to the server with the next sync.")
                if window.online_state in ("idle", "syncing", "connecting") else
                self.tr("Saved offline. It is sent when the server can be reached."), 6000)
            window.apply_changes(changes_of(result))

        def failed(error: BaseException) -> None:
            message = failure_message("an action", error)
            window.case_pane.show_refusal(message)
            window.statusBar().showMessage(message, 8000)

        def work() -> Any:
            result = fn()
            self.record_outbox()
            return result

        self.runner.run(work, done, failed)

    def record_outbox(self) -> None:
        """profile.json learns how far the outbox got, so a cache lost later (deleted,
        emptied) is named with the work it held. Runs on the runner, never the GUI thread."""
        session = self.context.session
        try:
            session.profile.record_cache(session.store)
        except (OSError, ValueError, ProfileError) as exc:
            log.warning("could not record the outbox in the profile: %s", type(exc).__name__)
