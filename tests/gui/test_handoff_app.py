"""Hand-offs reaching the running app: quick-call opens the popup, show brings the window back, the test hook
is refused without DIALER_TEST_HOOKS, macOS link events, one balance fetch at start-up, Ctrl+F on the tab that
shows. Also the shared set-up of the tray and quick-call GUI tests: the whole
app controller on the demo data.

Offscreen has no system tray, so ``use_tray=True`` builds the :class:`dialer.ui.tray.Tray` (menu, actions,
tooltip, close-to-tray) without ever showing its icon.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dialer.ui.app import AppController
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import run, sandbox_calls


@contextmanager
def loaded_app(qtbot: Any, qapp: Any, home: Path, sandbox_url: str, *, use_tray: bool,
               single_instance: bool = False, early_links: Any = None) -> Iterator[AppController]:
    window = MainWindow(demo=True)
    qtbot.addWidget(window)
    window.show()
    ctl = AppController(qapp, window, demo=True, uri=None, sandbox_url=sandbox_url, home=home / "demo",
                        single_instance=single_instance, use_tray=use_tray)
    ctl.early_links = early_links
    ctl.watch_url_events = early_links is not None  # the macOS path, also on this platform
    try:
        run(qtbot, ctl.load())
        qtbot.waitUntil(lambda: window.dial_page.accounts.current_account() is not None, timeout=10_000)
        yield ctl
    finally:
        if window.call_live:
            window.hang_up()
            qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)
        run(qtbot, ctl.shutdown())


def confirmation(qtbot: Any, ctl: AppController) -> Any:
    """The confirmation dialog once it is on screen."""
    win = ctl.window
    qtbot.waitUntil(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible(), timeout=10_000)
    return win.confirm_dialog


def cancel(qtbot: Any, ctl: AppController) -> None:
    ctl.window.confirm_dialog.reject()
    qtbot.waitUntil(lambda: ctl.window.confirm_dialog is None, timeout=5_000)


def request(action: str, number: str = "", uri: str = "") -> Any:
    from dialer.core.calls import Origin
    from dialer.desktop.requests import HandoffRequest

    return HandoffRequest(action=action, number_text=number, uri=uri,
                          origin=Origin.TEL_LINK if uri else Origin.HANDOFF)


def test_quick_call_hand_off_opens_the_popup_and_show_brings_the_window_back(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        ctl.window.hide()
        ctl.handle_request(request("quick-call"))
        qtbot.waitUntil(lambda: ctl.quick_popup is not None and ctl.quick_popup.isVisible(), timeout=5_000)
        assert not ctl.window.isVisible()  # only the popup: the window stays out of the way
        assert ctl.window.confirm_dialog is None
        ctl.quick_popup.close()
        ctl.handle_request(request("show"))
        qtbot.waitUntil(ctl.window.isVisible, timeout=5_000)
        assert sandbox_calls(sandbox_url) == []


def test_call_and_link_hand_offs_fill_the_number_and_ask_first(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        ctl.handle_request(request("call", number="+442079460958"))
        dialog = confirmation(qtbot, ctl)
        assert "+44 20 7946 0958" in dialog.windowTitle()
        cancel(qtbot, ctl)
        ctl.handle_request(request("open-uri", number="+1-201-555-0123", uri="tel:+1-201-555-0123;postd=pp22"))
        dialog = confirmation(qtbot, ctl)
        assert "+1 201-555-0123" in dialog.windowTitle()
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []


def test_the_accept_hook_does_nothing_without_the_test_environment(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALER_TEST_HOOKS", raising=False)
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        ctl.handle_request(request("call", number="+442079460958"))
        confirmation(qtbot, ctl)
        ctl.handle_request(request("test-accept"))  # even if a request got this far, the app refuses it
        qtbot.wait(500)
        assert ctl.window.confirm_dialog is not None and ctl.window.confirm_dialog.isVisible()
        assert sandbox_calls(sandbox_url) == []
        cancel(qtbot, ctl)


def test_start_up_asks_for_the_balance_once(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                            sandbox_url: str) -> None:
    import httpx

    def balance_requests() -> int:
        log = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
        return sum(1 for r in log if isinstance(r, dict) and str(r.get("path", "")).endswith("/auth/me"))

    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        qtbot.waitUntil(lambda: "Balance:" in ctl.window.balance.label.text()
                        and "checking" not in ctl.window.balance.label.text(), timeout=10_000)
        qtbot.wait(500)  # any late duplicate would arrive by now
        assert balance_requests() == 1


def test_macos_link_events_before_and_after_start_up_ask_first(qtbot: Any, qapp: Any, loop: Any,
                                                                dialer_home: Path, sandbox_url: str) -> None:
    """macOS hands links over as QFileOpenEvent: the one that started the app, and later ones."""
    from dialer.qt import QtCore, QtGui
    from dialer.ui.app import EarlyLinks

    early = EarlyLinks(qapp)
    QtCore.QCoreApplication.sendEvent(qapp, QtGui.QFileOpenEvent(QtCore.QUrl("tel:+1-202-555-0143")))
    assert early.urls == ["tel:+1-202-555-0143"]
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False, single_instance=True,
                    early_links=early) as ctl:
        dialog = confirmation(qtbot, ctl)
        assert "+1 202-555-0143" in dialog.windowTitle()
        cancel(qtbot, ctl)
        QtCore.QCoreApplication.sendEvent(qapp, QtGui.QFileOpenEvent(QtCore.QUrl("tel:+44-20-7946-0958")))
        dialog = confirmation(qtbot, ctl)
        assert "+44 20 7946 0958" in dialog.windowTitle()
        cancel(qtbot, ctl)
        QtCore.QCoreApplication.sendEvent(qapp, QtGui.QFileOpenEvent(QtCore.QUrl("tel:not-a-number")))
        qtbot.wait(300)
        assert ctl.window.confirm_dialog is None
        assert sandbox_calls(sandbox_url) == []
    assert early.urls == []


def test_ctrl_f_searches_the_tab_that_shows(qtbot: Any, window: Any) -> None:
    from dialer.qt import QtCore, QtWidgets
    from dialer.ui.main_window import TAB_CONTACTS, TAB_HISTORY

    def ctrl_f() -> None:
        qtbot.keyClick(window, QtCore.Qt.Key.Key_F, QtCore.Qt.KeyboardModifier.ControlModifier)

    def focused_in(view: Any) -> bool:
        focus = QtWidgets.QApplication.focusWidget()
        return isinstance(focus, QtWidgets.QLineEdit) and view.isAncestorOf(focus)

    window.activateWindow()
    window.show_tab(TAB_HISTORY)
    ctrl_f()
    qtbot.waitUntil(lambda: focused_in(window.history_view), timeout=5_000)
    assert window.tabs.currentIndex() == TAB_HISTORY
    window.show_tab(0)
    ctrl_f()  # from the dial page: the contacts
    qtbot.waitUntil(lambda: focused_in(window.contacts_view), timeout=5_000)
    assert window.tabs.currentIndex() == TAB_CONTACTS


def test_a_hand_off_during_start_up_waits_for_the_service(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                          sandbox_url: str) -> None:
    window = MainWindow(demo=True)
    qtbot.addWidget(window)
    window.show()
    ctl = AppController(qapp, window, demo=True, uri=None, sandbox_url=sandbox_url, home=dialer_home / "demo",
                        single_instance=False, use_tray=False)
    try:
        ctl.handle_request(request("call", number="+442079460958"))  # before the service has loaded
        assert window.confirm_dialog is None
        run(qtbot, ctl.load())
        dialog = confirmation(qtbot, ctl)
        assert "+44 20 7946 0958" in dialog.windowTitle()
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []
    finally:
        run(qtbot, ctl.shutdown())
