"""The desk's attachments end to end against the real reference server on loopback:
files attached to replies, notes and callbacks go into the encrypted cache at once, are
uploaded before their op (resuming after any break), and the op is delivered once with
its files; open cases' files are downloaded after each pull (resumed with Range); limits
refuse a file before it is queued; the CLI lists, saves (recording the reveal) and
attaches."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import threading
from pathlib import Path

import pytest
import requests

from central.seed_files import application_form, receipt_png
from desk.actions import ActionRefused, Actions
from desk.session import open_offline
from desk.wire import API_PREFIX
from tests.faults import harness
from tests.faults.proxy import FaultProxy

MiB = 1024 * 1024


def photo(size: int, seed: int = 1) -> bytes:
    head = receipt_png(f"photo-{seed}")
    return head + random.Random(seed).randbytes(size - len(head))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def proxy(central_server):
    fault = FaultProxy("127.0.0.1", central_server.port)
    yield fault
    fault.stop()


def intake(server, unit_id: str, files: list[tuple[str, bytes]] = (), **fields) -> dict:
    body = {"kind": "application", "category": "户政", "title": "居住证申领", "body": "材料见附件",
            "citizen": {"name": "李秀英", "phone": "13800138000"}, "unit_id": unit_id,
            "attachments": [{"name": n, "data_base64": base64.b64encode(d).decode()} for n, d in files], **fields}
    r = requests.post(f"{server.url}{API_PREFIX}/intake", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {server.gateway_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def chief_adds_file(server, case: dict, name: str, data: bytes) -> None:
    """A file too big for an intake (1 MiB a request): the unit's supervisor uploads it
    and notes it on the case, through the API."""
    import io
    import uuid
    from datetime import UTC, datetime

    from desk.api import CentralClient
    from desk.wire import Op

    client = CentralClient(server.url, device_id=str(uuid.uuid4()))
    try:
        client.login("chief1", harness.PASSWORD, "chief desk")
        client.upload(io.BytesIO(data), sha256=sha(data), size=len(data))
        op = Op(op_id=str(uuid.uuid4()), seq=1, case_id=case["id"], type="note", base_version=case["version"],
                performed_at=datetime.now(UTC), payload={"body": "群众补充材料", "attachments": [
                    {"sha256": sha(data), "name": name, "content_type": "image/png"}]})
        result = client.push([op]).results[0]
        assert result.outcome == "applied", result
    finally:
        client.close()


def server_case(server, case_id: str) -> dict:
    case = harness.server_case(server, "chief1", case_id)
    assert case is not None
    return case


def arrived_once(server, case: dict, op_id: str, files: list[bytes]) -> None:
    """The op's entry is on the server once, with each file once, byte-identical."""
    entries = [e for e in case["entries"] if e.get("op_id") == op_id]
    assert len(entries) == 1, f"op {op_id} applied {len(entries)} times"
    mine = [a for a in case["attachments"] if a["entry_id"] == entries[0]["id"]]
    assert sorted(a["sha256"] for a in mine) == sorted(sha(d) for d in files)
    for data in files:
        assert server.service.files.object_path(sha(data)).read_bytes() == data


def claimed_case(server, session, files=()) -> dict:
    case = intake(server, session.officer.unit_id, files)
    assert harness.engine_for(session).run_cycle().finished
    Actions(session.store, session.actor).claim(case["id"])
    assert harness.engine_for(session).run_cycle().finished
    return case


# ---------------------------------------------------------------- round trip and limits


def test_attached_files_are_cached_sent_before_the_op_and_listed(tmp_path, env, central_server):
    session = harness.open_desk(central_server.url, "officer1", tmp_path)
    case = claimed_case(central_server, session)
    img, text = photo(int(1.5 * MiB)), "现场照片说明：门牌号 12 号\n".encode()
    (tmp_path / "照片.png").write_bytes(img)
    (tmp_path / "说明.txt").write_bytes(text)
    actions = Actions(session.store, session.actor)
    op_id = actions.note(case["id"], "补充现场照片", attachments=[tmp_path / "照片.png", tmp_path / "说明.txt"])
    files = session.store.case_files(case["id"])
    assert [(f.name, f.direction, f.cached, f.uploaded, f.content_type) for f in files] == [
        ("照片.png", "out", True, 0, "image/png"), ("说明.txt", "out", True, 0, "text/plain")]
    assert [f.sha256 for f in session.store.upload_progress()] == [sha(img), sha(text)]
    assert session.store.file_bytes(sha(img)) == img
    report = harness.engine_for(session).run_cycle()
    assert report.finished and report.uploaded == 2 and report.applied == 1
    arrived_once(central_server, server_case(central_server, case["id"]), op_id, [img, text])
    # Now the server's files, still cached (no download needed), and nothing left to send.
    assert session.store.upload_progress() == []
    files = session.store.case_files(case["id"])
    assert {(f.name, f.direction, f.cached) for f in files} == {("照片.png", "in", True), ("说明.txt", "in", True)}
    assert all(f.attachment_id for f in files)


