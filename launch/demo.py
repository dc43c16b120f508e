"""`desk demo`: the reference server with demo data on a free loopback port, and a
citizen simulator that files a new realistic case now and then, so a trainee can try
the desk against something alive.

`DemoEnvironment` is what `desk demo` runs: the server as its own process (so the app
can lose it as it loses a real one), a loopback link between app and server that the
app's Demo menu cuts and restores (`DemoLink`), and one scratch folder for the server's
database, the demo profile and its settings, removed when the demo ends. The tests and
benchmarks use start_demo_server(), the same server in a thread of their own process.

The server lives in central/; it is imported only here and only when asked for, so the
core never depends on it.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
SCRATCH_PREFIX = "desk-demo-"
PID_FILE = "demo.pid"


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
    from central.server import DEFAULT_KEEP_ALIVE

    scratch: Path | None = None
    if db_path is None:
        # A folder of our own, removed on stop (each run used to leave 5.6 MB behind).
        scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        db_path = scratch / "central.db"
    db_path = Path(db_path)
    token = gateway_token or secrets.token_urlsafe(24)
    app = create_app(db_path, gateway_token=token, seed=seed, **options)
    sock = _free_socket(host, port)
    bound = sock.getsockname()[1]
    # Keep-alive past the desk's 60 s poll, as `desk central` does (central.server).
    config = uvicorn.Config(app, access_log=False, log_level="warning", timeout_graceful_shutdown=2,
                            lifespan="on", timeout_keep_alive=DEFAULT_KEEP_ALIVE)
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
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

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

        request = citizen_case(self.rng, datetime.now(UTC))
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


class DemoLink(threading.Thread):
    """A loopback TCP relay between the app and the demo server that can be cut.

    Cut, it drops every open connection and closes each new one at once, as a dead
    link does to the app; restored, it relays again. The server and the citizen
    simulator never notice: only this officer's station is offline."""

    def __init__(self, target_port: int, *, host: str = "127.0.0.1"):
        super().__init__(name="desk-demo-link", daemon=True)
        self.host = host
        self.target_port = target_port
        self.listener = _free_socket(host, 0)
        self.port = self.listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    def cut(self) -> None:
        self._up.clear()
        self._drop_all()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._closed.set()
        self._up.clear()
        try:
            self.listener.close()
        except OSError:
            pass
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def run(self) -> None:
        while not self._closed.is_set():
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection((self.host, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True,
                                 name="desk-demo-link-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with self._lock:
                    self._open.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        # Any HTTP answer (401 here) means the server is up; the call needs no account.
        requests.get(f"{url}{API_PREFIX}/summary", timeout=2).close()
    except requests.RequestException:
        return False
    return True


def _remove_stale_scratch() -> None:
    """Scratch folders of demos that died without cleaning up (killed, power cut)."""
    if os.name != "posix":
        return  # os.kill(pid, 0) probes a process only on POSIX
    for folder in Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"):
        try:
            pid = int((folder / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _die_with_parent() -> None:
    """In the server child (Linux): stop when the demo dies, however it dies (a killed
    demo used to leave its server running on a loopback port)."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class DemoEnvironment:
    """The server process, the link, the simulator and the scratch folder of one demo.

    Use as a context manager; leaving it stops everything and removes the folder (the
    server's database, the demo profile, its device id and last-profile record)."""

    def __init__(self, *, interval: float = 30.0, seed: str = "demo", host: str = "127.0.0.1",
                 with_link: bool = True, simulate: bool = True):
        self.interval = interval
        self.seed = seed
        self.host = host
        self.with_link = with_link
        self.simulate = simulate
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.link: DemoLink | None = None
        self.simulator: CitizenSimulator | None = None
        self.gateway_token = secrets.token_urlsafe(24)
        self.server_url = ""

    @property
    def db_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "central.db"

    @property
    def app_url(self) -> str:
        """Where the app connects: through the link when there is one."""
        return self.link.url if self.link is not None else self.server_url

    def profile_env(self) -> dict[str, str]:
        """Environment that keeps the demo's profile, device id and last-profile record
        in the scratch folder, away from the officer's real ones, and its session token
        out of the OS keyring (in memory only, gone with the demo)."""
        assert self.folder is not None
        return {"DESK_DATA_DIR": str(self.folder / "data"), "DESK_CONFIG_DIR": str(self.folder / "config"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}

    def _server_command(self, port: int) -> list[str]:
        # A frozen build is the `desk` command itself; from source, run the CLI module.
        head = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "launch.cli"]
        return [*head, "central", "--db", str(self.db_path), "--seed", self.seed, "--host", self.host,
                "--port", str(port), f"--gateway-token={self.gateway_token}"]

    def start(self) -> DemoEnvironment:
        _remove_stale_scratch()
        self.folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        (self.folder / PID_FILE).write_text(str(os.getpid()))
        try:
            self._start_server()
            if self.with_link:
                self.link = DemoLink(int(self.server_url.rsplit(":", 1)[1]), host=self.host)
                self.link.start()
            if self.simulate:
                self.simulator = CitizenSimulator(self.server_url, self.gateway_token, interval=self.interval)
                self.simulator.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self) -> None:
        assert self.folder is not None
        port = _free_port(self.host)
        # The child keeps its own copy of the log's descriptor.
        with open(self.folder / "server.log", "wb") as log_file:
            # Same process group: Ctrl+C or a closed terminal stops the server too, even
            # if this process is killed before it can stop it.
            self.process = subprocess.Popen(
                self._server_command(port), stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        self.server_url = f"http://{self.host}:{port}"
        deadline = time.monotonic() + 60
        while not _answers(self.server_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "server.log").read_text("utf-8", "replace").strip().splitlines()[-3:]
                raise RuntimeError("the demo server did not start: " + " | ".join(tail))
            time.sleep(0.1)

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self.link is not None:
            self.link.close()
            self.link = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> DemoEnvironment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_demo(*, out, interval: float = 30.0) -> int:
    demo = DemoEnvironment(interval=interval, with_link=False)
    try:
        demo.start()
    except RuntimeError as exc:
        print(f"desk: {exc}", file=out)
        return 1
    server = demo

    def terminated(_signum, _frame):
        raise KeyboardInterrupt

    # `kill PID` (SIGTERM) cleans up like Ctrl+C: the server stops, the data is removed.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminated)
    print(f"demo server on {server.server_url}{API_PREFIX} (database {server.db_path})", file=out)
    print(f"accounts (password {DEMO_PASSWORD}):", file=out)
    for username, what in DEMO_ACCOUNTS:
        print(f"  {username:<9} {what}", file=out)
    print(f"try: desk login --server {server.server_url} --username officer1", file=out)
    print("a citizen files a new case about every 30 s; Ctrl+C stops (and removes the demo data)",
          file=out, flush=True)
    try:
        while demo.process is not None and demo.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        demo.stop()
    return 0
