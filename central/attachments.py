"""The HTTP side of attachments on the reference server (the contract's "Attachments"
section; the storage is central/blobs.py):

- `GET /attachments/{id}`: the bytes, with `ETag: "<sha256>"`, `If-None-Match` (304) and
  `Range` as RFC 9110 has it: one range is a 206 with `Content-Range`, several are a
  `multipart/byteranges` 206, none satisfiable is a 416 with `Content-Range: bytes */size`,
  a malformed header or another unit is ignored (200, the whole file), `If-Range` with
  another validator gets the whole file.
- `HEAD /uploads/{sha256}` and `PATCH /uploads/{sha256}`: resumable uploads modelled on
  the IETF resumable-uploads draft (`Upload-Offset`, `Upload-Length`, `Upload-Complete`,
  `Content-Type: application/partial-upload`). A PATCH's bytes go to the partial file as
  they arrive, so a link cut mid-request keeps what got through (HEAD says how much);
  the limits are checked while receiving, never after buffering a body.

`install(app, ...)` registers the routes; the guard middleware (central/app.py) lets
these paths past its 1 MiB buffer and past gzip (`streams` below).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from central.blobs import SNIFF_BYTES, UPLOAD_CHUNK_MAX, BlobStore, is_sha256, sniff, type_refusal
from central.errors import PROBLEM_MEDIA_TYPE, ApiError, problem
from desk import rules, wire

try:  # one PATCH at a time per upload, across worker processes too
    import fcntl
except ImportError:  # Windows: the in-process lock alone
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("central.attachments")

PARTIAL_UPLOAD = "application/partial-upload"
# More ranges than this (after merging) are answered with the whole file: RFC 9110
# lets a server ignore a Range that would cost more than it saves.
MAX_RANGES = 16
_READ_BLOCK = 256 * 1024
_LOCK_WAIT_S = 5.0
_RANGE_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
_UPLOADS = f"{wire.API_PREFIX}/uploads/"
_ATTACHMENTS = f"{wire.API_PREFIX}/attachments/"


def streams(scope: dict[str, Any]) -> bool:
    """Does this request carry attachment bytes (either way)? The guard then neither
    buffers its body (a PATCH streams into the partial file, 1 MiB at most, checked
    here) nor lets gzip touch the answer: most files are compressed already, and a
    gzipped body would lose the Content-Length and the byte offsets Range counts in."""
    path = scope.get("path", "")
    return path.startswith(_UPLOADS) or path.startswith(_ATTACHMENTS)


def identity_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """The request without Accept-Encoding, so the gzip middleware sends it as it is."""
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}


def _problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(problem(status, code, detail), status_code=status, media_type=PROBLEM_MEDIA_TYPE,
                        headers=headers)


# ---------------------------------------------------------------- ranges


def parse_ranges(header: str | None, size: int) -> list[tuple[int, int]] | None | str:
    """The byte ranges of a Range header as (start, end exclusive), merged and in order;
    None to ignore the header (absent, malformed, another unit, too many ranges);
    "unsatisfiable" when it is well formed but no range falls inside the file."""
    if header is None:
        return None
    unit, eq, spec = header.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        return None
    ranges: list[tuple[int, int]] = []
    specs = [part for part in spec.split(",") if part.strip()]  # empty list elements are allowed
    if not specs:
        return None
    for part in specs:
        m = _RANGE_SPEC.match(part)
        if m is None or (not m.group(1) and not m.group(2)):
            return None
        first, last = m.group(1), m.group(2)
        if len(first) > 20 or len(last) > 20:
            return None
        if first:
            start = int(first)
            if last and int(last) < start:
                return None  # invalid, so the whole header is ignored
            end = min(int(last) + 1, size) if last else size
            if start < size:
                ranges.append((start, end))
        else:
            suffix = int(last)
            if suffix > 0 and size > 0:
                ranges.append((max(0, size - suffix), size))
    if not ranges:
        return "unsatisfiable"
    ranges.sort()
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > MAX_RANGES:
        return None
    return merged


def _read(path: Path, ranges: list[tuple[int, int]], parts: list[bytes] | None = None) -> Iterator[bytes]:
    """The file's bytes in these ranges; with `parts`, each range after its part head
    and the closing delimiter last (multipart/byteranges)."""
    with path.open("rb") as f:
        for i, (start, end) in enumerate(ranges):
            if parts is not None:
                yield parts[i]
            f.seek(start)
            left = end - start
            while left > 0:
                block = f.read(min(_READ_BLOCK, left))
                if not block:
                    return  # the file shrank: the short answer tells the client
                left -= len(block)
                yield block
        if parts is not None:
            yield parts[-1]


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    return any(tag.strip().removeprefix("W/").strip('"') == bare for tag in header.split(","))


def download_response(meta: dict[str, Any], path: Path, *, range_header: str | None,
                      if_range: str | None, if_none_match: str | None) -> Response:
    etag = f'"{meta["sha256"]}"'
    size = path.stat().st_size
    media_type = meta["content_type"]
    if media_type == "text/plain":
        media_type = "text/plain; charset=utf-8"
    headers = {
        "ETag": etag, "Accept-Ranges": "bytes",
        # The client keeps its own encrypted copy; nothing on the way may keep one.
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "attachment; filename*=UTF-8''" + quote(meta["name"], safe=""),
    }
    # Conditions before Range (RFC 9110 13.2.2).
    if _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    ranges = parse_ranges(range_header, size)
    # If-Range with a validator other than this ETag (or a date: this server gives
    # none) asks for the whole file; a weak tag never matches (RFC 9110 13.1.5).
    if if_range is not None and if_range.strip() != etag:
        ranges = None
    if ranges == "unsatisfiable":
        return _problem(416, "range_not_satisfiable", "no requested range lies inside the file",
                        {"Content-Range": f"bytes */{size}", "ETag": etag})
    if ranges is None or not isinstance(ranges, list):
        return StreamingResponse(_read(path, [(0, size)]), media_type=media_type,
                                 headers={**headers, "Content-Length": str(size)})
    if len(ranges) == 1:
        start, end = ranges[0]
        return StreamingResponse(_read(path, ranges), status_code=206, media_type=media_type, headers={
            **headers, "Content-Length": str(end - start), "Content-Range": f"bytes {start}-{end - 1}/{size}"})
    boundary = secrets.token_hex(16)
    parts = [(f"--{boundary}\r\nContent-Type: {media_type}\r\n"
              f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n").encode("latin-1")
             for start, end in ranges]
    parts = [parts[0]] + [b"\r\n" + p for p in parts[1:]] + [f"\r\n--{boundary}--\r\n".encode("latin-1")]
    length = sum(len(p) for p in parts) + sum(end - start for start, end in ranges)
    return StreamingResponse(_read(path, ranges, parts), status_code=206,
                             media_type=f"multipart/byteranges; boundary={boundary}",
                             headers={**headers, "Content-Length": str(length)})


# ---------------------------------------------------------------- uploads


def _header_int(value: str | None, name: str) -> int:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 18:
        raise ApiError(400, "bad_request", f"{name} must be a number of bytes")
    return int(value.strip())


def _header_flag(value: str | None) -> bool | None:
    """A structured-field boolean (RFC 8941): ?1 or ?0."""
    if value is None:
        return None
    if value.strip() not in ("?1", "?0"):
        raise ApiError(400, "bad_request", "Upload-Complete must be ?1 or ?0")
    return value.strip() == "?1"


def _offset_headers(offset: int, length: int, complete: bool) -> dict[str, str]:
    return {"Upload-Offset": str(offset), "Upload-Length": str(length),
            "Upload-Complete": "?1" if complete else "?0", "Cache-Control": "no-store"}


class _Locks:
    """One PATCH at a time per (officer, file) in this process; flock (where there is
    one) adds the same across worker processes on the same blob folder."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    @contextlib.asynccontextmanager
    async def hold(self, path: Path, f: Any):
        key = str(path)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _LOCK_WAIT_S
        while True:
            if key not in self._held:
                try:
                    if fcntl is not None:
                        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
            if loop.time() > deadline:
                raise ApiError(503, "upload_busy", "another request is sending this upload",
                               headers={"Retry-After": "1"})
            # An earlier request on a link that broke holds it until the server
            # notices the disconnect: wait a little rather than refuse at once.
            await asyncio.sleep(0.05)
        self._held.add(key)
        try:
            yield
        finally:
            self._held.discard(key)
            if fcntl is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)


