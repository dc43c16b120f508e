"""Start the real reference server on a free loopback port, in this process.

Other test packages import it:

    from tests.central.server_fixture import start_server, ManualClock
    server = start_server(tmp_path, seed="demo")        # or seed="empty", or a seed object
    server.url            # "http://127.0.0.1:PORT" (the API is under server.url + "/api/v1")
    server.gateway_token  # for POST /intake, /cases/{id}/citizen, the admin calls
    server.restart()      # stop and start again on the same database and port
    server.stop()

On PostgreSQL: `db_path=` takes a `postgresql://` URL as well; `postgres_database(url)`
gives a fresh schema of the test cluster in DESK_TEST_POSTGRES for one test (see
scripts/pg_test_server.sh).

Options go to central.app.create_app (token_ttl, change_retention, closed_retention, now,
min_client_version, calendar). Pass now=ManualClock(...) to move the server's time.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn

from central.app import create_app
from central.db import is_postgres

GATEWAY_TOKEN = "test-gateway-token"
START_TIMEOUT = 30.0
# The URL of a PostgreSQL server the tests may create schemas in (.ci/run starts one
# with scripts/pg_test_server.sh); without it the PostgreSQL runs are skipped.
POSTGRES_ENV = "DESK_TEST_POSTGRES"
POSTGRES_SKIP = (f"PostgreSQL backend: set {POSTGRES_ENV}=postgresql://... "
                 "(scripts/pg_test_server.sh start prints one)")
BACKENDS = ("sqlite", "postgresql")


class ManualClock:
    """A server clock that tests move by hand; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


# The ManualClocks of the running tests (tests/central/conftest.py's `clock` fixture).
ACTIVE_CLOCKS: list[ManualClock] = []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_database(url: str | None = None) -> Iterator[str]:
    """A fresh, empty schema in the test cluster, as a URL that selects it; dropped after."""
    import psycopg

    url = url or os.environ.get(POSTGRES_ENV, "")
    if not url:
        raise RuntimeError(POSTGRES_SKIP)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in url else "?"
    try:
        yield f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def database_target(backend: str, tmp_path: Path) -> Iterator[Path | str]:
    """A fresh database for one test on `backend` (one of BACKENDS)."""
    if backend == "sqlite":
        yield Path(tmp_path) / "central.sqlite"
        return
    import pytest

    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(POSTGRES_SKIP)
    with postgres_database() as url:
        yield url


def backend_of(target: Path | str) -> str:
    return "postgresql" if is_postgres(target) else "sqlite"


@dataclass
class RunningServer:
    db_path: Path | str
    seed: Any
    options: dict[str, Any]
    gateway_token: str = GATEWAY_TOKEN
    port: int = field(default_factory=_free_port)
    app: Any = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def service(self) -> Any:
        return self.app.state.service

    def start(self) -> RunningServer:
        self.app = create_app(self.db_path, gateway_token=self.gateway_token, seed=self.seed,
                              **self.options)
        # IPPROTO_TCP so asyncio sets TCP_NODELAY (see launch/demo.py).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"central-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the central server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError("the central server did not start in time")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
            if self._thread.is_alive():
                raise RuntimeError("the central server did not stop")
        self._server = None
        self._thread = None

    def restart(self) -> RunningServer:
        self.stop()
        return self.start()


def start_server(tmp_path: Path, seed: Any = "empty", **options: Any) -> RunningServer:
    """A started server on a fresh database under tmp_path (or on `db_path=` if given)."""
    db_path: Path | str = options.pop("db_path", Path(tmp_path) / "central.sqlite")
    if is_postgres(db_path):
        options.setdefault("blob_dir", Path(tmp_path) / "blobs")
    else:
        db_path = Path(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
    gateway_token = options.pop("gateway_token", GATEWAY_TOKEN)
    server = RunningServer(db_path=db_path, seed=seed, options=options, gateway_token=gateway_token)
    return server.start()
