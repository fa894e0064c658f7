"""Hand-off between real processes: `dialer tel:...` processes talking to a real hand-off server process.

The "instance" here is a small script running the real :class:`~dialer.desktop.ipc_server.IpcServer`
(claim_or_connect included) on a QCoreApplication, printing each request it receives as a JSON line; it
stands in for the app's window, which acts on the same signal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only")

INSTANCE = textwrap.dedent(
    """
    import json, sys
    from dialer.qt import QtCore
    from dialer.desktop import ipc_server

    app = QtCore.QCoreApplication([])
    server = ipc_server.IpcServer()

    def show(request):
        print(json.dumps({"action": request.action, "number": request.number_text, "origin": request.origin}),
              flush=True)

    server.requestReceived.connect(show)
    code = ipc_server.claim_or_connect(server, "show")
    if code is not None:
        print("FORWARDED", code, flush=True)
        sys.exit(code)
    print("LISTENING", flush=True)
    sys.exit(app.exec())
    """
)


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    home = tempfile.mkdtemp(prefix="dh-")  # short: AF_UNIX paths are limited to ~100 bytes
    environment = dict(os.environ, DIALER_HOME=home, QT_QPA_PLATFORM="offscreen")
    yield environment
    shutil.rmtree(home, ignore_errors=True)


def start_instance(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", INSTANCE], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def dialer(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dialer", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture
def instance(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = start_instance(env)
    assert first_line(proc) == "LISTENING"
    yield proc
    proc.kill()
    proc.wait(10)


def test_link_click_is_handed_to_the_running_instance(env: dict[str, str], instance: subprocess.Popen[str]) -> None:
    result = dialer(env, "tel:+1-201-555-0123")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(first_line(instance)) == {"action": "open-uri", "number": "+12015550123", "origin": "tel-link"}

    result = dialer(env, "--untrusted-args", "callto:+442079460000")
    assert result.returncode == 0
    assert json.loads(first_line(instance))["number"] == "+442079460000"


def test_hostile_link_is_refused_and_the_instance_keeps_running(env: dict[str, str],
                                                                instance: subprocess.Popen[str]) -> None:
    result = dialer(env, "--untrusted-args", "tel:+1;$(touch /tmp/pwned)")
    assert result.returncode == 1
    assert "refused the request: not a valid phone link" in result.stderr
    raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw.connect(str(Path(env["DIALER_HOME"]) / "run" / "dialer.sock"))
    raw.sendall(b"A" * 20_000)
    assert b"longer than 16384 bytes" in raw.recv(4096)
    raw.close()
    # Still alive, and the next request is the only one it acted on.
    assert dialer(env, "quick-call").returncode == 0
    assert json.loads(first_line(instance))["action"] == "quick-call"


def test_second_instance_hands_over_and_exits(env: dict[str, str], instance: subprocess.Popen[str]) -> None:
    second = start_instance(env)
    assert first_line(second) == "FORWARDED 0"
    assert second.wait(30) == 0
    assert json.loads(first_line(instance))["action"] == "show"


def test_simultaneous_start_yields_one_instance(env: dict[str, str]) -> None:
    procs = [start_instance(env) for _ in range(3)]
    try:
        lines = sorted(first_line(p) for p in procs)
        assert lines == ["FORWARDED 0", "FORWARDED 0", "LISTENING"]
    finally:
        for p in procs:
            p.kill()
            p.wait(10)


def test_instance_after_a_crash_reclaims_the_stale_socket(env: dict[str, str]) -> None:
    crashed = start_instance(env)
    assert first_line(crashed) == "LISTENING"
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(10)
    sock_path = Path(env["DIALER_HOME"]) / "run" / "dialer.sock"
    assert sock_path.exists()  # left behind by the crash
    fresh = start_instance(env)
    try:
        assert first_line(fresh) == "LISTENING"
        assert dialer(env, "tel:+12015550123").returncode == 0
        assert json.loads(first_line(fresh))["number"] == "+12015550123"
    finally:
        fresh.kill()
        fresh.wait(10)
