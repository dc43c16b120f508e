"""The `desk` command line: the same core as the desktop app, for scripts and for a
terminal on a station workstation.

Personal data is masked in every output unless the officer asks `show --reveal`, which
records a reveal op per field, as the app does. Text that came from citizens is shown
with terminal control characters removed, so a crafted message cannot repaint the
screen.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

import desk
from desk import timesafe
from desk.actions import ActionRefused
from desk.api import ApiError, AuthError, TransportError
from desk.logsafe import log_unexpected
from desk.masking import mask_citizen, mask_name, mask_text
from desk.profile import Profile, ProfileError, TokenVault, WrongPassword
from desk.rules import KNOWN_STATUSES
from desk.store import StoreError
from desk.terminal import clean, clean_data, field
from desk.wire import CASE_KINDS, format_time
from launch import report as report_command

if TYPE_CHECKING:
    # desk.session is imported where it is used, to keep the CLI's start light.
    from desk.session import Session

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3

QUEUE_NAMES = ("mine", "due-soon", "overdue", "unclaimed", "waiting", "closed", "station")
CALLBACK_OUTCOMES = ("reached", "no_answer", "busy", "wrong_number", "refused")
SATISFACTION = ("satisfied", "neutral", "dissatisfied")
CITIZEN_FIELDS = ("name", "phone", "id_number")

log = logging.getLogger(__name__)

class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def one_line(text: Any, width: int = 60) -> str:
    # field() first: a line break shows as a mark, so a crafted text cannot fake a line.
    flat = " ".join(field(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---------------------------------------------------------------- argument parsing


def _attach_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attach", action="append", default=[], metavar="FILE", type=Path,
                   help="attach a file (repeatable); checked against the server's limits before it is queued")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk", description="Desk (警务工作台): the officer's case desk")
    parser.add_argument("--profile", metavar="DIR", help="profile folder (default: the last one used)")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    parser.add_argument("--version", action="version", version=f"desk {desk.__version__}")
    # No command opens the desktop app, as double-clicking it would.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    central = sub.add_parser("central", help="run the reference central server", add_help=False)
    central.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("gui", help="open the desktop app (the default)", add_help=False)
    p = sub.add_parser("demo", help="run a demo server with a citizen simulator and open the app on it")
    p.add_argument("--as", dest="demo_user", default="officer1", metavar="USERNAME",
                   help="demo account to open the app as (default officer1; chief1 for the supervisor)")
    p.add_argument("--no-gui", action="store_true",
                   help="only run the server and print its URL and accounts (headless)")
    p.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                   help="about how often a citizen files a new case")

    p = sub.add_parser("login", help="log in and open (or create) the local cache")
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--username", required=True, metavar="NAME")
    p.add_argument("--ca-bundle", metavar="PEM")

    p = sub.add_parser("logout", help="end the session")
    p.add_argument("--wipe", action="store_true", help="also delete the local cache and unsent work")

    p = sub.add_parser("sync", help="send queued work and fetch changes")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("queue", help="list a queue")
    p.add_argument("name", nargs="?", default="mine", choices=QUEUE_NAMES)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="search the local cache")
    p.add_argument("text")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="show a case (id or number)")
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="show full personal data (recorded)")

    sub.add_parser("claim", help="take an unclaimed case of your station").add_argument("case")
    sub.add_parser("accept", help="accept a new case (受理)").add_argument("case")
    p = sub.add_parser("decline", help="decline to accept a new case (不予受理)")
    p.add_argument("case")
    p.add_argument("--reason", required=True)
    p = sub.add_parser("reply", help="reply to the citizen")
    p.add_argument("case")
    p.add_argument("--body", required=True)
    p.add_argument("--sms", action="store_true", help="also notify the citizen by SMS")
    _attach_option(p)
    p = sub.add_parser("note", help="add an internal note")
    p.add_argument("case")
    p.add_argument("--body", required=True)
    _attach_option(p)
    p = sub.add_parser("callback", help="record a follow-up call (回访)")
    p.add_argument("case")
    p.add_argument("--outcome", required=True, choices=CALLBACK_OUTCOMES)
    p.add_argument("--duration", type=int, default=0, metavar="SECONDS")
    p.add_argument("--body", required=True)
    p.add_argument("--satisfaction", choices=SATISFACTION)
    _attach_option(p)
    p = sub.add_parser("status", help="change the status: in_progress, waiting_citizen, closed")
    p.add_argument("case")
    p.add_argument("new_status", metavar="NEW_STATUS")
    p.add_argument("--reason", default="")
    p = sub.add_parser("transfer", help="transfer the case to another unit (转办)")
    p.add_argument("case")
    p.add_argument("--to-unit", required=True, metavar="UNIT")
    p.add_argument("--reason", required=True)
    p = sub.add_parser("reassign", help="give the case to another officer (supervisors)")
    p.add_argument("case")
    p.add_argument("--to-officer", required=True, metavar="USERNAME")
    p.add_argument("--reason", required=True)
    p = sub.add_parser("urge", help="urge the assignee (督办, supervisors)")
    p.add_argument("case")
    p.add_argument("--body", required=True)

    p = sub.add_parser("attachments", help="list a case's files (name, type, size, cached or not)")
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("attachment", help="save a case's file out of the encrypted cache (recorded)")
    p.add_argument("case")
    p.add_argument("attachment_id", metavar="ATTACHMENT_ID")
    p.add_argument("--save", required=True, metavar="PATH", help="where to write the file")
    p.add_argument("--force", action="store_true", help="overwrite a file that is there already")
    sub.add_parser("outbox", help="list the work not yet delivered").add_argument("--json", action="store_true")
    sub.add_parser("conflicts", help="list operations the server could not apply").add_argument(
        "--json", action="store_true")
    p = sub.add_parser("resolve", help="resolve a conflict: retry, keep as a note, or discard")
    p.add_argument("op_id", metavar="OP_ID")
    p.add_argument("choice", choices=("retry", "note", "discard"))
    report_command.add_parser(sub)
    sub.add_parser("check", help="check the profile, the cache and the outbox (for station IT)")
    p = sub.add_parser("reset-cache", help="start afresh with an empty cache (unsent work in the old one is lost)")
    p.add_argument("--yes", action="store_true", help="confirm: the old cache and its unsent work are deleted")
    return parser


# ---------------------------------------------------------------- plumbing


class Context:
    def __init__(self, args: argparse.Namespace, out, err, stdin):
        self.args = args
        self.out = out
        self.err = err
        self.stdin = stdin
        self._password: str | None = None
        self.session: Session | None = None

    def password(self) -> str:
        if self._password is None:
            if self.args.password_stdin:
                line = self.stdin.readline()
                if not line:
                    raise CliError("no password on stdin", EXIT_USAGE)
                self._password = line.rstrip("\r\n")
            else:
                self._password = getpass.getpass("Password: ")
        return self._password

    def profile_path(self) -> Path:
        from desk.session import last_profile

        if self.args.profile:
            return Path(self.args.profile)
        path = last_profile()
        if path is None:
            raise CliError("no profile yet: run `desk login --server URL --username NAME` first", EXIT_USAGE)
        return path

    def open(self):
        """Open the cache with the officer's password (no network)."""
        from desk.session import open_offline

        if self.session is None:
            self.session = open_offline(self.profile_path(), self.password())
        return self.session

    def online_client(self, *, fresh: bool = False):
        """A client with a valid token: the stored one, or a new login with the
        password already given (no keyring, or the token expired)."""
        from desk.session import connect

        session = self.open()
        if fresh or session.client is None or not session.client.token:
            connect(session, self.password())
        return session.client

    def zone(self) -> tzinfo:
        """The station's zone: the cached calendar's (the contract's before the first sync)."""
        return self.open().store.calendar_or_default().zone

    def now(self) -> datetime:
        """The server's time as best we know it: deadlines are judged on it."""
        offset = 0.0
        if self.session is not None:
            offset = self.session.store.get_state().clock_offset_s or 0.0
        return datetime.now(UTC) + timedelta(seconds=offset)

    def actions(self):
        from desk.actions import Actions

        session = self.open()
        return Actions(session.store, session.actor, now=lambda: datetime.now(UTC))

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def print(self, *parts: Any) -> None:
        print(*parts, file=self.out)

    def json(self, data: Any) -> None:
        # Through plain JSON first, so every string, whatever held it, is cleaned.
        data = clean_data(json.loads(json.dumps(data, default=_json_default)))
        json.dump(data, self.out, ensure_ascii=False, indent=2, default=_json_default)
        self.out.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _parse_time(value: Any) -> datetime:
    return timesafe.sortable(value)


