"""`desk central`: run the reference central server with uvicorn.

    desk central --db PATH|postgresql://... --seed {empty,demo} --host 127.0.0.1 --port 8765
                 --gateway-token TOKEN [--certfile F --keyfile F] [--change-retention-days N]
                 [--min-client-version V] [--policy-file FILE] [--body-timeout S]
                 [--workers N] [--timeout-keep-alive S] [--ops-threads N --ops-queue N]
                 [--revoke-device ID [--username U]]

`--policy-file` adds case kinds or changes their clocks without a release: its rows
are merged over the seeded policy at start (central/policy.py); restart to re-read it.

`--workers N` runs N worker processes on one listening socket (uvicorn's supervisor
restarts one that dies). With SQLite they share the file: reads run side by side, writes
take turns through SQLite's own lock (central/db.py). The database is created and seeded
once by the supervisor before the workers start.

`--revoke-device` forgets a lost laptop's device secret, ends its sessions and exits
(the running server does the same on DELETE /api/v1/devices/{id} with the gateway token).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from datetime import timedelta
from typing import Any

DEFAULT_PORT = 8765
# Longer than a desk's 60 s poll interval, so a kept-alive connection (and its TLS
# session) is still open for the next poll; uvicorn's default of 5 s made every poll a
# new connection and, over TLS, a new handshake.
DEFAULT_KEEP_ALIVE = 75
# How a worker process learns the options it was started with (uvicorn spawns workers
# and builds each one's app from an import string, central.server:worker_app).
_WORKER_ENV = "DESK_CENTRAL_WORKER_OPTIONS"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True,
                        help="the SQLite database file (created if missing), or a PostgreSQL URL "
                             "postgresql://user@host/dbname (the schema is created if missing)")
    parser.add_argument("--seed", choices=("empty", "demo"), default="empty",
                        help="what a new database starts with (ignored for an existing one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--gateway-token", required=True,
                        help="the token the citizen portal (and the admin calls) present")
    parser.add_argument("--certfile", help="TLS certificate (PEM); serve HTTPS with --keyfile")
    parser.add_argument("--keyfile", help="TLS private key (PEM)")
    parser.add_argument("--change-retention-days", type=float, default=30.0,
                        help="how long the change log is kept; older cursors get 410")
    parser.add_argument("--closed-retention-days", type=float, default=30.0,
                        help="how long closed cases stay in the officers' feeds")
    parser.add_argument("--token-ttl-hours", type=float, default=12.0)
    parser.add_argument("--min-client-version", default="",
                        help="desk clients older than this get 426")
    parser.add_argument("--policy-file", metavar="FILE",
                        help="JSON rows {kind, name, clocks} merged over the case kinds' "
                             "policy at start (a new kind is a line in it)")
    parser.add_argument("--body-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="a request body that stalls longer than this is dropped (408)")
    parser.add_argument("--blob-dir", metavar="DIR",
                        help="where attachment bytes are kept (default: DB-blobs beside a SQLite "
                             "database; required with PostgreSQL: storage every worker shares)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes serving one address (default 1)")
    parser.add_argument("--timeout-keep-alive", type=int, default=DEFAULT_KEEP_ALIVE, metavar="SECONDS",
                        help="how long an idle connection is kept open (longer than the poll interval)")
    parser.add_argument("--ops-threads", type=int, default=None, metavar="N",
                        help="threads per worker applying pushes (POST /ops), apart from the reads")
    parser.add_argument("--ops-queue", type=int, default=None, metavar="N",
                        help="pushes a worker lets wait for those threads; more get 503 with Retry-After")
    parser.add_argument("--revoke-device", metavar="DEVICE_ID",
                        help="revoke this device's secret and sessions, then exit")
    parser.add_argument("--username", help="with --revoke-device: only for this officer")


def _app_options(args: argparse.Namespace) -> dict[str, Any]:
    """What create_app needs from the command line, as JSON-able values (a worker
    process gets them through its environment)."""
    options: dict[str, Any] = {
        "db": args.db, "gateway_token": args.gateway_token, "seed": args.seed,
        "token_ttl_hours": args.token_ttl_hours,
        "change_retention_days": args.change_retention_days,
        "closed_retention_days": args.closed_retention_days,
        "min_client_version": args.min_client_version, "policy_file": args.policy_file,
        "body_timeout": args.body_timeout, "blob_dir": args.blob_dir,
    }
    for name in ("ops_threads", "ops_queue"):
        if getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    return options


def _build_app(options: dict[str, Any]) -> Any:
    from central.app import create_app

    policy = None
    if options.get("policy_file"):
        from central.policy import load_policy_file

        policy = load_policy_file(options["policy_file"])
    extra = {name: options[name] for name in ("ops_threads", "ops_queue") if name in options}
    return create_app(
        options["db"], gateway_token=options["gateway_token"], seed=options["seed"],
        token_ttl=timedelta(hours=options["token_ttl_hours"]),
        change_retention=timedelta(days=options["change_retention_days"]),
        closed_retention=timedelta(days=options["closed_retention_days"]),
        min_client_version=options["min_client_version"], policy=policy,
        body_timeout=options["body_timeout"], blob_dir=options.get("blob_dir"), **extra,
    )


def _serving_process() -> None:
    # A push is pure Python for tens of milliseconds; with the default 5 ms switch
    # interval every poll the event loop answers meanwhile waits that long, several
    # times over, for the GIL. 1 ms keeps polls quick during a burst of pushes.
    sys.setswitchinterval(0.001)


def worker_app() -> Any:
    """The app of one worker process (uvicorn calls this in each worker it spawns)."""
    _serving_process()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return _build_app(json.loads(os.environ[_WORKER_ENV]))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from central.db import is_postgres, redacted, unreachable

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.certfile) != bool(args.keyfile):
        print("--certfile and --keyfile go together", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers is at least 1", file=sys.stderr)
        return 2
    options = _app_options(args)
    if args.policy_file:
        from central.policy import PolicyFileError, load_policy_file

        try:
            load_policy_file(args.policy_file)
        except PolicyFileError as exc:
            print(f"desk central: {exc}", file=sys.stderr)
            return 2
    problem = unreachable(args.db)
    if problem:
        print(f"desk central: {problem}", file=sys.stderr)
        return 1
    if is_postgres(args.db) and not args.blob_dir:
        print("desk central: a server on PostgreSQL needs --blob-dir (storage every worker shares)",
              file=sys.stderr)
        return 2
    # Made here even with workers: this creates, seeds and upgrades the database once,
    # before any worker opens it (and serves --revoke-device).
    app = _build_app(options)
    service = app.state.service
    if args.revoke_device:
        result = service.revoke_device(args.revoke_device, args.username)
        service.close()
        print(f"revoked {result['revoked_secrets']} device secret(s) and "
              f"{result['revoked_sessions']} session(s) of device {args.revoke_device}")
        return 0
    scheme = "https" if args.certfile else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    common: dict[str, Any] = dict(
        host=args.host, port=args.port, access_log=False, log_level="warning",
        ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, timeout_graceful_shutdown=5,
        timeout_keep_alive=args.timeout_keep_alive)
    if args.workers > 1:
        service.close()
        os.environ[_WORKER_ENV] = json.dumps(options)
        config = uvicorn.Config("central.server:worker_app", factory=True, workers=args.workers,
                                **common)
        print(f"desk central server on {scheme}://{host}:{args.port}/api/v1 "
              f"(seed {args.seed}, database {redacted(args.db)}, {args.workers} workers)", flush=True)
        # uvicorn's supervisor binds the socket, spawns the workers (each builds its app
        # from worker_app), restarts one that dies, and stops them all on SIGTERM/SIGINT.
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
        print("desk central server stopped", flush=True)
        return 0
    _serving_process()
    config = uvicorn.Config(app, **common)
    server = uvicorn.Server(config)
    print(f"desk central server on {scheme}://{host}:{args.port}/api/v1 "
          f"(seed {args.seed}, database {redacted(args.db)})", flush=True)
    # uvicorn handles SIGTERM and SIGINT itself: it stops taking requests, lets the
    # running ones finish and runs the app's shutdown (closing the database). Then it
    # raises the signal again for the handler it found, so a quiet one makes a stop on
    # request end with status 0 instead of a death by signal.
    stops: list[int] = []
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, frame: stops.append(number))
    server.run()
    if stops:
        print("desk central server stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="desk central", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
