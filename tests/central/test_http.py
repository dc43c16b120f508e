"""Transport rules over real HTTP: problem+json errors, limits, gzip, ETags, attachments."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import socket
from urllib.parse import urlsplit

import requests

from tests.central.conftest import intake, op
from tests.central.server_fixture import start_server
from tests.central.tiny_seed import TinySeed


def _is_problem(r: requests.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


def test_unknown_route_wrong_method_malformed_json(server, login):
    officer = login("officer1")
    _is_problem(officer.get("/no/such/route"), 404, "not_found")
    _is_problem(requests.get(f"{server.url}/elsewhere"), 404)
    _is_problem(officer.http.put(officer.url("/ops"), json={}), 405, "method_not_allowed")
    r = officer.http.post(officer.url("/ops"), data=b'{"ops": [', headers={"Content-Type": "application/json"})
    _is_problem(r, 400, "malformed_json")
    r = officer.http.post(officer.url("/ops"), data=b'\xff\xfe', headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    _is_problem(officer.post("/ops", json={"ops": "nope"}), 422, "validation_failed")


def test_validation_errors_name_fields_but_never_echo_values(server):
    r = requests.post(f"{server.api}/intake", headers={"Authorization": f"Bearer {server.gateway_token}"},
                      json={"kind": "consultation", "title": "t", "body": "",
                            "citizen": {"name": "陈某某", "phone": 13800138000}})
    body = _is_problem(r, 422, "validation_failed")
    assert "13800138000" not in r.text and "陈某某" not in r.text
    assert "body" in body["detail"]


def test_body_over_one_mebibyte_is_413(server, login):
    officer = login("officer1")
    big = {"ops": [{"op_id": "0" * 32, "seq": 1, "case_id": "x", "type": "note", "base_version": 1,
                    "performed_at": "2026-11-25T02:00:00Z", "payload": {"body": "x" * (1024 * 1024)}}]}
    _is_problem(officer.post("/ops", json=big), 413, "payload_too_large")

    # A chunked body without Content-Length is counted as it streams.
    def chunks():
        for _ in range(20):
            yield b" " * 65536

    r = officer.http.post(officer.url("/ops"), data=chunks(), headers={"Content-Type": "application/json"})
    _is_problem(r, 413, "payload_too_large")
    # Just under the limit is read (and rejected for its content, not its size).
    r = officer.http.post(officer.url("/ops"), data=b" " * (1024 * 1024 - 10) + b"{}",
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_a_lying_content_length_is_refused(server):
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("POST", "/api/v1/sessions")
    conn.putheader("Content-Length", "abc")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 400
    conn.close()


def test_too_old_client_is_426(tmp_path, clock):
    server = start_server(tmp_path, seed=TinySeed(), now=clock, min_client_version="0.2.0")
    try:
        old = requests.get(f"{server.api}/reference", headers={"User-Agent": "desk/0.1.9"})
        _is_problem(old, 426, "client_too_old")
        current = requests.get(f"{server.api}/reference", headers={"User-Agent": "desk/0.2.0"})
        assert current.status_code == 401
        other_agent = requests.get(f"{server.api}/reference", headers={"User-Agent": "curl/8"})
        assert other_agent.status_code == 401
    finally:
        server.stop()


def test_reference_etag_gzip_and_units(server, login):
    officer = login("officer1")
    r = officer.get("/reference", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    body = r.json()
    etag = r.headers["ETag"]
    assert {u["id"] for u in body["units"]} == {"u-city", "u-county", "u-st1", "u-st2", "u-traffic"}
    assert {o["username"] for o in body["officers"]} == {"chief1", "officer1", "officer2"}
    assert [p["kind"] for p in body["policy"]][:2] == ["application", "consultation"]
    assert body["calendar"]["zone"] == "Asia/Shanghai" and body["calendar"]["known_years"]
    assert body["version"]
    again = officer.get("/reference", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.content == b""
    assert officer.get("/reference", headers={"If-None-Match": '"other"'}).status_code == 200
    # Another station sees its own officers: another body, another ETag, same version.
    other = login("officer3").get("/reference")
    assert other.headers["ETag"] != etag
    assert other.json()["version"] == body["version"]
    raw = officer.get("/reference", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in raw.headers


def test_attachment_bytes_with_sha256_etag(server, login):
    # A PDF by its magic number (the server reads the type from the bytes, not the name).
    data = b"%PDF-1.4\n" + "身份证复印件".encode() + bytes(range(256))
    case = intake(server, attachments=[{"name": "证件.bin", "content_type": "application/octet-stream",
                                        "data_base64": base64.b64encode(data).decode()}])
    meta = case["attachments"][0]
    assert meta["size"] == len(data) and meta["sha256"] == hashlib.sha256(data).hexdigest()
    officer = login("officer1")
    r = officer.get(f"/attachments/{meta['id']}")
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["ETag"] == f'"{meta["sha256"]}"'
    assert officer.get(f"/attachments/{meta['id']}", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    # Another station's officer cannot fetch it, and cannot tell it exists.
    _is_problem(login("officer3").get(f"/attachments/{meta['id']}"), 404)
    _is_problem(officer.get("/attachments/nothing-here"), 404)
    r = requests.post(f"{server.api}/intake", headers={"Authorization": f"Bearer {server.gateway_token}"},
                      json={"kind": "tip", "title": "t", "body": "b",
                            "attachments": [{"name": "x", "data_base64": "***"}]})
    _is_problem(r, 422, "validation_failed")


def test_no_personal_data_in_the_log(server, login, caplog):
    caplog.set_level("INFO", logger="central")
    case = intake(server, citizen={"name": "独特姓名", "phone": "13912345678", "id_number": "41082319900101999X"})
    officer = login("officer1")
    officer.get("/changes", params={"cursor": ""})
    requests.post(f"{server.api}/cases/{case['id']}/citizen", json={"type": "message", "body": "秘密内容"},
                  headers={"Authorization": f"Bearer {server.gateway_token}"})
    text = caplog.text
    assert "/api/v1/changes" in text and "officer=o-officer1" in text
    for secret in ("独特姓名", "13912345678", "41082319900101999X", "秘密内容", officer.login_body["token"]):
        assert secret not in text


def test_garbage_on_the_socket_is_not_a_server_error(server):
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 5\r\n\r\n\x00\x01\x02\x03\x04")
        # The answer may arrive in several segments: read until the whole body is here.
        reply = b""
        while True:
            chunk = s.recv(4096)
            reply += chunk
            head, _, body = reply.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if not chunk or (length and len(body) >= int(length.group(1))):
                break
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert json.loads(body)["status"] == status


def test_openapi_is_served(server):
    r = requests.get(f"{server.api}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/sessions", "/api/v1/reference", "/api/v1/changes", "/api/v1/ops",
                 "/api/v1/summary", "/api/v1/intake", "/api/v1/attachments/{attachment_id}"):
        assert path in paths
    assert "ChangesResponse" in json.dumps(r.json()["components"])


def test_text_that_is_not_unicode_and_impossible_times_are_refused_not_500(server, login):
    officer = login("officer1")
    case = intake(server)
    officer.push(op(case["id"], "claim"))
    # A lone surrogate is valid JSON but no UTF-8 text: it cannot be stored or hashed.
    raw = json.dumps({"ops": [op(case["id"], "note", {"body": "打过电话"})]}).replace(
        "\\u6253", "\\ud800").encode()
    r = officer.http.post(officer.url("/ops"), data=raw, headers={"Content-Type": "application/json"})
    _is_problem(r, 400, "malformed_json")
    # A proper pair (an emoji spelled as two escapes) is ordinary text.
    raw = json.dumps({"ops": [op(case["id"], "note", {"body": "好的\U0001F600"})]}).encode()
    assert b"\\ud83d" in raw
    r = officer.http.post(officer.url("/ops"), data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "applied", r.text
    gateway = {"Authorization": f"Bearer {server.gateway_token}"}
    for when in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
        r = requests.post(f"{server.api}/intake", headers=gateway, timeout=30,
                          json={"kind": "tip", "title": "t", "body": "b", "received_at": when})
        assert "received_at" in _is_problem(r, 422, "validation_failed")["detail"]


def test_a_server_bug_is_a_problem_500_and_its_log_holds_no_personal_data(server, login, caplog, monkeypatch):
    caplog.set_level("INFO", logger="central")
    officer = login("officer1")

    def broken(*args, **kwargs):
        raise ValueError("citizen 独特姓名 13912345678 wrote 秘密内容")

    monkeypatch.setattr(server.service, "summary", broken)
    body = _is_problem(officer.get("/summary"), 500, "internal_error")
    assert "13912345678" not in json.dumps(body, ensure_ascii=False)
    text = caplog.text
    assert "unhandled error on GET /api/v1/summary: ValueError" in text and "broken" in text
    for secret in ("独特姓名", "13912345678", "秘密内容"):
        assert secret not in text
