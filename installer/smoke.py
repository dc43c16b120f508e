"""Smoke test of a built Desk: unpack the .deb and run the frozen program from it.

    python installer/smoke.py dist/desk_0.1.0_amd64.deb [--figures installer/figures.json]
    python installer/smoke.py --exe dist/desk/desk        # an unpacked folder, no .deb

Everything runs with a temporary profile (HOME, DESK_DATA_DIR, DESK_CONFIG_DIR and the
machine config point into a temporary folder; the keyring is the null backend):

  * `desk --version` prints the package's version;
  * `desk central --seed demo` serves on a free loopback port; `desk login`, `desk sync`
    and `desk queue mine --json` work against it;
  * the desktop app starts offscreen, shows the login dialog and, with the profile, the
    main window, and quits by itself (DESK_SMOKE_QUIT_AFTER_MS); under Xvfb as well when
    it is installed, which proves the xcb plugin and the system libraries it needs;
  * a cache written by the pip-installed app (this interpreter's `desk`) opens in the
    frozen one;
  * the cold start to a painted main window over a 10,000-case cache is timed.

Any traceback or unexpected stderr line fails the run, as does a missing Qt plugin,
translation or system library (when checking a .deb, every library the frozen files link
against must be in the folder or come from a package the .deb depends on).
It must run with the build's interpreter (the one with the project installed), which it
uses to write the pip-side cache.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import layout  # noqa: E402

PASSWORD = "demo-pass"
OFFICER = "officer1"
GATEWAY_TOKEN = "smoke-gateway-token"
BIG_CACHE_CASES = 10_000
QUIT_AFTER_MS = 1500
SHOWN = re.compile(r"^desk-smoke: shown (\w+)$")
# Lines the frozen program may print on stderr: the central server's own INFO log, and
# the offscreen platform plugin saying it has no window manager to pass size hints to.
ALLOWED_STDERR = [re.compile(r"^\S+ \S+ INFO [\w.]+: "),
                  re.compile(r"^This plugin does not support propagateSizeHints\(\)$")]
# Libraries every Debian system has (Essential or pulled in by libc6 itself).
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1", "liblzma5",
                 "libbz2-1.0", "libcrypt1", "libselinux1", "libpcre2-8-0", "libmd0",
                 "libbsd0", "libuuid1", "libblkid1", "libmount1", "libffi8", "libexpat1",
                 "libudev1", "libsystemd0", "libcap2", "libgcrypt20", "libgpg-error0",
                 "liblz4-1", "libtinfo6", "libncursesw6"}


class SmokeFailure(Exception):
    pass


def log(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_stderr(what: str, stderr: str) -> None:
    bad = [line for line in stderr.splitlines()
           if line.strip() and not any(p.match(line) for p in ALLOWED_STDERR)]
    if "Traceback" in stderr or bad:
        raise SmokeFailure(f"{what}: unexpected stderr:\n" + "\n".join(bad or stderr.splitlines()))


class Sandbox:
    """A temporary home: nothing the runs write or read comes from the real user."""

    def __init__(self, root: Path, name: str):
        self.home = root / name
        for sub in ("home", "data", "config", "xdg-runtime"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        (self.home / "xdg-runtime").chmod(0o700)

    def env(self, **extra: str) -> dict:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PYTHON", "QT_", "DESK_", "XDG_", "LD_"))
               and key not in ("VIRTUAL_ENV", "DISPLAY", "WAYLAND_DISPLAY")}
        env.update(
            HOME=str(self.home / "home"),
            DESK_DATA_DIR=str(self.home / "data"),
            DESK_CONFIG_DIR=str(self.home / "config"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_RUNTIME_DIR=str(self.home / "xdg-runtime"),
            DESK_MACHINE_CONFIG=str(self.home / "no-machine-config.toml"),
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
            QT_QPA_PLATFORM="offscreen",
            LANG="C.UTF-8",
        )
        env.update(extra)
        return env

    @property
    def profile(self) -> Path:
        return self.home / "profile"


def run(cmd: list[str], env: dict, *, what: str, stdin: str | None = None, timeout: float = 120,
        cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    if proc.returncode != 0:
        raise SmokeFailure(f"{what}: exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    check_stderr(what, proc.stderr)
    return proc.stdout


class Central:
    """The frozen program's own reference server on a free loopback port."""

    def __init__(self, exe: Path, sandbox: Sandbox):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        db = sandbox.home / "central.db"
        self.proc = subprocess.Popen(
            [str(exe), "central", "--seed", "demo", "--db", str(db), "--port", str(self.port),
             "--gateway-token", GATEWAY_TOKEN],
            env=sandbox.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=sandbox.home)
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip("\n"))

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SmokeFailure("desk central exited early:\n" + "\n".join(self.stderr))
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError:
                return  # it answers HTTP: up, whatever that path says
            except OSError:
                pass
            time.sleep(0.2)
        raise SmokeFailure("desk central did not start listening")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        check_stderr("desk central", "\n".join(self.stderr))
        if self.proc.returncode not in (0, -15):
            raise SmokeFailure(f"desk central ended with {self.proc.returncode}")


