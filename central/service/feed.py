"""The change feed: the sequence, the change log and departures, retention, feed pages
and summaries, and the case rows every write goes through."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from central.errors import ApiError
from central.service.auth import token_hash
from central.service.common import (
    FINAL,
    LOG_FORM,
    Caller,
    Room,
    _caller,
    _scope_branches,
    _scope_sql,
    canonical,
    db_time,
    in_scope,
    parse_db_time,
)
from desk import wire

# _quiet_verdict's "ask the caller's scope": the head moved, perhaps for someone else.
_BEHIND = object()


def _quiet_cursor(cursor: str) -> tuple[str, int] | None:
    """(epoch, seq) of a cursor as a quiet poll may read it ("epoch.seq"), or None."""
    epoch, dot, seq_text = cursor.partition(".")
    if not dot or not seq_text.isdigit() or len(seq_text) > 18:
        return None
    return epoch, int(seq_text)


class FeedRoom(Room):
    def _upgrade_log(self) -> None:
        """A database written when the log kept every change: index its moves by
        audience, then keep each case's latest change only. Runs once; the meta key
        says it ran."""
        with self.db.read() as conn:
            if self._meta(conn, "log") == LOG_FORM:
                return
        with self.db.write() as conn:
            if self._meta(conn, "log") == LOG_FORM:
                return
            for row in conn.execute("SELECT * FROM changes WHERE reason IS NOT NULL ORDER BY seq").fetchall():
                self._log_departures(conn, row["seq"], parse_db_time(row["at"]), row["case_id"],
                                     (row["old_unit"], row["old_assignee"]),
                                     (row["new_unit"], row["new_assignee"]), row["reason"])
            conn.execute("DELETE FROM changes WHERE seq NOT IN"
                         " (SELECT MAX(seq) FROM changes GROUP BY case_id)")
            self._set_meta(conn, "log", LOG_FORM)

    # ------------------------------------------------------------ sequence and retention

    def _next_seq(self, conn: Any) -> int:
        return self._bump_meta(conn, "seq")

    def _log_change(self, conn: Any, seq: int, now: datetime, case_id: str,
                    old: tuple[str | None, str | None], new: tuple[str | None, str | None],
                    reason: str | None) -> None:
        # Only the case's latest change is kept: the case row holds its latest state, so
        # an older change says nothing a feed page needs and the log grows with cases,
        # not with edits. A cursor between the old and the new seq sees the new one.
        # The case's one row is rewritten in place: a delete and an insert were two
        # round trips on PostgreSQL. None (a new case, or its change forgotten) inserts it.
        values = (seq, db_time(now), old[0], old[1], new[0], new[1], reason, case_id)
        if conn.execute("UPDATE changes SET seq = ?, at = ?, old_unit = ?, old_assignee = ?, new_unit = ?,"
                        " new_assignee = ?, reason = ? WHERE case_id = ?", values).rowcount == 0:
            conn.execute("INSERT INTO changes(seq, at, old_unit, old_assignee, new_unit, new_assignee,"
                         " reason, case_id) VALUES (?,?,?,?,?,?,?,?)", values)
        if reason is not None:
            self._log_departures(conn, seq, now, case_id, old, new, reason)

    def _log_departures(self, conn: Any, seq: int, now: datetime, case_id: str,
                        old: tuple[str | None, str | None], new: tuple[str | None, str | None],
                        reason: str) -> None:
        for audience in self._audiences_left(old, new):
            conn.execute("INSERT INTO departures(case_id, audience, seq, at, reason) VALUES (?,?,?,?,?)"
                         " ON CONFLICT(case_id, audience) DO UPDATE SET seq = excluded.seq,"
                         " at = excluded.at, reason = excluded.reason",
                         (case_id, audience, seq, db_time(now), reason))

    def _audiences_left(self, old: tuple[str | None, str | None],
                        new: tuple[str | None, str | None]) -> list[str]:
        """The audiences (see `departures` in central.db) whose scope held the case at
        `old` and may not hold it at `new`. Every caller the move took the case from is
        in one of them; a caller in one who still sees the case is filtered out when the
        feed reads them, so this may say too much but never too little."""
        (u1, a1), (u2, a2) = old, new
        out: list[str] = []
        if a1 is not None and a1 != a2:
            # Unless they still see it: a supervisor whose unit it stays in, an officer
            # whose unit it lies unclaimed in.
            home = self.officer_units.get(a1)
            keeps = u2 is not None and u2 == home and (a2 is None or a1 in self.supervisor_ids)
            if not keeps:
                out.append(f"a:{a1}")
        if u1 is not None and a1 is None and not (u2 == u1 and a2 is None):
            out.append(f"f:{u1}")
        if u1 is not None and u1 != u2:
            out.append(f"u:{u1}")
        return out

    def sweep(self, now: datetime) -> None:
        """Retire closed cases past retention (a `remove` for everyone who saw them) and
        forget changes older than the kept change log."""
        closed_before = db_time(now - self.closed_retention)
        forget_before = db_time(now - self.change_retention)
        # The oldest of each, from the start of its index, in one statement without
        # parameters. `SELECT 1 ... WHERE at < ? LIMIT 1` was two statements, and once
        # psycopg had prepared them PostgreSQL's generic plan for `at < $1` read the
        # whole change log in seq order (75 ms a feed page at 300,000 cases) to find that
        # nothing was old. Stored times are fixed-width (db_time): they compare as text.
        oldest = self.db.read_one(
            "SELECT (SELECT closed_at FROM cases WHERE retired = 0 AND closed_at IS NOT NULL"
            " ORDER BY closed_at LIMIT 1) AS closing,"
            " (SELECT at FROM changes ORDER BY at LIMIT 1) AS change,"
            " (SELECT at FROM departures ORDER BY at LIMIT 1) AS departure")
        due = oldest["closing"] is not None and oldest["closing"] <= closed_before
        old = any(oldest[k] is not None and oldest[k] < forget_before for k in ("change", "departure"))
        if not due and not old:
            return
        with self.db.write() as conn:
            for row in conn.execute("SELECT id, unit_id, assignee_id FROM cases WHERE retired = 0 AND"
                                    " closed_at IS NOT NULL AND closed_at <= ? ORDER BY closed_at",
                                    (closed_before,)).fetchall():
                seq = self._next_seq(conn)
                self._log_change(conn, seq, now, row["id"], (row["unit_id"], row["assignee_id"]),
                                 (None, None), "retention")
                conn.execute("UPDATE cases SET retired = 1 WHERE id = ?", (row["id"],))
            tops = [conn.execute(f"SELECT MAX(seq) AS m FROM {table} WHERE at < ?",
                                 (forget_before,)).fetchone()["m"] for table in ("changes", "departures")]
            top = max((t for t in tops if t is not None), default=None)
            if top is not None:
                # A forgotten departure is a remove some cursor before it would miss:
                # such cursors get 410 cursor_expired from the floor.
                conn.execute("DELETE FROM changes WHERE seq <= ?", (top,))
                conn.execute("DELETE FROM departures WHERE seq <= ?", (top,))
                floor = max(int(self._meta(conn, "floor", "0")), top)
                self._set_meta(conn, "floor", str(floor))

    # ------------------------------------------------------------ the change feed

    def _cursor(self, conn: Any, seq: int) -> str:
        return f"{self._meta(conn, 'epoch')}.{seq}"

    def _parse_cursor(self, conn: Any, cursor: str | None) -> int:
        if cursor is None or cursor == "":
            return 0
        epoch, dot, seq_text = cursor.partition(".")
        if not dot or not seq_text.isdigit() or len(seq_text) > 18 or not epoch.isalnum():
            raise ApiError(400, "invalid_cursor", "the cursor is not one this server gave out")
        seq = int(seq_text)
        head = int(self._meta(conn, "seq", "0"))
        # Another database (reset, restored from an old backup) or a purged log: the
        # client must start again from the beginning.
        if epoch != self._meta(conn, "epoch") or seq > head or seq < int(self._meta(conn, "floor", "0")):
            raise ApiError(410, "cursor_expired", "pull again from the start")
        return seq

    def quiet_changes_json(self, token: str, cursor: str, *, now: datetime) -> tuple[str, bytes] | None:
        """(officer id, the page) when a live session's feed holds nothing after its
        cursor: the "anything new?" poll, answered ahead of the framework (central.app
        QuietPolls). None for anything else, which the full route answers (and every
        error): a bad or dead token, a cursor not this server's or expired, a retention
        sweep due (the route runs it), or anything to send.

        At the head (nothing written since, for anyone) it is one statement, read outside
        a transaction (the statement is its own snapshot): the session and its officer,
        the head, the epoch, the floor and the oldest closed case (is a sweep due?).
        On PostgreSQL what it read is kept in the worker's memo (quietmemo.py) for
        quiet_changes_held. Behind the head, each
        branch of the caller's scope and its removes are asked for one row from their
        indexes, in one snapshot: a burst of pushes elsewhere moves the head for everyone,
        and must not send every poll down the whole stack. (Asked in one statement, an OR
        of EXISTS, PostgreSQL's plan for it used its whole CPU under the bench's load.)
        That snapshot may be later than
        the head's, which is safe: every change up to the head committed before the head
        was read (writes are numbered under the one write lock), so the later snapshot
        holds them all, and whatever it holds beyond only makes the poll go to the full
        route. Stored times are fixed-width (db_time), so they compare as text."""
        parsed = _quiet_cursor(cursor)
        if parsed is None:
            return None
        hashed = token_hash(token)
        memo = self.quiet_memo
        generations = memo.generations() if memo is not None else (0, 0)
        row = self.db.read_one(
            "SELECT s.device_id, s.expires_at, o.id, o.username, o.name, o.badge_no, o.unit_id, o.roles,"
            " (SELECT value FROM meta WHERE key = 'seq') AS head,"
            " (SELECT value FROM meta WHERE key = 'epoch') AS epoch,"
            " (SELECT value FROM meta WHERE key = 'floor') AS floor,"
            " (SELECT MIN(closed_at) FROM cases WHERE retired = 0 AND closed_at IS NOT NULL) AS oldest_closed"
            " FROM sessions s JOIN officers o ON o.id = s.officer_id"
            " WHERE s.token_hash = ? AND s.revoked = 0", (hashed,))
        if row is None:
            return None
        head = (int(row["head"] or 0), row["epoch"], int(row["floor"] or 0), row["oldest_closed"])
        if memo is not None:
            memo.remember(generations, hashed, row, head)
        verdict = self._quiet_verdict(row, head, parsed, now)
        if verdict is not _BEHIND:
            return verdict
        with self.db.read() as conn:
            caller = _caller(row, row["device_id"])
            for branch, branch_args in _scope_branches(caller):
                if conn.execute(f"SELECT 1 FROM cases WHERE retired = 0 AND {branch}"
                                " AND last_seq > ? LIMIT 1", [*branch_args, parsed[1]]).fetchone():
                    return None
            if self._removes(conn, caller, parsed[1], 1):
                return None
        return self._quiet_page(row, head, now)

    def quiet_changes_held(self, token: str, cursor: str, *, now: datetime) -> tuple[str, bytes] | None:
        """quiet_changes_json's answer from the memo alone, with no database (PostgreSQL,
        quietmemo.py): only for a poll at the head whose session and head are held; None
        means ask quiet_changes_json."""
        memo = self.quiet_memo
        parsed = _quiet_cursor(cursor)
        if memo is None or parsed is None:
            return None
        held = memo.lookup(token_hash(token))
        if held is None:
            return None
        verdict = self._quiet_verdict(held[0], held[1], parsed, now)
        return None if verdict is _BEHIND else verdict

    def _quiet_verdict(self, row: Any, head: tuple[int, str, int, str | None], cursor: tuple[str, int],
                       now: datetime) -> Any:
        """The page for a poll at the head, None for the route, _BEHIND when the caller's
        scope must be asked."""
        seq, epoch, floor, oldest_closed = head
        after = cursor[1]
        if row["expires_at"] <= db_time(now) or cursor[0] != epoch:
            return None
        if oldest_closed is not None and oldest_closed <= db_time(now - self.closed_retention):
            return None  # a retention sweep is due: the route runs it
        if after > seq or after < floor:
            return None
        return _BEHIND if after < seq else self._quiet_page(row, head, now)

    def _quiet_page(self, row: Any, head: tuple[int, str, int, str | None], now: datetime) -> tuple[str, bytes]:
        # The route's page, key for key in canonical order; every value here is ours
        # (an epoch of letters and digits, a number, a time, a hex digest): nothing to escape.
        return row["id"], (
            f'{{"changes":[],"has_more":false,"next_cursor":"{head[1]}.{head[0]}",'
            f'"reference_version":"{self.reference_version}","server_time":"{wire.format_time(now)}"}}'
        ).encode()

    def changes(self, caller: Caller, cursor: str | None, limit: int, *, now: datetime) -> dict[str, Any]:
        page, meta = self._changes_page(caller, cursor, limit, now=now)
        return {"changes": [change if isinstance(change, dict) else
                            {"seq": change[0], "op": "upsert", "case": json.loads(change[1])}
                            for change in page], **meta}

    def changes_json(self, caller: Caller, cursor: str | None, limit: int, *, now: datetime) -> bytes:
        """The same page as changes(), as UTF-8 JSON. Each case is stored as canonical
        JSON already, so it is spliced in as it is: parsing 1,000 cases only to write
        them out again was most of the cost of a page."""
        page, meta = self._changes_page(caller, cursor, limit, now=now)
        parts = []
        for change in page:
            if isinstance(change, dict):
                parts.append(canonical(change))
            else:
                parts.append(f'{{"seq":{change[0]},"op":"upsert","case":{change[1]}}}')
        tail = canonical(meta)
        return ('{"changes":[' + ",".join(parts) + "]," + tail[1:]).encode("utf-8")

    def _changes_page(self, caller: Caller, cursor: str | None, limit: int, *,
                      now: datetime) -> tuple[list[dict[str, Any] | tuple[int, str]], dict[str, Any]]:
        """One page of the feed: removes as dicts, upserts as (seq, stored case JSON)."""
        self.sweep(now)
        with self.db.read() as conn:
            after = self._parse_cursor(conn, cursor)
            head = int(self._meta(conn, "seq", "0"))
            if after == head and cursor not in (None, ""):
                # Nothing was written since the cursor, for anyone: the page is empty.
                return [], self._page_meta(conn, head, False, now)
            # One query per branch of the scope, each walking its own (…, last_seq)
            # index in order and stopping at the page size. A single query with the
            # scope's OR made SQLite read and sort every case in scope for every page
            # (and for every "anything new?" poll). The first limit+1 of the union are
            # among the first limit+1 of each branch.
            merged: dict[str, tuple[int, str]] = {}
            for branch, branch_args in _scope_branches(caller):
                for row in conn.execute(
                        f"SELECT id, last_seq, doc FROM cases WHERE retired = 0 AND {branch}"
                        " AND last_seq > ? ORDER BY last_seq LIMIT ?",
                        [*branch_args, after, limit + 1]):
                    merged[row["id"]] = (row["last_seq"], row["doc"])
            upserts = sorted(merged.values())[:limit + 1]
            items: list[tuple[int, dict[str, Any] | tuple[int, str]]] = []
            # A pull from the start holds nothing yet, so it has nothing to remove.
            if cursor not in (None, ""):
                for seq, case_id, reason in self._removes(conn, caller, after, limit + 1):
                    items.append((seq, {"seq": seq, "op": "remove", "case_id": case_id,
                                        "reason": reason}))
            for seq, doc in upserts:
                items.append((seq, (seq, doc)))
            items.sort(key=lambda item: item[0])
            page = items[:limit]
            has_more = len(items) > limit
            next_seq = page[-1][0] if has_more else max(head, after)
            return [change for _, change in page], self._page_meta(conn, next_seq, has_more, now)

    def _page_meta(self, conn: Any, next_seq: int, has_more: bool, now: datetime) -> dict[str, Any]:
        return {
            "next_cursor": self._cursor(conn, next_seq),
            "has_more": has_more,
            "server_time": wire.format_time(now),
            "reference_version": self.reference_version,
        }

    def _audiences(self, caller: Caller) -> list[str]:
        """The caller's two audiences in `departures` (see central.db)."""
        if caller.is_supervisor:
            return [f"a:{caller.id}", f"u:{caller.unit_id}"]
        return [f"a:{caller.id}", f"f:{caller.unit_id}"]

    def _removes(self, conn: Any, caller: Caller, after: int, want: int) -> list[tuple[int, str, str]]:
        """The first `want` removes after `after`, in seq order, as (seq, case_id, reason):
        cases that left the caller's scope since the cursor and are not in it now, each
        at its latest departure from one of the caller's audiences.

        Each audience is read in seq order from its own index and stops once it has
        `want`, so the cost follows the page; a row is skipped only when its case is in
        scope again, or left the caller's other audience later (it is found there)."""
        audiences = self._audiences(caller)
        found: dict[str, tuple[int, str, str]] = {}
        for audience in audiences:
            others = [a for a in audiences if a != audience]
            taken = 0
            rows = conn.execute(
                "SELECT d.case_id, d.seq, d.reason, c.unit_id, c.assignee_id, c.retired"
                " FROM departures d JOIN cases c ON c.id = d.case_id"
                " WHERE d.audience = ? AND d.seq > ? ORDER BY d.seq", (audience, after))
            try:
                for row in rows:
                    if not row["retired"] and in_scope(caller, row["unit_id"], row["assignee_id"]):
                        continue
                    later = conn.execute(
                        f"SELECT 1 FROM departures WHERE case_id = ? AND audience IN"
                        f" ({','.join('?' * len(others))}) AND seq > ?",
                        (row["case_id"], *others, row["seq"])).fetchone()
                    if later is not None:
                        continue
                    found[row["case_id"]] = (row["seq"], row["case_id"], row["reason"])
                    taken += 1
                    if taken >= want:
                        break
            finally:
                rows.close()  # stopped early on purpose: end the statement now
        return sorted(found.values())[:want]

    def summary(self, caller: Caller, *, now: datetime) -> dict[str, Any]:
        self.sweep(now)
        with self.db.read() as conn:
            where, args = _scope_sql(caller)
            counts = {status: 0 for status in wire.STATUSES}
            for row in conn.execute(f"SELECT status, COUNT(*) AS n FROM cases WHERE retired = 0"
                                    f" AND {where} GROUP BY status", args):
                counts[row["status"]] = row["n"]
            head = int(self._meta(conn, "seq", "0"))
            return {"counts": counts, "cursor": self._cursor(conn, head),
                    "server_time": wire.format_time(now)}

    # ------------------------------------------------------------ cases

    def _load_case(self, conn: Any, case_id: str) -> tuple[Any, wire.Case] | None:
        row = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            return None
        return row, wire.Case.model_validate_json(row["doc"])

    def _save_case(self, conn: Any, case: wire.Case, *, now: datetime, old: tuple[str | None, str | None],
                   reason: str | None, insert: bool = False) -> dict[str, Any]:
        seq = self._next_seq(conn)
        doc = case.wire()
        text = canonical(doc)
        closed_at = None
        if case.status in FINAL:
            row = None if insert else conn.execute("SELECT closed_at FROM cases WHERE id = ?",
                                                   (case.id,)).fetchone()
            closed_at = row["closed_at"] if row and row["closed_at"] else db_time(now)
        if insert:
            conn.execute("INSERT INTO cases(id, number, unit_id, assignee_id, status, version, last_seq,"
                         " closed_at, retired, doc) VALUES (?,?,?,?,?,?,?,?,0,?)",
                         (case.id, case.number, case.unit_id, case.assignee_id, case.status,
                          case.version, seq, closed_at, text))
        else:
            conn.execute("UPDATE cases SET unit_id = ?, assignee_id = ?, status = ?, version = ?,"
                         " last_seq = ?, closed_at = ?, retired = 0, doc = ? WHERE id = ?",
                         (case.unit_id, case.assignee_id, case.status, case.version, seq,
                          closed_at, text, case.id))
        new = (case.unit_id, case.assignee_id)
        self._log_change(conn, seq, now, case.id, old, new, reason if old != new else None)
        return doc

    def case_doc(self, case_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT doc FROM cases WHERE id = ?", (case_id,)).fetchone()
        return json.loads(row["doc"]) if row else None
