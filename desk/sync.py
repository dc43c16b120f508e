"""The sync engine: push the outbox, pull the change feed, keep the cache honest.

A cycle is one long job with an abort flag and a progress callback and no knowledge of
Qt (the desktop app runs it on a worker; the CLI runs it inline). Everything it writes
goes through the Store in whole transactions: a page of changes is committed together
with the cursor that follows it, and push results together with the outbox rows they
settle, so a crash at any point leaves a state from which the next cycle simply resumes
(the server deduplicates resent op_ids).

The local clock is only ever measured against the server's, never used to order work.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from desk import filesync
from desk.api import (
    ApiError,
    AuthError,
    BadResponse,
    CursorExpired,
    ServerRefused,
    TransportError,
    parse_changes,
)
from desk.logsafe import log_unexpected
from desk.pagework import WORKER_PAGE_BYTES, PageWorker, PendingPage, next_cursor_hint
from desk.rules import KNOWN_STATUSES, Actor
from desk.store import NOTHING, Changes, PreparedUpsert, change_case_id
from desk.wire import MAX_CHANGES_LIMIT, MAX_OPS_PER_PUSH, STATUSES

log = logging.getLogger(__name__)

CLOCK_SKEW_WARN_S = 5 * 60


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    blocked: int = 0
    pulled: int = 0
    removed: int = 0
    push_requests: int = 0
    pull_requests: int = 0
    full_resync: bool = False
    warnings: list[str] = field(default_factory=list)
    clock_offset_s: float | None = None
    finished: bool = False
    error: str | None = None
    # "transport" | "auth" | "refused" | "bad_response" | "aborted" | None
    error_kind: str | None = None
    retry_after: float | None = None
    # The cases whose latest change could not be read, still set aside after this cycle
    # (Store.set_aside_cases): the feed went on without them and kept their last good copy.
    set_aside: list[dict] = field(default_factory=list)
    # Attachments: files sent before their ops, files fetched for offline reading
    # (those over the budget skipped, those that failed retried next cycle).
    uploaded: int = 0
    upload_bytes: int = 0
    downloaded: int = 0
    download_bytes: int = 0
    file_failures: int = 0
    files_skipped: int = 0
    # What the cycle changed in the cache (the union of its store writes' Changes), so
    # the window refreshes only that. Kept when the cycle fails half way: what was
    # committed before the failure stays committed.
    changes: Changes = NOTHING

    def note(self, changes: Changes | None) -> None:
        if changes:
            self.changes = self.changes | changes

    @property
    def login_needed(self) -> bool:
        return self.error_kind == "auth"

    def summary_line(self) -> str:
        parts = [f"pushed {self.pushed}", f"pulled {self.pulled}"]
        if self.removed:
            parts.append(f"removed {self.removed}")
        if self.duplicates:
            parts.append(f"{self.duplicates} already delivered")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict(s)")
        if self.rejected:
            parts.append(f"{self.rejected} rejected")
        if self.full_resync:
            parts.append("full resync")
        if self.set_aside:
            parts.append(f"{len(self.set_aside)} case(s) set aside")
        if self.uploaded:
            parts.append(f"{self.uploaded} file(s) sent")
        if self.downloaded:
            parts.append(f"{self.downloaded} file(s) fetched")
        if self.file_failures:
            parts.append(f"{self.file_failures} file(s) failed")
        if self.files_skipped:
            parts.append(f"{self.files_skipped} file(s) over the budget")
        return ", ".join(parts)


def _error_kind(exc: ApiError) -> str:
    if isinstance(exc, AuthError):
        return "auth"
    if isinstance(exc, TransportError):
        return "transport"
    if isinstance(exc, ServerRefused):
        return "refused"
    return "bad_response"


def _progress_at(progress: Callable[[float, str], None], at: float, fraction: float, message: str) -> None:
    progress(at, message)


class SyncAborted(Exception):
    pass


@contextmanager
def _shut_down_after(executor: ThreadPoolExecutor) -> Iterator[ThreadPoolExecutor]:
    """Leave `executor` without waiting: a fetch ahead still in flight when a pull ends
    (stopped, failed) is dropped, not waited for."""
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def _status(change) -> str:
    return change.status if isinstance(change, PreparedUpsert) else change.case.status


class SyncEngine:
    def __init__(
        self,
        store,
        client,
        actor: Actor,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch_size: int = 100,
        page_size: int = MAX_CHANGES_LIMIT,
        page_worker: PageWorker | None = None,
    ):
        self.store = store
        self.client = client
        self.actor = actor
        self.clock = clock
        self.batch_size = max(1, min(batch_size, MAX_OPS_PER_PUSH))
        self.page_size = max(1, min(page_size, MAX_CHANGES_LIMIT))
        # Pages after the first are read and prepared in a worker process (desk/pagework.py);
        # without one (or with a client that cannot hand over a page's bytes) in this one.
        self.page_worker = page_worker
        # The next page, fetched ahead under the cursor guessed from this page.
        self._ahead: tuple[str, Future[tuple[PendingPage, str | None]]] | None = None
        self._checked_summary = False
        # Fetch open cases' attachments after each pull (off for tools that only sync).
        self.download_files = True
        # Whether a file may still be wanted without a pull saying so: at the start, and
        # after a download failed. A quiet cycle otherwise skips the scan of every open
        # case's files (a quarter of a second over 20,000 cases).
        self._files_unsettled = True
        # One cycle at a time: the loop thread and a "sync now" button may both ask.
        self._cycle_lock = threading.Lock()

    # ------------------------------------------------------------ the job

    def run_cycle(
        self,
        abort: Callable[[], bool] = lambda: False,
        progress: Callable[[float, str], None] = lambda f, m: None,
    ) -> SyncReport:
        report = SyncReport()
        if self.client is None or not getattr(self.client, "token", "x"):
            report.error = "not logged in: log in to sync"
            report.error_kind = "auth"
            return report
        with self._cycle_lock:
            try:
                progress(0.0, "sending queued work")
                self._push(report, abort, progress)
                progress(0.3, "fetching changes")
                self._pull(report, abort, progress)
                if self.download_files and (report.pulled or report.removed or self._files_unsettled):
                    self._files_unsettled = True
                    filesync.download_files(self.store, self.client, report, abort, progress)
                    self._files_unsettled = report.file_failures > 0
                self._report_set_aside(report)
                self._check_summary(report)
            except (SyncAborted, filesync.FilesAborted):
                report.error = "sync stopped"
                report.error_kind = "aborted"
                return report
            except ApiError as exc:
                report.error = str(exc)
                report.error_kind = _error_kind(exc)
                report.retry_after = getattr(exc, "retry_after", None)
                log.warning("sync cycle failed: %s", report.error)
                self.store.set_state(last_error=report.error)
                return report
            report.finished = True
            progress(1.0, "up to date")
            return report

    # ------------------------------------------------------------ push

    def _push(self, report: SyncReport, abort, progress) -> None:
        total = max(1, self.store.outbox_count())
        last_ids: list[str] | None = None
        # Ops resent once after `upload_missing` (their files sent again first).
        resent: set[str] = set()
        while True:
            if abort():
                raise SyncAborted()
            waiting = [op.op_id for op in self.store.next_batch(self.batch_size)]
            if not waiting or waiting == last_ids:
                # Nothing moved last time (every op blocked): wait for the next cycle
                # rather than spin against the server.
                return
            # Marked sent before the request leaves, in the transaction that reads them
            # (desk.store.outbox.SENT): what an edit or withdraw changed meanwhile is
            # what goes, and nothing withdrawn goes.
            batch = self.store.take_batch(self.batch_size)
            if not batch:
                return
            ids = [op.op_id for op in batch]
            last_ids = ids
            original = batch
            try:
                # Files first: the server applies an op only with its uploads complete.
                at = min(0.3, 0.3 * (report.pushed + report.conflicts + report.rejected) / total)
                batch, settled = filesync.upload_files(self.store, self.client, batch, abort, report,
                                                       functools.partial(_progress_at, progress, at))
            except ApiError as exc:
                report.note(self.store.mark_attempt(ids, str(exc)))
                raise
            results = list(settled)
            if batch:
                try:
                    answer = self.client.push(batch)
                except ApiError as exc:
                    report.note(self.store.mark_attempt(ids, str(exc)))
                    raise
                finally:
                    report.push_requests += 1
                results += answer.results
            report.note(self.store.record_results(original, results))
            by_id = {op.op_id: op for op in batch}
            for result in results:
                if (result.outcome == "rejected" and result.error is not None
                        and result.error.code == "upload_missing" and result.op_id in by_id
                        and result.op_id not in resent):
                    # The server lacks (lost, swept) a file the op names. It keeps its
                    # answer for that op_id, so the op goes once more as a new op, after
                    # its files are sent again; a second refusal stays a conflict the
                    # officer sees.
                    again = filesync.resend_op(self.store, by_id[result.op_id])
                    resent.add(again)
                    last_ids = None
                    report.rejected -= 1
            for result in results:
                outcome = result.outcome
                if outcome == "applied":
                    report.applied += 1
                    report.pushed += 1
                elif outcome == "duplicate":
                    report.duplicates += 1
                    report.pushed += 1
                elif outcome == "conflict":
                    report.conflicts += 1
                elif outcome == "rejected":
                    report.rejected += 1
                else:
                    report.blocked += 1
            done = report.pushed + report.conflicts + report.rejected
            progress(min(0.3, 0.3 * done / total), f"sent {done} of {total}")

    # ------------------------------------------------------------ pull

    def _next_page(self, cursor: str | None, reader: ThreadPoolExecutor):
        """The page after `cursor`, prepared by the page worker when there is one (the
        fetch thread waits on its pipe, not on the GIL).

        While the worker reads a page, the page after it is already being fetched on
        `reader`, with the cursor read off the raw bytes (pagework.next_cursor_hint), and
        handed to the worker as it arrives: the server's work and the transfer overlap
        the worker's, and the worker goes from one page to the next without waiting for
        this process to write the one before."""
        worker = self.page_worker
        if worker is None or getattr(self.client, "changes_body", None) is None:
            return self.client.changes(cursor, self.page_size)
        read = self._fetched_ahead(cursor)
        if read is None:
            read = self._read_page(cursor)
        pending, hint = read
        if hint is not None and hint != cursor:
            self._ahead = (hint, reader.submit(self._read_page, hint))
        return worker.collect(pending)

    def _first_page(self, cursor: str | None, report: SyncReport, before: datetime):
        """The cycle's first page. A small one (a cycle with nothing new, most of them) is
        read here and never waits for the worker; a big one (a first sync's, the answers
        to a push) is read by the page worker once it runs, as every later page is: read
        here, it held the interpreter lock the window paints with for 70 ms."""
        worker = self.page_worker
        changes_body = getattr(self.client, "changes_body", None)
        if worker is None or changes_body is None:
            page = self.client.changes(cursor, self.page_size)
            self._measure_clock(report, page.server_time, before, self.clock())
            return page
        content = changes_body(cursor, self.page_size)
        after = self.clock()
        if len(content) >= WORKER_PAGE_BYTES and worker.running:
            page = worker.prepare(content, *self.store.view_context())
        else:
            page = parse_changes(content)
        self._measure_clock(report, page.server_time, before, after)
        return page

    def _read_page(self, cursor: str | None) -> tuple[PendingPage, str | None]:
        """Fetch a page's bytes and hand them to the worker; with the next cursor they name."""
        assert self.page_worker is not None
        content = self.client.changes_body(cursor, self.page_size)
        return self.page_worker.submit(content, *self.store.view_context()), next_cursor_hint(content)

    def _fetched_ahead(self, cursor: str | None) -> tuple[PendingPage, str | None] | None:
        """The page fetched ahead for `cursor`, if the guess was right and it arrived;
        None to fetch it now (a wrong guess's page is dropped unread; a failed fetch is
        made again, so its error is the one the normal path raises)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        hinted, future = ahead
        if hinted != cursor:
            future.cancel()
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - fetched again below, which raises it as usual
            return None

    def _pull(self, report: SyncReport, abort, progress) -> None:
        state = self.store.get_state()
        cursor = state.cursor
        generation: int | None = None
        if state.full_resync:
            # A full resync was interrupted: we do not know which cases it had seen, so
            # start it again (the cases it keeps are the ones it sees).
            generation = self.store.begin_full_resync()
            cursor = None
            report.full_resync = True
        reference_checked = False
        pages = 0
        if cursor is None and self.page_worker is not None:
            # A first sync (or a resync): many pages will follow the first.
            self.page_worker.start()
        self._ahead = None
        # The next page is fetched on a worker while this one is written to the cache,
        # so a first sync pays for the network and the disk side by side, not in turn.
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-feed")
        with _shut_down_after(reader), \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-pull") as fetcher:
            prefetched: Future | None = None
            while True:
                if abort():
                    raise SyncAborted()
                before = self.clock()
                try:
                    if prefetched is not None:
                        page = prefetched.result()
                    else:
                        page = self._first_page(cursor, report, before)
                except CursorExpired:
                    if generation is not None:
                        raise
                    log.info("change cursor expired; pulling everything again")
                    report.warnings.append(
                        "the server no longer had our place in the change feed; fetched everything again")
                    generation = self.store.begin_full_resync()
                    cursor = None
                    report.full_resync = True
                    continue
                finally:
                    prefetched = None
                    report.pull_requests += 1
                if page.has_more and page.next_cursor != cursor:
                    prefetched = fetcher.submit(self._next_page, page.next_cursor, reader)
                if not reference_checked:
                    # Before the first page so the calendar is there when clocks are derived.
                    report.note(self._refresh_reference(page.reference_version))
                    reference_checked = True
                built_with = getattr(page, "built_with", None)
                if built_with is not None and any(
                        a is not b for a, b in zip(built_with, self.store.view_context(), strict=True)):
                    # Prepared before the reference changed: build its rows again (apply_changes
                    # builds them for the cases in hand).
                    page.changes = [c.case_as_change() if isinstance(c, PreparedUpsert) else c
                                    for c in page.changes]
                unreadable = getattr(page, "unreadable", ())
                # Set aside what cannot be read and clear what is read again, then apply
                # the rest of the page with its cursor as always.
                report.note(self.store.set_aside(
                    unreadable,
                    (change_case_id(c) for c in page.changes),
                    full_resync_generation=generation))
                grown = {_status(c) for c in page.changes if c.op == "upsert"} - KNOWN_STATUSES
                if grown:
                    self.store.note_statuses(grown)
                if unreadable:
                    log.warning("set aside %d change(s) of the feed that could not be read",
                                len(unreadable))
                report.note(self.store.apply_changes(
                    list(page.changes), page.next_cursor, full_resync_generation=generation
                ))
                pages += 1
                for change in page.changes:
                    if change.op == "upsert":
                        report.pulled += 1
                    else:
                        report.removed += 1
                self.store.set_state(last_success=page.server_time, last_error=None)
                if not page.has_more:
                    break
                if page.next_cursor == cursor:
                    raise BadResponse("GET /changes: has_more without the cursor moving")
                cursor = page.next_cursor
                progress(min(0.95, 0.3 + 0.05 * pages), f"fetched {report.pulled} case(s)")
        if generation is not None:
            report.note(self.store.finish_full_resync(generation))

    def _report_set_aside(self, report: SyncReport) -> None:
        report.set_aside = self.store.set_aside_cases()
        for item in report.set_aside:
            # Ids and field names only: what the server sent may be personal data.
            what = f"case {item['number']} (id {item['case_id']})" if item["number"] else (
                f"case id {item['case_id']}" if item["case_id"] else f"change seq {item['seq']}")
            kept = "; its last good copy is kept" if item["last_good_copy"] else ""
            report.warnings.append(
                f"{what} could not be read and was set aside ({item['problem']}){kept}; "
                f"it is read again when it next changes")

    def _measure_clock(self, report: SyncReport, server_time: datetime, before: datetime, after: datetime) -> None:
        local = before + (after - before) / 2
        offset = (server_time - local).total_seconds()
        report.clock_offset_s = offset
        self.store.set_state(clock_offset_s=offset)
        if abs(offset) > CLOCK_SKEW_WARN_S and not any("clock" in w for w in report.warnings):
            hours = abs(offset) / 3600
            direction = "behind" if offset > 0 else "ahead of"
            msg = f"this computer's clock is {hours:.1f} h {direction} the server's; deadlines use the server's time"
            report.warnings.append(msg)
            log.warning("clock offset against the server: %.0f s", offset)

    def _refresh_reference(self, version: str) -> Changes:
        state = self.store.get_state()
        cached = self.store.reference()
        if cached is not None and state.reference_version == version:
            return NOTHING
        etag = state.reference_etag if cached is not None else None
        ref, new_etag = self.client.reference(etag)
        if ref is not None:
            changes = self.store.save_reference(ref, new_etag)
            self.store.set_state(reference_version=version, reference_etag=new_etag)
            return changes
        self.store.set_state(reference_version=version)
        return NOTHING

    # ------------------------------------------------------------ check

    def _check_summary(self, report: SyncReport) -> None:
        # Only when something moved (or once per engine): a quiet sync stays at one
        # round trip.
        if report.set_aside:
            # The cache knowingly differs from the server by the cases set aside.
            return
        moved = report.pushed or report.pulled or report.removed or report.full_resync
        if self._checked_summary and not moved:
            return
        try:
            summary = self.client.summary()
        except ServerRefused as exc:
            if exc.status == 404:
                # /summary is an extra of the reference server; others need not have it.
                self._checked_summary = True
                return
            report.warnings.append(f"the cache could not be checked: {exc}")
            return
        except (TransportError, BadResponse) as exc:
            # The work is done and committed; a failed check must not undo "finished".
            report.warnings.append(f"the cache could not be checked: {exc}")
            return
        self._checked_summary = True
        cursor = self.store.get_state().cursor
        if summary.cursor != cursor:
            # The feed moved on since our last page; the next cycle will compare.
            return
        local = self.store.status_counts(self.actor)
        # Statuses this client does not know are compared too (they are kept as they are).
        statuses = list(STATUSES) + sorted((set(local) | set(summary.counts)) - set(STATUSES))
        mismatched = [
            s for s in statuses if int(local.get(s, 0)) != int(summary.counts.get(s, 0))
        ]
        if mismatched:
            detail = ", ".join(
                f"{s} {local.get(s, 0)}/{summary.counts.get(s, 0)}" for s in mismatched
            )
            msg = f"the local cache does not match the server (local/server: {detail}); a full resync may help"
            report.warnings.append(msg)
            log.warning("cache check: %s", detail)



def backoff_delay(failures: int, base: float, maximum: float, rng: random.Random,
                  retry_after: float | None = None) -> float:
    """How long to wait after `failures` failures in a row: exponential from `base` up to
    `maximum`, with jitter so that a station's desks do not all retry at once, and never
    shorter than the server's Retry-After. Shared by the sync loop and the reconnector."""
    exp = min(maximum, base * (2 ** max(0, failures - 1)))
    delay = exp * (0.5 + 0.5 * rng.random())
    return max(delay, retry_after) if retry_after is not None else delay