def test_open_cases_files_are_downloaded_after_the_pull_nearest_due_first(tmp_path, env, central_server):
    session = harness.open_desk(central_server.url, "officer1", tmp_path)
    form, receipt = application_form("申请表"), receipt_png("收据")
    case = intake(central_server, session.officer.unit_id, [("申请表.pdf", form), ("收据.png", receipt)])
    steps: list[str] = []
    report = harness.engine_for(session).run_cycle(progress=lambda f, m: steps.append(m))
    assert report.finished and report.downloaded == 2, report
    assert any(m.startswith("downloading file") for m in steps)
    files = session.store.case_files(case["id"])
    assert [(f.name, f.cached, f.direction) for f in files] == [("申请表.pdf", True, "in"), ("收据.png", True, "in")]
    assert session.store.file_bytes(sha(form)) == form
    # A second cycle fetches nothing again.
    assert harness.engine_for(session).run_cycle().downloaded == 0


def test_budget_skips_files_and_a_failing_file_does_not_stop_the_sync(tmp_path, env, central_server):
    from desk.attachments import Budget

    session = harness.open_desk(central_server.url, "officer1", tmp_path)
    big, small = photo(2 * MiB, seed=3), receipt_png("小")
    chief_adds_file(central_server, intake(central_server, session.officer.unit_id, [("小.png", small)]),
                    "大.png", big)
    session.store.attachment_budget = Budget(max_file_bytes=MiB, max_total_bytes=10 * MiB)
    report = harness.engine_for(session).run_cycle()
    assert report.finished and report.downloaded == 1 and report.files_skipped == 1
    assert session.store.file_bytes(sha(big)) is None and session.store.file_bytes(sha(small)) == small


def test_limits_refuse_a_file_before_it_is_queued_with_the_reason(tmp_path, env, central_server):
    session = harness.open_desk(central_server.url, "officer1", tmp_path)
    case = claimed_case(central_server, session)
    actions = Actions(session.store, session.actor)
    limits = actions.limits()
    assert limits.attachment_max_bytes == 20 * MiB
    too_big = tmp_path / "big.png"
    too_big.write_bytes(photo(limits.attachment_max_bytes + 1))
    gif = tmp_path / "photo.jpg"  # named a JPEG, bytes of a GIF: the bytes decide
    gif.write_bytes(b"GIF89a" + bytes(200))
    exe = tmp_path / "readme.txt"
    exe.write_bytes(b"MZ\x90\x00\x03" + bytes(100))
    before = session.store.outbox_count()
    for path, code, words in [(too_big, "too_large", "larger than the server accepts"),
                              (gif, "unsupported_type", "image/gif"),
                              (exe, "unsupported_type", "no known type"),
                              (tmp_path / "missing.pdf", "unreadable_file", "cannot be read")]:
        with pytest.raises(ActionRefused) as refused:
            actions.reply(case["id"], "请查收", attachments=[path])
        assert refused.value.code == code and words in refused.value.message and path.name in refused.value.message
    many = []
    for i in range(limits.attachments_per_entry + 1):
        many.append(tmp_path / f"{i}.txt")
        many[-1].write_text(f"第 {i} 份", "utf-8")
    with pytest.raises(ActionRefused) as refused:
        actions.note(case["id"], "材料", attachments=many)
    assert refused.value.code == "too_many_files"
    assert session.store.outbox_count() == before and session.store.upload_progress() == []
    assert session.store.attachment_usage() == 0
    assert actions.check_attachment(application_form("x"), "申请表.pdf").content_type == "application/pdf"


