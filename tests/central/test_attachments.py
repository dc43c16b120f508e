"""Attachments on the reference server over real HTTP (the contract's "Attachments"):
downloads with Range and If-None-Match, resumable uploads by sha256, what ops may name,
who may read, the type read from the bytes, the limits, and the sweep of uploads never
named. The client side (desk/transfer.py) is tested in tests/integration/test_transfer.py."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
import requests

from central.seed_files import application_form, note_text, receipt_png
from tests.central.conftest import citizen, intake, op
from tests.central.server_fixture import backend_of
from tests.faults.proxy import FaultProxy

PARTIAL = "application/partial-upload"
MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def patch(officer: Any, data: bytes, offset: int, length: int, chunk: bytes | None = None,
          digest: str | None = None, **headers: str) -> requests.Response:
    body = data[offset:] if chunk is None else chunk
    hdrs = {"Content-Type": PARTIAL, "Upload-Offset": str(offset), "Upload-Length": str(length)}
    hdrs.update(headers)
    return officer.http.patch(officer.url(f"/uploads/{digest or sha(data)}"), data=body,
                              headers=hdrs, timeout=30)


def head(officer: Any, digest: str) -> requests.Response:
    return officer.http.head(officer.url(f"/uploads/{digest}"), timeout=30)


def upload(officer: Any, data: bytes) -> str:
    r = patch(officer, data, 0, len(data))
    assert r.status_code in (200, 201), r.text
    return sha(data)


def inline(name: str, data: bytes) -> dict[str, str]:
    return {"name": name, "data_base64": base64.b64encode(data).decode()}


def claimed_case(server: Any, officer: Any, **fields: Any) -> dict[str, Any]:
    case = intake(server, **fields)
    assert officer.push(op(case["id"], "claim"))[0]["outcome"] == "applied"
    return case


# ---------------------------------------------------------------- downloads


def test_download_honours_range_if_range_and_if_none_match(server, login):
    data = application_form("range") + bytes(range(256)) * 4
    case = intake(server, attachments=[inline("申请表.pdf", data)])
    att = case["attachments"][0]
    assert att["content_type"] == "application/pdf" and att["size"] == len(data)
    officer = login("officer1")
    url = f"/attachments/{att['id']}"
    whole = officer.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Content-Length"] == str(len(data)) and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["ETag"] == f'"{att["sha256"]}"'
    size = len(data)

    def ranged(spec: str, **extra: str) -> requests.Response:
        return officer.get(url, headers={"Range": spec, **extra})

    r = ranged("bytes=10-19")
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{size}" and r.headers["Content-Length"] == "10"
    assert ranged("bytes=-7").content == data[-7:]
    assert ranged(f"bytes={size - 5}-").content == data[-5:]
    # Past the end is cut to the end; overlapping ranges are merged into one.
    assert ranged(f"bytes={size - 3}-{size + 100}").content == data[-3:]
    r = ranged("bytes=0-10,5-20")
    assert r.status_code == 206 and r.content == data[:21]
    # Two ranges: multipart/byteranges with each part's Content-Range.
    r = ranged("bytes=0-4,100-104")
    assert r.status_code == 206 and r.headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert f"Content-Range: bytes 0-4/{size}".encode() in r.content and data[:5] in r.content
    assert f"Content-Range: bytes 100-104/{size}".encode() in r.content and data[100:105] in r.content
    # Nothing satisfiable: 416 with the size. A malformed header or another unit is ignored.
    r = ranged(f"bytes={size}-")
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{size}"
    assert r.json()["code"] == "range_not_satisfiable"
    for spec in ("bytes=abc", "bytes=20-10", "items=0-1", "bytes="):
        r = ranged(spec)
        assert r.status_code == 200 and r.content == data, spec
    # If-Range: the same ETag keeps the range, another validator gets the whole file.
    assert ranged("bytes=0-9", **{"If-Range": whole.headers["ETag"]}).status_code == 206
    assert ranged("bytes=0-9", **{"If-Range": '"other"'}).content == data
    # If-None-Match comes before Range.
    assert ranged("bytes=0-9", **{"If-None-Match": whole.headers["ETag"]}).status_code == 304
    r = officer.http.head(officer.url(url), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Length"] == str(size) and r.content == b""


def test_attachments_are_sent_as_they_are_never_gzipped(server, login):
    text = note_text("gzip") * 50
    case = intake(server, attachments=[inline("说明.txt", text)])
    officer = login("officer1")
    r = officer.get(f"/attachments/{case['attachments'][0]['id']}", headers={"Accept-Encoding": "gzip"},
                    stream=True)
    assert "Content-Encoding" not in r.headers and r.headers["Content-Length"] == str(len(text))
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.raw.read() == text


# ---------------------------------------------------------------- uploads


def test_resumable_upload_then_a_reply_carries_the_file(server, login):
    officer = login("officer1")
    case = claimed_case(server, officer)
    data = receipt_png("upload", 300, 400)
    digest, size = sha(data), len(data)
    assert head(officer, digest).status_code == 404
    third = size // 3
    r = patch(officer, data, 0, size, data[:third], **{"Upload-Complete": "?0"})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(third)
    h = head(officer, digest)
    assert h.status_code == 200 and h.headers["Upload-Offset"] == str(third)
    assert h.headers["Upload-Complete"] == "?0" and h.headers["Upload-Length"] == str(size)
    # A wrong offset: 409 with the server's offset.
    r = patch(officer, data, 0, size, data[:10])
    assert r.status_code == 409 and r.headers["Upload-Offset"] == str(third)
    assert r.json()["code"] == "offset_mismatch"
    r = patch(officer, data, third, size, data[third:2 * third])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(2 * third)
    r = patch(officer, data, 2 * third, size, **{"Upload-Complete": "?1"})
    assert r.status_code == 201 and r.headers["Upload-Offset"] == str(size)
    assert r.headers["Upload-Complete"] == "?1"
    h = head(officer, digest)
    assert h.headers["Upload-Complete"] == "?1" and h.headers["Upload-Offset"] == str(size)
    # The same file again costs nothing: 200 at once.
    assert patch(officer, data, 0, size, b"").status_code == 200

    result = officer.push(op(case["id"], "reply", {"body": "已收到，收据见附件。", "attachments": [
        {"sha256": digest, "name": "收据.png", "content_type": "image/jpeg"}]}))[0]
    assert result["outcome"] == "applied", result
    att = result["case"]["attachments"][-1]
    entry = result["case"]["entries"][-1]
    assert att["entry_id"] == entry["id"] and entry["type"] == "reply"
    # The type is the one the server read from the bytes, not the one the client claimed.
    assert att["content_type"] == "image/png" and att["size"] == size and att["sha256"] == digest
    assert officer.get(f"/attachments/{att['id']}").content == data


def test_a_file_named_by_many_cases_is_stored_once(server, login):
    officer = login("officer1")
    data = application_form("once")
    digest = upload(officer, data)
    for _ in range(3):
        case = claimed_case(server, officer)
        res = officer.push(op(case["id"], "note", {"body": "附表", "attachments": [
            {"sha256": digest, "name": "表.pdf", "content_type": "application/pdf"}]}))[0]
        assert res["outcome"] == "applied"
    intake(server, attachments=[inline("表.pdf", data)])
    store = server.service.files
    assert store.object_path(digest).read_bytes() == data
    assert sum(1 for p in store.objects.rglob("*") if p.is_file()) == 1
    with server.service.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM attachments WHERE sha256 = ?", (digest,)).fetchone()[0] == 4


def test_upload_refusals(server, login):
    officer = login("officer1")
    data = note_text("refusals")
    size = len(data)
    # Over the limit: 413 before a byte is read.
    r = patch(officer, data, 0, 20 * MiB + 1, data)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    # A type not allowed, from the bytes: GIF, a ZIP, text with a NUL.
    for bad in (b"GIF89a" + bytes(40), b"PK\x03\x04" + bytes(40), b"hello\x00world" * 3):
        r = patch(officer, bad, 0, len(bad))
        assert r.status_code == 415 and r.json()["code"] == "unsupported_type", bad[:8]
        assert head(officer, sha(bad)).status_code == 404
    # Text that breaks UTF-8 only after its first chunk is refused at completion.
    late = "正常的文字".encode() * 1000 + b"\xff\xfe"
    assert patch(officer, late, 0, len(late), late[:8192]).status_code == 204
    r = patch(officer, late, 8192, len(late))
    assert r.status_code == 415 and r.json()["code"] == "unsupported_type"
    # Bytes that do not hash to the name: 422 and the partial is dropped.
    wrong = sha(b"something else")
    r = patch(officer, data, 0, size, data, digest=wrong)
    assert r.status_code == 422 and r.json()["code"] == "hash_mismatch"
    assert head(officer, wrong).status_code == 404
    # Another media type, a name that is not a sha256, no offset, another length.
    assert patch(officer, data, 0, size, **{"Content-Type": "application/octet-stream"}).status_code == 415
    assert patch(officer, data, 0, size, digest="ABC").json()["code"] == "invalid_sha256"
    assert officer.http.patch(officer.url(f"/uploads/{sha(data)}"), data=data,
                              headers={"Content-Type": PARTIAL}, timeout=30).status_code == 400
    assert patch(officer, data, 0, size, data[:5]).status_code == 204
    r = patch(officer, data, 5, size + 1, data[5:])
    assert r.status_code == 400 and r.json()["code"] == "upload_length_mismatch"
    # Upload-Complete ?1 on bytes that end early.
    r = patch(officer, data, 5, size, data[5:10], **{"Upload-Complete": "?1"})
    assert r.status_code == 400 and r.json()["code"] == "upload_incomplete"
    # Over 1 MiB in one PATCH: refused by Content-Length, and while streaming without it.
    big = b"a" * (MiB + 10)
    assert patch(officer, big, 0, len(big)).status_code == 413

    def stream():
        for _ in range(20):
            yield b"a" * 65536

    r = officer.http.patch(officer.url(f"/uploads/{sha(big)}"), data=stream(), timeout=30, headers={
        "Content-Type": PARTIAL, "Upload-Offset": "0", "Upload-Length": str(len(big))})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert head(officer, sha(big)).headers["Upload-Offset"] == "0"


def test_ops_name_only_completed_uploads_of_their_officer(server, login):
    officer1, officer2 = login("officer1"), login("officer2")
    case = claimed_case(server, officer1)
    data = application_form("missing")
    ref = {"sha256": sha(data), "name": "表.pdf", "content_type": "application/pdf"}

    def reply(who: Any, refs: list[dict[str, str]]) -> dict[str, Any]:
        return who.push(op(case["id"], "reply", {"body": "见附件", "attachments": refs}))[0]

    res = reply(officer1, [ref])
    assert res["outcome"] == "rejected" and res["error"]["code"] == "upload_missing"
    assert patch(officer1, data, 0, len(data), data[:100]).status_code == 204
    assert reply(officer1, [ref])["error"]["code"] == "upload_missing"
    # Another officer's partial is theirs alone.
    assert head(officer2, sha(data)).status_code == 404
    assert patch(officer1, data, 100, len(data)).status_code == 201
    chief = login("chief1")
    res = chief.push(op(case["id"], "note", {"body": "附件", "attachments": [ref]}))[0]
    assert res["outcome"] == "rejected" and res["error"]["code"] == "upload_missing"
    # Too many files for one entry; names with folders or control characters.
    res = reply(officer1, [ref] * 11)
    assert res["outcome"] == "rejected" and res["error"]["code"] == "too_many_attachments"
    for name in ("../etc/passwd", "a\\b.pdf", "x\x1b[2J.pdf", " "):
        res = reply(officer1, [{**ref, "name": name}])
        assert res["outcome"] == "rejected" and res["error"]["code"] == "validation_failed", name
    res = reply(officer1, [ref, ref])
    assert res["outcome"] == "applied" and len(res["case"]["attachments"]) == 2
    # A callback carries files too; a reveal names an attachment of the case.
    res = officer1.push(op(case["id"], "callback", {"outcome": "reached", "body": "已电话告知",
                                                    "attachments": [ref]}))[0]
    assert res["outcome"] == "applied"
    assert res["case"]["attachments"][-1]["entry_id"] == res["case"]["entries"][-1]["id"]
    att_id = res["case"]["attachments"][0]["id"]
    res = officer1.push(op(case["id"], "reveal", {"field": "attachment", "attachment_id": att_id}))[0]
    assert res["outcome"] == "applied" and res["case"]["entries"][-1]["data"] == {
        "field": "attachment", "attachment_id": att_id}
    res = officer1.push(op(case["id"], "reveal", {"field": "attachment", "attachment_id": "nope"}))[0]
    assert res["outcome"] == "rejected" and res["error"]["code"] == "unknown_attachment"
    res = officer1.push(op(case["id"], "reveal", {"field": "attachment"}))[0]
    assert res["outcome"] == "rejected" and res["error"]["code"] == "validation_failed"


def test_whoever_may_see_the_case_or_held_it_may_read_its_files(server, login):
    officer1 = login("officer1")
    case = claimed_case(server, officer1)
    data = receipt_png("who")
    digest = upload(officer1, data)
    res = officer1.push(op(case["id"], "note", {"body": "照片", "attachments": [
        {"sha256": digest, "name": "照片.png", "content_type": "image/png"}]}))[0]
    url = f"/attachments/{res['case']['attachments'][0]['id']}"
    chief = login("chief1")
    assert chief.get(url).content == data
    assert chief.push(op(case["id"], "reassign", {"to_officer_id": "o-officer2", "reason": "调整"}))[0][
        "outcome"] == "applied"
    # officer1 held it before; officer2 holds it now; the other station sees nothing.
    assert officer1.get(url).content == data
    assert login("officer2").get(url).content == data
    for name in ("officer3", "chief2"):
        r = login(name).get(url, headers={"Range": "bytes=0-3"})
        assert r.status_code == 404 and r.json()["code"] == "not_found" and data[:4] not in r.content


def test_reference_lists_the_limits(server, login):
    limits = login("officer1").get("/reference").json()["limits"]
    assert limits == {"attachment_max_bytes": 20 * MiB, "attachments_per_entry": 10, "attachment_types": [
        "image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain"]}


def test_the_citizens_message_brings_the_missing_file(server, login):
    officer = login("officer1")
    case = claimed_case(server, officer)
    officer.push(op(case["id"], "accept"))
    res = officer.push(op(case["id"], "set_status", {"to": "waiting_citizen", "reason": "请补充收据照片"}))[0]
    assert res["case"]["status"] == "waiting_citizen"
    photo = receipt_png("citizen")
    r = citizen(server, case["id"], type="message", body="收据照片已上传。", attachments=[inline("收据.png", photo)])
    assert r.status_code == 201, r.text
    after = r.json()
    message = next(e for e in after["entries"] if e["type"] == "citizen_message")
    att = after["attachments"][-1]
    assert after["status"] == "in_progress" and att["entry_id"] == message["id"]
    assert att["content_type"] == "image/png" and officer.get(f"/attachments/{att['id']}").content == photo
    # A citizen's file of a refused type is refused with the reason.
    r = citizen(server, case["id"], type="message", body="再传一个",
                attachments=[inline("x.gif", b"GIF89a" + bytes(9))])
    assert r.status_code == 415 and r.json()["code"] == "unsupported_type"


def test_unnamed_uploads_are_swept_after_seven_days(server, login, clock):
    officer = login("officer1")
    case = claimed_case(server, officer)
    named, unnamed, partial = application_form("named"), receipt_png("unnamed"), note_text("partial")
    upload(officer, named)
    upload(officer, unnamed)
    assert patch(officer, partial, 0, len(partial), partial[:20]).status_code == 204
    officer.push(op(case["id"], "note", {"body": "附件", "attachments": [
        {"sha256": sha(named), "name": "表.pdf", "content_type": "application/pdf"}]}))
    store = server.service.files
    clock.advance(timedelta(days=6, hours=23))
    officer = login("officer1")  # the old token expired with the clock
    assert patch(officer, b"x" * 40, 0, 40, b"x" * 40).status_code == 201  # upload traffic runs the sweep
    assert head(officer, sha(unnamed)).status_code == 200
    clock.advance(timedelta(days=1, hours=2))
    officer = login("officer1")
    assert head(officer, sha(b"y" * 40)).status_code == 404
    assert patch(officer, b"y" * 40, 0, 40, b"y" * 40).status_code == 201
    for gone in (unnamed, partial):
        assert head(officer, sha(gone)).status_code == 404
    assert not store.object_path(sha(unnamed)).exists()
    assert not store.partial_path(sha(partial), officer.officer_id).exists()
    # The named file stays, for as long as its case names it.
    assert store.object_path(sha(named)).read_bytes() == named
    assert head(officer, sha(named)).headers["Upload-Complete"] == "?1"


# ---------------------------------------------------------------- cut links


def test_a_download_and_an_upload_cut_halfway_go_on_from_where_they_broke(server, login):
    officer = login("officer1")
    # A photo with some noise after it: big enough that the cut falls well inside it.
    data = receipt_png("cut", 400, 500) + b"".join(hashlib.sha256(bytes([i % 256, i // 256])).digest()
                                                   for i in range(10000))
    proxy = FaultProxy("127.0.0.1", server.port)
    try:
        via = requests.Session()
        via.headers.update(officer.http.headers)
        api = f"{proxy.url}/api/v1"
        digest, size = sha(data), len(data)
        # The upload: the link dies after half the bytes of the PATCH reached the server.
        proxy.cut_request("PATCH /api/v1/uploads", after=size // 2)
        hdrs = {"Content-Type": PARTIAL, "Upload-Offset": "0", "Upload-Length": str(size)}
        try:
            via.patch(f"{api}/uploads/{digest}", data=data, headers=hdrs, timeout=30)
            raise AssertionError("the cut link answered")
        except requests.ConnectionError:
            pass
        held = int(head(officer, digest).headers["Upload-Offset"])
        assert 0 < held <= size // 2
        r = via.patch(f"{api}/uploads/{digest}", data=data[held:], timeout=30,
                      headers={**hdrs, "Upload-Offset": str(held)})
        assert r.status_code == 201
        case = claimed_case(server, officer)
        res = officer.push(op(case["id"], "note", {"body": "附件", "attachments": [
            {"sha256": digest, "name": "照片.png", "content_type": "image/png"}]}))[0]
        url = f"{api}/attachments/{res['case']['attachments'][0]['id']}"
        # The download: the answer is cut after half the file; the rest comes by Range.
        proxy.cut_answer("GET /api/v1/attachments", after=size // 2)
        got = b""
        try:
            with via.get(url, stream=True, timeout=30, headers={"Accept-Encoding": "identity"}) as r:
                for block in r.iter_content(1024):
                    got += block
            raise AssertionError("the cut link answered in full")
        except requests.exceptions.RequestException:
            pass
        assert 0 < len(got) < size
        before = proxy.bytes_to_client
        r = via.get(url, timeout=30, headers={"Range": f"bytes={len(got)}-", "If-Range": f'"{digest}"'})
        assert r.status_code == 206 and got + r.content == data
        assert proxy.bytes_to_client - before < size - len(got) + 1000
    finally:
        proxy.stop()


def test_a_database_that_kept_bytes_in_its_rows_is_migrated_to_the_blob_folder(server, login):
    if backend_of(server.db_path) != "sqlite":
        pytest.skip("only SQLite databases ever kept attachment bytes in their rows")
    data = application_form("migrated")
    case = intake(server, attachments=[inline("表.pdf", data)])
    att = case["attachments"][0]
    server.stop()
    # The form before the blob folder: the bytes in attachments.data, no blob rows.
    with sqlite3.connect(server.db_path) as conn:
        conn.execute("ALTER TABLE attachments ADD COLUMN data BLOB NOT NULL DEFAULT x''")
        conn.execute("UPDATE attachments SET data = ?", (data,))
        conn.execute("DELETE FROM blobs")
    server.service.files.object_path(att["sha256"]).unlink()
    server.start()
    assert login("officer1").get(f"/attachments/{att['id']}").content == data
    with sqlite3.connect(server.db_path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(attachments)")}
        assert "data" not in columns
        assert conn.execute("SELECT size, content_type FROM blobs").fetchall() == [(len(data), "application/pdf")]
