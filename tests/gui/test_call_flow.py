"""The call flow as a user walks it: type, call, watch both legs, keys, hang up, outcomes, top-up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dialer.qt import QtCore, QtGui
from tests.gui.conftest import sandbox_calls, select_provider


def wait_call_shown(qtbot: Any, win: Any) -> None:
    """The provider accepted the call and the window shows it live."""
    qtbot.waitUntil(lambda: win.call_live and win.dial_stack.currentWidget() is win.call_panel, timeout=10_000)


def direct_mode(win: Any) -> None:
    """Untick "ring my phone first": a Ringez direct call, whose status is the destination's own."""
    win.dial_page.accounts.ring_first.setChecked(False)


def type_number(qtbot: Any, win: Any, text: str) -> None:
    field = win.dial_page.number
    field.clear()
    qtbot.keyClicks(field, text)


def test_dial_and_watch_both_legs_to_completion(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    type_number(qtbot, window, "+1 202 555 0006")  # the sandbox answers, then the far end hangs up
    assert window.dial_page.number.text().startswith("+1 202")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    wait_call_shown(qtbot, window)
    panel = window.call_panel
    assert window.dial_stack.currentWidget() is panel
    qtbot.waitUntil(lambda: not panel.is_live, timeout=20_000)
    own = panel.leg_rows[next(iter(panel.leg_rows))]
    assert "answered" in own.current_text() or "completed" in own.current_text()
    assert panel.outcome.isVisible()
    # a Ringez bridge status is your phone's leg only: the destination's outcome is not claimed
    assert panel.outcome.text() == ("Call ended. Your phone answered; Ringez does not report whether the "
                                    "destination answered.")
    dest = panel.leg_rows[next(reversed(panel.leg_rows))]
    assert "answered" not in dest.current_text() and "completed" not in dest.current_text()
    assert len(sandbox_calls(sandbox_url)) == 1
    assert not panel.timer.isActive()  # idle again: no ticking timer


def test_busy_is_said_in_plain_words(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    direct_mode(window)
    type_number(qtbot, window, "+12025550001")
    qtbot.mouseClick(window.dial_page.call, QtCore.Qt.MouseButton.LeftButton)
    wait_call_shown(qtbot, window)
    qtbot.waitUntil(lambda: not window.call_panel.is_live, timeout=20_000)
    assert window.call_panel.outcome.text() == "The line was busy."
    qtbot.mouseClick(window.call_panel.done, QtCore.Qt.MouseButton.LeftButton)
    assert window.dial_stack.currentWidget() is window.dial_page


def test_no_answer_is_said_in_plain_words(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    direct_mode(window)
    type_number(qtbot, window, "+12025550002")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    wait_call_shown(qtbot, window)
    qtbot.waitUntil(lambda: not window.call_panel.is_live, timeout=20_000)
    assert window.call_panel.outcome.text() == "Nobody answered."


def test_keys_during_a_call_send_tones_and_esc_hangs_up(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    direct_mode(window)
    type_number(qtbot, window, "+442079460958")  # answers and stays connected until hung up
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    wait_call_shown(qtbot, window)
    panel = window.call_panel
    qtbot.waitUntil(lambda: panel.active.answered_at is not None, timeout=20_000)
    assert panel.keypad.isEnabled()
    qtbot.keyClick(window, "5")  # typed on the keyboard
    qtbot.mouseClick(panel.keypad.buttons["#"], QtCore.Qt.MouseButton.LeftButton)  # clicked on the pad
    qtbot.waitUntil(lambda: "".join(sandbox_calls(sandbox_url)[0]["dtmf"]) == "5#", timeout=10_000)
    assert panel.sent.text() == "Sent: 5#"
    assert panel.timer.isActive()  # the elapsed time ticks while connected
    qtbot.keyClick(panel, QtCore.Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not panel.is_live, timeout=20_000)
    assert sandbox_calls(sandbox_url)[0]["ended"]
    assert panel.outcome.text() in ("Call ended.", "The call was cancelled.")
    assert not panel.timer.isActive()


def test_insufficient_balance_offers_the_top_up_link(qtbot: Any, window: Any, sandbox_url: str,
                                                     monkeypatch: Any) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/faults", timeout=5, json={
        "kind": "error", "provider": "ringez", "path": "/api/v1/calls/initiate", "method": "POST",
        "status": 402, "body": {"error": "You have 0 minutes left. Add credits at https://ringez.com/wallet, "
                                         "then try again.", "code": "insufficient_balance"}}).raise_for_status()
    opened: list[str] = []
    monkeypatch.setattr(QtGui.QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True)
    select_provider(window, "ringez")
    type_number(qtbot, window, "+442079460958")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    error = window.dial_page.error
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert "balance is too low" in error.text()
    assert "Top up</a>" in error.text()
    assert not window.call_live
    error.linkActivated.emit("top-up")
    assert opened and "ringez" in opened[0]


def test_a_tel_link_waits_for_confirmation_then_places_exactly_one_call(
        qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    window.open_uri("tel:+1-202-555-0143")
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(),
                    timeout=10_000)
    dialog = window.confirm_dialog
    assert dialog.windowTitle().startswith("Confirm call")
    assert "+1 202-555-0143" in dialog.windowTitle()
    assert dialog.rows["country"].text().endswith("United States (Washington D.C.)")
    assert "rings first" in dialog.rows["rings_first"].text()
    assert sandbox_calls(sandbox_url) == []  # nothing placed while the user reads
    qtbot.wait(300)
    assert sandbox_calls(sandbox_url) == []
    assert dialog.call_button.isDefault()
    qtbot.mouseClick(dialog.call_button, QtCore.Qt.MouseButton.LeftButton)
    wait_call_shown(qtbot, window)
    qtbot.waitUntil(lambda: len(sandbox_calls(sandbox_url)) == 1, timeout=10_000)
    qtbot.wait(300)
    calls = sandbox_calls(sandbox_url)
    assert len(calls) == 1 and calls[0]["to"] == "+12025550143"
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)


def test_cancelling_the_confirmation_places_nothing(qtbot: Any, window: Any, sandbox_url: str) -> None:
    window.open_uri("callto:+12025550143")
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(),
                    timeout=10_000)
    qtbot.keyClick(window.confirm_dialog, QtCore.Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.confirm_dialog is None, timeout=5_000)
    qtbot.wait(300)
    assert sandbox_calls(sandbox_url) == []
    assert not window.call_live


