"""The Qt binding must survive a working day: thousands of signals and event-loop turns.

PySide6 6.12.0 lost a reference to True or None with every emit and processEvents(), so
a window that had run a few hundred background jobs aborted ("bool_dealloc"). Run in a
fresh interpreter, because the failure is an abort of the whole process."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

app = QCoreApplication([])


class Emitter(QObject):
    sig_value = Signal(object)


emitter = Emitter()
got = [0]


def count(_value):
    got[0] += 1


emitter.sig_value.connect(count)
before = sys.getrefcount(True), sys.getrefcount(None)
for i in range(20000):
    emitter.sig_value.emit(i % 2 == 0)
    app.processEvents()
after = sys.getrefcount(True), sys.getrefcount(None)
assert got[0] == 20000
# A few references come and go with the interpreter's own work; thousands lost is the bug.
assert abs(after[0] - before[0]) < 100 and abs(after[1] - before[1]) < 100, (before, after)
print("ok")
"""


def test_signals_and_event_loop_turns_keep_reference_counts():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
