"""desk/ is the Qt-free core: importing every module of it must not load Qt or ui."""

import pkgutil
import subprocess
import sys

import desk


def test_desk_modules_import_without_qt():
    names = [m.name for m in pkgutil.walk_packages(desk.__path__, prefix="desk.")]
    assert "desk.wire" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
