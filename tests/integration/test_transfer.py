"""The client's attachment transfers (desk/transfer.py) against the real reference server,
directly and through the fault proxy: the answer to the last upload chunk lost after the
server committed, the link cut mid-upload and mid-download many times. Every file
arrives once, byte-identical, and the op that names it is applied once."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from datetime import UTC, datetime

import pytest
import requests

from central.seed_files import application_form, receipt_png
from desk import transfer
from desk.api import CentralClient, ServerRefused
from desk.wire import Op
from tests.faults.proxy import FaultProxy

MiB = 1024 * 1024


def _noise(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(n)


def photo(size: int, seed: int = 1) -> bytes:
    """A PNG head and `size` bytes in all: a phone photo as far as the server can tell."""
    head = receipt_png(f"photo-{seed}")
    return head + _noise(size - len(head), seed)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def client_for(url: str, username: str = "officer1") -> CentralClient:
    client = CentralClient(url, device_id=str(uuid.uuid4()), timeout=(5, 10))
    client.login(username, "demo-pass", "test")
    return client


def intake(server, **fields) -> dict:
    body = {"kind": "consultation", "category": "户政", "title": "户口迁移咨询", "body": "请问需要什么材料？",
            **fields}
    r = requests.post(f"{server.api}/intake", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def op(case_id: str, type_: str, payload: dict) -> Op:
    return Op(op_id=str(uuid.uuid4()), seq=1, case_id=case_id, type=type_, base_version=1,
              performed_at=datetime.now(UTC), payload=payload)


@pytest.fixture
def proxy(central_server):
    fault = FaultProxy("127.0.0.1", central_server.port)
    yield fault
    fault.stop()


def test_upload_then_download_directly(central_server):
    client = client_for(central_server.url)
    data = photo(int(2.5 * MiB))
    result = client.upload(io.BytesIO(data), sha256=sha(data), size=len(data))
    assert (result.sent, result.requests, result.resumed) == (len(data), 3, 0)
    assert client.upload_state(sha(data)) == transfer.UploadState(len(data), True, len(data))
    # Sending it again costs nothing: HEAD says the server has it.
    again = client.upload(io.BytesIO(data), sha256=sha(data), size=len(data))
    assert (again.sent, again.requests) == (0, 0)
    case = intake(central_server, unit_id=client.login("officer1", "demo-pass").officer.unit_id)
    client.push([op(case["id"], "claim", {})])
    res = client.push([op(case["id"], "note", {"body": "现场照片", "attachments": [
        {"sha256": sha(data), "name": "照片.png", "content_type": "image/png"}]})]).results[0]
    assert res.outcome == "applied" and res.case is not None
    att = res.case.attachments[0]
    sink = io.BytesIO()
    got = client.download(att.id, sink, sha256=att.sha256)
    assert sink.getvalue() == data and got.fetched == len(data) and got.size == len(data)
    # From an offset, with the bytes held: only the rest is fetched.
    half = len(data) // 2
    sink = io.BytesIO(data[:half])
    sink.seek(half)
    got = client.download(att.id, sink, sha256=att.sha256, offset=half, held=io.BytesIO(data[:half]))
    assert sink.getvalue() == data and got.fetched == len(data) - half
    # Everything held already: the server says 416, the hash is still checked.
    sink = io.BytesIO(data)
    sink.seek(len(data))
    assert client.download(att.id, sink, sha256=att.sha256, offset=len(data), held=io.BytesIO(data)).fetched == 0
    with pytest.raises(transfer.DigestMismatch):
        client.download(att.id, io.BytesIO(), sha256="0" * 64)
    with pytest.raises(ServerRefused) as refused:
        client_for(central_server.url, "officer3").download(att.id, io.BytesIO(), sha256=att.sha256)
    assert refused.value.status == 404


def test_refusals_are_typed_and_say_why(central_server):
    client = client_for(central_server.url)
    gif = b"GIF89a" + bytes(100)
    with pytest.raises(transfer.UploadRefused) as refused:
        client.upload(io.BytesIO(gif), sha256=sha(gif), size=len(gif))
    assert refused.value.code == "unsupported_type" and refused.value.status == 415
    data = application_form("mismatch")
    with pytest.raises(transfer.UploadRefused) as refused:
        client.upload(io.BytesIO(data), sha256=sha(b"another file"), size=len(data))
    assert refused.value.code == "hash_mismatch"
    with pytest.raises(ValueError):
        client.upload(io.BytesIO(data), sha256="NOT-A-HASH", size=len(data))


def test_the_answer_to_the_last_chunk_lost_after_the_server_committed(central_server, proxy):
    client = client_for(proxy.url)
    data = photo(3 * MiB + 1234, seed=2)
    size = len(data)

    def arm(done: int, total: int) -> None:
        # Before the last chunk goes out, arrange to lose its answer.
        if total - done <= MiB and done < total and not proxy.log.dropped:
            proxy.drop_answer("PATCH /api/v1/uploads")

    result = client.upload(io.BytesIO(data), sha256=sha(data), size=size, progress=arm, retry_delay=0.01)
    assert proxy.log.dropped == ["PATCH /api/v1/uploads/" + sha(data)]
    # HEAD after the lost answer found the file complete: the last chunk went once.
    assert result.resumed == 1 and proxy.count("PATCH") == 4 and result.requests == 4
    assert central_server.service.files.object_path(sha(data)).read_bytes() == data


def test_link_cut_many_times_mid_upload_and_mid_download(central_server, proxy):
    client = client_for(proxy.url)
    rng = random.Random(7)
    files = [photo(rng.randint(MiB // 2, 3 * MiB), seed=n) for n in range(3)]
    unit = client.login("officer1", "demo-pass").officer.unit_id
    case = intake(central_server, unit_id=unit)
    client.push([op(case["id"], "claim", {})])
    for data in files:
        for _ in range(4):
            proxy.cut_request("PATCH /api/v1/uploads", after=rng.randint(1, MiB // 2))
        proxy.cut_answer("PATCH /api/v1/uploads", after=rng.randint(0, 50))
        result = client.upload(io.BytesIO(data), sha256=sha(data), size=len(data), attempts=20, retry_delay=0.01)
        assert result.resumed >= 5
    refs = [{"sha256": sha(d), "name": f"照片{i}.png", "content_type": "image/png"} for i, d in enumerate(files)]
    note = op(case["id"], "note", {"body": "三张照片", "attachments": refs})
    # The op's answer is lost too: resent with the same op_id, it is applied once.
    proxy.drop_answer("POST /api/v1/ops")
    with pytest.raises(Exception):  # noqa: B017 - any transport failure is the point here
        client.push([note])
    res = client.push([note]).results[0]
    assert res.outcome == "duplicate" and res.case is not None
    atts = res.case.attachments
    assert [a.sha256 for a in atts] == [sha(d) for d in files]
    store = central_server.service.files
    for data in files:
        assert store.object_path(sha(data)).read_bytes() == data
    assert not any(store.partial.iterdir())

    for att, data in zip(atts, files, strict=True):
        for _ in range(4):
            proxy.cut_answer("GET /api/v1/attachments", after=rng.randint(300, len(data) // 2))
        before = proxy.bytes_to_client
        sink = io.BytesIO()
        got = client.download(att.id, sink, sha256=att.sha256, attempts=20, retry_delay=0.01)
        # (a cut past the end of a shorter resumed answer cuts nothing)
        assert sink.getvalue() == data and got.resumed >= 2
        # Resumed by Range: about the file once over the wire, never whole again.
        assert proxy.bytes_to_client - before < len(data) + 8 * 1024
