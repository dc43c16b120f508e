"""Window state and preferences in QSettings (INI). Never case data: drafts and anything
about a citizen live only in the encrypted store."""

from __future__ import annotations

import re

from PySide6.QtCore import QSettings

DEFAULT_IDLE_MINUTES = 15


def settings() -> QSettings:
    # INI in the user scope so tests (and portable installs) can move it with QSettings.setPath.
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Desk", "desk")


def idle_minutes() -> float:
    value = settings().value("lock/idle_minutes", DEFAULT_IDLE_MINUTES)
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return float(DEFAULT_IDLE_MINUTES)


def language(default: str = "zh_CN") -> str:
    return str(settings().value("ui/language", default))


def set_language(code: str) -> None:
    """The officer's explicit choice (the Desk menu); `--lang` is for one run only."""
    settings().setValue("ui/language", code)


def officer_key(officer_id: str, key: str) -> str:
    """A key of one officer's window state: on a shared station PC each officer gets
    their own layout and opening queue. Ids only, never case data."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", officer_id or "unknown")
    return f"officers/{safe}/{key}"
