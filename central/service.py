"""The reference server's service layer: sessions, reference data, the change feed,
the op engine and the citizen side, on top of central.db.

Every function takes the server's `now` explicitly, so the demo seed can replay a
history through exactly the code that serves POST /ops, and tests can move time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, overload
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, field_validator

from central.blobs import BlobStore, Limits, default_folder
from central.db import Database
from central.errors import ApiError
from desk import clocks as sla
from desk import rules, wire
from desk.worktime import Calendar

log = logging.getLogger("central.service")

ZONE = ZoneInfo("Asia/Shanghai")
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=1)
# scrypt cost: strong enough for a reference server, quick enough for tests that log in
# dozens of times.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
FINAL = ("closed", "declined")
# The change log's form (meta "log"): each case's latest change only, departures
# indexed by audience. A database without it is upgraded on start (Service._upgrade_log).
LOG_FORM = "latest+departures"


def utcnow() -> datetime:
    return datetime.now(UTC)


def db_time(t: datetime) -> str:
    """A fixed-width UTC form, so stored times compare correctly as text."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_db_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                          p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- request extras


INTAKE_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
INTAKE_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class IntakeAttachment(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=200)
    data_base64: str


class ReferenceIntakeRequest(wire.IntakeRequest):
    """The contract's intake plus, on the reference server only, inline attachments."""

    attachments: list[IntakeAttachment] = Field(default_factory=list)

    @field_validator("received_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        # Case numbers hold the day and clocks add up to 60 days to it: a time near the
        # ends of what datetime can hold would overflow instead of being refused.
        if value is not None and not (INTAKE_EARLIEST <= value < INTAKE_LATEST):
            raise ValueError("received_at must lie between 1970 and 2200")
        return value


class ReferenceCitizenEventRequest(wire.CitizenEventRequest):
    """The contract's citizen event plus, on the reference server only, the files a
    message brings (the material a case waiting on the citizen asked for)."""

    attachments: list[IntakeAttachment] = Field(default_factory=list)


class SetPasswordRequest(BaseModel):
    password: str = Field(min_length=1, max_length=1000)


class RevokeResponse(BaseModel):
    device_id: str
    revoked_secrets: int
    revoked_sessions: int


# ---------------------------------------------------------------- seeds


class SeedSource(Protocol):
    """What central.seeds provides (the reference data and the accounts)."""

    def units(self) -> list[wire.Unit]: ...
    def officers(self) -> list[Any]: ...
    def service_items(self) -> list[wire.ServiceItem]: ...
    def templates(self) -> list[wire.Template]: ...
    def policy(self) -> list[wire.Policy]: ...


@dataclass(frozen=True)
class Caller:
    id: str
    username: str
    name: str
    badge_no: str
    unit_id: str
    roles: tuple[str, ...]
    device_id: str = ""

    @property
    def actor(self) -> rules.Actor:
        return rules.Actor(id=self.id, unit_id=self.unit_id, roles=self.roles)

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles

    def wire(self) -> wire.Officer:
        return wire.Officer(id=self.id, username=self.username, name=self.name,
                            badge_no=self.badge_no, unit_id=self.unit_id,
                            roles=list(self.roles))


def _caller(row: Any, device_id: str = "") -> Caller:
    return Caller(id=row["id"], username=row["username"], name=row["name"],
                  badge_no=row["badge_no"], unit_id=row["unit_id"],
                  roles=tuple(json.loads(row["roles"])), device_id=device_id)


def in_scope(caller: Caller, unit_id: str | None, assignee_id: str | None) -> bool:
    """The contract's scope rule (desk.rules); `retired` (closed past retention) is
    checked apart."""
    return rules.in_scope(caller.actor, unit_id, assignee_id)


def _scope_sql(caller: Caller) -> tuple[str, list[Any]]:
    return rules.scope_sql(caller.actor)


def _scope_branches(caller: Caller) -> list[tuple[str, list[Any]]]:
    return rules.scope_branches(caller.actor)


# ---------------------------------------------------------------- the service


class Service:
    def __init__(
        self,
        db_path: str | Path,
        *,
        gateway_token: str,
        seed: str | SeedSource = "empty",
        token_ttl: timedelta = timedelta(hours=12),
        change_retention: timedelta = timedelta(days=30),
        closed_retention: timedelta = timedelta(days=30),
        now: Callable[[], datetime] | None = None,
        calendar: Calendar | None = None,
        policy: list[wire.Policy] | None = None,
        blob_dir: str | Path | None = None,
        limits: Limits | None = None,
    ) -> None:
        if not gateway_token:
            raise ValueError("a gateway token is required")
        self.gateway_token = gateway_token
        self.token_ttl = token_ttl
        self.change_retention = change_retention
        self.closed_retention = closed_retention
        self.clock = now or utcnow
        if calendar is None:
            from central.calendar_seed import build_calendar
            calendar = build_calendar()
        self.calendar = calendar
        # Rows of a policy file (central/policy.py), merged over the seeded policy.
        self.policy_overrides = list(policy or [])
        self.db = Database(db_path)
        # Attachment bytes (central/blobs.py): a folder beside the database unless told.
        self.files = BlobStore(self.db, blob_dir or default_folder(db_path), limits=limits)
        self.files.migrate(self.now())
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._failures_lock = threading.Lock()
        self._seed(seed)
        self._load_reference()
        self._upgrade_log()

    def now(self) -> datetime:
        t = self.clock()
        if t.tzinfo is None:
            raise ValueError("the server clock must return aware times")
        return t.astimezone(UTC)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ seeding

    @overload
    def _meta(self, conn: Any, key: str, default: str) -> str: ...
    @overload
    def _meta(self, conn: Any, key: str, default: None = None) -> str | None: ...

    def _meta(self, conn: Any, key: str, default: str | None = None) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def _set_meta(self, conn: Any, key: str, value: str) -> None:
        conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def _seed(self, seed: str | SeedSource) -> None:
        with self.db.read() as conn:
            if self._meta(conn, "seeded") is not None:
                return  # restarting on an existing database carries on
        demo = False
        source: SeedSource
        if isinstance(seed, str):
            if seed not in ("empty", "demo"):
                raise ValueError(f"unknown seed {seed!r}")
            from central import seeds

            source = seeds
            demo = seed == "demo"
        else:
            source = seed
        started = self.now()
        # One transaction for the whole seed: a crash half-way leaves an unseeded
        # database that the next start seeds again from scratch.
        with self.db.write() as conn:
            if self._meta(conn, "seeded") is not None:
                return
            self._set_meta(conn, "epoch", secrets.token_hex(6))
            self._set_meta(conn, "seq", "0")
            self._set_meta(conn, "floor", "0")
            self._set_meta(conn, "log", LOG_FORM)
            for i, unit in enumerate(source.units()):
                conn.execute("INSERT INTO units(id, name, parent_id, kind, ord) VALUES (?,?,?,?,?)",
                             (unit.id, unit.name, unit.parent_id, unit.kind, i))
            for officer in source.officers():
                salt = secrets.token_bytes(16)
                conn.execute(
                    "INSERT INTO officers(id, username, name, badge_no, unit_id, roles, pw_salt,"
                    " pw_hash) VALUES (?,?,?,?,?,?,?,?)",
                    (officer.id, officer.username, officer.name, officer.badge_no,
                     officer.unit_id, json.dumps(list(officer.roles)), salt,
                     hash_password(officer.password, salt)))
            for name, items in (("service_items", source.service_items()),
                                ("templates", source.templates()),
                                ("policy", source.policy())):
                conn.execute("INSERT INTO reference_docs(name, body) VALUES (?, ?)",
                             (name, canonical([item.wire() for item in items])))
            self._load_reference(conn)
            if demo:
                self._seed_demo(source, started)
            self._set_meta(conn, "seeded", db_time(started))

    def _seed_demo(self, source: Any, now: datetime) -> None:
        refs: dict[str, str] = {}
        failures = 0
        with self.db.read() as conn:
            callers = {row["username"]: _caller(row) for row in conn.execute("SELECT * FROM officers")}
        for n, event in enumerate(source.demo_events(now)):
            kind = type(event).__name__
            if kind == "Intake":
                case = self.intake(event.request, now=event.at)
                refs[event.ref] = case["id"]
            elif kind == "CitizenEvent":
                self.citizen_event(refs[event.case_ref], event.request, now=event.at)
            elif kind == "Action":
                op = wire.Op(
                    op_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"desk-demo/{n}")),
                    seq=n, case_id=refs[event.case_ref], type=event.op_type, base_version=0,
                    performed_at=event.performed_at or event.at, payload=event.payload)
                result = self.apply_ops(callers[event.username], [op], now=event.at)[0]
                if result["outcome"] != "applied":
                    failures += 1
                    log.warning("demo seed: %s op %d ended %s (%s)", event.op_type, n,
                                result["outcome"], (result.get("error") or {}).get("code"))
            else:
                raise TypeError(f"unknown demo event {kind}")
        if failures:
            log.warning("demo seed: %d ops were not applied", failures)

    def _upgrade_log(self) -> None:
        """A database written when the log kept every change: index its moves by
        audience, then keep each case's latest change only. Runs once; the meta key
        says it ran."""
        with self.db.read() as conn:
            if self._meta(conn, "log") == LOG_FORM:
                return
        with self.db.write() as conn:
            if self._meta(conn, "log") == LOG_FORM:
                return
            for row in conn.execute("SELECT * FROM changes WHERE reason IS NOT NULL ORDER BY seq").fetchall():
                self._log_departures(conn, row["seq"], parse_db_time(row["at"]), row["case_id"],
                                     (row["old_unit"], row["old_assignee"]),
                                     (row["new_unit"], row["new_assignee"]), row["reason"])
            conn.execute("DELETE FROM changes WHERE seq NOT IN"
                         " (SELECT MAX(seq) FROM changes GROUP BY case_id)")
            self._set_meta(conn, "log", LOG_FORM)

    # ------------------------------------------------------------ reference data

    def _load_reference(self, conn: Any = None) -> None:
        if conn is None:
            with self.db.read() as c:
                return self._load_reference(c)
        docs = {row["name"]: json.loads(row["body"])
                for row in conn.execute("SELECT name, body FROM reference_docs")}
        self.units = [wire.Unit(id=r["id"], name=r["name"], parent_id=r["parent_id"], kind=r["kind"])
                      for r in conn.execute("SELECT * FROM units ORDER BY ord")]
        self.unit_ids = {u.id for u in self.units}
        self.officer_units = {r["id"]: r["unit_id"] for r in conn.execute("SELECT id, unit_id FROM officers")}
        self.officer_names = {r["id"]: r["name"] for r in conn.execute("SELECT id, name FROM officers")}
        self.supervisor_ids = {r["id"] for r in conn.execute("SELECT id, roles FROM officers")
                               if "supervisor" in json.loads(r["roles"])}
        self.service_items = docs.get("service_items", [])
        self.templates = docs.get("templates", [])
        from central.policy import merge
        self.policies = merge((wire.Policy.model_validate(p) for p in docs.get("policy", [])),
                              self.policy_overrides)
        calendar = self.calendar.to_wire().wire()
        officers = [_caller(r).wire().wire() for r in conn.execute("SELECT * FROM officers ORDER BY id")]
        everything = {
            "units": [u.wire() for u in self.units], "officers": officers,
            "service_items": self.service_items, "templates": self.templates,
            "policy": [p.wire() for p in self.policies.values()], "calendar": calendar,
            "limits": self.files.limits.wire(),
        }
        self.reference_version = hashlib.sha256(canonical(everything).encode()).hexdigest()[:16]
        self._calendar_wire = calendar

    def reference(self, caller: Caller) -> dict[str, Any]:
        with self.db.read() as conn:
            officers = [_caller(r).wire().wire() for r in conn.execute(
                "SELECT * FROM officers WHERE unit_id = ? ORDER BY id", (caller.unit_id,))]
        return {
            "version": self.reference_version,
            "units": [u.wire() for u in self.units],
            "officers": officers,
            "service_items": self.service_items,
            "templates": self.templates,
            "policy": [p.wire() for p in self.policies.values()],
            "calendar": self._calendar_wire,
            "limits": self.files.limits.wire(),
        }

    # ------------------------------------------------------------ sessions

    def login(self, username: str, password: str, device_name: str, device_id: str,
              *, now: datetime) -> dict[str, Any]:
        if not device_id:
            raise ApiError(400, "device_id_required", "send X-Device-Id")
        # The attempt is counted before the slow hash, atomically: counted only after
        # it, a burst of parallel guesses all passed the check before any failed.
        self._check_throttle(username, now)
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM officers WHERE username = ?", (username,)).fetchone()
        # Hash even for an unknown username, so timing does not tell which names exist.
        salt = row["pw_salt"] if row else b"\x00" * 16
        digest = hash_password(password, salt)
        if row is None or not hmac.compare_digest(digest, row["pw_hash"]):
            raise ApiError(401, "invalid_credentials", "wrong username or password")
        caller = _caller(row, device_id)
        token = secrets.token_urlsafe(32)
        expires = now + self.token_ttl
        with self.db.write() as conn:
            secret_row = conn.execute("SELECT secret FROM devices WHERE officer_id = ? AND device_id = ?",
                                      (caller.id, device_id)).fetchone()
            if secret_row is None:
                secret = base64.b64encode(secrets.token_bytes(32)).decode()
                conn.execute("INSERT INTO devices(officer_id, device_id, secret, created_at) VALUES (?,?,?,?)",
                             (caller.id, device_id, secret, db_time(now)))
            else:
                secret = secret_row["secret"]
            conn.execute("INSERT INTO sessions(token_hash, officer_id, device_id, device_name, created_at,"
                         " expires_at) VALUES (?,?,?,?,?,?)",
                         (token_hash(token), caller.id, device_id, device_name, db_time(now),
                          db_time(expires)))
            # Sessions long expired only tell "expired" from "unknown"; a day is plenty.
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (db_time(now - timedelta(days=1)),))
        with self._failures_lock:
            self._failures.pop(username, None)
        return {
            "token": token, "expires_at": wire.format_time(expires),
            "server_time": wire.format_time(now), "device_secret": secret,
            "officer": caller.wire().wire(),
        }

    def _check_throttle(self, username: str, now: datetime) -> None:
        """Count this attempt for the username, or refuse it with 429 when 5 were
        counted in the last minute. A successful login clears the count."""
        with self._failures_lock:
            times = self._failures[username]
            while times and times[0] <= now - FAILURE_WINDOW:
                times.popleft()
            if len(times) >= FAILURES_ALLOWED:
                wait = (times[0] + FAILURE_WINDOW - now).total_seconds()
                raise ApiError(429, "too_many_attempts", "too many failed logins; wait",
                               headers={"Retry-After": str(max(1, int(wait + 0.999)))})
            times.append(now)
            if len(self._failures) > 10_000:
                # Guessed usernames must not grow this without bound.
                for name in [n for n, t in self._failures.items() if t[-1] <= now - FAILURE_WINDOW]:
                    del self._failures[name]

    def authenticate(self, token: str | None, *, now: datetime) -> Caller:
        if not token:
            raise ApiError(401, "unauthorized", "a bearer token is required",
                           headers={"WWW-Authenticate": "Bearer"})
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT s.expires_at, s.revoked, s.device_id, o.* FROM sessions s"
                " JOIN officers o ON o.id = s.officer_id WHERE s.token_hash = ?",
                (token_hash(token),)).fetchone()
        if row is None or row["revoked"]:
            raise ApiError(401, "invalid_token", "unknown token",
                           headers={"WWW-Authenticate": "Bearer"})
        if parse_db_time(row["expires_at"]) <= now:
            raise ApiError(401, "token_expired", "the session expired; log in again",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return _caller(row, row["device_id"])

    def logout(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (token_hash(token),))

    def check_gateway(self, token: str | None) -> None:
        if not token or not hmac.compare_digest(token.encode(), self.gateway_token.encode()):
            raise ApiError(401, "unauthorized", "the gateway token is required",
                           headers={"WWW-Authenticate": "Bearer"})

    def set_password(self, username: str, password: str) -> None:
        """Reference server only: lets tests change an officer's password."""
        salt = secrets.token_bytes(16)
        digest = hash_password(password, salt)
        with self.db.write() as conn:
            cur = conn.execute("UPDATE officers SET pw_salt = ?, pw_hash = ? WHERE username = ?",
                               (salt, digest, username))
            if cur.rowcount == 0:
                raise ApiError(404, "unknown_officer", "no such officer")

    def revoke_device(self, device_id: str, username: str | None = None) -> dict[str, Any]:
        """Forget the device secret of a lost laptop and end its sessions. Its next login
        gets a new secret, so the old encrypted cache can no longer be recovered."""
        with self.db.write() as conn:
            where, args = "device_id = ?", [device_id]
            if username is not None:
                row = conn.execute("SELECT id FROM officers WHERE username = ?", (username,)).fetchone()
                if row is None:
                    raise ApiError(404, "unknown_officer", "no such officer")
                where, args = "device_id = ? AND officer_id = ?", [device_id, row["id"]]
            secrets_gone = conn.execute(f"DELETE FROM devices WHERE {where}", args).rowcount
            sessions_gone = conn.execute(
                f"UPDATE sessions SET revoked = 1 WHERE revoked = 0 AND {where}", args).rowcount
        return {"device_id": device_id, "revoked_secrets": secrets_gone,
                "revoked_sessions": sessions_gone}

    # ------------------------------------------------------------ sequence and retention

    def _next_seq(self, conn: Any) -> int:
        seq = int(self._meta(conn, "seq", "0")) + 1
        self._set_meta(conn, "seq", str(seq))
        return seq

    def _log_change(self, conn: Any, seq: int, now: datetime, case_id: str,
                    old: tuple[str | None, str | None], new: tuple[str | None, str | None],
                    reason: str | None) -> None:
        # Only the case's latest change is kept: the case row holds its latest state, so
        # an older change says nothing a feed page needs and the log grows with cases,
        # not with edits. A cursor between the old and the new seq sees the new one.
        conn.execute("DELETE FROM changes WHERE case_id = ?", (case_id,))
        conn.execute("INSERT INTO changes(seq, at, case_id, old_unit, old_assignee, new_unit,"
                     " new_assignee, reason) VALUES (?,?,?,?,?,?,?,?)",
                     (seq, db_time(now), case_id, old[0], old[1], new[0], new[1], reason))
        if reason is not None:
            self._log_departures(conn, seq, now, case_id, old, new, reason)

    def _log_departures(self, conn: Any, seq: int, now: datetime, case_id: str,
                        old: tuple[str | None, str | None], new: tuple[str | None, str | None],
                        reason: str) -> None:
        for audience in self._audiences_left(old, new):
            conn.execute("INSERT INTO departures(case_id, audience, seq, at, reason) VALUES (?,?,?,?,?)"
                         " ON CONFLICT(case_id, audience) DO UPDATE SET seq = excluded.seq,"
                         " at = excluded.at, reason = excluded.reason",
                         (case_id, audience, seq, db_time(now), reason))

    def _audiences_left(self, old: tuple[str | None, str | None],
                        new: tuple[str | None, str | None]) -> list[str]:
        """The audiences (see `departures` in central.db) whose scope held the case at
        `old` and may not hold it at `new`. Every caller the move took the case from is
        in one of them; a caller in one who still sees the case is filtered out when the
        feed reads them, so this may say too much but never too little."""
        (u1, a1), (u2, a2) = old, new
        out: list[str] = []
        if a1 is not None and a1 != a2:
            # Unless they still see it: a supervisor whose unit it stays in, an officer
            # whose unit it lies unclaimed in.
            home = self.officer_units.get(a1)
            keeps = u2 is not None and u2 == home and (a2 is None or a1 in self.supervisor_ids)
            if not keeps:
                out.append(f"a:{a1}")
        if u1 is not None and a1 is None and not (u2 == u1 and a2 is None):
            out.append(f"f:{u1}")
        if u1 is not None and u1 != u2:
            out.append(f"u:{u1}")
        return out

    def sweep(self, now: datetime) -> None:
        """Retire closed cases past retention (a `remove` for everyone who saw them) and
        forget changes older than the kept change log."""
        closed_before = db_time(now - self.closed_retention)
        forget_before = db_time(now - self.change_retention)
        with self.db.read() as conn:
            due = conn.execute("SELECT 1 FROM cases WHERE retired = 0 AND closed_at IS NOT NULL"
                               " AND closed_at <= ? LIMIT 1", (closed_before,)).fetchone()
            old = (conn.execute("SELECT 1 FROM changes WHERE at < ? LIMIT 1", (forget_before,)).fetchone()
                   or conn.execute("SELECT 1 FROM departures WHERE at < ? LIMIT 1",
                                   (forget_before,)).fetchone())
        if not due and not old:
            return
        with self.db.write() as conn:
            for row in conn.execute("SELECT id, unit_id, assignee_id FROM cases WHERE retired = 0 AND"
                                    " closed_at IS NOT NULL AND closed_at <= ? ORDER BY closed_at",
                                    (closed_before,)).fetchall():
                seq = self._next_seq(conn)
                self._log_change(conn, seq, now, row["id"], (row["unit_id"], row["assignee_id"]),
                                 (None, None), "retention")
                conn.execute("UPDATE cases SET retired = 1 WHERE id = ?", (row["id"],))
            tops = [conn.execute(f"SELECT MAX(seq) AS m FROM {table} WHERE at < ?",
                                 (forget_before,)).fetchone()["m"] for table in ("changes", "departures")]
            top = max((t for t in tops if t is not None), default=None)
            if top is not None:
                # A forgotten departure is a remove some cursor before it would miss:
                # such cursors get 410 cursor_expired from the floor.
                conn.execute("DELETE FROM changes WHERE seq <= ?", (top,))
                conn.execute("DELETE FROM departures WHERE seq <= ?", (top,))
                floor = max(int(self._meta(conn, "floor", "0")), top)
                self._set_meta(conn, "floor", str(floor))

    # ------------------------------------------------------------ the change feed

    def _cursor(self, conn: Any, seq: int) -> str:
        return f"{self._meta(conn, 'epoch')}.{seq}"

    def _parse_cursor(self, conn: Any, cursor: str | None) -> int:
        if cursor is None or cursor == "":
            return 0
        epoch, dot, seq_text = cursor.partition(".")
        if not dot or not seq_text.isdigit() or len(seq_text) > 18 or not epoch.isalnum():
            raise ApiError(400, "invalid_cursor", "the cursor is not one this server gave out")
        seq = int(seq_text)
        head = int(self._meta(conn, "seq", "0"))
        # Another database (reset, restored from an old backup) or a purged log: the
        # client must start again from the beginning.
        if epoch != self._meta(conn, "epoch") or seq > head or seq < int(self._meta(conn, "floor", "0")):
            raise ApiError(410, "cursor_expired", "pull again from the start")
        return seq

    def changes(self, caller: Caller, cursor: str | None, limit: int, *, now: datetime) -> dict[str, Any]:
        page, meta = self._changes_page(caller, cursor, limit, now=now)
        return {"changes": [change if isinstance(change, dict) else
                            {"seq": change[0], "op": "upsert", "case": json.loads(change[1])}
                            for change in page], **meta}

    def changes_json(self, caller: Caller, cursor: str | None, limit: int, *, now: datetime) -> bytes:
        """The same page as changes(), as UTF-8 JSON. Each case is stored as canonical
        JSON already, so it is spliced in as it is: parsing 1,000 cases only to write
        them out again was most of the cost of a page."""
        page, meta = self._changes_page(caller, cursor, limit, now=now)
        parts = []
        for change in page:
            if isinstance(change, dict):
                parts.append(canonical(change))
            else:
                parts.append(f'{{"seq":{change[0]},"op":"upsert","case":{change[1]}}}')
        tail = canonical(meta)
        return ('{"changes":[' + ",".join(parts) + "]," + tail[1:]).encode("utf-8")

    def _changes_page(self, caller: Caller, cursor: str | None, limit: int, *,
                      now: datetime) -> tuple[list[dict[str, Any] | tuple[int, str]], dict[str, Any]]:
        """One page of the feed: removes as dicts, upserts as (seq, stored case JSON)."""
        self.sweep(now)
        with self.db.read() as conn:
            after = self._parse_cursor(conn, cursor)
            head = int(self._meta(conn, "seq", "0"))
            if after == head and cursor not in (None, ""):
                # Nothing was written since the cursor, for anyone: the page is empty.
                return [], self._page_meta(conn, head, False, now)
            # One query per branch of the scope, each walking its own (…, last_seq)
            # index in order and stopping at the page size. A single query with the
            # scope's OR made SQLite read and sort every case in scope for every page
            # (and for every "anything new?" poll). The first limit+1 of the union are
            # among the first limit+1 of each branch.
            merged: dict[str, tuple[int, str]] = {}
            for branch, branch_args in _scope_branches(caller):
                for row in conn.execute(
                        f"SELECT id, last_seq, doc FROM cases WHERE retired = 0 AND {branch}"
                        " AND last_seq > ? ORDER BY last_seq LIMIT ?",
                        [*branch_args, after, limit + 1]):
                    merged[row["id"]] = (row["last_seq"], row["doc"])
            upserts = sorted(merged.values())[:limit + 1]
            items: list[tuple[int, dict[str, Any] | tuple[int, str]]] = []
            # A pull from the start holds nothing yet, so it has nothing to remove.
            if cursor not in (None, ""):
                for seq, case_id, reason in self._removes(conn, caller, after, limit + 1):
                    items.append((seq, {"seq": seq, "op": "remove", "case_id": case_id,
                                        "reason": reason}))
            for seq, doc in upserts:
                items.append((seq, (seq, doc)))
            items.sort(key=lambda item: item[0])
            page = items[:limit]
            has_more = len(items) > limit
            next_seq = page[-1][0] if has_more else max(head, after)
            return [change for _, change in page], self._page_meta(conn, next_seq, has_more, now)

    def _page_meta(self, conn: Any, next_seq: int, has_more: bool, now: datetime) -> dict[str, Any]:
        return {
            "next_cursor": self._cursor(conn, next_seq),
            "has_more": has_more,
            "server_time": wire.format_time(now),
            "reference_version": self.reference_version,
        }

    def _removes(self, conn: Any, caller: Caller, after: int, want: int) -> list[tuple[int, str, str]]:
        """The first `want` removes after `after`, in seq order, as (seq, case_id, reason):
        cases that left the caller's scope since the cursor and are not in it now, each
        at its latest departure from one of the caller's audiences.

        Each audience is read in seq order from its own index and stops once it has
        `want`, so the cost follows the page; a row is skipped only when its case is in
        scope again, or left the caller's other audience later (it is found there)."""
        if caller.is_supervisor:
            audiences = [f"a:{caller.id}", f"u:{caller.unit_id}"]
        else:
            audiences = [f"a:{caller.id}", f"f:{caller.unit_id}"]
        found: dict[str, tuple[int, str, str]] = {}
        for audience in audiences:
            others = [a for a in audiences if a != audience]
            taken = 0
            rows = conn.execute(
                "SELECT d.case_id, d.seq, d.reason, c.unit_id, c.assignee_id, c.retired"
                " FROM departures d JOIN cases c ON c.id = d.case_id"
                " WHERE d.audience = ? AND d.seq > ? ORDER BY d.seq", (audience, after))
            try:
                for row in rows:
                    if not row["retired"] and in_scope(caller, row["unit_id"], row["assignee_id"]):
                        continue
                    later = conn.execute(
                        f"SELECT 1 FROM departures WHERE case_id = ? AND audience IN"
                        f" ({','.join('?' * len(others))}) AND seq > ?",
                        (row["case_id"], *others, row["seq"])).fetchone()
                    if later is not None:
                        continue
                    found[row["case_id"]] = (row["seq"], row["case_id"], row["reason"])
                    taken += 1
                    if taken >= want:
                        break
            finally:
                rows.close()  # stopped early on purpose: end the statement now
        return sorted(found.values())[:want]

    def summary(self, caller: Caller, *, now: datetime) -> dict[str, Any]:
        self.sweep(now)
        with self.db.read() as conn:
            where, args = _scope_sql(caller)
            counts = {status: 0 for status in wire.STATUSES}
            for row in conn.execute(f"SELECT status, COUNT(*) AS n FROM cases WHERE retired = 0"
                                    f" AND {where} GROUP BY status", args):
                counts[row["status"]] = row["n"]
            head = int(self._meta(conn, "seq", "0"))
            return {"counts": counts, "cursor": self._cursor(conn, head),
                    "server_time": wire.format_time(now)}

    # ------------------------------------------------------------ cases

    def _load_case(self, conn: Any, case_id: str) -> tuple[Any, wire.Case] | None:
        row = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            return None
        return row, wire.Case.model_validate_json(row["doc"])

    def _save_case(self, conn: Any, case: wire.Case, *, now: datetime, old: tuple[str | None, str | None],
                   reason: str | None, insert: bool = False) -> dict[str, Any]:
        seq = self._next_seq(conn)
        doc = case.wire()
        text = canonical(doc)
        closed_at = None
        if case.status in FINAL:
            row = None if insert else conn.execute("SELECT closed_at FROM cases WHERE id = ?",
                                                   (case.id,)).fetchone()
            closed_at = row["closed_at"] if row and row["closed_at"] else db_time(now)
        if insert:
            conn.execute("INSERT INTO cases(id, number, unit_id, assignee_id, status, version, last_seq,"
                         " closed_at, retired, doc) VALUES (?,?,?,?,?,?,?,?,0,?)",
                         (case.id, case.number, case.unit_id, case.assignee_id, case.status,
                          case.version, seq, closed_at, text))
        else:
            conn.execute("UPDATE cases SET unit_id = ?, assignee_id = ?, status = ?, version = ?,"
                         " last_seq = ?, closed_at = ?, retired = 0, doc = ? WHERE id = ?",
                         (case.unit_id, case.assignee_id, case.status, case.version, seq,
                          closed_at, text, case.id))
        new = (case.unit_id, case.assignee_id)
        self._log_change(conn, seq, now, case.id, old, new, reason if old != new else None)
        return doc

    def case_doc(self, case_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT doc FROM cases WHERE id = ?", (case_id,)).fetchone()
        return json.loads(row["doc"]) if row else None

    # ------------------------------------------------------------ the op engine

    def apply_ops(self, caller: Caller, ops: Iterable[wire.Op | dict[str, Any]], *,
                  now: datetime) -> list[dict[str, Any]]:
        """One result per op, in order. An op may come unvalidated (a dict from the
        wire): one that is not a valid Op is `rejected` on its own and the rest go on."""
        results = []
        stopped_cases: set[str] = set()
        # One commit for the batch, each op a savepoint inside it: every op is still
        # atomic with the record of its op_id, and a commit per op was most of the cost
        # of a push. If the batch fails half-way nothing was answered, so the client
        # resends it all and nothing is lost or done twice.
        with self.db.write():
            for raw in ops:
                op = raw if isinstance(raw, wire.Op) else _parse_op(raw)
                if not isinstance(op, wire.Op):
                    case_id = raw.get("case_id") if isinstance(raw, dict) else None
                    if isinstance(case_id, str):
                        stopped_cases.add(case_id)
                    results.append(op)
                    continue
                result = self._apply_one(caller, op, stopped_cases, now)
                if result["outcome"] in ("conflict", "rejected", "blocked"):
                    stopped_cases.add(op.case_id)
                results.append(result)
        return results

    def _apply_one(self, caller: Caller, op: wire.Op, stopped_cases: set[str], now: datetime) -> dict[str, Any]:
        # surrogatepass: a lone surrogate must never crash the hash (the guard refuses
        # such bodies, but the hash is not the place to find out).
        content_hash = hashlib.sha256(canonical({
            "officer": caller.id, "type": op.type, "case_id": op.case_id, "payload": op.payload,
        }).encode("utf-8", "surrogatepass")).hexdigest()
        with self.db.write() as conn:
            seen = conn.execute("SELECT content_hash, outcome, result FROM ops WHERE op_id = ?",
                                (op.op_id,)).fetchone()
            if seen is not None:
                if seen["content_hash"] != content_hash:
                    return _result(op, "rejected", error=("op_id_reused",
                                   "this op_id was used before for another operation"))
                stored = json.loads(seen["result"])
                if stored["outcome"] == "applied":
                    stored["outcome"] = "duplicate"
                # The stored answer as the caller may see it now: the case may have
                # left their scope since.
                return self._visible(conn, caller, op, stored)
            if op.case_id in stopped_cases:
                return _result(op, "blocked", error=("blocked", "an earlier op on this case did not apply"))
            result = self._decide_and_apply(conn, caller, op, now)
            conn.execute("INSERT INTO ops(op_id, officer_id, content_hash, outcome, result, received_at)"
                         " VALUES (?,?,?,?,?,?)",
                         (op.op_id, caller.id, content_hash, result["outcome"], canonical(result),
                          db_time(now)))
            return self._visible(conn, caller, op, result)

    def _visible(self, conn: Any, caller: Caller, op: wire.Op, result: dict[str, Any]) -> dict[str, Any]:
        """A result carries `case` only for a caller who may see the case now or held it
        before (desk.rules.may_see); anyone else gets null and a code that tells nothing
        of what the case holds."""
        row = conn.execute("SELECT unit_id, assignee_id, retired FROM cases WHERE id = ?",
                           (op.case_id,)).fetchone()
        if row is None:
            return {**result, "case": None}
        held = conn.execute("SELECT 1 FROM holders WHERE case_id = ? AND officer_id = ?",
                            (op.case_id, caller.id)).fetchone() is not None
        unit_id = None if row["retired"] else row["unit_id"]
        if rules.may_see(caller.actor, unit_id, row["assignee_id"], held_before=held):
            return result
        hidden = {**result, "case": None}
        if result["outcome"] in ("conflict", "rejected") and result.get("error"):
            code = rules.hidden_code(op.type, row["unit_id"], row["assignee_id"], caller.actor)
            if result["error"]["code"] not in ("validation_failed", "op_id_reused"):
                hidden["error"] = {"code": code, "detail": (
                    "another officer claimed the case" if code == "claimed"
                    else "the case is not in the officer's scope")}
        return hidden

    def _decide_and_apply(self, conn: Any, caller: Caller, op: wire.Op, now: datetime) -> dict[str, Any]:
        try:
            payload = wire.parse_payload(op.type, op.payload)
        except ValidationError as exc:
            fields = ", ".join(wire_field_names(
                ".".join(str(p) for p in e["loc"]) or op.type for e in exc.errors()))
            return _result(op, "rejected", error=("validation_failed", f"invalid payload: {fields}"))
        loaded = self._load_case(conn, op.case_id)
        if loaded is None:
            return _result(op, "rejected", error=("unknown_case", "no such case"))
        row, case = loaded
        held_before = conn.execute("SELECT 1 FROM holders WHERE case_id = ? AND officer_id = ?",
                                   (case.id, caller.id)).fetchone() is not None
        values = payload.model_dump(mode="json")
        decision = rules.decide(
            op.type, values, status=case.status, unit_id=case.unit_id,
            assignee_id=case.assignee_id, actor=caller.actor, held_before=held_before,
            unit_exists=lambda unit_id: unit_id in self.unit_ids,
            officer_unit=lambda officer_id: self.officer_units.get(officer_id),
        )
        if decision.verdict == "conflict":
            return _result(op, "conflict", case=case.wire(), error=(decision.code, decision.detail))
        if decision.verdict == "rejected":
            return _result(op, "rejected", error=(decision.code, decision.detail))
        refused = self.files.refused(conn, caller.id, case, op.type, values)
        if refused is not None:
            return _result(op, "rejected", error=refused)

        status_before = case.status
        status_after = rules.status_after(op.type, values, status_before)
        old = (case.unit_id, case.assignee_id)
        reason = None
        body, data = "", {}
        if op.type == "claim":
            case.assignee_id = caller.id
            self._hold(conn, case.id, caller.id, now)
            reason = "reassigned"
        elif op.type == "accept":
            case.accepted_at = now
            case.accepted_by = caller.id
        elif op.type == "decline":
            body = values["reason"]
        elif op.type == "reply":
            body, data = values["body"], {"notify_sms": values["notify_sms"]}
        elif op.type in ("note", "urge"):
            body = values["body"]
        elif op.type == "callback":
            body = values["body"]
            data = {k: values[k] for k in ("outcome", "duration_s", "satisfaction")}
        elif op.type == "set_status":
            body, data = values["reason"], {"from": status_before, "to": status_after}
        elif op.type == "transfer":
            body = values["reason"]
            data = {"from_unit_id": case.unit_id, "to_unit_id": values["to_unit_id"]}
            case.unit_id = values["to_unit_id"]
            case.assignee_id = None
            reason = "transferred"
        elif op.type == "reassign":
            body = values["reason"]
            data = {"from_officer_id": case.assignee_id, "to_officer_id": values["to_officer_id"]}
            case.assignee_id = values["to_officer_id"]
            self._hold(conn, case.id, values["to_officer_id"], now)
            reason = "reassigned"
        elif op.type == "reveal":
            data = {"field": values["field"]}
            if values.get("attachment_id") is not None:
                data["attachment_id"] = values["attachment_id"]
        # The officer's clock may be wrong (years off, or before the citizen wrote):
        # the stored time stays between the case's arrival and the server's receipt,
        # so every deadline computed from it stays computable, and the officer's own
        # value is kept beside it.
        performed_at = min(max(op.performed_at, case.received_at), now)
        if performed_at != op.performed_at:
            data = {**data, "clock_skew": True, "performed_at_claimed": wire.format_time(op.performed_at)}
        case.status = status_after
        case.clocks = sla.apply_op(
            case.clocks, op_type=op.type, payload=values, status_before=status_before,
            status_after=status_after, at=now, performed_at=performed_at,
            cal=self.calendar, policy=self.policies.get(case.kind))
        entry_type = "status" if op.type == "set_status" else op.type
        entry_id = f"{case.id}-e{len(case.entries) + 1}"
        # The entry and its files together, in this op's savepoint (central/blobs.py).
        self.files.attach(conn, caller.id, case, entry_id, values)
        case.entries.append(wire.Entry(
            id=entry_id, type=entry_type, author_id=caller.id,
            author_name=caller.name, unit_id=caller.unit_id, body=body, data=data,
            performed_at=performed_at, received_at=now, op_id=op.op_id,
            late=decision.verdict == "late"))
        case.version += 1
        doc = self._save_case(conn, case, now=now, old=old, reason=reason)
        return _result(op, "applied", case=doc)

    def _hold(self, conn: Any, case_id: str, officer_id: str, now: datetime) -> None:
        conn.execute("INSERT OR IGNORE INTO holders(case_id, officer_id, since) VALUES (?,?,?)",
                     (case_id, officer_id, db_time(now)))

    # ------------------------------------------------------------ the citizen side

    def _route(self, request: wire.IntakeRequest) -> str:
        if request.unit_id is not None:
            if request.unit_id not in self.unit_ids:
                raise ApiError(422, "unknown_unit", "no such unit")
            return request.unit_id
        try:
            from central.seeds import DEFAULT_UNIT_BY_CATEGORY
        except ImportError:
            DEFAULT_UNIT_BY_CATEGORY = {}
        unit_id = DEFAULT_UNIT_BY_CATEGORY.get(request.category)
        if unit_id in self.unit_ids:
            return unit_id
        stations = [u.id for u in self.units if u.kind == "station"]
        if not stations:
            raise ApiError(422, "unknown_unit", "no unit to route this case to")
        return stations[0]

    def intake(self, request: wire.IntakeRequest, *, now: datetime) -> dict[str, Any]:
        if request.kind not in self.policies:
            # Strict on what it receives: a kind is one of this server's policy rows.
            raise ApiError(422, "unknown_kind", "no such case kind")
        unit_id = self._route(request)
        received_at = request.received_at or now
        files = _decoded_files(request)
        day = received_at.astimezone(ZONE).strftime("%Y%m%d")
        with self.db.write() as conn:
            key = f"number:{day}"
            n = int(self._meta(conn, key, "0")) + 1
            if n > 999_999:
                raise ApiError(503, "numbers_exhausted", "no case numbers left for the day",
                               headers={"Retry-After": "3600"})
            self._set_meta(conn, key, str(n))
            number = f"SX{day}{n:06d}"
            case = wire.Case(
                id=number, number=number, kind=request.kind, service_item_id=request.service_item_id,
                category=request.category, channel=request.channel, title=request.title,
                body=request.body, citizen=request.citizen, unit_id=unit_id, assignee_id=None,
                status="new", version=1, received_at=received_at,
                clocks=sla.start_clocks(self.policies.get(request.kind), received_at, self.calendar),
            )
            for i, (att, data) in enumerate(files, start=1):
                # The type is read from the bytes (central/blobs.py), not taken from the portal.
                case.attachments.append(self.files.add_file(
                    conn, case_id=number, attachment_id=f"{number}-a{i}", entry_id=None,
                    name=att.name, data=data, now=now))
            return self._save_case(conn, case, now=now, old=(None, None), reason=None, insert=True)

    def citizen_event(self, case_id: str, request: wire.CitizenEventRequest, *, now: datetime) -> dict[str, Any]:
        if request.type == "message" and not request.body.strip():
            raise ApiError(422, "validation_failed", "a message needs a body")
        if request.type == "rating" and request.score is None:
            raise ApiError(422, "validation_failed", "a rating needs a score from 1 to 5")
        with self.db.write() as conn:
            loaded = self._load_case(conn, case_id)
            if loaded is None:
                raise ApiError(404, "not_found", "no such case")
            _, case = loaded
            old = (case.unit_id, case.assignee_id)
            n = len(case.entries)
            if request.type == "message":
                case.entries.append(wire.Entry(
                    id=f"{case.id}-e{n + 1}", type="citizen_message", author_name="",
                    body=request.body, performed_at=now, received_at=now))
                for att, data in _decoded_files(request):
                    case.attachments.append(self.files.add_file(
                        conn, case_id=case.id, attachment_id=f"{case.id}-a{len(case.attachments) + 1}",
                        entry_id=f"{case.id}-e{n + 1}", name=att.name, data=data, now=now))
                if case.status == "waiting_citizen":
                    case.status = "in_progress"
                    case.clocks = sla.resume_for_citizen_message(
                        case.clocks, at=now, cal=self.calendar, policy=self.policies.get(case.kind))
                    case.entries.append(wire.Entry(
                        id=f"{case.id}-e{n + 2}", type="status", body="",
                        data={"from": "waiting_citizen", "to": "in_progress", "by": "citizen"},
                        performed_at=now, received_at=now))
            else:
                assert request.score is not None  # a rating without one is refused on entry
                case.rating = wire.Rating(score=request.score, comment=request.body, rated_at=now)
                case.entries.append(wire.Entry(
                    id=f"{case.id}-e{n + 1}", type="rating", body=request.body,
                    data={"score": request.score}, performed_at=now, received_at=now))
            case.version += 1
            return self._save_case(conn, case, now=now, old=old, reason=None)


def _decoded_files(request: Any) -> list[tuple[IntakeAttachment, bytes]]:
    """The inline files of an intake or a citizen message (reference server only)."""
    files = []
    for att in getattr(request, "attachments", []) or []:
        try:
            data = base64.b64decode(att.data_base64, validate=True)
        except ValueError as exc:
            raise ApiError(422, "validation_failed", "an attachment is not valid base64") from exc
        files.append((att, data))
    return files


def _parse_op(raw: Any) -> wire.Op | dict[str, Any]:
    """The op, or its `rejected` result: which fields are wrong, never their values."""
    try:
        return wire.Op.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "op" for e in exc.errors()})
        op_id = raw.get("op_id") if isinstance(raw, dict) else None
        return {"op_id": op_id if isinstance(op_id, str) and len(op_id) <= 200 else "",
                "outcome": "rejected", "case": None,
                "error": {"code": "validation_failed",
                          "detail": "invalid op: " + ", ".join(wire_field_names(fields))}}


def wire_field_names(fields: Iterable[str]) -> list[str]:
    """Field paths as the wire spells them; a key a caller made up (it may be personal
    data) is shown as `?`."""
    return [".".join(p if p.isdigit() or (p.isidentifier() and p.isascii() and len(p) <= 40)
                     else "?" for p in f.split(".")) for f in fields]


def _result(op: wire.Op, outcome: str, *, case: dict[str, Any] | None = None,
            error: tuple[str, str] | None = None) -> dict[str, Any]:
    return {
        "op_id": op.op_id, "outcome": outcome, "case": case,
        "error": {"code": error[0], "detail": error[1]} if error else None,
    }