def login_and_sync(desk: list[str], sandbox: Sandbox, server: str) -> list[dict]:
    env = sandbox.env()
    profile = ["--profile", str(sandbox.profile), "--password-stdin"]
    out = run([*desk, *profile, "login", "--server", server, "--username", OFFICER],
              env, what=f"{desk[0]} login", stdin=PASSWORD + "\n", cwd=sandbox.home)
    if "logged in as officer1" not in out:
        raise SmokeFailure(f"login said: {out}")
    run([*desk, *profile, "sync"], env, what=f"{desk[0]} sync", stdin=PASSWORD + "\n", cwd=sandbox.home)
    return queue_mine(desk, sandbox, sandbox.profile)


def queue_mine(desk: list[str], sandbox: Sandbox, profile: Path) -> list[dict]:
    out = run([*desk, "--profile", str(profile), "--password-stdin", "queue", "mine", "--json"],
              sandbox.env(), what=f"{desk[0]} queue mine", stdin=PASSWORD + "\n", cwd=sandbox.home)
    cases = json.loads(out)
    if not isinstance(cases, list) or not cases:
        raise SmokeFailure(f"queue mine is empty: {out[:200]}")
    return cases


def start_gui(exe: Path, sandbox: Sandbox, args: list[str], *, stdin: str = "",
              env_extra: dict | None = None) -> tuple[str, float, subprocess.CompletedProcess]:
    """Start the app, wait for its first painted window; returns the window's class, the
    seconds from start to paint, and the finished process."""
    env = sandbox.env(**{"DESK_SMOKE_QUIT_AFTER_MS": str(QUIT_AFTER_MS), **(env_extra or {})})
    started = time.perf_counter()
    proc = subprocess.Popen([str(exe), *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=sandbox.home)
    proc.stdin.write(stdin)
    proc.stdin.close()
    shown, elapsed = "", 0.0
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
    reader.start()
    for line in proc.stdout:
        match = SHOWN.match(line.strip())
        if match and not shown:
            shown, elapsed = match.group(1), time.perf_counter() - started
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        raise SmokeFailure("the app did not quit by itself") from exc
    reader.join(5)
    stderr = "".join(err)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    if proc.returncode != 0:
        raise SmokeFailure(f"the app exited with {proc.returncode}:\n{stderr}")
    check_stderr("the app", stderr)
    if not shown:
        raise SmokeFailure("the app never painted a window")
    return shown, elapsed, result


def fill_big_cache(profile: Path, count: int) -> None:
    """Add `count` cases to a profile's encrypted cache with the pip-installed core, as a
    first sync of a busy station would."""
    # This process is the pip-installed app: keep it off the real keyring, and quiet.
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    logging.getLogger("desk").setLevel(logging.ERROR)
    from desk.session import open_offline
    from desk.wire import Case, UpsertChange, format_time

    session = open_offline(profile, PASSWORD)
    try:
        officer = session.officer
        rng = random.Random(20261126)
        start = datetime.now(UTC) - timedelta(days=60)
        statuses = ["new", "accepted", "in_progress", "waiting_citizen", "closed"]
        page: list = []
        cursor = session.store.get_state().cursor or "0"
        for i in range(count):
            received = start + timedelta(minutes=8 * i)
            status = statuses[i % len(statuses)]
            case = Case.model_validate({
                "id": f"smoke-{i}", "number": f"SX{received:%Y%m%d}{i:06d}", "kind": "consultation",
                "category": "户政", "channel": "portal", "title": f"市民咨询户口迁移 {i}",
                "body": "请问从外省迁入户口需要准备哪些材料，是否需要本人到场",
                "citizen": {"name": "王" + "伟芳娜敏静"[i % 5], "phone": f"139{rng.randint(0, 99999999):08d}",
                            "id_number": f"1401051990{rng.randint(0, 99999999):08d}"},
                "unit_id": officer.unit_id, "assignee_id": officer.id if i % 2 else None,
                "status": status, "version": 1, "received_at": format_time(received),
                "clocks": [{"clock": "reply", "due_at": format_time(received + timedelta(days=2)),
                            "stopped_at": format_time(received + timedelta(hours=3))
                            if status == "closed" else None}],
                "entries": [],
            })
            page.append(UpsertChange(seq=i + 1, op="upsert", case=case))
            if len(page) == 1000:
                session.store.apply_changes(page, cursor)
                page = []
        if page:
            session.store.apply_changes(page, cursor)
    finally:
        session.close()


def check_tree(app_dir: Path) -> None:
    internal = app_dir / "_internal"
    wanted = [
        internal / "resources" / "style.qss",
        internal / "resources" / "icons" / "app.svg",
        internal / "central" / "data" / "calendar_overrides.json",
        *[internal / "resources" / "translations" / f"{ts.stem}.qm"
          for ts in (HERE.parent / "resources" / "translations").glob("*.ts")],
        *[internal / "PySide6" / "Qt" / "translations" / f"{name}.qm" for name in layout.QT_TRANSLATIONS],
    ]
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so",
                   "iconengines/libqsvgicon.so", "platforminputcontexts/libibusplatforminputcontextplugin.so"):
        wanted.append(plugins / plugin)
    missing = [str(p.relative_to(app_dir)) for p in wanted if not p.exists()]
    if missing:
        raise SmokeFailure("missing from the frozen folder: " + ", ".join(missing))
    if not list(internal.glob("sqlcipher3/_sqlite3*")):
        raise SmokeFailure("sqlcipher3's native extension is not in the frozen folder")
    forbidden = [p.name for p in internal.rglob("*")
                 if re.search(r"Qt6?(WebEngine|Quick|Qml|Pdf|WaylandClient)", p.name)]
    if forbidden:
        raise SmokeFailure("Qt modules Desk does not use are bundled: " + ", ".join(sorted(forbidden)[:10]))


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _package_of(soname: str) -> str | None:
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    match = re.search(rf"^\s*{re.escape(soname)} \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.M)
    if not match:
        return None
    owner = subprocess.run(["dpkg", "-S", os.path.realpath(match.group(1))], capture_output=True, text=True)
    if owner.returncode != 0:
        owner = subprocess.run(["dpkg", "-S", match.group(1)], capture_output=True, text=True)
    return owner.stdout.split(":", 1)[0].strip() or None if owner.returncode == 0 else None


def check_system_libraries(app_dir: Path, depends: list[str]) -> None:
    """Every library a frozen file links against is in the folder or comes from a package
    the .deb depends on (or from the base system)."""
    if not shutil.which("readelf") or not shutil.which("dpkg"):
        log("readelf/dpkg missing: system library check skipped")
        return
    bundled = {p.name for p in app_dir.rglob("*") if p.is_file() or p.is_symlink()}
    allowed = set(BASE_PACKAGES)
    for alternatives in depends:
        for choice in alternatives.split("|"):
            allowed.add(choice.strip().split(" ", 1)[0])
    external: set[str] = set()
    for path in app_dir.rglob("*"):
        if path.is_file() and not path.is_symlink() and (".so" in path.name or path.name == layout.CONSOLE_EXE):
            external.update(name for name in _needed(path) if name not in bundled)
    problems = []
    for soname in sorted(external):
        if soname.startswith("ld-linux"):
            continue
        package = _package_of(soname)
        if package is None:
            problems.append(f"{soname} (not installed here)")
        elif package.split(":")[0] not in allowed:
            problems.append(f"{soname} (from {package}, not a dependency)")
    if problems:
        raise SmokeFailure("system libraries the .deb does not provide for: " + "; ".join(problems))


def start_xvfb() -> tuple[subprocess.Popen, str] | None:
    if not shutil.which("Xvfb"):
        return None
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        proc.wait()
        return None
    return proc, f":{number}"


def smoke(exe: Path, *, pip_desk: list[str], depends: list[str] | None, work: Path) -> dict:
    figures: dict = {}
    app_dir = exe.parent
    check_tree(app_dir)
    if depends is not None:
        check_system_libraries(app_dir, depends)
    log("frozen folder complete")

    sandbox = Sandbox(work, "frozen")
    version = run([str(exe), "--version"], sandbox.env(), what="desk --version").strip()
    expected = f"desk {_package_version()}"
    if version != expected:
        raise SmokeFailure(f"desk --version printed {version!r}, expected {expected!r}")
    log(version)

    central = Central(exe, sandbox)
    try:
        central.wait_ready()
        log(f"frozen desk central serving on {central.url}")
        frozen_cases = login_and_sync([str(exe)], sandbox, central.url)
        log(f"frozen login/sync/queue: {len(frozen_cases)} case(s) in mine")

        pip_box = Sandbox(work, "pip")
        pip_cases = login_and_sync(pip_desk, pip_box, central.url)
        read_back = queue_mine([str(exe)], pip_box, pip_box.profile)
        if [c["id"] for c in read_back] != [c["id"] for c in pip_cases]:
            raise SmokeFailure("the frozen app reads a different queue from the pip-made cache")
        log(f"frozen app opened the pip-made encrypted cache ({len(read_back)} case(s))")

        shown, _elapsed, _ = start_gui(exe, Sandbox(work, "fresh"), [])
        if shown != "LoginDialog":
            raise SmokeFailure(f"a fresh start showed {shown}, not the login dialog")
        log("app offscreen: login dialog shown, quit by itself")
        shown, elapsed, _ = start_gui(exe, sandbox, ["gui", "--profile", str(sandbox.profile), "--password-stdin"],
                                      stdin=PASSWORD + "\n")
        if shown != "MainWindow":
            raise SmokeFailure(f"opening the profile showed {shown}, not the main window")
        figures["start_demo_cache_s"] = round(elapsed, 2)
        log("app offscreen: main window shown, quit by itself")

        xvfb = start_xvfb()
        if xvfb is not None:
            proc, display = xvfb
            try:
                shown, _elapsed, _ = start_gui(
                    exe, sandbox, ["gui", "--profile", str(sandbox.profile), "--password-stdin"],
                    stdin=PASSWORD + "\n", env_extra={"QT_QPA_PLATFORM": "xcb", "DISPLAY": display})
            finally:
                proc.terminate()
                proc.wait(10)
            log(f"app on X11 (Xvfb {display}): {shown} shown")
        else:
            log("Xvfb not installed: the xcb run was skipped")

        fill_big_cache(pip_box.profile, BIG_CACHE_CASES)
        times = []
        for _ in range(3):
            shown, elapsed, _ = start_gui(exe, pip_box, ["gui", "--profile", str(pip_box.profile), "--password-stdin"],
                                          stdin=PASSWORD + "\n")
            if shown != "MainWindow":
                raise SmokeFailure(f"the big cache showed {shown}")
            times.append(elapsed)
        figures["cold_start_10k_cases_s"] = round(times[0], 2)
        figures["start_10k_cases_median_s"] = round(statistics.median(times), 2)
        log(f"start to painted main window over {BIG_CACHE_CASES} cases: first {times[0]:.2f} s, "
            f"median of 3 {statistics.median(times):.2f} s (goal < 2 s)")
    finally:
        central.stop()
    log("frozen desk central stopped cleanly")
    return figures


def _package_version() -> str:
    sys.path.insert(0, str(HERE.parent))
    from desk import __version__

    return __version__


def deb_depends(root: Path, deb: Path) -> list[str]:
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True,
                            check=True).stdout.strip()
    return [part.strip() for part in fields.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("deb", nargs="?", type=Path, help="the .deb to unpack and test")
    target.add_argument("--exe", type=Path, help="test an unpacked folder's executable instead")
    parser.add_argument("--pip-desk", default=str(Path(sys.executable).with_name("desk")),
                        help="the pip-installed desk that writes the compatibility cache")
    parser.add_argument("--figures", type=Path, help="merge the timings into this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="desk-smoke-") as tmp:
        work = Path(tmp)
        try:
            if args.deb:
                root = work / "root"
                subprocess.run(["dpkg-deb", "-x", str(args.deb), str(root)], check=True)
                exe = root / layout.LINUX_PREFIX.lstrip("/") / layout.CONSOLE_EXE
                link = root / "usr" / "bin" / "desk"
                if not link.is_symlink() or os.readlink(link) != f"{layout.LINUX_PREFIX}/{layout.CONSOLE_EXE}":
                    raise SmokeFailure("/usr/bin/desk is not a link to the frozen program")
                depends = deb_depends(root, args.deb)
            else:
                exe, depends = args.exe.resolve(), None
            figures = smoke(exe, pip_desk=[args.pip_desk], depends=depends, work=work)
        except SmokeFailure as exc:
            print(f"smoke: FAILED: {exc}", file=sys.stderr)
            return 1
    if args.figures:
        data = json.loads(args.figures.read_text()) if args.figures.exists() else {}
        data.update(figures)
        args.figures.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
