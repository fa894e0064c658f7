"""The real app as a subprocess (``python -m dialer --demo``, offscreen) and second `dialer` processes
handing it links, quick-call and `dialer call NUMBER`.

The app runs with ``DIALER_TEST_HOOKS=1``: it prints ``CONFIRM-SHOWN <e164>`` when a confirmation opens, and
accepts the ``test-accept`` hand-off (press Call). The sandbox runs in this test process, so the test reads
``/_sandbox/calls``: nothing reaches the provider before Call, exactly one call after.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialer.sandbox import SandboxServer, start_in_thread
from tests.e2e._output import OutputLines

pytestmark = [pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only"),
              pytest.mark.timeout(120)]

START_TIMEOUT_S = 40.0
WAIT_S = 20.0
ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT_S, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (loaded CI machines: generous, no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


class RunningApp:
    """The app subprocess, its output lines (read on a thread) and its environment."""

    def __init__(self, home: Path, sandbox_url: str, *, test_hooks: bool = True) -> None:
        self.home = home
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "XDG_RUNTIME"))}
        env.update({"DIALER_HOME": str(home), "DIALER_SANDBOX_URL": sandbox_url, "QT_QPA_PLATFORM": "offscreen",
                    "PYTHONUNBUFFERED": "1", "DIALER_LOG_LEVEL": "INFO"})
        if test_hooks:
            env["DIALER_TEST_HOOKS"] = "1"
        self.env = env
        self._confirms_seen = 0  # output lines already matched by confirm_shown
        self.proc = subprocess.Popen([sys.executable, "-m", "dialer", "--demo"], env=env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._out = OutputLines(self.proc)

    def output(self) -> list[str]:
        return self._out.output()

    def socket_path(self) -> str:
        return str(self.home / "run" / "dialer.sock")

    def send_raw(self, data: bytes) -> bytes:
        """One raw exchange on the hand-off socket (what any local process could write)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(WAIT_S)
            sock.connect(self.socket_path())
            sock.sendall(data)
            with_reply = b""
            while b"\n" not in with_reply:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                with_reply += chunk
            return with_reply

    def request(self, action: str, args: dict[str, str] | None = None) -> dict[str, Any]:
        line = json.dumps({"v": 1, "action": action, "args": args or {}}).encode() + b"\n"
        reply: dict[str, Any] = json.loads(self.send_raw(line))
        return reply

    def dialer(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """A second `dialer` process with the same user data (so it finds the running one)."""
        env = dict(self.env)
        env.pop("DIALER_TEST_HOOKS", None)
        return subprocess.run([sys.executable, "-m", "dialer", *argv], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL)

    def wait_listening(self) -> None:
        def up() -> bool:
            assert self.proc.poll() is None, "the app exited:\n" + "\n".join(self.output())
            if not os.path.exists(self.socket_path()):
                return False
            try:
                return bool(self.request("show")["ok"])
            except OSError:
                return False

        wait_for(up, START_TIMEOUT_S, "the app to listen for hand-offs")

    def confirm_shown(self, e164: str) -> None:
        """Wait for a confirmation of ``e164`` shown since the last one this test saw."""
        def shown() -> bool:
            lines = self.output()
            for index in range(self._confirms_seen, len(lines)):
                if lines[index] == f"CONFIRM-SHOWN {e164}":
                    self._confirms_seen = index + 1
                    return True
            return False

        wait_for(shown, WAIT_S, f"the confirmation for {e164}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # quits in order: service first, then the window
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


@pytest.fixture(scope="module")
def app(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    home = tmp_path_factory.mktemp("app-home")
    running = RunningApp(home, sandbox.url)
    try:
        running.wait_listening()
        yield running
    finally:
        code = running.stop()
        log = home / "logs" / "dialer.log"
        if log.exists():
            lines = log.read_text(encoding="utf-8").splitlines()
            assert lines, "the app logs"
            assert not [a for a, b in itertools.pairwise(lines) if a == b], "each line written once"
        assert code == 0, "\n".join(running.output())


def all_calls(sandbox: SandboxServer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = httpx.get(f"{sandbox.url}/_sandbox/calls", timeout=10).json()["calls"]
    return result


_seen_before: dict[str, int] = {}


def calls(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """Calls the sandbox received during this test (a reset would also sign the running app out)."""
    return all_calls(sandbox)[_seen_before.get(sandbox.url, 0):]


def accept_and_expect_one_call(app: RunningApp, sandbox: SandboxServer, e164: str, *, ends: bool = True) -> None:
    time.sleep(0.3)  # a call placed by mistake would reach the sandbox within this margin
    assert calls(sandbox) == [], "nothing is placed while the confirmation waits"
    assert app.request("test-accept") == {"ok": True}
    wait_for(lambda: len(calls(sandbox)) == 1, WAIT_S, "the call to reach the provider")
    time.sleep(0.3)
    placed = calls(sandbox)
    assert len(placed) == 1 and placed[0]["to"] == e164
    if ends:  # the window takes the next call only once this one is over
        wait_for(lambda: calls(sandbox)[0].get("ended"), WAIT_S, "the call to end")
        wait_for(lambda: app_is_idle(app), WAIT_S, "the window to finish the call")


def app_is_idle(app: RunningApp) -> bool:
    """The app itself has closed every call (its history rows), not only the sandbox: a link handed over
    before the window learns that the last call ended would meet "a call is already in progress"."""
    import sqlite3

    database = app.home / "demo" / "data" / "dialer.sqlite3"
    if not database.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=5)) as conn:
        unfinished = conn.execute("SELECT count(*) FROM history WHERE finished = 0").fetchone()[0]
    time.sleep(0.2)  # the window hears of the end in the same event-loop turn as the row; a margin for it
    return bool(unfinished == 0)


@pytest.fixture
def clean(sandbox: SandboxServer, app: RunningApp) -> Iterator[None]:
    _seen_before[sandbox.url] = len(all_calls(sandbox))
    yield
    assert app.proc.poll() is None, "the app is still running"


def test_a_second_process_with_a_link_hands_it_over_and_the_call_waits_for_confirmation(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    # An app of its own: this number answers and the call goes on until someone hangs up.
    _seen_before[sandbox.url] = len(all_calls(sandbox))
    app = RunningApp(tmp_path / "link-home", sandbox.url)
    try:
        app.wait_listening()
        result = app.dialer("tel:+1-201-555-0123;postd=pp22")
        assert result.returncode == 0, result.stderr
        app.confirm_shown("+12015550123")
        accept_and_expect_one_call(app, sandbox, "+12015550123", ends=False)
        assert app.proc.poll() is None
    finally:
        assert app.stop() == 0, "\n".join(app.output())


def test_dialer_call_hands_over_to_the_running_window(app: RunningApp, sandbox: SandboxServer,
                                                      clean: None) -> None:
    result = app.dialer("call", "+1 202 555 0001")  # the sandbox answers busy: the call ends by itself
    assert result.returncode == 0, result.stderr
    assert "confirm the call in its window" in result.stderr
    app.confirm_shown("+12025550001")
    accept_and_expect_one_call(app, sandbox, "+12025550001")


def test_a_second_full_start_with_a_link_hands_it_over_and_exits(app: RunningApp, sandbox: SandboxServer,
                                                                  clean: None) -> None:
    # `dialer --demo tel:...` skips the fast path: the second app starts, claims, finds the first, hands over.
    result = app.dialer("--demo", "tel:+1-202-555-0001")
    assert result.returncode == 0, result.stderr
    app.confirm_shown("+12025550001")
    accept_and_expect_one_call(app, sandbox, "+12025550001")


def test_quick_call_opens_the_popup_in_the_running_app_and_places_nothing(
        app: RunningApp, sandbox: SandboxServer, clean: None) -> None:
    before = len(app.output())
    result = app.dialer("quick-call")
    assert result.returncode == 0, result.stderr
    wait_for(lambda: any("Hand-off request: quick-call" in line for line in app.output()[before:])
             or _log_has(app, "Hand-off request: quick-call"), WAIT_S, "the quick-call request")
    assert app.request("test-accept") == {"ok": True}  # no confirmation is open: nothing to accept
    time.sleep(0.3)
    assert calls(sandbox) == []


def _log_has(app: RunningApp, text: str) -> bool:
    log = app.home / "logs" / "dialer.log"
    return log.exists() and text in log.read_text(encoding="utf-8")


@pytest.mark.parametrize("payload", [
    b"x" * (70 * 1024) + b"\n",  # oversized
    b"{not json\n",
    b'{"v": 99, "action": "call", "args": {"number": "+12015550123"}}\n',  # unknown version
    b'{"v": 1, "action": "call", "args": {"number": "+12015550123 --yes"}}\n',  # injected argument
    b'{"v": 1, "action": "call", "args": {"number": "+12015550123", "confirmed": "1"}}\n',
    b'{"v": 1, "action": "open-uri", "args": {"uri": "javascript:alert(1)"}}\n',
    b'{"v": 1, "action": "place-call", "args": {"number": "+12015550123"}}\n',
    b"\xff\xfe\x00garbage\n",
])
def test_hostile_hand_offs_are_refused_and_the_app_keeps_running(
        app: RunningApp, sandbox: SandboxServer, clean: None, payload: bytes) -> None:
    try:
        reply = app.send_raw(payload)
    except (BrokenPipeError, ConnectionResetError):
        reply = b""  # the oversized message may be cut off before it is all written; also a refusal
    if reply:
        assert json.loads(reply)["ok"] is False
    time.sleep(0.2)
    assert calls(sandbox) == []
    assert app.request("show") == {"ok": True}  # still listening and answering


def test_an_app_without_the_test_environment_refuses_the_accept_hook(
        sandbox: SandboxServer, tmp_path: Path, clean: None) -> None:
    other = RunningApp(tmp_path / "plain-home", sandbox.url, test_hooks=False)
    try:
        other.wait_listening()
        reply = other.request("test-accept")
        assert reply["ok"] is False and "unknown action" in reply["error"]
        assert other.request("show") == {"ok": True}
    finally:
        assert other.stop() == 0
