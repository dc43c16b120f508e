"""`desk demo`: the reference server with demo data on a free loopback port, and a
citizen simulator that files a new realistic case now and then, so a trainee can try
the desk against something alive. The desktop app reuses start_demo_server().

The server lives in central/; it is imported only here and only when asked for, so the
core never depends on it.
"""

from __future__ import annotations

import logging
import random
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import requests

from desk.wire import API_PREFIX

log = logging.getLogger(__name__)

DEMO_ACCOUNTS = (
    ("officer1", "officer, station 1"),
    ("officer2", "officer, station 1"),
    ("chief1", "supervisor, station 1"),
    ("officer3", "officer, station 2"),
    ("chief2", "supervisor, station 2"),
)
DEMO_PASSWORD = "demo-pass"


@dataclass
class DemoServer:
    url: str
    gateway_token: str
    db_path: Path
    stop: Callable[[], None] = field(repr=False)
    app: Any = field(repr=False, default=None)


def _free_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on sockets that name TCP, and
    # without it Nagle plus delayed ACKs stall every reply after the first by ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def start_demo_server(
    *,
    db_path: Path | str | None = None,
    seed: str = "demo",
    host: str = "127.0.0.1",
    port: int = 0,
    gateway_token: str | None = None,
    **options: Any,
) -> DemoServer:
    """Start the reference server in a background thread; return once it answers.
    `options` go to central.app.create_app (change_retention, token_ttl, now, ...)."""
    import uvicorn

    from central.app import create_app

    if db_path is None:
        folder = Path(tempfile.mkdtemp(prefix="desk-demo-"))
        db_path = folder / "central.db"
    db_path = Path(db_path)
    token = gateway_token or secrets.token_urlsafe(24)
    app = create_app(db_path, gateway_token=token, seed=seed, **options)
    sock = _free_socket(host, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, access_log=False, log_level="warning", timeout_graceful_shutdown=2,
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="desk-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the demo server did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(15)
        sock.close()

    return DemoServer(url=f"http://{host}:{bound}", gateway_token=token, db_path=db_path,
                      stop=stop, app=app)


class CitizenSimulator(threading.Thread):
    """Files a new case through /intake every `interval` seconds (with some jitter)."""

    def __init__(self, url: str, gateway_token: str, *, interval: float = 30.0, seed: int | None = None):
        super().__init__(name="desk-citizen-simulator", daemon=True)
        self.url = url.rstrip("/")
        self.gateway_token = gateway_token
        self.interval = interval
        self.rng = random.Random(seed)
        self.filed = 0
        self._stop_event = threading.Event()

    def file_one(self) -> dict:
        from central.seeds import citizen_case

        request = citizen_case(self.rng, datetime.now(timezone.utc))
        resp = requests.post(
            f"{self.url}{API_PREFIX}/intake", json=request.wire(), timeout=10,
            headers={"Authorization": f"Bearer {self.gateway_token}"},
        )
        resp.raise_for_status()
        self.filed += 1
        return resp.json()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval * (0.5 + self.rng.random())):
            try:
                self.file_one()
            except (requests.RequestException, ValueError) as exc:
                log.warning("citizen simulator could not file a case: %s", type(exc).__name__)

    def stop(self) -> None:
        self._stop_event.set()


def run_demo(*, out, interval: float = 30.0) -> int:
    server = start_demo_server()
    simulator = CitizenSimulator(server.url, server.gateway_token, interval=interval)
    simulator.start()
    print(f"demo server on {server.url}{API_PREFIX} (database {server.db_path})", file=out)
    print(f"accounts (password {DEMO_PASSWORD}):", file=out)
    for username, what in DEMO_ACCOUNTS:
        print(f"  {username:<9} {what}", file=out)
    print(f"try: desk login --server {server.url} --username officer1", file=out)
    print("a citizen files a new case about every 30 s; Ctrl+C stops", file=out, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        server.stop()
    return 0
