"""The supervisor dashboard over a station's year of 100,000 cases, beside a floor.

Fills a fresh encrypted cache the way a first sync does (Store.apply_changes, pages of
1,000) with one station's cases received over the past year: open ones (some overdue,
some due soon, some waiting on the citizen) and closed ones with met, late and "late,
done offline on time" clocks, ratings and callbacks. Then times
desk.supervision.dashboard (overdue and due soon, workload, 30-day compliance, ratings:
everything the view shows) against the floor: the same rows read with a bare query
(every case's id and JSON of the unit, `SELECT id, data FROM local_cases WHERE
unit_id = ?`). The goal is under 1 s for the dashboard; the ratio is the result. The
cache's schema is measured as migrations leave it (no index of the benchmark's own), and
the query plans of the period figures are printed beside the times.

    /tmp/venv/bin/python bench/bench_dashboard.py [--cases 100000] [--repeat 5]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk import supervision  # noqa: E402
from desk.rules import Actor  # noqa: E402
from desk.store import Store  # noqa: E402
from desk.wire import (  # noqa: E402
    CalendarData,
    Case,
    Officer,
    Policy,
    PolicyClock,
    Reference,
    Unit,
    UpsertChange,
    format_time,
)

UTC = UTC
UNIT = "s1"
OFFICERS = [f"o{i}" for i in range(1, 13)]
CHIEF = Actor(id="c1", unit_id=UNIT, roles=("officer", "supervisor"))
OFFICER = Actor(id=OFFICERS[0], unit_id=UNIT, roles=("officer",))


def reference() -> Reference:
    return Reference(
        version="r1", units=[Unit(id=UNIT, name="清源派出所", kind="station")],
        officers=[Officer(id=o, username=o, name=f"民警{o}", unit_id=UNIT, roles=["officer"])
                  for o in OFFICERS] + [Officer(id="c1", username="chief1", name="张建国",
                                                unit_id=UNIT, roles=["officer", "supervisor"])],
        service_items=[], templates=[],
        policy=[Policy(kind="consultation", name="业务咨询",
                       clocks=[PolicyClock(clock="reply", limit=2, unit="working_day")])],
        calendar=CalendarData(known_years=[2025, 2026, 2027], days={}),
    )


def make_case(n: int, rng: random.Random, now: datetime) -> Case:
    received = now - timedelta(minutes=rng.uniform(5, 365 * 24 * 60))
    due = received + timedelta(days=2)
    officer = rng.choice(OFFICERS)
    open_ = received > now - timedelta(days=10) and rng.random() < 0.5
    entries = [{"id": f"e{n}-1", "type": "claim", "author_id": officer, "body": "",
                "performed_at": format_time(received + timedelta(minutes=30)),
                "received_at": format_time(received + timedelta(minutes=30))}]
    rating = None
    if open_:
        status = rng.choice(["accepted", "in_progress", "waiting_citizen"])
        clock = {"clock": "reply", "due_at": format_time(due), "paused": status == "waiting_citizen"}
    else:
        status = "closed"
        stopped = received + timedelta(hours=rng.uniform(1, 70))
        performed = stopped - timedelta(hours=rng.uniform(0, 8)) if rng.random() < 0.1 else stopped
        clock = {"clock": "reply", "due_at": format_time(due), "stopped_at": format_time(stopped),
                 "stopped_performed_at": format_time(performed)}
        entries.append({"id": f"e{n}-2", "type": "reply", "author_id": officer,
                        "body": "您好，您咨询的户口迁移事项需携带身份证、户口簿原件到派出所办理。" * 2,
                        "performed_at": format_time(performed), "received_at": format_time(stopped)})
        entries.append({"id": f"e{n}-3", "type": "callback", "author_id": officer,
                        "body": "电话回访，群众表示满意。",
                        "data": {"outcome": "reached", "satisfaction": rng.choice(
                            ["satisfied", "satisfied", "neutral", "dissatisfied"])},
                        "performed_at": format_time(stopped + timedelta(hours=2)),
                        "received_at": format_time(stopped + timedelta(hours=2))})
        if rng.random() < 0.6:
            rating = {"score": rng.choice([5, 5, 5, 4, 4, 3, 2, 1]), "comment": "处理及时，态度很好",
                      "rated_at": format_time(stopped + timedelta(days=1))}
    return Case.model_validate({
        "id": f"case-{n}", "number": f"SX2026{n:010d}", "kind": "consultation", "category": "户政",
        "channel": "门户网站", "title": f"咨询户口迁移手续 {n}",
        "body": "我想把户口从外省迁到清徐，请问需要准备哪些材料，在哪里办理？" * 3,
        "citizen": {"name": "欧阳建华", "phone": "13912345678", "id_number": "140105199001011234"},
        "unit_id": UNIT, "assignee_id": officer, "status": status, "version": 3,
        "received_at": format_time(received), "clocks": [clock], "rating": rating,
        "entries": entries,
    })


def fill(store: Store, count: int, now: datetime) -> None:
    rng = random.Random(5)
    store.save_reference(reference(), '"r1"')
    page: list[UpsertChange] = []
    for n in range(count):
        page.append(UpsertChange(seq=n + 1, op="upsert", case=make_case(n, rng, now)))
        if len(page) == 1000:
            store.apply_changes(page, f"c{n}")
            page = []
    if page:
        store.apply_changes(page, "last")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db", os.urandom(32))
        start = time.perf_counter()
        fill(store, args.cases, now)
        print(f"fill: {args.cases} cases in {time.perf_counter() - start:.1f} s")

        def floor():
            store._read("SELECT id, data FROM local_cases WHERE unit_id = ?", (UNIT,))  # noqa: SLF001

        parts = {
            "at_risk": lambda: supervision.at_risk(store, CHIEF, now),
            "workload": lambda: supervision.workload(store, CHIEF, now),
            "compliance_30d": lambda: supervision.compliance(store, UNIT, now, 30),
            "ratings_30d": lambda: supervision.ratings(store, UNIT, now, 30),
            "my_commitments": lambda: supervision.my_commitments(store, OFFICER, now),
        }
        floor_s = timed(floor, args.repeat)
        for name, fn in parts.items():
            print(f"{name}: {timed(fn, args.repeat) * 1000:.0f} ms")

        board_s = timed(lambda: supervision.dashboard(store, CHIEF, now, days=30), args.repeat)
        verdict = "under" if board_s < 1.0 else "OVER"
        print(f"dashboard: {board_s * 1000:.0f} ms (floor {floor_s * 1000:.0f} ms, "
              f"ratio {board_s / floor_s:.2f}); goal 1 s: {verdict}")
        plans = supervision.query_plans(store)
        for name, plan in plans.items():
            print(f"plan {name}: {' | '.join(plan)}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
