"""Load the translations: Qt's own catalogue first, then Desk's.

Simplified Chinese is the shipped default; English is the source language. The compiled
.qm files are not kept in git: they are built from the .ts sources with pyside6-lrelease
at build time, by scripts/build_translations.py (the README's install line, .ci/run and
installer/build.py run it; the test suite builds them too). At start the app only loads
them: it never writes into its own folder, which an installed copy may not be allowed to
do. A catalogue that is missing is named once in the log and the app runs in English.
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


# Catalogues already named as missing: said once a run, not at every language switch.
_told_missing: set[str] = set()


def _missing(catalogue: str, folder: str) -> None:
    if catalogue not in _told_missing:
        _told_missing.add(catalogue)
        log.warning("translation catalogue %s not found in %s (build it with "
                    "scripts/build_translations.py); running in English", catalogue, folder)


class Translations:
    """Installs and swaps the translators of the running application."""

    def __init__(self) -> None:
        self._installed: list[QTranslator] = []
        self.language = "en"

    def install(self, language: str) -> bool:
        """Install `language`'s catalogues; False (and English) when Desk's is missing."""
        app = QCoreApplication.instance()
        for translator in self._installed:
            app.removeTranslator(translator)
        self._installed = []
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if self.language != "en":
            ours = QTranslator(app)
            if ours.load(f"desk_{self.language}", str(translations_dir())):
                QLocale.setDefault(QLocale(self.language))
                qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
                qt = QTranslator(app)
                # Qt's own catalogue first, then ours, which wins where both translate.
                if qt.load(f"qtbase_{self.language}", qt_dir):
                    app.installTranslator(qt)
                    self._installed.append(qt)
                else:
                    _missing(f"qtbase_{self.language}", qt_dir)
                app.installTranslator(ours)
                self._installed.append(ours)
                return True
            # Half a translation (Qt's dialogs in Chinese, Desk in English) helps nobody.
            _missing(f"desk_{self.language}", str(translations_dir()))
            self.language = "en"
            self._install_english()
            return False
        self._install_english()
        return True

    def _install_english(self) -> None:
        app = QCoreApplication.instance()
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        # Only the plural forms: the source text is English already. Without it "%n"
        # still reads, as "1 hour(s)".
        translator = QTranslator(app)
        if translator.load("desk_en", str(translations_dir())):
            app.installTranslator(translator)
            self._installed.append(translator)
        else:
            _missing("desk_en", str(translations_dir()))
