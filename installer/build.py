"""Build Desk for station workstations: freeze, package, smoke-test, record the figures.

    python installer/build.py                 # Linux: dist/desk/ and dist/desk_<version>_<arch>.deb
    python installer/build.py --no-smoke      # skip the smoke test (not for a release)

Run it with the interpreter of a virtualenv that has the project installed with its build
extra (`pip install -e .[build]`, which brings PyInstaller). Outputs go to build/ and dist/.

Steps: the installer's own tests (tests/installer); the translations (.ts -> .qm, with
scripts/build_translations.py); PyInstaller with installer/desk.spec (one folder,
dist/desk/); on Linux a .deb made with dpkg-deb from that folder; then installer/smoke.py
on the .deb; the sizes and start time go to installer/figures.json.

Windows (Inno Setup 6 cannot run here; on a Windows build machine with Python 3.11, the
project's venv and Inno Setup 6 installed):

    py -3.11 -m venv .venv && .venv\\Scripts\\pip install -e .[build]
    .venv\\Scripts\\python installer\\build.py
        -> freezes dist\\desk\\ (desk.exe for the console, deskw.exe for the shortcuts) and,
           when ISCC.exe is found (PATH or Program Files), compiles installer\\windows\\desk.iss
           into dist\\desk-<version>-setup.exe
    or by hand: "C:\\Program Files (x86)\\Inno Setup 6\\ISCC.exe" installer\\windows\\desk.iss

The installer takes its version from desk.exe's version resource, which the spec writes
from desk.__version__. See installer/windows/README.md for the silent install IT uses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import layout  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"
FIGURES = HERE / "figures.json"
DEB_SIZE_GOAL_MB = 90
LINUX_DIR = HERE / "linux"


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from desk import __version__

    return __version__


def step(message: str) -> None:
    print(f"\n== {message}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def freeze() -> Path:
    step("translations")
    run([sys.executable, ROOT / "scripts" / "build_translations.py"])
    step("PyInstaller (one folder)")
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", DIST, "--workpath", BUILD / "pyinstaller", HERE / "desk.spec"])
    return DIST / layout.DIST_NAME


def deb_arch() -> str:
    try:
        return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def control_text(ver: str, arch: str, installed_kb: int) -> str:
    """DEBIAN/control from installer/linux/control.in."""
    template = (LINUX_DIR / "control.in").read_text(encoding="utf-8")
    text = (template.replace("@PACKAGE@", layout.DEB_PACKAGE)
            .replace("@VERSION@", ver)
            .replace("@ARCH@", arch)
            .replace("@INSTALLED_SIZE@", str(installed_kb))
            .replace("@DEPENDS@", ", ".join(layout.DEB_DEPENDS)))
    unknown = re.findall(r"@[A-Z_]+@", text)
    if unknown:
        raise SystemExit(f"control.in has unknown placeholders: {unknown}")
    return text


def stage_deb(app: Path, ver: str, arch: str, root: Path) -> Path:
    """Lay out the package tree: /opt/desk, /usr/bin/desk, the menu entry, the icon and
    the machine config (a conffile, so an administrator's edits survive upgrades)."""
    if root.exists():
        shutil.rmtree(root)
    prefix = root / layout.LINUX_PREFIX.lstrip("/")
    shutil.copytree(app, prefix, symlinks=True)
    bindir = root / "usr" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "desk").symlink_to(f"{layout.LINUX_PREFIX}/{layout.CONSOLE_EXE}")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(LINUX_DIR / "desk.desktop", apps / "desk.desktop")
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "app.svg", icons / "desk.svg")
    etc = root / layout.LINUX_MACHINE_CONFIG.lstrip("/")
    etc.parent.mkdir(parents=True)
    shutil.copy2(LINUX_DIR / "desk.toml", etc)
    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kb = (folder_size(root) + 1023) // 1024
    (debian / "control").write_text(control_text(ver, arch, installed_kb), encoding="utf-8")
    (debian / "conffiles").write_text(layout.LINUX_MACHINE_CONFIG + "\n", encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            executable = path.stat().st_mode & 0o111
            path.chmod(0o755 if executable else 0o644)
    return root


def build_deb(app: Path, ver: str) -> Path:
    step("Debian package")
    arch = deb_arch()
    root = stage_deb(app, ver, arch, BUILD / "deb" / "root")
    deb = DIST / f"{layout.DEB_PACKAGE}_{ver}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, deb])
    return deb


def build_windows(ver: str) -> Path | None:
    step("Inno Setup")
    candidates = [shutil.which("iscc"), shutil.which("ISCC"),
                  *(Path(os.environ.get(var, "")) / "Inno Setup 6" / "ISCC.exe"
                    for var in ("ProgramFiles(x86)", "ProgramFiles"))]
    iscc = next((str(c) for c in candidates if c and Path(c).is_file()), None)
    if iscc is None:
        print("ISCC.exe (Inno Setup 6) not found: dist\\desk\\ is frozen, the setup was not built")
        return None
    run([iscc, HERE / "windows" / "desk.iss"])
    return DIST / f"desk-{ver}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smoke", action="store_true", help="skip the smoke test")
    parser.add_argument("--no-tests", action="store_true", help="skip tests/installer")
    args = parser.parse_args(argv)
    ver = version()
    started = time.monotonic()
    if not args.no_tests:
        step("installer tests")
        run([sys.executable, "-m", "pytest", "-q", "tests/installer"])
    app = freeze()
    figures: dict = {"version": ver, "platform": f"{sys.platform}-{platform.machine()}",
                     "unpacked_mb": round(folder_size(app) / 1e6, 1)}
    if sys.platform == "win32":
        build_windows(ver)
    else:
        deb = build_deb(app, ver)
        figures["deb_mb"] = round(deb.stat().st_size / 1e6, 1)
        figures["deb_goal_mb"] = DEB_SIZE_GOAL_MB
        print(f"{deb.relative_to(ROOT)}: {figures['deb_mb']} MB (goal < {DEB_SIZE_GOAL_MB} MB); "
              f"unpacked {figures['unpacked_mb']} MB")
        FIGURES.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        if not args.no_smoke:
            step("smoke test of the .deb")
            run([sys.executable, HERE / "smoke.py", deb, "--figures", FIGURES])
            figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    figures["build_s"] = round(time.monotonic() - started)
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    step("figures")
    print(json.dumps(figures, indent=2))
    if figures.get("deb_mb", 0) >= DEB_SIZE_GOAL_MB:
        print(f"warning: the .deb is over the {DEB_SIZE_GOAL_MB} MB goal", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
