"""At start the app only loads the compiled catalogues; it never builds them into its own
folder. A missing one is named once in the log and the app runs in English."""

from __future__ import annotations

import logging
import shutil

from PySide6.QtCore import QCoreApplication, QLocale

from ui import i18n, text


def test_a_missing_catalogue_is_said_once_and_the_app_runs_in_english(qapp, tmp_path, monkeypatch, caplog):
    folder = tmp_path / "translations"
    folder.mkdir()
    for ts in i18n.translations_dir().glob("*.ts"):
        shutil.copy(ts, folder / ts.name)
    monkeypatch.setattr(i18n, "translations_dir", lambda: folder)
    monkeypatch.setattr(i18n, "_told_missing", set())
    translations = i18n.Translations()
    caplog.set_level(logging.WARNING, logger="ui.i18n")
    try:
        assert translations.install("zh_CN") is False
        assert translations.install("zh_CN") is False
        assert translations.language == "en"
        assert text.label("Status", "waiting_citizen") == "Waiting for citizen"
        assert QLocale().language() == QLocale.Language.English
        said = [r.getMessage() for r in caplog.records if "desk_zh_CN" in r.getMessage()]
        assert len(said) == 1 and "English" in said[0]
        # Loading built nothing: the app's folder may be read-only in an installed copy.
        assert sorted(p.suffix for p in folder.iterdir()) == [".ts", ".ts"]
    finally:
        monkeypatch.undo()
        translations.install("en")


def test_the_built_catalogue_is_loaded(qapp):
    translations = i18n.Translations()
    try:
        assert translations.install("zh_CN")
        assert QCoreApplication.translate("Queue", "Due soon") != "Due soon"
    finally:
        translations.install("en")