def local_time(value: Any, zone: tzinfo) -> str:
    """A wire time in the station's zone; clamped at the ends of the range, and a text
    that is not a time shown as it came (cleaned), never a traceback."""
    if not value:
        return "-"
    return field(timesafe.format_in(value, zone))


def _masked_case(case: dict, revealed: bool) -> dict:
    out = dict(case)
    if not revealed:
        out["citizen"] = mask_citizen(case.get("citizen") or {})
    return out


def _resolve_case(ctx: Context, ref: str) -> dict:
    case = ctx.open().store.case(ref)
    if case is None:
        raise CliError(f"no case {clean(ref)} in the local cache (run `desk sync`?)", EXIT_USAGE)
    return case


def _names(ctx: Context) -> tuple[dict[str, str], dict[str, str]]:
    ref = ctx.open().store.reference()
    if ref is None:
        return {}, {}
    return ({u.id: u.name for u in ref.units}, {o.id: o.name for o in ref.officers})


def _kind_shown(ctx: Context, kind: str | None) -> str:
    """The kind as the CLI always printed it, with its policy name beside a kind this
    desk was not built with (a grown platform's new kind is named by its policy row)."""
    word = clean(kind or "")
    if kind in CASE_KINDS:
        return word
    ref = ctx.open().store.reference()
    name = clean(ref.kind_name(kind)) if ref is not None else word
    return f"{word} ({name})" if name and name != word else word


