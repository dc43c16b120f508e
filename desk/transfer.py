"""Attachment transfers of the desk client, Qt-free (the contract's "Attachments").

- `download(client, attachment_id, sink, sha256=...)` writes an attachment's bytes into
  a caller-supplied writer, going on from `offset` with `Range` when part of it is held
  already, and checks the sha256 of the whole file at the end.
- `upload(client, source, sha256=..., size=...)` sends a file from a caller-supplied
  reader, resumably: `HEAD /uploads/{sha256}` for what the server holds, then `PATCH`
  chunks (1 MiB by default) from there. When the answer to a chunk is lost, HEAD again
  says where the server stands, so the answer to the last chunk lost after the server
  committed is found out, not sent twice.

No storage decisions here: the caller (the encrypted cache) owns the source and the
sink. Both take `attempts`: how many times a broken link is resumed before giving up
with `Interrupted` (whose `offset` says how far it got, so a later call goes on). Every
failure is one of the typed errors of desk.api, one line, no personal data.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

import requests
import urllib3

from desk.api import ApiError, BadResponse, ServerRefused, TransportError, transport_errors
from desk.wire import API_PREFIX, SHA256_PATTERN

if TYPE_CHECKING:
    from desk.api import CentralClient

CHUNK_SIZE = 1024 * 1024  # the contract's most a PATCH may carry
PARTIAL_UPLOAD = "application/partial-upload"
_READ = 256 * 1024
_SHA256 = re.compile(SHA256_PATTERN)

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)
Abort = Callable[[], bool]


class Writer(Protocol):
    def write(self, data: bytes, /) -> Any: ...


class Interrupted(TransportError):
    """The link broke (or the server asked to wait) and `attempts` ran out. `offset` is
    how many bytes are safely across: written to the sink (download) or held by the
    server as last heard (upload). Calling again goes on from there."""

    def __init__(self, message: str, *, offset: int, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message, retry_after=retry_after, status=status)
        self.offset = offset


class DigestMismatch(BadResponse):
    """The downloaded bytes do not hash to the attachment's sha256: what the sink holds
    is not the file. Discard it and download again from offset 0."""


class UploadRefused(ServerRefused):
    """The server will not take this file as it is (`code`): `payload_too_large`,
    `unsupported_type`, `hash_mismatch` (the source is not the file its sha256 names),
    `empty_file`, ... Sending it again will not help."""


class TransferAborted(ApiError):
    """The caller's abort flag was raised; `offset` says how far it got."""

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class UploadState:
    """What the server holds of one upload (`HEAD /uploads/{sha256}`)."""

    offset: int
    complete: bool
    length: int | None = None


@dataclass(frozen=True)
class UploadResult:
    sha256: str
    size: int
    sent: int            # bytes of the file this call sent (0: the server had it all)
    requests: int        # PATCH requests made
    resumed: int         # times a broken link was resumed


@dataclass(frozen=True)
class DownloadResult:
    sha256: str
    size: int            # bytes of the whole file
    fetched: int         # bytes this call read from the server
    resumed: int         # times a broken link was resumed


# ---------------------------------------------------------------- plumbing


