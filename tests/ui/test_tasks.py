"""The task runner's coalescing: `run(..., key=...)` while a job with the key runs makes
one re-run after it, with the latest arguments; the stale outcome is never handed out."""

from __future__ import annotations

import threading

import pytest

from ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot):
    # Three threads: one test holds two jobs and runs a third beside them.
    runner = TaskRunner(max_threads=3)
    yield runner
    runner.wait()


def test_runs_with_a_key_while_one_runs_coalesce_into_one_rerun_with_the_latest(qtbot, runner):
    gate = threading.Event()
    started: list[str] = []
    done: list[str] = []

    def job(name: str, *, hold: bool = False):
        def fn():
            started.append(name)
            if hold:
                gate.wait(10)
            return name
        return fn

    assert runner.run(job("first", hold=True), done.append, key="list") is not None
    qtbot.waitUntil(lambda: started == ["first"])
    # Three requests while the first is held: none starts beside it.
    for name in ("second", "third", "fourth"):
        assert runner.run(job(name), done.append, key="list") is None
    assert runner.is_running("list") and runner.busy
    with qtbot.waitSignal(runner.sig_busy_changed, timeout=10000) as idle:
        gate.set()
    assert idle.args == [False]
    # The first's result may predate the change that asked again: dropped. One re-run,
    # the last one asked for.
    assert started == ["first", "fourth"]
    assert done == ["fourth"]
    assert not runner.is_running("list") and not runner.busy


def test_different_keys_and_no_key_run_side_by_side(qtbot, runner):
    gate = threading.Event()
    done: list[str] = []

    def held(name):
        def fn():
            gate.wait(10)
            return name
        return fn

    runner.run(held("a"), done.append, key="a")
    runner.run(held("b"), done.append, key="b")
    runner.run(lambda: "free", done.append)
    qtbot.waitUntil(lambda: done == ["free"], timeout=10000)
    gate.set()
    qtbot.waitUntil(lambda: sorted(done) == ["a", "b", "free"], timeout=10000)


def test_a_failed_job_with_a_rerun_waiting_hands_out_only_the_rerun(qtbot, runner):
    gate = threading.Event()
    errors: list[BaseException] = []
    done: list[str] = []

    def fails():
        gate.wait(10)
        raise ValueError("stale")

    runner.run(fails, done.append, errors.append, key="count")
    runner.run(lambda: "fresh", done.append, errors.append, key="count")
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=10000)
    assert done == ["fresh"] and errors == []


def test_the_key_is_free_again_after_a_failure(qtbot, runner):
    errors: list[BaseException] = []

    def fails():
        raise ValueError("boom")

    runner.run(fails, None, errors.append, key="k")
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert not runner.is_running("k")
    done: list[int] = []
    assert runner.run(lambda: 1, done.append, key="k") is not None
    qtbot.waitUntil(lambda: done == [1], timeout=10000)


def test_an_error_nobody_handles_is_logged_with_where_not_what(qtbot, runner, caplog):
    def fails():
        raise ValueError("citizen 13800000000 said so")

    runner.run(fails)
    qtbot.waitUntil(lambda: not runner.busy, timeout=10000)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and "test_tasks.py" in logged and "in fails" in logged
    assert "13800000000" not in logged
