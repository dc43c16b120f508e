"""The attachments room of the store: bytes chunked inside the encrypted cache, stored
once, read back at any offset, a download resumed from what was committed, eviction
that never drops an officer's queued file, and migration 9 over an older cache."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import timedelta

import sqlcipher3
from test_store_factory import MONDAY, key, make_case, op, open_store, upsert

from central import blobs
from desk import attachments
from desk.attachments import Budget, CheckedFile, sniff, sniff_type
from desk.store import Store, schema
from desk.store.attachments import CHUNK, Wanted

MiB = 1024 * 1024


def checked(data: bytes, name: str = "a.txt", content_type: str = "text/plain") -> CheckedFile:
    return CheckedFile(hashlib.sha256(data).hexdigest(), name, content_type, len(data), data)


def case_with_files(n: int, files: list[bytes], **kw):
    case = make_case(n, **kw).model_dump(mode="json")
    case["attachments"] = [{"id": f"case-{n}-a{i}", "entry_id": None, "name": f"f{i}.png",
                            "content_type": "image/png", "size": len(d),
                            "sha256": hashlib.sha256(d).hexdigest()} for i, d in enumerate(files)]
    return case


def test_one_copy_of_the_sniffing_rules_shared_with_central():
    assert blobs.sniff is attachments.sniff
    assert sniff_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_type("中文".encode()[:-1]) is None and sniff("中文".encode()[:-1], whole=False) == "text/plain"
    assert sniff_type(b"MZ\x00\x01") is None


def test_bytes_are_chunked_stored_once_and_read_at_any_offset(tmp_path):
    store = open_store(tmp_path)
    data = random.Random(1).randbytes(3 * CHUNK + 123)
    f = checked(data, "p.bin", "image/png")
    with store._write() as conn:
        store._keep_files(conn, [f])
        store._keep_files(conn, [f])  # the same file again: stored once
    assert store._read("SELECT count(*) FROM blobs")[0][0] == 1
    assert store._read("SELECT count(*) FROM blob_chunks")[0][0] == 4
    assert store.file_bytes(f.sha256) == data
    reader = store.blob_reader(f.sha256)
    assert reader is not None and reader.size == len(data)
    reader.seek(CHUNK - 10)
    assert reader.read(CHUNK + 20) == data[CHUNK - 10:2 * CHUNK + 10]
    reader.seek(len(data) - 5)
    assert reader.read(100) == data[-5:] and reader.read(1) == b""
    assert store.attachment_usage() == len(data)


def test_a_download_commits_as_it_goes_and_resumes_from_what_is_held(tmp_path):
    k = key()
    store = Store.open(tmp_path / "cache.db", k)
    data = random.Random(2).randbytes(2 * CHUNK + 999)
    sha = hashlib.sha256(data).hexdigest()
    want = Wanted("a1", "case-1", sha, len(data), "image/png", 0)
    writer = store.download_writer(want)
    writer.write(data[:CHUNK + 100])
    writer.flush()  # what desk.filesync does when the link breaks
    store.close()  # as if the desk was killed here: what was flushed is committed
    reopened = Store.open(tmp_path / "cache.db", k)
    writer = reopened.download_writer(want)
    assert writer.held == CHUNK + 100
    held = reopened.blob_reader(sha)
    assert held is not None and held.read(writer.held) == data[:CHUNK + 100]
    assert reopened.file_bytes(sha) is None, "not whole yet"
    writer.write(data[CHUNK + 100:])
    writer.flush()
    reopened.finish_download(sha, len(data))
    assert reopened.file_bytes(sha) == data and reopened.has_file(sha)
    # The server sent the whole file again: the sink starts over.
    writer.seek(0)
    writer.truncate()
    assert reopened.file_bytes(sha) is None and reopened.attachment_usage() == 0
    reopened.close()


def test_eviction_keeps_open_cases_and_queued_files_and_drops_expired_ones(tmp_path):
    store = open_store(tmp_path)
    open_file, closed_file, mine = b"open" * 100, b"closed" * 100, b"mine" * 100
    cases = [case_with_files(1, [open_file]), case_with_files(2, [closed_file], status="closed")]
    cases[1]["clocks"][0]["stopped_at"] = (MONDAY + timedelta(days=1)).isoformat()
    cases[1]["clocks"][0]["clock"] = "close"
    from desk.wire import Case

    store.apply_changes([upsert(Case.model_validate(c), seq=i + 1) for i, c in enumerate(cases)], "c2")
    for data in (open_file, closed_file):
        sha = hashlib.sha256(data).hexdigest()
        w = store.download_writer(Wanted("x", "case", sha, len(data), "image/png", 0))
        w.write(data)
        w.flush()
        store.finish_download(sha, len(data))
    note = op("case-1", "note", {"body": "附件", "attachments": [
        {"sha256": checked(mine).sha256, "name": "我的.txt", "content_type": "text/plain"}]})
    store.enqueue(note, files=[checked(mine, "我的.txt")])
    # Within the retention nothing goes; long after it, only the closed case's file.
    assert store.evict_files(MONDAY + timedelta(days=2)) == 0
    assert store.evict_files(MONDAY + timedelta(days=200)) == 1
    assert store.file_bytes(hashlib.sha256(closed_file).hexdigest()) is None
    assert store.file_bytes(hashlib.sha256(open_file).hexdigest()) == open_file
    assert store.file_bytes(checked(mine).sha256) == mine, "an officer's queued file is never evicted"
    files = store.case_files("case-1")
    assert [(f.name, f.direction, f.entry_id) for f in files] == [
        ("f0.png", "in", None), ("我的.txt", "out", f"local-{note.op_id}")]
    assert [f.name for f in store.upload_progress()] == ["我的.txt"]
    store.set_uploaded(checked(mine).sha256, len(mine), complete=True)
    assert store.upload_progress() == []
    assert [w.case_id for w in store.wanted_files()] == [], "held files are not wanted again"
    store.close()


def _older_cache(path, version: int, cases: list[dict]) -> bytes:
    """A cache at schema `version` holding `cases` as views; its key."""
    k = key()
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{k.hex()}'\"")
    schema.migrate(conn, target=version)
    for case in cases:
        conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, data) "
                     "VALUES (?, ?, ?, 'new', 's1', ?)", (case["id"], case["number"], case["title"], json.dumps(case)))
    conn.close()
    return k


def test_migration_9_adds_the_file_tables_to_an_older_cache(tmp_path):
    k = _older_cache(tmp_path / "c.db", 6, [make_case(3).model_dump(mode="json")])
    store = Store.open(tmp_path / "c.db", k)
    assert schema.version(store.conn) == schema.LATEST == 11
    assert store.case_files("case-3") == [] and store.wanted_files() == []
    assert store.inspect()["missing_tables"] == []
    store.close()


def test_budget_comes_from_the_profile_settings():
    assert Budget.from_config({}) == Budget(20 * MiB, 2048 * MiB)
    assert Budget.from_config({"max_file_mib": 5, "max_total_mib": 100}) == Budget(5 * MiB, 100 * MiB)
    assert Budget.from_config({"max_file_mib": "lots", "max_total_mib": -1}) == Budget()
    assert Budget.from_config(None) == Budget()


def test_migration_10_counts_the_files_of_cached_cases_and_the_scan_reads_only_those(tmp_path):
    with_file = make_case(4).model_dump(mode="json")
    with_file["attachments"] = [{"id": "att-1", "entry_id": None, "name": "照片.jpg", "content_type": "image/jpeg",
                                 "size": 10, "sha256": "ab" * 32}]
    k = _older_cache(tmp_path / "c.db", 9, [make_case(3).model_dump(mode="json"), with_file])
    store = Store.open(tmp_path / "c.db", k)
    assert dict(store.conn.execute("SELECT id, files FROM local_cases").fetchall()) == {"case-3": 0, "case-4": 1}
    assert [w.case_id for w in store.wanted_files()] == ["case-4"]
    assert store.inspect()["missing_indexes"] == []
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT lc.id FROM local_cases lc WHERE lc.files > 0 "
        "AND lc.status NOT IN ('closed', 'declined')").fetchall())
    assert "local_cases_files" in plan, plan
    store.close()