class SyncLoop(threading.Thread):
    """Runs sync cycles in the background: every `interval` seconds, at once after
    local work (`poke`), and at once on reconnect. Transport failures are retried with
    exponential backoff and jitter, honouring Retry-After; a 401 pauses the loop until
    `resume_after_login()`. Plain thread, no Qt: the app adapts the callbacks
    (`on_state`, `on_report`, and `on_progress(fraction, message)` during a cycle)."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval: float = 60.0,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        on_state: Callable[[str], None] = lambda state: None,
        on_report: Callable[[SyncReport], None] = lambda report: None,
        on_progress: Callable[[float, str], None] = lambda fraction, message: None,
        rng: random.Random | None = None,
    ):
        super().__init__(name="desk-sync", daemon=True)
        self.engine = engine
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.on_state = on_state
        self.on_report = on_report
        self.on_progress = on_progress
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop_event = threading.Event()
        self._paused = False
        self._failures = 0
        self._reconnect = False
        self._lock = threading.Lock()
        self.state = "idle"
        self.last_report: SyncReport | None = None
        self.cycles = 0

    # ------------------------------------------------------------ control

    def poke(self) -> None:
        """Local work was queued: sync soon (at once unless backing off)."""
        self._wake.set()

    def reconnect(self) -> None:
        """The network came back: retry at once, forgetting the backoff."""
        with self._lock:
            self._reconnect = True
            self._failures = 0
        self._wake.set()

    def resume_after_login(self, client=None) -> None:
        if client is not None:
            self.engine.client = client
        with self._lock:
            self._paused = False
            self._failures = 0
            self._reconnect = True
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop_event.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    # ------------------------------------------------------------ the loop

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            try:
                self.on_state(state)
            except Exception as exc:  # a UI callback must not kill the sync thread
                log_unexpected(log, "sync state callback failed", exc)

    def _progress(self, fraction: float, message: str) -> None:
        try:
            self.on_progress(fraction, message)
        except Exception as exc:  # a UI callback must not kill the sync thread
            log_unexpected(log, "sync progress callback failed", exc)

    def _backoff(self, retry_after: float | None) -> float:
        return backoff_delay(self._failures, self.backoff_base, self.backoff_max, self.rng, retry_after)

    def _wait(self, seconds: float, *, interruptible: bool) -> None:
        if not interruptible:
            # Backing off: a poke (local work) must not cut a Retry-After short; only
            # stop, reconnect or a fresh login do.
            end = time.monotonic() + seconds
            while not self._stop_event.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    return
                self._wake.wait(left)
                self._wake.clear()
                with self._lock:
                    if self._reconnect:
                        return
            return
        self._wake.wait(seconds)

    def run(self) -> None:
        while not self._stop_event.is_set():
            with self._lock:
                paused = self._paused
            if paused:
                self._wake.wait()
                self._wake.clear()
                continue
            self._wake.clear()
            with self._lock:
                self._reconnect = False
            self._set_state("syncing")
            try:
                report = self.engine.run_cycle(abort=self._stop_event.is_set,
                                               progress=self._progress)
            except Exception as exc:  # never let the thread die silently
                log_unexpected(log, "sync cycle crashed", exc)
                report = SyncReport(error=f"sync failed: {type(exc).__name__}", error_kind="crash")
            self.cycles += 1
            self.last_report = report
            try:
                self.on_report(report)
            except Exception as exc:  # a UI callback must not kill the sync thread
                log_unexpected(log, "sync report callback failed", exc)
            if self._stop_event.is_set():
                break
            if report.finished:
                self._failures = 0
                self._set_state("idle")
                self._wait(self.interval, interruptible=True)
            elif report.login_needed:
                with self._lock:
                    self._paused = True
                self._set_state("login_needed")
            else:
                self._failures += 1
                self._set_state("offline" if report.error_kind == "transport" else "error")
                self._wait(self._backoff(report.retry_after), interruptible=False)
        self._set_state("stopped")