def _check_sha256(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    return sha256


def _request(client: CentralClient, method: str, path: str, *, headers: dict[str, str],
             data: bytes | None = None, stream: bool = False) -> requests.Response:
    hdrs = dict(headers)
    if client.token:
        hdrs["Authorization"] = f"Bearer {client.token}"
    what = f"{method} /{path.split('/')[1]}"  # never the id
    with transport_errors(what, client.base_url):
        return client.http.request(method, f"{client.base_url}{API_PREFIX}{path}", headers=hdrs, data=data,
                                   timeout=client.timeout, stream=stream, allow_redirects=False)


def _fail(client: CentralClient, resp: requests.Response, what: str, ok: tuple[int, ...]) -> None:
    """Raise desk.api's typed error for an answer not in `ok` (reads a small body)."""
    if resp.status_code in ok:
        return
    try:
        content = resp.content[:65536] if resp.request.method != "HEAD" else b""
    except requests.exceptions.RequestException:
        content = b""
    client._check(resp, content, what, ok)


def _int_header(resp: requests.Response, name: str, what: str) -> int:
    value = resp.headers.get(name, "")
    if not value.isdigit():
        # A head cut off by a dying link parses as a head without its last lines: ask
        # again (HEAD) rather than take the answer as wrong.
        raise TransportError(f"{what}: the answer has no valid {name} (cut off?)")
    return int(value)


def _pause(attempt: int, retry_after: float | None, delay: float) -> None:
    time.sleep(min(retry_after if retry_after is not None else delay * attempt, 30.0))


# ---------------------------------------------------------------- uploads


def upload_state(client: CentralClient, sha256: str) -> UploadState | None:
    """What the server holds of this officer's upload of the file, or None (404)."""
    _check_sha256(sha256)
    what = "HEAD /uploads"
    resp = _request(client, "HEAD", f"/uploads/{sha256}", headers={})
    try:
        if resp.status_code == 404:
            return None
        _fail(client, resp, what, (200,))
        complete = resp.headers.get("Upload-Complete", "").strip()
        if complete not in ("?1", "?0"):
            raise BadResponse(f"{what}: the answer has no valid Upload-Complete")
        length = resp.headers.get("Upload-Length", "")
        return UploadState(offset=_int_header(resp, "Upload-Offset", what), complete=complete == "?1",
                           length=int(length) if length.isdigit() else None)
    finally:
        resp.close()


def upload_chunk(client: CentralClient, sha256: str, *, offset: int, length: int, data: bytes) -> UploadState:
    """One PATCH: `data` at `offset` of a file of `length` bytes. The state after it
    (complete when this chunk finished the file, or the server held it already).
    A 409 (wrong offset) comes back as the server's state, not as an error."""
    _check_sha256(sha256)
    what = "PATCH /uploads"
    complete = offset + len(data) == length
    resp = _request(client, "PATCH", f"/uploads/{sha256}", data=data, headers={
        "Content-Type": PARTIAL_UPLOAD, "Upload-Offset": str(offset), "Upload-Length": str(length),
        "Upload-Complete": "?1" if complete else "?0"})
    try:
        if resp.status_code in (200, 201):
            if _int_header(resp, "Upload-Offset", what) != length:
                raise BadResponse(f"{what}: the server says complete at another length")
            return UploadState(offset=length, complete=True, length=length)
        if resp.status_code in (204, 409):
            return UploadState(offset=_int_header(resp, "Upload-Offset", what), complete=False, length=length)
        if resp.status_code in (413, 415, 422):
            try:
                _fail(client, resp, what, ())
            except ServerRefused as exc:
                raise UploadRefused(str(exc), status=exc.status, code=exc.code, detail=exc.detail) from None
        _fail(client, resp, what, ())
        raise BadResponse(f"{what}: unexpected HTTP status {resp.status_code}")
    finally:
        resp.close()


def upload(client: CentralClient, source: BinaryIO, *, sha256: str, size: int, chunk_size: int = CHUNK_SIZE,
           attempts: int = 5, retry_delay: float = 0.5, progress: Progress | None = None,
           abort: Abort | None = None) -> UploadResult:
    """Send `size` bytes of `source` (seekable, read from offset 0 of the file) as the
    upload `sha256`, going on from whatever the server holds. Returns once the server
    holds the whole file, hash checked. Raises UploadRefused (the server will not take
    it), Interrupted (the link broke `attempts` times running; `offset` = held),
    TransferAborted, AuthError."""
    _check_sha256(sha256)
    if size <= 0:
        raise ValueError("an attachment holds at least one byte")
    if not 1 <= chunk_size <= CHUNK_SIZE:
        raise ValueError(f"chunk_size is 1 to {CHUNK_SIZE} bytes")
    sent = requests_made = resumed = 0
    failures = 0
    offset = 0
    known = False  # whether `offset` is the server's word (HEAD or an answer)
    while True:
        try:
            if not known:
                state = upload_state(client, sha256)
                known = True
                if state is not None and state.complete:
                    if progress:
                        progress(size, size)
                    return UploadResult(sha256, size, sent, requests_made, resumed)
                offset = state.offset if state is not None else 0
                if offset > size:
                    raise BadResponse("HEAD /uploads: the server holds more bytes than the file has")
            if abort is not None and abort():
                raise TransferAborted("the upload was stopped", offset=offset)
            if progress:
                progress(offset, size)
            source.seek(offset)
            data = source.read(min(chunk_size, size - offset))
            if len(data) != min(chunk_size, size - offset):
                raise ValueError("the source holds fewer bytes than `size`")
            requests_made += 1
            state = upload_chunk(client, sha256, offset=offset, length=size, data=data)
            failures = 0
            if state.complete:
                sent += len(data)
                if progress:
                    progress(size, size)
                return UploadResult(sha256, size, sent, requests_made, resumed)
            if state.offset > offset:
                sent += state.offset - offset
            offset = state.offset
        except TransportError as exc:
            # The chunk may or may not have arrived (the answer to the last one may be
            # lost after the server committed): ask the server before sending more.
            failures += 1
            known = False
            if failures >= attempts:
                raise Interrupted(f"{exc} (upload held at {offset} of {size} bytes)", offset=offset,
                                  retry_after=exc.retry_after, status=exc.status) from exc
            resumed += 1
            _pause(failures, exc.retry_after, retry_delay)


# ---------------------------------------------------------------- downloads


def download(client: CentralClient, attachment_id: str, sink: Writer, *, sha256: str, offset: int = 0,
             held: BinaryIO | None = None, size: int | None = None, attempts: int = 5,
             retry_delay: float = 0.5, progress: Progress | None = None,
             abort: Abort | None = None) -> DownloadResult:
    """Write the attachment's bytes from `offset` on into `sink` (positioned at
    `offset`) and check the whole file's sha256 at the end.

    With `offset` > 0, `held` reads the first `offset` bytes already held (from its
    start), so the hash covers the whole file. When the server answers the Range with
    the whole file, a sink with seek() and truncate() starts over; another one gets
    BadResponse. Raises DigestMismatch (discard the sink, start from 0), Interrupted
    (`offset` = bytes now in the sink), ServerRefused (404: not there or not the
    caller's to read), TransferAborted, AuthError."""
    _check_sha256(sha256)
    if offset < 0:
        raise ValueError("offset is not negative")
    digest = hashlib.sha256()
    if offset:
        if held is None:
            raise ValueError("going on from an offset needs the bytes held (`held`) to check the sha256")
        left = offset
        while left:
            block = held.read(min(_READ, left))
            if not block:
                raise ValueError("`held` holds fewer bytes than `offset`")
            digest.update(block)
            left -= len(block)
    fetched = resumed = failures = 0
    what = "GET /attachments"
    path = f"/attachments/{attachment_id}"
    total = size
    while True:
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = f'"{sha256}"'
        try:
            resp = _request(client, "GET", path, headers=headers, stream=True)
            try:
                if resp.status_code == 416 and offset:
                    # Nothing after the offset: the sink holds the whole file already.
                    m = re.match(r"bytes \*/(\d+)$", resp.headers.get("Content-Range", ""))
                    if m is None or int(m.group(1)) != offset:
                        raise BadResponse(f"{what}: the server refused the range")
                    total = offset
                    break
                _fail(client, resp, what, (200, 206))
                if resp.status_code == 200:
                    if offset:
                        _restart(sink, what)
                        digest = hashlib.sha256()
                        offset = 0
                    if "chunked" not in resp.headers.get("Transfer-Encoding", ""):
                        total = _int_header(resp, "Content-Length", what)
                else:
                    if "Content-Length" not in resp.headers and "chunked" not in resp.headers.get(
                            "Transfer-Encoding", ""):
                        raise TransportError(f"{what}: the answer has no Content-Length (cut off?)")
                    m = re.match(r"bytes (\d+)-(\d+)/(\d+)$", resp.headers.get("Content-Range", ""))
                    if m is None or int(m.group(1)) != offset:
                        raise BadResponse(f"{what}: the answer is not the range asked for")
                    total = int(m.group(3))
                etag = resp.headers.get("ETag")
                if etag is not None and etag.strip().removeprefix("W/").strip('"') != sha256:
                    raise DigestMismatch(f"{what}: the server holds another file under this attachment")
                for block in _blocks(resp):
                    if abort is not None and abort():
                        raise TransferAborted("the download was stopped", offset=offset)
                    sink.write(block)
                    digest.update(block)
                    offset += len(block)
                    fetched += len(block)
                    if progress and total:
                        progress(offset, total)
                if total is not None and offset < total:
                    raise TransportError(f"{what}: the answer ended early")
                break
            except requests.exceptions.ChunkedEncodingError as exc:
                raise TransportError(f"{what}: the answer was cut off") from exc
            except requests.exceptions.ConnectionError as exc:
                raise TransportError(f"{what}: the connection broke while reading the answer") from exc
            except requests.exceptions.Timeout as exc:
                raise TransportError(f"{what}: the server stopped answering half way") from exc
            finally:
                resp.close()
        except TransportError as exc:
            failures += 1
            if failures >= attempts:
                raise Interrupted(f"{exc} (downloaded {offset} bytes)", offset=offset,
                                  retry_after=exc.retry_after, status=exc.status) from exc
            resumed += 1
            _pause(failures, exc.retry_after, retry_delay)
    if digest.hexdigest() != sha256:
        raise DigestMismatch(f"{what}: the bytes do not match the attachment's sha256; download it again")
    return DownloadResult(sha256, offset if total is None else total, fetched, resumed)


def _blocks(resp: requests.Response) -> Iterator[bytes]:
    """The body as it arrives. read1 hands over what the socket holds, so a link that
    breaks loses no byte that reached us (a read of a fixed size throws away the short
    last one with the error), and the next Range starts right after it."""
    raw = resp.raw
    if resp.headers.get("Content-Encoding", "identity").strip().lower() != "identity" or not hasattr(raw, "read1"):
        yield from resp.iter_content(_READ)
        return
    try:
        while block := raw.read1(_READ):
            yield block
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, OSError) as exc:
        raise TransportError("GET /attachments: the connection broke while reading the answer") from exc


def _restart(sink: Writer, what: str) -> None:
    seek, truncate = getattr(sink, "seek", None), getattr(sink, "truncate", None)
    if seek is None or truncate is None:
        raise BadResponse(f"{what}: the server sent the whole file again and the sink cannot start over")
    seek(0)
    truncate()


def file_sha256(source: BinaryIO) -> tuple[str, int]:
    """The sha256 (lower-case hex) and size of a reader's bytes from where it stands."""
    digest = hashlib.sha256()
    size = 0
    while block := source.read(_READ):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size
