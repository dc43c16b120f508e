"""The HTTP client of the case exchange API (../shared/contract.md).

Every answer is validated with the wire models before anyone sees it, and every failure
becomes one of a few typed errors, so the sync engine can decide between "try again
later" (TransportError), "log in again" (AuthError), "start the pull over"
(CursorExpired) and "this server is broken" (BadResponse) without looking at HTTP.
Error messages are one line and never carry personal data: they are built from status
codes and the server's problem `code`, never from case fields.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, BinaryIO

import pydantic
import requests

import desk
from desk.wire import (
    API_PREFIX,
    MAX_CHANGES_LIMIT,
    MAX_OPS_PER_PUSH,
    ChangesResponse,
    LoginRequest,
    LoginResponse,
    Op,
    OpsResponse,
    Problem,
    Reference,
    SummaryResponse,
    read_changes,
)

if TYPE_CHECKING:
    from desk import transfer

log = logging.getLogger(__name__)

# A page of 1,000 whole cases is a few MiB; anything near this is a broken or hostile
# server, and reading it all would exhaust memory on an old workstation.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


class ApiError(Exception):
    """Base of every error the client raises. str() is one clear line."""

    retryable = False


class TransportError(ApiError):
    """The server could not be reached or asked us to come back later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class AuthError(ApiError):
    """401: wrong credentials or an expired/revoked token."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class CursorExpired(ApiError):
    """410: the server no longer keeps changes this old; pull again from the start."""


class ServerRefused(ApiError):
    """Any other 4xx: the server understood and said no."""

    def __init__(self, message: str, *, status: int, code: str = "", detail: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail


class BadResponse(ApiError):
    """The answer is malformed, truncated, oversized or does not fit the contract."""

    # A truncated answer is often a flaky link; resending is always safe (op_ids).
    retryable = True


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CentralClient:
    """One officer's connection to a central server."""

    def __init__(
        self,
        base_url: str,
        *,
        device_id: str,
        ca_bundle: str | None = None,
        token: str | None = None,
        timeout: tuple[float, float] = (5, 30),
    ):
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.timeout = timeout
        self.token = token
        self.ca_bundle = ca_bundle
        # requests.Session is not safe to share between threads (its connection pool
        # and cookie jar are not locked), and the sync thread fetches the next page on
        # a worker while it refreshes the reference data: each thread gets its own,
        # kept by thread id (a Qt pool thread's thread-locals do not outlive a job).
        self._sessions: dict[int, requests.Session] = {}
        self._sessions_lock = threading.Lock()

    def _new_session(self) -> requests.Session:
        http = requests.Session()
        # A private CA (a provincial PKI) is common; without one the system store is used.
        http.verify = self.ca_bundle if self.ca_bundle else True
        # The environment's proxies must not silently route police traffic elsewhere.
        http.trust_env = False
        http.headers.update(
            {
                "User-Agent": f"desk/{desk.__version__}",
                "X-Device-Id": self.device_id,
                "Accept-Encoding": "gzip",
                "Accept": "application/json",
            }
        )
        return http

    @property
    def http(self) -> requests.Session:
        """The calling thread's HTTP session (made on first use)."""
        ident = threading.get_ident()
        with self._sessions_lock:
            http = self._sessions.get(ident)
            if http is not None:
                return http
            http = self._new_session()
            self._sessions[ident] = http
            # Each cycle's prefetch runs on a fresh worker: close what the finished
            # threads left behind so their sockets do not pile up over a day.
            alive = {t.ident for t in threading.enumerate()}
            gone = [self._sessions.pop(i) for i in list(self._sessions) if i not in alive]
        for old in gone:
            old.close()
        return http

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for http in sessions:
            http.close()

    def _url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[requests.Response, bytes]:
        """Send one request; return the response and its whole (decoded) body."""
        hdrs = dict(headers or {})
        if auth and self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        what = f"{method} {path}"
        with transport_errors(what, self.base_url):
            resp = self.http.request(
                method, self._url(path), data=data, params=params, headers=hdrs,
                timeout=self.timeout, stream=True, allow_redirects=False,
            )
        try:
            content = self._read_body(resp, what)
        finally:
            resp.close()
        return resp, content

    def _read_body(self, resp: requests.Response, what: str) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise BadResponse(f"{what}: the answer is too large ({int(declared)} bytes)")
        parts: list[bytes] = []
        total = 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                total += len(chunk)
                if total > MAX_RESPONSE_BYTES:
                    raise BadResponse(f"{what}: the answer is too large (over {MAX_RESPONSE_BYTES} bytes)")
                parts.append(chunk)
        except requests.exceptions.ChunkedEncodingError as exc:
            raise BadResponse(f"{what}: the answer was cut off") from exc
        except requests.exceptions.ContentDecodingError as exc:
            raise BadResponse(f"{what}: the answer's compression is broken") from exc
        except requests.exceptions.ConnectionError as exc:
            raise TransportError(f"{what}: the connection broke while reading the answer") from exc
        except requests.exceptions.Timeout as exc:
            raise TransportError(f"{what}: the server stopped answering half way") from exc
        except zlib.error as exc:
            raise BadResponse(f"{what}: the answer's compression is broken") from exc
        return b"".join(parts)

    def _check(self, resp: requests.Response, content: bytes, what: str, ok: Sequence[int]) -> None:
        status = resp.status_code
        if status in ok:
            return
        problem = Problem()
        if content:
            try:
                problem = Problem.model_validate(json.loads(content.decode("utf-8")))
            except (UnicodeDecodeError, ValueError, pydantic.ValidationError):
                problem = Problem()
        code = problem.code
        detail = _one_line(problem.detail or problem.title or resp.reason or "")
        if status in (429, 503):
            wait = _retry_after(resp.headers.get("Retry-After"))
            hint = f", retry after {wait:.0f} s" if wait is not None else ""
            raise TransportError(f"{what}: the server is busy (HTTP {status}{hint})",
                                 retry_after=wait, status=status)
        if status >= 500:
            raise TransportError(f"{what}: server error (HTTP {status})", status=status)
        if status == 401:
            if code == "invalid_credentials":
                raise AuthError("wrong username or password", code=code)
            raise AuthError("the session has expired; log in again", code=code or "token_expired")
        if status == 410:
            raise CursorExpired(f"{what}: the sync cursor has expired; a full resync is needed")
        if 400 <= status < 500:
            msg = f"{what}: refused (HTTP {status}{', ' + code if code else ''})"
            if detail:
                msg += f": {detail}"
            raise ServerRefused(msg, status=status, code=code, detail=detail)
        raise BadResponse(f"{what}: unexpected HTTP status {status}")

    def _model(self, model: type[pydantic.BaseModel], content: bytes, what: str, read=None):
        return read_model(model, content, what, read)

    # ------------------------------------------------------------ the API

    def login(self, username: str, password: str, device_name: str = "") -> LoginResponse:
        req = LoginRequest(username=username, password=password, device_name=device_name)
        resp, content = self._send("POST", "/sessions", body=req.wire(), auth=False)
        self._check(resp, content, "POST /sessions", (200, 201))
        answer = self._model(LoginResponse, content, "POST /sessions")
        self.token = answer.token
        return answer

    def logout(self) -> None:
        resp, content = self._send("DELETE", "/sessions/current")
        self._check(resp, content, "DELETE /sessions/current", (200, 204))
        self.token = None

    def reference(self, etag: str | None = None) -> tuple[Reference | None, str | None]:
        headers = {"If-None-Match": etag} if etag else None
        resp, content = self._send("GET", "/reference", headers=headers)
        if resp.status_code == 304:
            return None, etag
        self._check(resp, content, "GET /reference", (200,))
        return self._model(Reference, content, "GET /reference"), resp.headers.get("ETag")

    def changes(self, cursor: str | None, limit: int = MAX_CHANGES_LIMIT) -> ChangesResponse:
        return parse_changes(self.changes_body(cursor, limit))

    def changes_body(self, cursor: str | None, limit: int = MAX_CHANGES_LIMIT) -> bytes:
        """GET /changes up to the body, unread: the sync engine may read a big page in
        its page worker (desk/pagework.py) rather than beside the window's thread."""
        params: dict[str, Any] = {"limit": max(1, min(int(limit), MAX_CHANGES_LIMIT))}
        if cursor:
            params["cursor"] = cursor
        resp, content = self._send("GET", "/changes", params=params)
        self._check(resp, content, "GET /changes", (200,))
        return content

    def push(self, ops: Sequence[Op]) -> OpsResponse:
        if not 1 <= len(ops) <= MAX_OPS_PER_PUSH:
            raise ValueError(f"a push carries 1 to {MAX_OPS_PER_PUSH} ops, not {len(ops)}")
        body = {"ops": [op.wire() for op in ops]}
        resp, content = self._send("POST", "/ops", body=body)
        self._check(resp, content, "POST /ops", (200,))
        answer = self._model(OpsResponse, content, "POST /ops")
        sent = [op.op_id for op in ops]
        got = [r.op_id for r in answer.results]
        if [s.lower() for s in sent] != [g.lower() for g in got]:
            raise BadResponse(
                f"POST /ops: the answer does not match the ops sent ({len(got)} results for {len(sent)} ops)"
            )
        return answer

    def summary(self) -> SummaryResponse:
        resp, content = self._send("GET", "/summary")
        self._check(resp, content, "GET /summary", (200,))
        return self._model(SummaryResponse, content, "GET /summary")

    # ------------------------------------------------------------ attachments (desk/transfer.py)

    def upload_state(self, sha256: str) -> transfer.UploadState | None:
        """HEAD /uploads/{sha256}: what the server holds of this upload, or None."""
        from desk import transfer  # it builds on this module

        return transfer.upload_state(self, sha256)

    def upload(self, source: BinaryIO, *, sha256: str, size: int, **options: Any) -> transfer.UploadResult:
        """Send a file resumably (desk.transfer.upload has the options and the errors)."""
        from desk import transfer  # it builds on this module

        return transfer.upload(self, source, sha256=sha256, size=size, **options)

    def download(self, attachment_id: str, sink: transfer.Writer, *, sha256: str,
                 **options: Any) -> transfer.DownloadResult:
        """Fetch an attachment into `sink`, resuming with Range (desk.transfer.download)."""
        from desk import transfer  # it builds on this module

        return transfer.download(self, attachment_id, sink, sha256=sha256, **options)


