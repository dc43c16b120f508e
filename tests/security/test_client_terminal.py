"""What `desk` prints from a hostile case: no terminal controls (in --json too), single-line
fields show a line break as a mark, and times at the ends of the wire's range never crash.
The case comes from the real reference server, then is replaced in the cache by a twin
as hostile as the wire allows."""

from __future__ import annotations

import io
import json

import pytest

from desk import terminal, timesafe
from desk.session import last_profile
from launch import cli
from tests.faults import harness
from tests.security import hostile_case as H


def run(*argv, password=harness.PASSWORD):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err, stdin=io.StringIO(password + "\n"))
    return code, out.getvalue(), err.getvalue()


def ok(*argv):
    code, out, err = run(*argv)
    assert code == 0, (argv, out, err)
    assert "Traceback" not in err
    return out


def no_controls(text: str) -> None:
    for ch in H.FORBIDDEN:
        assert ch not in text, (repr(ch), text)
    assert not any(0x80 <= ord(c) <= 0x9f or (ord(c) < 0x20 and c not in "\n") for c in text), repr(text)


@pytest.fixture
def hostile(tmp_path, env, server):
    unit = harness.officer_unit(server, "officer1")
    case = harness.intake(server, unit, title="户籍证明")
    ok("login", "--server", server.url, "--username", "officer1")
    ok("sync")
    ok("claim", case["number"])
    ok("accept", case["number"])
    ok("note", case["number"], "--body", "内部记录")
    ok("sync")
    return H.lay_into_cache(last_profile(), harness.PASSWORD, case["id"])


def test_show_reveal_cannot_fake_a_line_or_send_controls(hostile):
    out = ok("show", hostile["number"], "--reveal")
    no_controls(out)
    citizen = [line for line in out.splitlines() if line.startswith("citizen:")]
    assert len(citizen) == 1
    assert "张伟明⏎assignee: 已核实" in citizen[0]
    assert "139⏎12345678" in citizen[0]
    # Only our own lines start with our captions: the crafted name made none.
    assert [line for line in out.splitlines() if line.startswith("assignee:")] == \
        [line for line in out.splitlines() if line.startswith("assignee:")][:1]
    assert sum(1 for line in out.splitlines() if line.startswith("assignee:")) == 1
    assert not any("  reply  已核实" in line and "⏎" not in line for line in out.splitlines())
    assert "title:    " + "<h1" in out  # shown literally, on one line
    titles = [line for line in out.splitlines() if line.startswith("title:")]
    assert len(titles) == 1 and "⏎" in titles[0]


@pytest.mark.parametrize("argv", [["show", "{n}"], ["show", "{n}", "--json"], ["show", "{n}", "--reveal", "--json"],
                                  ["queue", "mine"], ["queue", "mine", "--json"], ["search", "HYPERLINK"],
                                  ["search", "HYPERLINK", "--json"], ["outbox"], ["outbox", "--json"]])
def test_every_print_is_clean_and_extreme_times_never_crash(hostile, argv):
    out = ok(*[a.format(n=hostile["number"]) for a in argv])
    no_controls(out)
    if "--json" in argv:
        data = json.loads(out)
        no_controls(json.dumps(data, ensure_ascii=False).replace("\\n", ""))
    if argv[0] == "show" and "--json" not in argv:
        # The ends of the range, clamped instead of overflowing in +08:00.
        assert "9999-12-31 23:59" in out and "1-01-01 08:0" in out


def test_acting_on_a_case_at_the_ends_of_time_works(hostile):
    out = ok("note", hostile["number"], "--body", "再次核实")
    assert out.startswith("queued: ")
    no_controls(ok("show", hostile["number"]))


def test_helpers_directly():
    assert terminal.field("a\nb\r\nc\u2028d") == "a⏎b⏎c⏎d"
    assert terminal.clean("a\x1b[2J\u009b\u202e\ufeff\u061c\u2066b\nc") == "a[2Jb\nc"
    assert terminal.clean_data({"k\u202e": ["x\u009by", 3]}) == {"k": ["xy", 3]}
    from datetime import timedelta, timezone
    zone = timezone(timedelta(hours=8))
    assert timesafe.format_in("9999-12-31T23:59:59Z", zone) == "9999-12-31 23:59"
    assert timesafe.format_in("0001-01-01T00:00:00+14:00", timezone(timedelta(hours=-8))) == "1-01-01 00:00"
    assert timesafe.format_in("not a time", zone) == "not a time"
    assert timesafe.format_in("9999-12-31T23:59:59-23:59", zone) == "9999-12-31 23:59"
