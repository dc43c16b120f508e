"""The store's attachments room: file bytes inside the encrypted cache.

Bytes live in the SQLCipher database itself (`blobs` and `blob_chunks`), never in a
file of their own and never in a temp file, so they are encrypted with everything else
and go when the cache goes. A file is stored once, keyed by its sha256, however many
cases or ops name it, in chunks of 256 KiB: a download is committed chunk by chunk (a
break or a kill keeps what arrived and the next try asks for the rest with `Range`), an
upload reads one chunk at a time, and nothing holds a 20 MiB file in one statement.

Which files a case has is the server's list (`attachments` of the case's snapshot) plus
the files of the officer's ops still queued (their payload's `attachments`); an
officer's queued file is pinned until its op is settled, whatever the budget. Files of
cases closed longer than CLOSED_RETENTION, and of cases no longer in the cache, are
evicted (`evict_files`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desk.attachments import Budget, CheckedFile
from desk.store.base import CLOSED_RETENTION, StoreBase, _now
from desk.wire import format_time

CHUNK = 256 * 1024
LOCAL_GRACE = timedelta(days=1)

# sha256 of the files the officer's unsettled work names: never evicted.
_PINNED = """
    SELECT json_extract(a.value, '$.sha256') FROM outbox o, json_each(o.payload, '$.attachments') a
    UNION SELECT json_extract(a.value, '$.sha256') FROM conflicts c, json_each(c.payload, '$.attachments') a
          WHERE c.resolution IS NULL"""


@dataclass(frozen=True)
class CachedFile:
    attachment_id: str | None   # server id (None for an officer's file not yet sent)
    case_id: str
    entry_id: str | None        # the entry it came with (None: came with the intake)
    name: str                   # as the citizen/officer named it: PLAIN TEXT, untrusted
    content_type: str
    size: int
    sha256: str
    cached: bool                # bytes are in the encrypted cache
    direction: str              # "in" (from the server) or "out" (an officer's, queued)
    uploaded: int               # for "out": bytes the server holds (progress), else size
    op_id: str | None = None    # for "out": the op that carries it


@dataclass(frozen=True)
class Wanted:
    """An attachment of an open case that is not (wholly) in the cache yet."""

    attachment_id: str
    case_id: str
    sha256: str
    size: int
    content_type: str
    held: int


class BlobReader:
    """A seekable reader of one stored file (for desk.transfer.upload and for the bytes
    held when a download goes on from an offset). Reads a chunk row at a time."""

    def __init__(self, room: AttachmentsRoom, sha256: str, size: int) -> None:
        self._room = room
        self.sha256 = sha256
        self.size = size
        self._pos = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else (self._pos + offset if whence == 1 else self.size + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self._pos + n)
        if end <= self._pos:
            return b""
        rows = self._room._read(
            "SELECT offset, data FROM blob_chunks WHERE sha256 = ? AND offset < ? AND offset + size > ? "
            "ORDER BY offset", (self.sha256, end, self._pos))
        out = bytearray()
        for offset, data in rows:
            out += data[max(0, self._pos - offset):end - offset]
        self._pos += len(out)
        return bytes(out)


class BlobWriter:
    """A sink for desk.transfer.download that commits each 256 KiB as it arrives, so
    what reached the desk survives a break (and a kill: the next try goes on from
    `held`). `flush()` commits the rest; `seek(0)` + `truncate()` start over."""

    def __init__(self, room: AttachmentsRoom, sha256: str, held: int) -> None:
        self._room = room
        self.sha256 = sha256
        self.held = held
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) >= CHUNK:
            self._commit(bytes(self._buffer[:CHUNK]))
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._commit(bytes(self._buffer))
            self._buffer.clear()

    def seek(self, offset: int, whence: int = 0) -> int:
        if offset != 0 or whence != 0:
            raise ValueError("a stored file starts over only from its beginning")
        return 0

    def truncate(self, size: int | None = None) -> int:
        self._buffer.clear()
        self._room._drop_bytes(self.sha256)
        self.held = 0
        return 0

    def _commit(self, data: bytes) -> None:
        with self._room._write() as conn:
            conn.execute("INSERT OR REPLACE INTO blob_chunks (sha256, offset, size, data) VALUES (?, ?, ?, ?)",
                         (self.sha256, self.held, len(data), data))
            conn.execute("UPDATE blobs SET held = ? WHERE sha256 = ?", (self.held + len(data), self.sha256))
        self.held += len(data)


class AttachmentsRoom(StoreBase):
    # The profile's settings (desk.profile sets them when it opens the cache).
    attachment_budget: Budget = Budget()

    # ------------------------------------------------------------ writing

    def _put_blob(self, conn, sha256: str, data: bytes, content_type: str, *, local: bool) -> None:
        row = conn.execute("SELECT complete FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        if row is not None and row[0]:
            if local:
                conn.execute("UPDATE blobs SET local = 1 WHERE sha256 = ?", (sha256,))
            return
        conn.execute("DELETE FROM blob_chunks WHERE sha256 = ?", (sha256,))
        conn.execute("INSERT OR REPLACE INTO blobs (sha256, size, content_type, held, complete, local, added_at) "
                     "VALUES (?, ?, ?, ?, 1, ?, ?)", (sha256, len(data), content_type, len(data), int(local), _now()))
        conn.executemany("INSERT INTO blob_chunks (sha256, offset, size, data) VALUES (?, ?, ?, ?)",
                         [(sha256, i, len(data[i:i + CHUNK]), data[i:i + CHUNK])
                          for i in range(0, len(data), CHUNK)])

    def _keep_files(self, conn, files: Sequence[CheckedFile]) -> None:
        """An officer's files into the cache, inside the caller's transaction (the one
        that queues the op naming them)."""
        for f in files:
            self._put_blob(conn, f.sha256, f.data, f.content_type, local=True)
            conn.execute("INSERT OR IGNORE INTO uploads (sha256, uploaded, complete, updated_at) VALUES (?, 0, 0, ?)",
                         (f.sha256, _now()))

    def put_local_file(self, data: bytes, name: str, content_type: str) -> CachedFile:
        """Keep an officer's file in the cache on its own (before the op that names it)."""
        import hashlib

        sha256 = hashlib.sha256(data).hexdigest()
        with self._write() as conn:
            self._keep_files(conn, [CheckedFile(sha256, name, content_type, len(data), data)])
        return CachedFile(None, "", None, name, content_type, len(data), sha256, True, "out", 0)

    def set_uploaded(self, sha256: str, uploaded: int, *, complete: bool = False) -> None:
        """How much of an officer's file the server holds (the outbox shows it)."""
        with self._write() as conn:
            conn.execute("INSERT INTO uploads (sha256, uploaded, complete, updated_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (sha256) DO UPDATE SET uploaded = excluded.uploaded, "
                         "complete = excluded.complete, updated_at = excluded.updated_at",
                         (sha256, uploaded, int(complete), _now()))

    def upload_done(self, sha256: str) -> bool:
        rows = self._read("SELECT complete FROM uploads WHERE sha256 = ?", (sha256,))
        return bool(rows and rows[0][0])

    def download_writer(self, want: Wanted) -> BlobWriter:
        """A sink for a file of the server's, going on from what is held of it."""
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO blobs (sha256, size, content_type, held, complete, local, added_at) "
                         "VALUES (?, ?, ?, 0, 0, 0, ?)", (want.sha256, want.size, want.content_type, _now()))
            held = conn.execute("SELECT held FROM blobs WHERE sha256 = ?", (want.sha256,)).fetchone()[0]
        return BlobWriter(self, want.sha256, int(held))

    def finish_download(self, sha256: str, size: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE blobs SET complete = 1, size = ?, held = ? WHERE sha256 = ?", (size, size, sha256))

    def _drop_bytes(self, sha256: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM blob_chunks WHERE sha256 = ?", (sha256,))
            conn.execute("UPDATE blobs SET held = 0, complete = 0 WHERE sha256 = ?", (sha256,))

    def discard_download(self, sha256: str) -> None:
        """Forget what is held of a download that is not the file (digest mismatch)."""
        self._drop_bytes(sha256)

    def evict_files(self, now: datetime | None = None) -> int:
        """Drop the files no open or lately closed case and no unsettled op names (files
        of cases closed longer than CLOSED_RETENTION, of cases gone from the cache).
        Returns how many were dropped."""
        now = now or datetime.now(UTC)
        cutoff = format_time(now - CLOSED_RETENTION)
        # A file the officer put in just now (put_local_file) for an op not queued yet.
        recent = format_time(now - LOCAL_GRACE)
        with self._write() as conn:
            keep = f"""{_PINNED}
                UNION SELECT json_extract(a.value, '$.sha256') FROM local_cases lc,
                      json_each(lc.data, '$.attachments') a
                      WHERE lc.closed_at IS NULL OR lc.closed_at >= ?"""
            gone = [r[0] for r in conn.execute(
                f"SELECT sha256 FROM blobs WHERE sha256 NOT IN ({keep}) AND NOT (local AND added_at >= ?)",
                (cutoff, recent)).fetchall()]
            conn.executemany("DELETE FROM blob_chunks WHERE sha256 = ?", [(s,) for s in gone])
            conn.executemany("DELETE FROM blobs WHERE sha256 = ?", [(s,) for s in gone])
            conn.execute(f"DELETE FROM uploads WHERE sha256 NOT IN ({_PINNED})")
        return len(gone)

    # ------------------------------------------------------------ reading

    def file_bytes(self, sha256: str) -> bytes | None:
        """A file's bytes from the cache (decrypted), or None when not wholly held."""
        rows = self._read("SELECT complete, size FROM blobs WHERE sha256 = ?", (sha256,))
        if not rows or not rows[0][0]:
            return None
        data = BlobReader(self, sha256, int(rows[0][1])).read()
        return data if len(data) == rows[0][1] else None

    def has_file(self, sha256: str) -> bool:
        """Are the file's bytes wholly in the cache?"""
        return self._held([sha256]).get(sha256, (0, False))[1]

    def blob_reader(self, sha256: str) -> BlobReader | None:
        rows = self._read("SELECT held FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobReader(self, sha256, int(rows[0][0])) if rows else None

    def attachment_usage(self) -> int:
        """Bytes of files the cache holds (whole or in part)."""
        return int(self._read("SELECT coalesce(sum(held), 0) FROM blobs")[0][0])

    def _held(self, hashes: Iterable[str]) -> dict[str, tuple[int, bool]]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return {r[0]: (int(r[1]), bool(r[2])) for r in
                self._read(f"SELECT sha256, held, complete FROM blobs WHERE sha256 IN ({marks})", wanted)}

    def _uploaded(self, hashes: Iterable[str]) -> dict[str, tuple[int, bool]]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return {r[0]: (int(r[1]), bool(r[2])) for r in
                self._read(f"SELECT sha256, uploaded, complete FROM uploads WHERE sha256 IN ({marks})", wanted)}

    def _out_files(self, where: str, params: Sequence[Any]) -> list[CachedFile]:
        rows = self._read(f"SELECT op_id, case_id, payload FROM outbox {where} ORDER BY seq", params)
        found: list[tuple[str, str, dict]] = []
        for op_id, case_id, payload in rows:
            for ref in json.loads(payload).get("attachments") or []:
                found.append((op_id, case_id, ref))
        held = self._held(r["sha256"] for _, _, r in found)
        uploaded = self._uploaded(r["sha256"] for _, _, r in found)
        out = []
        for op_id, case_id, ref in found:
            size, cached = held.get(ref["sha256"], (0, False))
            done, complete = uploaded.get(ref["sha256"], (0, False))
            out.append(CachedFile(None, case_id, f"local-{op_id}", str(ref.get("name", "")),
                                  str(ref.get("content_type", "")), size, ref["sha256"], cached, "out",
                                  size if complete else min(done, size), op_id))
        return out

    def case_files(self, case_id: str) -> list[CachedFile]:
        """A case's files: the server's list, then the officer's queued ones."""
        rows = self._read("SELECT data FROM local_cases WHERE id = ?", (case_id,))
        listed = json.loads(rows[0][0]).get("attachments") or [] if rows else []
        held = self._held(str(a.get("sha256", "")) for a in listed)
        files = []
        for a in listed:
            sha = str(a.get("sha256", ""))
            size = int(a.get("size") or 0)
            files.append(CachedFile(str(a.get("id")), case_id, a.get("entry_id"), str(a.get("name") or ""),
                                    str(a.get("content_type") or ""), size, sha,
                                    held.get(sha, (0, False))[1], "in", size))
        return files + self._out_files("WHERE case_id = ?", (case_id,))

    def upload_progress(self) -> list[CachedFile]:
        """The officer's queued files the server does not hold wholly yet (the outbox)."""
        return [f for f in self._out_files("", ()) if f.uploaded < f.size or not f.size]

    def wanted_files(self) -> list[Wanted]:
        """Attachments of open cases in scope not wholly in the cache, nearest due first
        (the offline download's order)."""
        rows = self._read(
            """SELECT lc.id, a.value FROM local_cases lc, json_each(lc.data, '$.attachments') a
               WHERE lc.files > 0 AND lc.status NOT IN ('closed', 'declined')
                 AND NOT EXISTS (SELECT 1 FROM synced_cases s WHERE s.id = lc.id AND s.gone)
               ORDER BY lc.next_due_at IS NULL, lc.next_due_at, lc.received_at""")
        items = [(case_id, json.loads(value)) for case_id, value in rows]
        held = self._held(str(a.get("sha256", "")) for _, a in items)
        out: list[Wanted] = []
        seen: set[str] = set()
        for case_id, a in items:
            sha = str(a.get("sha256", ""))
            if not sha or sha in seen or not a.get("id"):
                continue
            seen.add(sha)
            have, complete = held.get(sha, (0, False))
            if complete:
                continue
            out.append(Wanted(str(a["id"]), case_id, sha, int(a.get("size") or 0),
                              str(a.get("content_type") or "application/octet-stream"), have))
        return out

    def find_file(self, case_id: str, ref: str) -> CachedFile | None:
        """A case's file by its server id or its sha256."""
        return next((f for f in self.case_files(case_id) if ref in (f.attachment_id, f.sha256)), None)
