"""``xdg-open tel:...`` reaches the running app, for real: `dialer register-handler` in an isolated XDG home,
the real app running (``python -m dialer --demo``, offscreen, ``DIALER_TEST_HOOKS=1`` so it prints
``CONFIRM-SHOWN <e164>``), then the desktop's own opener launches the registered ``Exec`` line.

Two openers, the two paths xdg-utils takes:

* no ``XDG_CURRENT_DESKTOP`` -> ``open_generic``: ``xdg-mime query default x-scheme-handler/tel``, then
  xdg-open finds ``dialer.desktop`` under ``$XDG_DATA_HOME/applications``, splits its ``Exec`` line itself
  and runs it with ``%u`` replaced by the link;
* ``XDG_CURRENT_DESKTOP=GNOME`` -> ``open_gnome3``: ``gio open``, GLib's spec-conforming ``Exec`` parser.

xdg-open only looks up scheme handlers when a graphical session exists (``$DISPLAY`` or ``$WAYLAND_DISPLAY``;
on a headless machine it falls back to text-mode browsers). Every desktop session sets one, so the test sets
``WAYLAND_DISPLAY``; the app ignores it (``QT_QPA_PLATFORM=offscreen``). ``BROWSER=false`` means a link that
finds no handler fails instead of reaching some browser on the test machine.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialer.sandbox import SandboxServer, start_in_thread
from tests.e2e._output import OutputLines

pytestmark = [
    pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only (Linux/BSD desktops)"),
    pytest.mark.skipif(shutil.which("xdg-open") is None or shutil.which("xdg-mime") is None,
                       reason="xdg-utils is not installed (apt-get install xdg-utils)"),
    pytest.mark.timeout(120),
]

START_TIMEOUT_S = 40.0
WAIT_S = 20.0
ROOT = Path(__file__).resolve().parents[2]
SCHEMES = ("tel", "callto")
# Variables through which a desktop session, or the machine running the tests, could steer xdg-open.
_SESSION_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "DESKTOP_SESSION", "KDE_FULL_SESSION", "KDE_SESSION_VERSION",
                 "GNOME_DESKTOP_SESSION_ID", "MATE_DESKTOP_SESSION_ID", "LXQT_SESSION_CONFIG", "DESKTOP",
                 "BROWSER", "DBUS_SESSION_BUS_ADDRESS")


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT_S, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (generous for loaded CI machines)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


class IsolatedDesktop:
    """A user's desktop in a temporary folder: home, XDG data/config/runtime dirs and the dialer's data.

    ``/tmp`` and a short name: the hand-off socket path must fit AF_UNIX's ~100 bytes.
    """

    def __init__(self, sandbox_url: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="xo-"))
        self.data = self.root / "data"
        self.config = self.root / "config"
        self.dialer_home = self.root / "dh"
        runtime = self.root / "run"
        for path in (self.root / "home", self.data, self.config, self.root / "sysdata", self.root / "sysconf",
                     self.dialer_home):
            path.mkdir()
        runtime.mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DIALER_", "XDG_")) and k not in _SESSION_VARS}
        env.update({
            "HOME": str(self.root / "home"),
            "XDG_DATA_HOME": str(self.data),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_RUNTIME_DIR": str(runtime),
            # No system-wide defaults either: only what register-handler wrote decides.
            "XDG_DATA_DIRS": str(self.root / "sysdata"),
            "XDG_CONFIG_DIRS": str(self.root / "sysconf"),
            "WAYLAND_DISPLAY": "wayland-test",  # a graphical session (see the module docstring)
            "BROWSER": "false",
            "DIALER_HOME": str(self.dialer_home),
            "DIALER_SANDBOX_URL": sandbox_url,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONUNBUFFERED": "1",
        })
        self.env = env

    def run(self, *argv: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(argv), env={**self.env, **(extra_env or {})}, cwd=self.root / "home",
                              capture_output=True, text=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL)

    def dialer(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "dialer", *argv)

    def default_handler(self, scheme: str) -> str:
        result = self.run("xdg-mime", "query", "default", f"x-scheme-handler/{scheme}")
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class RunningApp:
    """The real app in the isolated desktop; its output lines are read on a thread."""

    def __init__(self, desktop: IsolatedDesktop) -> None:
        self.desktop = desktop
        self.proc = subprocess.Popen([sys.executable, "-m", "dialer", "--demo"],
                                     env={**desktop.env, "DIALER_TEST_HOOKS": "1"}, cwd=ROOT,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self._out = OutputLines(self.proc)

    def output(self) -> list[str]:
        return self._out.output()

    def wait_listening(self) -> None:
        """Until the hand-off socket answers (``dialer show`` hands over to this app and exits 0)."""
        sock = self.desktop.dialer_home / "run" / "dialer.sock"

        def up() -> bool:
            assert self.proc.poll() is None, "the app exited:\n" + "\n".join(self.output())
            if not sock.exists():
                return False
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                try:
                    client.connect(str(sock))
                except OSError:
                    return False
            return True

        wait_for(up, START_TIMEOUT_S, "the app to listen for hand-offs")

    def confirmations(self) -> list[str]:
        return [line.removeprefix("CONFIRM-SHOWN ") for line in self.output() if line.startswith("CONFIRM-SHOWN ")]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return int(self.proc.returncode)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = start_in_thread(speed=100.0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desktop(sandbox: SandboxServer) -> Iterator[IsolatedDesktop]:
    """An isolated desktop where `dialer register-handler` ran."""
    isolated = IsolatedDesktop(sandbox.url)
    try:
        result = isolated.dialer("register-handler")
        assert result.returncode == 0, result.stdout + result.stderr
        yield isolated
    finally:
        isolated.remove()


@pytest.fixture
def app(desktop: IsolatedDesktop) -> Iterator[RunningApp]:
    running = RunningApp(desktop)
    try:
        running.wait_listening()
        yield running
    finally:
        code = running.stop()
        assert code == 0, "\n".join(running.output())


def placed_calls(sandbox: SandboxServer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = httpx.get(f"{sandbox.url}/_sandbox/calls", timeout=10).json()["calls"]
    return result


def exec_line(desktop: IsolatedDesktop) -> list[str]:
    text = (desktop.data / "applications" / "io.github.dialer.Dialer.desktop").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("Exec=")]
    return shlex.split(line.removeprefix("Exec="))


def test_register_handler_names_dialer_for_both_schemes_with_a_command_that_runs(desktop: IsolatedDesktop) -> None:
    for scheme in SCHEMES:
        assert desktop.default_handler(scheme) == "io.github.dialer.Dialer.desktop"
    command = exec_line(desktop)
    assert command[-2:] == ["--untrusted-args", "%u"]
    program = Path(command[0])
    assert program.is_absolute() and os.access(program, os.X_OK), command
    # The command as written starts this dialer (no PATH lookup, no working-directory assumption).
    result = desktop.run(*command[:-2], "--help")
    assert result.returncode == 0 and "register-handler" in result.stdout, result.stdout + result.stderr


OPENERS = [
    pytest.param({}, "generic", "tel:+1-201-555-0123", "+12015550123", id="generic-xdg-open-tel"),
    pytest.param({"XDG_CURRENT_DESKTOP": "GNOME"}, "gnome3", "callto:+1 202 555 0001", "+12025550001",
                 id="gnome-gio-open-callto",
                 marks=pytest.mark.skipif(shutil.which("gio") is None,
                                          reason="gio is not installed (package libglib2.0-bin)")),
]


@pytest.mark.parametrize(("session", "path", "link", "e164"), OPENERS)
def test_xdg_open_hands_the_link_to_the_running_app_which_asks_before_calling(
        desktop: IsolatedDesktop, app: RunningApp, sandbox: SandboxServer,
        session: dict[str, str], path: str, link: str, e164: str) -> None:
    before = len(placed_calls(sandbox))
    # Debug level 2: xdg-open says which desktop path it took ("Selected DE generic").
    result = desktop.run("xdg-open", link, extra_env={**session, "XDG_UTILS_DEBUG_LEVEL": "2"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Selected DE {path}" in result.stderr.splitlines()
    wait_for(lambda: e164 in app.confirmations(), WAIT_S, f"the confirmation for {e164}")
    assert app.confirmations() == [e164]
    time.sleep(0.3)  # a call placed by mistake would reach the sandbox within this margin
    assert placed_calls(sandbox)[before:] == [], "nothing is placed before the user presses Call"
    assert app.proc.poll() is None, "the running app took the link (no second window stayed behind)"


def test_after_unregister_handler_xdg_open_no_longer_reaches_the_app(
        desktop: IsolatedDesktop, app: RunningApp) -> None:
    result = desktop.dialer("unregister-handler")
    assert result.returncode == 0, result.stdout + result.stderr
    for scheme in SCHEMES:
        assert desktop.default_handler(scheme) == ""
    assert not (desktop.data / "applications" / "io.github.dialer.Dialer.desktop").exists()
    opened = desktop.run("xdg-open", "tel:+1-201-555-0123")
    assert opened.returncode != 0, "no handler is left for tel: links"
    time.sleep(0.5)  # a hand-off by mistake would arrive within this margin
    assert app.confirmations() == []


@pytest.mark.skipif(shutil.which("gio") is None, reason="gio is not installed (package libglib2.0-bin)")
def test_a_dialer_installed_under_a_path_with_spaces_is_still_launched_by_the_desktop(
        sandbox: SandboxServer) -> None:
    # The venv's console script, reached through a folder whose name has a space (as in "~/My Apps").
    # Desktops launch through GLib (gio) or KDE, which read the quoted Exec line per the specification;
    # xdg-utils' own generic launcher splits at spaces, so register-handler warns about that case.
    desktop = IsolatedDesktop(sandbox.url)
    running: RunningApp | None = None
    try:
        script = Path(sys.executable).parent / "dialer"
        if not script.exists():
            pytest.skip("no `dialer` console script beside this Python (the project is not pip-installed)")
        spaced = desktop.root / "My Apps" / "dialer"
        spaced.parent.mkdir()
        spaced.symlink_to(script)
        registered = desktop.run(sys.executable, "-c",
                                 "import sys; from dialer.desktop.registration import register_linux; "
                                 "print(register_linux(sys.argv[1:]))", str(spaced))
        assert registered.returncode == 0, registered.stderr
        assert "contains spaces" in registered.stdout and "pipx" in registered.stdout
        assert exec_line(desktop)[0] == str(spaced)
        running = RunningApp(desktop)
        running.wait_listening()
        opened = desktop.run("xdg-open", "tel:+1-201-555-0123", extra_env={"XDG_CURRENT_DESKTOP": "GNOME"})
        assert opened.returncode == 0, opened.stdout + opened.stderr
        wait_for(lambda: running is not None and "+12015550123" in running.confirmations(), WAIT_S,
                 "the confirmation for +12015550123")
    finally:
        if running is not None:
            assert running.stop() == 0, "\n".join(running.output())
        desktop.remove()
