"""What a `desk` command pays before it does anything: the modules `desk sync` needs,
and none of the server's, the app's or the tools' (each is a share of every command's
start, which is part of what an officer waits for)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOT_FOR_A_COMMAND = {"sqlite_utils", "fastapi", "starlette", "uvicorn", "central", "PySide6", "ui",
                     "click", "dateutil"}


def test_the_sync_command_imports_nothing_it_does_not_use():
    code = ("import json, sys\n"
            "import launch.cli, desk.session, desk.sync, desk.store, desk.queues, desk.actions\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & NOT_FOR_A_COMMAND, sorted(loaded & NOT_FOR_A_COMMAND)


def test_store_still_offers_sqlite_utils_to_tools(tmp_path):
    import os

    from desk.store import Store

    store = Store.open(tmp_path / "c.db", os.urandom(32))
    try:
        assert "local_cases" in store.db.table_names()
    finally:
        store.close()
