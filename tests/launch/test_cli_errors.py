"""A bug in a command is one clear line for the officer and a log of where it happened,
never a traceback that repeats what the code held."""

from __future__ import annotations

import io
import logging

from launch import cli

SECRET = "李四 13900139000"


def test_an_unexpected_error_is_one_line_and_a_log_of_where(monkeypatch, caplog):
    def broken(ctx):
        return {}[SECRET]

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    err = io.StringIO()
    with caplog.at_level(logging.ERROR):
        code = cli.main(["check"], out=io.StringIO(), err=err)
    assert code == cli.EXIT_FAILED
    assert err.getvalue() == "desk: unexpected error (KeyError); please report it with the lines above\n"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unexpected error in `desk check`: KeyError" in logged and "in broken" in logged
    assert SECRET not in logged and SECRET not in err.getvalue()