def test_premium_rate_needs_the_extra_step(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    type_number(qtbot, window, "+19005550100")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(),
                    timeout=10_000)
    dialog = window.confirm_dialog
    assert dialog.extra.isVisible()
    assert not dialog.call_button.isEnabled()
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Return)  # Enter does not get past the extra step
    assert dialog.isVisible()
    dialog.extra.setChecked(True)
    assert dialog.call_button.isEnabled()
    qtbot.mouseClick(dialog.call_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(sandbox_calls(sandbox_url)) == 1, timeout=10_000)
    wait_call_shown(qtbot, window)
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)


def test_matching_contacts_appear_as_you_type_and_can_be_picked(qtbot: Any, window: Any,
                                                                 gui_service: Any) -> None:
    from dialer.store.contacts import Contact, ContactNumber

    gui_service.contacts.add(Contact(id=None, name="Ada Lovelace",
                                     numbers=[ContactNumber.parse("+442079460958", "work")]))
    select_provider(window, "ringez")
    suggestions = window.dial_page.suggestions
    type_number(qtbot, window, "232")  # A-D-A on the keypad
    qtbot.waitUntil(suggestions.isVisible, timeout=5_000)
    assert suggestions.item(0).text().startswith("Ada Lovelace — +44 20 7946 0958")
    type_number(qtbot, window, "ada")  # by name
    qtbot.waitUntil(lambda: suggestions.isVisible() and suggestions.count() == 1, timeout=5_000)
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)  # Enter picks it and calls
    wait_call_shown(qtbot, window)
    assert window.call_panel.title.text() == "Ada Lovelace"
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)


