"""What a quiet poll needs, held in a worker's memory on PostgreSQL.

A desk asks "anything new?" every 60 s, and nearly always nothing is. On SQLite the
answer is one indexed statement on the event loop. On PostgreSQL that statement is a
round trip from a thread: the hop and the driver cost a quiet poll about 20 times a bare
handler's CPU (bench/bench_load.py). Here each worker keeps the head of the feed (head,
epoch, floor, the oldest closed case not yet retired) and the live sessions it has seen,
and answers a poll at the head from memory.

It stays right because PostgreSQL tells every worker what changed (LISTEN/NOTIFY, the
triggers in central.db.POSTGRES_NOTIFY): a write to `meta` (every change moves the seq)
forgets the head, and an update or delete of a session or an officer forgets the
sessions. A notification is delivered after its transaction commits, so nothing read
before a commit is kept after it. This worker's own commits forget the head at once
(PostgresDatabase.on_commit), and its own revocations the sessions (Service calls
forget_sessions), so a push or a logout is seen by the very next request it serves.
Another worker's commit is seen once its notification arrives, within milliseconds: a
poll in that window is answered as if it had come a moment earlier. While the listening
connection is down nothing is held and every poll asks the database.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("central.quiet")

HEAD_CHANNEL = "desk_head"
SESSION_CHANNEL = "desk_sessions"


class QuietMemo:
    """The feed's head and the live sessions, for QuietPolls (see the module)."""

    # A province has 20,000 officers; beyond this many sessions the memo starts over
    # rather than grow without bound (an attacker cannot make it hold dead tokens: only
    # sessions the database said were live are kept).
    MAX_SESSIONS = 50_000
    RECONNECT_S = 1.0
    # A net under the notifications, for a path that drops them unseen (a pool in
    # transaction mode does not carry LISTEN): the head is read again after a second
    # (once a second per worker, not per poll) and a session after five minutes.
    HEAD_MAX_AGE_S = 1.0
    SESSION_MAX_AGE_S = 300.0

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._head: tuple[int, str, int, str | None] | None = None
        self._head_at = 0.0
        self._head_gen = 0
        self._sessions: dict[str, tuple[Any, float]] = {}
        self._session_gen = 0
        self._listening = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="quiet-memo", daemon=True)
        self._thread.start()

    # ---- read by the poll

    def generations(self) -> tuple[int, int]:
        """Taken before a read of the database: remember() keeps what it read only if
        nothing was forgotten meanwhile."""
        with self._lock:
            return self._head_gen, self._session_gen

    def lookup(self, token_hash: str) -> tuple[Any, tuple[int, str, int, str | None]] | None:
        """(the session's row, the head) when both are held; None means ask the database."""
        at = time.monotonic()
        with self._lock:
            if self._head is None or at - self._head_at > self.HEAD_MAX_AGE_S:
                return None
            held = self._sessions.get(token_hash)
            if held is None or at - held[1] > self.SESSION_MAX_AGE_S:
                return None
            return held[0], self._head

    def remember(self, generations: tuple[int, int], token_hash: str, row: Any,
                 head: tuple[int, str, int, str | None]) -> None:
        at = time.monotonic()
        with self._lock:
            if not self._listening:
                return
            if generations[0] == self._head_gen:
                self._head, self._head_at = head, at
            if generations[1] == self._session_gen:
                if len(self._sessions) >= self.MAX_SESSIONS:
                    self._sessions.clear()
                self._sessions[token_hash] = (row, at)

    # ---- told what changed

    def forget_head(self) -> None:
        with self._lock:
            self._head_gen += 1
            self._head = None

    def forget_sessions(self) -> None:
        with self._lock:
            self._session_gen += 1
            self._sessions.clear()

    def _forget_all(self, listening: bool) -> None:
        with self._lock:
            self._listening = listening
            self._head_gen += 1
            self._session_gen += 1
            self._head = None
            self._sessions.clear()

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, application_name="desk-central-listen",
                                     connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {HEAD_CHANNEL}")
                    conn.execute(f"LISTEN {SESSION_CHANNEL}")
                    # Listening from here on: whatever commits later is told.
                    self._forget_all(listening=True)
                    while not self._stop.is_set():
                        # A short wait, so that close() (before the workers start) is quick.
                        for note in conn.notifies(timeout=0.25):
                            if note.channel == SESSION_CHANNEL:
                                self.forget_sessions()
                            else:
                                self.forget_head()
            except Exception as exc:  # the database went away: hold nothing, try again
                self._forget_all(listening=False)
                log.warning("quiet-poll memo: not listening (%s); polls ask the database",
                            type(exc).__name__)
                self._stop.wait(self.RECONNECT_S)
        self._forget_all(listening=False)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
