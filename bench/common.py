"""Helpers shared by the benchmarks: the printed line, a bare HTTP floor server, a fill.

A benchmark's figure means something only beside a floor measured in the same run on
the same machine, so every line is printed as "name: X (floor Y, ratio Z)".
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk.wire import IntakeRequest, Op  # noqa: E402

PASSWORD = "demo-pass"


@dataclass
class Server:
    url: str
    app: Any
    stop: Callable[[], None] = field(repr=False)


def start_server(db_path: Path, *, seed: str = "empty") -> Server:
    """The reference server as `desk central` runs it: uvicorn binds host and port itself.

    Not launch.demo.start_demo_server: it hands uvicorn a socket made with protocol 0,
    for which asyncio skips TCP_NODELAY, so every answer after the first on a kept-alive
    connection waits ~40 ms for the client's delayed ACK (Nagle); a deployed server does
    not, and a benchmark must measure what is deployed."""
    import uvicorn

    from central.app import create_app

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(db_path, gateway_token=secrets.token_urlsafe(24), seed=seed)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, name="bench-central", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the central server did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(15)

    return Server(url=f"http://127.0.0.1:{port}", app=app, stop=stop)


def line(name: str, figure: float, floor: float, unit: str = "s", *, higher_is_better: bool = False,
         extra: str = "") -> float:
    """Print one result and return its ratio (how many times worse than the floor)."""
    if higher_is_better:
        ratio = floor / figure if figure > 0 else float("inf")
    else:
        ratio = figure / floor if floor > 0 else float("inf")
    print(f"{name}: {figure:.2f} {unit} (floor {floor:.2f} {unit}, ratio {ratio:.2f}){extra}", flush=True)
    return ratio


class BareServer:
    """A bare threaded http.server on loopback: GET answers from `get(path)` with
    pre-made bytes and headers, POST reads the body and answers a fixed small JSON.
    It stands for "the same bytes served by the least a handler can do"."""

    def __init__(self, get: Callable[[str], tuple[bytes, dict[str, str]]]) -> None:
        getter = get

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this, Nagle plus the
            # client's delayed ACK adds ~40 ms to every answer and the floor means nothing.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body, headers = getter(self.path)
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = b'{"results":[]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # a floor prints nothing

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="bare-floor", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


def fill_unit(service: Any, unit_id: str, cases: int, *, notes: int = 2, chunk: int = 500,
              progress_every: int = 5000) -> None:
    """`cases` unclaimed consultations in `unit_id`, each with a citizen's text and
    `notes` supervisor notes, written straight through the service (the code POST
    /intake and POST /ops run), many cases to a transaction so the fill is quick."""
    now = datetime.now(UTC)
    device = str(uuid.uuid4())
    token = service.login("chief1", PASSWORD, "bench-fill", device, now=now)["token"]
    chief = service.authenticate(token, now=now)
    seq = 0
    for first in range(0, cases, chunk):
        # Nested service writes become savepoints of this one transaction.
        with service.db.write():
            for i in range(first, min(cases, first + chunk)):
                when = now - timedelta(minutes=cases - i)
                case = service.intake(IntakeRequest(
                    kind="consultation", category="户政", channel="portal",
                    title=f"居住证办理咨询 第{i}号",
                    body="请问办理居住证需要哪些材料？需要本人到场吗？" * 3,
                    citizen={"name": "张伟明", "phone": "13912345678",
                             "id_number": "140105199001011234"},
                    unit_id=unit_id, received_at=when), now=when)
                ops = []
                for k in range(notes):
                    seq += 1
                    ops.append(Op(op_id=str(uuid.uuid4()), seq=seq, case_id=case["id"], type="note",
                                  base_version=case["version"], performed_at=when,
                                  payload={"body": f"所长批示 {k}：请尽快联系群众并答复。"}))
                if ops:
                    service.apply_ops(chief, ops, now=when)
        done = min(cases, first + chunk)
        if progress_every and done % progress_every == 0:
            print(f"  filled {done} cases", flush=True)


def start_server_process(db_path: Path, *, seed: str = "empty", niceness: int = 0) -> Server:
    """The reference server in a process of its own (`desk central`), as deployed: a
    benchmark of the desktop app must not have the server's work share the app's GIL.
    `niceness` lowers its priority: deployed, the platform runs on machines of its own
    and takes no core from the officer's window."""
    import subprocess

    import requests

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "launch.cli", "central", "--db", str(db_path), "--seed", seed,
         "--port", str(port), "--gateway-token", secrets.token_urlsafe(24)],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if niceness and hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, proc.pid, niceness)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/api/v1/reference", timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the central server did not start") from None
            time.sleep(0.1)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()

    return Server(url=url, app=None, stop=stop)
