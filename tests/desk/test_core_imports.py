"""desk/ is the core: no Qt, no app, no server, no entry points. Arrows run down only
(launch -> ui -> desk, launch -> central -> desk), so a desk module that reaches up has
its seam wrong.

Read from the source (ast), not from what an import happens to load: an import inside a
function, under TYPE_CHECKING or behind `importlib` is still a dependency. The sys.modules
check stays beside it for what the source cannot show: a third-party library the core
imports that pulls in Qt on its own.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import desk

DESK = Path(desk.__file__).resolve().parent
# Packages above the core, and Qt.
ABOVE = {"ui", "central", "launch", "PySide6", "shiboken6"}
# importlib's data helpers load no code by name; the rest of it is how an import hides.
IMPORTLIB_ALLOWED = {"importlib.metadata", "importlib.resources"}
TRICK_CALLS = {"__import__", "import_module", "exec", "eval"}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute name a relative `from . import x` refers to."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    up = node.level - 1
    base = base[: len(base) - up] if up else base
    return ".".join([*base, *([node.module] if node.module else [])])


def problems_in(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every import of a package above the core, and every import trick, in one module."""
    found: list[str] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node, is_package)
            if node.level and not (target == "desk" or target.startswith("desk.")):
                found.append(f"{module}:{node.lineno} relative import leaves desk/ ({target or '?'})")
                continue
            names = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in TRICK_CALLS:
                found.append(f"{module}:{node.lineno} calls {called}()")
            continue
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in ABOVE:
                found.append(f"{module}:{node.lineno} imports {name}")
                break
            if top in ("importlib", "runpy") and not any(
                    name == ok or name.startswith(ok + ".") for ok in IMPORTLIB_ALLOWED):
                found.append(f"{module}:{node.lineno} imports {name}")
                break
    return found


def desk_modules() -> list[Path]:
    return sorted(DESK.rglob("*.py"))


def test_no_desk_module_imports_the_app_the_server_or_qt():
    paths = desk_modules()
    # The walk sees the core (and any package in it, such as desk/store/).
    assert DESK / "wire.py" in paths and len(paths) > 10
    found = []
    for path in paths:
        found += problems_in(path.read_text(encoding="utf-8"), _module_name(path, DESK),
                             is_package=path.name == "__init__.py")
    assert not found, "\n".join(found)


def test_the_reader_catches_every_form_of_reaching_up():
    # The check above is only worth something if these fail it.
    hidden = {
        "import ui.app": "imports ui.app",
        "from central import server": "imports central",
        "from launch.cli import main": "imports launch.cli",
        "def f():\n    from PySide6.QtCore import QObject": "imports PySide6.QtCore",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shiboken6": "imports shiboken6",
        "import importlib\nimportlib.import_module('ui.app')": "calls import_module()",
        "from importlib import import_module": "imports importlib",
        "__import__('central')": "calls __import__()",
        "exec('import ui')": "calls exec()",
        "from ... import ui": "relative import leaves desk/",
    }
    for source, expected in hidden.items():
        found = problems_in(source, "desk.store.view")
        assert any(expected in line for line in found), (source, found)
    # What the core may do stays allowed.
    allowed = "from importlib.metadata import version\nfrom . import rules\nfrom ..wire import Case\nimport desk.wire"
    assert problems_in(allowed, "desk.store.view") == []


def test_desk_modules_load_neither_qt_nor_the_packages_above():
    names = [m.name for m in pkgutil.walk_packages(desk.__path__, prefix="desk.")]
    assert "desk.wire" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(ABOVE)!r})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
