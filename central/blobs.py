"""Attachment bytes on the reference server: content-addressed blobs, resumable uploads
by sha256, the type read from the bytes, what an op may name, and the sweep of uploads
never named (the contract's "Attachments" section; the HTTP side is central/attachments.py).

Where the bytes live: one file per sha256 under the server's blob folder (by default
`<database>-blobs/` beside the database file), written once by a rename and never
changed; the database holds only the rows that name them (`blobs`, `uploads`,
`attachments` in central/db.py). Not in the database, because:
- a download with `Range` is a seek in a file, where a BLOB would be copied out whole;
- an upload cut halfway keeps its bytes by appending to a file, where a growing BLOB
  would be rewritten on every chunk (and an append needs no write transaction, so an
  upload never holds up the op engine);
- the database, its backups and its PostgreSQL port stay small: 20 MiB files would
  dwarf the cases.
A blob is stored once however many cases name it; it is deleted when nothing names it
any longer (no attachment, no upload).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from central.errors import ApiError
from desk import wire
from desk.attachments import sniff  # the one copy of the magic-number rules, shared with the desk

log = logging.getLogger("central.blobs")

UPLOAD_CHUNK_MAX = wire.MAX_REQUEST_BYTES  # at most 1 MiB a PATCH
UNNAMED_UPLOAD_TTL = timedelta(days=7)
# The sweep runs at most this often (on upload traffic and from the server's timer).
SWEEP_EVERY = timedelta(minutes=10)
# Enough of a file's head to tell every listed type (WebP needs 12 bytes).
SNIFF_BYTES = 16
# An upload's touched_at moves at most this often (it only counts towards the 7 days).
TOUCH_EVERY = timedelta(minutes=1)
_HASH_BLOCK = 1024 * 1024
_SHA256 = re.compile(wire.SHA256_PATTERN)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = wire.ATTACHMENT_MAX_BYTES
    types: tuple[str, ...] = wire.ATTACHMENT_TYPES
    per_entry: int = wire.ATTACHMENTS_PER_ENTRY

    def wire(self) -> dict[str, Any]:
        return {"attachment_max_bytes": self.max_bytes, "attachment_types": list(self.types),
                "attachments_per_entry": self.per_entry}


def is_sha256(value: str) -> bool:
    return bool(_SHA256.match(value))


def _officer_key(officer_id: str) -> str:
    # Officer ids are the server's own, but a file name is no place to trust them.
    return hashlib.sha256(officer_id.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class UploadState:
    offset: int
    length: int
    complete: bool


class BlobStore:
    """The blob folder and the rows that name its files, on the service's database."""

    def __init__(self, db: Any, folder: str | Path, *, limits: Limits | None = None) -> None:
        self.db = db
        self.folder = Path(folder)
        self.limits = limits or Limits()
        self.objects = self.folder / "objects"
        self.partial = self.folder / "partial"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.partial.mkdir(parents=True, exist_ok=True)
        self._last_sweep: datetime | None = None
        self._sweep_lock = threading.Lock()

    # ------------------------------------------------------------ paths

    def object_path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def partial_path(self, sha256: str, officer_id: str) -> Path:
        return self.partial / f"{sha256}.{_officer_key(officer_id)}"

    # ------------------------------------------------------------ migration

    def migrate(self, now: datetime) -> None:
        """A database from before the blob folder kept each attachment's bytes in its
        row (`attachments.data`): move them into blobs, then drop the column. Runs once;
        the column's absence says it ran."""
        with self.db.read() as conn:
            # A column list both backends give (no PRAGMA: central/db.py's shared SQL).
            columns = {d[0] for d in conn.execute("SELECT * FROM attachments LIMIT 0").description}
        if "data" not in columns:
            return
        with self.db.write() as conn:
            for row in conn.execute("SELECT id, content_type, sha256, data FROM attachments").fetchall():
                data = bytes(row["data"])
                digest = hashlib.sha256(data).hexdigest()
                self._put(conn, digest, data, sniff(data[:4096], whole=len(data) <= 4096)
                          or row["content_type"], now)
                conn.execute("UPDATE attachments SET sha256 = ?, size = ? WHERE id = ?",
                             (digest, len(data), row["id"]))
            conn.execute("ALTER TABLE attachments DROP COLUMN data")
        log.info("moved attachment bytes out of the database into %s", self.objects)

    # ------------------------------------------------------------ whole files

    def _put(self, conn: Any, digest: str, data: bytes, content_type: str, now: datetime) -> None:
        """Store whole bytes already in memory (intake, the seed, the migration), inside
        the caller's write transaction."""
        target = self.object_path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f"{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
            temp.write_bytes(data)
            os.replace(temp, target)
        conn.execute("INSERT INTO blobs(sha256, size, content_type, created_at) VALUES (?,?,?,?)"
                     " ON CONFLICT(sha256) DO NOTHING",
                     (digest, len(data), content_type, wire.format_time(now)))

    def check_file(self, data: bytes) -> str:
        """The type of whole bytes a citizen sent, or the refusal (413, 415, 422)."""
        if len(data) > self.limits.max_bytes:
            raise ApiError(413, "payload_too_large",
                           f"an attachment is over {self.limits.max_bytes} bytes")
        if not data:
            raise ApiError(422, "empty_file", "an attachment is empty")
        content_type = sniff(data, whole=True)
        if content_type not in self.limits.types:
            raise ApiError(415, "unsupported_type", type_refusal(content_type, self.limits))
        return content_type

    def add_file(self, conn: Any, *, case_id: str, attachment_id: str, entry_id: str | None,
                 name: str, data: bytes, now: datetime) -> wire.Attachment:
        """A citizen's file (intake, a message): checked, stored, named by the case."""
        content_type = self.check_file(data)
        digest = hashlib.sha256(data).hexdigest()
        self._put(conn, digest, data, content_type, now)
        return self._name(conn, case_id=case_id, attachment_id=attachment_id, entry_id=entry_id,
                          name=name, content_type=content_type, size=len(data), digest=digest)

    def _name(self, conn: Any, *, case_id: str, attachment_id: str, entry_id: str | None, name: str,
              content_type: str, size: int, digest: str) -> wire.Attachment:
        conn.execute("INSERT INTO attachments(id, case_id, entry_id, name, content_type, size, sha256)"
                     " VALUES (?,?,?,?,?,?,?)",
                     (attachment_id, case_id, entry_id, name, content_type, size, digest))
        return wire.Attachment(id=attachment_id, entry_id=entry_id, name=name,
                               content_type=content_type, size=size, sha256=digest)

    # ------------------------------------------------------------ ops that name files

    def refused(self, conn: Any, officer_id: str, case: wire.Case, op_type: str,
                values: dict[str, Any]) -> tuple[str, str] | None:
        """Why an op's files cannot be applied (code, detail), or None. Checked before
        the op changes anything, so the entry and its files are applied together."""
        if op_type == "reveal" and values.get("field") == "attachment":
            if not any(a.id == values.get("attachment_id") for a in case.attachments):
                return "unknown_attachment", "the case has no such attachment"
            return None
        refs = values.get("attachments") or []
        if not refs:
            return None
        if len(refs) > self.limits.per_entry:
            return ("too_many_attachments",
                    f"an entry carries at most {self.limits.per_entry} attachments")
        for ref in refs:
            row = conn.execute(
                "SELECT 1 FROM uploads u JOIN blobs b ON b.sha256 = u.sha256"
                " WHERE u.sha256 = ? AND u.officer_id = ? AND u.completed_at IS NOT NULL",
                (ref["sha256"], officer_id)).fetchone()
            if row is None:
                return "upload_missing", "a file the op names has not been uploaded completely"
        return None

    def attach(self, conn: Any, officer_id: str, case: wire.Case, entry_id: str,
               values: dict[str, Any]) -> None:
        """Name the op's uploaded files by the new entry (after `refused` said none)."""
        for ref in values.get("attachments") or []:
            blob = conn.execute("SELECT size, content_type FROM blobs WHERE sha256 = ?",
                                (ref["sha256"],)).fetchone()
            # The type the server read from the bytes, not the one the client claimed.
            case.attachments.append(self._name(
                conn, case_id=case.id, attachment_id=f"{case.id}-a{len(case.attachments) + 1}",
                entry_id=entry_id, name=ref["name"], content_type=blob["content_type"],
                size=blob["size"], digest=ref["sha256"]))
            conn.execute("UPDATE uploads SET named = 1 WHERE sha256 = ? AND officer_id = ?",
                         (ref["sha256"], officer_id))

    # ------------------------------------------------------------ reads

    def readable(self, conn: Any, actor_may_see: Any, attachment_id: str) -> tuple[dict[str, Any], Path]:
        """The attachment's row and its file, for a caller who may see its case
        (`actor_may_see(unit_id, assignee_id, case_id)`); 404 for anyone else."""
        row = conn.execute("SELECT a.*, c.unit_id AS c_unit, c.assignee_id AS c_assignee,"
                           " c.retired AS c_retired FROM attachments a JOIN cases c ON c.id = a.case_id"
                           " WHERE a.id = ?", (attachment_id,)).fetchone()
        # Someone who may not see the case learns nothing, not even that it exists.
        if row is None or not actor_may_see(None if row["c_retired"] else row["c_unit"],
                                            row["c_assignee"], row["case_id"]):
            raise ApiError(404, "not_found", "no such attachment")
        path = self.object_path(row["sha256"])
        if not path.is_file():
            log.error("attachment %s: its blob is missing from the blob folder", attachment_id)
            raise ApiError(404, "not_found", "no such attachment")
        return {k: row[k] for k in ("id", "name", "content_type", "size", "sha256")}, path

    # ------------------------------------------------------------ uploads

    def state(self, officer_id: str, sha256: str) -> UploadState | None:
        """What the server holds of this officer's upload of this file (HEAD)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT u.length, u.completed_at, b.size FROM uploads u"
                               " LEFT JOIN blobs b ON b.sha256 = u.sha256"
                               " WHERE u.sha256 = ? AND u.officer_id = ?", (sha256, officer_id)).fetchone()
        if row is None:
            return None
        if row["completed_at"] is not None and row["size"] is not None:
            return UploadState(row["size"], row["size"], True)
        return UploadState(self._held(sha256, officer_id), row["length"], False)

    def _held(self, sha256: str, officer_id: str) -> int:
        try:
            return self.partial_path(sha256, officer_id).stat().st_size
        except FileNotFoundError:
            return 0

    def begin(self, officer_id: str, sha256: str, length: int, now: datetime) -> UploadState:
        """Open (or find) this officer's upload before a PATCH's bytes are read: the
        state the PATCH must fit. A file the server holds completely comes back
        complete at once, and is this officer's from now on."""
        if length > self.limits.max_bytes:
            raise ApiError(413, "payload_too_large", f"an attachment is at most {self.limits.max_bytes} bytes")
        if length == 0:
            raise ApiError(422, "empty_file", "an attachment is empty")
        stamp = wire.format_time(now)
        with self.db.read() as conn:
            row = conn.execute("SELECT u.length, u.completed_at, u.touched_at, b.size FROM uploads u"
                               " LEFT JOIN blobs b ON b.sha256 = u.sha256"
                               " WHERE u.sha256 = ? AND u.officer_id = ?", (sha256, officer_id)).fetchone()
        if row is not None and row["completed_at"] is None and row["size"] is None and row["length"] == length \
                and row["touched_at"] >= wire.format_time(now - TOUCH_EVERY):
            # The usual next chunk of an upload under way: no write transaction for it
            # (a write per chunk was a good part of the cost of an upload).
            return UploadState(self._held(sha256, officer_id), length, False)
        with self.db.write() as conn:
            blob = conn.execute("SELECT size FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
            row = conn.execute("SELECT length, completed_at FROM uploads WHERE sha256 = ? AND officer_id = ?",
                               (sha256, officer_id)).fetchone()
            if blob is not None:
                if blob["size"] != length:
                    raise ApiError(400, "upload_length_mismatch",
                                   "Upload-Length is not the length of the file with this sha256")
                if row is None:
                    conn.execute("INSERT INTO uploads(sha256, officer_id, length, touched_at, completed_at)"
                                 " VALUES (?,?,?,?,?)", (sha256, officer_id, length, stamp, stamp))
                elif row["completed_at"] is None:
                    conn.execute("UPDATE uploads SET completed_at = ?, touched_at = ? WHERE sha256 = ?"
                                 " AND officer_id = ?", (stamp, stamp, sha256, officer_id))
                    self.partial_path(sha256, officer_id).unlink(missing_ok=True)
                return UploadState(length, length, True)
            if row is None:
                conn.execute("INSERT INTO uploads(sha256, officer_id, length, touched_at) VALUES (?,?,?,?)",
                             (sha256, officer_id, length, stamp))
            elif row["length"] != length:
                raise ApiError(400, "upload_length_mismatch",
                               f"this upload's Upload-Length is {row['length']}",
                               headers={"Upload-Length": str(row["length"])})
            else:
                conn.execute("UPDATE uploads SET touched_at = ? WHERE sha256 = ? AND officer_id = ?",
                             (stamp, sha256, officer_id))
        return UploadState(self._held(sha256, officer_id), length, False)

    def drop(self, officer_id: str, sha256: str) -> None:
        """Forget a partial upload (its hash or type was wrong): the client starts over."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM uploads WHERE sha256 = ? AND officer_id = ? AND completed_at IS NULL",
                         (sha256, officer_id))
            self.partial_path(sha256, officer_id).unlink(missing_ok=True)

    def complete(self, officer_id: str, sha256: str, length: int, now: datetime) -> None:
        """The partial file holds `length` bytes: check its hash and its type, then make
        it the blob. Raises 422 hash_mismatch or 415 (the partial is dropped)."""
        path = self.partial_path(sha256, officer_id)
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")()
        head = b""
        text_ok = True
        with path.open("rb") as f:
            while block := f.read(_HASH_BLOCK):
                digest.update(block)
                if not head:
                    head = block[:4096]
                if text_ok:
                    try:
                        decoder.decode(block)
                        text_ok = b"\x00" not in block
                    except UnicodeDecodeError:
                        text_ok = False
        if digest.hexdigest() != sha256:
            self.drop(officer_id, sha256)
            raise ApiError(422, "hash_mismatch", "the bytes do not hash to the upload's sha256; send it again")
        content_type = sniff(head, whole=len(head) >= length)
        if content_type == "text/plain":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                text_ok = False
            if not text_ok:
                content_type = None
        if content_type not in self.limits.types:
            self.drop(officer_id, sha256)
            raise ApiError(415, "unsupported_type", type_refusal(content_type, self.limits))
        stamp = wire.format_time(now)
        target = self.object_path(sha256)
        with self.db.write() as conn:
            # Inside the write transaction, so the sweep (which deletes unnamed blobs
            # under the same lock) never removes a file that has just become a blob.
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                path.unlink(missing_ok=True)
            else:
                os.replace(path, target)
            conn.execute("INSERT INTO blobs(sha256, size, content_type, created_at) VALUES (?,?,?,?)"
                         " ON CONFLICT(sha256) DO NOTHING",
                         (sha256, length, content_type, stamp))
            conn.execute("UPDATE uploads SET completed_at = ?, touched_at = ? WHERE sha256 = ? AND officer_id = ?",
                         (stamp, stamp, sha256, officer_id))

    # ------------------------------------------------------------ the sweep

    def sweep_due(self, now: datetime) -> bool:
        last = self._last_sweep
        return last is None or now - last >= SWEEP_EVERY or now < last

    def sweep(self, now: datetime, *, force: bool = False) -> int:
        """Drop uploads never named by an op and untouched for 7 days, then every blob
        that nothing names any longer. Returns how many uploads went. Runs at most every
        SWEEP_EVERY of server time unless forced."""
        with self._sweep_lock:
            if not force and self._last_sweep is not None and now - self._last_sweep < SWEEP_EVERY \
                    and now >= self._last_sweep:
                return 0
            self._last_sweep = now
        before = wire.format_time(now - UNNAMED_UPLOAD_TTL)
        with self.db.read() as conn:
            if conn.execute("SELECT 1 FROM uploads WHERE named = 0 AND touched_at < ? LIMIT 1",
                            (before,)).fetchone() is None:
                return 0
        with self.db.write() as conn:
            stale = conn.execute("SELECT sha256, officer_id FROM uploads WHERE named = 0 AND touched_at < ?",
                                 (before,)).fetchall()
            for row in stale:
                conn.execute("DELETE FROM uploads WHERE sha256 = ? AND officer_id = ?",
                             (row["sha256"], row["officer_id"]))
                self.partial_path(row["sha256"], row["officer_id"]).unlink(missing_ok=True)
            orphans = conn.execute(
                "SELECT sha256 FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)"
                " AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = b.sha256)").fetchall()
            for row in orphans:
                conn.execute("DELETE FROM blobs WHERE sha256 = ?", (row["sha256"],))
                self.object_path(row["sha256"]).unlink(missing_ok=True)
        if stale:
            log.info("swept %d unnamed upload(s) and %d blob(s)", len(stale), len(orphans))
        return len(stale)


def type_refusal(content_type: str | None, limits: Limits) -> str:
    seen = f"the bytes are {content_type}" if content_type else "the bytes are of no known type"
    return f"{seen}; this server accepts {', '.join(limits.types)}"


def default_folder(db_path: str | Path) -> Path:
    """Where a server keeps its blobs unless told: beside its database file."""
    path = Path(db_path)
    return path.with_name(path.name + "-blobs")

