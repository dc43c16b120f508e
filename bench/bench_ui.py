"""The desktop app over a cache of 100,000 cases, beside a bare QTableView floor.

Makes a real profile (one login to a demo server with no cases), fills its encrypted
cache the way a first sync does (Store.apply_changes, pages of 1,000) with cases of the
officer's station, then measures the app doing its job offline:

- start: unlock the cache with the password, build and show the main window, and wait
  for the first queue to be listed (goal < 1.5 s). Floor: open the same cache with the
  key already unwrapped, read the same queue's ids with one bare SELECT and show them in
  a bare QTableView over a plain list model.
- switching queues and sorting, GUI thread to rows shown (goal < 100 ms each). Floor:
  the same SELECT and a model reset of the bare view.
- a combined filter (kind, category, channel, status and due range chips over a queue),
  GUI thread to rows shown (goal < 100 ms), and the store's listing and count of it alone.
  Floor: the same WHERE in one bare SELECT and a model reset of the bare view.
- the longest GUI-thread block while scrolling through the table a page at a time with
  a repaint per step (goal < 16 ms). Floor: the bare view scrolled the same way.
- resident memory once the window is up (goal < 300 MB), beside the process before Qt
  built anything.
- the longest GUI-thread block (a 5 ms heartbeat timer's largest gap) while the officer
  scrolls and selects cases: with no sync running, while the window's own sync loop runs
  a first sync of 20,000 cases from a reference server, and while it pushes 1,000
  queued ops (goal < 50 ms each). The no-sync figure is the floor. --sync-cases 0 skips
  these; the server's filled database is bench_sync.py's kept one, and the server runs
  at the lowest priority, as if on a machine of its own.

The cache is filled in a child process (so the memory figure is the app's own, not the
generator's) and kept under the system temp folder, keyed by case count and schema
version, so that later runs skip the minute of filling; --refill rebuilds it.

    QT_QPA_PLATFORM=offscreen /tmp/venv/bin/python bench/bench_ui.py [--cases 100000] [--refill]
        [--sync-cases 20000]

Not a test: it prints its figures and never fails on them.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

PASSWORD = "demo-pass"
TOPICS = [
    ("户政", "户口迁移", "请问从外省迁入户口需要准备哪些材料，是否需要本人到场"),
    ("出入境", "赴台签注", "去台湾旅游需要办理什么手续，个人游是否受理"),
    ("交警", "驾驶证换证", "驾驶证到期换证时发现有一年前的违章记录未处理"),
    ("治安", "特种行业许可证", "开办旅馆需要办理特种行业许可证，请问流程和时限"),
    ("网警", "网络诈骗", "在网上购物被骗两千元，对方已将我拉黑"),
]
KINDS = ["consultation", "application", "tip", "appeal", "mailbox"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_changes(n: int, officer_id: str, others: list[str], unit_id: str):
    from desk.wire import Case, UpsertChange, format_time

    rng = random.Random(5)
    now = datetime.now(UTC)
    changes = []
    for i in range(n):
        category, topic, text = rng.choice(TOPICS)
        received = now - timedelta(minutes=3 * (n - i))
        status = rng.choice(["new", "accepted", "in_progress", "waiting_citizen", "closed"])
        assignee = None if status == "new" and rng.random() < 0.5 else rng.choice([officer_id, *others])
        due = now + timedelta(hours=rng.uniform(-72, 120))
        name = rng.choice(SURNAMES) + rng.choice(SURNAMES)
        case = Case.model_validate({
            "id": f"c{i}", "number": f"SX{received:%Y%m%d}{i:06d}", "kind": rng.choice(KINDS),
            "category": category, "channel": "portal", "title": f"{topic}：{text[:14]}",
            "body": text, "citizen": {"name": name, "phone": f"139{rng.randint(0, 99999999):08d}",
                                      "id_number": f"1401051990{rng.randint(0, 99999999):08d}"},
            "unit_id": unit_id, "assignee_id": assignee, "status": status, "version": 1,
            "received_at": format_time(received),
            "clocks": [{"clock": "reply", "due_at": format_time(due),
                        "stopped_at": format_time(received + timedelta(hours=3))
                        if status == "closed" else None,
                        "paused": status == "waiting_citizen"}],
            "entries": [{"id": f"e{i}", "type": "note", "body": "已电话联系，说明办理流程",
                         "performed_at": format_time(received), "received_at": format_time(received)}],
        })
        changes.append(UpsertChange(seq=i + 1, op="upsert", case=case))
    return changes


def make_profile(folder: Path, cases: int) -> Path:
    from desk.session import login
    from launch.demo import start_demo_server

    server = start_demo_server(db_path=folder / "central.db", seed="empty")
    try:
        session = login(server.url, "officer1", PASSWORD, profile_dir=folder / "profile")
        from desk.sync import SyncEngine

        SyncEngine(session.store, session.client, session.actor).run_cycle()  # reference data
        officer = session.officer
        others = [o.id for o in session.store.reference().officers if o.id != officer.id]
        changes = make_changes(cases, officer.id, others, officer.unit_id)
        t = time.perf_counter()
        for start in range(0, len(changes), 1000):
            session.store.apply_changes(changes[start:start + 1000], f"bench-{start}")
        print(f"filled the cache with {cases} cases in {time.perf_counter() - t:.1f} s")
        session.close()
    finally:
        server.stop()
    return folder / "profile"


def wait(app, predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("bench_ui: timed out")
        app.processEvents()
        time.sleep(0.001)


def scroll_blocks(app, view, steps: int) -> list[float]:
    """Scroll a page per step; each step's time (the GUI thread busy) in ms, sorted.
    The longest is the figure; the median and 95th percentile beside it tell a slow
    table from a machine busy with other work at one unlucky step."""
    bar = view.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    times = []
    for i in range(steps):
        t = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep() + (i % 3))
        view.viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)


def line(what: str, value: float, floor: float, unit: str, goal: str) -> None:
    ratio = value / floor if floor > 0 else float("nan")
    print(f"{what:<34} {value:9.1f} {unit:<3} floor {floor:9.1f} {unit:<3} x{ratio:5.1f}   goal {goal}")


def use_scratch(folder: Path) -> None:
    os.environ["DESK_DATA_DIR"] = str(folder / "data")
    os.environ["DESK_CONFIG_DIR"] = str(folder / "config")
    os.environ["DESK_MACHINE_CONFIG"] = str(folder / "machine" / "desk.toml")


def filled_profile(scratch: Path, cases: int, refill: bool) -> Path:
    """A copy of the filled profile in `scratch`, filling the kept one first if needed."""
    kept = Path(tempfile.gettempdir()) / f"desk-bench-ui-{cases}"
    if refill or not (kept / "profile").is_dir():
        shutil.rmtree(kept, ignore_errors=True)
        building = kept.with_name(kept.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        subprocess.run([sys.executable, __file__, "--fill-into", str(building), "--cases", str(cases)],
                       check=True)
        building.rename(kept)
    else:
        # Opening the kept cache brings it to the current schema once, so a new migration
        # is not timed as part of the app's start (in a child: scrypt's memory is not ours).
        subprocess.run([sys.executable, __file__, "--migrate", str(kept)], check=True)
    shutil.copytree(kept / "profile", scratch / "profile")
    return scratch / "profile"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="desktop app benchmark")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--refill", action="store_true", help="rebuild the kept filled cache")
    parser.add_argument("--sync-cases", type=int, default=20_000,
                        help="cases of the first sync run while the window is up (0: skip)")
    parser.add_argument("--fill-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--migrate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.migrate is not None:
        from desk.profile import Profile

        use_scratch(args.migrate)
        Profile(args.migrate / "profile").unlock(PASSWORD).close()
        return 0
    if args.fill_into is not None:
        use_scratch(args.fill_into)
        make_profile(args.fill_into, args.cases)
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="desk-bench-ui-"))
    use_scratch(scratch)
    try:
        return run(scratch, args.cases, args.refill, args.sync_cases)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Heartbeat:
    """A 5 ms timer on the GUI thread: the largest gap between two of its ticks is the
    longest time the event loop could not run (painting, input) for any reason."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.worst = 0
        self.last_cpu = 0.0
        self.worst_cpu_ms = 0.0
        self.step_worst = 0

    def _tick(self):
        now = self.clock.elapsed()
        # The GUI thread's own CPU time inside the worst gap tells a busy GUI thread
        # (painting, reading) from one that waited (for the GIL, or for a core).
        cpu = time.thread_time()
        if now - self.last > self.worst:
            self.worst_cpu_ms = (cpu - self.last_cpu) * 1000
        self.worst = max(self.worst, now - self.last)
        self.step_worst = max(self.step_worst, now - self.last)
        self.last = now
        self.last_cpu = cpu

    def start(self):
        self.clock.start()
        self.last = self.worst = self.step_worst = 0
        self.last_cpu, self.worst_cpu_ms = time.thread_time(), 0.0
        self.timer.start()

    def stop(self) -> int:
        self._tick()
        self.timer.stop()
        return self.worst


