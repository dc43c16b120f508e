"""`desk central`: run the reference central server with uvicorn.

    desk central --db PATH|postgresql://... --seed {empty,demo} --host 127.0.0.1 --port 8765
                 --gateway-token TOKEN [--certfile F --keyfile F] [--change-retention-days N]
                 [--min-client-version V] [--policy-file FILE] [--body-timeout S]
                 [--revoke-device ID [--username U]]

`--policy-file` adds case kinds or changes their clocks without a release: its rows
are merged over the seeded policy at start (central/policy.py); restart to re-read it.

`--revoke-device` forgets a lost laptop's device secret, ends its sessions and exits
(the running server does the same on DELETE /api/v1/devices/{id} with the gateway token).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import timedelta

DEFAULT_PORT = 8765


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
    parser.add_argument("--revoke-device", metavar="DEVICE_ID",
                        help="revoke this device's secret and sessions, then exit")
    parser.add_argument("--username", help="with --revoke-device: only for this officer")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from central.app import create_app
    from central.db import redacted, unreachable

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.certfile) != bool(args.keyfile):
        print("--certfile and --keyfile go together", file=sys.stderr)
        return 2
    policy = None
    if args.policy_file:
        from central.policy import PolicyFileError, load_policy_file

        try:
            policy = load_policy_file(args.policy_file)
        except PolicyFileError as exc:
            print(f"desk central: {exc}", file=sys.stderr)
            return 2
    problem = unreachable(args.db)
    if problem:
        print(f"desk central: {problem}", file=sys.stderr)
        return 1
    from central.db import is_postgres

    if is_postgres(args.db) and not args.blob_dir:
        print("desk central: a server on PostgreSQL needs --blob-dir (storage every worker shares)",
              file=sys.stderr)
        return 2
    app = create_app(
        args.db, gateway_token=args.gateway_token, seed=args.seed,
        token_ttl=timedelta(hours=args.token_ttl_hours),
        change_retention=timedelta(days=args.change_retention_days),
        closed_retention=timedelta(days=args.closed_retention_days),
        min_client_version=args.min_client_version, policy=policy, body_timeout=args.body_timeout,
        blob_dir=args.blob_dir,
    )
    service = app.state.service
    if args.revoke_device:
        result = service.revoke_device(args.revoke_device, args.username)
        service.close()
        print(f"revoked {result['revoked_secrets']} device secret(s) and "
              f"{result['revoked_sessions']} session(s) of device {args.revoke_device}")
        return 0
    scheme = "https" if args.certfile else "http"
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False,
                            log_level="warning", ssl_certfile=args.certfile,
                            ssl_keyfile=args.keyfile, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    host = f"[{args.host}]" if ":" in args.host else args.host
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
