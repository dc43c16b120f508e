"""The hostile-input suite: a few hundred requests an attacker with an ordinary
officer's account (or none) would send, over real HTTP to the real server, against
every endpoint. Whatever is sent: no answer is a 500, none hangs, and no answer holds
anything of a case the caller may not see (checked in every answer, by the cases'
ids and their citizens' data).

The figures (requests, 500s, hangs, leaks) are stated in the README's security section.
"""

from __future__ import annotations

import base64
import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.central.conftest import intake, op
from tests.central.tiny_seed import PASSWORD, STATION_1, STATION_2

TIMEOUT = 10.0
OP_PAYLOADS = {
    "claim": {}, "accept": {}, "decline": {"reason": "不属于本所"},
    "reply": {"body": "您好", "notify_sms": False}, "note": {"body": "看看"},
    "callback": {"outcome": "reached", "body": "已回访"},
    "set_status": {"to": "closed", "reason": "办结"},
    "transfer": {"to_unit_id": STATION_2, "reason": "转办"},
    "reassign": {"to_officer_id": "o-officer3", "reason": "调整"},
    "urge": {"body": "快办"}, "reveal": {"field": "phone"},
}
NASTY_TEXT = ["", " ", "\x00", "\x1b[2J\x1b]0;x\x07", "a\r\nX-Injected: 1", "\u202e\u2028\ufeff\u061c\x9b",
              "<h1>x</h1><img src=file:///etc/passwd>", "=HYPERLINK(\"http://x\")", "../../etc/passwd",
              "%00%0a", "😀" * 10, "x" * 6000, "\\ud800"]
NASTY_NUMBERS = [-1, 10**30, -(10**30), 1e308, float("-0"), 2**63, "1", None, True, [], {}]
NASTY_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z",
               "0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "2026-11-25T02:00:00", "now", "",
               "+275760-09-13T00:00:00Z", 1700000000, None, "2026-11-25T02:00:00+24:00"]


@dataclass
class Secret:
    """A case and the strings that betray it."""
    case_id: str
    markers: tuple[str, ...]
    attachment_id: str


@dataclass
class Tally:
    sent: int = 0
    errors_500: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


class Hostile:
    def __init__(self, server: Any, secrets: dict[str, Secret], visible: dict[str, set[str]]) -> None:
        self.server = server
        self.secrets = secrets
        # Per caller name: the ids of the cases it may see (a former holder included).
        self.visible = visible
        self.tally = Tally()

    def send(self, caller: str, method: str, path: str, *, token: str | None = None,
             json_body: Any = None, data: bytes | None = None,
             headers: dict[str, str] | None = None, params: Any = None) -> requests.Response | None:
        all_headers = {"User-Agent": "desk/0.1.0", "X-Device-Id": "hostile-device"}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        what = f"{caller} {method} {path}"
        self.tally.sent += 1
        try:
            try:
                r = requests.request(method, f"{self.server.api}{path}", headers=all_headers,
                                     json=json_body, data=data, params=params, timeout=TIMEOUT)
            except requests.exceptions.ChunkedEncodingError:
                # uvicorn may close a connection as its answer goes out, and the kernel's
                # reset can overtake the answer: not a 500 or a hang; send it once more.
                r = requests.request(method, f"{self.server.api}{path}", headers=all_headers,
                                     json=json_body, data=data, params=params, timeout=TIMEOUT)
        except requests.Timeout:
            self.tally.hangs.append(what)
            return None
        if r.status_code >= 500 and r.status_code != 503:
            self.tally.errors_500.append(f"{what} -> {r.status_code} {r.text[:200]}")
        self.check(caller, what, r.content)
        return r

    def check(self, caller: str, what: str, content: bytes) -> None:
        text = content.decode("utf-8", "replace")
        try:
            text += json.dumps(json.loads(content), ensure_ascii=False)  # escaped forms too
        except ValueError:
            pass
        allowed = self.visible.get(caller, set())
        for name, secret in self.secrets.items():
            if secret.case_id in allowed:
                continue
            for marker in secret.markers:
                if marker in text:
                    self.tally.leaks.append(f"{what}: {name} ({marker})")

    def raw(self, caller: str, request: bytes) -> bytes:
        """A request no HTTP library would send, over a plain socket."""
        self.tally.sent += 1
        answer = b""
        try:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=TIMEOUT) as sock:
                sock.sendall(request)
                while chunk := sock.recv(65536):
                    answer += chunk
        except TimeoutError:
            self.tally.hangs.append(f"{caller} raw {request[:40]!r}")
        if answer.startswith(b"HTTP/1.1 5") and not answer.startswith(b"HTTP/1.1 503"):
            self.tally.errors_500.append(f"{caller} raw {request[:40]!r} -> {answer[:60]!r}")
        self.check(caller, "raw", answer)
        return answer