def interact(app, window, until, *, min_s: float = 0.0,
             max_s: float = 600.0) -> tuple[int, float, int, float, int]:
    """The officer at work: scroll a page, select the next case, then let the event
    loop run for 20 ms, again and again until `until()` (and at least `min_s`).
    Returns the heartbeat's largest gap in ms, the GUI thread's CPU ms within it, the
    steps taken, the seconds spent and the 95th percentile of each step's largest gap
    (one unlucky step beside a busy machine is the first figure, not this one)."""
    from PySide6.QtCore import QEventLoop, QTimer

    bar = window.table.verticalScrollBar()
    if window.model.rowCount() and window.case_pane.case_id is None:
        # A case is open before the clock starts, as on an officer's screen: the pane's
        # first build is not the step being measured.
        window.table.selectRow(0)
        wait(app, lambda: window.case_pane.case_id is not None)
    beat = Heartbeat()
    beat.start()
    t = time.perf_counter()
    steps = 0
    step_gaps: list[int] = []
    idle = QEventLoop()
    while True:
        elapsed = time.perf_counter() - t
        if (elapsed >= min_s and until()) or elapsed > max_s:
            break
        rows = window.model.rowCount()
        if rows:
            if bar.value() >= bar.maximum():
                bar.setValue(0)
            bar.setValue(bar.value() + bar.pageStep())
            window.table.selectRow((steps * 7) % rows)
        steps += 1
        QTimer.singleShot(20, idle.quit)
        idle.exec()
        step_gaps.append(beat.step_worst)
        beat.step_worst = 0
    worst = beat.stop()
    step_gaps.sort()
    p95 = step_gaps[int(len(step_gaps) * 0.95)] if step_gaps else worst
    return worst, beat.worst_cpu_ms, steps, time.perf_counter() - t, p95


