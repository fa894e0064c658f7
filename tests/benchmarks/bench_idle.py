"""CPU used while idle: the real app with its window open and no call, against a bare PySide6 window.

Three processes run side by side for the same time (60 s; ``--quick``: 5 s, figures scaled to 60 s), all
with offscreen Qt and a DIALER_HOME holding 10,000 contacts and 100,000 history rows (``--quick``: 1,000 /
5,000):

* ``idle_cpu_s``: ``dialer --demo`` with its demo account signed in, against a sandbox running in this
  benchmark's process (``DIALER_SANDBOX_URL``), so the sandbox's own CPU is not counted (target <= 0.05 s
  per 60 s);
* ``idle_cpu_plain_s``: ``dialer`` with no account (the first-run window);
* ``bare_window_idle_cpu_s``: the bare PySide6 window (:data:`tests.benchmarks._apps.BARE_WINDOW`).

CPU is user + system time from ``/proc/PID/stat``, counted from the moment start-up has settled (no CPU
tick for a full second, after at least 3 s) to the end of the window. ``idle_rss_mb`` is the app's memory
then, with its database open and the window loaded.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import _apps

FULL_S = 60.0


def _settle(pids: list[int], limit_s: float = 30.0) -> None:
    """Wait until no process has used CPU for a whole second (start-up done), at least 3 s."""
    start = time.monotonic()
    last = [_apps.proc_cpu_s(pid) for pid in pids]
    quiet_since = time.monotonic()
    while time.monotonic() - start < limit_s:
        time.sleep(0.25)
        now = [_apps.proc_cpu_s(pid) for pid in pids]
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= 1.0 and time.monotonic() - start >= 3.0:
            return


def run(quick: bool) -> dict[str, float]:
    contacts, history = (1_000, 5_000) if quick else (10_000, 100_000)
    window_s = 5.0 if quick else FULL_S
    from dialer.sandbox.server import start_in_thread

    procs: dict[str, subprocess.Popen[bytes]] = {}
    sandbox = start_in_thread()
    with tempfile.TemporaryDirectory(prefix="dh-idle-") as tmp:
        homes = {name: Path(tmp) / name for name in ("demo", "plain", "bare")}
        _apps.filled_home(homes["plain"], contacts, history)
        _apps.filled_home(homes["demo"] / "demo", contacts, history)  # --demo keeps its data in home/demo
        try:
            commands = {
                "demo": (_apps.dialer_command("--demo"),
                         {**_apps.app_env(homes["demo"]), "DIALER_SANDBOX_URL": str(sandbox.url)}),
                "plain": (_apps.dialer_command(), _apps.app_env(homes["plain"])),
                "bare": (_apps.bare_command(), _apps.app_env(homes["bare"])),
            }
            for name, (command, env) in commands.items():
                procs[name] = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
            pids = {name: proc.pid for name, proc in procs.items()}
            _settle(list(pids.values()))
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"the {name} process ended during start-up ({proc.returncode})")
            before = {name: _apps.proc_cpu_s(pid) for name, pid in pids.items()}
            rss = _apps.proc_rss_mb(pids["demo"])
            time.sleep(window_s)
            after = {name: _apps.proc_cpu_s(pid) for name, pid in pids.items()}
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            sandbox.stop()
    scale = FULL_S / window_s
    used = {name: (after[name] - before[name]) * scale for name in after}
    figures = {
        "idle_cpu_s": round(used["demo"], 3),
        "idle_cpu_plain_s": round(used["plain"], 3),
        "bare_window_idle_cpu_s": round(used["bare"], 3),
        "idle_rss_mb": round(rss, 1),
        "measured_s": window_s,
    }
    print(f"idle_cpu_s={figures['idle_cpu_s']} per 60 s (bare window {figures['bare_window_idle_cpu_s']})",
          file=sys.stderr)
    return figures