def test_balance_is_refreshed_after_the_call(qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    label = window.balance.label
    qtbot.waitUntil(lambda: "60 minutes" in label.text(), timeout=10_000)
    type_number(qtbot, window, "+12025550006")  # answered, then the far end hangs up after 30 s
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    wait_call_shown(qtbot, window)
    qtbot.waitUntil(lambda: not window.call_panel.is_live, timeout=20_000)
    qtbot.waitUntil(lambda: "59 minutes" in label.text(), timeout=10_000)


def test_post_dial_digits_from_a_link_are_shown_and_can_be_cancelled(
        qtbot: Any, window: Any, sandbox_url: str) -> None:
    select_provider(window, "ringez")
    direct_mode(window)  # direct: digits are queued for the answer (a bridge call offers a Send button)
    window.open_uri("tel:+442079460958;postd=pp123")
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(),
                    timeout=10_000)
    assert "123" in window.confirm_dialog.rows["postdial"].text()
    qtbot.mouseClick(window.confirm_dialog.call_button, QtCore.Qt.MouseButton.LeftButton)
    wait_call_shown(qtbot, window)
    panel = window.call_panel
    qtbot.waitUntil(lambda: panel.postdial.isVisible() and "123" in panel.postdial.text(), timeout=20_000)
    qtbot.mouseClick(panel.cancel_postdial, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.postdial.isVisible(), timeout=10_000)
    qtbot.wait(4500)  # longer than both pauses: nothing is sent after cancelling
    assert sandbox_calls(sandbox_url)[0]["dtmf"] == []
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)


@pytest.mark.parametrize("provider_id", ["ringcentral", "calledin", "ringostat"])
def test_every_provider_ends_with_plain_words(qtbot: Any, window: Any, sandbox_url: str,
                                              provider_id: str) -> None:
    select_provider(window, provider_id)
    type_number(qtbot, window, "+12025550001")  # busy
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dial_stack.currentWidget() is window.call_panel, timeout=10_000)
    panel = window.call_panel
    caps = panel.active.plan.account.capabilities
    if caps.hangup.value == "never" and panel.is_live:
        assert not panel.hangup.isEnabled() and "phone" in panel.hangup.toolTip()
    qtbot.waitUntil(lambda: not panel.is_live, timeout=30_000)
    if caps.leg_status.value == "none":  # Ringostat: accepted, then nothing more is ever reported
        assert panel.outcome.text() == ("Ringostat accepted the call and reports no progress; "
                                        "the phone Ringostat calls first should ring shortly.")  # simple method
    else:
        assert panel.outcome.text() == "The line was busy."


def test_closing_during_a_call_asks_first(qtbot: Any, window: Any, sandbox_url: str) -> None:
    quit_asked: list[bool] = []
    window.closing.connect(lambda: quit_asked.append(True))
    select_provider(window, "ringez")
    type_number(qtbot, window, "+442079460958")
    qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
    wait_call_shown(qtbot, window)
    window.close()
    box = next(d for d in window.dialogs if d.objectName() == "quitDuringCall")
    assert window.isVisible() and quit_asked == []
    box.reject()  # "Keep the window"
    qtbot.waitUntil(lambda: box not in window.dialogs, timeout=5_000)
    assert window.isVisible() and quit_asked == [] and window.call_live
    window.hang_up()
    qtbot.waitUntil(lambda: not window.call_live, timeout=20_000)
    window.close()
    assert quit_asked == [True]


def test_hang_up_of_a_ringing_ringout_says_to_decline_on_the_phone(qtbot: Any, window: Any,
                                                                   sandbox_url: str) -> None:
    """RingCentral's DELETE does not end a RingOut once your phone rings: the panel says what to do."""
    httpx.post(f"{sandbox_url}/_sandbox/config", json={"speed": 0.5}, timeout=5).raise_for_status()
    try:
        select_provider(window, "ringcentral")
        type_number(qtbot, window, "+12025550100")
        qtbot.keyClick(window.dial_page.number, QtCore.Qt.Key.Key_Return)
        wait_call_shown(qtbot, window)
        qtbot.waitUntil(lambda: bool(sandbox_calls(sandbox_url))
                        and sandbox_calls(sandbox_url)[0]["legs"][0]["state"] == "ringing", timeout=10_000)
        panel = window.call_panel
        qtbot.waitUntil(lambda: panel.hangup.isEnabled(), timeout=10_000)
        panel.hangup.click()
        qtbot.waitUntil(lambda: panel.hangup_notice.isVisible(), timeout=10_000)
        assert "on your phone" in panel.hangup_notice.text()
        assert panel.is_live and panel.hangup.text() == "Hang up"  # still followed; may be tried again
        assert not sandbox_calls(sandbox_url)[0]["ended"]
    finally:
        httpx.post(f"{sandbox_url}/_sandbox/config", json={"speed": 100}, timeout=5)
        window.hang_up()