async def _drain(request: Request, timeout: float) -> bool:
    """Read and drop the rest of a body (at most 1 MiB) so the connection stays usable;
    False when it could not be read to its end."""
    received = 0
    while True:
        try:
            message = await asyncio.wait_for(request.receive(), timeout)
        except TimeoutError:
            return False
        if message["type"] == "http.disconnect":
            return False
        received += len(message.get("body", b""))
        if received > UPLOAD_CHUNK_MAX:
            return False
        if not message.get("more_body", False):
            return True


class UploadHandler:
    def __init__(self, service: Any, store: BlobStore, body_timeout: float) -> None:
        self.service = service
        self.store = store
        self.body_timeout = body_timeout
        self.locks = _Locks()

    async def refuse(self, request: Request, exc: ApiError, *, drain: bool) -> Response:
        """An answer before (or instead of) reading the body: drained when it is small,
        else the connection is closed after the answer."""
        headers = dict(exc.headers or {})
        declared = request.headers.get("content-length")
        small = declared is not None and declared.isdigit() and int(declared) <= UPLOAD_CHUNK_MAX
        if not (drain and small and await _drain(request, self.body_timeout)):
            headers["Connection"] = "close"
        return _problem(exc.status, exc.code, exc.detail, headers)

    async def patch(self, caller: Any, sha256: str, request: Request) -> Response:
        now = self.service.now()
        try:
            if not is_sha256(sha256):
                raise ApiError(400, "invalid_sha256", "an upload is named by its sha256 in lower-case hex")
            offset = _header_int(request.headers.get("upload-offset"), "Upload-Offset")
            length = _header_int(request.headers.get("upload-length"), "Upload-Length")
            complete_flag = _header_flag(request.headers.get("upload-complete"))
            media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
            if media != PARTIAL_UPLOAD:
                raise ApiError(415, "unsupported_media_type", f"send the bytes as {PARTIAL_UPLOAD}")
            if self.store.sweep_due(now):
                await run_in_threadpool(self.store.sweep, now)
            state = await run_in_threadpool(self.store.begin, caller.id, sha256, length, now)
        except ApiError as exc:
            # Over the limit: stop at once, without reading what the client sends.
            return await self.refuse(request, exc, drain=exc.status != 413)
        if state.complete:
            # Bytes the server holds completely: done at once, whatever this request carries.
            ok = await _drain(request, self.body_timeout)
            return Response(status_code=200, headers={**_offset_headers(length, length, True),
                                                      **({} if ok else {"Connection": "close"})})
        path = self.store.partial_path(sha256, caller.id)
        with path.open("ab") as f:
            try:
                async with self.locks.hold(path, f):
                    return await self._receive(caller, sha256, request, f, path, offset, length,
                                               complete_flag, now)
            except ApiError as exc:
                return await self.refuse(request, exc, drain=exc.status == 409)

    async def _receive(self, caller: Any, sha256: str, request: Request, f: Any, path: Path,
                       offset: int, length: int, complete_flag: bool | None, now: Any) -> Response:
        held = os.fstat(f.fileno()).st_size
        if offset != held:
            raise ApiError(409, "offset_mismatch", f"the server holds {held} bytes of this upload",
                           headers=_offset_headers(held, length, False))
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit():
            if offset + int(declared) > length:
                raise ApiError(400, "upload_length_exceeded", "the bytes go past Upload-Length",
                               headers=_offset_headers(held, length, False))
            if complete_flag and offset + int(declared) != length:
                raise ApiError(400, "upload_incomplete", "Upload-Complete ?1 but the bytes end before Upload-Length",
                               headers=_offset_headers(held, length, False))
        received = 0
        sniffed = offset >= SNIFF_BYTES
        while True:
            try:
                message = await asyncio.wait_for(request.receive(), self.body_timeout)
            except TimeoutError:
                # What arrived is kept: HEAD tells the client where to go on from.
                return _problem(408, "request_timeout", "the bytes did not arrive in time",
                                {**_offset_headers(offset + received, length, False), "Connection": "close"})
            if message["type"] == "http.disconnect":
                f.flush()
                return Response(status_code=400)  # nobody is listening; the bytes are kept
            chunk = message.get("body", b"")
            if received + len(chunk) > UPLOAD_CHUNK_MAX or offset + received + len(chunk) > length:
                # Stop reading: nothing of this request is kept.
                f.truncate(offset)
                status, code, detail = (
                    (413, "payload_too_large", "a PATCH carries at most 1 MiB")
                    if received + len(chunk) > UPLOAD_CHUNK_MAX
                    else (400, "upload_length_exceeded", "the bytes go past Upload-Length"))
                return _problem(status, code, detail,
                                {**_offset_headers(offset, length, False), "Connection": "close"})
            if chunk:
                f.write(chunk)
                received += len(chunk)
            if not sniffed and (offset + received >= SNIFF_BYTES or offset + received == length):
                f.flush()
                with path.open("rb") as head_file:
                    head = head_file.read(4096)
                sniffed = True
                content_type = sniff(head, whole=len(head) >= length)
                if content_type not in self.store.limits.types:
                    await run_in_threadpool(self.store.drop, caller.id, sha256)
                    more = message.get("more_body", False)
                    return _problem(415, "unsupported_type", type_refusal(content_type, self.store.limits),
                                    {"Connection": "close"} if more else None)
            if not message.get("more_body", False):
                break
        f.flush()
        end = offset + received
        if end == length:
            await run_in_threadpool(self.store.complete, caller.id, sha256, length, now)
            return Response(status_code=201, headers=_offset_headers(length, length, True))
        if complete_flag:
            return _problem(400, "upload_incomplete", "Upload-Complete ?1 but the bytes end before Upload-Length",
                            _offset_headers(end, length, False))
        return Response(status_code=204, headers=_offset_headers(end, length, False))


