"""Load the translations: Qt's own catalogue first, then Desk's.

Simplified Chinese is the shipped default; English is the source language. The compiled
.qm files are not kept in git: they are built from the .ts sources with pyside6-lrelease
when missing or older than their source (at start, or by scripts/build_translations.py).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ui.resources import resources_dir

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


def translations_dir() -> Path:
    return resources_dir() / "translations"


def pyside_tool(name: str) -> list[str]:
    """The command that runs one of PySide6's bundled Qt tools."""
    import PySide6

    bundled = Path(PySide6.__file__).resolve().parent / (name + (".exe" if sys.platform == "win32" else ""))
    if bundled.exists():
        return [str(bundled)]
    script = shutil.which(f"pyside6-{name}")
    if script:
        return [script]
    raise FileNotFoundError(f"pyside6-{name} is not installed")


def qm_path(ts: Path) -> Path:
    return ts.with_suffix(".qm")


def is_stale(ts: Path) -> bool:
    qm = qm_path(ts)
    return not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime


def build(ts_files: list[Path] | None = None, *, force: bool = False) -> list[Path]:
    """Compile every .ts that has no up-to-date .qm; returns the .qm files written."""
    ts_files = ts_files if ts_files is not None else sorted(translations_dir().glob("*.ts"))
    written = []
    for ts in ts_files:
        if not force and not is_stale(ts):
            continue
        qm = qm_path(ts)
        subprocess.run([*pyside_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)],
                       check=True, capture_output=True)
        written.append(qm)
    return written


def ensure_built() -> None:
    """Build missing or stale catalogues; an install without the tool keeps what it has."""
    try:
        build()
    except (OSError, subprocess.CalledProcessError) as exc:
        log.warning("could not build the translations: %s", exc)


class Translations:
    """Installs and swaps the translators of the running application."""

    def __init__(self) -> None:
        self._installed: list[QTranslator] = []
        self.language = "en"

    def install(self, language: str) -> bool:
        app = QCoreApplication.instance()
        for translator in self._installed:
            app.removeTranslator(translator)
        self._installed = []
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if self.language == "en":
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
            # Only the plural forms: the source text is English already.
            ensure_built()
            translator = QTranslator(app)
            if translator.load("desk_en", str(translations_dir())):
                app.installTranslator(translator)
                self._installed.append(translator)
            return True
        QLocale.setDefault(QLocale(self.language))
        ensure_built()
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        ok = True
        for catalogue, folder in ((f"qtbase_{self.language}", qt_dir),
                                  (f"desk_{self.language}", str(translations_dir()))):
            translator = QTranslator(app)
            if translator.load(catalogue, folder):
                app.installTranslator(translator)
                self._installed.append(translator)
            else:
                ok = False
                log.warning("translation catalogue %s not found", catalogue)
        return ok
