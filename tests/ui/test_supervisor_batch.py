"""A chief's batch action: a refusal is that case's, a bug is not (issue 11: any bug read
as a per-case "refusal" showing its class name, and was never logged)."""

from __future__ import annotations

import logging

from desk.actions import ActionRefused
from tests.ui.test_supervisor import open_window, show_supervision


def test_a_bug_in_a_batch_is_logged_with_where_and_is_no_refusal(qtbot, desk_app, server, caplog, monkeypatch):
    window = open_window(qtbot, desk_app, server, "chief1")
    view = show_supervision(qtbot, window)
    ids = [i.case_id for i in view.board.at_risk[:3]]
    assert len(ids) == 3
    actions = window.context.actions
    real_urge = actions.urge

    def urge(case_id, body):
        if case_id == ids[1]:
            raise KeyError("13800000000")  # stands for a bug in the action's code
        return real_urge(case_id, body)

    monkeypatch.setattr(actions, "urge", urge)
    caplog.set_level(logging.ERROR)
    with qtbot.waitSignal(view.sig_refreshed, timeout=20000):
        view.urge(ids, "请尽快办理")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "KeyError" in logged and "in urge" in logged and "13800000000" not in logged
    assert "could not be changed" not in view.status.text()
    # The first case was urged before the bug stopped the batch; it is saved.
    assert any(e.get("type") == "urge" for e in window.store.case(ids[0])["entries"])


def test_a_refusal_in_a_batch_is_that_case_alone(qtbot, desk_app, server, monkeypatch):
    window = open_window(qtbot, desk_app, server, "chief1")
    view = show_supervision(qtbot, window)
    ids = [i.case_id for i in view.board.at_risk[:2]]
    actions = window.context.actions
    real_urge = actions.urge

    def urge(case_id, body):
        if case_id == ids[0]:
            raise ActionRefused("not_allowed", "closed")
        return real_urge(case_id, body)

    monkeypatch.setattr(actions, "urge", urge)
    with qtbot.waitSignal(view.sig_refreshed, timeout=20000):
        view.urge(ids, "请尽快办理")
    assert "could not be changed" in view.status.text()
    assert any(e.get("type") == "urge" for e in window.store.case(ids[1])["entries"])
