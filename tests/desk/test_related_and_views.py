"""Related cases (desk.related, desk.store.related) and saved views
(desk.store.saved_views, migration 7)."""

from __future__ import annotations

import pytest
from test_store_factory import OFFICER, key, make_case, open_store, reference, upsert

from desk.filters import QueueFilter
from desk.queues import saved_view_counts
from desk.related import SIMILAR_TITLE, normalize_title, title_similarity, very_similar
from desk.store import Store, StoreError, schema
from desk.store.connection import _connect
from desk.wire import Case


def case(n: int, title: str, phone: str, id_number: str = "", **kw) -> Case:
    data = make_case(n, title=title, citizen_phone=phone, **kw).model_dump(mode="json")
    data["citizen"]["id_number"] = id_number or f"14010519900101{n:04d}"
    return Case.model_validate(data)


def test_very_similar_titles():
    assert normalize_title("ＡＢＣ 小区，狗！") == "abc小区狗"
    assert very_similar("小区里有条狗天天咬人", "小区里的狗天天咬人")       # 0.71
    assert very_similar("城关小区一条黑狗咬伤儿童", "城关小区黑狗咬伤儿童！")
    assert very_similar("驾驶证换证", "驾驶证到期换证")                     # 0.6, at the line
    assert not very_similar("小区的狗咬人了", "小区停车位被占了")           # 0.15
    assert not very_similar("户口迁移：请问从外省迁入户口", "户口迁移：请问迁出需要什么")
    assert not very_similar("求助", "求助"), "too short to say"
    assert title_similarity("狗咬人", "狗咬人") == 1.0
    assert title_similarity(None, "狗咬人") == 0.0
    assert 0 < SIMILAR_TITLE < 1


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    s.save_reference(reference(), None)
    s.apply_changes([upsert(c) for c in [
        case(1, "城关小区一条黑狗咬伤儿童", "13900000001"),
        case(2, "城关小区黑狗咬伤儿童！", "13900000002"),
        case(3, "小区里的黑狗又咬伤儿童", "13900000003"),
        case(4, "咨询户口迁移手续", "13900000001"),                       # same phone as 1
        case(5, "特种行业许可证办理流程", "13900000005", id_number="140105199001011111"),
        case(6, "网上购物被骗两千元", "13900000006", id_number="140105199001011111"),
        case(7, "小区停车位被占了", "13900000007"),
    ]], "c1")
    yield s
    s.close()


def related(store, case_id):
    return [(r["id"].removeprefix("case-"), r["reasons"]) for r in store.related_cases(case_id)]


def test_related_by_phone_id_number_and_title(store):
    got = related(store, "case-1")
    assert got[0] == ("4", ["phone"]), "the same citizen first"
    # 3 shares the dog and the child but says it otherwise (0.48): not "very similar".
    assert got[1:] == [("2", ["title"])]
    assert related(store, "case-5") == [("6", ["id_number"])]
    assert related(store, "case-7") == []
    assert related(store, "case-unknown") == []
    row = store.related_cases("case-1")[0]
    assert row["number"] and row["citizen_name"] and row["status"] == "new"


def test_related_reasons_combine(store):
    store.apply_changes([upsert(case(8, "城关小区一条黑狗咬伤儿童", "13900000001"), seq=2)], "c2")
    got = dict(related(store, "case-1"))
    assert got["8"] == ["phone", "title"]


def test_related_queries_use_their_indexes(store):
    plan = store._plan("SELECT id FROM local_cases WHERE citizen_phone = ?", ("1",))
    assert any("local_cases_phone" in line for line in plan), plan
    plan = store._plan("SELECT id FROM local_cases WHERE json_extract(data, '$.citizen.id_number') = ?",
                       ("1",))
    assert any("local_cases_id_number" in line for line in plan), plan


def test_saved_views_per_officer(store):
    f = QueueFilter(kinds=("consultation",), due=("overdue",))
    store.save_view("o1", "  户政 逾期 ", "mine", f)
    store.save_view("o1", "全部咨询", "station", QueueFilter(kinds=("consultation",)))
    store.save_view("o2", "别人的", "mine", f)
    views = store.saved_views("o1")
    assert [(v.name, v.queue, v.filter) for v in views] == [
        ("户政 逾期", "mine", f), ("全部咨询", "station", QueueFilter(kinds=("consultation",)))]
    store.rename_view("o1", "户政 逾期", "我的逾期")
    with pytest.raises(StoreError):
        store.rename_view("o1", "我的逾期", "全部咨询")
    with pytest.raises(StoreError):
        store.save_view("o1", "   ", "mine", f)
    store.delete_view("o1", "全部咨询")
    assert [v.name for v in store.saved_views("o1")] == ["我的逾期"]
    assert [v.name for v in store.saved_views("o2")] == ["别人的"]
    # Saving under a taken name replaces that view's filter.
    store.save_view("o1", "我的逾期", "mine", QueueFilter(kinds=("tip",)))
    assert store.saved_views("o1")[0].filter == QueueFilter(kinds=("tip",))


def test_saved_view_counts_are_live(store):
    from datetime import UTC, datetime

    from desk.actions import Actions

    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    store.save_view("o1", "unsent", "unclaimed", QueueFilter(unsent=True))
    store.save_view("o1", "all", "unclaimed", QueueFilter())
    views = store.saved_views("o1")
    assert saved_view_counts(store, views, OFFICER, now) == {"unsent": 0, "all": 7}
    Actions(store, OFFICER, now=lambda: now).claim("case-1")
    # The claim is queued (unsent) and takes the case out of the unclaimed queue.
    assert saved_view_counts(store, views, OFFICER, now) == {"unsent": 0, "all": 6}
    store.save_view("o1", "mine unsent", "mine", QueueFilter(unsent=True))
    assert saved_view_counts(store, store.saved_views("o1"), OFFICER, now)["mine unsent"] == 1


def test_migration_7_on_a_version_6_database(tmp_path):
    k = key()
    conn = _connect(tmp_path / "c.db", k)
    schema.migrate(conn, target=6)
    data = case(9, "失物招领登记", "13900000009").model_dump_json()
    conn.execute("INSERT INTO local_cases (id, number, title, status, unit_id, citizen_phone, data) "
                 "VALUES ('case-9', 'SX9', '失物招领登记', 'new', 's1', '13900000009', ?)", (data,))
    conn.close()
    s = Store.open(tmp_path / "c.db", k)
    assert schema.version(s.conn) == schema.LATEST
    assert s.inspect()["missing_indexes"] == [] and s.inspect()["missing_tables"] == []
    assert s.saved_views("o1") == []
    plan = s._plan("SELECT id FROM local_cases WHERE json_extract(data, '$.citizen.id_number') = ?", ("x",))
    assert any("local_cases_id_number" in line for line in plan), "version-6 rows are indexed"
    s.close()
