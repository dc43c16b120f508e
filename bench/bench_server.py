"""Reference server benchmarks, each printed beside floors measured in the same run.

    /tmp/venv/bin/python bench/bench_server.py [--cases 20000] [--ops 2000]

- the change feed for one officer whose scope holds N cases (unclaimed in the unit,
  two notes each), pulled page by page (limit 1000) over real HTTP from the real server,
  beside (a) the same rows read with bare sqlite3 from the server's database file, (b) the
  same response bytes (gzipped, as the server sends them) served by a bare http.server
  handler and fetched by the same client loop, and (a + b), the least a server could do;
- one feed request with nothing new (median), beside the same bytes from the bare handler;
- note ops applied per second, posted in batches of 100 to POST /ops, beside the same
  request bodies posted to a bare handler that only reads them;
- a supervisor's feed page (limit 1000, pages after the first) once another station has
  `--moves` cases each claimed after the supervisor's first page (a long move history
  the page must not walk), beside the same page's rows read with bare sqlite3;
- the database's size on disk per 100,000 cases, and the change log's rows.

Absolute times on shared machines are noise; the ratio is the result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSWORD, BareServer, fill_unit, line, start_server  # noqa: E402
from desk.wire import API_PREFIX, IntakeRequest, Op  # noqa: E402

PAGE = 1000
OPS_BATCH = 100


def http_session(token: str, device: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "X-Device-Id": device,
                            "Accept-Encoding": "gzip", "User-Agent": "desk/bench"})
    return session


def login(url: str, username: str, device: str) -> dict:
    resp = requests.post(f"{url}{API_PREFIX}/sessions", timeout=60, headers={"X-Device-Id": device},
                         json={"username": username, "password": PASSWORD, "device_name": "bench"})
    resp.raise_for_status()
    return resp.json()


def pull_feed(session: requests.Session, base: str) -> tuple[list[bytes], list[str | None], int, float]:
    """Every page of the feed from the start; returns the decoded bodies, the cursor each
    page was asked with, the number of cases and the time taken."""
    bodies: list[bytes] = []
    asked: list[str | None] = []
    cases = 0
    cursor = None
    start = time.perf_counter()
    while True:
        params: dict[str, object] = {"limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        resp = session.get(f"{base}{API_PREFIX}/changes", params=params, timeout=300)
        resp.raise_for_status()
        data = resp.json()
        bodies.append(resp.content)
        asked.append(cursor)
        cases += len(data["changes"])
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break
    return bodies, asked, cases, time.perf_counter() - start


def bare_sqlite_read(db_path: Path, unit_id: str, pages: int) -> float:
    """The same rows the feed serves, page by page, read with bare sqlite3."""
    conn = sqlite3.connect(str(db_path))
    start = time.perf_counter()
    after = 0
    for _ in range(pages):
        rows = conn.execute("SELECT last_seq, doc FROM cases WHERE retired = 0 AND unit_id = ?"
                            " AND assignee_id IS NULL AND last_seq > ? ORDER BY last_seq LIMIT ?",
                            (unit_id, after, PAGE)).fetchall()
        if not rows:
            break
        after = rows[-1][0]
    took = time.perf_counter() - start
    conn.close()
    return took


def median_get(session: requests.Session, url: str, params: dict, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        session.get(url, params=params, timeout=60).raise_for_status()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def note_bodies(case_ids: list[str], count: int) -> list[bytes]:
    now = datetime.now(UTC).isoformat()
    bodies = []
    for first in range(0, count, OPS_BATCH):
        ops = [{"op_id": str(uuid.uuid4()), "seq": i, "case_id": case_ids[i % len(case_ids)],
                "type": "note", "base_version": 0, "performed_at": now,
                "payload": {"body": f"已电话联系群众，说明办理流程（第{i}条）"}}
               for i in range(first, min(count, first + OPS_BATCH))]
        bodies.append(json.dumps({"ops": ops}, ensure_ascii=False).encode())
    return bodies


def post_all(session: requests.Session, url: str, bodies: list[bytes]) -> tuple[list, float]:
    answers = []
    start = time.perf_counter()
    for body in bodies:
        resp = session.post(url, data=body, timeout=300, headers={"Content-Type": "application/json"})
        resp.raise_for_status()
        answers.append(resp.json())
    return answers, time.perf_counter() - start


def fill_moves(service, username: str, count: int, chunk: int = 500) -> None:
    """`count` cases in `username`'s unit, each claimed by them: one move apiece."""
    now = datetime.now(UTC)
    token = service.login(username, PASSWORD, "bench-moves", str(uuid.uuid4()), now=now)["token"]
    officer = service.authenticate(token, now=now)
    for first in range(0, count, chunk):
        with service.db.write():
            for i in range(first, min(count, first + chunk)):
                case = service.intake(IntakeRequest(
                    kind="consultation", category="户政", channel="portal", title=f"咨询 第{i}号",
                    body="请问办理居住证需要哪些材料？", unit_id=officer.unit_id,
                    citizen={"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"},
                    received_at=now), now=now)
                service.apply_ops(officer, [Op(op_id=str(uuid.uuid4()), seq=i, case_id=case["id"],
                                               type="claim", base_version=1, performed_at=now,
                                               payload={})], now=now)


