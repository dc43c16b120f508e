"""Sync benchmarks, each printed beside a floor measured in the same run.

    /tmp/venv/bin/python bench/bench_sync.py [--cases N]

- first sync of N cases (~6 entries each) on loopback, beside the same pages fetched
  with bare requests plus the same rows written with a bare executemany into an
  encrypted database of the same kind;
- a sync with nothing new (one round trip for the pull, none for the push), beside one
  bare GET /changes;
- 1,000 queued ops delivered (and in how many requests), beside the same request bodies
  posted with bare requests.

Absolute times on shared machines are noise; the ratio is the result.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests
import sqlcipher3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fill_unit, start_server  # noqa: E402
from desk import keys  # noqa: E402
from desk.actions import Actions  # noqa: E402
from desk.session import login  # noqa: E402
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
    def __init__(self, client):
        self.n = 0
        original = client.http.request

        def counted(*args, **kwargs):
            self.n += 1
            return original(*args, **kwargs)

        client.http.request = counted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-sync-"))
    os.environ.setdefault("DESK_CONFIG_DIR", str(folder / "config"))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    server = start_server(folder / "central.db")
    try:
        service = server.app.state.service
        probe = requests.post(f"{server.url}{API_PREFIX}/sessions", timeout=30,
                              json={"username": "officer1", "password": PASSWORD, "device_name": "b"},
                              headers={"X-Device-Id": DEVICE}).json()
        unit_id = probe["officer"]["unit_id"]
        print(f"filling the server with {args.cases} cases ...", flush=True)
        t = time.perf_counter()
        fill_unit(service, unit_id, args.cases, notes=5)
        print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)

        # The unlock cost is not what we measure here.
        keys.DEFAULT_SCRYPT = {"n": 2**10, "r": 8, "p": 1}
        session = login(server.url, "officer1", PASSWORD, profile_dir=folder / "profile")
        counter = Counter(session.client)
        engine = SyncEngine(session.store, session.client, session.actor)

        start = time.perf_counter()
        report = engine.run_cycle()
        took = time.perf_counter() - start
        assert report.finished, report.error
        pages, fetch = bare_pull(server.url, probe["token"])
        write = bare_write(folder, pages)
        line(f"first sync of {report.pulled} cases", took, fetch + write,
             f" [{report.pull_requests} pages; floor fetch {fetch:.2f} s + write {write:.2f} s]")

        counter.n = 0
        start = time.perf_counter()
        quiet = engine.run_cycle()
        took = time.perf_counter() - start
        assert quiet.finished and quiet.pulled == 0, quiet
        cursor = session.store.get_state().cursor
        t = time.perf_counter()
        requests.get(f"{server.url}{API_PREFIX}/changes", params={"cursor": cursor, "limit": 1000},
                     headers={"Authorization": f"Bearer {probe['token']}", "X-Device-Id": DEVICE},
                     timeout=30)
        bare = time.perf_counter() - t
        ratio = took / bare if bare > 0 else float("inf")
        print(f"sync with nothing new: {took * 1000:.1f} ms (floor {bare * 1000:.1f} ms,"
              f" ratio {ratio:.1f}) [{counter.n} round trip(s)]", flush=True)

        actions = Actions(session.store, session.actor)
        unclaimed = session.store.case_ids("assignee_id IS NULL", (), "id")
        k = min(1000, len(unclaimed) // 2)
        ids, floor_ids = unclaimed[:k], unclaimed[k:2 * k]
        for case_id in ids:
            actions.claim(case_id)
        counter.n = 0
        start = time.perf_counter()
        pushed = engine.run_cycle()
        took = time.perf_counter() - start
        assert pushed.finished and pushed.applied == len(ids), pushed
        # The floor: as many fresh claims posted in the same batch sizes with bare
        # requests, then the changes they made fetched with a bare GET.
        headers = {"Authorization": f"Bearer {probe['token']}", "X-Device-Id": DEVICE,
                   "Content-Type": "application/json", "Accept-Encoding": "gzip"}
        now = datetime.now(timezone.utc).isoformat()
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
             f" [{pushed.push_requests} push request(s); {counter.n} round trips in the cycle,"
             f" with the pull of the {pushed.pulled} changed cases and the summary check]")
        session.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
