"""The dial page's pieces on their own: formatting, paste, the pad, accounts, balance, call panel, theme."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from dialer.core import numbers
from dialer.core.billing import Rate
from dialer.core.calls import Call, CallMode, LegRole, LegState, Origin
from dialer.core.safety import DialVerdict
from dialer.providers import registry
from dialer.providers.base import Balance
from dialer.qt import QtCore, QtGui, QtWidgets
from dialer.service.active import AccountView, ActiveCall, CallPlan
from dialer.ui import theme
from dialer.ui.account_picker import AccountPicker
from dialer.ui.balance_widget import BalanceWidget
from dialer.ui.call_panel import CallPanel
from dialer.ui.confirm_dialog import ConfirmDialog
from dialer.ui.dialpad import LONG_PRESS_MS, DialPad
from dialer.ui.number_field import NumberField


def account(provider_id: str, account_id: int = 1) -> AccountView:
    return AccountView(id=account_id, provider_id=provider_id, label=f"me@{provider_id}",
                       capabilities=registry.capabilities_of(provider_id), signed_in=True)


def plan(provider_id: str = "ringez", number: str = "+442079460958", **kw: Any) -> CallPlan:
    acc = account(provider_id)
    mode = CallMode.BRIDGE
    return CallPlan(destination=number, info=numbers.describe(number), account=acc, mode=mode,
                    origin=kw.pop("origin", Origin.WINDOW), own_number="+14155550123", postdial="",
                    verdict=kw.pop("verdict", DialVerdict()), rate=Rate(Decimal("0.06"), "USD"), **kw)


def active(provider_id: str = "ringez", **kw: Any) -> ActiveCall:
    p = plan(provider_id)
    return ActiveCall(id=7, plan=p, call=Call.new(p.destination, p.mode), started_at=datetime.now(UTC), **kw)


@pytest.fixture
def field(qtbot: Any) -> NumberField:
    widget = NumberField()
    qtbot.addWidget(widget)
    widget.set_region("US")
    return widget


def test_number_is_formatted_as_typed(qtbot: Any, field: NumberField) -> None:
    qtbot.keyClicks(field, "2025550143")
    assert field.text() == "(202) 555-0143"
    assert field.cursorPosition() == len(field.text())


def test_caret_stays_after_a_digit_inserted_in_the_middle(qtbot: Any, field: NumberField) -> None:
    qtbot.keyClicks(field, "202555014")
    field.setCursorPosition(field.text().index("555"))  # before the 5s
    qtbot.keyClicks(field, "9")
    assert numbers.digits_only(field.text()) == "2029555014"
    assert field.text()[field.cursorPosition() - 1] == "9"


def test_paste_extracts_the_number_from_any_text(qtbot: Any, field: NumberField) -> None:
    field.paste_text("Call me on +44 20 7946 0958 after lunch — Ada")
    assert numbers.digits_only(field.text()) == "442079460958"
    field.paste_text("tel:+1-202-555-0143")
    assert field.dial_text() == "+12025550143"


def test_ctrl_v_goes_through_the_extractor(qtbot: Any, field: NumberField) -> None:
    QtGui.QGuiApplication.clipboard().setText("Mobile: +1 (202) 555-0143 (evenings)")
    qtbot.keyClick(field, "v", QtCore.Qt.KeyboardModifier.ControlModifier)
    assert field.dial_text() == "+12025550143"


def test_backspace_skips_formatting_characters(qtbot: Any, field: NumberField) -> None:
    field.set_number("2025550143")
    field.setCursorPosition(len(field.text()))
    field.backspace_dial()
    assert numbers.digits_only(field.text()) == "202555014"


def test_long_press_on_zero_types_plus(qtbot: Any) -> None:
    pad = DialPad()
    qtbot.addWidget(pad)
    got: list[str] = []
    pad.pressed.connect(got.append)
    zero = pad.buttons["0"]
    qtbot.mousePress(zero, QtCore.Qt.MouseButton.LeftButton)
    qtbot.wait(LONG_PRESS_MS + 150)
    qtbot.mouseRelease(zero, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(zero, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.buttons["#"], QtCore.Qt.MouseButton.LeftButton)
    assert got == ["+", "0", "#"]
    assert all(b.accessibleName() for b in pad.buttons.values())


def test_ring_my_phone_first_only_where_the_provider_offers_both(qtbot: Any) -> None:
    picker = AccountPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.set_accounts([account("ringez", 1), account("ringcentral", 2)])
    assert picker.ring_first.isVisible()
    assert picker.current_mode() is CallMode.BRIDGE
    assert not picker.own_number.isVisible()  # Ringez rings the phone registered with the account
    picker.ring_first.setChecked(False)
    assert picker.current_mode() is CallMode.DIRECT
    assert not picker.own_number.isVisible()  # direct calls ring nobody first
    picker.combo.setCurrentIndex(1)
    assert not picker.ring_first.isVisible()
    assert picker.current_mode() is CallMode.BRIDGE
    assert picker.own_number.isVisible()  # RingCentral is sent the number to ring first


def test_no_accounts_says_how_to_get_one(qtbot: Any) -> None:
    picker = AccountPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.set_accounts([])
    assert picker.empty.isVisible() and "sign in" in picker.empty.text().lower()
    assert picker.current_account() is None


def test_balance_low_warning_and_unsupported_wording(qtbot: Any) -> None:
    widget = BalanceWidget()
    qtbot.addWidget(widget)
    widget.show()
    widget.show_balance(Balance(minutes=3, amount=Decimal("0.40"), currency="USD"), "https://ringez.com/wallet")
    assert widget.label.text() == "Balance: 3 minutes · $0.40"
    assert widget.warning.isVisible()
    assert widget.top_up.isVisible()
    widget.show_unsupported("Ringostat")
    assert widget.label.text() == "Ringostat does not report a balance."
    assert not widget.warning.isVisible() and not widget.top_up.isVisible()


@pytest.mark.parametrize(("provider_id", "answered", "enabled"), [
    ("ringez", True, True), ("ringcentral", False, True), ("ringcentral", True, False),
    ("calledin", False, False), ("ringostat", False, False)])
def test_hang_up_button_follows_capabilities(qtbot: Any, provider_id: str, answered: bool,
                                             enabled: bool) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.show()
    call = active(provider_id, answered_at=datetime.now(UTC) if answered else None)
    panel.show_call(call)
    assert panel.hangup.isEnabled() is enabled
    if not enabled:
        assert "phone" in panel.hangup.toolTip()
    panel.timer.stop()


def test_panel_shows_queued_digits_and_their_cancel(qtbot: Any) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.show()
    cancelled: list[int] = []
    panel.cancelPostdialRequested.connect(cancelled.append)
    call = active("ringez", pending_dtmf="1234#")
    panel.show_call(call)
    assert panel.postdial.isVisible() and "1234#" in panel.postdial.text()
    qtbot.mouseClick(panel.cancel_postdial, QtCore.Qt.MouseButton.LeftButton)
    assert cancelled == [7]


def test_outcome_when_your_own_phone_did_not_answer(qtbot: Any) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    call = active("ringcentral", finished=True)
    call.call.leg(LegRole.SELF).advance(LegState.NO_ANSWER)  # type: ignore[union-attr]
    panel.show_call(call)
    assert panel.outcome.text() == "You did not answer your phone, so the number was not called."
    assert not panel.timer.isActive()


def test_confirmation_warns_at_night_there(qtbot: Any) -> None:
    night = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 02:30 in London
    dialog = ConfirmDialog(plan(), now=night)
    qtbot.addWidget(dialog)
    assert "night" in dialog.rows["local_time"].text()
    assert dialog.rows["local_time"].property("role") == "warning"
    assert dialog.rows["rate"].text().startswith("$0.06 per minute")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_forced_theme_sets_a_matching_palette(qapp: Any, mode: str) -> None:
    try:
        dark = theme.apply(qapp, mode)
        window = qapp.palette().color(QtGui.QPalette.ColorRole.Window)
        text = qapp.palette().color(QtGui.QPalette.ColorRole.WindowText)
        assert dark is (mode == "dark")
        assert (window.lightness() < 100) is dark
        assert abs(window.lightness() - text.lightness()) > 120  # readable contrast either way
    finally:
        theme.apply(qapp, "light")


def _unnamed_controls(window: Any) -> tuple[list[str], int]:
    missing: list[str] = []
    checked = 0
    kinds = (QtWidgets.QAbstractButton, QtWidgets.QLineEdit, QtWidgets.QComboBox, QtWidgets.QAbstractItemView)
    for widget in window.findChildren(QtWidgets.QWidget):
        if not isinstance(widget, kinds) or not widget.isVisibleTo(window) or widget.window() is not window:
            continue
        checked += 1
        named = widget.accessibleName() or (isinstance(widget, QtWidgets.QAbstractButton) and widget.text().strip())
        if not named and not widget.objectName().startswith("qt_"):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing, checked


def test_every_control_in_the_window_has_an_accessible_name(qtbot: Any, window: Any) -> None:
    missing, on_dial_page = _unnamed_controls(window)
    window.show_call(active("ringez"))
    missing_in_call, in_call = _unnamed_controls(window)
    assert missing == [] and missing_in_call == []
    assert on_dial_page > 20 and in_call > 15  # the pad, the field, the account, the call keypad...
    window.call_panel.timer.stop()


def test_keyboard_paths(qtbot: Any, window: Any) -> None:
    assert QtWidgets.QApplication.focusWidget() in (window.dial_page.number, None)
    qtbot.keyClick(window, "f", QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    search = QtWidgets.QApplication.focusWidget()
    assert isinstance(search, QtWidgets.QLineEdit) and window.tabs.currentWidget().isAncestorOf(search)
    qtbot.keyClick(window, "2", QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(window, "3", QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 2
    qtbot.keyClick(window, "l", QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    assert window.dial_page.number.hasFocus() or QtWidgets.QApplication.focusWidget() is window.dial_page.number


def test_an_unexpected_error_is_shown_not_swallowed(qtbot: Any) -> None:
    from dialer.ui import errors

    try:
        raise KeyError("lost")
    except KeyError as exc:
        errors._excepthook(type(exc), exc, exc.__traceback__)
    box = next(w for w in QtWidgets.QApplication.topLevelWidgets()
               if w.objectName() == "errorBox" and w.isVisible())
    assert "KeyError" in box.text() and "send the log" in box.text()
    box.close()


def test_our_own_errors_are_shown_in_their_words() -> None:
    from dialer.service.errors import DialError
    from dialer.ui import errors

    assert errors.user_message(DialError("Sign in to Ringez first.")) == "Sign in to Ringez first."


def test_both_palettes_keep_text_readable() -> None:
    """Forced light and dark looks have their own colours (not the desktop's) with readable contrast."""
    from dialer.qt import QtGui
    from dialer.ui import theme

    def luminance(color: Any) -> float:
        def channel(c: int) -> float:
            v = c / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())

    role = QtGui.QPalette.ColorRole
    for pal, dark in ((theme.light_palette(), False), (theme.dark_palette(), True)):
        assert (pal.color(role.Window).lightness() < 128) is dark
        for fg, bg in ((role.WindowText, role.Window), (role.Text, role.Base), (role.ButtonText, role.Button),
                       (role.HighlightedText, role.Highlight)):
            hi, lo = sorted((luminance(pal.color(fg)), luminance(pal.color(bg))), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 3.0, (dark, fg, bg)
