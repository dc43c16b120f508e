"""What every room of the store shares: the connection, and how values are stored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desk.store.connection import StoreConnection
from desk.wire import format_time, parse_stored_time, parse_time

# The server's scope keeps a closed case 30 days; the closed queue and the reports
# count on the cache holding no more than that.
CLOSED_RETENTION = timedelta(days=30)

def _now() -> str:
    return format_time(datetime.now(UTC))


def _time(value: str | None) -> datetime | None:
    return parse_time(value)


def _stored_time(value: str) -> datetime:
    """A time from a NOT NULL column (performed_at): never None, unlike `_time`."""
    return parse_stored_time(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))



class StoreBase:
    """The connection and the two ways through it; each room of the Store builds on it."""

    connection: StoreConnection
    path: Path

    def _write(self):
        return self.connection.write()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self.connection.read() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    def _rebuild(self, conn, case_id: str) -> None:
        """Recompute one case's view (the view room's; declared here for the rooms
        whose writes change a view: the outbox, the reference data)."""

    def _keep_files(self, conn, files: Sequence[Any]) -> None:
        """Store an officer's files inside the caller's transaction (the attachments
        room's; declared here for the outbox, which queues the op naming them)."""
