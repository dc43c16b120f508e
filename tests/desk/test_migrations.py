import json
from datetime import UTC, datetime

import pytest
import sqlcipher3
from test_store_factory import CHIEF, OFFICER, key, make_case

from desk.queues import QUEUES, query_plans, queue_filter, queue_ids
from desk.store import Store, StoreConnection, StoreError, reports, schema


def raw_connection(path, k):
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{k.hex()}'\"")
    return conn


def test_fresh_database_reaches_the_latest_version(tmp_path):
    store = Store.open(tmp_path / "c.db", key())
    assert schema.version(store.conn) == schema.LATEST == len(schema.MIGRATIONS)
    assert {"synced_cases", "local_cases", "outbox", "conflicts", "sync_state", "reference",
            "case_fts"} <= set(store.db.table_names())
    store.close()


def test_migration_1_on_an_empty_database(tmp_path):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    assert schema.migrate(conn, target=1) == 1
    assert conn.execute("SELECT cursor, device_seq FROM sync_state").fetchall() == [(None, 0)]
    conn.close()


def test_migration_2_indexes_the_cases_of_a_version_1_database(tmp_path):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=1)
    case = make_case(7, title="网上信访转办", body="群众反映小区噪音扰民").model_dump(mode="json")
    case["entries"] = [{"id": "e1", "type": "note", "body": "已联系社区民警上门核实",
                        "performed_at": "2026-03-02T02:00:00Z", "received_at": "2026-03-02T02:00:00Z"}]
    data = json.dumps(case, ensure_ascii=False)
    conn.execute("INSERT INTO synced_cases (id, number, version, status, unit_id, data) "
                 "VALUES (?, ?, 1, 'new', 's1', ?)", (case["id"], case["number"], data))
    conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, data) "
                 "VALUES (?, ?, ?, 'new', 's1', ?)", (case["id"], case["number"], case["title"], data))
    conn.close()

    store = Store.open(tmp_path / "c.db", k)  # runs migration 2 (and those after it)
    assert schema.version(store.conn) == schema.LATEST
    assert store.search("噪音扰民") == ["case-7"]
    assert store.search("社区民警") == ["case-7"], "entries are indexed too"
    assert store.search("转办") == ["case-7"]
    store.close()


def test_migration_3_adds_drafts_and_warnings_to_a_version_2_database(tmp_path):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=2)
    case = make_case(3, title="出入境咨询").model_dump(mode="json")
    data = json.dumps(case, ensure_ascii=False)
    conn.execute("INSERT INTO synced_cases (id, number, version, status, unit_id, data) "
                 "VALUES (?, ?, 1, 'new', 's1', ?)", (case["id"], case["number"], data))
    conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, data) "
                 "VALUES (?, ?, ?, 'new', 's1', ?)", (case["id"], case["number"], case["title"], data))
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN "
                        "('drafts', 'warnings_raised')").fetchone()[0] == 0
    conn.close()

    store = Store.open(tmp_path / "c.db", k)  # runs migration 3
    assert schema.version(store.conn) >= 3
    assert store.case("case-3")["title"] == "出入境咨询", "version-2 data survives"
    assert store.draft("case-3", "reply") is None
    store.save_draft("case-3", "reply", "您好，赴台需办理往来台湾通行证")
    store.save_draft("case-3", "note", "内部备注")
    store.save_draft("case-3", "reply", "您好，已为您查询")
    assert store.draft("case-3", "reply") == "您好，已为您查询"
    assert store.draft("case-3", "note") == "内部备注"
    store.save_draft("case-3", "note", "")
    assert store.draft("case-3", "note") is None, "empty text deletes the draft"

    assert store.mark_warned("case-3", "reply", "due_soon") is True
    assert store.mark_warned("case-3", "reply", "due_soon") is False
    assert store.mark_warned("case-3", "reply", "overdue") is True
    assert store.mark_warned("case-3", "accept", "due_soon") is True
    assert store.mark_warned("case-4", "reply", "due_soon") is True
    store.close()

    reopened = Store.open(tmp_path / "c.db", k)
    assert reopened.draft("case-3", "reply") == "您好，已为您查询", "drafts outlive a restart"
    assert reopened.mark_warned("case-3", "reply", "due_soon") is False, "warnings too"
    reopened.close()


def test_a_database_from_a_newer_desk_is_refused(tmp_path):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Desk"):
        Store.open(tmp_path / "c.db", k)


