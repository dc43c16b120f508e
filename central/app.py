"""The reference central server as a FastAPI app (../shared/contract.md).

Reference-server-only endpoints, all behind the gateway token given at start:
- POST /api/v1/intake and POST /api/v1/cases/{id}/citizen (the citizen side, contract);
- POST /api/v1/admin/officers/{username}/password {"password"}: change a password (tests);
- DELETE /api/v1/devices/{device_id}[?username=]: revoke a lost laptop's device secret and
  end its sessions (also `desk central --revoke-device ID`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from central import attachments
from central.db import Database
from central.errors import PROBLEM_MEDIA_TYPE, ApiError, problem
from central.service import (
    Caller,
    ReferenceCitizenEventRequest,
    ReferenceIntakeRequest,
    RevokeResponse,
    SeedSource,
    Service,
    SetPasswordRequest,
    wire_field_names,
)
from desk import wire
from desk.logsafe import where
from desk.worktime import Calendar

access_log = logging.getLogger("central.access")
error_log = logging.getLogger("central.error")

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text}
    for status, text in ((400, "Malformed request"), (401, "No valid token"), (403, "Forbidden"),
                         (404, "Not found"), (413, "Body over 1 MiB"), (422, "Invalid fields"),
                         (426, "Client too old"), (429, "Too many requests"))
}
DEFAULT_BODY_TIMEOUT = 30.0
# Pushes run on threads of their own, apart from anyio's pool that serves every read:
# a burst of rural stations coming back online must not take the threads the polls need.
# Writes take turns on the database anyway, so a few threads are enough; beyond the
# queue a push is answered 503 with Retry-After at once (the client keeps the ops and
# comes back), instead of waiting minutes behind the others.
DEFAULT_OPS_THREADS = 2
DEFAULT_OPS_QUEUE = 64
OPS_RETRY_AFTER_S = 2
# C0 controls, DEL and C1 controls (U+009B is a terminal's CSI), and the Unicode line
# and paragraph separators: none may reach a log line as it is.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_safe(value: Any) -> str:
    """Text for a log line: every control character as a visible escape, so a request
    can neither forge a line (%0a) nor write a raw escape sequence into the log."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", str(value))


def _problem_response(status: int, code: str, detail: str = "",
                      headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem(status, code, detail), status_code=status,
                        media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:4])


def _log_server_bug(scope: dict, exc: BaseException) -> None:
    """Where it happened (the frames, by file, line and function), never the message or
    the source text."""
    error_log.error("unhandled error on %s %s: %s", log_safe(scope["method"]),
                    log_safe(scope["path"]), where(exc))