def _secret_case(server: Any, tag: str, unit_id: str) -> dict[str, Any]:
    return intake(server, unit_id=unit_id, title=f"标题{tag}机密", body=f"正文{tag}机密内容",
                  citizen={"name": f"姓名{tag}", "phone": f"1390000{tag}", "id_number": f"11010119900101{tag}"},
                  attachments=[{"name": f"scan{tag}.pdf", "content_type": "application/pdf",
                                "data_base64": base64.b64encode(f"%PDF-1.4 scan-{tag}".encode()).decode()}])


@pytest.mark.slow
def test_hostile_requests_get_no_500_no_hang_and_no_other_case(server, login, clock):
    started = time.monotonic()
    officer1, officer2, officer3, chief2 = (login(n) for n in ("officer1", "officer2", "officer3", "chief2"))
    a = _secret_case(server, "1001", STATION_1)   # officer1's
    b = _secret_case(server, "2002", STATION_1)   # unclaimed in station 1
    c = _secret_case(server, "3003", STATION_2)   # officer3's
    assert officer1.push(op(a["id"], "claim"))[0]["outcome"] == "applied"
    assert officer3.push(op(c["id"], "claim"))[0]["outcome"] == "applied"
    secrets = {tag: Secret(case["id"], (case["id"], f"姓名{tag}", f"1390000{tag}", f"11010119900101{tag}",
                                        f"标题{tag}机密", f"正文{tag}机密内容", f"scan-{tag}"),
                           case["attachments"][0]["id"])
               for tag, case in (("1001", a), ("2002", b), ("3003", c))}
    visible = {"officer1": {a["id"], b["id"]}, "officer2": {b["id"]}, "officer3": {c["id"]},
               "chief2": {c["id"]}, "anonymous": set()}
    tokens = {name: client.login_body["token"] for name, client in
              (("officer1", officer1), ("officer2", officer2), ("officer3", officer3), ("chief2", chief2))}
    h = Hostile(server, secrets, visible)
    bad_tokens = ["", "x", "garbage" * 100, "Bearer", "\x00", tokens["officer1"][:-1] + "A",
                  server.gateway_token]

    # ---- sessions
    for body in ({"username": "officer1"}, {"username": 1, "password": 2}, {"username": ["a"], "password": {}},
                 {"username": "x" * 5000, "password": "x"}, {"username": "officer1", "password": "x" * 2000},
                 {"username": "\x00\x1b", "password": "x"}, [], "string", None, 10**100):
        h.send("anonymous", "POST", "/sessions", json_body=body)
    for raw in (b"{", b'{"username": "officer1", "password": "x"', b"\xed\xa0\x80", b'{"username":"\xed\xa0\x80","password":"x"}',
                b'{"username":"\\ud800","password":"x"}', b"[" * 50000 + b"]" * 50000, b'{"a":' * 20000 + b"1" + b"}" * 20000,
                b"nul\x00l", b'{"username": NaN, "password": Infinity}'):
        h.send("anonymous", "POST", "/sessions", data=raw)
    h.send("anonymous", "POST", "/sessions", json_body={"username": "officer2", "password": "x"},
           headers={"X-Device-Id": ""})
    h.send("anonymous", "POST", "/sessions", data=b'{"username":"a","password":"' + b"x" * (2 * 1024 * 1024) + b'"}')
    for token in bad_tokens:
        h.send("anonymous", "DELETE", "/sessions/current", token=token)

    # ---- reference, changes, summary: garbage and forged tokens, odd parameters
    for token in bad_tokens:
        for path in ("/reference", "/changes", "/summary"):
            h.send("anonymous", "GET", path, token=token)
    h.send("anonymous", "GET", "/reference", headers={"Authorization": "Basic b2ZmaWNlcjE6ZGVtby1wYXNz"})
    for etag in ('"' + "x" * 5000 + '"', "*", 'W/"", ,,,', "\x00"):
        h.send("officer3", "GET", "/reference", token=tokens["officer3"], headers={"If-None-Match": etag})
    for params in ({"limit": -1}, {"limit": 0}, {"limit": 10**30}, {"limit": "abc"}, {"limit": 1.5},
                   {"cursor": "x" * 99}, {"cursor": "x" * 5000}, {"cursor": "abc.-1"}, {"cursor": "abc.999999999999999999999"},
                   {"cursor": "\x00.\x1b"}, {"cursor": "../../etc"}, {"cursor": ["a", "b"]},
                   {"cursor": "abcdef123456.1", "limit": 1000}):
        for name in ("officer2", "officer3"):
            h.send(name, "GET", "/changes", token=tokens[name], params=params)
    for name in ("officer2", "officer3", "chief2"):
        h.send(name, "GET", "/summary", token=tokens[name])
        r = h.send(name, "GET", "/changes", token=tokens[name])
        assert r is not None and r.status_code == 200

    # ---- ops: every op type on every case the caller may not see
    for name, targets in (("officer2", [a, c]), ("officer3", [a, b]), ("chief2", [a, b])):
        for case in targets:
            for op_type, payload in OP_PAYLOADS.items():
                h.send(name, "POST", "/ops", token=tokens[name],
                       json_body={"ops": [op(case["id"], op_type, payload)]})
    # A resent refused op (a duplicate of a stored answer).
    resent = op(a["id"], "claim")
    for _ in range(2):
        h.send("officer3", "POST", "/ops", token=tokens["officer3"], json_body={"ops": [resent]})
    # A hundred guessed case ids in one batch.
    guesses = [op(a["id"][:-3] + f"{n:03d}", "claim") for n in range(100)]
    h.send("officer3", "POST", "/ops", token=tokens["officer3"], json_body={"ops": guesses})
    # Malformed envelopes and ops.
    for body in ({}, {"ops": []}, {"ops": None}, {"ops": "x"}, {"ops": [None]}, {"ops": [[]]}, {"ops": [1] * 101},
                 {"ops": [{}]}, {"ops": {"0": {}}}, [], "ops", 1e308):
        h.send("officer2", "POST", "/ops", token=tokens["officer2"], json_body=body)
    for key, values in (("base_version", NASTY_NUMBERS), ("seq", NASTY_NUMBERS), ("performed_at", NASTY_TIMES),
                        ("op_id", ["", "x", "../" * 20, str(uuid.uuid4()).upper(), 5, None, "\x00" * 36]),
                        ("case_id", ["", "x" * 300, "../../etc/passwd", "%00", "\x1b[2J", 7, None]),
                        ("type", ["delete", "", "CLAIM", None, 3, "reveal\x00"]),
                        ("payload", [None, [], "x", 5, {"body": None}, {"body": 10**30}])):
        for value in values:
            bad = {**op(b["id"], "note", {"body": "x"}), key: value}
            h.send("officer2", "POST", "/ops", token=tokens["officer2"], json_body={"ops": [bad]})
    for text in NASTY_TEXT:
        h.send("officer1", "POST", "/ops", token=tokens["officer1"],
               json_body={"ops": [op(a["id"], "note", {"body": text}), op(c["id"], "note", {"body": text})]})
    for value in NASTY_NUMBERS:
        h.send("officer1", "POST", "/ops", token=tokens["officer1"], json_body={"ops": [
            op(a["id"], "callback", {"outcome": "busy", "body": "x", "duration_s": value})]})
    for raw in (b'{"ops": [\xed\xa0\x80]}', b'{"ops": [{"op_id": "\xed\xa0\x80"}]}', b'{"ops": [' + b"[" * 30000 + b"]" * 30000 + b"]}",
                b'{"ops": [{"payload": {"body": "\\udfff"}}]}', b'{"ops":', b""):
        h.send("officer2", "POST", "/ops", token=tokens["officer2"], data=raw)
    h.send("officer2", "POST", "/ops", token=tokens["officer2"], data=b'{"ops":["' + b"x" * (1024 * 1024) + b'"]}')

    # ---- attachments: the others' files, tricks in the id, odd headers
    for name, targets in (("officer2", ["1001", "3003"]), ("officer3", ["1001", "2002"]), ("chief2", ["1001", "2002"])):
        for tag in targets:
            r = h.send(name, "GET", f"/attachments/{secrets[tag].attachment_id}", token=tokens[name])
            assert r is not None and r.status_code == 404
            h.send(name, "GET", f"/attachments/{secrets[tag].attachment_id}", token=tokens[name],
                   headers={"Range": "bytes=0-", "If-None-Match": "*"})
    for path in ("/attachments/..%2f..%2fcentral.sqlite", "/attachments/%00", "/attachments/" + "x" * 3000,
                 "/attachments/%1b%5b2J", "/attachments/' OR 1=1 --", f"/attachments/{secrets['1001'].attachment_id}%00"):
        h.send("officer3", "GET", path, token=tokens["officer3"])
    for token in bad_tokens:
        h.send("anonymous", "GET", f"/attachments/{secrets['1001'].attachment_id}", token=token)

    # ---- intake and the citizen side (gateway token), and impostors of it
    gateway = server.gateway_token
    for body in ({"kind": "tip", "title": "t", "body": "b", "received_at": t} for t in NASTY_TIMES):
        h.send("gateway", "POST", "/intake", token=gateway, json_body=body)
    for body in ({"kind": "robbery", "title": "t", "body": "b"}, {"kind": "tip", "title": "", "body": "b"},
                 {"kind": "tip", "title": "t", "body": "b", "unit_id": "u-nowhere"},
                 {"kind": "tip", "title": "t", "body": "b", "citizen": {"name": 5}},
                 {"kind": "tip", "title": "t", "body": "b", "attachments": [{"name": "x", "data_base64": "%%%"}]},
                 {"kind": "tip", "title": "t" * 600, "body": "b"}, {"kind": "tip", "title": "t", "body": "b" * 6000}, [],
                 {"kind": "tip", "title": "t", "body": "b", "service_item_id": {"$ne": 1}}):
        h.send("gateway", "POST", "/intake", token=gateway, json_body=body)
    h.send("gateway", "POST", "/intake", token=gateway, data=b'{"kind":"tip","title":"\xed\xa0\x80","body":"b"}')
    for name in ("officer1", "officer3"):
        h.send(name, "POST", "/intake", token=tokens[name], json_body={"kind": "tip", "title": "t", "body": "b"})
    for token in bad_tokens[:-1]:
        h.send("anonymous", "POST", f"/cases/{a['id']}/citizen", token=token, json_body={"type": "message", "body": "x"})
    for name in ("officer2", "officer3"):
        h.send(name, "POST", f"/cases/{a['id']}/citizen", token=tokens[name], json_body={"type": "message", "body": "x"})
    for path in ("/cases/..%2f..%2fadmin/citizen", "/cases/%00/citizen", "/cases/" + "9" * 500 + "/citizen",
                 "/cases/%0a%1b/citizen"):
        h.send("gateway", "POST", path, token=gateway, json_body={"type": "message", "body": "x"})
    for body in ({"type": "rating", "score": 10**20}, {"type": "rating", "score": 0}, {"type": "rating"},
                 {"type": "message", "body": ""}, {"type": "hack"}, {"type": "message", "body": "x" * 6000}):
        h.send("gateway", "POST", f"/cases/{b['id']}/citizen", token=gateway, json_body=body)

    # ---- admin endpoints: officers and strangers must not reach them
    for name in ("officer1", "officer3", "chief2"):
        h.send(name, "POST", "/admin/officers/officer2/password", token=tokens[name], json_body={"password": "owned"})
        h.send(name, "DELETE", "/devices/hostile-device", token=tokens[name])
    for token in bad_tokens[:-1]:
        h.send("anonymous", "POST", "/admin/officers/chief1/password", token=token, json_body={"password": "owned"})
    for path, body in (("/admin/officers/nobody/password", {"password": "x"}), ("/admin/officers/officer2/password", {"password": ""}),
                       ("/admin/officers/officer2/password", {"password": 5}), ("/admin/officers/%00%0a/password", {"password": "x"}),
                       ("/admin/officers/..%2f..%2f/password", {"password": "x"})):
        h.send("gateway", "POST", path, token=gateway, json_body=body)
    h.send("gateway", "DELETE", "/devices/" + "x" * 3000, token=gateway)
    h.send("gateway", "DELETE", "/devices/d", token=gateway, params={"username": "nobody"})

    # ---- the rest: unknown paths and methods, documentation, raw protocol abuse
    for method, path in (("PUT", "/ops"), ("PATCH", "/cases/x"), ("GET", "/ops"), ("OPTIONS", "/ops"), ("HEAD", "/changes"),
                         ("GET", "/../../etc/passwd"), ("GET", "/%2e%2e/%2e%2e/etc/passwd"), ("TRACE", "/sessions"),
                         ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/cases"), ("GET", "/uploads/" + "a" * 64)):
        h.send("officer3", method, path, token=tokens["officer3"])
    for raw in (b"GET /api/v1/changes HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
                b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
                b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n",
                b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n",
                b"GET /api/v1/x%0a%1b[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40,
                # Bodies that stall: announced 100 bytes, sent 10 (dropped with 408).
                (b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"ops\": [1"),
                b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"use",
                b"GET /api/v1/summary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tokens["officer3"].encode()
                + b"\r\nX-Device-Id: \xff\xfe\r\nConnection: close\r\n\r\n"):
        h.raw("anonymous" if b"Bearer" not in raw else "officer3", raw)

    # ---- expired tokens: move the server's clock past their life
    clock.advance(timedelta(hours=13))
    for name in ("officer2", "officer3"):
        for method, path in (("GET", "/changes"), ("GET", "/summary"), ("GET", "/reference"),
                             ("GET", f"/attachments/{secrets['1001'].attachment_id}")):
            r = h.send(name, method, path, token=tokens[name])
            assert r is not None and r.status_code == 401 and r.json()["code"] == "token_expired"
        r = h.send(name, "POST", "/ops", token=tokens[name], json_body={"ops": [op(a["id"], "claim")]})
        assert r is not None and r.status_code == 401

    took = time.monotonic() - started
    tally = h.tally
    print(f"\nhostile suite: {tally.sent} requests, {len(tally.errors_500)} answers of 500, "
          f"{len(tally.hangs)} hangs, {len(tally.leaks)} leaks, {took:.1f} s")
    assert tally.errors_500 == []
    assert tally.hangs == []
    assert tally.leaks == []
    assert tally.sent >= 150
    # The server is still well after all that: officer1 works as ever.
    officer1.login("officer1", PASSWORD)
    assert officer1.push(op(a["id"], "note", {"body": "仍可办理"}))[0]["outcome"] == "applied"