def test_a_failed_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=1)

    def broken(c):
        c.execute("CREATE TABLE half_done (x)")
        c.execute("SELECT no_such_function()")

    monkeypatch.setattr(schema, "MIGRATIONS", [schema.MIGRATIONS[0], broken])
    with pytest.raises(sqlcipher3.OperationalError):
        schema.migrate(conn, target=2)
    assert schema.version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    conn.close()


def test_migration_4_gives_every_queue_a_covering_index_on_a_version_3_database(tmp_path):
    now = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=3)
    conn.close()
    # A version-3 cache read through today's queue code, without Store.open's migration.
    old = Store.__new__(Store)
    old.connection = StoreConnection(raw_connection(tmp_path / "c.db", k), tmp_path / "c.db", None)
    old._calendar = None
    for n, (status, assignee, due) in enumerate([
            ("new", None, "2026-03-06T15:00:00Z"), ("in_progress", "o1", "2026-03-05T00:00:00Z"),
            ("accepted", "o2", "2026-03-07T00:00:00Z"), ("waiting_citizen", "o1", None),
            ("closed", "o1", None)]):
        old.conn.execute(
            "INSERT INTO local_cases (id, number, status, unit_id, assignee_id, next_due_at, closed_at, data) "
            "VALUES (?, ?, ?, 's1', ?, ?, ?, '{}')",
            (f"case-{n}", f"SX20260306{n:06d}", status, assignee, due,
             "2026-03-01T00:00:00Z" if status == "closed" else None))
    # The callbacks queue reads the reminders of migration 8: not there in version 3.
    queues_v3 = [name for name in QUEUES if name != "callbacks"]
    before = {(actor.id, name): queue_ids(old, name, actor, now) for actor in (OFFICER, CHIEF) for name in queues_v3}
    old_plans = {name: old.queue_plans(queue_filter(old, name, OFFICER, now))[0] for name in queues_v3}
    assert any("COVERING" not in line for plan in old_plans.values() for line in plan
               if "local_cases" in line), "version 3 reads table rows for some queue"
    old.conn.close()

    store = Store.open(tmp_path / "c.db", k)  # runs migration 4
    assert schema.version(store.conn) >= 4
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"local_cases_unit_queue", "local_cases_assignee_queue"} <= names
    assert not names & {"local_cases_unit", "local_cases_assignee", "local_cases_due"}
    for actor in (OFFICER, CHIEF):
        for name in queues_v3:
            assert queue_ids(store, name, actor, now) == before[(actor.id, name)], "same queues"
        for plan in query_plans(store, actor, now).values():
            assert all("COVERING INDEX" in line for line in plan if "local_cases" in line), plan
    store.close()


def test_migration_5_indexes_the_period_figures_on_a_version_4_database(tmp_path):
    from desk import supervision

    now = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=4)
    rows = [  # id, unit, status, closed_at
        ("open-1", "s1", "in_progress", None), ("declined", "s1", "declined", None),
        ("closed-recent", "s1", "closed", "2026-03-01T00:00:00.000000Z"),
        ("closed-old", "s1", "closed", "2025-10-01T00:00:00.000000Z"),
        ("other-unit", "s2", "new", None),
    ]
    for n, (case_id, unit, status, closed) in enumerate(rows):
        conn.execute("INSERT INTO local_cases (id, number, status, unit_id, assignee_id, closed_at, data) "
                     "VALUES (?, ?, ?, ?, 'o1', ?, '{}')", (case_id, f"SX{n:06d}", status, unit, closed))
    old_plan = [r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM local_cases WHERE unit_id = 's1' "
        "AND (closed_at IS NULL OR closed_at >= '2026-02-01')")]
    assert any("local_cases_unit_queue (unit_id=?)" in line for line in old_plan), old_plan
    conn.close()

    store = Store.open(tmp_path / "c.db", k)  # runs migration 5
    assert schema.version(store.conn) >= 5
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "local_cases_closed" in names
    period = {"unit": "s1", "closed": "2026-02-01T00:00:00.000000Z"}
    got = store.db.execute(f"SELECT l.id FROM local_cases AS l WHERE {reports._PERIOD_CASES} "
                           f"ORDER BY l.id", period).fetchall()
    assert [r[0] for r in got] == ["closed-recent", "declined", "open-1"], "version-4 rows are found"
    plans = supervision.query_plans(store)
    for name in ("clocks", "ratings"):
        inner = [line for line in plans[name] if "local_cases (" in line or "local_cases USING" in line]
        # Two ranges of the period index, never a walk over the unit's whole history.
        assert sum("COVERING INDEX local_cases_closed" in line for line in inner) == 2, plans[name]
        assert not any("unit_queue" in line or line.startswith(("SCAN l", "SCAN local_cases"))
                       for line in plans[name]), plans[name]
    assert all("COVERING INDEX local_cases_assignee_queue" in line
               for line in plans["my_commitments"]), plans["my_commitments"]
    # The queues keep their covering indexes with the new one beside them.
    for actor in (OFFICER, CHIEF):
        for plan in query_plans(store, actor, now).values():
            assert all("COVERING INDEX" in line for line in plan if "local_cases" in line), plan
    store.close()


