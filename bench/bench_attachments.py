"""Attachment transfer benchmarks, each printed beside its floor from the same run.

    python bench/bench_attachments.py [--mib 20] [--runs 3]

- uploading a 20 MiB file over loopback with the client's transfer API (HEAD, then
  1 MiB PATCH chunks to the reference server, which streams them to disk, sniffs the
  type and checks the sha256 at the end), beside one bare request streaming the same
  bytes to a bare ASGI app on the same uvicorn that writes them to a file and hashes
  them once: the least a server could do with them (goal: within 1.5x);
- a download cut at 50% by the fault proxy and resumed with Range: the bytes the proxy
  relayed for the resumed request, beside the bytes that were still missing (the floor:
  fetching only the rest, head overhead aside).

Absolute times on shared machines are noise; the ratio is the result.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSWORD, line, start_server  # noqa: E402
from central.seed_files import receipt_png  # noqa: E402
from desk.api import CentralClient  # noqa: E402
from desk.wire import Op  # noqa: E402
from tests.faults.proxy import FaultProxy  # noqa: E402

MiB = 1024 * 1024


def photo(size: int, seed: int) -> bytes:
    head = receipt_png(f"bench-{seed}")
    return head + random.Random(seed).randbytes(size - len(head))


def bare_sink(folder: Path) -> tuple[str, Any]:
    """A bare ASGI app on uvicorn: reads one request body, writes it to a file, hashes it."""
    import uvicorn

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = folder / uuid.uuid4().hex
        with path.open("wb") as f:
            while True:
                message = await receive()
                f.write(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        digest = hashlib.sha256(path.read_bytes()).hexdigest().encode()
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-length", str(len(digest)).encode())]})
        await send({"type": "http.response.body", "body": digest})

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.mib * MiB
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        server = start_server(root / "central.sqlite")
        sink_url, sink = bare_sink(root)
        try:
            client = CentralClient(server.url, device_id=str(uuid.uuid4()), timeout=(5, 60))
            client.login("officer1", PASSWORD, "bench")
            uploads, floors = [], []
            for run in range(args.runs):
                data = photo(size, run)
                digest = hashlib.sha256(data).hexdigest()
                started = time.perf_counter()
                result = client.upload(io.BytesIO(data), sha256=digest, size=size)
                uploads.append(time.perf_counter() - started)
                assert result.sent == size and result.requests == args.mib
                started = time.perf_counter()
                r = requests.post(sink_url, data=data, timeout=60)
                floors.append(time.perf_counter() - started)
                assert r.content.decode() == digest
            line(f"upload {args.mib} MiB in 1 MiB chunks (median of {args.runs})",
                 statistics.median(uploads), statistics.median(floors), "s",
                 extra=" [floor: one bare request stream of the same bytes; goal ratio <= 1.5]")

            # A download cut at 50% and resumed: only the rest crosses the link again.
            data = photo(size, 99)
            digest = hashlib.sha256(data).hexdigest()
            client.upload(io.BytesIO(data), sha256=digest, size=size)
            unit = client.login("officer1", PASSWORD, "bench").officer.unit_id
            case = requests.post(f"{server.url}/api/v1/intake", timeout=30, json={
                "kind": "consultation", "title": "附件", "body": "附件", "unit_id": unit},
                headers={"Authorization": f"Bearer {server.app.state.service.gateway_token}"}).json()
            now = datetime.now(UTC)
            client.push([Op(op_id=str(uuid.uuid4()), seq=1, case_id=case["id"], type="claim", base_version=1,
                            performed_at=now, payload={})])
            res = client.push([Op(op_id=str(uuid.uuid4()), seq=2, case_id=case["id"], type="note",
                                  base_version=2, performed_at=now, payload={"body": "附件", "attachments": [
                                      {"sha256": digest, "name": "照片.png", "content_type": "image/png"}]})])
            att = res.results[0].case.attachments[0]  # type: ignore[union-attr]
            proxy = FaultProxy("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
            try:
                via = CentralClient(proxy.url, device_id=str(uuid.uuid4()), timeout=(5, 60))
                via.token = client.token
                proxy.cut_answer("GET /api/v1/attachments", after=size // 2)
                sink_file = io.BytesIO()
                first = proxy.bytes_to_client
                got = via.download(att.id, sink_file, sha256=digest, attempts=3, retry_delay=0.01)
                assert sink_file.getvalue() == data and got.resumed == 1
                # The proxy relayed exactly `size // 2` bytes (head included) before the cut.
                resumed_bytes = proxy.bytes_to_client - first - size // 2
                line("download resumed after a cut at 50%: bytes relayed after the cut",
                     resumed_bytes / MiB, (size - size // 2) / MiB, "MiB",
                     extra=f" [floor: the half still missing; the whole file is {size / MiB:.0f} MiB,"
                           f" {got.fetched / MiB:.2f} MiB of it fetched in all]")
            finally:
                proxy.stop()
        finally:
            sink.should_exit = True
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
