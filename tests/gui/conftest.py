"""GUI fixtures: a qasync loop on pytest-qt's QApplication, the real sandbox, the real service, the window.

``loop`` is a ``QEventLoop(qapp, already_running=True)``: coroutines run while ``qtbot.waitUntil`` spins
Qt's loop; nothing here ever calls ``loop.stop()`` (that would quit the QApplication). ``gui_service`` is
the real :class:`DialerService` on the test's DIALER_HOME, signed in to every sandbox provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import qasync

from dialer.qt import QtWidgets
from dialer.sandbox import SandboxServer, start_in_thread
from dialer.service.accounts import DEMO_ENV
from dialer.service.app import DialerService

SANDBOX_SPEED = 100.0
OWN_NUMBER = "+14155550123"


@pytest.fixture
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = qasync.QEventLoop(qapp, already_running=True)
    executor = qasync.QThreadExecutor(2)  # ours, so its threads end with the test (to_thread work)
    event_loop.set_default_executor(executor)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    executor.shutdown(wait=True)
    # Never stop/close it (it is Qt's loop; pytest-qt owns that), but do not leave it registered as the
    # running loop either: a later non-GUI test's asyncio.run() would refuse to start.
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    # already_running=True marked it as the thread's running loop; unmark it, or every later test in this
    # process that calls asyncio.run() fails with "cannot be called from a running event loop".
    asyncio.events._set_running_loop(None)


def run(qtbot: Any, coro: Coroutine[Any, Any, Any], timeout: int = 15_000) -> Any:
    """Run ``coro`` on the qasync loop while Qt keeps processing events; return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture(scope="session")
def gui_sandbox() -> Iterator[SandboxServer]:
    server = start_in_thread(speed=SANDBOX_SPEED)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox_url(gui_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean sandbox; provider URLs point at it for this test only."""
    httpx.post(f"{gui_sandbox.url}/_sandbox/reset", timeout=5).raise_for_status()
    for name in (*DEMO_ENV, "DIALER_SANDBOX_URL"):
        monkeypatch.setenv(name, gui_sandbox.url)
    return gui_sandbox.url


def sandbox_calls(url: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/calls", timeout=5).json()["calls"]
    return calls


@pytest.fixture
def gui_service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path,
                sandbox_url: str) -> Iterator[DialerService]:
    service = run(qtbot, DialerService.open(home=dialer_home, demo_sandbox_url=sandbox_url))
    try:
        run(qtbot, service.accounts.sign_in_demo(sandbox_url))
        service.settings.own_number = OWN_NUMBER
        yield service
    finally:
        run(qtbot, service.aclose())


@pytest.fixture
def window(qtbot: Any, gui_service: DialerService) -> Iterator[Any]:
    from dialer.ui.main_window import MainWindow

    win = MainWindow(demo=True)
    qtbot.addWidget(win)
    win.attach(gui_service)
    run(qtbot, win.reload_accounts())
    win.show()
    yield win
    if win.bridge is not None:
        run(qtbot, win.bridge.aclose())
    win.allow_close()


def select_provider(win: Any, provider_id: str) -> None:
    combo: QtWidgets.QComboBox = win.dial_page.accounts.combo
    for index in range(combo.count()):
        account = win.dial_page.accounts._accounts[index]
        if account.provider_id == provider_id:
            combo.setCurrentIndex(index)
            return
    raise AssertionError(f"no {provider_id} account signed in")