def test_migration_6_sets_aside_unreadable_cases_on_a_version_5_database(tmp_path):
    from desk.wire import UnreadableChange

    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=5)
    case = make_case(9, title="失物招领登记").model_dump(mode="json")
    data = json.dumps(case, ensure_ascii=False)
    conn.execute("INSERT INTO synced_cases (id, number, version, status, unit_id, data) "
                 "VALUES (?, ?, 1, 'new', 's1', ?)", (case["id"], case["number"], data))
    conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, data) "
                 "VALUES (?, ?, ?, 'new', 's1', ?)", (case["id"], case["number"], case["title"], data))
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'set_aside'").fetchone()[0] == 0
    conn.close()

    store = Store.open(tmp_path / "c.db", k)  # runs migration 6 (and any after it)
    assert schema.version(store.conn) == schema.LATEST
    assert store.case("case-9")["title"] == "失物招领登记", "version-5 data survives"
    assert store.set_aside_cases() == []
    assert store.unknown_statuses() == frozenset()
    store.note_statuses(["suspended", "x'); DROP TABLE outbox; --"])
    assert store.unknown_statuses() == frozenset({"suspended"}), "words only"
    store.set_aside([UnreadableChange(seq=40, case_id="case-9", version=2, problem="case.x: int_type"),
                     UnreadableChange(seq=41, problem="case: model_type")], [])
    got = store.set_aside_cases()
    assert [(g["case_id"], g["number"], g["seq"], g["last_good_copy"]) for g in got] == [
        ("case-9", case["number"], 40, True), (None, None, 41, False)], "the number of the last good copy"
    store.close()
    reopened = Store.open(tmp_path / "c.db", k)
    assert len(reopened.set_aside_cases()) == 2, "set-aside records outlive a restart"
    reopened.set_aside([], ["case-9"])
    assert [g["seq"] for g in reopened.set_aside_cases()] == [41], "read again: the record goes"
    reopened.close()


def test_inspect_names_what_the_migrations_should_have_left(tmp_path):
    store = Store.open(tmp_path / "c.db", key())
    try:
        found = store.inspect()
        assert found["version"] == schema.LATEST
        assert found["missing_tables"] == [] and found["missing_indexes"] == []
        assert found["rows"]["sync_state"] == 1 and found["rows"]["local_cases"] == 0
        store.conn.execute("DROP INDEX local_cases_closed")
        assert store.inspect()["missing_indexes"] == ["local_cases_closed"]
    finally:
        store.close()


def test_migration_11_lists_a_queue_by_received_from_its_index_on_a_version_10_database(tmp_path):
    k = key()
    conn = raw_connection(tmp_path / "c.db", k)
    schema.migrate(conn, target=10)
    for n, received in ((1, "2026-11-02"), (2, "2026-11-03"), (3, "2026-11-01")):
        conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, assignee_id, received_at, data) "
                     "VALUES (?, ?, 't', 'accepted', 's1', ?, ?, '{}')",
                     (f"case-{n}", f"N{n}", OFFICER.id, received))
    conn.close()
    store = Store.open(tmp_path / "c.db", k)
    assert schema.version(store.conn) == schema.LATEST
    now = datetime(2026, 11, 4, tzinfo=UTC)
    assert queue_ids(store, "mine", OFFICER, now, sort="received", descending=True) == [
        "case-2", "case-1", "case-3"]
    plan = query_plans(store, OFFICER, now, "received")["mine"]
    assert all("COVERING INDEX" in line for line in plan if "local_cases" in line), plan
    store.close()
