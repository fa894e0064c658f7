"""Start-up: process start until the main window is first painted, against a bare PySide6 window.

The app runs as a user starts it (the ``dialer`` console script, else ``python -m dialer``) with
``DIALER_EXIT_AFTER_PAINT=1`` and a DIALER_HOME holding 10,000 contacts and 100,000 history rows
(``--quick``: 1,000 / 5,000). The baseline is a bare PySide6 program that shows one ``QMainWindow``
(:data:`tests.benchmarks._apps.BARE_WINDOW`). Both print ``time.monotonic()`` (system-wide on Linux) at the
first paint; the benchmark subtracts its own timestamp taken just before spawning. The two alternate,
round after round, and the medians are compared:

* ``startup_ratio``: app median / bare median (target <= 1.3)
* ``startup_ms`` / ``bare_window_ms``: the two medians
* ``startup_rss_mb``: the app's resident memory at the first paint (median; target <= 90);
  ``bare_window_rss_mb`` the same for the baseline.

The app paints its window before it opens the database (the service loads after the first paint), so the
data size does not enter the figure by design; the idle benchmark reports the memory once loaded.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import _apps


def _time_to_paint(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(milliseconds from spawn to first paint, RSS MiB at first paint) of one fresh process."""
    started = time.monotonic()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    match = _apps.PAINT_LINE.search(out.stdout)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"{command[0]} did not report a first paint ({out.returncode}):\n"
                           f"{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
    return (float(match["mono"]) - started) * 1000, int(match["rss"]) / 1024


def run(quick: bool) -> dict[str, float]:
    contacts, history = (1_000, 5_000) if quick else (10_000, 100_000)
    rounds = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="dh-startup-") as tmp:
        home = Path(tmp)
        build_s = _apps.filled_home(home, contacts, history)
        env = _apps.app_env(home)
        app_env = {**env, "DIALER_EXIT_AFTER_PAINT": "1"}
        commands = {"app": (_apps.dialer_command(), app_env),
                    "bare": (_apps.bare_command("--exit-after-paint"), env)}
        for command, cmd_env in commands.values():  # warm the OS file cache once each
            _time_to_paint(command, cmd_env)
        ms: dict[str, list[float]] = {name: [] for name in commands}
        rss: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, (command, cmd_env) in commands.items():
                elapsed, mem = _time_to_paint(command, cmd_env)
                ms[name].append(elapsed)
                rss[name].append(mem)
    app_ms, bare_ms = statistics.median(ms["app"]), statistics.median(ms["bare"])
    figures = {
        "startup_ratio": round(app_ms / bare_ms, 2),
        "startup_ms": round(app_ms, 1),
        "bare_window_ms": round(bare_ms, 1),
        "startup_rss_mb": round(statistics.median(rss["app"]), 1),
        "bare_window_rss_mb": round(statistics.median(rss["bare"]), 1),
        "contacts": float(contacts),
        "history_rows": float(history),
        "rounds": float(rounds),
        "build_s": round(build_s, 2),
    }
    print(f"startup_ratio={figures['startup_ratio']} ({app_ms:.0f} ms vs {bare_ms:.0f} ms)", file=sys.stderr)
    return figures
