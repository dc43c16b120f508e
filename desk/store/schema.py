"""The cache's schema as numbered migrations.

`PRAGMA user_version` holds the number of the last migration applied. Each migration is a
function of the open connection, run in its own transaction together with the version
bump, so a crash leaves the database at one version or the next, never between. Never
edit a released migration: add the next one (each is tested on a database of the
version before it).
"""

from __future__ import annotations

from collections.abc import Callable


def _m1_core(conn) -> None:
    for statement in _M1:
        conn.execute(statement)


_M1 = [
    # Server snapshots exactly as last received. `gone` marks a case that left our scope
    # while local work on it was still unsent: it stays until that work is settled.
    """CREATE TABLE synced_cases (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        unit_id TEXT,
        assignee_id TEXT,
        data TEXT NOT NULL,
        seen_gen INTEGER NOT NULL DEFAULT 0,
        gone INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX synced_cases_number ON synced_cases(number)",
    "CREATE INDEX synced_cases_scope ON synced_cases(unit_id, assignee_id, status)",
    # The local view: the snapshot with pending ops laid over, plus sortable columns.
    """CREATE TABLE local_cases (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        number TEXT NOT NULL,
        kind TEXT,
        category TEXT,
        service_item_id TEXT,
        channel TEXT,
        title TEXT,
        citizen_name TEXT,
        citizen_phone TEXT,
        received_at TEXT,
        status TEXT,
        assignee_id TEXT,
        unit_id TEXT,
        next_due_at TEXT,
        next_clock TEXT,
        provisional INTEGER NOT NULL DEFAULT 0,
        pending_ops INTEGER NOT NULL DEFAULT 0,
        conflicts INTEGER NOT NULL DEFAULT 0,
        closed_at TEXT,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX local_cases_number ON local_cases(number)",
    "CREATE INDEX local_cases_due ON local_cases(status, next_due_at)",
    "CREATE INDEX local_cases_unit ON local_cases(unit_id, status, next_due_at)",
    "CREATE INDEX local_cases_assignee ON local_cases(assignee_id, status, next_due_at)",
    """CREATE TABLE outbox (
        op_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        case_id TEXT NOT NULL,
        case_number TEXT,
        type TEXT NOT NULL,
        base_version INTEGER NOT NULL,
        performed_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        author TEXT,
        state TEXT NOT NULL DEFAULT 'queued',
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX outbox_case ON outbox(case_id, seq)",
    "CREATE INDEX outbox_seq ON outbox(seq)",
    # Ops the server refused, with its snapshot and reason; rows stay after resolution
    # as the history of what the officer chose.
    """CREATE TABLE conflicts (
        op_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        case_id TEXT NOT NULL,
        case_number TEXT,
        type TEXT NOT NULL,
        base_version INTEGER NOT NULL,
        performed_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        author TEXT,
        state TEXT NOT NULL,
        error_code TEXT,
        error_detail TEXT,
        server_case TEXT,
        created_at TEXT NOT NULL,
        resolution TEXT,
        resolved_at TEXT,
        new_op_id TEXT
    )""",
    "CREATE INDEX conflicts_case ON conflicts(case_id, resolution)",
    """CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cursor TEXT,
        last_success TEXT,
        last_error TEXT,
        clock_offset_s REAL,
        reference_version TEXT,
        reference_etag TEXT,
        full_resync INTEGER NOT NULL DEFAULT 0,
        resync_gen INTEGER NOT NULL DEFAULT 0,
        device_seq INTEGER NOT NULL DEFAULT 0
    )""",
    "INSERT INTO sync_state (id) VALUES (1)",
    """CREATE TABLE reference (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT,
        etag TEXT,
        calendar_hash TEXT,
        data TEXT NOT NULL
    )""",
]


def _m2_search(conn) -> None:
    # Trigram tokens let Chinese text be found by any substring of three characters or
    # more, with no word segmentation.
    # Search results join back to the view through this covering index: a case row is
    # large (its JSON), and reading one page per hit costs more than the match itself.
    conn.execute("CREATE INDEX local_cases_search ON local_cases(rid, next_due_at, received_at, id)")
    conn.execute(
        "CREATE VIRTUAL TABLE case_fts USING fts5("
        "number, title, body, citizen, entries, tokenize='trigram')"
    )
    conn.execute(
        """INSERT INTO case_fts (rowid, number, title, body, citizen, entries)
           SELECT rid, number, coalesce(title, ''), coalesce(json_extract(data, '$.body'), ''),
                  concat_ws(' ', json_extract(data, '$.citizen.name'),
                            json_extract(data, '$.citizen.phone'),
                            json_extract(data, '$.citizen.id_number')),
                  coalesce((SELECT group_concat(json_extract(e.value, '$.body'), char(10))
                            FROM json_each(local_cases.data, '$.entries') AS e), '')
           FROM local_cases"""
    )


def _m3_drafts_and_warnings(conn) -> None:
    # Unsent text is case text: it belongs in the encrypted cache, not in settings files,
    # and must outlive a restart of the app.
    conn.execute(
        """CREATE TABLE drafts (
            case_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (case_id, kind)
        )"""
    )
    # One row per warning shown, so a restart or a second window does not raise the same
    # warning on the same clock again.
    conn.execute(
        """CREATE TABLE warnings_raised (
            case_id TEXT NOT NULL,
            clock TEXT NOT NULL,
            level TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            PRIMARY KEY (case_id, clock, level)
        )"""
    )


def _m4_queue_indexes(conn) -> None:
    # A queue lists ids in SQL over 100,000 cases; each row of local_cases carries its
    # JSON, so an index that lacks a column the queue filters on sends SQLite to the
    # table once per case (seconds, not milliseconds). These two hold every column a
    # queue's WHERE and its default order read, so listing and counting any queue of
    # either scope never touches the table. They replace the narrower ones of migration
    # 1: those share their leading columns, and (status, next_due_at) would otherwise win
    # the planner's choice and read the whole row of every case it visits.
    for name in ("local_cases_unit", "local_cases_assignee", "local_cases_due"):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.execute("CREATE INDEX local_cases_unit_queue ON local_cases"
                 "(unit_id, status, assignee_id, next_due_at, closed_at, number, id)")
    conn.execute("CREATE INDEX local_cases_assignee_queue ON local_cases"
                 "(assignee_id, status, next_due_at, closed_at, unit_id, number, id)")


def _m5_period_index(conn) -> None:
    # The supervisor's period figures (compliance, ratings, callbacks) read only the
    # unit's open cases and those closed lately: two short ranges of this index (NULL
    # sorts first); through the queue index they walked every case the unit ever had.
    # closed_at leads so the queue queries keep their covering indexes (with unit_id
    # first the planner took this one for the closed queue and read table rows).
    conn.execute("CREATE INDEX local_cases_closed ON local_cases(closed_at, unit_id)")


def _m6_set_aside(conn) -> None:
    # A change of the feed this client cannot read even tolerantly (a platform that grew
    # past it) is set aside instead of stopping the sync: the last good copy stays in
    # synced_cases, and this row says which case and why until a later change of the
    # case is read (it replaces the row) or the case leaves our scope. Keyed by the case
    # id, or by "seq:N" when the change did not even carry one. `problem` names fields
    # and error types only, never values.
    conn.execute(
        """CREATE TABLE set_aside (
            case_key TEXT PRIMARY KEY,
            case_id TEXT,
            number TEXT,
            seq INTEGER,
            version INTEGER,
            problem TEXT NOT NULL,
            set_aside_at TEXT NOT NULL
        )"""
    )
    # Statuses a newer platform added that the feed has brought: the queues list cases
    # in them among the open ones (an index range per status, like the known ones,
    # rather than a NOT IN that reads every closed case of the scope too).
    conn.execute("CREATE TABLE statuses_seen (status TEXT PRIMARY KEY)")


def _m7_filters_and_saved_views(conn) -> None:
    # The officer's filters (desk.filters) narrow any queue by kind, category, channel,
    # status and unsent work: the two queue indexes gain those columns at their end, so
    # a filtered queue of 100,000 cases is still counted and listed from an index alone
    # (the leading columns, and so the plain queues' plans, stay as migration 4 made them).
    for name in ("local_cases_unit_queue", "local_cases_assignee_queue"):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.execute("CREATE INDEX local_cases_unit_queue ON local_cases"
                 "(unit_id, status, assignee_id, next_due_at, closed_at, number, id, "
                 "kind, category, channel, pending_ops, conflicts)")
    conn.execute("CREATE INDEX local_cases_assignee_queue ON local_cases"
                 "(assignee_id, status, next_due_at, closed_at, unit_id, number, id, "
                 "kind, category, channel, pending_ops, conflicts)")
    # Related cases (desk.store.related): the same citizen's phone or ID number.
    conn.execute("CREATE INDEX local_cases_phone ON local_cases(citizen_phone) "
                 "WHERE citizen_phone IS NOT NULL")
    conn.execute("CREATE INDEX local_cases_id_number ON local_cases"
                 "(json_extract(data, '$.citizen.id_number'))")
    # Saved views, per officer: a view's name and filter say what the officer works on,
    # so they live in the encrypted cache, not in a settings file.
    conn.execute(
        """CREATE TABLE saved_views (
            officer_id TEXT NOT NULL,
            name TEXT NOT NULL,
            queue TEXT NOT NULL,
            filter TEXT NOT NULL,
            position INTEGER NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (officer_id, name)
        )"""
    )


def _m8_reminders(conn) -> None:
    # "Remind me to call back": the officer's own note to self, never sent. Kept per
    # officer (a shared workstation's officers each see only theirs) and per case; a
    # case that left the scope keeps its row so the reminder can say so when it is due.
    # The index answers the due queue: one officer's open reminders up to now.
    conn.execute(
        """CREATE TABLE reminders (
            officer_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            number TEXT NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open',
            notified_at TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (officer_id, case_id)
        )"""
    )
    conn.execute("CREATE INDEX reminders_due ON reminders(officer_id, state, due_at, case_id)")


def _m9_attachments(conn) -> None:
    # Attachment bytes live inside the encrypted database, never in a file of their own:
    # one row per file (keyed by sha256, stored once however many cases name it) and its
    # bytes in chunks of 256 KiB, so a download is committed as it arrives and resumed
    # from `held`, and no statement carries a whole 20 MiB file.
    conn.execute(
        """CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            held INTEGER NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0,
            local INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        )"""
    )
    conn.execute(
        """CREATE TABLE blob_chunks (
            sha256 TEXT NOT NULL,
            offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (sha256, offset)
        )"""
    )
    # How much of an officer's file the server holds, for the outbox's progress.
    conn.execute(
        """CREATE TABLE uploads (
            sha256 TEXT PRIMARY KEY,
            uploaded INTEGER NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT
        )"""
    )


def _m10_file_counts(conn) -> None:
    # How many files each case's view lists. After every pull that changed cases the
    # sync looks for open cases' files to download; reading every case's JSON for its
    # attachments took half a second over 20,000 cases (most have none). The partial
    # index holds only the cases that list files, so the scan reads those alone.
    conn.execute("ALTER TABLE local_cases ADD COLUMN files INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE local_cases SET files = coalesce(json_array_length(data, '$.attachments'), 0) "
                 "WHERE json_type(data, '$.attachments') = 'array'")
    conn.execute("CREATE INDEX local_cases_files ON local_cases(files) WHERE files > 0")


def _m11_received_in_queue_indexes(conn) -> None:
    # A queue sorted by when cases were received read every listed case's row (with its
    # JSON) for received_at: 0.3 s for 14,000 cases from a cold cache, where the other
    # orders are answered from the queue indexes alone. The column joins them at the end
    # (their leading columns, and so every other plan, stay as they are).
    conn.execute("DROP INDEX IF EXISTS local_cases_unit_queue")
    conn.execute("DROP INDEX IF EXISTS local_cases_assignee_queue")
    conn.execute("CREATE INDEX local_cases_unit_queue ON local_cases"
                 "(unit_id, status, assignee_id, next_due_at, closed_at, number, id, "
                 "kind, category, channel, pending_ops, conflicts, received_at)")
    conn.execute("CREATE INDEX local_cases_assignee_queue ON local_cases"
                 "(assignee_id, status, next_due_at, closed_at, unit_id, number, id, "
                 "kind, category, channel, pending_ops, conflicts, received_at)")


MIGRATIONS: list[Callable] = [
    _m1_core, _m2_search, _m3_drafts_and_warnings, _m4_queue_indexes, _m5_period_index,
    _m6_set_aside, _m7_filters_and_saved_views, _m8_reminders,
    _m9_attachments, _m10_file_counts, _m11_received_in_queue_indexes,
]
LATEST = len(MIGRATIONS)


def version(conn) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn, target: int | None = None) -> int:
    """Bring the database to `target` (default: the latest). Returns the version reached."""
    target = LATEST if target is None else target
    current = version(conn)
    if current > LATEST:
        raise RuntimeError(f"the cache was written by a newer Desk (schema {current} > {LATEST})")
    while current < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[current](conn)
            current += 1
            conn.execute(f"PRAGMA user_version = {current}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return current
