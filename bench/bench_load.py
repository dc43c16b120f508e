"""A province's load on the reference server, from outside, over real HTTP.

    python bench/bench_load.py [--officers 5000,20000] [--workers 1,2] [--duration 40]
                               [--cases 300000] [--db-dir /tmp/desk-bench-load]
                               [--db postgresql://...]

What it runs, against `python -m central` started as a process of its own (as deployed),
with the database built once and kept in --db-dir for the next run:
- N simulated officers each polling GET /changes every 60 s: an open loop (the polls are
  sent at their times, spread evenly, whether or not earlier ones were answered; a poll's
  time counts from when it was due, so a stalled server cannot hide its queue), each
  officer on a kept-alive connection with its cursor;
- the day's intake: citizens' cases arriving through POST /intake (--intake-rate a second,
  by default ten times the mean of 5,000 a day, a busy hour);
- a burst: 30 stations each pushing 200 note ops (two pushes of 100) at once, a third of the
  way in, as when rural links come back;
- then, with no load: a supervisor's feed pages (limit 1000) at --cases cases, the disk per
  100,000 cases, and (one worker) the server CPU of a no-change poll in a closed loop beside
  a bare ASGI app (bench/bare_asgi.py) under the same uvicorn answering the same bytes.

On PostgreSQL (--db postgresql://.../NAME): a database NAME that holds no cases (or does
not exist) gets the same data as the SQLite file: the file is built through the service as
above, then its rows are copied into NAME (COPY, table by table, into the schema the
server makes; the rows are those the service wrote, nothing recomputed), because building
300,000 cases through the service on PostgreSQL took about ten times as long (10 ms a case
against 1 ms). NAME is kept for the next run; each run works on a copy of it (CREATE
DATABASE NAME_run TEMPLATE NAME), as the SQLite runs work on a copy of the file. The disk
figure is pg_database_size(NAME): tables, indexes and TOAST, not the cluster's WAL.

Printed per run: the poll p50/p99 over the whole run and during the burst, the burst's
duration, and every error. "Officers held" is the largest N whose p99 stayed under 200 ms
during the burst. The machine's other load is not controlled: state it with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desk.wire import API_PREFIX  # noqa: E402

PASSWORD = "demo-pass"
POLL_INTERVAL = 60.0
P99_GOAL_MS = 200.0
# The cases each station of the burst worked on offline (its 200 ops are spread on them).
CASES_PER_STATION = 10
# The officers whose sessions the simulated desks use (any officer's quiet poll costs
# the same; a few accounts stand for 20,000, each simulated desk with its own cursor).
# The burst and the intake land in stations 1 and 2 (BUSY), as a province's burst lands
# in a few of its 1,400 stations: one desk in BUSY_SHARE is theirs and fetches what
# moved; the rest poll stations where nothing happened.
BUSY = ("chief1", "officer1", "officer2", "chief2", "officer3")
QUIET = ("dy_chief", "wuhao", "mf_chief", "mali", "traffic_chief", "traffic1", "exit_chief", "exit1",
         "za_chief", "za1", "qx_duty", "qx1", "hz_chief", "hz1", "wc_chief", "wc1")
POLLERS = BUSY + QUIET
BUSY_SHARE = 50  # 2%: about 30 stations' officers of 1,400 stations


# ---------------------------------------------------------------- a lean HTTP/1.1 client

class Conn:
    """One kept-alive HTTP/1.1 connection (asyncio streams): the load generator must cost
    far less than the server it loads, and requests' per-call overhead does not."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.opened += 1
            assert self.reader is not None
            head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items())
            if body or method == "POST":
                head += f"Content-Length: {len(body)}\r\n"
            self.writer.write(head.encode("latin-1") + b"\r\n" + body)
            try:
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed")
                status = int(status_line.split()[1])
                got: dict[str, str] = {}
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    got[name.strip().lower()] = value.strip()
                data = await self.reader.readexactly(int(got.get("content-length", "0")))
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if got.get("connection", "").lower() == "close":
                self.close()
            if got.get("content-encoding") == "gzip":
                data = gzip.decompress(data)
            return status, got, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# ---------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants (the workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += times.get(p, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == p)
    return total


