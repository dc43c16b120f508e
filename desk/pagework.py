"""The sync's page worker: a feed page read and turned into cache rows in a process of
its own.

Reading a page of 1,000 cases (JSON, validation) and building each case's view and
search rows is pure Python for a few hundred milliseconds. On a thread beside the
window that work holds the GIL in 5 ms slices, and each of the window's calls into
Python (every cell it paints) waits out one slice: the window stutters for the whole
first sync. A second process has an interpreter of its own, and on two cores it reads
page N+1 while this process writes page N (`desk sync` gains from it too).

The parent keeps what must stay in one place: the HTTP session, the cache and its one
writer. The worker gets the page's bytes and the reference (calendar, policies) the rows
are built with, and gives back the rows (desk.store.PreparedUpsert) and removals. If the
worker cannot run (it died, or the platform cannot start one), the page is prepared in
this process instead: slower beside a window, never wrong.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desk.api import parse_changes
from desk.pacing import no_pace
from desk.store import PreparedUpsert, prepare_upsert
from desk.wire import RemoveChange, UnreadableChange

log = logging.getLogger(__name__)

# A cycle's first page this big or bigger goes to a running worker too (the answers to a
# push, a day's changes after a long offline spell); a no-change poll's is a few hundred
# bytes and is read at once.
WORKER_PAGE_BYTES = 256 * 1024


@dataclass
class PreparedPage:
    """A feed page as the sync engine uses it (ChangesResponse's fields), its upserts
    prepared for the cache."""

    changes: list[PreparedUpsert | RemoveChange]
    next_cursor: str
    has_more: bool
    server_time: datetime
    reference_version: str
    unreadable: list[UnreadableChange] = field(default_factory=list)
    # The reference the rows were built with, to tell when it changed since.
    built_with: Any = None


def prepare_page(content: bytes, calendar: Any, policies: list) -> PreparedPage:
    """Read a GET /changes body (BadResponse if it does not fit) and build its rows."""
    page = parse_changes(content)
    return PreparedPage(
        changes=[c if isinstance(c, RemoveChange) else prepare_upsert(c, calendar, policies)
                 for c in page.changes],
        next_cursor=page.next_cursor, has_more=page.has_more, server_time=page.server_time,
        reference_version=page.reference_version, unreadable=list(page.unreadable))


# A page's next cursor and has_more as the server wrote them. JSON escapes every quote
# inside a string, so `"next_cursor":"` can only be a key, never a citizen's text; a
# nested object with such a key (a grown server) makes two matches, and no guess.
_NEXT_CURSOR = re.compile(rb'"next_cursor"\s*:\s*"([!#-\[\]-~]{1,1024})"')
_HAS_MORE = re.compile(rb'"has_more"\s*:\s*true')


def next_cursor_hint(content: bytes) -> str | None:
    """The next page's cursor read off a page's raw bytes, so the next page can be
    fetched while this one is still being read; None when the bytes do not say for sure.
    Only a guess: the sync engine uses the page fetched with it only when the cursor it
    parses from this page is the same."""
    found = _NEXT_CURSOR.findall(content)
    if len(found) != 1 or _HAS_MORE.search(content) is None:
        return None
    return found[0].decode("ascii")


# Prepared upserts per pickled piece: a page comes back as pieces this process unpickles
# one after another, each a millisecond or two. Unpickled whole, a page is one C call
# of 10-20 ms that holds the GIL, and the window's painting waits that long.
_PIECE = 100


def _prepare_in_pieces(content: bytes, calendar: Any, policies: list) -> tuple[PreparedPage, list[bytes]]:
    """prepare_page in the worker, its changes pickled in pieces (the page without them)."""
    page = prepare_page(content, calendar, policies)
    changes, page.changes = page.changes, []
    pieces = [pickle.dumps(changes[i:i + _PIECE], pickle.HIGHEST_PROTOCOL)
              for i in range(0, len(changes), _PIECE)]
    return page, pieces


def _yield_to_window(niceness: int) -> None:
    """In the worker, at its start: a lower priority, so on a machine with two cores the
    window's thread, not the worker, gets a core when both want one (the worker's pages
    wait a little; the officer's clicks do not)."""
    if not niceness:
        return
    try:
        os.nice(niceness)
    except (AttributeError, OSError):
        pass  # Windows has no nice(): the worker runs at the normal priority there


def _ready() -> None:
    """Nothing: run once so the worker has started and imported what a page needs."""


@dataclass
class PendingPage:
    """A page handed to the worker and not yet collected (PageWorker.collect)."""

    content: bytes
    calendar: Any
    policies: list
    future: Future | None


class PageWorker:
    """One worker process, started on first use and kept for the next pages and syncs;
    `close()` stops it. A page is submitted when its bytes arrive and collected when the
    sync is ready for it, so the worker reads the next page while this process writes.
    (A second worker was tried for `desk sync`: it took the core the writer needs.)"""

    def __init__(self, *, niceness: int = 0, pace: Callable[[], None] = no_pace) -> None:
        """`niceness`: how much lower the worker runs than this process (the app
        passes some; the command line, with no window to leave a core to, none).
        `pace`: called between the pieces of a page as they are unpickled here
        (desk/pacing.py)."""
        self.niceness = niceness
        self.pace = pace
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._closed = False
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Started and not stopped: a page handed to it now costs no process start."""
        with self._lock:
            return self._pool is not None and not self._broken and not self._closed

    def start(self) -> None:
        """Start the worker now, ahead of its first page (a first sync calls it before
        its first fetch): its interpreter start and imports, half a second, then overlap
        the first page rather than delay the second."""
        pool = self._get_pool()
        if pool is not None:
            try:
                pool.submit(_ready)
            except (BrokenProcessPool, OSError, RuntimeError):
                pass  # collect() finds out again and reads pages in this process

    def submit(self, content: bytes, calendar: Any, policies: list) -> PendingPage:
        """Hand a page's bytes to a worker; it is read there while the caller goes on."""
        pool = self._get_pool()
        future = None
        if pool is not None:
            try:
                future = pool.submit(_prepare_in_pieces, content, calendar, policies)
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                self._stopped(exc)
        return PendingPage(content, calendar, policies, future)

    def collect(self, pending: PendingPage) -> PreparedPage:
        """The page submitted, read; read in this process if the worker failed."""
        if pending.future is not None:
            try:
                page, pieces = pending.future.result()
                for piece in pieces:
                    self.pace()
                    page.changes.extend(pickle.loads(piece))
                page.built_with = (pending.calendar, pending.policies)
                return page
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                self._stopped(exc)
        page = prepare_page(pending.content, pending.calendar, pending.policies)
        page.built_with = (pending.calendar, pending.policies)
        return page

    def prepare(self, content: bytes, calendar: Any, policies: list) -> PreparedPage:
        return self.collect(self.submit(content, calendar, policies))

    def _stopped(self, exc: BaseException) -> None:
        log.warning("the sync's page worker stopped (%s); pages are read in this process",
                    type(exc).__name__)
        with self._lock:
            self._broken = True

    def _get_pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._broken or self._closed:
                # Closed: a fetch ahead that lands after its sync stopped starts nothing.
                return None
            if self._pool is None:
                # spawn, not fork: the parent holds Qt, a SQLCipher connection and threads.
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_yield_to_window, initargs=(self.niceness,))
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._closed = True
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
