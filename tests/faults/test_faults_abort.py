"""The sync cycle as a long job: its abort flag stops it between requests with every
page it took kept with its cursor, the outbox intact, and its progress callback moves
forward from 0 to 1."""

from __future__ import annotations

from desk.actions import Actions
from tests.faults import harness


def test_abort_stops_between_requests_and_the_next_cycle_carries_on(tmp_path, env, server):
    session = harness.open_desk(server.url, "officer1", tmp_path)
    unit = session.officer.unit_id
    cases = [harness.intake(server, unit, title=f"户口迁移咨询 {i}") for i in range(7)]
    engine = harness.engine_for(session, page_size=2, batch_size=2)

    # Aborted before anything: nothing sent, nothing fetched, nothing lost.
    report = engine.run_cycle(abort=lambda: True)
    assert not report.finished and report.error_kind == "aborted"
    assert report.push_requests == 0 and report.pull_requests == 0
    assert session.store.get_state().cursor is None

    # Stop after the second page: the two pages stay in the cache with their cursor.
    seen: list[tuple[float, str]] = []

    def pages_fetched() -> int:
        return sum(1 for _fraction, message in seen if message.startswith("fetched"))

    report = engine.run_cycle(abort=lambda: pages_fetched() >= 2,
                              progress=lambda fraction, message: seen.append((fraction, message)))

    assert not report.finished and report.error_kind == "aborted"
    assert report.pull_requests == 2
    kept = [c["id"] for c in cases if session.store.case(c["id"]) is not None]
    assert len(kept) == report.pulled == 4
    cursor = session.store.get_state().cursor
    assert cursor is not None
    assert session.store.integrity_ok()

    # Local work queued meanwhile, then a full cycle: pushed in batches of two, the feed
    # carried on from the kept cursor, progress monotonic from 0 to 1.
    actions = Actions(session.store, session.actor)
    for case in cases[:3]:
        if session.store.case(case["id"]) is not None:
            actions.claim(case["id"])
    queued = session.store.outbox_count()
    assert queued == 3
    seen.clear()
    report = engine.run_cycle(progress=lambda fraction, message: seen.append((fraction, message)))
    assert report.finished, report.error
    assert report.pushed == queued and report.push_requests == 2
    assert report.pulled < len(cases) + queued  # carried on, not from the start
    assert all(session.store.case(c["id"]) is not None for c in cases)
    assert session.store.outbox_count() == 0
    fractions = [fraction for fraction, _message in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)
    assert seen[-1][1] == "up to date"