# ---------------------------------------------------------------- commands


def cmd_central(ctx: Context) -> int:
    from central import server

    parser = argparse.ArgumentParser(prog="desk central")
    server.add_arguments(parser)
    result = server.run(parser.parse_args(ctx.args.args))
    return int(result or 0)


def _gui_app():
    # Imported only when the app is asked for: the terminal commands start without Qt,
    # and work on a machine without a display or without PySide6.
    try:
        from ui import app
    except ImportError as exc:
        raise CliError(f"the desktop app cannot start here: {exc}") from exc
    return app


def _gui_main():
    return _gui_app().main


def cmd_gui(ctx: Context) -> int:
    gui_main = _gui_main()
    return int(gui_main(list(getattr(ctx.args, "args", None) or [])) or 0)


def cmd_demo(ctx: Context) -> int:
    from launch.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoEnvironment, run_demo

    a = ctx.args
    if a.no_gui:
        return run_demo(out=ctx.out, interval=a.interval)
    known = [name for name, _what in DEMO_ACCOUNTS]
    if a.demo_user not in known:
        raise CliError(f"no demo account {clean(a.demo_user)}; try one of {', '.join(known)}", EXIT_USAGE)
    app = _gui_app()
    gui_main = app.main
    # Said before the demo server starts, not after it when the window fails.
    problem = app.display_problem()
    if problem:
        raise CliError(problem)
    demo = DemoEnvironment(interval=a.interval)
    try:
        demo.start()
    except RuntimeError as exc:
        raise CliError(str(exc)) from exc
    ctx.print(f"demo server on {demo.server_url} (its own process; the app connects through "
              f"{demo.app_url}); opening Desk as {a.demo_user} (password {DEMO_PASSWORD})")
    argv = list(getattr(a, "args", None) or [])
    if not any(arg.startswith("--sync-interval") for arg in argv):
        # New citizen cases arrive every half minute or so; show them soon after.
        argv += ["--sync-interval", "15"]
    # The demo's profile, device id and last-profile record live in its scratch folder,
    # which goes when the demo ends: nothing is left in the officer's real folders.
    saved = {name: os.environ.get(name) for name in demo.profile_env()}
    os.environ.update(demo.profile_env())
    try:
        return int(gui_main(argv, demo={"server_url": demo.app_url, "username": a.demo_user,
                                        "password": DEMO_PASSWORD, "link": demo.link}) or 0)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        demo.stop()


def cmd_login(ctx: Context) -> int:
    from desk.session import login

    a = ctx.args
    session = login(a.server, a.username, ctx.password(), profile_dir=a.profile, ca_bundle=a.ca_bundle)
    ctx.session = session
    officer = session.officer
    ctx.print(f"logged in as {field(officer.username)} ({field(officer.name)}); profile {field(session.profile.path)}")
    if not session.vault.available:
        ctx.print("note: no OS keyring here; the session is kept in memory and each command logs in again")
    return EXIT_OK


def cmd_logout(ctx: Context) -> int:
    from desk.api import CentralClient
    from desk.session import forget_last_profile

    profile = Profile(ctx.profile_path())
    cfg = profile.config
    if cfg is None:
        raise CliError(f"no profile at {profile.path}", EXIT_USAGE)
    vault = TokenVault()
    token = vault.get(cfg.server_url, cfg.username)
    if token:
        client = CentralClient(cfg.server_url, device_id=cfg.device_id, ca_bundle=cfg.ca_bundle, token=token)
        try:
            client.logout()
        except ApiError as exc:
            ctx.print(f"note: the server was not told ({exc})")
        finally:
            client.close()
    vault.delete(cfg.server_url, cfg.username)
    if ctx.args.wipe:
        profile.wipe()
        forget_last_profile(profile.path)
        ctx.print("logged out; the local cache was deleted")
    else:
        ctx.print("logged out")
    return EXIT_OK


