"""A stateful property test of sync against the real server over real HTTP.

Local actions, other officers working the same cases through the server's API, pushes,
pulls, crashes (the Store dropped and reopened) and lost answers (the proxy), in any
order. Invariants hold after every step; once the link is clean and everything settles,
every op was applied exactly once or is listed as a conflict (or waits behind one), the
officer sees their own work, and client and server agree on every case in scope.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from desk import keys
from desk.actions import ActionRefused, Actions
from desk.session import open_offline
from desk.sync import SyncEngine
from tests.faults import harness
from tests.faults.proxy import FaultProxy

VISIBLE_TYPES = {"note", "reply", "callback"}
LOCAL_ACTIONS = ("claim", "accept", "note", "reply", "callback", "in_progress", "waiting", "close")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="desk-stateful-"))
        self.server = harness.start_central(self.tmp)
        self.proxy = FaultProxy("127.0.0.1", int(self.server.url.rsplit(":", 1)[1]))
        self.session = harness.open_desk(self.proxy.url, "officer1", self.tmp)
        self.profile = self.session.profile.path
        self.client = self.session.client
        self.unit = self.session.officer.unit_id
        self.officer2 = harness.other_officer(self.server, "officer2")
        self.chief = harness.other_officer(self.server, "chief1")
        self.ops: dict[str, str] = {}  # op_id -> case_id, every op the officer queued
        self.case_ids: list[str] = []
        self._reopen_parts()

    def _reopen_parts(self):
        self.store = self.session.store
        self.actions = Actions(self.store, self.session.actor)
        self.engine = SyncEngine(self.store, self.client, self.session.actor)

    def teardown(self):
        try:
            self.session.store.close()
        finally:
            self.proxy.stop()
            self.server.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------ the world

    @rule()
    def citizen_files_a_case(self):
        self.case_ids.append(harness.intake(self.server, self.unit)["id"])

    @precondition(lambda self: self.case_ids)
    @rule(data=st.data(), who=st.sampled_from(["officer2-claim", "chief-reassign", "chief-note",
                                               "chief-close"]))
    def someone_else_acts(self, data, who):
        case_id = data.draw(st.sampled_from(self.case_ids))
        case = harness.server_case(self.server, "chief1", case_id)
        if case is None:
            return
        op_type, payload, actor = {
            "officer2-claim": ("claim", {}, self.officer2),
            "chief-reassign": ("reassign", {"to_officer_id": self.officer2.officer.id,
                                             "reason": "调整分工"}, self.chief),
            "chief-note": ("note", {"body": "所长批示：尽快办理"}, self.chief),
            "chief-close": ("set_status", {"to": "closed", "reason": "所长办结"}, self.chief),
        }[who]
        if who == "chief-close":
            # Only the assignee may change the status: take the case first.
            if case["status"] not in ("accepted", "in_progress", "waiting_citizen"):
                return
            case = self._try(self.chief, case, "reassign",
                             {"to_officer_id": self.chief.officer.id, "reason": "亲自办理"})
            if case is None:
                return
        self._try(actor, case, op_type, payload)

    def _try(self, actor, case, op_type, payload):
        import uuid
        from datetime import datetime

        from desk.wire import Op

        actor.seq += 1
        op = Op(op_id=str(uuid.uuid4()), seq=actor.seq, case_id=case["id"], type=op_type,
                base_version=case["version"], performed_at=datetime.now(UTC),
                payload=payload)
        result = actor.client.push([op]).results[0]
        return result.case.model_dump(mode="json") if result.outcome == "applied" else None

    # ------------------------------------------------------------ the officer

    @precondition(lambda self: self.case_ids)
    @rule(data=st.data(), action=st.sampled_from(LOCAL_ACTIONS))
    def officer_acts(self, data, action):
        case_id = data.draw(st.sampled_from(self.case_ids))
        if self.store.case(case_id) is None:
            return
        a = self.actions
        calls = {
            "claim": lambda: a.claim(case_id),
            "accept": lambda: a.accept(case_id),
            "note": lambda: a.note(case_id, "走访记录"),
            "reply": lambda: a.reply(case_id, "您好，已为您办理。"),
            "callback": lambda: a.callback(case_id, "reached", "回访群众", duration_s=60),
            "in_progress": lambda: a.set_status(case_id, "in_progress"),
            "waiting": lambda: a.set_status(case_id, "waiting_citizen", "等待补充材料"),
            "close": lambda: a.set_status(case_id, "closed", "已办结"),
        }
        try:
            op_id = calls[action]()
        except ActionRefused:
            return
        self.ops[op_id] = case_id

    @rule()
    def sync(self):
        report = self.engine.run_cycle()
        if not report.finished:
            assert report.error_kind in ("transport", "bad_response"), report.error

    @rule(which=st.sampled_from(["POST /api/v1/ops", "GET /api/v1/changes"]))
    def lose_next_answer(self, which):
        self.proxy.drop_answer(which)

    @rule()
    def crash_and_reopen(self):
        self.store.close()
        self.session = open_offline(self.profile, harness.PASSWORD)
        self._reopen_parts()

    @precondition(lambda self: self.store.conflicts())
    @rule(data=st.data())
    def discard_a_conflict(self, data):
        conflict = data.draw(st.sampled_from(self.store.conflicts()))
        self.actions.discard_conflict(conflict.op_id)

    # ------------------------------------------------------------ invariants

    @invariant()
    def officer_sees_own_unsent_work(self):
        for item in self.store.outbox():
            assert item.op_id in self.ops
            if item.type in VISIBLE_TYPES:
                case = self.store.case(item.case_id)
                assert case is not None, "a case with unsent work vanished from the view"
                assert item.op_id in {e.get("op_id") for e in case["entries"]}

    @invariant()
    def nothing_queued_twice(self):
        pending = [o.op_id for o in self.store.outbox()]
        conflicted = {c.op_id for c in self.store.conflicts(include_resolved=True)}
        assert len(pending) == len(set(pending))
        assert not (set(pending) & conflicted)

    def settle_and_check(self):
        self.proxy._rules.clear()
        for _ in range(5):
            report = self.engine.run_cycle()
            if report.finished and not (report.pushed or report.conflicts or report.rejected):
                break
        assert report.finished, report.error
        everything = harness.server_cases(self.server, "chief1")
        counts: dict[str, int] = {}
        for case in everything.values():
            for entry in case["entries"]:
                if entry.get("op_id") in self.ops:
                    counts[entry["op_id"]] = counts.get(entry["op_id"], 0) + 1
        assert all(n == 1 for n in counts.values()), counts
        conflicted = {c.op_id for c in self.store.conflicts(include_resolved=True)}
        blocked_cases = {c.case_id for c in self.store.conflicts()}
        waiting = {o.op_id: o.case_id for o in self.store.outbox()}
        for op_id, case_id in self.ops.items():
            if op_id in counts:
                assert op_id not in waiting and op_id not in conflicted
            elif op_id in waiting:
                assert case_id in blocked_cases, "an op stayed queued with nothing in its way"
            else:
                assert op_id in conflicted, "an op was lost"
        # Client and server agree on every case in the officer's scope.
        scope = harness.server_cases(self.server, "officer1")
        for case_id, case in scope.items():
            local = self.store.synced_case(case_id)
            assert local is not None and local["version"] == case["version"], case_id
        for case_id in self.case_ids:
            if case_id not in scope:
                view = self.store.case(case_id)
                if view is not None:
                    assert view.get("pending_ops") or view.get("conflicts"), case_id

    def check_settled(self):
        self.settle_and_check()


@pytest.fixture
def desk_env(tmp_path, monkeypatch):
    monkeypatch.setattr(keys, "DEFAULT_SCRYPT", harness.FAST_SCRYPT)
    harness.desk_dirs(tmp_path, monkeypatch)


def test_sync_state_machine(desk_env):
    class Checked(SyncMachine):
        def teardown(self):
            try:
                self.check_settled()
            finally:
                super().teardown()

    Checked.TestCase.settings = settings(
        max_examples=6, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Checked.TestCase().runTest()