# ---------------------------------------------------------------- through the fault proxy


def test_the_answer_to_the_last_upload_chunk_lost_after_the_server_committed(tmp_path, env, central_server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    case = claimed_case(central_server, session)
    data = photo(3 * MiB + 777, seed=5)
    (tmp_path / "p.png").write_bytes(data)
    op_id = Actions(session.store, session.actor).reply(case["id"], "照片已收到", attachments=[tmp_path / "p.png"])
    seen = {"n": 0}

    def on_request(line: str) -> None:
        if line.startswith("PATCH /api/v1/uploads"):
            seen["n"] += 1
            if seen["n"] == 4:  # the last of four chunks: its answer is lost after the commit
                proxy.drop_answer("PATCH /api/v1/uploads")

    proxy.on_request = on_request
    report = harness.engine_for(session).run_cycle()
    assert report.finished, report.error
    assert proxy.log.dropped == [f"PATCH /api/v1/uploads/{sha(data)}"]
    assert proxy.count("PATCH") == 4, "HEAD found the file complete: the last chunk went once"
    arrived_once(central_server, server_case(central_server, case["id"]), op_id, [data])


def test_link_cut_many_times_mid_upload_and_mid_download(tmp_path, env, central_server, proxy):
    rng = random.Random(7)
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    incoming = photo(3 * MiB, seed=8)
    case = claimed_case(central_server, session)
    # Files of another case for the download side; the claimed case's are the officer's.
    other = intake(central_server, session.officer.unit_id)
    chief_adds_file(central_server, other, "材料.png", incoming)
    outgoing = [photo(2 * MiB + i, seed=10 + i) for i in range(3)]
    op_ids = []
    for i, data in enumerate(outgoing):
        path = tmp_path / f"out{i}.png"
        path.write_bytes(data)
        op_ids.append(Actions(session.store, session.actor).note(case["id"], f"材料 {i}", attachments=[path]))
    for _ in range(6):
        proxy.cut_request("PATCH /api/v1/uploads", after=rng.randint(1000, MiB // 2))
    for _ in range(4):
        proxy.cut_answer("GET /api/v1/attachments", after=rng.randint(2000, MiB))
    proxy.drop_answer("POST /api/v1/ops")  # and the push's answer once, after the server applied it
    finished = False
    for _ in range(15):
        report = harness.engine_for(session).run_cycle()
        if report.finished and session.store.outbox_count() == 0 and session.store.has_file(sha(incoming)):
            finished = True
            break
    assert finished, "delivered and downloaded after the breaks"
    got = server_case(central_server, case["id"])
    for op_id, data in zip(op_ids, outgoing, strict=True):
        arrived_once(central_server, got, op_id, [data])
    assert session.store.file_bytes(sha(incoming)) == incoming
    assert other["id"] in {f.case_id for f in session.store.case_files(other["id"])}


def test_days_offline_fifty_files_across_twenty_cases_then_delivery(tmp_path, env, central_server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    unit = session.officer.unit_id
    cases = [intake(central_server, unit) for _ in range(20)]
    engine = harness.engine_for(session)
    assert engine.run_cycle().finished
    actions = Actions(session.store, session.actor)
    for c in cases:
        actions.claim(c["id"])
    assert engine.run_cycle().finished
    proxy.go_offline()
    sent: list[tuple[str, str, list[bytes]]] = []
    n = 0
    for day in range(3):
        for i, c in enumerate(cases):
            if n >= 50:
                break
            count = 1 if (i + day) % 3 else 2
            count = min(count, 50 - n)
            datas = []
            paths = []
            for k in range(count):
                data = (f"第 {day} 天 走访材料 {i}-{k}\n" * 40).encode() if k else photo(40_000 + n, seed=100 + n)
                path = tmp_path / f"f{n}.{'txt' if k else 'png'}"
                path.write_bytes(data)
                datas.append(data)
                paths.append(path)
                n += 1
            sent.append((c["id"], actions.note(c["id"], f"第 {day} 天 材料", attachments=paths), datas))
        assert not engine.run_cycle().finished  # offline
    assert n == 50
    assert len(session.store.upload_progress()) == 50
    proxy.go_online()
    report = engine.run_cycle()
    assert report.finished, report.error
    assert report.uploaded == 50 and report.applied == len(sent)
    by_case = harness.server_cases(central_server, "chief1")
    for case_id, op_id, datas in sent:
        arrived_once(central_server, by_case[case_id], op_id, datas)
    assert session.store.outbox_count() == 0 and session.store.upload_progress() == []


def test_upload_missing_is_sent_again_once(tmp_path, env, central_server):
    session = harness.open_desk(central_server.url, "officer1", tmp_path)
    case = claimed_case(central_server, session)
    data = application_form("补充材料")
    (tmp_path / "a.pdf").write_bytes(data)
    op_id = Actions(session.store, session.actor).note(case["id"], "材料", attachments=[tmp_path / "a.pdf"])
    # The desk believes the upload done, the server never got it (swept, restored backup...).
    session.store.set_uploaded(sha(data), len(data), complete=True)
    report = harness.engine_for(session).run_cycle()
    assert report.finished and not session.store.conflicts(), [c.error for c in session.store.conflicts()]
    assert report.applied == 1 and report.uploaded == 1 and report.rejected == 0
    # Sent again as a new op (the server keeps its answer to the first op_id), once.
    resolved = session.store.conflict(op_id)
    assert resolved is not None and resolved.resolution == "retry" and resolved.new_op_id
    got = server_case(central_server, case["id"])
    assert [e["body"] for e in got["entries"] if e["type"] == "note"] == ["材料"]
    arrived_once(central_server, got, resolved.new_op_id, [data])


def test_sigkill_mid_upload_then_restart_delivers_once(tmp_path, env, central_server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path, name="kill")
    case = claimed_case(central_server, session)
    data = photo(6 * MiB, seed=21)
    (tmp_path / "big.png").write_bytes(data)
    op_id = Actions(session.store, session.actor).note(case["id"], "大照片", attachments=[tmp_path / "big.png"])
    profile = session.profile.path
    session.close()
    killed = threading.Event()
    box: dict = {}
    seen = {"n": 0}

    def on_response(line: str) -> None:
        # The third chunk committed on the server; the desk dies before it hears so.
        if line.startswith("PATCH /api/v1/uploads"):
            seen["n"] += 1
            if seen["n"] == 3 and not killed.is_set():
                killed.set()
                os.kill(box["proc"].pid, signal.SIGKILL)

    proxy.on_response = on_response
    box["proc"] = harness.start_desk_cli(["--profile", str(profile), "sync"], env)
    box["proc"].wait(timeout=120)
    assert killed.is_set() and box["proc"].returncode == -signal.SIGKILL
    proxy.on_response = lambda line: None
    held = central_server.service.files.state(session.officer.id, sha(data))
    assert held is not None and 0 < held.offset < len(data)
    done = harness.desk_cli(["--profile", str(profile), "sync"], env)
    assert done.returncode == 0, done.stderr
    arrived_once(central_server, server_case(central_server, case["id"]), op_id, [data])
    assert proxy.count("PATCH /api/v1/uploads") == 6, "the restart went on from the server's offset (3 + 3)"
    again = open_offline(profile, harness.PASSWORD)
    try:
        assert again.store.outbox_count() == 0 and again.store.upload_progress() == []
    finally:
        again.close()


# ---------------------------------------------------------------- no plaintext on disk


def _scan(folder: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path} holds needle {i}" for i, n in enumerate(needles) if n in content]
    return found


def test_no_plaintext_of_attached_or_downloaded_files_in_the_profile_or_temp_folder(tmp_path, env, central_server):
    marker = "MARKER-户籍材料-7f3a9c-明文不得落盘"
    text = (f"{marker}\n" * 50).encode()
    image = photo(300_000, seed=42)
    incoming_text = f"INCOMING-{marker}-来件\n".encode() * 30
    incoming_image = photo(200_000, seed=43)
    source = tmp_path / "sources"
    source.mkdir()
    (source / "说明.txt").write_bytes(text)
    (source / "照片.png").write_bytes(image)
    profile = tmp_path / "client-profile"
    temp = tmp_path / "client-temp"
    temp.mkdir()
    cli_env = dict(env, TMPDIR=str(temp), TEMP=str(temp), TMP=str(temp))
    unit = harness.officer_unit(central_server, "officer1")
    case = intake(central_server, unit, [("来件.txt", incoming_text), ("来件.png", incoming_image)])

    def desk(*args: str) -> None:
        r = harness.desk_cli(["--profile", str(profile), *args], cli_env)
        assert r.returncode == 0, r.stderr

    desk("login", "--server", central_server.url, "--username", "officer1")
    desk("sync")
    desk("claim", case["id"])
    desk("note", case["id"], "--body", "材料", "--attach", str(source / "说明.txt"),
         "--attach", str(source / "照片.png"))
    desk("sync")
    desk("attachments", case["id"])
    desk("sync")
    got = server_case(central_server, case["id"])
    assert {a["sha256"] for a in got["attachments"]} == {sha(text), sha(image), sha(incoming_text),
                                                         sha(incoming_image)}
    needles = [marker.encode(), image[1000:1064], incoming_image[5000:5064], b"INCOMING-"]
    assert _scan(profile, needles) == []
    assert _scan(temp, needles) == []
    session = open_offline(profile, harness.PASSWORD)
    try:  # and yet the cache holds them all
        assert session.store.file_bytes(sha(incoming_text)) == incoming_text
        assert session.store.file_bytes(sha(image)) == image
    finally:
        session.close()


# ---------------------------------------------------------------- the CLI


def test_cli_lists_saves_with_the_reveal_recorded_and_attaches(tmp_path, env, central_server):
    unit = harness.officer_unit(central_server, "officer1")
    form = application_form("申请表")
    case = intake(central_server, unit, [("申请表\u202e.pdf", form)])
    profile = tmp_path / "p"

    def desk(*args: str):
        return harness.desk_cli(["--profile", str(profile), *args], env)

    assert desk("login", "--server", central_server.url, "--username", "officer1").returncode == 0
    assert desk("sync").returncode == 0
    listed = desk("attachments", case["id"], "--json")
    assert listed.returncode == 0, listed.stderr
    files = json.loads(listed.stdout)
    assert [(f["name"], f["content_type"], f["size"], f["cached"], f["entry_id"]) for f in files] == [
        ("申请表.pdf", "application/pdf", len(form), True, None)]  # the bidi control cleaned
    plain = desk("attachments", case["id"])
    assert "申请表.pdf" in plain.stdout and "cached" in plain.stdout and "\u202e" not in plain.stdout
    att_id = files[0]["id"]
    dest = tmp_path / "out" / "form.pdf"
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    refused = desk("attachment", case["id"], att_id, "--save", str(dest))
    assert refused.returncode != 0 and "--force" in refused.stderr and dest.read_bytes() == b"old"
    # A reveal is for whoever holds (or held) the case: refused before a byte is written.
    early = desk("attachment", case["id"], att_id, "--save", str(dest), "--force")
    assert early.returncode != 0 and "never held" in early.stderr and dest.read_bytes() == b"old"
    assert desk("claim", case["id"]).returncode == 0
    saved = desk("attachment", case["id"], att_id, "--save", str(dest), "--force")
    assert saved.returncode == 0, saved.stderr
    assert "outside the encrypted cache" in saved.stdout and dest.read_bytes() == form
    (tmp_path / "回执.png").write_bytes(receipt_png("回执"))
    (tmp_path / "记录.txt").write_text("回访记录", "utf-8")
    assert desk("reply", case["id"], "--body", "已收到", "--attach", str(tmp_path / "回执.png")).returncode == 0
    assert desk("callback", case["id"], "--outcome", "reached", "--body", "已回访",
                "--attach", str(tmp_path / "记录.txt")).returncode == 0
    bad = tmp_path / "x.gif"
    bad.write_bytes(b"GIF89a" + bytes(10))
    no = desk("note", case["id"], "--body", "动图", "--attach", str(bad))
    assert no.returncode != 0 and "image/gif" in no.stderr
    assert desk("sync").returncode == 0
    got = server_case(central_server, case["id"])
    reveals = [e for e in got["entries"] if e["type"] == "reveal"]
    assert [(e["data"] or {}).get("field") for e in reveals] == ["attachment"]
    assert (reveals[0]["data"] or {}).get("attachment_id") == att_id
    names = sorted(a["name"] for a in got["attachments"])
    assert names == sorted(["申请表\u202e.pdf", "回执.png", "记录.txt"])
