"""Issue 11, Ringez: post-dial keys in a bridge call wait for a "Send 22" button; direct calls send them.

A Ringez bridge status is your phone's leg (in-progress = your phone answered), so the app cannot know when
the destination answers and never sends the keys blindly: the call panel offers them as one button.
"""

from __future__ import annotations

from typing import Any

import httpx

from dialer.core.calls import LegRole, LegState
from dialer.qt import QtCore
from tests.gui.conftest import sandbox_calls, select_provider


def _actions(url: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
    return [r for r in log if r["path"].endswith("/actions")]


def _call_with_keys(qtbot: Any, window: Any, *, direct: bool) -> Any:
    select_provider(window, "ringez")
    window.dial_page.accounts.ring_first.setChecked(not direct)
    window.open_uri("tel:+442079460958;postd=22")  # answers and stays connected until hung up
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(),
                    timeout=10_000)
    sends = window.confirm_dialog.rows["postdial"].text()
    assert sends.startswith("22") and ("Send button" in sends) is not direct
    qtbot.mouseClick(window.confirm_dialog.call_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.call_live and window.dial_stack.currentWidget() is window.call_panel,
                    timeout=10_000)
    return window.call_panel


def test_a_ringez_bridge_call_offers_send_22_and_the_button_sends_it(qtbot: Any, window: Any,
                                                                     sandbox_url: str) -> None:
    panel = _call_with_keys(qtbot, window, direct=False)
    qtbot.waitUntil(lambda: panel.send_postdial.isVisible(), timeout=20_000)
    assert panel.send_postdial.text() == "Send 22" and panel.send_postdial.isEnabled()
    assert panel.active.leg_state(LegRole.SELF) is LegState.ANSWERED
    assert panel.leg_rows[LegRole.DESTINATION].current_text() == "not reported by this provider"
    assert not panel.cancel_postdial.isVisible()
    qtbot.waitUntil(lambda: sandbox_calls(sandbox_url)[0]["state"] == "answered", timeout=10_000)
    qtbot.wait(300)
    assert _actions(sandbox_url) == []  # nothing is sent before the user asks
    qtbot.mouseClick(panel.send_postdial, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_actions(sandbox_url)) == 1, timeout=10_000)
    assert _actions(sandbox_url)[0]["body"] == {"action": "dtmf", "parameters": {"digits": "22"}}
    assert sandbox_calls(sandbox_url)[0]["dtmf"] == ["22"]
    qtbot.waitUntil(lambda: not panel.send_postdial.isVisible(), timeout=10_000)
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)
    assert len(_actions(sandbox_url)) == 1
    assert "does not report whether the destination answered" in panel.outcome.text()


def test_a_ringez_direct_call_still_sends_the_keys_by_itself(qtbot: Any, window: Any, sandbox_url: str) -> None:
    panel = _call_with_keys(qtbot, window, direct=True)
    qtbot.waitUntil(lambda: sandbox_calls(sandbox_url)[0]["dtmf"] == ["22"], timeout=20_000)
    assert not panel.send_postdial.isVisible()
    assert [a["body"]["parameters"]["digits"] for a in _actions(sandbox_url)] == ["22"]
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)


def test_history_says_a_bridge_call_ended_without_claiming_the_destination() -> None:
    from datetime import UTC, datetime

    from dialer.store.history import HistoryRow
    from dialer.ui.history_model import outcome_words

    def row(**changes: Any) -> HistoryRow:
        base = dict(id=1, provider="ringez", account_id=1, provider_call_id="call_1", destination="+442079460958",
                    display_name=None, mode="bridge", origin="window", state="unknown",
                    legs={"self": "completed", "destination": "unknown"},
                    started_at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC), finished=True)
        base.update(changes)
        return HistoryRow(**base)  # type: ignore[arg-type]

    assert outcome_words(row()) == "ended (destination not reported)"
    assert outcome_words(row(error="The call was placed, but cannot be followed")) == "unknown"
    assert outcome_words(row(state="no-answer", legs={"self": "no-answer", "destination": "unknown"})) == "no answer"