def sync_blocks(app, window, desk_app, session, scratch: Path, sync_cases: int) -> list[str]:
    """The GUI thread's longest block while the window's own sync loop (the real
    SyncBridge and SyncLoop) pulls a first sync of `sync_cases` cases, then pushes
    1,000 queued claims, beside the same interaction with no sync running."""
    from bench.bench_sync import filled_server_db
    from bench.common import start_server_process
    from desk.actions import Actions
    from desk.api import CentralClient
    from desk.session import actor_of
    from desk.store import CaseFilter

    kept = filled_server_db(sync_cases, False)
    shutil.copy(kept, scratch / "central.db")
    # The platform runs on machines of its own; here it shares the two cores with the app
    # and its page worker, so it takes only what they leave (at niceness 0 it cost the
    # window's steps 5-15 ms more than in the field).
    server = start_server_process(scratch / "central.db", niceness=19)
    try:
        quiet_ms, quiet_cpu, quiet_steps, quiet_s, quiet_p95 = interact(app, window, lambda: True, min_s=8.0)
        client = CentralClient(server.url, device_id=session.profile.config.device_id)
        answer = client.login("officer1", PASSWORD, "bench-ui")
        session.client, session.officer = client, answer.officer
        session.actor = actor_of(answer.officer)
        # A first sync of this server's cases into the cache that holds the others.
        session.store.set_state(cursor=None)
        bridge = desk_app.bridge
        bridge.engine.actor = session.actor
        reports: list = []
        bridge.sig_report.connect(reports.append)
        bridge.resume_after_login(client)
        pull_ms, pull_cpu, pull_steps, pull_s, pull_p95 = interact(app, window, lambda: bool(reports))
        report = reports[-1]
        if not report.finished:
            raise SystemExit(f"bench_ui: the sync failed: {report.error}")
        pulled = report.pulled
        wait(app, lambda: not window._refresh_running and not window.runner.busy)
        actions = Actions(session.store, session.actor)
        unclaimed = sorted(session.store.queue_id_set(
            CaseFilter(unassigned=True, unit_id=session.actor.unit_id)))[:1000]
        # Queued while no cycle runs (the loop sleeps for its interval), then pushed.
        for case_id in unclaimed:
            actions.claim(case_id)
        reports.clear()
        bridge.sync_now()
        push_ms, push_cpu, push_steps, push_s, push_p95 = interact(app, window, lambda: bool(reports))
        report = reports[-1]
        if not report.finished:
            raise SystemExit(f"bench_ui: the push failed: {report.error}")
        bridge.stop()
    finally:
        server.stop()
    return [
        (f"longest GUI block, first sync of {pulled}", pull_ms, quiet_ms,
         f"{pull_steps} steps in {pull_s:.1f} s, 95% within {pull_p95} ms;"
         f" GUI thread CPU in the worst gap {pull_cpu:.0f} ms"),
        (f"longest GUI block, {report.pushed} ops pushed", push_ms, quiet_ms,
         f"{push_steps} steps in {push_s:.1f} s, 95% within {push_p95} ms; {report.push_requests} push requests;"
         f" GUI thread CPU in the worst gap {push_cpu:.0f} ms"),
        ("  ... no sync running (the floor)", quiet_ms, quiet_ms,
         f"{quiet_steps} steps in {quiet_s:.1f} s, 95% within {quiet_p95} ms;"
         f" GUI thread CPU in the worst gap {quiet_cpu:.0f} ms"),
    ]


