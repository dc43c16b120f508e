"""The client's own files, against hostile or damaged local state: profile modes, a lost
cache that must never vanish silently, damaged pages and tampered profile.json, `desk
check`, and the search cap. Real login and sync against the reference server."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from desk.profile import Profile
from launch import cli
from tests.faults import harness

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def run(*argv, password=harness.PASSWORD):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err, stdin=io.StringIO(password + "\n"))
    return code, out.getvalue(), err.getvalue()


def ok(*argv):
    code, out, err = run(*argv)
    assert code == 0, (argv, out, err)
    return out


def one_line_error(code, out, err):
    assert code != 0, (out, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def officer(tmp_path, env, server):
    """officer1 logged in and synced, with three operations queued (not sent)."""
    unit = harness.officer_unit(server, "officer1")
    cases = [harness.intake(server, unit, title=f"户籍证明办理 {i}") for i in range(3)]
    ok("login", "--server", server.url, "--username", "officer1")
    ok("sync")
    for case in cases:
        ok("claim", case["number"])
    return Profile(Path(json.loads((Path(env["DESK_CONFIG_DIR"]) / "last-profile.json").read_text())["path"]))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_profile_file_is_private_after_login_and_sync(tmp_path, env, server, monkeypatch):
    # The usual umask: what the files would get if the code relied on it.
    old = os.umask(0o022)
    try:
        unit = harness.officer_unit(server, "officer1")
        harness.intake(server, unit)
        ok("login", "--server", server.url, "--username", "officer1")
        ok("sync")
        # Hold the cache open, so -wal and -shm exist while we look.
        from desk.session import last_profile, open_offline

        session = open_offline(last_profile(), harness.PASSWORD)
        try:
            session.store.set_state(last_error=None)
            profile = session.profile
            files = [profile.db_path, profile.config_path, Path(str(profile.db_path) + "-wal"),
                     Path(str(profile.db_path) + "-shm"), Path(env["DESK_CONFIG_DIR"]) / "last-profile.json",
                     Path(env["DESK_CONFIG_DIR"]) / "device-id"]
            for path in files:
                assert path.exists(), path
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
            for folder in (profile.path, profile.path.parent, Path(env["DESK_CONFIG_DIR"])):
                assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))
        finally:
            session.close()
        assert os.umask(0o022) == 0o022, "the umask is restored after creating the files"
    finally:
        os.umask(old)


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_a_lost_cache_is_a_loud_error_naming_the_lost_work(officer, damage):
    assert "3 queued" in ok("outbox")
    for suffix in ("", "-wal", "-shm"):
        Path(str(officer.db_path) + suffix).unlink(missing_ok=True)
    if damage == "truncate":
        officer.db_path.write_bytes(b"")
    for argv in (["outbox"], ["sync"], ["queue"]):
        line = one_line_error(*run(*argv))
        assert "3 queued operations were in the lost cache" in line, line
    # Never a silent fresh start: the file is not recreated by trying.
    assert not officer.db_path.exists() or officer.db_path.stat().st_size == 0
    # Starting afresh is explicit, and says what it threw away.
    code, _out, err = run("reset-cache")
    assert code == cli.EXIT_USAGE and "--yes" in err
    out = ok("reset-cache", "--yes")
    assert "3 queued operations were in the lost cache" in out
    assert "0 queued" in ok("outbox")
    ok("sync")


def test_damaged_pages_give_one_line_errors_and_check_says_what_is_not_sound(officer):
    assert "sound" in ok("check")
    ok("sync")
    size = officer.db_path.stat().st_size
    assert size > 4096 * 4
    with open(officer.db_path, "r+b") as f:
        # Interior pages: not the first (the cipher's salt and header), scrambled.
        for page in range(2, size // 4096):
            f.seek(page * 4096 + 100)
            f.write(os.urandom(200))
    for argv in (["search", "户籍证明"], ["sync"], ["show", "x"], ["queue", "unclaimed"]):
        code, out, err = run(*argv)
        assert code != 0, (argv, out, err)
        assert "Traceback" not in err, err
        assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    code, out, err = run("check")
    assert code != 0 and "Traceback" not in err, (out, err)
    assert "NOT SOUND" in out


@pytest.mark.parametrize("part", ["front", "back"])
def test_some_damaged_pages_give_one_line_errors(officer, env, part):
    """Only some pages damaged: the cache opens, and the damage is met mid-command."""
    ok("sync")
    pages = officer.db_path.stat().st_size // 4096
    assert pages > 6
    damaged = range(2, pages // 3) if part == "front" else range(pages - pages // 3, pages)
    with open(officer.db_path, "r+b") as f:
        for page in damaged:
            f.seek(page * 4096 + 64)
            f.write(os.urandom(512))
    for argv in (["search", "户籍证明"], ["sync"], ["queue", "unclaimed"], ["outbox"]):
        code, out, err = run(*argv)
        assert "Traceback" not in err + out, (argv, err)
        if code != 0:
            assert len([line for line in err.splitlines() if line.strip()]) == 1, (argv, err)
    code, out, err = run("check")
    assert code != 0 and "NOT SOUND" in out and "Traceback" not in err, (out, err)
    # The real console entry point: SQLCipher's own log lines do not reach the terminal.
    proc = harness.desk_cli(["search", "户籍证明"], env)
    assert "Traceback" not in proc.stderr and "ERROR CORE" not in proc.stderr, proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.strip()]) <= 1, proc.stderr


def test_check_passes_on_a_sound_profile(officer):
    code, out, err = run("check")
    assert code == 0, (out, err)
    assert "profile:  sound" in out and "cache:    sound" in out
    assert "outbox:   sound: 3 queued" in out


@pytest.mark.parametrize("tamper", [
    lambda d: d["wrapped"]["password"]["params"].update(n=2**30),
    lambda d: d["wrapped"]["password"]["params"].update(n="big"),
    lambda d: d["wrapped"]["password"].update(salt=7),
    lambda d: d.update(wrapped=["a", "b"]),
    lambda d: d["wrapped"].update(password=[1, 2]),
    lambda d: d.update(officer="officer1"),
    lambda d: d.update(officer={"id": 3}),
    lambda d: d.update(username=5),
    lambda d: d.update(cache={"queued": "3"}),
], ids=["n=2**30", "n-text", "salt-int", "wrapped-list", "password-list", "officer-text",
        "officer-wrong", "username-int", "cache-text"])
def test_a_tampered_profile_json_is_a_one_line_error(officer, tamper):
    data = json.loads(officer.config_path.read_text("utf-8"))
    tamper(data)
    officer.config_path.write_text(json.dumps(data), "utf-8")
    for argv in (["outbox"], ["search", "户籍"]):
        line = one_line_error(*run(*argv))
        assert "damaged" in line or "profile" in line, line
    code, out, err = run("check")
    assert code != 0 and "Traceback" not in out + err, (out, err)


def test_a_search_beyond_the_cap_is_refused_clearly(officer):
    words = " ".join(f"词{i:04d}" for i in range(1500))
    line = one_line_error(*run("search", words))
    assert "at most 32 words" in line
    line = one_line_error(*run("search", "长" * 300))
    assert "256 characters" in line
    assert "3 case(s)" in ok("search", " ".join(["户籍证明"] * 32))
