"""What a ``tel:`` link click costs when dialer is already running.

Each round times, in fresh processes, ``python -c pass`` (the interpreter's own start-up, the baseline)
and ``python -m dialer tel:+12015550123`` (plus the ``dialer`` console script when installed) handing the
link to a running listener; ``handoff_extra_ms`` is the median difference, i.e. what dialer adds on top
of starting Python. The listener is the real hand-off server (``IpcServer`` on a QCoreApplication, in its
own process) when PySide6 is importable, else a minimal standard-library socket listener that answers
``{"ok": true}`` (``listener_is_qt_server`` says which). Target: well under 60 ms extra.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

URI = "tel:+12015550123"

_QT_LISTENER = """
import sys
from dialer.qt import QtCore
from dialer.desktop import ipc_server
app = QtCore.QCoreApplication([])
server = ipc_server.IpcServer()
server.listen()
print("LISTENING", flush=True)
sys.exit(app.exec())
"""


def _stdlib_listener(path: str, stop: threading.Event) -> threading.Thread:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(8)
    sock.settimeout(0.1)

    def serve() -> None:
        with sock:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except TimeoutError:
                    continue
                with conn:
                    data = b""
                    while not data.endswith(b"\n"):
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    conn.sendall(b'{"ok": true}\n')

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def _time_process(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"{args} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return elapsed


def run(quick: bool) -> dict[str, float]:
    rounds = 5 if quick else 25
    home = tempfile.mkdtemp(prefix="dh-bench-")
    env = dict(os.environ, DIALER_HOME=home, QT_QPA_PLATFORM="offscreen")
    stop = threading.Event()
    listener: subprocess.Popen[str] | None = None
    qt = 0.0
    try:
        try:
            listener = subprocess.Popen([sys.executable, "-c", _QT_LISTENER], env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert listener.stdout is not None
            if listener.stdout.readline().strip() == "LISTENING":
                qt = 1.0
        except OSError:
            pass
        if not qt:
            if listener is not None:
                listener.kill()
                listener.wait(10)
                listener = None
            socket_path = Path(home) / "run" / "dialer.sock"
            socket_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _stdlib_listener(str(socket_path), stop)

        commands: dict[str, list[str]] = {
            "python_pass": [sys.executable, "-c", "pass"],
            "handoff": [sys.executable, "-m", "dialer", URI],
        }
        script = Path(sys.executable).parent / "dialer"
        if script.exists() or shutil.which("dialer"):
            commands["console_script"] = [str(script if script.exists() else shutil.which("dialer")), URI]
        samples: dict[str, list[float]] = {name: [] for name in commands}
        timers: dict[str, Callable[[], float]] = {
            name: (lambda cmd=cmd: _time_process(cmd, env)) for name, cmd in commands.items()
        }
        for timer in timers.values():  # warm the OS caches once
            timer()
        for _ in range(rounds):
            for name, timer in timers.items():
                samples[name].append(timer())
    finally:
        stop.set()
        if listener is not None:
            listener.kill()
            listener.wait(10)
        shutil.rmtree(home, ignore_errors=True)

    medians = {name: statistics.median(values) for name, values in samples.items()}
    figures = {f"{name}_median_ms": round(value, 1) for name, value in medians.items()}
    figures["handoff_extra_ms"] = round(medians["handoff"] - medians["python_pass"], 1)
    if "console_script" in medians:
        figures["console_script_extra_ms"] = round(medians["console_script"] - medians["python_pass"], 1)
    figures["listener_is_qt_server"] = qt
    figures["rounds"] = float(rounds)
    print(f"handoff_extra_ms={figures['handoff_extra_ms']} (listener: "
          f"{'real IpcServer' if qt else 'stdlib stand-in'})", file=sys.stderr)
    return figures
