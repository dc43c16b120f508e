"""The desk reuses one connection across polls (issue 15): the sync loop's cycles run on
its own thread, whose requests.Session keeps the kept-alive connection to the server, so
a 60 s poller over TLS pays one handshake, not one a poll. Counted at a loopback proxy
between the real client and the real server."""

from __future__ import annotations

from desk.sync import SyncLoop
from tests.faults import harness


def test_many_polls_ride_one_connection(tmp_path, env, server, proxy):
    session = harness.open_desk(proxy.url, "officer1", tmp_path, name="keepalive")
    try:
        harness.intake(server, session.officer.unit_id)
        reports = []
        loop = SyncLoop(harness.engine_for(session), interval=0.2, on_report=reports.append)
        loop.start()
        harness.wait_until(lambda: len(reports) >= 8, timeout=60, what="eight sync cycles")
        loop.stop()
        assert all(r.finished for r in reports), [r.error for r in reports]
        polls = [lines for lines in proxy.log.connections
                 if any(line.startswith("GET /api/v1/changes") for line in lines)]
        assert sum(line.startswith("GET /api/v1/changes") for lines in polls for line in lines) >= 8
        # Every poll of every cycle on the one connection the loop thread opened.
        assert len(polls) == 1, [len(lines) for lines in polls]
    finally:
        session.close()
