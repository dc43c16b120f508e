import json

import pytest
import sqlcipher3

from desk import schema
from desk.store import Store, StoreError
from test_store_factory import key, make_case


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
