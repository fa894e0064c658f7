"""What a ``tel:`` link click costs when dialer is already running, until the running window shows it.

The running instance is the real app (``MainWindow`` and ``AppController`` in demo mode, its single-
instance ``IpcServer``, offscreen Qt) in its own process, against a sandbox in this process. A small hook
in that process prints ``time.monotonic()`` (system-wide on Linux) as soon as the confirmation dialog for
the handed-over number is visible, then closes the dialog (nothing is ever called). Each round, in fresh
processes, alternately:

* ``python -c pass``: the interpreter's own start-up and exit (the baseline);
* the ``dialer`` console script's code (``from dialer.cli.main import main``) with ``tel:+12015550123``,
  timed from just before the spawn until the running window shows the number.

Figures (medians): ``handoff_extra_ms`` = shown - baseline, i.e. what dialer adds on top of starting
Python (target <= 60); ``handoff_shown_ms``; ``handoff_exit_ms`` (until the link process has exited);
``python_pass_ms``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import _apps

URI = "tel:+12015550123"

_RUNNING_APP = """
import asyncio, os, sys, time
from dialer.qt import QtCore
import qasync
from dialer.ui import app as appmod
from dialer.ui.main_window import MainWindow

qapp = appmod.create_app()
window = MainWindow(demo=True)
window.show()
ctl = appmod.AppController(qapp, window, demo=True, uri=None, sandbox_url=os.environ["DIALER_SANDBOX_URL"])

def on_request(_request):
    def check():
        dialog = window.confirm_dialog
        if dialog is not None and dialog.isVisible():
            print(f"SHOWN {time.monotonic():.6f} {dialog.windowTitle()}", flush=True)
            dialog.reject()
        else:
            QtCore.QTimer.singleShot(1, check)
    check()

async def main():
    await ctl.load()
    if ctl.ipc is None:
        print("NO-SERVER", flush=True)
        return
    ctl.ipc.requestReceived.connect(on_request)  # after the controller's own handler
    print("LISTENING", flush=True)
    await asyncio.Event().wait()

qasync.run(main())
"""


def _time_pass(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return (time.perf_counter() - started) * 1000


def _time_handoff(app: subprocess.Popen[str], env: dict[str, str]) -> tuple[float, float]:
    """(ms until the running window shows the number, ms until the link process exited)."""
    assert app.stdout is not None
    started = time.monotonic()
    result = subprocess.run(_apps.dialer_command(URI), env=env, capture_output=True, text=True, check=False)
    exited = time.monotonic()
    if result.returncode != 0:
        raise RuntimeError(f"the hand-off failed ({result.returncode}): {result.stderr[-2000:]}")
    line = app.stdout.readline().split()
    if not line or line[0] != "SHOWN" or "555-0123" not in " ".join(line):
        raise RuntimeError(f"the running app did not show the number: {line}")
    return (float(line[1]) - started) * 1000, (exited - started) * 1000


def run(quick: bool) -> dict[str, float]:
    from dialer.sandbox.server import start_in_thread

    rounds = 5 if quick else 25
    sandbox = start_in_thread()
    app: subprocess.Popen[str] | None = None
    with tempfile.TemporaryDirectory(prefix="dh-handoff-") as tmp:
        env = {**_apps.app_env(Path(tmp)), "DIALER_SANDBOX_URL": str(sandbox.url)}
        try:
            app = subprocess.Popen([sys.executable, "-c", _RUNNING_APP], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   cwd=Path(__file__).resolve().parents[2])
            assert app.stdout is not None
            ready = app.stdout.readline().strip()
            if ready != "LISTENING":
                raise RuntimeError(f"the running app did not start its hand-off server ({ready!r})")
            _time_pass(env), _time_handoff(app, env)  # warm the OS caches once
            passes: list[float] = []
            shown: list[float] = []
            exits: list[float] = []
            for _ in range(rounds):
                passes.append(_time_pass(env))
                show_ms, exit_ms = _time_handoff(app, env)
                shown.append(show_ms)
                exits.append(exit_ms)
        finally:
            if app is not None:
                app.kill()
                app.wait(10)
            sandbox.stop()
    base = statistics.median(passes)
    figures = {
        "handoff_extra_ms": round(statistics.median(shown) - base, 1),
        "handoff_shown_ms": round(statistics.median(shown), 1),
        "handoff_exit_ms": round(statistics.median(exits), 1),
        "handoff_exit_extra_ms": round(statistics.median(exits) - base, 1),
        "python_pass_ms": round(base, 1),
        "rounds": float(rounds),
    }
    print(f"handoff_extra_ms={figures['handoff_extra_ms']} (until the running window shows the number)",
          file=sys.stderr)
    return figures
