"""Take the screenshots in docs/screenshots/ from the real app on the demo data.

Run under a display (Xvfb on a server):
    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshots.py

It starts the demo server, opens Desk logged in as officer1 with throwaway profile and
settings folders, selects the officer's case with the richest timeline, and saves the main
window and the case pane as PNG (palette-reduced with ImageMagick when it is installed,
to keep them small enough to commit). Qt's own warnings are echoed to stderr and make the
script fail: on a real display any of them is a bug.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MAX_BYTES = 400 * 1024


def _isolate(folder: Path) -> None:
    os.environ["DESK_DATA_DIR"] = str(folder / "data")
    os.environ["DESK_CONFIG_DIR"] = str(folder / "config")
    os.environ["DESK_MACHINE_CONFIG"] = str(folder / "machine" / "desk.toml")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def _wait(app, predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def _shrink(path: Path) -> None:
    magick = shutil.which("convert")
    if magick is None:
        return
    smaller = path.with_suffix(".small.png")
    subprocess.run([magick, str(path), "-colors", "256", "-define", "png:compression-level=9",
                    str(smaller)], check=True)
    if smaller.stat().st_size < path.stat().st_size:
        smaller.replace(path)
    else:
        smaller.unlink()


def _richest_case(window) -> str:
    store = window.store
    best, best_score = None, -1
    for case_id in window.model.ids():
        case = store.case(case_id)
        if case is None:
            continue
        types = {e.get("type") for e in case.get("entries") or []}
        # A running clock first (the screenshot should show a countdown), then the
        # widest variety of entries.
        running = any(not c.get("stopped_at") and not c.get("paused") for c in case.get("clocks") or [])
        score = (1000 if running else 0) + len(types) * 10 + len(case.get("entries") or [])
        if score > best_score:
            best, best_score = case_id, score
    if best is None:
        raise SystemExit("screenshots: officer1 has no cases")
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--username", default="officer1")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    scratch = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    _isolate(scratch)

    from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "settings"))
    problems: list[str] = []

    def on_qt_message(kind, _context, message):
        if kind != QtMsgType.QtDebugMsg:
            problems.append(message)
            print(f"qt: {message}", file=sys.stderr)

    qInstallMessageHandler(on_qt_message)

    from launch.demo import DEMO_PASSWORD, start_demo_server
    from ui.app import DeskApp, setup_application

    server = start_demo_server(db_path=scratch / "central.db")
    app, _translations = setup_application([sys.argv[0]], args.lang)
    desk_app = DeskApp(sync_interval=3600)
    try:
        desk_app.login_directly(server.url, args.username, DEMO_PASSWORD)
        _wait(app, lambda: desk_app.window is not None, 60, "the login")
        window = desk_app.window
        window.resize(1560, 940)
        window.move(10, 10)
        _wait(app, lambda: window.online_state == "idle" and window.model.rowCount() > 0
              and not window._refresh_running, 60, "the first sync")
        case_id = _richest_case(window)
        window.table.selectRow(window.model.row_of(case_id))
        _wait(app, lambda: window.case_pane.case_id == case_id, 10, "the case")
        pane = window.case_pane
        pane.mode_combo.setCurrentIndex(pane.mode_combo.findData("reply"))
        pane.editor.setPlainText("您好，您反映的问题已收到，我们正在核实，将于两个工作日内答复。")
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # let layouts and the scroll area settle
            app.processEvents()
            time.sleep(0.02)
        shots = {"main-window.png": window.grab(), "case-pane.png": pane.grab()}
        for name, pixmap in shots.items():
            path = out / name
            if not pixmap.save(str(path), "PNG"):
                raise SystemExit(f"screenshots: cannot write {path}")
            _shrink(path)
            size = path.stat().st_size
            print(f"{path} {pixmap.width()}x{pixmap.height()} {size // 1024} KB")
            if size > MAX_BYTES:
                problems.append(f"{name} is {size // 1024} KB (over {MAX_BYTES // 1024} KB)")
        pane.editor.clear()
    finally:
        desk_app.shutdown()
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    if problems:
        print(f"screenshots: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
