"""Each difference between SQLite and PostgreSQL that central/db.py bridges, checked on
both backends: the service writes one SQL, and these say it means the same on each.

The PostgreSQL runs need DESK_TEST_POSTGRES (scripts/pg_test_server.sh start prints
one); without it they are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import db as backend
from central.db import Database, PostgresDatabase, open_database, postgres_schema, postgres_sql, redacted
from central.service import canonical
from tests.central.server_fixture import BACKENDS, database_target

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> Iterator[Database | PostgresDatabase]:
    with database_target(request.param, tmp_path) as target:
        opened = open_database(target)
        try:
            yield opened
        finally:
            opened.close()


def test_the_target_picks_the_backend(tmp_path):
    assert isinstance(open_database(tmp_path / "x.sqlite"), Database)
    assert backend.is_postgres("postgresql://desk@/db") and backend.is_postgres("postgres://h/db")
    assert not backend.is_postgres(str(tmp_path / "postgresql.sqlite"))
    assert redacted("postgresql://desk:s3cret@db1:5432/desk") == "postgresql://desk:***@db1:5432/desk"
    assert redacted("postgresql://desk@/desk?host=/run") == "postgresql://desk@/desk?host=/run"
    assert redacted("postgresql://desk@h/desk?sslmode=require&password=s3cret") == (
        "postgresql://desk@h/desk?sslmode=require&password=***")


def test_a_database_out_of_reach_stops_the_start_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = f"postgresql://desk:s3cret@/desk?host={tmp_path}&port=1"  # no server there
    proc = subprocess.run(
        [sys.executable, "-m", "central", "--db", url, "--gateway-token", "gw", "--port", "1"],
        capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("desk central: cannot reach the database"), proc.stderr
    assert "s3cret" not in proc.stderr and "Traceback" not in proc.stderr
    assert backend.unreachable(tmp_path / "central.sqlite") is None


# ---------------------------------------------------------------- placeholders


def test_placeholders_become_psycopg_ones_outside_quotes_only():
    assert postgres_sql("SELECT a FROM t WHERE b = ? AND c IN (?,?)") == (
        "SELECT a FROM t WHERE b = %s AND c IN (%s,%s)")
    # A literal question mark stays; every % is doubled, quoted or not, as psycopg
    # reads % as a placeholder anywhere.
    assert postgres_sql("SELECT '?', \"a?\", 10 % 3, '5%' WHERE x = ?") == (
        "SELECT '?', \"a?\", 10 %% 3, '5%%' WHERE x = %s")


def test_placeholders_mean_the_same_on_both(database):
    with database.read() as conn:
        row = conn.execute("SELECT ? AS a, '?' AS q, '5%' AS p, 10 % 3 AS m", ("甲",)).fetchone()
    assert (row["a"], row["q"], row["p"], row["m"]) == ("甲", "?", "5%", 1)
    # Rows read by name and by index, like sqlite3.Row.
    assert row[0] == "甲" and list(row.keys()) == ["a", "q", "p", "m"]


# ---------------------------------------------------------------- types


def test_the_schema_types_for_postgresql():
    schema = postgres_schema()
    assert "BLOB" not in schema and "INTEGER" not in schema
    assert "seq BIGINT PRIMARY KEY" in schema and "pw_hash BYTEA NOT NULL" in schema
    assert 'id TEXT COLLATE "C" PRIMARY KEY' in schema


def test_big_sequence_numbers_and_bytes_round_trip(database):
    seq = 2**40 + 7  # past what a 32-bit INTEGER holds
    with database.write() as conn:
        conn.execute("INSERT INTO changes(seq, at, case_id) VALUES (?, ?, ?)", (seq, "t", "c1"))
        conn.execute("INSERT INTO officers(id, username, name, badge_no, unit_id, roles, pw_salt, pw_hash)"
                     " VALUES (?,?,?,?,?,?,?,?)", ("o9", "o9", "x", "b", "u1", "[]", b"s", b"\x00\xff\x10\x80"))
    with database.read() as conn:
        assert conn.execute("SELECT MAX(seq) AS m FROM changes").fetchone()["m"] == seq
        data = conn.execute("SELECT pw_hash FROM officers WHERE id = ?", ("o9",)).fetchone()["pw_hash"]
    assert bytes(data) == b"\x00\xff\x10\x80"


def test_no_autoincrement_or_identity_the_sequence_is_numbered_by_the_service():
    # SQLite's AUTOINCREMENT and PostgreSQL's identity/serial number rows differently
    # (and PostgreSQL's sequences leave gaps on rollback); the change sequence is the
    # meta row `seq`, numbered inside the write transaction, on both.
    assert not re.search(r"AUTOINCREMENT|SERIAL|IDENTITY|GENERATED", backend.SCHEMA, re.I)


# ---------------------------------------------------------------- upsert and RETURNING


def test_upsert_both_ways(database):
    with database.write() as conn:
        for value in ("1", "2"):
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("k", value))
        for since in ("first", "second"):
            conn.execute("INSERT INTO holders(case_id, officer_id, since) VALUES (?,?,?)"
                         " ON CONFLICT(case_id, officer_id) DO NOTHING", ("c1", "o1", since))
    with database.read() as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'k'").fetchone()["value"] == "2"
        assert [tuple(r) for r in conn.execute("SELECT since FROM holders")] == [("first",)]


def test_returning(database):
    with database.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('n', '41')")
        row = conn.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT)"
                           " WHERE key = ? RETURNING value", ("n",)).fetchone()
    assert row["value"] == "42"


# ---------------------------------------------------------------- transactions


def test_one_writer_at_a_time_loses_no_increment(database):
    """BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL: a read-modify-write
    in write() is never interleaved, from any thread (on PostgreSQL each thread has its
    own connection, as each worker process has)."""
    with database.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('count', '0')")
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with database.write() as conn:
                    n = int(conn.execute("SELECT value FROM meta WHERE key = 'count'").fetchone()["value"])
                    conn.execute("UPDATE meta SET value = ? WHERE key = 'count'", (str(n + 1),))
        except BaseException as exc:  # handed to the test thread, which fails on it
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.read() as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'count'").fetchone()["value"] == "150"


def test_a_read_sees_one_snapshot(database):
    with database.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('v', 'old')")
    with database.read() as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'v'").fetchone()["value"] == "old"
        done = threading.Event()

        def write() -> None:
            with database.write() as other:
                other.execute("UPDATE meta SET value = 'new' WHERE key = 'v'")
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert done.wait(30), "a writer waited for a reader"
        assert conn.execute("SELECT value FROM meta WHERE key = 'v'").fetchone()["value"] == "old"
        writer.join()
    with database.read() as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'v'").fetchone()["value"] == "new"


def test_a_failed_nested_write_rolls_back_only_itself(database):
    with database.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('outer', '1')")
        with pytest.raises(ZeroDivisionError), database.write() as inner:
            inner.execute("INSERT INTO meta(key, value) VALUES ('inner', '1')")
            raise ZeroDivisionError
    with database.read() as conn:
        assert [r["key"] for r in conn.execute("SELECT key FROM meta ORDER BY key")] == ["outer"]


def test_the_backends_own_settings(database):
    """PRAGMAs are SQLite's (WAL, so readers run beside the writer); PostgreSQL gets
    the isolation of each transaction kind instead."""
    if isinstance(database, Database):
        assert database.conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        return
    with database.read() as conn:
        assert conn.execute("SHOW transaction_isolation").fetchone()[0] == "repeatable read"
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
    with database.write() as conn:
        assert conn.execute("SHOW transaction_isolation").fetchone()[0] == "read committed"


# ---------------------------------------------------------------- JSON, text, numbers


def test_stored_json_comes_back_byte_for_byte(database):
    # The feed splices the stored case into its answer, so it must be the exact text
    # written: JSONB would reorder keys and respace it.
    doc = canonical({"z": 1, "a": {"标题": "户口迁移", "y": [3, 1]}, "m": None, "e": "<b>&</b>"})
    with database.write() as conn:
        conn.execute("INSERT INTO reference_docs(name, body) VALUES (?, ?)", ("d", doc))
    with database.read() as conn:
        assert conn.execute("SELECT body FROM reference_docs WHERE name = 'd'").fetchone()["body"] == doc
    assert json.loads(doc)["a"]["标题"] == "户口迁移"


def test_nul_in_text(database):
    """PostgreSQL's text cannot hold NUL (SQLite's can): there it becomes U+FFFD, and a
    lookup by a value with NUL finds nothing instead of failing. In the cases' JSON it
    is escaped, so it is kept on both."""
    with database.write() as conn:
        conn.execute("INSERT INTO reference_docs(name, body) VALUES (?, ?)",
                     ("n\x00ul", canonical({"body": "a\x00b"})))
    with database.read() as conn:
        row = conn.execute("SELECT name, body FROM reference_docs").fetchone()
        assert conn.execute("SELECT 1 FROM reference_docs WHERE name = ?", ("\x00",)).fetchone() is None
    assert row["name"] == ("n\x00ul" if isinstance(database, Database) else "n\ufffdul")
    assert json.loads(row["body"]) == {"body": "a\x00b"}


def test_text_compares_and_sorts_by_code_point(database):
    names = ["b", "B", "张", "a", "A", "李", "_x", "o-officer10", "o-officer2"]
    with database.write() as conn:
        for i, name in enumerate(names):
            conn.execute("INSERT INTO units(id, name, parent_id, kind, ord) VALUES (?,?,NULL,'station',?)",
                         (name, name, i))
    with database.read() as conn:
        assert [r["id"] for r in conn.execute("SELECT id FROM units ORDER BY id")] == sorted(names)
        assert [r["id"] for r in conn.execute("SELECT id FROM units WHERE id = ?", ("a",))] == ["a"]


def test_the_service_sql_stays_in_the_shared_subset():
    """What would mean something else, or nothing, on the other backend: SQLite's
    INSERT OR, PRAGMA, GLOB and date functions; LIKE (case-blind for ASCII on SQLite,
    not on PostgreSQL); JSON functions (the cases are parsed in Python)."""
    sqlite_only = re.compile(
        r"INSERT OR|PRAGMA|AUTOINCREMENT|\bGLOB\b|\bLIKE\b|\bILIKE\b|julianday|strftime\(|\bjson_\w*\(|->>|"
        r"datetime\(|IFNULL|\bTYPEOF\b")
    root = ROOT / "central"
    found = []
    # Every module of the server that writes SQL; central/db.py is where the backends'
    # own statements (the PRAGMAs) belong.
    for path in sorted(p for p in root.rglob("*.py") if p.name != "db.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for literal in re.findall(r'"([^"]*)"', line):
                if sqlite_only.search(literal):
                    found.append(f"{path.relative_to(root)}:{n}: {literal}")
    assert found == []


def test_integer_division_truncates_on_both(database):
    with database.read() as conn:
        row = conn.execute("SELECT 7 / 2 AS a, -7 / 2 AS b, CAST(7 AS REAL) / 2 AS c").fetchone()
    assert (row["a"], row["b"], row["c"]) == (3, -3, 3.5)
