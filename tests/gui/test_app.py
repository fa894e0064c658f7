"""Start-up and shut-down of the whole app: demo mode, a tel: link at start, first run, the fast path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dialer.qt import QtCore
from dialer.ui.app import DEMO_CONTACTS, AppController
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import run, sandbox_calls


def controller_for(qtbot: Any, qapp: Any, home: Path, *, demo: bool, uri: str | None = None,
                   sandbox_url: str | None = None) -> AppController:
    window = MainWindow(demo=demo)
    qtbot.addWidget(window)
    window.show()
    return AppController(qapp, window, demo=demo, uri=uri, sandbox_url=sandbox_url, home=home,
                         single_instance=False)


def test_demo_start_with_a_tel_link_asks_before_calling(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                        sandbox_url: str) -> None:
    ctl = controller_for(qtbot, qapp, dialer_home / "demo", demo=True, uri="tel:+1-202-555-0143",
                         sandbox_url=sandbox_url)
    win = ctl.window
    try:
        run(qtbot, ctl.load())
        assert win.demo_badge.isVisibleTo(win)
        assert "Dialer" in win.windowTitle()
        providers = {a.provider_id for a in win.dial_page.accounts._accounts}
        assert providers == {"ringez", "ringcentral", "calledin", "ringostat"}
        assert ctl.service.contacts.count() == len(DEMO_CONTACTS)
        assert ctl.service.history.count() > 0
        qtbot.waitUntil(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible(), timeout=10_000)
        assert "202-555-0143" in win.dial_page.number.text()
        qtbot.wait(200)
        assert sandbox_calls(sandbox_url) == []  # a link never calls by itself
        win.confirm_dialog.reject()
        qtbot.waitUntil(lambda: win.confirm_dialog is None, timeout=5_000)
        assert sandbox_calls(sandbox_url) == []
    finally:
        win.close()  # asks the controller to quit: the service closes first, then the window
        assert ctl.quit_requested.is_set()
        run(qtbot, ctl.shutdown())
    assert not win.isVisible()


def test_first_run_offers_the_demo_and_sign_in(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                               sandbox_url: str) -> None:
    ctl = controller_for(qtbot, qapp, dialer_home, demo=False)
    win = ctl.window
    try:
        run(qtbot, ctl.load())
        welcome = win.dial_page.welcome
        assert welcome.isVisible()
        assert not win.dial_page.call.isEnabled()
        assert not win.demo_badge.isVisibleTo(win)
        qtbot.mouseClick(welcome.demo, QtCore.Qt.MouseButton.LeftButton)  # uses DIALER_SANDBOX_URL
        qtbot.waitUntil(lambda: win.demo and len(win.dial_page.accounts._accounts) == 4, timeout=20_000)
        assert not welcome.isVisible()
        assert win.dial_page.call.isEnabled()
        assert win.demo_badge.isVisibleTo(win)
    finally:
        run(qtbot, ctl.shutdown())


def test_window_paints_before_the_heavy_imports(tmp_path: Path) -> None:
    """The real start-up path: paint first; asyncio, qasync, SQLite and httpx come after."""
    env = {**os.environ, "DIALER_EXIT_AFTER_PAINT": "1", "QT_QPA_PLATFORM": "offscreen",
           "DIALER_HOME": str(tmp_path)}
    code = ("import sys, runpy; sys.argv=['dialer']; "
            "from dialer.cli.main import main; rc = main([]); "
            "heavy = [m for m in ('httpx', 'keyring', 'sqlite3', 'phonenumbers', 'qasync', 'dialer.service') "
            "if m in sys.modules]; print('heavy:', heavy); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "first paint after" in result.stdout
    assert "heavy: []" in result.stdout


def test_demo_sign_in_codes_show_up_while_the_sign_in_dialog_is_open(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    ctl = controller_for(qtbot, qapp, dialer_home / "demo", demo=True, sandbox_url=sandbox_url)
    win = ctl.window
    try:
        run(qtbot, ctl.load())
        assert ctl.outbox_timer is None  # idle: nothing polls
        win.open_sign_in()
        qtbot.waitUntil(lambda: ctl.outbox_timer is not None, timeout=5_000)
        run(qtbot, ctl.service.accounts.ringez_send_otp("demo@ringez.test"))
        qtbot.waitUntil(lambda: "sign-in code" in win.status.currentMessage(), timeout=10_000)
        for dialog in list(win.dialogs):
            dialog.reject()
        qtbot.waitUntil(lambda: ctl.outbox_timer is None, timeout=5_000)
    finally:
        run(qtbot, ctl.shutdown())


class _TimerCounter(QtCore.QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.owners: list[str] = []

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Timer:
            # qasync runs asyncio callbacks from one-shot Qt timers; an asyncio timeout that was
            # cancelled long ago (a finished HTTP request's) still fires as a no-op: not a heartbeat.
            callbacks = getattr(obj, "_SimpleTimer__callbacks", None)
            if callbacks is not None:
                handle = callbacks.get(event.timerId())  # type: ignore[union-attr]
                if handle is None or handle.cancelled():
                    return False
                self.owners.append(repr(handle))
            else:
                self.owners.append(type(obj).__name__ + ":" + obj.objectName())
            self.count += 1
        return False


def test_an_idle_app_has_no_heartbeat(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                      sandbox_url: str) -> None:
    """Once started and idle, nothing wakes the app up periodically (laptops keep their battery)."""
    ctl = controller_for(qtbot, qapp, dialer_home / "demo", demo=True, sandbox_url=sandbox_url)
    try:
        run(qtbot, ctl.load())
        qtbot.wait(1000)  # let start-up work (balance, views) settle
        ctl.window.dial_page.number.clearFocus()  # a focused text field blinks its caret (Qt's own timer)
        # qtbot.wait itself runs one timer; anything periodic would fire again and again, in every window.
        # Up to three 1.5 s windows, so late start-up work on a loaded machine cannot fail the test, while
        # a periodic timer (which fires in every window) still does.
        windows = []
        for _ in range(3):
            counter = _TimerCounter()
            qapp.installEventFilter(counter)
            try:
                qtbot.wait(1500)
            finally:
                qapp.removeEventFilter(counter)
            windows.append((counter.count, counter.owners))
            if counter.count <= 1:
                break
        assert windows[-1][0] <= 1, windows
    finally:
        run(qtbot, ctl.shutdown())


def test_hand_offs_fill_the_number_and_ask_first(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                 sandbox_url: str) -> None:
    from dialer.core.calls import Origin
    from dialer.desktop.requests import HandoffRequest

    ctl = controller_for(qtbot, qapp, dialer_home / "demo", demo=True, sandbox_url=sandbox_url)
    win = ctl.window
    try:
        run(qtbot, ctl.load())
        ctl.handle_request(HandoffRequest(action="quick-call", number_text="", uri="", origin=Origin.HANDOFF))
        qtbot.waitUntil(lambda: ctl.quick_popup is not None and ctl.quick_popup.isVisible(), timeout=10_000)
        assert win.confirm_dialog is None  # the popup asks for the number; nothing to confirm yet
        ctl.quick_popup.close()
        ctl.handle_request(HandoffRequest(action="call", number_text="+442079460958", uri="",
                                          origin=Origin.HANDOFF))
        qtbot.waitUntil(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible(), timeout=10_000)
        assert "+44 20 7946 0958" in win.confirm_dialog.windowTitle()
        win.confirm_dialog.reject()
        qtbot.waitUntil(lambda: win.confirm_dialog is None, timeout=5_000)
        assert sandbox_calls(sandbox_url) == []
    finally:
        run(qtbot, ctl.shutdown())
