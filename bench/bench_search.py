"""Full-text search over a cache of 100,000 cases, beside a floor.

Fills a fresh encrypted cache the way a first sync does (Store.apply_changes, pages of
1,000), then times Store.search for typical officer queries (median of repeated runs)
against the floor: the same FTS5 MATCH (or, for short words, the same LIKE scan) run with
bare sqlcipher3 on the same database file, fetching every matching rowid. Store.search
does that plus the join to the view, the nearest-due sort and the limit; the ratio is
the result.

    /tmp/venv/bin/python bench/bench_search.py [--cases 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlcipher3

from desk.store import Store
from desk.wire import Case, UpsertChange, format_time

PLACES = ["太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁"]
TOPICS = [
    ("户政", "户口迁移", "请问从外省迁入户口需要准备哪些材料，是否需要本人到场"),
    ("户政", "身份证补办", "身份证丢失后在外地能否补办，办理进度如何查询"),
    ("出入境", "赴台签注", "去台湾旅游需要办理什么手续，个人游是否受理"),
    ("交警", "驾驶证换证", "驾驶证到期换证时发现有一年前的违章记录未处理"),
    ("交警", "违章罚款", "罚款交给饭店老板代缴，至今显示未缴纳，怀疑被骗"),
    ("治安", "特种行业许可证", "开办旅馆需要办理特种行业许可证，请问流程和时限"),
    ("治安", "噪音扰民", "小区楼下烧烤店深夜噪音扰民，多次反映无果"),
    ("网警", "网络诈骗", "在网上购物被骗两千元，对方已将我拉黑"),
    ("消防", "消防检查", "商铺开业前的消防安全检查如何预约"),
    ("禁毒", "线索举报", "举报出租屋内疑似有人吸食毒品"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"
QUERIES = ["户口迁移", "违章记录", "饭店老板", "特种行业许可", "噪音扰民", "网络诈骗", "太原市民"]
SHORT_QUERIES = ["签注", "消防"]


def make_cases(n: int, rng: random.Random) -> list[Case]:
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    cases = []
    for i in range(n):
        category, topic, text = rng.choice(TOPICS)
        place = rng.choice(PLACES)
        received = start + timedelta(minutes=7 * i)
        status = rng.choice(["new", "accepted", "in_progress", "waiting_citizen", "closed"])
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        cases.append(Case.model_validate({
            "id": f"c{i}", "number": f"SX{received:%Y%m%d}{i:06d}", "kind": "consultation",
            "category": category, "channel": "portal",
            "title": f"{place}市民咨询{topic}", "body": f"{place}{text}。编号{rng.randint(1000, 9999)}",
            "citizen": {"name": name, "phone": f"139{rng.randint(0, 99999999):08d}",
                        "id_number": f"1401051990{rng.randint(0, 99999999):08d}"},
            "unit_id": f"s{i % 20}", "assignee_id": rng.choice([None, "o1", "o2"]),
            "status": status, "version": 1, "received_at": format_time(received),
            "clocks": [{"clock": "reply", "due_at": format_time(received + timedelta(days=2)),
                        "stopped_at": format_time(received + timedelta(hours=3))
                        if status == "closed" else None}],
            "entries": [{"id": f"e{i}", "type": "note", "body": f"已电话联系{name[0]}先生/女士，说明办理流程",
                         "performed_at": format_time(received + timedelta(hours=1)),
                         "received_at": format_time(received + timedelta(hours=1))}],
        }))
    return cases


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    rng = random.Random(20261126)
    key = os.urandom(32)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        path = Path(tmp) / "cache.db"
        store = Store.open(path, key)
        t = time.perf_counter()
        cases = make_cases(args.cases, rng)
        for start in range(0, len(cases), 1000):
            page = [UpsertChange(seq=start + j + 1, op="upsert", case=c)
                    for j, c in enumerate(cases[start:start + 1000])]
            store.apply_changes(page, str(start + len(page)))
        del cases
        print(f"fill: {args.cases} cases in {time.perf_counter() - t:.1f} s")

        bare = sqlcipher3.connect(str(path), isolation_level=None)
        bare.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        bare.execute("PRAGMA temp_store = MEMORY")

        def floor_match(q: str):
            return lambda: bare.execute("SELECT rowid FROM case_fts WHERE case_fts MATCH ?",
                                        ('"' + q + '"',)).fetchall()

        def floor_like(q: str):
            pattern = f"%{q}%"
            return lambda: bare.execute(
                "SELECT rowid FROM case_fts WHERE number LIKE ? OR title LIKE ? OR body LIKE ? "
                "OR citizen LIKE ? OR entries LIKE ?", (pattern,) * 5).fetchall()

        ours, floors = [], []
        for q in QUERIES:
            hits = len(store.search(q))
            o = median_ms(lambda q=q: store.search(q), args.repeat)
            f = median_ms(floor_match(q), args.repeat)
            ours.append(o)
            floors.append(f)
            print(f"  {q}: {hits} hits, {o:.2f} ms (floor {f:.2f} ms)")
        print(f"search: median {statistics.median(ours):.2f} ms "
              f"(floor {statistics.median(floors):.2f} ms)")
        short_ours, short_floors = [], []
        for q in SHORT_QUERIES:
            short_ours.append(median_ms(lambda q=q: store.search(q), max(3, args.repeat // 3)))
            short_floors.append(median_ms(floor_like(q), max(3, args.repeat // 3)))
        print(f"short (LIKE) search: median {statistics.median(short_ours):.2f} ms "
              f"(floor {statistics.median(short_floors):.2f} ms)")
        bare.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