@dataclass
class Proc:
    proc: subprocess.Popen
    port: int

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def wait_listening(proc: subprocess.Popen, port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def start_central(db: str, workers: int, gateway: str, repo: Path = REPO,
                  blob_dir: Path | None = None) -> Proc:
    port = free_port()
    # --workers only when asked for more than one, so an older checkout (--server-repo,
    # for a before/after in the same conditions) that has no such option runs too.
    extra = ["--workers", str(workers)] if workers > 1 else []
    if blob_dir is not None:
        extra += ["--blob-dir", str(blob_dir)]  # PostgreSQL has no file to keep them beside
    proc = subprocess.Popen(
        [sys.executable, "-m", "central", "--db", db, "--port", str(port), "--gateway-token", gateway, *extra],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(proc, port)
    time.sleep(1.0 if workers > 1 else 0.2)  # every worker up, not only the first
    return Proc(proc, port)


def start_bare() -> Proc:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_asgi:app", "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--lifespan", "off", "--timeout-keep-alive", "75"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(proc, port)
    return Proc(proc, port)


# ---------------------------------------------------------------- the database

def build_db(path: Path, cases: int) -> None:
    """`cases` cases: a twentieth (at most 20,000) unclaimed with two notes each in
    station 1 (chief1's page), the rest claimed one by one at station 2 (a long move
    history the supervisor's page must not walk). Built straight through the service,
    the code POST /intake and POST /ops run; kept for the next run."""
    from bench.bench_server import fill_moves
    from bench.common import fill_unit
    from central.service import Service

    if path.exists():
        return
    building = path.with_suffix(".building")
    for leftover in building.parent.glob(building.name + "*"):
        _remove(leftover)
    service = Service(building, gateway_token="bench", seed="empty")
    try:
        own = min(20_000, max(1, cases // 20))
        unit = service.officer_units["o-officer1"] if "o-officer1" in service.officer_units else None
        if unit is None:
            unit = next(iter(service.officer_units.values()))
        print(f"building a database of {cases} cases in {path} (once) ...", flush=True)
        t = time.perf_counter()
        fill_unit(service, unit, own, progress_every=10_000)
        if cases > own:
            fill_moves(service, "officer3", cases - own, chunk=1000)
        print(f"  built in {time.perf_counter() - t:.0f} s", flush=True)
    finally:
        service.close()
    conn = sqlite3.connect(str(building))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    building.rename(path)
    for side in building.parent.glob(building.name + "-*"):
        _remove(side)  # -wal, -shm, -writer, and the (empty) -blobs folder


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def disk_bytes(db_path: Path) -> int:
    conn = sqlite3.connect(str(db_path))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))


def _pg_url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def _pg_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit("--db: name a database of letters, digits and _ (postgresql://.../NAME)")
    return name


def _pg_one(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _pg_cases(url: str) -> int | None:
    """The cases in the database, or None if it does not exist or has no server tables."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            if _pg_one(conn, "SELECT to_regclass('cases')") is None:
                return 0
            return int(_pg_one(conn, "SELECT COUNT(*) FROM cases"))
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def prepare_postgres(url: str, sqlite_file: Path, cases: int) -> int:
    """The database at `url` holding the data of the SQLite build (see the docstring):
    built once, kept. Returns its case count."""
    import psycopg

    from central.db import PostgresDatabase

    name = _pg_name(url)
    held = _pg_cases(url)
    if held:
        return held
    if held is None:
        with psycopg.connect(_pg_url(url, "postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    build_db(sqlite_file, cases)
    print(f"copying the {cases}-case database into PostgreSQL {name} (once) ...", flush=True)
    t = time.perf_counter()
    PostgresDatabase(url).close()  # the server's own schema, as `desk central --db` makes it
    source = sqlite3.connect(str(sqlite_file))
    tables = [row[0] for row in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    with psycopg.connect(url) as conn:
        for table in tables:
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise SystemExit(f"--db: {name} holds a server's data but no cases; give it an empty database")
        for table in tables:
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            listed = ", ".join(columns)
            with conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {listed} FROM {table}"):
                    copy.write_row(row)
        conn.commit()
    source.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  copied in {time.perf_counter() - t:.0f} s", flush=True)
    held = _pg_cases(url)
    assert held
    return held


def postgres_run_copy(url: str) -> str:
    """A copy of the kept database for a run to write into (intake, the burst)."""
    import psycopg

    name = _pg_name(url)
    run = f"{name}_run"
    with psycopg.connect(_pg_url(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{run}"')
        admin.execute(f'CREATE DATABASE "{run}" TEMPLATE "{name}"')
    return _pg_url(url, run)


def postgres_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(_pg_one(conn, "SELECT pg_database_size(current_database())"))


def postgres_pid(url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (its backends
    are its children, so process_tree_cpu counts the database's CPU), else None."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        backend = int(_pg_one(conn, "SELECT pg_backend_pid()"))
        try:
            raw = Path(f"/proc/{backend}/stat").read_text()
        except OSError:
            return None  # a database on another machine
    return int(raw[raw.rindex(")") + 2:].split()[1])


def postgres_settings(url: str) -> str:
    import psycopg

    names = ("server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections")
    with psycopg.connect(url, autocommit=True) as conn:
        return ", ".join(f"{n} {_pg_one(conn, f'SHOW {n}')}" for n in names)


# ---------------------------------------------------------------- the load

@dataclass
class Account:
    username: str
    token: str
    cursor: str
    unit_id: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "User-Agent": "desk/bench-load",
                "Accept-Encoding": "gzip", "X-Device-Id": "bench-load"}


@dataclass
class Run:
    polls: list[tuple[float, float]] = field(default_factory=list)  # (due, latency s)
    errors: dict[str, int] = field(default_factory=dict)
    burst: tuple[float, float] | None = None
    burst_ops: int = 0
    busy: int = 0
    intakes: int = 0
    connections: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def login(host: str, port: int, username: str) -> Account:
    conn = Conn(host, port)
    body = json.dumps({"username": username, "password": PASSWORD, "device_name": "bench"}).encode()
    status, _, data = await conn.request("POST", f"{API_PREFIX}/sessions",
                                         {"Content-Type": "application/json", "X-Device-Id": "bench-load"},
                                         body)
    if status != 201:
        raise SystemExit(f"login {username}: HTTP {status}")
    answer = json.loads(data)
    account = Account(username, answer["token"], "", answer["officer"]["unit_id"])
    status, _, data = await conn.request("GET", f"{API_PREFIX}/summary", account.headers())
    account.cursor = json.loads(data)["cursor"]
    conn.close()
    return account


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def open_loop(host: str, port: int, accounts: list[Account], gateway: str, officers: int,
                    duration: float, intake_rate: float, stations: int, ops_per_station: int) -> Run:
    run = Run()
    loop = asyncio.get_running_loop()
    idle: list[Conn] = []
    gap = POLL_INTERVAL / officers
    start = loop.time() + 0.2
    tasks: set[asyncio.Task] = set()

    busy = [a for a in accounts if a.username in BUSY]
    quiet = [a for a in accounts if a.username not in BUSY]
    desks = [busy[i // BUSY_SHARE % len(busy)] if i % BUSY_SHARE == 0 else quiet[i % len(quiet)]
             for i in range(officers)]
    cursors = [desk.cursor for desk in desks]

    async def poll(due: float, i: int) -> None:
        account = desks[i]
        conn = idle.pop() if idle else Conn(host, port)
        try:
            status, headers, data = await conn.request(
                "GET", f"{API_PREFIX}/changes?cursor={cursors[i]}&limit=1000", account.headers())
            run.polls.append((due - start, loop.time() - due))
            # Something moved: the desk follows the cursor to the end, as a desk does.
            while status == 200 and len(data) > 200:
                page = json.loads(data)
                cursors[i] = page["next_cursor"]
                if not page["has_more"]:
                    break
                status, headers, data = await conn.request(
                    "GET", f"{API_PREFIX}/changes?cursor={cursors[i]}&limit=1000", account.headers())
        except OSError as exc:
            run.error(f"poll {type(exc).__name__}")
            conn.close()
            return
        run.connections += conn.opened
        conn.opened = 0
        idle.append(conn)
        if status != 200:
            run.error(f"poll HTTP {status}")

    async def pollers() -> None:
        i = 0
        while True:
            due = start + i * gap
            if due - start >= duration:
                return
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.ensure_future(poll(due, i % officers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1

    async def intake() -> None:
        if intake_rate <= 0:
            return
        conn = Conn(host, port)
        n = 0
        while loop.time() - start < duration:
            n += 1
            body = json.dumps({
                "kind": "consultation", "category": "户政", "channel": "portal",
                "title": f"居住证办理咨询 {n}", "body": "请问办理居住证需要哪些材料？",
                "citizen": {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"},
                "unit_id": busy[n % len(busy)].unit_id}, ensure_ascii=False).encode()
            status, _, _ = await conn.request("POST", f"{API_PREFIX}/intake", {
                "Authorization": f"Bearer {gateway}", "Content-Type": "application/json"}, body)
            if status != 201:
                run.error(f"intake HTTP {status}")
            run.intakes += 1
            await asyncio.sleep(1.0 / intake_rate)

    async def station(k: int, chief: Account, cases: list[dict]) -> None:
        # A station back online after a day: notes on the cases it worked offline.
        conn = Conn(host, port)
        left = ops_per_station
        seq = 0
        while left > 0:
            n = min(100, left)
            ops = []
            for _ in range(n):
                seq += 1
                case = cases[seq % len(cases)]
                ops.append({"op_id": str(uuid.uuid4()), "seq": seq, "case_id": case["id"], "type": "note",
                            "base_version": case["version"], "performed_at": datetime.now(UTC).isoformat(),
                            "payload": {"body": f"第{k}站 补录走访记录 {seq}：已电话联系群众，答复办理材料。"}})
            body = json.dumps({"ops": ops}, ensure_ascii=False).encode()
            status, headers, data = await conn.request("POST", f"{API_PREFIX}/ops", {
                **chief.headers(), "Content-Type": "application/json"}, body)
            if status == 503:
                # As the desk does: keep the ops and come back after Retry-After.
                run.busy += 1
                await asyncio.sleep(float(headers.get("retry-after", "1")))
                continue
            if status != 200:
                run.error(f"push HTTP {status}")
                return
            outcomes = [r["outcome"] for r in json.loads(data)["results"]]
            run.burst_ops += outcomes.count("applied")
            if outcomes.count("applied") != n:
                run.error("push not applied")
            left -= n
        conn.close()

    async def burst() -> None:
        if stations <= 0:
            return
        chiefs = [a for a in accounts if a.username.startswith("chief")]
        conn = Conn(host, port)
        cases: list[tuple[Account, list[dict]]] = []
        for k in range(stations):
            chief = chiefs[k % len(chiefs)]
            mine = []
            for j in range(CASES_PER_STATION):
                body = json.dumps({"kind": "consultation", "category": "户政", "channel": "portal",
                                   "title": f"burst {k}.{j}", "body": "请问办理居住证需要哪些材料？",
                                   "citizen": {"name": "张伟明", "phone": "13912345678",
                                               "id_number": "140105199001011234"},
                                   "unit_id": chief.unit_id}, ensure_ascii=False).encode()
                status, _, data = await conn.request("POST", f"{API_PREFIX}/intake", {
                    "Authorization": f"Bearer {gateway}", "Content-Type": "application/json"}, body)
                mine.append(json.loads(data))
            cases.append((chief, mine))
        conn.close()
        await asyncio.sleep(max(0.0, start + duration / 3 - loop.time()))
        began = loop.time()
        await asyncio.gather(*(station(k, chief, case) for k, (chief, case) in enumerate(cases)))
        run.burst = (began - start, loop.time() - start)

    await asyncio.gather(pollers(), intake(), burst())
    while tasks:
        await asyncio.sleep(0.05)
    for conn in idle:
        conn.close()
    return run


def report_run(label: str, officers: int, run: Run) -> float:
    latencies = [lat * 1000 for _, lat in run.polls]
    during = [lat * 1000 for due, lat in run.polls
              if run.burst and run.burst[0] <= due <= run.burst[1]]
    burst = (f"burst {run.burst_ops} ops in {run.burst[1] - run.burst[0]:.1f} s"
             f" ({run.busy} answered 503, retried), polls during it p50 {pct(during, 0.5):.1f} ms"
             f" p99 {pct(during, 0.99):.1f} ms" if run.burst else "no burst")
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(run.errors.items())) or "no errors"
    print(f"{label}, {officers} officers ({officers / POLL_INTERVAL:.0f} polls/s), {len(latencies)} polls:"
          f" p50 {pct(latencies, 0.5):.1f} ms p99 {pct(latencies, 0.99):.1f} ms max {max(latencies):.0f} ms;"
          f" {burst}; {run.intakes} intakes; {run.connections} connections opened; {errors}", flush=True)
    return pct(during or latencies, 0.99)


# ---------------------------------------------------------------- quiet poll CPU

async def closed_loop(port: int, path: str, headers: dict[str, str], n: int, concurrency: int) -> float:
    conns = [Conn("127.0.0.1", port) for _ in range(concurrency)]
    left = [n]

    async def worker(conn: Conn) -> None:
        while left[0] > 0:
            left[0] -= 1
            status, _, _ = await conn.request("GET", path, headers)
            if status != 200:
                raise SystemExit(f"closed loop: HTTP {status}")

    t = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    took = time.perf_counter() - t
    for c in conns:
        c.close()
    return took


def cpu_per_request(proc: Proc, path: str, headers: dict[str, str], n: int,
                    db_pid: int | None = None) -> tuple[float, float, float]:
    """Server CPU per request (ms), requests a second, and the database server's CPU
    per request (ms; 0 without a database process of its own, as with SQLite)."""
    asyncio.run(closed_loop(proc.port, path, headers, 300, 4))  # warm up
    before = process_tree_cpu(proc.proc.pid)
    db_before = process_tree_cpu(db_pid) if db_pid else 0.0
    took = asyncio.run(closed_loop(proc.port, path, headers, n, 4))
    used = process_tree_cpu(proc.proc.pid) - before
    db_used = process_tree_cpu(db_pid) - db_before if db_pid else 0.0
    return used / n * 1000, n / took, db_used / n * 1000


# ---------------------------------------------------------------- supervisor's page

async def supervisor_pages(port: int, chief: Account) -> list[float]:
    conn = Conn("127.0.0.1", port)
    times, cursor = [], ""
    while True:
        t = time.perf_counter()
        status, headers, data = await conn.request(
            "GET", f"{API_PREFIX}/changes?limit=1000" + (f"&cursor={cursor}" if cursor else ""), chief.headers())
        times.append(time.perf_counter() - t)
        if status != 200:
            raise SystemExit(f"supervisor page: HTTP {status}")
        page = json.loads(data)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            conn.close()
            return times


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", default="5000,20000", help="comma-separated officer counts")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of load per run")
    parser.add_argument("--cases", type=int, default=300_000, help="cases in the database")
    parser.add_argument("--db-dir", default="/tmp/desk-bench-load", help="where built databases are kept")
    parser.add_argument("--db", help="a PostgreSQL database URL (postgresql://.../NAME) instead of the"
                                     " SQLite file: given the same data once (see above), kept")
    parser.add_argument("--intake-rate", type=float, default=10 * 5000 / 86400,
                        help="citizen cases a second during the load")
    parser.add_argument("--stations", type=int, default=30, help="stations in the burst")
    parser.add_argument("--ops-per-station", type=int, default=200)
    parser.add_argument("--server-repo", type=Path, default=REPO,
                        help="run the server from this checkout (e.g. an older release, for a before/after)")
    parser.add_argument("--cpu-requests", type=int, default=3000,
                        help="no-change polls in the CPU comparison (0 skips it)")
    args = parser.parse_args(argv)
    officer_counts = [int(x) for x in args.officers.split(",") if x]
    worker_counts = [int(x) for x in args.workers.split(",") if x]
    gateway = secrets.token_urlsafe(24)

    blob_dir: Path | None = None
    db_pid: int | None = None
    if args.db:
        db_file = Path(args.db_dir) / f"central-{args.cases}.db"
        db_file.parent.mkdir(parents=True, exist_ok=True)
        pg_cases = prepare_postgres(args.db, db_file, args.cases)
        size = postgres_bytes(args.db)
        print(f"disk: {size / 2**20:.0f} MiB for {pg_cases} cases (pg_database_size),"
              f" {size / 2**20 / pg_cases * 100_000:.0f} MiB per 100,000 cases", flush=True)
        print(f"PostgreSQL: {postgres_settings(args.db)}", flush=True)
        db_url = postgres_run_copy(args.db)
        blob_dir = Path(args.db_dir) / "pg-run-blobs"
        shutil.rmtree(blob_dir, ignore_errors=True)
        blob_dir.mkdir()
        cases_label = f"PostgreSQL, {pg_cases} cases"
        db_pid = postgres_pid(args.db)
    else:
        db_file = Path(args.db_dir) / f"central-{args.cases}.db"
        db_file.parent.mkdir(parents=True, exist_ok=True)
        build_db(db_file, args.cases)
        size = disk_bytes(db_file)
        print(f"disk: {size / 2**20:.0f} MiB for {args.cases} cases,"
              f" {size / 2**20 / args.cases * 100_000:.0f} MiB per 100,000 cases", flush=True)
        # The runs write (intake, the burst): they work on a copy, the built one is kept.
        work = db_file.with_name(f"run-{db_file.name}")
        for old in work.parent.glob(work.name + "*"):
            old.unlink()
        shutil.copyfile(db_file, work)
        db_url = str(work)
        cases_label = f"SQLite, {args.cases} cases"
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start", flush=True)

    held: dict[int, int] = {}
    for workers in worker_counts:
        server = start_central(db_url, workers, gateway, args.server_repo, blob_dir)
        try:
            accounts = asyncio.run(_logins(server.port))
            for officers in officer_counts:
                before = os.times()
                server_before = process_tree_cpu(server.proc.pid)
                db_before = process_tree_cpu(db_pid) if db_pid else 0.0
                run = asyncio.run(open_loop("127.0.0.1", server.port, accounts, gateway, officers,
                                            args.duration, args.intake_rate, args.stations,
                                            args.ops_per_station))
                p99 = report_run(f"{cases_label}, {workers} worker(s)", officers, run)
                after = os.times()
                db_cpu = (f", PostgreSQL {process_tree_cpu(db_pid) - db_before:.1f} s" if db_pid else "")
                print(f"  CPU over the run: server {process_tree_cpu(server.proc.pid) - server_before:.1f} s{db_cpu},"
                      f" this load generator {after.user + after.system - before.user - before.system:.1f} s"
                      f" (of {args.duration:.0f} s; a generator near 100% of a core would be the limit)",
                      flush=True)
                if p99 < P99_GOAL_MS and not run.errors:
                    held[workers] = max(held.get(workers, 0), officers)
            if workers == worker_counts[0]:
                chief = next(a for a in accounts if a.username == "chief1")
                # Twice: the first pass reads the pages from disk (a cold cache, as after a
                # restart), the second from memory, as a supervisor's next sync does.
                for label in ("first read", "read again"):
                    times = asyncio.run(supervisor_pages(server.port, chief))
                    later = times[1:] or times
                    print(f"supervisor's feed page (limit 1000), pages 2-{len(times)}, {label}: median"
                          f" {statistics.median(later) * 1000:.1f} ms, worst {max(later) * 1000:.1f} ms"
                          f" ({cases_label})", flush=True)
            if workers == 1 and args.cpu_requests:
                quiet = next(a for a in accounts if a.username in QUIET)
                quiet.cursor = asyncio.run(_head_cursor(server.port, quiet))
                path = f"{API_PREFIX}/changes?cursor={quiet.cursor}&limit=1000"
                ours, ours_rate, ours_db = cpu_per_request(server, path, quiet.headers(), args.cpu_requests,
                                                           db_pid)
                bare = start_bare()
                try:
                    floor, floor_rate, _ = cpu_per_request(bare, path, quiet.headers(), args.cpu_requests)
                finally:
                    bare.stop()
                with_db = (f"; with PostgreSQL's own {ours_db:.3f} ms: {ours + ours_db:.3f} ms,"
                           f" ratio {(ours + ours_db) / floor:.2f}" if db_pid else "")
                print(f"no-change poll, closed loop, 1 worker: {ours:.3f} ms CPU each ({ours_rate:.0f} req/s)"
                      f" (floor: bare ASGI under the same uvicorn {floor:.3f} ms, {floor_rate:.0f} req/s;"
                      f" ratio {ours / floor:.2f}{with_db})", flush=True)
        finally:
            server.stop()
    for workers, n in sorted(held.items()):
        print(f"officers held at p99 < {P99_GOAL_MS:.0f} ms during the burst, {workers} worker(s):"
              f" {n} (largest tried that held)", flush=True)
    print(f"machine: load average {os.getloadavg()[0]:.2f} at the end", flush=True)
    return 0


async def _head_cursor(port: int, account: Account) -> str:
    conn = Conn("127.0.0.1", port)
    cursor = account.cursor
    while True:
        status, _, data = await conn.request(
            "GET", f"{API_PREFIX}/changes?cursor={cursor}&limit=1000", account.headers())
        page = json.loads(data)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            conn.close()
            return cursor


async def _logins(port: int) -> list[Account]:
    return [await login("127.0.0.1", port, name) for name in POLLERS]


if __name__ == "__main__":
    raise SystemExit(main())