# ---------------------------------------------------------------- routes


_BYTES_DOC = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def install(app: FastAPI, service: Any, current: Callable[..., Any], *, body_timeout: float,
            problem_responses: dict[int | str, dict[str, Any]]) -> None:
    """Register the attachment and upload routes, and the sweep on the server's timer."""
    store: BlobStore = service.files
    uploads = UploadHandler(service, store, body_timeout)
    P = wire.API_PREFIX
    offset_headers = {name: {"schema": {"type": "string"}} for name in
                      ("Upload-Offset", "Upload-Length", "Upload-Complete")}

    def may_see(caller: Any) -> Callable[[str | None, str | None, str], bool]:
        def check(unit_id: str | None, assignee_id: str | None, case_id: str) -> bool:
            with service.db.read() as conn:
                held = conn.execute("SELECT 1 FROM holders WHERE case_id = ? AND officer_id = ?",
                                    (case_id, caller.id)).fetchone() is not None
            return rules.may_see(caller.actor, unit_id, assignee_id, held_before=held)
        return check

    def attachment(attachment_id: str, caller: Any = Depends(current),
                   if_none_match: str | None = Header(default=None),
                   range_header: str | None = Header(default=None, alias="range"),
                   if_range: str | None = Header(default=None)) -> Response:
        with service.db.read() as conn:
            meta, path = store.readable(conn, may_see(caller), attachment_id)
        return download_response(meta, path, range_header=range_header, if_range=if_range,
                                 if_none_match=if_none_match)

    download_doc = {**problem_responses,
                    200: {"content": _BYTES_DOC, "description": "The bytes"},
                    206: {"content": _BYTES_DOC, "description": "The requested range(s)"},
                    304: {"description": "Not modified"},
                    416: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                          "description": "No range inside the file"}}
    for method in ("GET", "HEAD"):
        app.add_api_route(f"{P}/attachments/{{attachment_id}}", attachment, methods=[method],
                          tags=["attachments"], responses=download_doc,
                          operation_id=f"attachment_{method.lower()}")

    @app.head(f"{P}/uploads/{{sha256}}", tags=["attachments"],
              responses={**problem_responses, 200: {"description": "What the server holds", "headers": offset_headers}})
    def upload_state(sha256: str, caller: Any = Depends(current)) -> Response:
        if not is_sha256(sha256):
            raise ApiError(400, "invalid_sha256", "an upload is named by its sha256 in lower-case hex")
        state = store.state(caller.id, sha256)
        if state is None:
            # Nothing of it from this officer; another officer's partial is theirs alone.
            raise ApiError(404, "not_found", "no upload of this file")
        return Response(status_code=200, headers=_offset_headers(state.offset, state.length, state.complete))

    @app.patch(f"{P}/uploads/{{sha256}}", status_code=204, tags=["attachments"],
               description="The next bytes of an upload, as application/partial-upload (at most 1 MiB).",
               responses={**problem_responses,
                          200: {"description": "Held completely already", "headers": offset_headers},
                          201: {"description": "Complete, hash checked", "headers": offset_headers},
                          204: {"description": "Bytes taken", "headers": offset_headers},
                          409: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                                "description": "Wrong Upload-Offset"},
                          415: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                                "description": "A type not allowed"}})
    async def upload_chunk(sha256: str, request: Request, caller: Any = Depends(current)) -> Response:
        return await uploads.patch(caller, sha256, request)

    async def sweeper() -> None:
        # Uploads never named are dropped after 7 days even on a server nobody uploads to.
        while True:
            await asyncio.sleep(600)
            try:
                await run_in_threadpool(store.sweep, service.now())
            except Exception as exc:  # the next round tries again; never the message
                log.error("the upload sweep failed: %s", type(exc).__name__)

    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.get_running_loop().create_task(sweeper()))

    async def stop() -> None:
        for task in tasks:
            task.cancel()

    app.router.add_event_handler("startup", start)
    app.router.add_event_handler("shutdown", stop)
