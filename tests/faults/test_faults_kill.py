"""`desk sync` killed with SIGKILL in the middle of a push or a pull: after a restart
no op is lost or doubled and the cursor never skips a change."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from desk.actions import Actions
from desk.session import open_offline
from tests.faults import harness
from tests.faults.proxy import FaultProxy

# (which request, when): "before" = the request never reaches the server; "after" = the
# server committed and the client dies before reading the answer; "streaming" = the
# client dies while the answer is half way through a slow link.
KILL_POINTS = [
    ("POST /api/v1/ops", 2, "before"),
    ("POST /api/v1/ops", 2, "after"),
    ("GET /api/v1/changes", 1, "streaming"),
]


@pytest.mark.parametrize("prefix,nth,when", KILL_POINTS, ids=["push-before", "push-after", "pull-streaming"])
def test_sigkill_during_sync_loses_and_doubles_nothing(tmp_path, env, server, proxy, prefix, nth, when):
    profile = tmp_path / "profile"
    session = harness.open_desk(proxy.url, "officer1", tmp_path, name="kill")
    unit = session.officer.unit_id
    cases = [harness.intake(server, unit) for _ in range(8)]
    assert harness.engine_for(session).run_cycle().finished
    actions = Actions(session.store, session.actor)
    op_ids = [actions.claim(c["id"]) for c in cases]
    for i in range(250 - len(op_ids)):
        op_ids.append(actions.note(cases[i % len(cases)]["id"], f"走访记录 {i}"))
    # Changes the pull will have to bring: new cases and work by someone else.
    officer2 = harness.other_officer(server, "officer2")
    extra = [harness.intake(server, unit, body="新的群众诉求 " * 200) for _ in range(30)]
    for c in extra[:5]:
        officer2.act(c, "claim")
    profile = session.profile.path
    session.close()

    seen = {"n": 0}
    killed = threading.Event()
    proc_box: dict = {}

    def kill():
        if not killed.is_set():
            killed.set()
            os.kill(proc_box["proc"].pid, signal.SIGKILL)

    def on_request(line):
        if line.startswith(prefix):
            seen["n"] += 1
            if seen["n"] == nth and when == "before":
                kill()
                return False
        return None

    def on_response(line):
        if line.startswith(prefix) and seen["n"] == nth and when == "after":
            kill()

    proxy.on_request = on_request
    proxy.on_response = on_response
    if when == "streaming":
        proxy.throttle_bps = 20_000
        original = proxy._send_slowly

        def send_then_kill(conn, data):
            if len(data) > 40_000 and not killed.is_set():
                threading.Timer(0.5, kill).start()
            original(conn, data)

        proxy._send_slowly = send_then_kill

    proc = harness.start_desk_cli(["--profile", str(profile), "sync"], env)
    proc_box["proc"] = proc
    proc.communicate(timeout=120)
    assert killed.is_set(), "the kill point was never reached"
    assert proc.returncode == -signal.SIGKILL

    proxy.on_request = lambda line: None
    proxy.on_response = lambda line: None
    proxy.throttle_bps = None
    proxy._send_slowly = FaultProxy._send_slowly.__get__(proxy)
    again = harness.desk_cli(["--profile", str(profile), "sync"], env)
    assert again.returncode == 0, again.stderr

    reopened = open_offline(profile, harness.PASSWORD)
    try:
        assert reopened.store.integrity_ok()
        assert reopened.store.outbox_count() == 0 and reopened.store.conflicts() == []
        # Every op is on the server exactly once.
        counts: dict[str, int] = {}
        everything = harness.server_cases(server, "chief1")
        for c in cases:
            for entry in everything[c["id"]]["entries"]:
                if entry.get("op_id"):
                    counts[entry["op_id"]] = counts.get(entry["op_id"], 0) + 1
        assert set(counts) == set(op_ids) and set(counts.values()) == {1}
        # The cache holds every case in scope at the server's latest version.
        for c in cases + extra:
            on_server = everything[c["id"]]
            local = reopened.store.synced_case(c["id"])
            in_scope = on_server["assignee_id"] in (None, reopened.officer.id)
            if in_scope:
                assert local is not None and local["version"] == on_server["version"], c["id"]
            else:
                assert local is None or local["assignee_id"] != reopened.officer.id
    finally:
        reopened.close()
