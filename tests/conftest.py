"""Test-wide setup. Qt runs offscreen and loads after this file sets the platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may touch the developer's real keyring or profile folders.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

# env / server / proxy fixtures of the client-against-real-server tests.
pytest_plugins = ["tests.faults.fixtures"]