def cmd_sync(ctx: Context) -> int:
    from desk.pagework import PageWorker
    from desk.sync import SyncEngine

    session = ctx.open()
    try:
        client = ctx.online_client()
    except AuthError as exc:
        raise CliError(f"sync failed: {exc}") from exc
    except TransportError as exc:
        raise CliError(f"sync failed: {exc}") from exc
    # A sync of many pages reads page N+1 in a worker process while this one writes page N
    # (a second worker only took the writer's core: the write is the longer step).
    page_worker = PageWorker()
    engine = SyncEngine(session.store, client, session.actor, page_worker=page_worker)
    try:
        report = engine.run_cycle()
        if report.login_needed:
            # The stored token expired: we have the password, so log in again once.
            try:
                engine.client = ctx.online_client(fresh=True)
            except ApiError as exc:
                raise CliError(f"sync failed: {exc}") from exc
            report = engine.run_cycle()
    finally:
        page_worker.close()
    if ctx.args.json:
        ctx.json(dataclasses.asdict(report))
    else:
        ctx.print(("synced: " if report.finished else "sync stopped: ") + report.summary_line())
        for warning in report.warnings:
            print(f"warning: {warning}", file=ctx.err)
        outbox = session.store.outbox_count()
        conflicts = len(session.store.conflicts())
        if outbox or conflicts:
            ctx.print(f"outbox {outbox}, conflicts {conflicts}")
    if not report.finished:
        print(f"sync failed: {report.error}", file=ctx.err)
        return EXIT_FAILED
    return EXIT_OK


def _print_rows(ctx: Context, ids: Sequence[str]) -> None:
    store = ctx.open().store
    if ctx.args.json:
        ctx.json([_masked_case(store.case(i), False) for i in ids if store.case(i) is not None])
        return
    rows = store.rows(list(ids))
    now = ctx.now()
    if not rows:
        ctx.print("no cases")
        return
    zone = ctx.zone()
    for row in rows:
        due = local_time(row.get("next_due_at"), zone) if row.get("next_due_at") else "-"
        marks = ""
        if row.get("pending_ops"):
            marks += f" [{row['pending_ops']} pending]"
        if row.get("conflicts"):
            marks += " [conflict]"
        if row.get("provisional"):
            due += " (provisional)"
        if row.get("next_due_at") and _parse_time(row["next_due_at"]) < now:
            marks += " [overdue]"
        ctx.print(f"{field(row['number'])}  {field(row['status']):<15} due {due:<16}  "
                  f"{mask_name(field(row.get('citizen_name') or '')):<4}  "
                  f"{one_line(mask_text(clean(row.get('title')), [str(row.get('citizen_name') or '')]), 40)}{marks}")
    ctx.print(f"{len(rows)} case(s)")


def cmd_queue(ctx: Context) -> int:
    from desk.queues import queue_ids

    session = ctx.open()
    if ctx.args.name == "station" and not session.actor.is_supervisor:
        raise CliError("`desk queue station` is for station chiefs (supervisors); "
                       "try `desk queue mine` or `desk queue unclaimed`", EXIT_USAGE)
    ids = queue_ids(session.store, ctx.args.name, session.actor, ctx.now())
    _print_rows(ctx, ids)
    return EXIT_OK


def cmd_search(ctx: Context) -> int:
    from desk.queues import search_ids

    ids = search_ids(ctx.open().store, ctx.args.text)
    _print_rows(ctx, ids)
    return EXIT_OK


