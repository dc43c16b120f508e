"""The floor of bench/bench_load.py: a bare ASGI app under the same uvicorn as the
reference server, answering every GET with the ~150 bytes of a no-change feed page.

    python -m uvicorn bench.bare_asgi:app --port 8766 --log-level warning --no-access-log
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BODY = (b'{"changes":[],"has_more":false,"next_cursor":"5f0c2a9e41b74d3f.123456",'
        b'"reference_version":"0f3a6c9e2b7d4a18","server_time":"2026-12-02T02:30:00.123456Z"}')
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
