"""The `desk` command line end to end against the real reference server."""

from __future__ import annotations

import io
import json

from launch import cli
from tests.faults import harness


def run(*argv, password=harness.PASSWORD):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err, stdin=io.StringIO(password + "\n"))
    return code, out.getvalue(), err.getvalue()


def ok(*argv):
    code, out, err = run(*argv)
    assert code == 0, (argv, out, err)
    return out


def test_cli_end_to_end(tmp_path, env, server):
    unit = harness.officer_unit(server, "officer1")
    first = harness.intake(server, unit, title="驾驶证换证被违章记录卡住")
    second = harness.intake(server, unit, title="特种行业许可证办理咨询")
    third = harness.intake(server, unit, title="身份证办理进度查询")

    assert "logged in as officer1" in ok("login", "--server", server.url, "--username", "officer1")
    # The real console entry point in its own interpreter (the profile's key wrapping
    # carries its own scrypt parameters, so it opens what the test made).
    proc = harness.desk_cli(["sync"], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("synced: ")

    # Nothing is mine yet; three cases wait unclaimed in the unit.
    assert json.loads(ok("queue", "mine", "--json")) == []
    unclaimed = json.loads(ok("queue", "unclaimed", "--json"))
    assert {c["id"] for c in unclaimed} == {first["id"], second["id"], third["id"]}
    assert all(c["citizen"]["name"] == "张**" for c in unclaimed)

    number = first["number"]
    out = ok("show", number)
    assert "张**" in out and "139****5678" in out and "14010519********34" in out
    assert "张伟明" not in out and "13912345678" not in out

    for argv in (["claim", number], ["accept", number],
                 ["reply", number, "--body", "您好，罚款未缴纳，请在本省通过银行缴纳。", "--sms"],
                 ["note", number, "--body", "已转交警秩序科查询罚单"],
                 ["callback", number, "--outcome", "reached", "--duration", "120",
                  "--body", "电话告知查询结果", "--satisfaction", "satisfied"],
                 ["status", number, "in_progress"],
                 ["claim", second["id"]], ["accept", second["id"]],
                 ["transfer", second["id"], "--to-unit", "u-traffic", "--reason", "需交警协查"]):
        out = ok(*argv)
        assert out.startswith("queued: "), out
    assert "outbox: 9" in out

    outbox = json.loads(ok("outbox", "--json"))
    assert [o["type"] for o in outbox] == ["claim", "accept", "reply", "note", "callback",
                                          "set_status", "claim", "accept", "transfer"]
    assert set(outbox[0]) == {"op_id", "case_id", "type", "state", "error"}

    mine = json.loads(ok("queue", "mine", "--json"))
    assert [c["id"] for c in mine] == [first["id"]]
    assert mine[0]["status"] == "in_progress"

    # An action the local view does not allow is refused at once, with a reason.
    code, _, err = run("accept", number)
    assert code == cli.EXIT_REFUSED and "refused" in err

    # Someone else takes the third case while we are not looking; our claim conflicts.
    officer2 = harness.other_officer(server, "officer2")
    officer2.act(third, "claim")
    ok("claim", third["number"])

    code, out, err = run("sync")
    assert code == 0, err
    assert "1 conflict" in out
    assert json.loads(ok("outbox", "--json")) == []
    conflicts = json.loads(ok("conflicts", "--json"))
    assert len(conflicts) == 1 and conflicts[0]["case_id"] == third["id"]
    assert conflicts[0]["state"] == "conflict"
    out = ok("resolve", conflicts[0]["op_id"][:8], "discard")
    assert "discarded" in out
    assert json.loads(ok("conflicts", "--json")) == []

    on_server = harness.server_case(server, "chief1", first["id"])
    assert on_server["status"] == "in_progress"
    assert on_server["assignee_id"] == "o-officer1"
    assert [e["type"] for e in on_server["entries"] if e.get("op_id")] == [
        "claim", "accept", "reply", "note", "callback", "status"]
    moved = harness.server_case(server, "chief1", second["id"])
    assert moved is None or moved["unit_id"] == "u-traffic"

    # show --reveal shows full values and records a reveal op per field.
    out = ok("show", number, "--reveal")
    assert "张伟明" in out and "13912345678" in out and "140105199001011234" in out
    outbox = json.loads(ok("outbox", "--json"))
    assert sorted(o["type"] for o in outbox) == ["reveal"] * 3
    ok("sync")
    reveals = [e for e in harness.server_case(server, "chief1", first["id"])["entries"]
               if e["type"] == "reveal"]
    assert sorted(e["data"].get("field") for e in reveals) == ["id_number", "name", "phone"]

    found = json.loads(ok("search", "驾驶证换证", "--json"))
    assert [c["id"] for c in found] == [first["id"]]

    # Wrong password: a clear message and a non-zero exit, nothing opened.
    code, out, err = run("queue", password="not-the-password")
    assert code == cli.EXIT_USAGE and "wrong password" in err


def test_cli_sync_unreachable_server_fails_with_one_line(tmp_path, env, server):
    ok_login = run("login", "--server", server.url, "--username", "officer1")
    assert ok_login[0] == 0, ok_login
    unit = harness.officer_unit(server, "officer1")
    case = harness.intake(server, unit)
    ok("sync")
    ok("claim", case["number"])
    server.stop()
    code, out, err = run("sync")
    assert code == cli.EXIT_FAILED
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot be reached" in lines[0]
    # The claim stays queued for the next time.
    assert len(json.loads(ok("outbox", "--json"))) == 1


def test_cli_without_profile_says_login_first(tmp_path, env):
    code, _, err = run("queue")
    assert code == cli.EXIT_USAGE and "desk login" in err


def test_cli_show_strips_terminal_control_from_citizen_text(tmp_path, env, server):
    unit = harness.officer_unit(server, "officer1")
    case = harness.intake(server, unit, title="正常标题\x1b[2J\x1b[31m",
                          body="第一行\x1b]0;pwned\x07\n<b>第二行</b>\u202e")
    ok("login", "--server", server.url, "--username", "officer1")
    ok("sync")
    out = ok("show", case["number"])
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "第一行" in out and "<b>第二行</b>" in out
    rows = ok("queue", "unclaimed")
    assert "\x1b" not in rows and "正常标题" in rows


def test_cli_human_output_is_clear(tmp_path, env, server):
    unit = harness.officer_unit(server, "officer1")
    case = harness.intake(server, unit, title="张伟明的身份证进度",
                          body="我是张伟明，电话13912345678，身份证140105199001011234，所里座机0351-4567890。")
    ok("login", "--server", server.url, "--username", "officer1")
    ok("sync")
    number = case["number"]

    # Numbers and the citizen's name written into the text are masked like the fields.
    out = ok("show", number)
    assert "张伟明" not in out and "13912345678" not in out and "140105199001011234" not in out
    assert "139****5678" in out and "14010519********34" in out and "0351-4567890" in out
    rows = ok("queue", "unclaimed")
    assert "张伟明" not in rows and "张**的身份证进度" in rows
    # Only the holder, a former holder or a supervisor may reveal: not on an unclaimed case.
    code, out, err = run("show", number, "--reveal")
    assert code != 0 and out == "" and err.count("\n") == 1 and "never held" in err
    ok("claim", number)
    revealed = ok("show", number, "--reveal")
    assert "电话13912345678" in revealed and "我是张伟明" in revealed

    # An entry without text is the author alone, no dangling colon.
    claim_line = next(line for line in ok("show", number).splitlines() if " claim " in line)
    assert not claim_line.rstrip(" ").split("[")[0].rstrip().endswith(":"), claim_line

    # The station queue belongs to supervisors, and says so in one line.
    code, out, err = run("queue", "station")
    assert code == cli.EXIT_USAGE and out == ""
    assert err.count("\n") == 1 and "supervisors" in err

    # Refusals are one line in plain words, never pydantic's.
    for argv, words in ((["note", number, "--body", "   "], "must not be empty"),
                        (["status", number, "bogus"], "new status must be one of"),
                        (["callback", number, "--outcome", "busy", "--body", "未接", "--duration", "-1"],
                         "duration must be at least 0")):
        code, out, err = run(*argv)
        assert code == cli.EXIT_REFUSED, (argv, out, err)
        assert err.count("\n") == 1 and words in err and "Input should" not in err, err
