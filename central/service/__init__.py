"""The reference server's service layer: sessions, reference data, the change feed,
the op engine and the citizen side, on top of central.db.

Every function takes the server's `now` explicitly, so the demo seed can replay a
history through exactly the code that serves POST /ops, and tests can move time.

The service is cut into rooms, one module each, that Service puts together:
`auth` (sessions, devices, the login throttle), `reference` (reference data),
`feed` (the change log, retention, feed pages), `ops` (the op engine), `intake` (the
citizen side), `seeding` (a fresh database), and `common` (what they share). The names
other code imports from `central.service` are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from central.blobs import BlobStore, Limits, default_folder
from central.db import PostgresDatabase, is_postgres, open_database
from central.service.auth import (
    FAILURE_WINDOW,
    FAILURES_ALLOWED,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    AuthRoom,
    RevokeResponse,
    SetPasswordRequest,
    hash_password,
    token_hash,
)
from central.service.common import (
    FINAL,
    LOG_FORM,
    ZONE,
    Caller,
    canonical,
    db_time,
    in_scope,
    parse_db_time,
    utcnow,
)
from central.service.intake import (
    INTAKE_EARLIEST,
    INTAKE_LATEST,
    IntakeAttachment,
    ReferenceCitizenEventRequest,
    ReferenceIntakeRequest,
)
from central.service.ops import wire_field_names
from central.service.quietmemo import QuietMemo
from central.service.reference import SeedSource
from central.service.seeding import SeedingRoom
from desk import wire
from desk.worktime import Calendar

__all__ = [
    "FAILURE_WINDOW",
    "FAILURES_ALLOWED",
    "FINAL",
    "INTAKE_EARLIEST",
    "INTAKE_LATEST",
    "LOG_FORM",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "ZONE",
    "Caller",
    "IntakeAttachment",
    "ReferenceCitizenEventRequest",
    "ReferenceIntakeRequest",
    "RevokeResponse",
    "SeedSource",
    "Service",
    "SetPasswordRequest",
    "canonical",
    "db_time",
    "hash_password",
    "in_scope",
    "parse_db_time",
    "token_hash",
    "utcnow",
    "wire_field_names",
]


class Service(AuthRoom, SeedingRoom):
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
        if blob_dir is None and is_postgres(db_path):
            # No database file to keep them beside; a province names shared storage.
            raise ValueError("a server on PostgreSQL needs --blob-dir for attachment bytes")
        self.db = open_database(db_path)
        # Attachment bytes (central/blobs.py): a folder beside the database unless told.
        self.files = BlobStore(self.db, blob_dir or default_folder(db_path), limits=limits)
        self.files.migrate(self.now())
        self._seed(seed)
        self._load_reference()
        self._upgrade_log()
        if isinstance(self.db, PostgresDatabase):
            self.quiet_memo = QuietMemo(self.db.url)
            self.db.on_commit.append(self.quiet_memo.forget_head)

    def close(self) -> None:
        if self.quiet_memo is not None:
            self.quiet_memo.close()
        self.db.close()
