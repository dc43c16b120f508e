"""Sync benchmarks, each printed beside a floor measured in the same run.

    /tmp/venv/bin/python bench/bench_sync.py [--cases N] [--runs R] [--refill]

- first sync of N cases (~6 entries each) on loopback, beside the same pages fetched
  with bare requests plus the same rows written with a bare executemany into an
  encrypted database of the same kind;
- the same first sync as an officer runs it: `desk login` then `desk sync`, two
  processes timed from outside with the wall clock (interpreter start, imports, key
  derivation with the real scrypt cost and all), beside the same floor; the cost of
  one scrypt derivation is printed beside it, since a process pays it and the floor not;
- a sync with nothing new (one round trip for the pull, none for the push), beside one
  bare GET /changes;
- 1,000 queued ops delivered (and in how many requests), beside the same request bodies
  posted with bare requests.

The server runs as its own process (`desk central`), as deployed: in this process it
would share the engine's GIL. Absolute times on shared machines are noise; the ratio is
the result. The filled server
database is kept under the system temp folder (keyed by case count) so later runs skip
the fill; --refill rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlcipher3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fill_unit, start_server, start_server_process  # noqa: E402
from desk import keys  # noqa: E402
from desk.actions import Actions  # noqa: E402
from desk.pagework import PageWorker  # noqa: E402
from desk.session import login  # noqa: E402
from desk.store import CaseFilter  # noqa: E402
from desk.sync import SyncEngine  # noqa: E402
from desk.wire import API_PREFIX  # noqa: E402

PASSWORD = "demo-pass"
DEVICE = str(uuid.uuid4())


def line(name: str, took: float, floor: float, extra: str = "") -> None:
    ratio = took / floor if floor > 0 else float("inf")
    print(f"{name}: {took:.2f} s (floor {floor:.2f} s, ratio {ratio:.1f}){extra}", flush=True)


def bare_pull(url: str, token: str) -> tuple[list[bytes], float]:
    """The same pages, fetched with bare requests."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "X-Device-Id": DEVICE,
                            "Accept-Encoding": "gzip", "User-Agent": "desk/bench"})
    pages = []
    cursor = None
    start = time.perf_counter()
    while True:
        params = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        resp = session.get(f"{url}{API_PREFIX}/changes", params=params, timeout=120)
        data = resp.json()
        pages.append(data)
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break
    return pages, time.perf_counter() - start


def bare_write(folder: Path, pages) -> float:
    """The same rows, written with a bare executemany into an encrypted database."""
    path = folder / "floor.db"
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE cases (id TEXT PRIMARY KEY, version INTEGER, data TEXT)")
    start = time.perf_counter()
    for page in pages:
        rows = [(c["case"]["id"], c["case"]["version"], json.dumps(c["case"], ensure_ascii=False))
                for c in page["changes"] if c["op"] == "upsert"]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO cases VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


class Counter:
    """Counts the client's HTTP requests from every thread (each has its own Session)."""

    def __init__(self, client):
        self.n = 0
        original = requests.Session.request
        counter = self

        def counted(session, *args, **kwargs):
            counter.n += 1
            return original(session, *args, **kwargs)

        requests.Session.request = counted


def scrypt_cost() -> float:
    """One derivation of the key-wrapping key with the parameters a profile uses."""
    start = time.perf_counter()
    keys.password_kek(PASSWORD, keys.new_salt(), keys.DEFAULT_SCRYPT)
    return time.perf_counter() - start


def process_first_sync(url: str, folder: Path) -> tuple[float, float, str]:
    """`desk login` then `desk sync` as two processes, as an officer types them (the
    password on stdin), with fresh profile folders; wall-clock seconds of each."""
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, DESK_DATA_DIR=str(folder / "data"), DESK_CONFIG_DIR=str(folder / "config"),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.pop("DESK_MACHINE_CONFIG", None)
    took = []
    out = ""
    for args in (["login", "--server", url, "--username", "officer1"], ["sync"]):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "launch.cli", "--password-stdin", *args],
                              input=PASSWORD + "\n", text=True, capture_output=True, env=env, cwd=repo)
        took.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"desk {args[0]} failed: {done.stderr.strip()}")
        out = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    return took[0], took[1], out