def cmd_show(ctx: Context) -> int:
    case = _resolve_case(ctx, ctx.args.case)
    if ctx.args.reveal:
        actions = ctx.actions()
        citizen = case.get("citizen") or {}
        for name in CITIZEN_FIELDS:
            if citizen.get(name):
                actions.reveal(case["id"], name)
        case = _resolve_case(ctx, case["id"])
    shown = _masked_case(case, ctx.args.reveal)
    if ctx.args.json:
        ctx.json(shown)
        return EXIT_OK
    units, officers = _names(ctx)
    c = shown.get("citizen") or {}
    assignee = case.get("assignee_id")
    # Citizens write their numbers and names into the text too; mask those the way
    # the citizen fields are, unless the officer revealed them.
    full_name = str((case.get("citizen") or {}).get("name") or "")
    text = (lambda t: clean(t)) if ctx.args.reveal else (lambda t: mask_text(clean(t), [full_name]))
    ctx.print(f"{field(case['number'])}  {field(_kind_shown(ctx, case.get('kind')))}  {field(case.get('status'))}"
              f"  (version {field(case.get('version'))})")
    if case.get("status") not in KNOWN_STATUSES:
        # A status a newer platform added: this desk offers no transition on it.
        ctx.print("status:   not known to this desk: read-only (notes and callbacks still work)")
    ctx.print(f"title:    {one_line(text(case.get('title')), 200)}")
    ctx.print(f"citizen:  {field(c.get('name'))}  {field(c.get('phone'))}  {field(c.get('id_number'))}")
    unit_id = case.get("unit_id")
    ctx.print(f"unit:     {field(units.get(unit_id, unit_id) if unit_id is not None else None)}")
    ctx.print(f"assignee: {field(officers.get(assignee, assignee)) if assignee else 'unclaimed'}")
    zone = ctx.zone()
    ctx.print(f"received: {local_time(case.get('received_at'), zone)}  channel: {field(case.get('channel'))}")
    for clock in case.get("clocks") or []:
        state = "stopped" if clock.get("stopped_at") else ("paused" if clock.get("paused") else "running")
        if clock.get("pending"):
            state += ", pending delivery"
        extra = " (provisional)" if clock.get("provisional") else ""
        ctx.print(f"clock:    {field(clock.get('clock'))} due {local_time(clock.get('due_at'), zone)}{extra} [{state}]")
    if case.get("pending_ops") or case.get("conflicts"):
        ctx.print(f"local:    {case.get('pending_ops', 0)} pending, {case.get('conflicts', 0)} conflict(s)")
    ctx.print("")
    for line in text(case.get("body")).splitlines() or [""]:
        ctx.print(f"  {line}")
    ctx.print("")
    for entry in case.get("entries") or []:
        mark = ""
        if entry.get("local_state"):
            mark = f" [{entry['local_state']}]"
        if entry.get("late"):
            mark += " [late]"
        who = field(entry.get("author_name") or officers.get(entry.get("author_id"), "") or "")
        body = one_line(text(entry.get("body")), 100)
        data = entry.get("data") or {}
        if not body and data.get("to"):
            body = f"-> {field(data['to'])}"
        elif not body and data.get("field"):
            body = f"revealed {field(data['field'])}"
        said = f"{who}: {body}" if who and body else (who or body)
        when = local_time(entry.get("performed_at"), zone)
        ctx.print(f"{when}  {field(entry.get('type')):<15} {said}{mark}".rstrip())
    return EXIT_OK


def _queued(ctx: Context, what: str, case: dict) -> int:
    count = ctx.open().store.outbox_count()
    ctx.print(f"queued: {what} on {field(case['number'])} (outbox: {count})")
    return EXIT_OK


def _act(ctx: Context, what: str, method: str, *args: Any, **kwargs: Any) -> int:
    case = _resolve_case(ctx, ctx.args.case)
    getattr(ctx.actions(), method)(case["id"], *args, **kwargs)
    return _queued(ctx, what, case)


def cmd_transfer(ctx: Context) -> int:
    ref = ctx.open().store.reference()
    target = ctx.args.to_unit
    if ref is not None:
        by_name = {u.name: u.id for u in ref.units}
        ids = {u.id for u in ref.units}
        if target not in ids and target in by_name:
            target = by_name[target]
    return _act(ctx, "transfer", "transfer", target, ctx.args.reason)


def cmd_reassign(ctx: Context) -> int:
    ref = ctx.open().store.reference()
    wanted = ctx.args.to_officer
    officer_id = None
    if ref is not None:
        for officer in ref.officers:
            if officer.username == wanted or officer.id == wanted:
                officer_id = officer.id
    if officer_id is None:
        raise CliError(f"no officer {clean(wanted)} in your unit", EXIT_USAGE)
    return _act(ctx, "reassign", "reassign", officer_id, ctx.args.reason)


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} B"


