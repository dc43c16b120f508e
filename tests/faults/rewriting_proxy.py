"""An HTTP proxy in front of the real reference server that rewrites feed pages, so a
test can send the client what a newer server could: the contract allows it, ours never
sends it (new kinds of entry, statuses, nulls, cases no reading can follow)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class RewritingProxy:
    """Plain HTTP in front of the real server that passes everything through and lets a
    test rewrite each feed page: what another, newer server could send."""

    def __init__(self, upstream: str) -> None:
        self.rewrite = lambda page: page
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "accept-encoding", "content-length")}
                resp = requests.request(self.command, upstream + self.path, data=body, timeout=30,
                                        headers={**headers, "Accept-Encoding": "identity"},
                                        allow_redirects=False)
                content = resp.content
                if self.path.startswith("/api/v1/changes") and resp.status_code == 200:
                    content = json.dumps(proxy.rewrite(resp.json()), ensure_ascii=False).encode()
                self.send_response(resp.status_code)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "content-encoding", "transfer-encoding",
                                         "connection", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = _relay

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
