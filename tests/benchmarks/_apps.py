"""Shared pieces for the benchmarks that start the real app: a pre-filled DIALER_HOME and a bare window.

``filled_home`` builds a data directory with ``contacts`` contacts and ``history`` history rows (the same
deterministic data as the other benchmarks) through the real store, so the app opens a realistic database.
``BARE_WINDOW`` is the baseline program: PySide6 alone, one ``QMainWindow`` of the app's size, shown; with
``--exit-after-paint`` it prints the same ``monotonic=... rss_kb=...`` line as ``DIALER_EXIT_AFTER_PAINT=1``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from tests.benchmarks import _data

BARE_WINDOW = r"""
import os, sys, time
from PySide6 import QtCore, QtWidgets

class Spy(QtCore.QObject):
    painted = False
    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Paint:
            self.painted = True
        return False

def rss_kb():
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

app = QtWidgets.QApplication(sys.argv[:1])
window = QtWidgets.QMainWindow()
window.setWindowTitle("Bare")
window.setCentralWidget(QtWidgets.QLabel("bare PySide6 window"))
window.resize(440, 720)  # the size MainWindow opens at (dialer.ui.main_window)
spy = Spy()
window.installEventFilter(spy)
window.show()
while not spy.painted:
    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
app.processEvents()
if "--exit-after-paint" in sys.argv:
    print(f"first paint monotonic={time.monotonic():.6f} rss_kb={rss_kb()}", flush=True)
    sys.exit(0)
print("SHOWN", flush=True)
sys.exit(app.exec())
"""

PAINT_LINE = re.compile(r"monotonic=(?P<mono>[0-9.]+) rss_kb=(?P<rss>[0-9]+)")


def filled_home(home: Path, contacts: int, history: int) -> float:
    """Fill ``home`` (a DIALER_HOME) with contacts and history; returns the seconds it took."""
    from dialer.store.contacts import ContactStore
    from dialer.store.db import Database
    from dialer.store.history import HistoryStore

    t0 = time.perf_counter()
    db = Database.open(home / "data" / "dialer.sqlite3")
    ContactStore(db).add_many(_data.contacts(contacts))
    HistoryStore(db).add_many(_data.history_rows(history))
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - t0


def app_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6", "DIALER_HOME": str(home)}
    env.pop("DIALER_EXIT_AFTER_PAINT", None)
    # An installed app has its bytecode compiled (pip does it); a developer shell may forbid writing it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def dialer_command(*args: str) -> list[str]:
    """What the ``dialer`` console script runs, with this Python (the installed script's shebang may
    point at another environment)."""
    return [sys.executable, "-c", "import sys; from dialer.cli.main import main; sys.exit(main())", *args]


def bare_command(*args: str) -> list[str]:
    return [sys.executable, "-c", BARE_WINDOW, *args]


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