def cmd_attachments(ctx: Context) -> int:
    case = _resolve_case(ctx, ctx.args.case)
    files = ctx.open().store.case_files(case["id"])
    if ctx.args.json:
        ctx.json([{"id": f.attachment_id, "name": f.name, "content_type": f.content_type, "size": f.size,
                   "sha256": f.sha256, "cached": f.cached, "entry_id": f.entry_id, "direction": f.direction,
                   "uploaded": f.uploaded} for f in files])
        return EXIT_OK
    if not files:
        ctx.print(f"{field(case['number'])}: no files")
        return EXIT_OK
    entries = {e.get("id"): e for e in case.get("entries") or []}
    zone = ctx.zone()
    for f in files:
        entry = entries.get(f.entry_id) if f.entry_id else None
        came = (f"{field(entry.get('type'))} {local_time(entry.get('performed_at'), zone)}" if entry
                else ("queued" if f.direction == "out" else "intake"))
        state = "cached" if f.cached else "not cached"
        if f.direction == "out":
            state = f"sending {f.uploaded}/{f.size}" if f.uploaded < f.size else "sent, op queued"
        ctx.print(f"{field(f.attachment_id or '-'):<16} {one_line(f.name, 40):<40} {field(f.content_type):<16} "
                  f"{_size_text(f.size):>9}  {state:<14} {came}")
    return EXIT_OK


def cmd_attachment(ctx: Context) -> int:
    case = _resolve_case(ctx, ctx.args.case)
    dest = Path(ctx.args.save)
    if dest.is_dir():
        raise CliError(f"{clean(str(dest))} is a folder: give the file's path", EXIT_USAGE)
    if dest.exists() and not ctx.args.force:
        raise CliError(f"{clean(str(dest))} exists already: use --force to overwrite it", EXIT_USAGE)
    store = ctx.open().store
    found = store.find_file(case["id"], ctx.args.attachment_id)
    ctx.actions().save_attachment(case["id"], ctx.args.attachment_id, dest, overwrite=ctx.args.force)
    name = one_line(found.name, 80) if found else ""
    ctx.print(f"saved {name} to {clean(str(dest))}")
    ctx.print("note: this copy is outside the encrypted cache; it stays on this computer until you delete it")
    if found is not None and found.attachment_id is not None:
        ctx.print(f"recorded: you saved this file out (reveal queued; outbox: {store.outbox_count()})")
    return EXIT_OK


def _ops_json(items) -> list[dict]:
    return [{"op_id": i.op_id, "case_id": i.case_id, "type": i.type, "state": i.state,
             "error": i.error} for i in items]


def cmd_outbox(ctx: Context) -> int:
    items = ctx.open().store.outbox()
    if ctx.args.json:
        ctx.json(_ops_json(items))
        return EXIT_OK
    for i in items:
        err = f"  ({one_line(i.error, 60)})" if i.error else ""
        ctx.print(f"{field(i.op_id[:8])}  {field(i.case_number or i.case_id)}  "
                  f"{field(i.type):<10} {field(i.state)}{err}")
    ctx.print(f"{len(items)} queued")
    return EXIT_OK


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        code = error.get("code", "")
        detail = error.get("detail", "")
        return f"{code}: {detail}" if detail else str(code)
    return str(error or "")


def cmd_conflicts(ctx: Context) -> int:
    items = ctx.open().store.conflicts()
    if ctx.args.json:
        ctx.json(_ops_json(items))
        return EXIT_OK
    for i in items:
        ctx.print(f"{field(i.op_id[:8])}  {field(i.case_number or i.case_id)}  {field(i.type):<10} {field(i.state)}: "
                  f"{one_line(_error_text(i.error), 80)}")
    ctx.print(f"{len(items)} conflict(s)" + ("; resolve with `desk resolve OP_ID retry|note|discard`" if items else ""))
    return EXIT_OK


def cmd_resolve(ctx: Context) -> int:
    store = ctx.open().store
    wanted = ctx.args.op_id.lower()
    matches = [c for c in store.conflicts() if c.op_id.lower().startswith(wanted)]
    if not matches:
        raise CliError(f"no open conflict {clean(ctx.args.op_id)}", EXIT_USAGE)
    if len(matches) > 1:
        raise CliError(f"{clean(ctx.args.op_id)} matches {len(matches)} conflicts; give more of the id", EXIT_USAGE)
    op_id = matches[0].op_id
    actions = ctx.actions()
    if ctx.args.choice == "retry":
        new = actions.retry_conflict(op_id)
        ctx.print(f"retry queued as {new[:8]}" if new else "nothing to retry; conflict closed")
    elif ctx.args.choice == "note":
        new = actions.note_from_conflict(op_id)
        ctx.print(f"kept as a note ({new[:8]})")
    else:
        actions.discard_conflict(op_id)
        ctx.print("discarded")
    ctx.print(f"outbox: {store.outbox_count()}")
    return EXIT_OK


