"""Test-wide setup. Qt runs offscreen and loads after this file sets the platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may touch the developer's real keyring or profile folders.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

# env / server / proxy fixtures of the client-against-real-server tests.
pytest_plugins = ["tests.faults.fixtures"]


def pytest_sessionstart(session):
    # The app only loads the compiled translations (ui/i18n.py); the install builds them
    # (scripts/build_translations.py). Build the stale ones here too, so a plain `pytest`
    # in a checkout tests the strings of its own .ts files.
    from ui import i18n

    i18n.build()
