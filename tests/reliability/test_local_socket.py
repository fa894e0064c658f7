"""The hand-off socket of the running app: only its user can connect; hostile messages are dropped, logged
and answered with an error; the server keeps answering; what gets through is only ever a number to confirm."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from dialer.desktop import protocol
from dialer.desktop.requests import HandoffRequest
from dialer.service import DialError, DialerService
from dialer.service.accounts import demo_credentials

from . import _report
from .conftest import Box
from .test_hostile_input import MESSAGES

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only")


def _table() -> None:
    _report.ensure("Local socket", "messages sent", "answered", "requests let through", "calls placed",
                   "server stopped answering")


@pytest.fixture
def short_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """AF_UNIX paths must stay under ~100 bytes: a short private DIALER_HOME."""
    home = Path(tempfile.mkdtemp(prefix="dr-"))
    monkeypatch.setenv("DIALER_HOME", str(home))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def server(qtbot: Any, short_home: Path) -> Iterator[Any]:
    from dialer.desktop.ipc_server import IpcServer

    srv = IpcServer()
    srv.listen()
    yield srv
    srv.close()


def _exchange(path: str, payload: bytes) -> Future[bytes]:
    """Send from another thread (the Qt loop must keep running to answer); the reply line."""
    result: Future[bytes] = Future()

    def work() -> None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(10)
                sock.connect(path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(payload)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                result.set_result(data)
        except Exception as exc:
            result.set_exception(exc)

    threading.Thread(target=work, daemon=True).start()
    return result


def _reply(qtbot: Any, future: Future[bytes]) -> tuple[bool, str]:
    qtbot.waitUntil(future.done, timeout=10_000)
    return protocol.decode_reply(future.result().strip())


def test_only_the_user_can_reach_the_socket(server: Any) -> None:
    _table()
    path = Path(server.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if os.geteuid() == 0 and system_python:  # as root, try it as another user for real
        probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                 "try:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e: print(type(e).__name__)")
        done = subprocess.run([system_python, "-c", probe, str(path)], user="nobody", capture_output=True,
                              text=True, timeout=30, cwd="/")
        assert done.stdout.strip() == "PermissionError", done.stdout + done.stderr


def test_hostile_messages_are_dropped_logged_and_the_server_keeps_answering(
        qtbot: Any, server: Any, box: Box, caplog: pytest.LogCaptureFixture) -> None:
    _table()
    emitted: list[HandoffRequest] = []
    server.requestReceived.connect(emitted.append)
    fixed = [b"x" * (protocol.MAX_MESSAGE_BYTES + 100), b"not json\n", b'{"v":2,"action":"show"}\n',
             b'{"v":1,"action":"call","args":{"number":"--yes"}}\n',
             b'{"v":1,"action":"call","args":{"number":"+12015550123","yes":true}}\n',
             b'{"v":1,"action":"open-uri","args":{"uri":"tel:+1;$(reboot)"}}\n', b"\xff\xfe\n", b"\n"]
    refused = 0

    @settings(max_examples=_report.examples(40, 400), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(MESSAGES)
    def check(line: bytes) -> None:
        nonlocal refused
        _report.add("Local socket", "messages sent")
        ok, error = _reply(qtbot, _exchange(server.name, line if line.endswith(b"\n") else line + b"\n"))
        _report.add("Local socket", "answered")
        if not ok:
            assert error.strip()
            refused += 1

    with caplog.at_level(logging.WARNING, logger="dialer.desktop.ipc_server"):
        for line in fixed:
            _report.add("Local socket", "messages sent")
            ok, error = _reply(qtbot, _exchange(server.name, line))
            _report.add("Local socket", "answered")
            assert not ok and error, line[:40]
        check()
    logged = [r for r in caplog.records if "refused" in r.getMessage() or "dropped" in r.getMessage()]
    assert len(logged) >= len(fixed) + refused

    # Still answering, and a valid request still arrives.
    with qtbot.waitSignal(server.requestReceived, timeout=10_000):
        alive = _reply(qtbot, _exchange(server.name, protocol.encode_request("call", {"number": "+14155550006"})))
    _report.add("Local socket", "server stopped answering", int(alive != (True, "")))
    assert alive == (True, "")
    qtbot.wait(50)  # queued signals
    let_through = [r for r in emitted if r.number_text]
    _report.add("Local socket", "requests let through", len(let_through))
    for request in let_through:
        assert set(request.number_text) <= protocol.NUMBER_CHARS

    # What the app does with them: a plan to confirm, never a call.
    async def try_to_call() -> None:
        service = await DialerService.open(demo_sandbox_url=box.url, time_scale=0.05)
        service.settings.own_number = "+14155559876"
        try:
            creds = (await asyncio.to_thread(box.credentials))["ringez"]
            await service.accounts.sign_in("ringez", demo_credentials("ringez", creds))
            for request in let_through:
                try:
                    plan = service.calls.prepare(request.uri or request.number_text, origin=request.origin)
                except DialError:
                    continue
                with pytest.raises(DialError):
                    await service.calls.place(plan, confirmed=False)
        finally:
            await service.aclose()

    asyncio.run(try_to_call())
    _report.add("Local socket", "calls placed", len(box.calls()))
    assert box.calls() == []
