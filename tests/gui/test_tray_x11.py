"""The tray for real: Xvfb + Debian's ``trayer`` (an XEmbed tray), the real app started ``--minimized``.

Skipped unless ``Xvfb``, ``trayer``, ``xwininfo`` and ``xdotool`` are installed (``apt-get install xvfb
trayer x11-utils xdotool`` plus Qt's xcb libraries). Checks what a user sees: the icon sits in the tray,
the window stays hidden, and ``dialer quick-call`` from a second process opens the popup.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TOOLS = ("Xvfb", "trayer", "xwininfo", "xdotool")
pytestmark = [pytest.mark.skipif(sys.platform != "linux" or not all(shutil.which(t) for t in TOOLS),
                                 reason="needs Xvfb, trayer, xwininfo and xdotool"),
              pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def x_tree(display: str) -> str:
    result = subprocess.run(["xwininfo", "-root", "-tree"], env={**os.environ, "DISPLAY": display},
                            capture_output=True, text=True, timeout=10)
    return result.stdout


def visible_windows(display: str, name: str) -> list[str]:
    result = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name],
                            env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=10)
    return result.stdout.split()


@pytest.fixture
def x_display() -> Iterator[str]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x600x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        display = f":{number}"
        trayer = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
                                   "--width", "120", "--height", "32"], env={**os.environ, "DISPLAY": display},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: '"panel"' in x_tree(display), "trayer's panel")
            yield display
        finally:
            trayer.terminate()
            trayer.wait(timeout=10)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_minimized_start_shows_only_the_tray_icon_and_quick_call_opens_the_popup(
        x_display: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "QT_QPA"))}
    env.update({"DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb", "DIALER_HOME": str(tmp_path / "home")})
    app = subprocess.Popen([sys.executable, "-m", "dialer", "--demo", "--minimized"], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        socket_path = tmp_path / "home" / "run" / "dialer.sock"
        wait_for(lambda: app.poll() is not None or socket_path.exists(), "the app to start")
        if app.poll() is not None:
            output = app.stdout.read() if app.stdout else ""
            if "xcb" in output and "could not" in output.lower():
                pytest.skip("Qt's xcb platform plugin cannot load here (missing xcb libraries)")
            raise AssertionError(output)

        def icon_in_tray() -> bool:
            tree = x_tree(x_display)
            panel = tree.split('"panel"', 1)[1] if '"panel"' in tree else ""
            return '"Dialer"' in panel

        wait_for(icon_in_tray, "the Dialer icon inside trayer's panel")
        assert visible_windows(x_display, "Dialer — Demo") == []  # the window starts hidden
        quick = subprocess.run([sys.executable, "-m", "dialer", "quick-call"], env=env, cwd=ROOT,
                               capture_output=True, text=True, timeout=WAIT_S)
        assert quick.returncode == 0, quick.stderr
        wait_for(lambda: visible_windows(x_display, "Quick call"), "the quick-call popup")
        assert visible_windows(x_display, "Dialer — Demo") == []  # the popup alone, not the window
    finally:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=20)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(timeout=10)
    assert app.returncode == 0
