"""Growing a running reference server (the contract's "Growth" section): a policy file
adds a case kind without a release, intake takes it, and a desk client that was not
built with that kind syncs it, with its clocks and its name from the policy row."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import requests

from desk.worktime import Calendar
from launch import cli
from tests.central.server_fixture import _free_port
from tests.central.test_server_cli import _wait_for_url
from tests.faults import harness
from tests.faults.rewriting_proxy import RewritingProxy

ROOT = Path(__file__).resolve().parents[2]
NEW_KIND = {"kind": "lost_found", "name": "失物招领", "clocks": [
    {"clock": "accept", "limit": 1, "unit": "working_day"},
    {"clock": "reply", "limit": 3, "unit": "calendar_day"}]}


def _serve(db: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "central", "--db", str(db), "--seed", "empty", "--host", "127.0.0.1",
         "--port", str(port), "--gateway-token", "gw", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _desk(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err,
                    stdin=io.StringIO(harness.PASSWORD + "\n"))
    return code, out.getvalue(), err.getvalue()


def _intake(url: str, kind: str, unit_id: str) -> requests.Response:
    return requests.post(f"{url}/api/v1/intake", headers={"Authorization": "Bearer gw"}, timeout=30,
                         json={"kind": kind, "title": "遗失钱包", "body": "在公交车上遗失黑色钱包一个",
                               "citizen": {"name": "张伟明", "phone": "13912345678"},
                               "unit_id": unit_id})


def test_a_policy_file_grows_a_running_server_and_an_older_client_keeps_working(tmp_path, env):
    db, port = tmp_path / "central.sqlite", _free_port()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"policy": [NEW_KIND]}, ensure_ascii=False), encoding="utf-8")

    proc = _serve(db, port)
    try:
        url = _wait_for_url(proc)
        code, out, err = _desk("login", "--server", url, "--username", "officer1")
        assert code == 0, err
        r = requests.post(f"{url}/api/v1/sessions", headers={"X-Device-Id": "probe"}, timeout=30,
                          json={"username": "officer1", "password": harness.PASSWORD})
        unit = r.json()["officer"]["unit_id"]
        assert _intake(url, "consultation", unit).status_code == 201
        refused = _intake(url, "lost_found", unit)
        assert refused.status_code == 422 and refused.json()["code"] == "unknown_kind", refused.text
        code, out, err = _desk("sync")
        assert code == 0 and out.startswith("synced: pushed 0, pulled 1"), (out, err)
    finally:
        _stop(proc)

    # The platform grows: the same database, restarted with a line more in a file.
    proc = _serve(db, port, "--policy-file", str(policy))
    try:
        url = _wait_for_url(proc)
        created = _intake(url, "lost_found", unit)
        assert created.status_code == 201, created.text
        case = created.json()
        assert case["kind"] == "lost_found" and {c["clock"] for c in case["clocks"]} == {"accept", "reply"}
        assert _intake(url, "found_pets", unit).json()["code"] == "unknown_kind", "still strict"

        code, out, err = _desk("sync")
        assert code == 0, (out, err)
        assert out.startswith("synced: pushed 0, pulled 1"), out
        assert "set aside" not in out + err

        code, out, err = _desk("show", case["number"], "--json")
        shown = json.loads(out)
        assert shown["kind"] == "lost_found"
        # The clocks follow the policy row: the client's own working-time arithmetic on
        # the row it got from /reference gives the due times the server sent.
        profile_store = _open_store()
        ref = profile_store.reference()
        row = ref.policy_for("lost_found")
        assert row is not None and ref.kind_name("lost_found") == "失物招领"
        cal = Calendar.from_wire(ref.calendar)
        received = datetime.fromisoformat(shown["received_at"].replace("Z", "+00:00"))
        due = {c["clock"]: c["due_at"] for c in shown["clocks"]}
        for rule in row.clocks:
            expected = cal.due_at(received, rule.limit, rule.unit)
            assert datetime.fromisoformat(due[rule.clock].replace("Z", "+00:00")) == expected
        profile_store.close()

        code, out, err = _desk("show", case["number"])
        assert code == 0 and "lost_found (失物招领)" in out.splitlines()[0], out
        code, out, err = _desk("queue", "unclaimed")
        assert case["number"] in out
        # The officer works the new kind like any other.
        for argv in (["claim", case["number"]], ["accept", case["number"]],
                     ["reply", case["number"], "--body", "您好，已找到您的钱包，请来所领取。"]):
            code, out, err = _desk(*argv)
            assert code == 0, (argv, out, err)
        code, out, err = _desk("sync")
        assert code == 0 and out.startswith("synced: pushed 3"), (out, err)
        shown = json.loads(_desk("show", case["number"], "--json")[1])
        assert shown["status"] == "accepted"
        assert all(c["stopped_at"] for c in shown["clocks"]), "accept and reply stopped"
    finally:
        _stop(proc)
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr and "张伟明" not in stderr


def _open_store():
    from desk.session import last_profile, open_offline

    return open_offline(last_profile(), harness.PASSWORD).store


def test_a_bad_policy_file_stops_the_server_with_one_line(tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text(json.dumps([{"kind": "lost_found", "name": "失物招领",
                                "clocks": [{"clock": "follow_up", "limit": 3, "unit": "working_day"}]}]),
                   encoding="utf-8")
    proc = _serve(tmp_path / "c.sqlite", _free_port(), "--policy-file", str(bad))
    assert proc.wait(timeout=60) == 2
    err = proc.stderr.read()
    assert "row 1" in err and "follow_up" in err and "Traceback" not in err


def test_desk_sync_names_the_case_it_sets_aside_and_applies_the_rest(tmp_path, env, server):
    unit = harness.officer_unit(server, "officer1")
    texted = harness.intake(server, unit, title="身份证补办咨询")
    suspended = harness.intake(server, unit, title="户口迁移咨询")
    unreadable = harness.intake(server, unit, title="暂住证咨询")
    proxy = RewritingProxy(server.url)

    def grown(page):
        for change in page["changes"]:
            case = change.get("case") or {}
            if case.get("id") == texted["id"]:
                case["entries"].append({
                    "id": "sms-1", "type": "sms_notice", "author_id": None, "author_name": None,
                    "unit_id": None, "body": "已短信告知办理地点", "data": {"channel": "sms"},
                    "performed_at": case["received_at"], "received_at": case["received_at"]})
                for entry in case["entries"]:
                    entry["author_name"] = None
                case["channel"] = None
                case["followup"] = {"auto": True}
            elif case.get("id") == suspended["id"]:
                case["status"] = "suspended"
            elif case.get("id") == unreadable["id"]:
                case["received_at"] = "下周一"
        return page

    proxy.rewrite = grown
    try:
        assert _desk("login", "--server", proxy.url, "--username", "officer1")[0] == 0
        code, out, err = _desk("sync")
        assert code == 0, (out, err)
        assert out.startswith("synced: pushed 0, pulled 2") and "1 case(s) set aside" in out, out
        [line] = [w for w in err.splitlines() if "set aside" in w]
        assert unreadable["number"] in line and unreadable["id"] in line and "received_at" in line
        assert "下周一" not in line and "张伟明" not in line and "暂住证" not in line

        code, out, err = _desk("show", texted["number"])
        assert code == 0 and "sms_notice" in out and "已短信告知办理地点" in out, out
        code, out, err = _desk("show", suspended["number"])
        assert "suspended" in out.splitlines()[0] and "read-only" in out
        code, out, err = _desk("status", suspended["number"], "closed")
        assert code != 0 and "status this desk does not know" in err, (out, err)
        code, out, err = _desk("show", unreadable["number"])
        assert code != 0, "never read: there is no last good copy to show"

        # A quiet sync names it again; once the case changes in a readable way it is in.
        code, out, err = _desk("sync")
        assert "1 case(s) set aside" in out and unreadable["number"] in err
        proxy.rewrite = lambda page: page
        resp = requests.post(f"{server.url}/api/v1/cases/{unreadable['id']}/citizen", timeout=30,
                             json={"type": "message", "body": "补充材料"},
                             headers={"Authorization": f"Bearer {server.gateway_token}"})
        assert resp.status_code == 201, resp.text
        code, out, err = _desk("sync")
        assert code == 0 and "set aside" not in out + err, (out, err)
        code, out, err = _desk("show", unreadable["number"])
        assert code == 0 and "补充材料" in out
    finally:
        proxy.stop()
