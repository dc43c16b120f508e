"""Issue 13, the demo and the first start: the demo server is its own process behind a
link that can be cut, the demo leaves nothing behind, and `desk gui` without a display
says so in one line. Plus issue 10's option parsing of `gui` and `demo`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from launch import cli
from launch.demo import DemoEnvironment

REPO = Path(__file__).resolve().parents[2]


def _status(url: str) -> int | None:
    try:
        return requests.get(f"{url}/api/v1/summary", timeout=3).status_code
    except requests.RequestException:
        return None


def test_demo_server_runs_as_its_own_process_behind_a_link_that_can_be_cut(env):
    demo = DemoEnvironment(seed="empty", simulate=False)
    with demo:
        folder = demo.folder
        assert demo.process is not None and demo.process.pid != os.getpid()
        assert demo.db_path.exists() and str(folder) in str(demo.db_path)
        assert demo.app_url != demo.server_url
        assert _status(demo.app_url) == 401  # the link relays to the server

        session = requests.Session()
        session.trust_env = False
        assert session.get(f"{demo.app_url}/api/v1/summary", timeout=3).status_code == 401
        demo.link.cut()
        assert _status(demo.app_url) is None  # the station is offline...
        with pytest.raises(requests.RequestException):  # ...kept-alive connections too
            session.get(f"{demo.app_url}/api/v1/summary", timeout=3)
        assert _status(demo.server_url) == 401  # ...while the platform runs on
        demo.link.restore()
        assert _status(demo.app_url) == 401
        process = demo.process
    assert process.poll() is not None  # stopped with the demo
    assert not folder.exists()  # database, profile and settings gone
    assert _status(demo.server_url) is None


def _record_gui(monkeypatch, behaviour=None):
    import ui.app

    calls = []

    def fake_main(argv=None, *, demo=None):
        calls.append({"argv": list(argv or []), "demo": demo, "data_dir": os.environ.get("DESK_DATA_DIR"),
                      "config_dir": os.environ.get("DESK_CONFIG_DIR")})
        return behaviour(demo) if behaviour else 0

    monkeypatch.setattr(ui.app, "main", fake_main)
    return calls


def test_desk_demo_keeps_its_profile_in_a_scratch_folder_it_removes(env, monkeypatch):
    seen = {}

    def look(demo):
        seen["link_up"] = demo["link"].is_up
        seen["answers"] = _status(demo["server_url"])
        return 0

    calls = _record_gui(monkeypatch, look)
    assert cli.main(["demo", "--interval", "3600"], out=io.StringIO(), err=io.StringIO()) == 0
    call = calls[0]
    assert seen == {"link_up": True, "answers": 401}
    data_dir = Path(call["data_dir"])
    assert data_dir.name == "data" and data_dir.parent.name.startswith("desk-demo-")
    assert Path(call["config_dir"]).parent == data_dir.parent
    assert not data_dir.parent.exists()
    # The officer's own folders are back in the environment after the demo.
    assert os.environ["DESK_DATA_DIR"] == env["DESK_DATA_DIR"]


def test_desk_options_before_and_after_gui_reach_the_app(env, monkeypatch, tmp_path):
    calls = _record_gui(monkeypatch)
    profile = str(tmp_path / "p")
    assert cli.main(["--profile", profile, "--password-stdin", "gui"], out=io.StringIO()) == 0
    assert cli.main(["--lang", "en", "gui", "--profile", profile, "--sync-interval", "5"],
                    out=io.StringIO()) == 0
    assert cli.main(["gui", "--profile", profile, "--password-stdin"], out=io.StringIO()) == 0
    assert [c["argv"] for c in calls] == [
        ["--profile", profile, "--password-stdin"],
        ["--lang", "en", "--profile", profile, "--sync-interval", "5"],
        ["--profile", profile, "--password-stdin"],
    ]
    # `desk --lang en demo`: the language goes to the demo's app.
    assert cli.main(["--lang", "en", "demo", "--interval", "3600"], out=io.StringIO()) == 0
    assert calls[-1]["argv"][:2] == ["--lang", "en"] and calls[-1]["demo"] is not None


def test_desk_lang_before_demo_no_gui_does_not_open_the_app(env, monkeypatch):
    import launch.demo

    calls = _record_gui(monkeypatch)
    ran = []
    monkeypatch.setattr(launch.demo, "run_demo", lambda **kw: ran.append(kw) or 0)
    assert cli.main(["--lang", "en", "demo", "--no-gui"], out=io.StringIO()) == 0
    assert ran and not calls
    # Other commands keep their own parsing: an app option there is an error.
    err = io.StringIO()
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "queue"], out=io.StringIO(), err=err)


def _no_display_env(env) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**base, **env}


@pytest.mark.parametrize("command", [["gui"], [], ["demo"]])
def test_no_display_is_said_in_one_line(env, command):
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    proc = subprocess.run([sys.executable, "-m", "launch.cli", *command], env=_no_display_env(env),
                          cwd=str(REPO), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "no display found" in lines[0]
    assert "desk demo --no-gui" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "xcb" not in proc.stderr
    assert not proc.stdout  # `desk demo` stopped before starting a server


def test_profile_and_password_stdin_before_gui_open_that_profile(env, tmp_path):
    """`desk --profile DIR --password-stdin gui`, run as a user would: the app opens DIR
    offline with the password from stdin and shows the window (no login dialog)."""
    from desk import session as desk_session
    from tests.central.server_fixture import start_server

    server = start_server(tmp_path / "server", seed="empty")
    try:
        profile = tmp_path / "elsewhere"
        desk_session.login(server.url, "officer1", "demo-pass", profile_dir=profile).close()
    finally:
        server.stop()
    # The last-profile record points elsewhere: only --profile can name this one.
    (Path(env["DESK_CONFIG_DIR"]) / "last-profile.json").unlink()
    run_env = {**os.environ, **env, "QT_QPA_PLATFORM": "offscreen", "DESK_SMOKE_QUIT_AFTER_MS": "200"}
    proc = subprocess.run([sys.executable, "-m", "launch.cli", "--profile", str(profile), "--password-stdin",
                           "gui", "--lang", "en"], input="demo-pass\n", env=run_env, cwd=str(REPO),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "desk-smoke: shown MainWindow" in proc.stdout


def test_a_killed_demo_leaves_no_server_and_its_folder_goes_at_the_next_start(env):
    """A demo killed outright (SIGKILL, power cut) cannot clean up: its server stops with
    it, and the next demo removes the scratch folder it left."""
    import signal
    import tempfile
    import textwrap
    import time

    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    code = textwrap.dedent("""
        import sys, time
        from launch.demo import DemoEnvironment
        demo = DemoEnvironment(seed="empty", simulate=False).start()
        print(demo.process.pid, demo.folder, flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(REPO), env={**os.environ, **env},
                            stdout=subprocess.PIPE, text=True)
    pid, folder = proc.stdout.readline().split()
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(int(pid), signal.SIGKILL)
        pytest.fail("the demo server outlived the demo")
    assert Path(folder).exists() and Path(folder).parent == Path(tempfile.gettempdir())
    with DemoEnvironment(seed="empty", simulate=False, with_link=False):
        assert not Path(folder).exists()
