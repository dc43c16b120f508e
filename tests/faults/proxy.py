"""A small HTTP/1.1-aware TCP proxy for fault-injection tests.

It sits between the client and the real server on loopback and relays request by
request, so it can go offline (refuse and cut connections), slow the link down, or lose
the server's answer after the server has committed: forward the request, read the whole
response, then close the client's socket without sending a byte of it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class _Closed(Exception):
    pass


def _read_line(f) -> bytes:
    line = f.readline(65537)
    if not line:
        raise _Closed()
    return line


def _read_head(f) -> tuple[bytes, dict[str, str]]:
    first = _read_line(f)
    while first in (b"\r\n", b"\n"):
        first = _read_line(f)
    raw = [first]
    headers: dict[str, str] = {}
    while True:
        line = _read_line(f)
        raw.append(line)
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return b"".join(raw), headers


def _read_exact(f, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise _Closed()
    return data


def _read_body(f, headers: dict[str, str], *, until_close: bool) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = _read_line(f)
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    trailer = _read_line(f)
                    parts.append(trailer)
                    if trailer in (b"\r\n", b"\n"):
                        return b"".join(parts)
            parts.append(_read_exact(f, size + 2))
    if "content-length" in headers:
        return _read_exact(f, int(headers["content-length"]))
    if until_close:
        return f.read()
    return b""


@dataclass
class Rule:
    """Lose the answer to `count` requests whose "METHOD /path" starts with `prefix`."""

    prefix: str
    count: int = 1


@dataclass
class Cut:
    """Cut the link `count` times on a request whose "METHOD /path" starts with `prefix`,
    after relaying `after` bytes: of the answer (head included), or of the request's
    body (the server gets the first bytes, then the connection closes)."""

    prefix: str
    after: int
    count: int = 1


@dataclass
class ProxyLog:
    requests: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # The request lines each client connection carried, by connection in accept order.
    connections: list[list[str]] = field(default_factory=list)


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.offline = False
        self.delay_s = 0.0
        # Bytes per second for relaying answers; None = full speed.
        self.throttle_bps: int | None = None
        # Hooks for tests: on_request runs before forwarding (return False to hang up
        # without forwarding); on_response runs once the server has answered, before
        # the client gets a byte of the answer.
        self.on_request: Callable[[str], bool | None] = lambda line: None
        self.on_response: Callable[[str], None] = lambda line: None
        self.log = ProxyLog()
        self._rules: list[Rule] = []
        self._answer_cuts: list[Cut] = []
        self._request_cuts: list[Cut] = []
        # Bytes relayed each way (heads included), for benchmarks and resume tests.
        self.bytes_to_client = 0
        self.bytes_to_server = 0
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ controls

    def drop_answer(self, prefix: str, count: int = 1) -> None:
        with self._lock:
            self._rules.append(Rule(prefix, count))

    def cut_answer(self, prefix: str, after: int, count: int = 1) -> None:
        with self._lock:
            self._answer_cuts.append(Cut(prefix, after, count))

    def cut_request(self, prefix: str, after: int, count: int = 1) -> None:
        with self._lock:
            self._request_cuts.append(Cut(prefix, after, count))

    def _take_cut(self, cuts: list[Cut], line: str) -> int | None:
        with self._lock:
            for cut in cuts:
                if cut.count > 0 and line.startswith(cut.prefix):
                    cut.count -= 1
                    return cut.after
        return None

    def go_offline(self) -> None:
        self.offline = True
        self.cut_all()

    def go_online(self) -> None:
        self.offline = False

    def cut_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for line in self.log.requests if line.startswith(prefix))

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._sock.close()
        except OSError:
            pass
        self.cut_all()

    # ------------------------------------------------------------ relay

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self.offline:
                conn.close()
                continue
            with self._lock:
                self._conns.add(conn)
                carried: list[str] = []
                self.log.connections.append(carried)
            threading.Thread(target=self._serve, args=(conn, carried), daemon=True).start()

    def _take_rule(self, line: str) -> bool:
        with self._lock:
            for rule in self._rules:
                if rule.count > 0 and line.startswith(rule.prefix):
                    rule.count -= 1
                    return True
        return False

    def _send_slowly(self, conn: socket.socket, data: bytes) -> None:
        bps = self.throttle_bps
        if not bps:
            # Counted before sending: once the client has read the bytes, they are counted.
            with self._lock:
                self.bytes_to_client += len(data)
            conn.sendall(data)
            return
        step = max(1, bps // 20)
        for i in range(0, len(data), step):
            if self.offline or self._stopped.is_set():
                raise _Closed()
            with self._lock:
                self.bytes_to_client += len(data[i:i + step])
            conn.sendall(data[i:i + step])
            time.sleep(step / bps)

    def _serve(self, conn: socket.socket, carried: list[str]) -> None:
        upstream: socket.socket | None = None
        up_file = None
        client_file = conn.makefile("rb")
        try:
            while not self._stopped.is_set():
                head, headers = _read_head(client_file)
                body = _read_body(client_file, headers, until_close=False)
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                method, _, rest = line.partition(" ")
                path = rest.rsplit(" ", 1)[0]
                request_line = f"{method} {path}"
                with self._lock:
                    self.log.requests.append(request_line)
                    carried.append(request_line)
                if self.on_request(request_line) is False or self.offline:
                    return
                if self.delay_s:
                    time.sleep(self.delay_s)
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=60)
                    up_file = upstream.makefile("rb")
                request_cut = self._take_cut(self._request_cuts, request_line)
                if request_cut is not None:
                    # The server gets the head and the first bytes of the body, then
                    # the link is gone both ways.
                    upstream.sendall(head + body[:request_cut])
                    with self._lock:
                        self.bytes_to_server += len(head) + len(body[:request_cut])
                    time.sleep(0.05)
                    return
                upstream.sendall(head + body)
                with self._lock:
                    self.bytes_to_server += len(head) + len(body)
                resp_head, resp_headers = _read_head(up_file)
                status = resp_head.split(b" ", 2)[1] if b" " in resp_head else b"200"
                no_body = method == "HEAD" or status in (b"204", b"304") or status.startswith(b"1")
                resp_body = b"" if no_body else _read_body(
                    up_file, resp_headers,
                    until_close="content-length" not in resp_headers
                    and "chunked" not in resp_headers.get("transfer-encoding", ""),
                )
                self.on_response(request_line)
                if self._take_rule(request_line):
                    # The server has done the work; the client never hears of it.
                    with self._lock:
                        self.log.dropped.append(request_line)
                    return
                answer_cut = self._take_cut(self._answer_cuts, request_line)
                if answer_cut is not None:
                    self._send_slowly(conn, (resp_head + resp_body)[:answer_cut])
                    return
                self._send_slowly(conn, resp_head + resp_body)
                if resp_headers.get("connection", "").lower() == "close":
                    return
        except (_Closed, OSError, ValueError, IndexError):
            return
        finally:
            with self._lock:
                self._conns.discard(conn)
            for closable in (client_file, up_file, upstream, conn):
                if closable is not None:
                    try:
                        closable.close()
                    except OSError:
                        pass
