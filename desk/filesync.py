"""The sync cycle's file work (Qt-free): uploads before the ops that name them, and the
offline download of open cases' attachments after each pull. desk/sync.py calls these;
the bytes come from and go to the encrypted cache (desk/store/attachments.py).

- `upload_files(store, client, ops, abort)`: every file the ops carry is sent with
  desk.transfer.upload (resuming from the server's Upload-Offset after any break), its
  progress kept in the store for the outbox. A file the server will not take settles
  its op as `rejected` here, with the server's reason, without sending the op.
- `download_files(store, client, report, abort, progress)`: attachments of open cases in
  scope, nearest due first, within the profile's budget, resumed with Range from what
  the cache holds. A failing file does not stop the sync: it is counted and retried on
  the next cycle.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from desk import transfer
from desk.api import ApiError, AuthError, TransportError
from desk.store.changes import Changes, cases
from desk.wire import Op, OpError, OpResult

log = logging.getLogger(__name__)

# Transport failures in a row after which the downloads wait for the next cycle.
_GIVE_UP_AFTER = 2


class FilesAborted(Exception):
    """The cycle's abort flag was raised during a transfer."""


def op_files(op: Op) -> list[dict[str, Any]]:
    return list((op.payload or {}).get("attachments") or [])


def upload_files(store, client, ops: Sequence[Op], abort: Callable[[], bool],
                 report: Any = None, progress: Callable[[float, str], None] | None = None
                 ) -> tuple[list[Op], list[OpResult]]:
    """Upload what `ops` carry. Returns (the ops to send, results settled here): an op
    whose file the server refuses gets a `rejected` result with the refusal's code, and
    the ops after it on the same case wait (they would overtake it). Raises the
    transport's errors (the cycle fails and resumes later) and FilesAborted."""
    send: list[Op] = []
    settled: list[OpResult] = []
    refused_cases: set[str] = set()
    for op in ops:
        if op.case_id in refused_cases:
            continue
        refusal: OpError | None = None
        for ref in op_files(op):
            sha256 = str(ref.get("sha256", ""))
            if store.upload_done(sha256):
                continue
            reader = store.blob_reader(sha256)
            if reader is None or not store.has_file(sha256):
                refusal = OpError(code="file_missing", detail="a file of this operation is no longer in the cache")
                break
            if progress is not None:
                progress(0.0, "sending a file")
            try:
                result = transfer.upload(client, reader, sha256=sha256, size=reader.size, abort=abort,
                                         progress=_progress_of(store, sha256))
            except transfer.UploadRefused as exc:
                refusal = OpError(code=exc.code or "upload_refused", detail=exc.detail or str(exc))
                break
            except transfer.TransferAborted as exc:
                raise FilesAborted() from exc
            store.set_uploaded(sha256, reader.size, complete=True)
            if report is not None:
                report.uploaded += 1
                report.upload_bytes += result.sent
                report.note(Changes(outbox=True))
        if refusal is not None:
            refused_cases.add(op.case_id)
            settled.append(OpResult(op_id=op.op_id, outcome="rejected", case=None, error=refusal))
            continue
        send.append(op)
    return send, settled


def _progress_of(store, sha256: str) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        store.set_uploaded(sha256, done)
    return progress


def forget_uploads(store, op: Op) -> None:
    """The server says it lacks an upload the op names: send the files again."""
    for ref in op_files(op):
        store.set_uploaded(str(ref.get("sha256", "")), 0, complete=False)


def resend_op(store, op: Op) -> str:
    """Settle the `upload_missing` conflict of `op` by queueing it again as a new op
    (same payload, next seq), its files to be sent again first. Returns the new op_id."""
    forget_uploads(store, op)
    again = op.model_copy(update={"op_id": str(uuid.uuid4()), "seq": store.next_seq()})
    store.resolve_conflict(op.op_id, "retry", new_op=again)
    return again.op_id


def download_files(store, client, report: Any, abort: Callable[[], bool],
                   progress: Callable[[float, str], None]) -> None:
    budget = store.attachment_budget
    store.evict_files()
    wanted = store.wanted_files()
    if not wanted:
        return
    used = store.attachment_usage()
    failures_in_a_row = 0
    for i, want in enumerate(wanted):
        if abort():
            raise FilesAborted()
        if want.size > budget.max_file_bytes or used + (want.size - want.held) > budget.max_total_bytes:
            report.files_skipped += 1
            continue
        progress(min(0.99, 0.95 + 0.04 * i / len(wanted)), f"downloading file {i + 1} of {len(wanted)}")
        writer = store.download_writer(want)
        held = store.blob_reader(want.sha256) if writer.held else None
        start = writer.held
        try:
            result = transfer.download(client, want.attachment_id, writer, sha256=want.sha256,
                                       offset=writer.held, held=held, size=want.size or None,
                                       attempts=3, abort=abort)
            writer.flush()
            store.finish_download(want.sha256, result.size)
            used += result.size - start
            report.downloaded += 1
            report.download_bytes += result.fetched
            report.note(cases([want.case_id]))  # its file list now says cached
            failures_in_a_row = 0
        except transfer.DigestMismatch:
            writer.flush()
            store.discard_download(want.sha256)
            report.file_failures += 1
            log.warning("a downloaded file did not match its sha256; it is fetched again next time")
        except transfer.TransferAborted as exc:
            writer.flush()
            raise FilesAborted() from exc
        except AuthError:
            writer.flush()
            report.file_failures += 1
            report.warnings.append("files were not downloaded: log in again")
            return
        except ApiError as exc:
            writer.flush()
            used += writer.held - start
            report.file_failures += 1
            log.warning("a file could not be downloaded: %s", exc)
            if isinstance(exc, TransportError):
                failures_in_a_row += 1
                if failures_in_a_row >= _GIVE_UP_AFTER:
                    report.warnings.append("the link broke while downloading files; they go on next sync")
                    return
