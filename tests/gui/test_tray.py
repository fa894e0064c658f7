"""The tray: its menu (favourites, recent numbers), calls that always ask first, the clipboard's number,
the tooltip, and closing the window into the tray versus quitting.

Offscreen has no tray: the Tray object is built anyway (``use_tray=True``) and its menu driven directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialer.core.calls import Origin
from dialer.qt import QtCore, QtGui, QtWidgets
from dialer.ui.app import TRAY_HINT_SETTING
from tests.gui.conftest import sandbox_calls
from tests.gui.test_handoff_app import cancel, confirmation, loaded_app

Qt = QtCore.Qt


def menu_texts(menu: QtWidgets.QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator() or a.text()]


def action_named(ctl: Any, object_name: str) -> Any:
    found = [a for a in ctl.tray.menu.actions() if a.objectName() == object_name]
    assert len(found) == 1, object_name
    return found[0]


def test_menu_lists_quick_call_favourites_recent_numbers_clipboard_window_and_quit(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        tray = ctl.tray
        tray.rebuild_menu()
        texts = menu_texts(tray.menu)
        assert texts[0] == "Quick call…"
        assert texts[1] == "Favourites"
        favourites = tray.menu.actions()[1].menu()
        assert menu_texts(favourites) == ["Ada Lovelace — +44 20 7946 0958"]  # the demo's one favourite
        assert "Recent" in texts
        recent = texts[texts.index("Recent") + 1: texts.index("Call number in clipboard")]
        # The demo history, newest first, with the contact's name where there is one.
        assert recent == ["Ada Lovelace — +44 20 7946 0958", "Grace Hopper — +1 202-555-0143",
                          "+1 415-555-0100"]
        assert texts[-3:] == ["Call number in clipboard", "Hide window", "Quit"]
        ctl.window.hide()
        tray.rebuild_menu()
        assert menu_texts(tray.menu)[-2] == "Show window"


def test_recent_numbers_are_the_last_five_distinct(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                   sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        recent = ctl.service.history.recent_numbers(5)
        ctl.tray.rebuild_menu()
        numbers = [a.data() for a in ctl.tray.call_actions()][1:]  # after the favourite
        assert numbers == recent[:5]


def test_a_favourite_from_the_tray_asks_first_and_places_nothing_when_cancelled(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        ctl.tray.rebuild_menu()
        favourite = ctl.tray.call_actions()[0]
        favourite.trigger()
        dialog = confirmation(qtbot, ctl)
        assert dialog.plan.origin is Origin.TRAY
        assert dialog.plan.display_name == "Ada Lovelace"
        assert "+44 20 7946 0958" in dialog.windowTitle()
        qtbot.wait(300)
        assert sandbox_calls(sandbox_url) == []
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []


def test_call_number_in_clipboard_asks_first(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                             sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        QtGui.QGuiApplication.clipboard().setText("Grace: +1 202 555 0143 (office)")
        ctl.tray.rebuild_menu()
        action_named(ctl, "trayClipboard").trigger()
        dialog = confirmation(qtbot, ctl)
        assert dialog.plan.origin is Origin.CLIPBOARD
        assert "+1 202-555-0143" in dialog.windowTitle()
        qtbot.wait(300)
        assert sandbox_calls(sandbox_url) == []
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []


def test_a_clipboard_without_a_number_says_so(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                              sandbox_url: str) -> None:
    from dialer.desktop.clipboard import NO_NUMBER_MESSAGE

    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        QtGui.QGuiApplication.clipboard().setText("see you at 10, room 4")
        ctl.tray.rebuild_menu()
        action_named(ctl, "trayClipboard").trigger()
        # No tray icon on screen (offscreen), so the message comes as a box over the window.
        qtbot.waitUntil(lambda: getattr(ctl, "no_number_box", None) is not None
                        and ctl.no_number_box.isVisible(), timeout=5_000)
        assert ctl.no_number_box.text() == NO_NUMBER_MESSAGE
        assert "No phone number in the clipboard" in ctl.window.status.currentMessage()
        ctl.no_number_box.accept()
        assert ctl.window.confirm_dialog is None
        assert sandbox_calls(sandbox_url) == []


def test_tooltip_shows_the_balance(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                   sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        qtbot.waitUntil(lambda: "checking" not in ctl.window.balance.label.text(), timeout=10_000)
        qtbot.waitUntil(lambda: ctl.window.balance.label.text() in ctl.tray.tooltip(), timeout=5_000)
        assert ctl.tray.tooltip().startswith("Dialer")
        assert "Balance" in ctl.tray.tooltip()


def test_closing_the_window_keeps_the_app_in_the_tray_and_hints_once(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str, monkeypatch: Any) -> None:
    monkeypatch.setattr("dialer.ui.tray.available", lambda: True)  # a desktop whose tray shows the icon
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        win = ctl.window
        assert ctl.tray.shows_icon()
        assert ctl.service.settings.get(TRAY_HINT_SETTING) is None
        win.close()
        assert not win.isVisible()
        assert not ctl.quit_requested.is_set()  # still running, in the tray
        assert ctl.tray.last_notification[0] == "Dialer is still running"
        assert ctl.service.settings.get(TRAY_HINT_SETTING) is True
        ctl.tray.last_notification = None
        ctl.toggle_window()
        assert win.isVisible()
        win.close()
        assert ctl.tray.last_notification is None  # the hint is shown only once
        assert not win.isVisible() and not ctl.quit_requested.is_set()
        action_named(ctl, "trayQuit").trigger()  # Quit from the tray while the window is hidden
        assert ctl.quit_requested.is_set()


def test_a_tray_that_shows_no_icon_does_not_swallow_the_window(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    # The tray object exists (use_tray) but nothing is shown (offscreen, like a desktop without a tray
    # host): closing the window must quit rather than leave the app running with nothing to click.
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        assert ctl.tray is not None and not ctl.tray.shows_icon()
        ctl.window.close()
        assert ctl.quit_requested.is_set()


def test_without_a_tray_closing_the_window_quits(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                 sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        assert ctl.tray is None
        ctl.window.close()
        assert ctl.quit_requested.is_set()


def test_ctrl_q_quits_even_with_a_tray(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                       sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        ctl.window.act_quit.trigger()
        assert ctl.quit_requested.is_set()


def test_a_call_from_the_tray_ends_with_a_notification(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                       sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        ctl.window.close()  # in the tray
        ctl.show_quick_call()
        qtbot.keyClicks(ctl.quick_popup.field, "+1 202 555 0001")  # the sandbox answers busy
        qtbot.keyClick(ctl.quick_popup.field, Qt.Key.Key_Return)
        dialog = confirmation(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []
        dialog.accept()
        qtbot.waitUntil(lambda: len(sandbox_calls(sandbox_url)) == 1, timeout=10_000)
        assert ctl.window.isVisible()  # the live call (and Hang up) shows in the window
        ctl.window.hide()  # the user goes back to other work while the phone rings
        qtbot.waitUntil(lambda: ctl.tray.last_notification is not None
                        and ctl.tray.last_notification[0] == "Call ended", timeout=15_000)
        # a Ringez bridge call: only your phone's leg is reported, so the busy line is not claimed
        assert "destination not reported" in ctl.tray.last_notification[1]
        assert len(sandbox_calls(sandbox_url)) == 1
        # No notification server on this (absent) bus: the tray carried it.
        assert ctl.notifier is not None and ctl.notifier.route == "fallback"
        assert ctl.notifier.sent[-1][0] == "fallback"


def test_clicking_a_call_notification_opens_that_call_in_history(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        rows = ctl.service.history.page(0, 3)
        target = rows[1]  # not the newest: the selection must be the clicked call's row
        ctl.window.hide()
        ctl._on_notification_clicked(f"call:{target.id}")
        assert ctl.window.isVisible()
        qtbot.waitUntil(lambda: ctl.window.tabs.currentIndex() == 2, timeout=5_000)
        view = ctl.window.history_view
        qtbot.waitUntil(lambda: view.selected_row_index() is not None, timeout=5_000)
        assert view.model.row_at(view.selected_row_index()).id == target.id


def test_no_notification_while_the_window_is_in_front_or_when_switched_off(
        qtbot: Any, qapp: Any, loop: Any, dialer_home: Path, sandbox_url: str, monkeypatch: Any) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        monkeypatch.setattr(ctl.window, "isActiveWindow", lambda: True)
        ctl._desktop_notification("Call ended", "in front", key="call:1")
        monkeypatch.setattr(ctl.window, "isActiveWindow", lambda: False)
        ctl.service.settings.notifications = False
        ctl._desktop_notification("Call ended", "switched off", key="call:1")
        ctl.service.settings.notifications = True
        ctl._desktop_notification("Call ended", "elsewhere", key="call:1")
        qtbot.waitUntil(lambda: ctl.notifier is not None and len(ctl.notifier.sent) == 1, timeout=5_000)
        assert ctl.notifier.sent == [("fallback", "Call ended", "elsewhere")]


def test_tooltip_names_the_call_in_progress(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                            sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        ctl.show_quick_call()
        qtbot.keyClicks(ctl.quick_popup.field, "+1 202 555 0143")  # answers and stays connected
        qtbot.keyClick(ctl.quick_popup.field, Qt.Key.Key_Return)
        confirmation(qtbot, ctl).accept()
        qtbot.waitUntil(lambda: "In a call with +1 202-555-0143" in ctl.tray.tooltip(), timeout=10_000)
        panel = ctl.window.call_panel
        qtbot.waitUntil(panel.hangup.isEnabled, timeout=10_000)  # even while the request is on its way
        ctl.window.hang_up()
        qtbot.waitUntil(lambda: "In a call" not in ctl.tray.tooltip(), timeout=20_000)
        assert ctl.tray.last_notification is not None and ctl.tray.last_notification[0] == "Call ended"


def test_start_in_the_tray_from_settings(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                         sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        assert ctl.window.isVisible()
        ctl.service.settings.start_minimized = True
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=True) as ctl:
        assert not ctl.window.isVisible()  # hidden in the tray
        ctl.tray.rebuild_menu()
        action_named(ctl, "trayToggleWindow").trigger()
        assert ctl.window.isVisible()
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        assert ctl.window.isVisible()  # no tray to come back from: the window shows