def cmd_check(ctx: Context) -> int:
    """Station IT's check: each part said sound or not, exit 0 only when all are."""
    from desk.session import actor_of
    from desk.wire import Officer

    profile = Profile(ctx.profile_path())
    problems = 0

    def report(part: str, sound: bool, words: str) -> None:
        nonlocal problems
        problems += 0 if sound else 1
        ctx.print(f"{part + ':':<9} {'sound' if sound else 'NOT SOUND'}: {field(words)}")

    try:
        cfg = profile.config
    except ProfileError as exc:
        report("profile", False, str(exc))
        cfg = None
    if cfg is None:
        if not problems:
            report("profile", False, f"no profile at {profile.path}")
        report("cache", False, "not checked: the profile is unreadable")
        return EXIT_FAILED
    try:
        Officer.model_validate(cfg.officer)
        actor_of(Officer.model_validate(cfg.officer))
        report("profile", True, f"{cfg.username} on {cfg.server_url}")
    except ValueError:
        report("profile", False, "the officer recorded in profile.json is unreadable")
    store = None
    try:
        store = profile.unlock(ctx.password())
    except WrongPassword:
        raise
    except (ProfileError, StoreError, sqlcipher3.DatabaseError) as exc:
        report("cache", False, str(exc))
    if store is not None:
        try:
            if store.integrity_ok():
                report("cache", True, "integrity_check and cipher_integrity_check passed")
            else:
                report("cache", False, "integrity_check or cipher_integrity_check found damage; "
                                       "unsent work may be lost: `desk reset-cache` starts afresh")
        except (StoreError, sqlcipher3.DatabaseError) as exc:
            report("cache", False, f"unreadable: {exc}")
        try:
            found = store.inspect()
            missing = found["missing_tables"] + found["missing_indexes"]
            rows = found["rows"]
            report("schema", not missing,
                   f"version {found['version']}, {rows.get('local_cases', 0)} case(s) in the view"
                   + (f"; missing: {', '.join(missing)}" if missing else ""))
        except (StoreError, sqlcipher3.DatabaseError) as exc:
            report("schema", False, f"unreadable: {exc}")
        try:
            try:
                items = store.outbox()
                highest, queued, _lowest, conflicts = store.outbox_marks()
                bad = [i for i in items if i.seq > highest or i.seq <= 0]
                seqs = [i.seq for i in items]
                if bad or len(set(seqs)) != len(seqs):
                    report("outbox", False, f"{queued} queued; seq numbers out of order")
                else:
                    report("outbox", True, f"{queued} queued, {conflicts} open conflict(s), "
                                           f"highest seq {highest}")
            except (StoreError, sqlcipher3.DatabaseError, ValueError) as exc:
                report("outbox", False, f"unreadable: {exc}")
        finally:
            store.close()
    return EXIT_OK if not problems else EXIT_FAILED


def cmd_reset_cache(ctx: Context) -> int:
    profile = Profile(ctx.profile_path())
    if profile.config is None:
        raise CliError(f"no profile at {profile.path}", EXIT_USAGE)
    if not ctx.args.yes:
        raise CliError("this deletes the cache and any unsent work in it "
                       f"({profile.lost_work()}); add --yes to go ahead", EXIT_USAGE)
    store, lost = profile.reset_cache(ctx.password())
    store.close()
    ctx.print(f"started afresh with an empty cache; {lost}. Run `desk sync` to fetch your cases")
    return EXIT_OK


COMMANDS = {
    "central": cmd_central,
    "gui": cmd_gui,
    "demo": cmd_demo,
    "login": cmd_login,
    "logout": cmd_logout,
    "sync": cmd_sync,
    "queue": cmd_queue,
    "search": cmd_search,
    "show": cmd_show,
    "claim": lambda ctx: _act(ctx, "claim", "claim"),
    "accept": lambda ctx: _act(ctx, "accept", "accept"),
    "decline": lambda ctx: _act(ctx, "decline", "decline", ctx.args.reason),
    "reply": lambda ctx: _act(ctx, "reply", "reply", ctx.args.body, notify_sms=ctx.args.sms,
                              attachments=ctx.args.attach),
    "note": lambda ctx: _act(ctx, "note", "note", ctx.args.body, attachments=ctx.args.attach),
    "callback": lambda ctx: _act(ctx, "callback", "callback", ctx.args.outcome, ctx.args.body,
                                 duration_s=ctx.args.duration, satisfaction=ctx.args.satisfaction,
                                 attachments=ctx.args.attach),
    "attachments": cmd_attachments,
    "attachment": cmd_attachment,
    "status": lambda ctx: _act(ctx, f"status {ctx.args.new_status}", "set_status",
                               ctx.args.new_status, reason=ctx.args.reason),
    "transfer": cmd_transfer,
    "reassign": cmd_reassign,
    "urge": lambda ctx: _act(ctx, "urge", "urge", ctx.args.body),
    "outbox": cmd_outbox,
    "conflicts": cmd_conflicts,
    "resolve": cmd_resolve,
    "check": cmd_check,
    "report": report_command.cmd_report,
    "reset-cache": cmd_reset_cache,
}