@contextmanager
def transport_errors(what: str, base_url: str) -> Iterator[None]:
    """A request's failure to reach the server as one clear TransportError line (what
    was asked, never an id or a body)."""
    try:
        yield
    except requests.exceptions.Timeout as exc:
        raise TransportError(f"{what}: the server did not answer in time") from exc
    except requests.exceptions.SSLError as exc:
        raise TransportError(f"{what}: TLS failed ({type(exc).__name__}); check the CA bundle") from exc
    except requests.exceptions.ConnectionError as exc:
        raise TransportError(f"{what}: the server cannot be reached at {base_url}") from exc
    except requests.exceptions.RequestException as exc:
        raise TransportError(f"{what}: {type(exc).__name__}") from exc


def read_model(model: type[pydantic.BaseModel], content: bytes, what: str, read=None):
    """An answer's body as `model`, or BadResponse saying where it does not fit (field
    locations only: values may be personal data)."""
    try:
        # Parsing and validating in one pass is a third faster on big feed pages.
        return (read or model.model_validate_json)(content)
    except pydantic.ValidationError as exc:
        if any(e.get("type") in ("json_invalid", "json_type") for e in exc.errors()):
            raise BadResponse(f"{what}: the answer is not valid JSON") from exc
        first: Mapping[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise BadResponse(
            f"{what}: the answer does not fit the contract ({exc.error_count()} problem(s), first at {where})"
        ) from exc


def parse_changes(content: bytes) -> ChangesResponse:
    """A GET /changes body; a change that cannot be read is set aside (page.unreadable),
    not fatal."""
    return read_model(ChangesResponse, content, "GET /changes", read=read_changes)
