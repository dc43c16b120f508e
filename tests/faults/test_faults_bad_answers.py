"""Answers a real server never gives: malformed, truncated, oversized, schema-breaking.
The client must turn each into one clear, typed error."""

from __future__ import annotations

import json
import socket

import pytest

import desk
from desk import api
from desk.api import (
    AuthError,
    BadResponse,
    CentralClient,
    CursorExpired,
    ServerRefused,
    TransportError,
)
from desk.wire import Op
from tests.faults.fake_http import Answer, FakeServer

NOW = "2026-11-26T02:30:00Z"
DEVICE = "5d3c0f59-6f32-4b57-9d4c-bd4d33b5d5a1"


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.stop()


def client_for(fake, token="tok"):
    return CentralClient(fake.url, device_id=DEVICE, token=token, timeout=(2, 5))


def changes_page(**over):
    page = {"changes": [], "next_cursor": "c1", "has_more": False, "server_time": NOW,
            "reference_version": "r1"}
    page.update(over)
    return page


def op(n=1, case="case-1"):
    return Op(op_id=f"00000000-0000-4000-8000-{n:012d}", seq=n, case_id=case, type="note",
              base_version=1, performed_at=NOW, payload={"body": "secret text 张三"})


def test_headers_sent(fake):
    fake.routes["GET /api/v1/changes"] = Answer.json(changes_page())
    client_for(fake).changes(None)
    _, path, headers, _ = fake.seen[-1]
    assert headers["User-Agent"] == f"desk/{desk.__version__}"
    assert headers["X-Device-Id"] == DEVICE
    assert "gzip" in headers["Accept-Encoding"]
    assert headers["Authorization"] == "Bearer tok"
    assert "cursor" not in path and "limit=1000" in path


def test_gzip_answer_is_read(fake):
    fake.routes["GET /api/v1/changes"] = Answer.json(changes_page(next_cursor="zz"), gzip=True)
    assert client_for(fake).changes("c0").next_cursor == "zz"


def test_malformed_json(fake):
    fake.routes["GET /api/v1/changes"] = Answer(body=b'{"changes": [')
    with pytest.raises(BadResponse, match="not valid JSON"):
        client_for(fake).changes(None)


def test_truncated_body(fake):
    body = json.dumps(changes_page()).encode()
    fake.routes["GET /api/v1/changes"] = Answer(body=body[:20], declared_length=len(body))
    with pytest.raises(BadResponse, match="cut off"):
        client_for(fake).changes(None)