class GuardMiddleware:
    """Outermost: access log without personal data, the client-version gate, the
    1 MiB body limit (by Content-Length and by the bytes actually streamed), and the
    body timeout (a body that stalls is dropped with 408, not waited on forever)."""

    def __init__(self, app: Any, *, min_client_version: str, max_body: int,
                 body_timeout: float = DEFAULT_BODY_TIMEOUT) -> None:
        self.app = app
        self.min_version = _version_tuple(min_client_version)
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status_holder = {"status": 0}
        scope.setdefault("state", {})

        async def send_logged(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, send_logged)
        except Exception as exc:
            # Caught here, not left to Starlette and uvicorn: both would log the
            # exception's message, which may quote a citizen's text from the request.
            _log_server_bug(scope, exc)
            if not status_holder["status"]:
                await _problem_response(500, "internal_error", "an error on the server")(
                    scope, receive, send_logged)
        finally:
            # Path without the query string: cursors are harmless, but nothing else
            # from the request belongs in a log.
            access_log.info("%s %s %s %.1fms officer=%s", log_safe(scope["method"]),
                            log_safe(scope["path"]), status_holder["status"],
                            (time.monotonic() - started) * 1000,
                            log_safe(scope["state"].get("officer_id", "-")))

    async def _handle(self, scope: dict, receive: Callable, send: Callable) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        agent = headers.get("user-agent", "")
        if agent.startswith("desk/") and self.min_version:
            if _version_tuple(agent[5:].split()[0] if agent[5:] else "") < self.min_version:
                await _problem_response(426, "client_too_old", "update the desk client")(scope, receive, send)
                return
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await _problem_response(400, "bad_request", "bad Content-Length")(scope, receive, send)
                return
            if int(length) > self.max_body:
                await _problem_response(413, "payload_too_large", "the body is over 1 MiB")(scope, receive, send)
                return
        if attachments.streams(scope):
            # Attachment bytes: streamed and limited by central/attachments.py, never gzipped.
            await self.app(attachments.identity_scope(scope), receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS") and length is None \
                and "chunked" not in headers.get("transfer-encoding", ""):
            await self.app(scope, receive, send)
            return
        # Read the whole body first (it is at most 1 MiB) so an oversized stream is
        # refused before the app sees any of it.
        chunks, size = [], 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                # uvicorn closes the connection after an answer to a body it did not
                # read to its end, so a stalled client holds nothing any longer.
                await _problem_response(408, "request_timeout", "the body did not arrive in time",
                                        headers={"Connection": "close"})(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _problem_response(413, "payload_too_large", "the body is over 1 MiB")(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get("content-type", "")
        if body and ("json" in content_type or not content_type) and not _is_utf8(body):
            # Python's JSON parser lets raw surrogate bytes (b"\xed\xa0\x80") through as
            # text that can be neither stored nor hashed: refuse them here.
            await _problem_response(422, "validation_failed", "the body is not valid UTF-8")(
                scope, receive, send)
            return
        if _has_lone_surrogate(body):
            await _problem_response(400, "malformed_json", "the body holds text that is not valid Unicode")(
                scope, receive, send)
            return
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# A JSON string may spell a lone UTF-16 surrogate (`"\ud800"`): valid JSON, but no text
# that can be stored or hashed as UTF-8. Only bodies that spell a surrogate at all are
# decoded a second time, so ordinary requests pay one regex scan.
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_lone_surrogate(body: bytes) -> bool:
    if not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:
        # Not JSON at all: the app's own parser answers that with 400.
        return False
    return False


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    return any(tag.strip().removeprefix("W/").strip('"') == bare for tag in header.split(","))


class QuietPolls:
    """Answers the commonest request of all, GET /changes when the caller's feed holds
    nothing after the cursor ("anything new?" from a desk polling every 60 s), ahead of
    the framework (Service.quiet_changes_json says whether it does).

    Routing, dependency injection, query validation, the middlewares and a log line
    cost a quiet poll several times what the indexed lookup behind it does (measured
    0.28 ms of CPU against 0.11 ms; a bare ASGI app under the same uvicorn 0.04 ms,
    bench/bench_load.py). Only the plain empty page is answered here; anything else
    (no or a bad token, something to send, an odd query, a client under the minimum
    version, a sweep due) goes on to the FastAPI route, which stays the one that the
    OpenAPI document describes and that answers every error. Quiet polls are counted,
    not logged one by one: a line a minute says how many were answered."""

    LOG_EVERY_S = 60.0

    def __init__(self, service: Service, *, path: str, min_client_version: str) -> None:
        self.service = service
        self.path = path
        # SQLite answers on the event loop: one indexed read that never waits on a
        # writer (WAL), cheaper than the hop to a thread would be. A database across
        # the network (PostgreSQL) is asked from a thread, never from the loop; a poll at
        # the head is answered on the loop from the worker's memo when it holds it.
        self.on_loop = isinstance(service.db, Database)
        self.min_version = _version_tuple(min_client_version)
        self.answered = 0
        self.since = time.monotonic()

    async def answer(self, scope: dict) -> bytes | None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            return None
        cursor = None
        for name, _, value in (part.partition("=") for part in
                               scope["query_string"].decode("latin-1").split("&") if part):
            if name == "cursor":
                cursor = value
            elif name != "limit" or not value.isdigit() or not 1 <= int(value) <= wire.MAX_CHANGES_LIMIT:
                return None
        if not cursor or len(cursor) > 100:
            return None
        token = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                token = _bearer(value.decode("latin-1"))
            elif name == b"user-agent" and self.min_version:
                agent = value.decode("latin-1")
                if agent.startswith("desk/") and _version_tuple(agent[5:].split()[0] if agent[5:] else "") \
                        < self.min_version:
                    return None  # the guard answers 426
        if token is None:
            return None
        service = self.service
        try:
            if self.on_loop:
                found = service.quiet_changes_json(token, cursor, now=service.now())
            elif (found := service.quiet_changes_held(token, cursor, now=service.now())) is None:
                # Not held in the worker's memo (quietmemo.py): the database is asked.
                found = await anyio.to_thread.run_sync(
                    lambda: service.quiet_changes_json(token, cursor, now=service.now()))
        except Exception:
            return None  # whatever it was, the full route meets it again and answers it
        if found is None:
            return None
        self.answered += 1
        elapsed = time.monotonic() - self.since
        if elapsed >= self.LOG_EVERY_S:
            access_log.info("GET %s 200: %d quiet polls (nothing new) in %.0f s",
                            self.path, self.answered, elapsed)
            self.answered, self.since = 0, time.monotonic()
        return found[1]


class CentralApp(FastAPI):
    quiet: QuietPolls | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = await self.quiet.answer(scope) if self.quiet is not None else None
        if body is None:
            await super().__call__(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def create_app(
    db_path: str | Path,
    *,
    gateway_token: str,
    seed: str | SeedSource = "empty",
    token_ttl: timedelta = timedelta(hours=12),
    change_retention: timedelta = timedelta(days=30),
    closed_retention: timedelta = timedelta(days=30),
    now: Callable[[], datetime] | None = None,
    min_client_version: str = "",
    calendar: Calendar | None = None,
    policy: list[wire.Policy] | None = None,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    blob_dir: str | Path | None = None,
    ops_threads: int = DEFAULT_OPS_THREADS,
    ops_queue: int = DEFAULT_OPS_QUEUE,
) -> FastAPI:
    service = Service(db_path, gateway_token=gateway_token, seed=seed, token_ttl=token_ttl,
                      change_retention=change_retention, closed_retention=closed_retention,
                      now=now, calendar=calendar, policy=policy, blob_dir=blob_dir)
    app = CentralApp(
        title="Desk case exchange API (reference central server)",
        version="1",
        openapi_url=f"{wire.API_PREFIX}/openapi.json",
        docs_url=f"{wire.API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.router.add_event_handler("shutdown", service.close)
    P = wire.API_PREFIX

    # ------------------------------------------------------------ errors

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _problem_response(exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return _problem_response(exc.status_code, codes.get(exc.status_code, "http_error"),
                                 str(exc.detail) if exc.detail else "", dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _problem_response(400, "malformed_json", "the body is not valid JSON")
        # Say which fields, never echo their values (they may be personal data).
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) or "body" for e in errors})
        return _problem_response(422, "validation_failed",
                                 "invalid fields: " + ", ".join(wire_field_names(fields)))

    # ------------------------------------------------------------ dependencies

    def current(request: Request, authorization: str | None = Header(default=None)) -> Caller:
        caller = service.authenticate(_bearer(authorization), now=service.now())
        request.scope.setdefault("state", {})["officer_id"] = caller.id
        return caller

    def gateway(authorization: str | None = Header(default=None)) -> None:
        service.check_gateway(_bearer(authorization))

    def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return JSONResponse(body, status_code=status, headers=headers)

    # ------------------------------------------------------------ sessions

    @app.post(f"{P}/sessions", status_code=201, response_model=wire.LoginResponse,
              responses=PROBLEM_RESPONSES, tags=["sessions"])
    def login(body: wire.LoginRequest, x_device_id: str | None = Header(default=None)) -> Response:
        device = (x_device_id or "").strip()[:200]
        return json_response(service.login(body.username, body.password, body.device_name, device,
                                           now=service.now()), 201)

    @app.delete(f"{P}/sessions/current", status_code=204, responses=PROBLEM_RESPONSES,
                tags=["sessions"])
    def logout(caller: Caller = Depends(current), authorization: str | None = Header(default=None)) -> Response:
        service.logout(_bearer(authorization) or "")
        return Response(status_code=204)

    # ------------------------------------------------------------ reference data

    @app.get(f"{P}/reference", response_model=wire.Reference, tags=["reference"],
             responses={**PROBLEM_RESPONSES, 304: {"description": "Not modified"}})
    def reference(caller: Caller = Depends(current),
                  if_none_match: str | None = Header(default=None)) -> Response:
        body = json.dumps(service.reference(caller), ensure_ascii=False, separators=(",", ":"),
                          sort_keys=True).encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if _etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/json", headers={"ETag": etag})

    # ------------------------------------------------------------ pull

    @app.get(f"{P}/changes", response_model=wire.ChangesResponse, responses={
        **PROBLEM_RESPONSES, 410: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                                   "description": "Cursor expired"}}, tags=["sync"])
    def changes(caller: Caller = Depends(current),
                cursor: str | None = Query(default=None, max_length=100),
                limit: int = Query(default=wire.DEFAULT_CHANGES_LIMIT, ge=1, le=wire.MAX_CHANGES_LIMIT)) -> Response:
        return Response(service.changes_json(caller, cursor, limit, now=service.now()),
                        media_type="application/json")

    @app.get(f"{P}/summary", response_model=wire.SummaryResponse, responses=PROBLEM_RESPONSES,
             tags=["sync"])
    def summary(caller: Caller = Depends(current)) -> Response:
        return json_response(service.summary(caller, now=service.now()))

    # ------------------------------------------------------------ push

    ops_limiter = anyio.CapacityLimiter(max(1, ops_threads))
    ops_room = max(1, ops_threads) + max(0, ops_queue)
    pushes = {"in": 0}

    @app.post(f"{P}/ops", response_model=wire.OpsResponse, tags=["sync"], responses={
        **PROBLEM_RESPONSES, 503: {"model": wire.Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                                   "description": "Too many pushes waiting; retry after Retry-After"}})
    async def ops(body: wire.OpsEnvelope, caller: Caller = Depends(current)) -> Response:
        # The envelope is checked here, each op alone in apply_ops (wire.Op).
        if pushes["in"] >= ops_room:
            return _problem_response(503, "busy", "too many pushes at once; retry shortly",
                                     headers={"Retry-After": str(OPS_RETRY_AFTER_S)})
        pushes["in"] += 1
        try:
            results = await anyio.to_thread.run_sync(
                lambda: service.apply_ops(caller, body.ops, now=service.now()), limiter=ops_limiter)
        finally:
            pushes["in"] -= 1
        return json_response({"results": results})

    # ------------------------------------------------------------ attachments

    attachments.install(app, service, current, body_timeout=body_timeout,
                        problem_responses=PROBLEM_RESPONSES)

    # ------------------------------------------------------------ the citizen side

    @app.post(f"{P}/intake", status_code=201, response_model=wire.Case, responses=PROBLEM_RESPONSES,
              tags=["reference server only"], dependencies=[Depends(gateway)])
    def intake(body: ReferenceIntakeRequest) -> Response:
        return json_response(service.intake(body, now=service.now()), 201)

    @app.post(f"{P}/cases/{{case_id}}/citizen", status_code=201, response_model=wire.Case,
              responses=PROBLEM_RESPONSES, tags=["reference server only"],
              dependencies=[Depends(gateway)])
    def citizen(case_id: str, body: ReferenceCitizenEventRequest) -> Response:
        return json_response(service.citizen_event(case_id, body, now=service.now()), 201)

    @app.post(f"{P}/admin/officers/{{username}}/password", status_code=204,
              responses=PROBLEM_RESPONSES, tags=["reference server only"],
              dependencies=[Depends(gateway)])
    def set_password(username: str, body: SetPasswordRequest) -> Response:
        service.set_password(username, body.password)
        return Response(status_code=204)

    @app.delete(f"{P}/devices/{{device_id}}", response_model=RevokeResponse,
                responses=PROBLEM_RESPONSES, tags=["reference server only"],
                dependencies=[Depends(gateway)])
    def revoke_device(device_id: str, username: str | None = Query(default=None, max_length=200)) -> Response:
        return json_response(service.revoke_device(device_id, username))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                   description=__doc__)
            # FastAPI files a response model under application/json; errors are sent
            # as application/problem+json, so that is where their schema belongs.
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    for response in operation.get("responses", {}).values():
                        content = response.get("content", {})
                        if PROBLEM_MEDIA_TYPE in content and "application/json" in content:
                            content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    # Middleware order: the guard wraps everything (so even a 413 is logged), gzip
    # inside it compresses what the app answers.
    # Level 6 (zlib's default), not Starlette's 9: on a 1,000-case feed page 9 took
    # 2.6 times as long for a body only 6% smaller (bench/bench_server.py).
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.quiet = QuietPolls(service, path=f"{P}/changes", min_client_version=min_client_version)
    app.add_middleware(GuardMiddleware, min_client_version=min_client_version,
                       max_body=wire.MAX_REQUEST_BYTES, body_timeout=body_timeout)
    return app