def run(scratch: Path, cases: int, refill: bool, sync_cases: int = 0) -> int:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSettings, Qt
    from PySide6.QtWidgets import QTableView

    from desk import queues
    from desk.session import open_offline
    from ui.app import DeskApp, setup_application
    from ui.clockfmt import utcnow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "settings"))
    profile = filled_profile(scratch, cases, refill)
    app, _tr = setup_application([sys.argv[0]], "zh_CN")
    rss_before = rss_mb()

    # ---- the app
    t0 = time.perf_counter()
    session = open_offline(profile, PASSWORD)
    unlocked = time.perf_counter()
    desk_app = DeskApp(sync_interval=3600)
    window = desk_app.open_session(session, offline=True)
    listed = [0]
    window.sig_listed.connect(lambda: listed.__setitem__(0, listed[0] + 1))
    wait(app, lambda: window.isVisible() and listed[0] > 0 and window.model.rowCount() > 0)
    window.table.viewport().repaint()
    start_s = time.perf_counter() - t0
    wait(app, lambda: not window._refresh_running and not window.runner.busy)
    counted_s = time.perf_counter() - t0
    unlock_s = unlocked - t0
    rss_app = rss_mb()
    actor = session.actor

    def until_listed(act):
        """ms from `act` until the new rows are painted, and until every count is too."""
        before = listed[0]
        t = time.perf_counter()
        act()
        wait(app, lambda: listed[0] > before and not window._listing)
        window.table.viewport().repaint()
        rows_ms = (time.perf_counter() - t) * 1000
        wait(app, lambda: not window._refresh_running and not window.runner.busy)
        return rows_ms, (time.perf_counter() - t) * 1000

    switches = [until_listed(lambda n=name: window.queue_list.setCurrentItem(window.queue_items[n]))
                for name in ("overdue", "unclaimed", "closed", "mine")]
    switch_ms = max(rows for rows, _ in switches)
    switch_all_ms = max(everything for _, everything in switches)
    header = window.table.horizontalHeader()

    def sort(column, order):
        return until_listed(lambda: header.setSortIndicator(column, order))[0]

    from ui.queue.model import COLUMN_INDEX

    sort_ms = max(sort(COLUMN_INDEX["received"], Qt.SortOrder.DescendingOrder),
                  sort(COLUMN_INDEX["number"], Qt.SortOrder.AscendingOrder),
                  sort(COLUMN_INDEX["clock"], Qt.SortOrder.AscendingOrder))
    rows_mine = window.model.rowCount()
    scroll_ms = scroll_blocks(app, window.table, 300)

    from desk.filters import QueueFilter

    # Fields of every kind at once, OR within a field, over the queues an officer has.
    combined = [
        ("overdue", QueueFilter(kinds=("consultation", "tip"), categories=("户政", "交警"),
                                due=("overdue",))),
        ("mine", QueueFilter(kinds=("application", "appeal"), statuses=("in_progress", "accepted"),
                             channels=("portal",), due=("today", "week"))),
        ("unclaimed", QueueFilter(categories=("出入境", "治安", "网警"), due=("week",))),
    ]
    filter_ms, store_ms, filtered_rows = [], [], []
    for name, refine in combined:
        until_listed(lambda n=name: window.queue_list.setCurrentItem(window.queue_items[n]))
        filter_ms.append(until_listed(
            lambda r=refine: window.filter_bar.set_filter(r, announce=True))[0])
        filtered_rows.append(window.model.rowCount())
        t = time.perf_counter()
        now = utcnow()
        session.store.queue_ids(queues.queue_filter(session.store, name, actor, now, refine))
        session.store.count_cases(queues.queue_filter(session.store, name, actor, now, refine))
        store_ms.append((time.perf_counter() - t) * 1000)
    until_listed(lambda: window.queue_list.setCurrentItem(window.queue_items["mine"]))
    blocks = sync_blocks(app, window, desk_app, session, scratch, sync_cases) if sync_cases else []

    # ---- the floor: a bare view over a list of the same rows
    class Bare(QAbstractTableModel):
        def __init__(self):
            super().__init__()
            self.rows = []

        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else 6

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.rows[index.row()][index.column()]
            return None

        def set_rows(self, rows):
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()

    cols = "number, kind, title, citizen_name, received_at, next_due_at"

    def bare_query(name, order="next_due_at"):
        # The store's own WHERE for the queue, without its listing around it.
        where, params = key._where(queues.queue_filter(key, name, actor, utcnow()))
        return key._read(f"SELECT {cols} FROM local_cases WHERE {where} ORDER BY {order}", params)

    desk_app.shutdown()
    from desk.profile import Profile

    # The same unlock (scrypt and the cache's first pages) as the app, then bare Qt.
    t = time.perf_counter()
    key = Profile(profile).unlock(PASSWORD)
    bare = Bare()
    view = QTableView()
    view.setModel(bare)
    view.verticalHeader().setSectionResizeMode(view.verticalHeader().ResizeMode.Fixed)
    view.resize(1200, 800)
    bare.set_rows(bare_query("mine"))
    view.show()
    wait(app, view.isVisible)
    view.viewport().repaint()
    floor_start_s = time.perf_counter() - t

    def bare_switch(name, order="next_due_at"):
        t = time.perf_counter()
        bare.set_rows(bare_query(name, order))
        view.viewport().repaint()
        app.processEvents()
        return (time.perf_counter() - t) * 1000

    floor_switch = max(bare_switch(n) for n in ("overdue", "unclaimed", "closed", "mine"))
    floor_sort = max(bare_switch("mine", o) for o in ("received_at DESC", "number", "next_due_at"))
    floor_scroll = scroll_blocks(app, view, 300)

    def bare_filtered(name, refine):
        where, params = key._where(queues.queue_filter(key, name, actor, utcnow(), refine))
        t = time.perf_counter()
        bare.set_rows(key._read(f"SELECT {cols} FROM local_cases WHERE {where} "
                                f"ORDER BY next_due_at", params))
        view.viewport().repaint()
        app.processEvents()
        return (time.perf_counter() - t) * 1000

    floor_filter = max(bare_filtered(n, r) for n, r in combined)
    rss_floor = rss_mb()
    view.close()

    print(f"{cases} cases in the cache; 'mine' lists {rows_mine}; unlocking the cache took {unlock_s:.2f} s")
    line("start offline to usable window", start_s * 1000, floor_start_s * 1000, "ms", "< 1500 ms")
    line("switch queue (worst of 4)", switch_ms, floor_switch, "ms", "< 100 ms")
    print(f"{'  ... until every count is shown':<34} {switch_all_ms:9.1f} ms  (start: {counted_s * 1000:.1f} ms)")
    line("sort (worst of 3 columns)", sort_ms, floor_sort, "ms", "< 100 ms")
    line("combined filter (worst of 3)", max(filter_ms), floor_filter, "ms", "< 100 ms")
    print(f"{'  ... the store alone (ids + count)':<34} {max(store_ms):9.1f} ms  "
          f"(rows {', '.join(map(str, filtered_rows))})")
    line("longest GUI block while scrolling", scroll_ms[-1], floor_scroll[-1], "ms", "< 16 ms")
    for name, at in (("median", len(scroll_ms) // 2), ("95th percentile", len(scroll_ms) * 95 // 100)):
        print(f"{'  ... ' + name + ' step':<34} {scroll_ms[at]:9.1f} ms  floor {floor_scroll[at]:9.1f} ms")
    print(f"{'resident memory with the window up':<34} {rss_app:9.1f} MB  before Qt windows {rss_before:7.1f} MB"
          f"  after the floor {rss_floor:7.1f} MB   goal < 300 MB")
    for what, figure, floor, extra in blocks:
        line(what, figure, floor, "ms", "< 50 ms")
        print(f"{'':<34} ({extra})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