def test_broken_gzip(fake):
    fake.routes["GET /api/v1/changes"] = Answer(
        body=b"\x1f\x8b\x08\x00garbage-garbage-garbage",
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with pytest.raises(BadResponse):
        client_for(fake).changes(None)


def test_oversized_declared(fake, monkeypatch):
    monkeypatch.setattr(api, "MAX_RESPONSE_BYTES", 1000)
    fake.routes["GET /api/v1/changes"] = Answer(body=b"x" * 2000)
    with pytest.raises(BadResponse, match="too large"):
        client_for(fake).changes(None)


def test_oversized_streamed(fake, monkeypatch):
    # No Content-Length: the client must stop reading at the cap, not buffer it all.
    monkeypatch.setattr(api, "MAX_RESPONSE_BYTES", 3 * 1024 * 1024)
    fake.routes["GET /api/v1/changes"] = Answer(stream_bytes=50 * 1024 * 1024)
    with pytest.raises(BadResponse, match="too large"):
        client_for(fake).changes(None)


def test_schema_breaking_answer_names_the_field_not_the_value(fake):
    # The page itself does not fit: nothing can be applied, one clear line.
    bad = changes_page(next_cursor=None, reference_version={"name": "张伟明"})
    fake.routes["GET /api/v1/changes"] = Answer.json(bad)
    with pytest.raises(BadResponse) as info:
        client_for(fake).changes(None)
    message = str(info.value)
    assert "contract" in message and "next_cursor" in message
    assert "张伟明" not in message and "\n" not in message


def test_a_case_breaking_the_schema_is_set_aside_by_field_not_value(fake):
    # An unknown kind is read now (the contract's "Growth"); a case without a required
    # field is set aside, named by its place and the field, never by its values.
    bad = changes_page(changes=[{"seq": 1, "op": "upsert", "case": {
        "id": "c", "number": "SX1", "kind": None, "unit_id": "u", "status": "new",
        "version": 1, "received_at": NOW, "citizen": {"name": "张伟明"}}}])
    fake.routes["GET /api/v1/changes"] = Answer.json(bad)
    page = client_for(fake).changes(None)
    assert page.changes == [] and page.next_cursor == "c1"
    [aside] = page.unreadable
    assert (aside.case_id, aside.number, aside.seq, aside.version) == ("c", "SX1", 1, 1)
    assert "case.kind" in aside.problem
    assert "张伟明" not in aside.problem and "\n" not in aside.problem


def test_naive_time_breaks_schema(fake):
    fake.routes["GET /api/v1/changes"] = Answer.json(changes_page(server_time="2026-11-26T02:30:00"))
    with pytest.raises(BadResponse):
        client_for(fake).changes(None)


def test_push_results_must_match_ops(fake):
    ops = [op(1), op(2)]
    fake.routes["POST /api/v1/ops"] = Answer.json(
        {"results": [{"op_id": ops[0].op_id, "outcome": "applied"}]})
    with pytest.raises(BadResponse, match="does not match"):
        client_for(fake).push(ops)
    fake.routes["POST /api/v1/ops"] = Answer.json(
        {"results": [{"op_id": ops[1].op_id, "outcome": "applied"},
                     {"op_id": ops[0].op_id, "outcome": "applied"}]})
    with pytest.raises(BadResponse, match="does not match"):
        client_for(fake).push(ops)
    fake.routes["POST /api/v1/ops"] = Answer.json(
        {"results": [{"op_id": o.op_id, "outcome": "duplicate"} for o in ops]})
    assert [r.outcome for r in client_for(fake).push(ops).results] == ["duplicate"] * 2


def problem(status, code, detail=""):
    return Answer.json({"type": "about:blank", "title": "t", "status": status, "code": code,
                        "detail": detail}, status,
                       headers={"Content-Type": "application/problem+json"})


def test_error_statuses_are_typed(fake):
    c = client_for(fake)
    fake.routes["GET /api/v1/changes"] = problem(401, "token_expired")
    with pytest.raises(AuthError) as info:
        c.changes(None)
    assert info.value.code == "token_expired"

    fake.routes["POST /api/v1/sessions"] = problem(401, "invalid_credentials")
    with pytest.raises(AuthError, match="wrong username or password"):
        c.login("officer1", "bad", "pc")

    fake.routes["GET /api/v1/changes"] = problem(410, "cursor_expired")
    with pytest.raises(CursorExpired):
        c.changes("old")

    fake.routes["GET /api/v1/changes"] = problem(403, "forbidden", "no access")
    with pytest.raises(ServerRefused) as refused:
        c.changes(None)
    assert refused.value.status == 403 and refused.value.code == "forbidden"

    busy = problem(429, "rate_limited")
    busy.headers["Retry-After"] = "7"
    fake.routes["GET /api/v1/changes"] = busy
    with pytest.raises(TransportError) as transport:
        c.changes(None)
    assert transport.value.retry_after == 7 and transport.value.retryable

    fake.routes["GET /api/v1/changes"] = Answer(status=502, body=b"<html>bad gateway</html>",
                                                headers={"Content-Type": "text/html"})
    with pytest.raises(TransportError, match="502"):
        c.changes(None)


def test_reference_304_keeps_etag(fake):
    fake.routes["GET /api/v1/reference"] = Answer(status=304, body=b"", headers={"ETag": '"e1"'})
    ref, etag = client_for(fake).reference('"e1"')
    assert ref is None and etag == '"e1"'
    assert fake.seen[-1][2]["If-None-Match"] == '"e1"'


def test_unreachable_is_transport_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = CentralClient(f"http://127.0.0.1:{port}", device_id=DEVICE, timeout=(1, 1))
    with pytest.raises(TransportError, match="cannot be reached"):
        client.changes(None)
