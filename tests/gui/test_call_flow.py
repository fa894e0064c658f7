"""The call flow as a user walks it: type, call, watch both legs, keys, hang up, outcomes, top-up."""

from __future__ import annotations

from typing import Any

from dialer.qt import QtCore, QtWidgets
from tests.gui.conftest import run, sandbox_calls, select_provider


def type_number(qtbot: Any, win: Any, text: str) -> None:
    field = win.dial_page.number
    field.clear()
    qtbot.keyClicks(field, text)


def test_dial_and_watch_both_legs_to_completion(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    type_number(qtbot, window, "+1 202 555 0006")  # the sandbox answers, then the far end hangs up
    assert window.dial_page.number.text().startswith("+1 202")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_live, timeout=10_000)
    panel = window.call_panel
    assert window.dial_stack.currentWidget() is panel
    qtbot.waitUntil(lambda: not panel.is_live, timeout=20_000)
    own = panel.leg_rows[next(iter(panel.leg_rows))]
    assert "answered" in own.current_text() or "completed" in own.current_text()
    assert panel.outcome.isVisible()
    assert panel.outcome.text() == "Call ended."
    assert len(sandbox_calls(sandbox_url)) == 1
    assert not panel.timer.isActive()  # idle again: no ticking timer


def test_busy_is_said_in_plain_words(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    type_number(qtbot, window, "+12025550001")
    qtbot.mouseClick(window.dial_page.call, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.call_live, timeout=10_000)
    qtbot.waitUntil(lambda: not window.call_panel.is_live, timeout=20_000)
    assert window.call_panel.outcome.text() == "The line was busy."
    qtbot.mouseClick(window.call_panel.done, QtCore.Qt.MouseButton.LeftButton)
    assert window.dial_stack.currentWidget() is window.dial_page
