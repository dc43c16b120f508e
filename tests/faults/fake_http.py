"""A tiny scripted HTTP server for the answers a real server cannot produce
(malformed, truncated, oversized, schema-breaking). Everything else is tested against
the real reference server."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    # Declare this many bytes but send only `body`, then hang up.
    declared_length: int | None = None
    gzip: bool = False
    # Stream this many bytes of filler inside a JSON string without a length.
    stream_bytes: int = 0

    @classmethod
    def json(cls, data, status: int = 200, **kw) -> Answer:
        return cls(status=status, body=json.dumps(data).encode(), **kw)


class FakeServer:
    def __init__(self):
        self.routes: dict[str, Callable[[dict], Answer] | Answer] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.seen.append((self.command, self.path, dict(self.headers), body))
                route = server.routes.get(f"{self.command} {path}")
                if route is None:
                    answer = Answer.json({"code": "not_found", "status": 404}, 404)
                elif callable(route):
                    answer = route(json.loads(body) if body else {})
                else:
                    answer = route
                payload = answer.body
                if answer.gzip:
                    payload = gzip.compress(payload)
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                if answer.gzip:
                    self.send_header("Content-Encoding", "gzip")
                if answer.stream_bytes:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b'{"changes": [], "pad": "')
                    chunk = b"x" * (1 << 20)
                    sent = 0
                    try:
                        while sent < answer.stream_bytes:
                            self.wfile.write(chunk)
                            sent += len(chunk)
                        self.wfile.write(b'"}')
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                declared = answer.declared_length if answer.declared_length is not None else len(payload)
                self.send_header("Content-Length", str(declared))
                if answer.declared_length is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                if answer.declared_length is not None:
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
