"""What the frozen Desk is made of: one place for the facts the spec, the build script, the
Windows installer script and their tests must agree on.

Plain Python with no imports from the project, so desk.spec, build.py and the tests can
all load it without the app's dependencies.
"""

from __future__ import annotations

import re

APP_NAME = "Desk"
APP_NAME_ZH = "警务工作台"
# The folder PyInstaller writes under dist/ and the name of the console executable.
DIST_NAME = "desk"
CONSOLE_EXE = "desk"
# Windows only: the same app without a console window, for the shortcuts.
GUI_EXE = "deskw"
PUBLISHER = "Desk project"
# Fixed for ever: Inno Setup finds the installed copy by it, so an upgrade replaces the
# program in place (officers' profiles live in their own data folders, never here).
WINDOWS_APP_ID = "{8C2F6A41-3E5B-4D7A-9B1C-5E0D2A7F4C19}"

DEB_PACKAGE = "desk"
LINUX_PREFIX = "/opt/desk"
LINUX_MACHINE_CONFIG = "/etc/desk/desk.toml"

# Qt plugin folders Desk needs, and within them the plugins kept (None keeps the folder).
# platforms: the window system (xcb, windows) plus offscreen/minimal for the smoke test
# and headless use; imageformats/iconengines: the SVG icons; platforminputcontexts:
# officers type Chinese through an input method (ibus on Linux, built in on Windows).
QT_PLUGINS: dict[str, tuple[str, ...] | None] = {
    "platforms": ("qxcb", "qoffscreen", "qminimal", "qwindows"),
    "styles": None,
    "imageformats": ("qsvg", "qico", "qjpeg", "qgif"),
    "iconengines": ("qsvgicon",),
    "platforminputcontexts": ("composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"),
    "xcbglintegrations": None,
}

# Qt libraries that must never be in the folder: Desk uses QtCore, QtGui, QtWidgets
# (and QtSvg/QtDBus/QtXcbQpa through the plugins above) and nothing that renders web or QML.
QT_EXCLUDED_MODULES = (
    "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel",
    "QtWebSockets", "QtQml", "QtQuick", "QtQuickWidgets", "QtQuickControls2", "QtPdf",
    "QtPdfWidgets", "QtMultimedia", "QtMultimediaWidgets", "QtNetwork", "QtOpenGLWidgets",
    "Qt3DCore", "QtCharts", "QtDataVisualization", "QtDesigner", "QtHelp", "QtSql",
    "QtTest", "QtUiTools", "QtVirtualKeyboard", "QtWaylandClient", "QtPrintSupport",
    "QtConcurrent", "QtXml",
)

# Qt's own catalogues kept next to ours: the app loads qtbase_<language>.
QT_TRANSLATIONS = ("qtbase_zh_CN", "qt_zh_CN")

# Debian packages the frozen folder needs from the system. Qt's xcb platform plugin links
# these X11/xcb libraries dynamically (PyInstaller leaves system graphics libraries out so
# the workstation's own drivers are used); a Chinese UI needs a CJK font or it shows boxes.
DEB_DEPENDS = (
    "libc6 (>= 2.28)",
    "libgl1",
    "libegl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libdbus-1-3",
    "libx11-6",
    "libx11-xcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei",
)


def keep_qt_binary(dest: str) -> bool:
    """Whether a file PyInstaller collected from PySide6 belongs in Desk's folder."""
    path = dest.replace("\\", "/")
    if "PySide6/" not in path and "Qt6" not in path and "/qt6" not in path.lower():
        return True
    name = path.rsplit("/", 1)[-1]
    for module in QT_EXCLUDED_MODULES:
        qt6 = "Qt6" + module[2:]
        if re.search(rf"(^|[^A-Za-z]|lib){re.escape(qt6)}([^A-Za-z]|$)", name) or name.startswith(module + "."):
            return False
    marker = "/plugins/"
    if marker in path:
        folder, _, plugin = path.split(marker, 1)[1].partition("/")
        if folder not in QT_PLUGINS:
            return False
        wanted = QT_PLUGINS[folder]
        if wanted is None:
            return True
        stem = plugin.split(".", 1)[0]
        stem = stem[3:] if stem.startswith("lib") else stem
        return stem in wanted
    if "/translations/" in path and path.endswith(".qm"):
        return name[:-3] in QT_TRANSLATIONS
    return True


def prune_orphans(kept: list, dropped: list, imports_of) -> list:
    """Drop the libraries that only the dropped plugins needed.

    PyInstaller resolves binary dependencies before the spec can filter plugins, so a
    dropped plugin (GTK theme, Wayland, EGLFS) leaves its own dependencies behind. A
    library goes only when a dropped file needed it and nothing kept still does.
    `imports_of(src)` returns the file names a binary links against.
    """
    by_name = {_basename(dest): src for dest, src, _kind in kept}

    def closure(sources) -> set[str]:
        seen: set[str] = set()
        todo = list(sources)
        while todo:
            src = todo.pop()
            for name in imports_of(src):
                if name not in seen:
                    seen.add(name)
                    if name in by_name:
                        todo.append(by_name[name])
        return seen

    suspects = closure(src for _dest, src, _kind in dropped)
    roots = [src for dest, src, _kind in kept if _basename(dest) not in suspects]
    needed = closure(roots)
    return [entry for entry in kept
            if _basename(entry[0]) not in suspects or _basename(entry[0]) in needed]


def drop_dangling_links(entries: list, files: list) -> list:
    """PyInstaller also lays symbolic links to the Qt libraries at the top of the folder;
    a link whose library went must go too."""
    present = {entry[0].replace("\\", "/") for entry in files if entry[2] != "SYMLINK"}
    return [entry for entry in entries
            if entry[2] != "SYMLINK" or entry[1].replace("\\", "/") in present]


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()
