"""Reference data: loaded once at start and after seeding, served by GET /reference."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from central.service.common import Caller, Room, _caller, canonical
from desk import wire

# ---------------------------------------------------------------- seeds


class SeedSource(Protocol):
    """What central.seeds provides (the reference data and the accounts)."""

    def units(self) -> list[wire.Unit]: ...
    def officers(self) -> list[Any]: ...
    def service_items(self) -> list[wire.ServiceItem]: ...
    def templates(self) -> list[wire.Template]: ...
    def policy(self) -> list[wire.Policy]: ...


class ReferenceRoom(Room):
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
        }
