"""Seeding a fresh database: the reference data and accounts, and for the demo seed a
history replayed through the same intake and op engine that serve requests."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from central.service.auth import hash_password
from central.service.common import LOG_FORM, _caller, canonical, db_time, log
from central.service.intake import IntakeRoom
from central.service.ops import OpsRoom
from central.service.reference import ReferenceRoom, SeedSource
from desk import wire


class SeedingRoom(ReferenceRoom, OpsRoom, IntakeRoom):
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
