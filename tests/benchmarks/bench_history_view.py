"""The history tab at 1,000,000 calls (``--quick``: 10,000): time to first paint and memory while scrolling.

The parent process builds the database; a fresh child process (offscreen Qt) then measures, so the memory
figures are not blurred by the build:

* ``history_open_ms``: from creating ``HistoryView`` (and its model) to the first paint of the table with
  rows in it.
* ``history_rss_delta_mb``: resident memory growth from just before opening the history to after scrolling
  to the very end (the view's own fetch-more as the scroll bar hits the bottom, page after page, until
  the model has no more). The model keeps only a window of pages, so this should stay flat in size.
* ``history_scroll_end_s``, ``history_rows_fetched``, ``history_cached_rows``, ``history_rss_open_mb``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import _data


def _build(home: Path, size: int) -> float:
    from dialer.store.db import Database
    from dialer.store.history import HistoryStore

    t0 = time.perf_counter()
    db = Database.open(home / "data" / "dialer.sqlite3")
    HistoryStore(db).add_many(_data.history_rows(size))
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - t0


def run(quick: bool) -> dict[str, float]:
    size = 10_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build_s = _build(home, size)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6", "DIALER_HOME": str(home)}
        out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_history_view", "--measure", str(home)],
                             env=env, capture_output=True, text=True, timeout=3600, check=False,
                             cwd=Path(__file__).resolve().parents[2])
        if out.returncode != 0:
            raise RuntimeError(f"history view measurement failed:\n{out.stderr[-3000:]}")
        figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["rows"] = float(size)
    figures["build_s"] = round(build_s, 2)
    return figures


# ----------------------------------------------------------------------------------------- child side


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure(home: Path) -> dict[str, float]:
    import asyncio
    import gc

    from dialer.providers.secretstore import MemorySecretStore
    from dialer.qt import QtCore, QtWidgets
    from dialer.service.app import DialerService
    from dialer.ui.history_view import HistoryView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    loop = asyncio.new_event_loop()
    # The history needs no secrets: keep the OS keyring out of the measurement.
    service = loop.run_until_complete(DialerService.open(home=home, secrets=MemorySecretStore()))

    class PaintSpy(QtCore.QObject):
        painted = False

        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() == QtCore.QEvent.Type.Paint:
                self.painted = True
            return False

    # Warm Qt's style and fonts with an unrelated table so the figure is the history's own cost.
    warm = QtWidgets.QTableView()
    warm.show()
    app.processEvents()
    warm.close()
    gc.collect()
    rss0 = _rss_mb()

    t0 = time.perf_counter()
    view = HistoryView(service)
    spy = PaintSpy()
    view.table.viewport().installEventFilter(spy)
    view.resize(1000, 700)
    view.show()
    while not (spy.painted and view.model.rowCount()):
        app.processEvents()
    open_ms = (time.perf_counter() - t0) * 1000
    rss_open = _rss_mb()

    t1 = time.perf_counter()
    bar = view.table.verticalScrollBar()
    steps = 0
    while view.model.canFetchMore() and steps < 1_000_000:
        bar.setValue(bar.maximum())  # the view fetches more when the bar reaches the bottom
        app.processEvents()
        steps += 1
    bar.setValue(bar.maximum())
    app.processEvents()
    scroll_s = time.perf_counter() - t1
    gc.collect()
    rss_end = _rss_mb()
    figures = {
        "history_open_ms": round(open_ms, 2),
        "history_rss_delta_mb": round(rss_end - rss0, 2),
        "history_rss_open_mb": round(rss_open - rss0, 2),
        "history_scroll_end_s": round(scroll_s, 2),
        "history_rows_fetched": float(view.model.rowCount()),
        "history_cached_rows": float(view.model.cached_rows),
    }
    view.close()
    loop.run_until_complete(service.aclose())
    loop.close()
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(Path(sys.argv[2]))))
    else:
        print(json.dumps(run("--quick" in sys.argv)))
