"""Editing and withdrawing queued work, against the real reference server over real HTTP
through the fault proxy: an op that never left the computer can be changed or taken
back; one that was sent and whose answer is pending cannot (the server may have it)."""

from __future__ import annotations

import random
import threading

import pytest

from desk.actions import ActionRefused, Actions
from tests.faults import harness


def _entries_by_op(server, case_id: str) -> dict[str, list[dict]]:
    case = harness.server_case(server, "chief1", case_id)
    assert case is not None
    found: dict[str, list[dict]] = {}
    for entry in case["entries"]:
        if entry.get("op_id"):
            found.setdefault(entry["op_id"], []).append(entry)
    return found


def _claimed_case(server, session, engine, actions):
    case = harness.intake(server, session.officer.unit_id)
    assert engine.run_cycle().finished
    actions.claim(case["id"])
    assert engine.run_cycle().finished
    return case


def test_edit_then_sync_the_server_has_the_edited_text_once(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    op_id = actions.reply(case["id"], "您好，请带身份证原件到窗口办理。")
    changes = actions.edit_queued(op_id, "您好，请带身份证原件和户口本到窗口办理。")
    assert changes.outbox and changes.touches(case["id"])
    # The local view shows the edited text at once (rebuilt in the same transaction).
    local = session.store.case(case["id"])
    bodies = [e["body"] for e in local["entries"] if e.get("op_id") == op_id]
    assert bodies == ["您好，请带身份证原件和户口本到窗口办理。"]

    assert engine.run_cycle().finished
    entries = _entries_by_op(server, case["id"])[op_id]
    assert [e["body"] for e in entries] == ["您好，请带身份证原件和户口本到窗口办理。"]


def test_withdraw_then_sync_nothing_arrives(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    op_id = actions.note(case["id"], "这条备注写错了")
    pushes = proxy.count("POST /api/v1/ops")
    changes = actions.withdraw(op_id)
    assert changes.outbox and changes.touches(case["id"])
    assert session.store.outbox_count() == 0
    assert all(e.get("op_id") != op_id for e in session.store.case(case["id"])["entries"])

    assert engine.run_cycle().finished
    assert proxy.count("POST /api/v1/ops") == pushes
    assert op_id not in _entries_by_op(server, case["id"])


def test_a_sent_op_whose_answer_is_pending_cannot_be_edited_or_withdrawn(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    op_id = actions.note(case["id"], "已电话联系")
    proxy.drop_answer("POST /api/v1/ops")
    assert not engine.run_cycle().finished
    [item] = session.store.outbox()
    assert item.state == "sent"
    with pytest.raises(ActionRefused) as edit:
        actions.edit_queued(op_id, "改过的文字")
    assert edit.value.code == "sent" and "may already have applied" in edit.value.message
    with pytest.raises(ActionRefused) as withdraw:
        actions.withdraw(op_id)
    assert withdraw.value.code == "sent"
    # The server did apply it; the resend settles it as a duplicate, with the first text.
    report = engine.run_cycle()
    assert report.finished and report.duplicates == 1
    assert [e["body"] for e in _entries_by_op(server, case["id"])[op_id]] == ["已电话联系"]


def test_withdrawing_a_claim_takes_the_later_ops_of_its_case(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = harness.intake(server, session.officer.unit_id)
    other = harness.intake(server, session.officer.unit_id)
    assert engine.run_cycle().finished
    claim = actions.claim(case["id"])
    accept = actions.accept(case["id"])
    note = actions.note(case["id"], "先受理")
    elsewhere = actions.claim(other["id"])
    assert [i.op_id for i in actions.withdrawal(claim)] == [claim, accept, note]
    # A note alone takes nothing else with it.
    assert [i.op_id for i in actions.withdrawal(note)] == [note]
    actions.withdraw(claim)
    assert [i.op_id for i in session.store.outbox()] == [elsewhere]
    local = session.store.case(case["id"])
    assert local["assignee_id"] is None and local["status"] == "new"

    assert engine.run_cycle().finished
    on_server = harness.server_case(server, "chief1", case["id"])
    assert on_server["assignee_id"] is None and on_server["status"] == "new"
    assert not {claim, accept, note} & {e.get("op_id") for e in on_server["entries"]}


def test_a_reveal_is_never_withdrawn(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    status = actions.accept(case["id"])
    reveal = actions.reveal(case["id"], "phone")
    with pytest.raises(ActionRefused) as refused:
        actions.withdraw(reveal)
    assert refused.value.code == "not_withdrawable"
    assert [i.op_id for i in actions.withdrawal(status)] == [status]
    actions.withdraw(status)
    assert [i.op_id for i in session.store.outbox()] == [reveal]
    # The reveal stays and goes out with the next sync.
    assert engine.run_cycle().finished
    assert reveal in _entries_by_op(server, case["id"])


def test_only_text_ops_can_be_edited_and_the_text_is_checked(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    status = actions.accept(case["id"])
    with pytest.raises(ActionRefused) as refused:
        actions.edit_queued(status, "文字")
    assert refused.value.code == "not_editable"
    note = actions.note(case["id"], "原文")
    with pytest.raises(ActionRefused) as empty:
        actions.edit_queued(note, "   ")
    assert empty.value.code == "validation_failed"
    with pytest.raises(ActionRefused) as gone:
        actions.edit_queued("00000000-0000-0000-0000-000000000000", "文字")
    assert gone.value.code == "gone"


def test_withdraw_racing_a_running_sync_never_sends_a_withdrawn_op_nor_loses_a_sent_one(
        tmp_path, env, server, proxy):
    """Each round queues a note and runs a sync in a thread while the main thread
    withdraws the note: before the sync starts, while its request is held in flight by
    the proxy, or at a random moment in between. Either the withdraw won and the server
    never saw the op, or it was refused and the server has it exactly once."""
    session = harness.open_desk(proxy.url, "officer1", tmp_path)
    engine = harness.engine_for(session)
    actions = Actions(session.store, session.actor)
    case = _claimed_case(server, session, engine, actions)
    rng = random.Random(14)
    in_flight = threading.Event()
    release = threading.Event()

    def hold(line: str) -> None:
        if line.startswith("POST /api/v1/ops"):
            in_flight.set()
            release.wait(10)

    proxy.on_request = hold
    withdrawn: list[str] = []
    refused: list[str] = []
    rounds = 36
    for n in range(rounds):
        op_id = actions.note(case["id"], f"巡查记录 第{n}条")
        in_flight.clear()
        release.clear()
        reports = []
        sync = threading.Thread(target=lambda r=reports: r.append(engine.run_cycle()))
        when = ("before", "in_flight", "random")[n % 3]
        if when != "before":
            sync.start()
            if when == "in_flight":
                assert in_flight.wait(10)
            else:
                # Jitter only: any moment from before the batch is taken to after it left.
                threading.Event().wait(rng.uniform(0, 0.03))
        try:
            actions.withdraw(op_id)
            withdrawn.append(op_id)
        except ActionRefused as exc:
            assert exc.code == "sent"
            refused.append(op_id)
        release.set()
        if when == "before":
            sync.start()
        sync.join(30)
        assert not sync.is_alive() and reports[0].finished, reports
        assert session.store.outbox_count() == 0
    proxy.on_request = lambda line: None

    on_server = _entries_by_op(server, case["id"])
    for op_id in withdrawn:
        assert op_id not in on_server
    for op_id in refused:
        assert len(on_server.get(op_id, [])) == 1
    assert len(withdrawn) + len(refused) == rounds
    # Both sides of the boundary were crossed.
    assert len(withdrawn) >= rounds // 3 and len(refused) >= rounds // 3