def page_times(session: requests.Session, base: str) -> list[float]:
    """Each page's time, pulling the whole feed from the start."""
    times, cursor = [], None
    while True:
        params: dict[str, object] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        t = time.perf_counter()
        resp = session.get(f"{base}{API_PREFIX}/changes", params=params, timeout=300)
        resp.raise_for_status()
        times.append(time.perf_counter() - t)
        data = resp.json()
        cursor = data["next_cursor"]
        if not data["has_more"]:
            return times


def disk_bytes(db_path: Path) -> int:
    conn = sqlite3.connect(str(db_path))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--ops", type=int, default=2_000)
    parser.add_argument("--moves", type=int, default=20_000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-server-"))
    db_path = folder / "central.db"
    server = start_server(db_path)
    bare = None
    try:
        device = str(uuid.uuid4())
        officer = login(server.url, "officer1", device)
        chief = login(server.url, "chief1", device)
        unit_id = officer["officer"]["unit_id"]
        print(f"filling the server with {args.cases} cases ...", flush=True)
        t = time.perf_counter()
        fill_unit(server.app.state.service, unit_id, args.cases)
        print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)

        # ---------------------------------------------------------------- the feed
        feed = http_session(officer["token"], device)
        bodies, asked, cases, took = pull_feed(feed, server.url)
        if cases != args.cases:
            raise SystemExit(f"the feed served {cases} cases, expected {args.cases}")
        # Served as the server sends them: gzipped at the same level as its middleware.
        zipped = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        by_cursor = {cursor or "": (gzip.compress(body, compresslevel=6), zipped)
                     for cursor, body in zip(asked, bodies, strict=False)}

        def canned(path: str) -> tuple[bytes, dict[str, str]]:
            return by_cursor[parse_qs(urlsplit(path).query).get("cursor", [""])[0]]

        bare = BareServer(canned)
        _, _, bare_cases, served = pull_feed(http_session(officer["token"], device), bare.url)
        assert bare_cases == cases
        read = bare_sqlite_read(db_path, unit_id, len(bodies))
        extra = f" [{len(bodies)} pages of {PAGE}]"
        line(f"change feed, {cases} cases (floor: bare sqlite3 read)", took, read, extra=extra)
        line(f"change feed, {cases} cases (floor: same bytes, bare handler)", took, served, extra=extra)
        line(f"change feed, {cases} cases (floor: bare read + bare handler)", took, read + served,
             extra=extra)

        # ---------------------------------------------------------------- nothing new
        last = bodies[-1]
        head = json.loads(last)["next_cursor"]
        empty = feed.get(f"{server.url}{API_PREFIX}/changes", params={"cursor": head, "limit": PAGE},
                         timeout=60)
        empty.raise_for_status()
        assert empty.json()["changes"] == []
        # Under the middleware's 500-byte threshold, so the server sends it plain.
        by_cursor[head] = (empty.content, {"Content-Type": "application/json"})
        ours = median_get(feed, f"{server.url}{API_PREFIX}/changes", {"cursor": head, "limit": PAGE}, 51)
        floor = median_get(feed, f"{bare.url}{API_PREFIX}/changes", {"cursor": head, "limit": PAGE}, 51)
        line("feed request with nothing new (median)", ours * 1000, floor * 1000, "ms")

        # ---------------------------------------------------------------- ops/s
        case_ids = [c["case"]["id"] for c in json.loads(bodies[0])["changes"]]
        requests_bodies = note_bodies(case_ids, args.ops)
        push = http_session(chief["token"], device)
        answers, took = post_all(push, f"{server.url}{API_PREFIX}/ops", requests_bodies)
        outcomes = [r["outcome"] for a in answers for r in a["results"]]
        if outcomes.count("applied") != args.ops:
            raise SystemExit(f"only {outcomes.count('applied')} of {args.ops} ops were applied")
        _, floor = post_all(push, f"{bare.url}{API_PREFIX}/ops", requests_bodies)
        line(f"note ops applied per second ({args.ops} in batches of {OPS_BATCH})",
             args.ops / took, args.ops / floor, "ops/s", higher_is_better=True)

        # ---------------------------------------------------------------- a supervisor's page
        if args.moves:
            print(f"claiming {args.moves} cases at another station ...", flush=True)
            t = time.perf_counter()
            fill_moves(server.app.state.service, "officer3", args.moves)
            print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)
        sup = http_session(chief["token"], device)
        times = page_times(sup, server.url)
        later = times[1:] or times
        rows = sqlite3.connect(str(db_path))
        t = time.perf_counter()
        rows.execute("SELECT last_seq, doc FROM cases WHERE retired = 0 AND unit_id = ?"
                     " AND last_seq > 0 ORDER BY last_seq LIMIT ?", (unit_id, PAGE)).fetchall()
        bare_page = time.perf_counter() - t
        log_rows = rows.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        all_cases = rows.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        rows.close()
        line(f"supervisor's feed page, pages 2-{len(times)} (median), {args.moves} moves elsewhere",
             statistics.median(later) * 1000, bare_page * 1000, "ms",
             extra=f" [worst {max(later) * 1000:.0f} ms]")
        size = disk_bytes(db_path)
        print(f"disk: {size / 2**20:.1f} MiB for {all_cases} cases = "
              f"{size / all_cases * 100_000 / 2**20:.0f} MiB per 100,000 cases; "
              f"change log {log_rows} rows", flush=True)
    finally:
        if bare is not None:
            bare.stop()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