def filled_server_db(cases: int, refill: bool) -> Path:
    """The kept server database with `cases` cases (filled on first use)."""
    kept = Path(tempfile.gettempdir()) / f"desk-bench-sync-{cases}" / "central.db"
    if refill or not kept.exists():
        shutil.rmtree(kept.parent, ignore_errors=True)
        building = kept.parent.with_name(kept.parent.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        server = start_server(building / "central.db")
        try:
            service = server.app.state.service
            probe = requests.post(f"{server.url}{API_PREFIX}/sessions", timeout=30,
                                  json={"username": "officer1", "password": PASSWORD, "device_name": "b"},
                                  headers={"X-Device-Id": DEVICE}).json()
            print(f"filling the server with {cases} cases ...", flush=True)
            t = time.perf_counter()
            fill_unit(service, probe["officer"]["unit_id"], cases, notes=5)
            print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)
        finally:
            server.stop()
        building.rename(kept.parent)
    return kept


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=2, help="times to run the process sync and its floor")
    parser.add_argument("--refill", action="store_true", help="rebuild the kept filled server database")
    args = parser.parse_args(argv)
    kept = filled_server_db(args.cases, args.refill)
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-sync-"))
    os.environ.setdefault("DESK_CONFIG_DIR", str(folder / "config"))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    shutil.copy(kept, folder / "central.db")
    # Measured against the server as deployed, in its own process: a server thread in
    # this process would share the engine's GIL and serialise what a real client
    # overlaps (reading page N+1 while writing page N).
    server = start_server_process(folder / "central.db")
    page_worker = None
    try:
        probe = requests.post(f"{server.url}{API_PREFIX}/sessions", timeout=30,
                              json={"username": "officer1", "password": PASSWORD, "device_name": "b"},
                              headers={"X-Device-Id": DEVICE}).json()

        # The first sync as the officer runs it, before anything else warms the server.
        scrypt_s = scrypt_cost()
        for run in range(args.runs):
            login_s, sync_s, said = process_first_sync(server.url, folder / f"cli-{run}")
            pages, fetch = bare_pull(server.url, probe["token"])
            write = bare_write(folder, pages)
            for leftover in folder.glob("floor.db*"):
                leftover.unlink()
            line(f"desk login + desk sync of {args.cases} cases, as processes", login_s + sync_s,
                 fetch + write,
                 f" [login {login_s:.2f} s, sync {sync_s:.2f} s ({said}); floor fetch {fetch:.2f} s"
                 f" + write {write:.2f} s; one scrypt derivation {scrypt_s:.2f} s, paid by each command]")

        # The unlock cost is not what we measure here.
        keys.DEFAULT_SCRYPT = {"n": 2**10, "r": 8, "p": 1}
        session = login(server.url, "officer1", PASSWORD, profile_dir=folder / "profile")
        counter = Counter(session.client)
        # As `desk sync` and the app run it: later pages are read in a worker process.
        page_worker = PageWorker()
        engine = SyncEngine(session.store, session.client, session.actor, page_worker=page_worker)

        start = time.perf_counter()
        report = engine.run_cycle()
        took = time.perf_counter() - start
        assert report.finished, report.error
        pages, fetch = bare_pull(server.url, probe["token"])
        write = bare_write(folder, pages)
        line(f"first sync of {report.pulled} cases", took, fetch + write,
             f" [{report.pull_requests} pages; floor fetch {fetch:.2f} s + write {write:.2f} s]")

        # The median of several quiet cycles and bare GETs: one sample right after the
        # first sync also times the WAL checkpoint that follows it.
        quiet_times, bare_times = [], []
        cursor = session.store.get_state().cursor
        for _ in range(7):
            counter.n = 0
            start = time.perf_counter()
            quiet = engine.run_cycle()
            quiet_times.append(time.perf_counter() - start)
            trips = counter.n
            assert quiet.finished and quiet.pulled == 0, quiet
            t = time.perf_counter()
            requests.get(f"{server.url}{API_PREFIX}/changes", params={"cursor": cursor, "limit": 1000},
                         headers={"Authorization": f"Bearer {probe['token']}", "X-Device-Id": DEVICE},
                         timeout=30)
            bare_times.append(time.perf_counter() - t)
        took, bare = statistics.median(quiet_times), statistics.median(bare_times)
        ratio = took / bare if bare > 0 else float("inf")
        print(f"sync with nothing new: {took * 1000:.1f} ms (floor {bare * 1000:.1f} ms,"
              f" ratio {ratio:.1f}) [{trips} round trip(s)]", flush=True)

        actions = Actions(session.store, session.actor)
        unclaimed = sorted(session.store.queue_id_set(CaseFilter(unassigned=True)))
        k = min(1000, len(unclaimed) // 2)
        ids, floor_ids = unclaimed[:k], unclaimed[k:2 * k]
        for case_id in ids:
            actions.claim(case_id)
        counter.n = 0
        start = time.perf_counter()
        pushed = engine.run_cycle()
        took = time.perf_counter() - start
        trips = counter.n
        assert pushed.finished and pushed.applied == len(ids), pushed
        # The floor: as many fresh claims posted in the same batch sizes with bare
        # requests, then the changes they made fetched with a bare GET.
        headers = {"Authorization": f"Bearer {probe['token']}", "X-Device-Id": DEVICE,
                   "Content-Type": "application/json", "Accept-Encoding": "gzip"}
        now = datetime.now(UTC).isoformat()
        bodies = []
        for i in range(0, len(floor_ids), 100):
            ops = [{"op_id": str(uuid.uuid4()), "seq": 100_000 + i + j, "case_id": cid, "type": "claim",
                    "base_version": session.store.synced_version(cid), "performed_at": now, "payload": {}}
                   for j, cid in enumerate(floor_ids[i:i + 100])]
            bodies.append(json.dumps({"ops": ops}))
        t = time.perf_counter()
        for body in bodies:
            requests.post(f"{server.url}{API_PREFIX}/ops", data=body, timeout=120, headers=headers)
        requests.get(f"{server.url}{API_PREFIX}/changes", params={"cursor": cursor, "limit": 1000},
                     headers=headers, timeout=120)
        bare = time.perf_counter() - t
        line(f"{len(ids)} queued ops delivered", took, bare,
             f" [{pushed.push_requests} push request(s); {trips} round trips in the cycle,"
             f" with the pull of the {pushed.pulled} changed cases and the summary check]")
        session.close()
    finally:
        if page_worker is not None:
            page_worker.close()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
