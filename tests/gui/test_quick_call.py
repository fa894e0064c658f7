"""The quick-call popup: type, Enter, confirm; exactly one call reaches the provider, and only after Call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialer.core.calls import Origin
from dialer.qt import QtCore
from tests.gui.conftest import sandbox_calls, select_provider
from tests.gui.test_handoff_app import cancel, confirmation, loaded_app

Qt = QtCore.Qt


def open_popup(qtbot: Any, ctl: Any) -> Any:
    ctl.show_quick_call()
    popup = ctl.quick_popup
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    return popup


def test_quick_call_asks_first_then_places_exactly_one_call(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                           sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        select_provider(ctl.window, "ringez")
        popup = open_popup(qtbot, ctl)
        flags = popup.windowFlags()
        assert flags & Qt.WindowType.WindowStaysOnTopHint and flags & Qt.WindowType.FramelessWindowHint
        assert popup.field.text() == ""
        qtbot.keyClicks(popup.field, "+1 202 555 0143")
        qtbot.keyClick(popup.field, Qt.Key.Key_Return)
        dialog = confirmation(qtbot, ctl)
        assert not popup.isVisible()
        assert "+1 202-555-0143" in dialog.windowTitle()
        assert dialog.plan.origin is Origin.TRAY
        qtbot.wait(300)
        assert sandbox_calls(sandbox_url) == []  # nothing placed while the confirmation is open
        qtbot.mouseClick(dialog.call_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(sandbox_calls(sandbox_url)) == 1, timeout=10_000)
        qtbot.wait(300)
        calls = sandbox_calls(sandbox_url)
        assert len(calls) == 1 and calls[0]["to"] == "+12025550143"


def test_contact_names_complete_and_enter_calls_the_contact(qtbot: Any, qapp: Any, loop: Any,
                                                            dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        popup = open_popup(qtbot, ctl)
        qtbot.keyClicks(popup.field, "Ada")
        entries = popup.model.stringList()
        assert entries and entries[0].startswith("Ada Lovelace — +44 20 7946 0958")
        qtbot.keyClick(popup.field, Qt.Key.Key_Return)  # the one match is taken
        dialog = confirmation(qtbot, ctl)
        assert "+44 20 7946 0958" in dialog.windowTitle()
        assert dialog.plan.display_name == "Ada Lovelace"
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []


def test_escape_closes_and_an_unknown_name_is_explained(qtbot: Any, qapp: Any, loop: Any, dialer_home: Path,
                                                        sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        popup = open_popup(qtbot, ctl)
        qtbot.keyClicks(popup.field, "Nobody Here")
        qtbot.keyClick(popup.field, Qt.Key.Key_Return)
        assert popup.isVisible()
        assert "No single contact matches" in popup.hint.text()
        qtbot.keyClick(popup, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not popup.isVisible(), timeout=5_000)
        qtbot.wait(200)
        assert ctl.window.confirm_dialog is None
        reopened = open_popup(qtbot, ctl)  # opens empty again, with the plain hint
        assert reopened.field.text() == "" and "Enter" in reopened.hint.text()
        assert sandbox_calls(sandbox_url) == []


def test_with_several_matches_enter_takes_only_the_suggestion_chosen(qtbot: Any, qapp: Any, loop: Any,
                                                                     dialer_home: Path, sandbox_url: str) -> None:
    with loaded_app(qtbot, qapp, dialer_home, sandbox_url, use_tray=False) as ctl:
        popup = open_popup(qtbot, ctl)
        qtbot.keyClicks(popup.field, "Ma")  # Margaret Hamilton and Marie Curie
        assert len(popup.model.stringList()) == 2
        qtbot.keyClick(popup.field, Qt.Key.Key_Return)  # no guess between the two
        assert "No single contact matches" in popup.hint.text()
        assert ctl.window.confirm_dialog is None
        qtbot.keyClicks(popup.field, "r")  # "Mar": both still match; now choose the second
        list_view = popup.completer.popup()
        qtbot.waitUntil(list_view.isVisible, timeout=5_000)
        qtbot.keyClick(list_view, Qt.Key.Key_Down)
        qtbot.keyClick(list_view, Qt.Key.Key_Down)
        chosen = popup.model.stringList()[1]
        qtbot.keyClick(list_view, Qt.Key.Key_Return)
        if popup.isVisible():  # the list took Enter to fill the field in; Enter again calls
            qtbot.keyClick(popup.field, Qt.Key.Key_Return)
        dialog = confirmation(qtbot, ctl)
        assert dialog.plan.display_name == chosen.split(" — ")[0]
        cancel(qtbot, ctl)
        assert sandbox_calls(sandbox_url) == []