# The app's options that take a value (ui/app.py parse_args): needed to find the command
# word behind them without importing Qt.
_APP_VALUE_OPTIONS = ("--lang", "--server", "--sync-interval", "--profile")


def _split_gui_args(argv: list[str]) -> tuple[list[str], list[str] | None] | None:
    """Where the desktop app's options go, before or after the command word.

    `desk [options] gui [options]` and `desk [options]` (no command, as a double-click):
    every option belongs to the app, verbatim and in order (it knows --profile and
    --password-stdin too); returns (["gui"], app options). `desk [app options] demo ...`:
    the app options move behind `demo`, which hands them to the app (or drops them with
    --no-gui); returns (argv for the parser, None). None for every other command."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in ("-h", "--help", "--version"):
            return None
        if not token.startswith("-"):
            break
        i += 2 if token in _APP_VALUE_OPTIONS else 1
    else:
        return (["gui"], list(argv)) if argv else None
    command = argv[i]
    if command == "gui":
        return ["gui"], argv[:i] + argv[i + 1:]
    if command == "demo" and i:
        return ["demo", *argv[i + 1:], *argv[:i]], None
    return None


def _quiet_sqlcipher() -> None:
    """SQLCipher writes its own lines to stderr on a damaged page; the command says it
    in one line of its own. The log level is process-wide, so one connection sets it."""
    try:
        conn = sqlcipher3.connect(":memory:")
        try:
            conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
        finally:
            conn.close()
    except sqlcipher3.Error:
        pass


def main(argv: Sequence[str] | None = None, *, out=None, err=None, stdin=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    gui_rest: list[str] | None = None
    split = _split_gui_args(argv)
    if split is not None:
        argv, gui_rest = split
    # `central` takes the server's own options; argparse's REMAINDER cannot start with
    # an option inside a subcommand, so unknown arguments are handed over here.
    args, rest = parser.parse_known_args(argv)
    if gui_rest is not None:
        args.command, args.args = "gui", gui_rest
    elif args.command is None:
        args.command, args.args = "gui", list(rest)
    elif args.command == "central":
        args.args = list(rest) + list(args.args)
    elif args.command == "demo":
        # The app's own options (--lang, --sync-interval) pass through to it; with
        # --no-gui there is no app and they do nothing.
        args.args = list(rest)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    ctx = Context(args, out, err, stdin or sys.stdin)
    if args.command != "central" and not logging.getLogger().handlers:
        # Warnings the officer must see are printed by the commands themselves; the
        # library's log lines would only repeat them on every run. The server sets up
        # its own request log on stderr, which this would silence.
        logging.basicConfig(level=logging.ERROR, format="desk: %(message)s")
        _quiet_sqlcipher()
    try:
        return COMMANDS[args.command](ctx)
    except BrokenPipeError:
        # `desk queue | head`: the reader went away; that is not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except CliError as exc:
        print(f"desk: {field(exc)}", file=err)
        return exc.code
    except WrongPassword as exc:
        print(f"desk: {field(exc)}", file=err)
        return EXIT_USAGE
    except ActionRefused as exc:
        print(f"desk: refused: {field(exc.message)}", file=err)
        return EXIT_REFUSED
    except AuthError as exc:
        print(f"desk: {field(exc)}", file=err)
        return EXIT_FAILED
    except ApiError as exc:
        print(f"desk: {field(exc)}", file=err)
        return EXIT_FAILED
    except (ProfileError, StoreError) as exc:
        print(f"desk: {field(exc)}", file=err)
        return EXIT_FAILED
    except sqlcipher3.DatabaseError as exc:
        # A page of the cache read back damaged mid-command.
        print(f"desk: the local cache is damaged ({field(exc)}); run `desk check`", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("desk: interrupted", file=err)
        return 130
    except Exception as exc:  # a bug: a clear line for the officer, where it happened for the log
        log_unexpected(log, "unexpected error in `desk " + str(args.command) + "`", exc)
        print(f"desk: unexpected error ({type(exc).__name__}); please report it with the lines above",
              file=err)
        return EXIT_FAILED
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
