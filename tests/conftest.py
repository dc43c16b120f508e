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


# What `pytest -m "not slow"` leaves out, so that the quick subset is quick:
# the folders that run the reference server over HTTP, through fault proxies and killed
# processes, and every test of the real window (the `desk_app` fixture, and tests/ui's
# `server`, a server with the demo seed). Other long tests carry @pytest.mark.slow.
SLOW_FOLDERS = {"integration", "faults"}
SLOW_FIXTURES = {"desk_app"}
SLOW_FIXTURES_IN = {"ui": {"server"}}


def pytest_collection_modifyitems(items):
    import pytest

    for item in items:
        folder = item.path.parent.name
        fixtures = set(getattr(item, "fixturenames", ()))
        if folder in SLOW_FOLDERS or fixtures & (SLOW_FIXTURES | SLOW_FIXTURES_IN.get(folder, set())):
            item.add_marker(pytest.mark.slow)
