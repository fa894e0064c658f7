"""Caller ID in the GUI (issue 11 item 9): the Settings chooser per account saves, and the dial page's
per-call choice goes into the call the provider receives."""

from __future__ import annotations

from typing import Any

import httpx

from dialer.qt import Qt, QtCore, QtWidgets
from dialer.service.app import DialerService
from dialer.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import select_provider

MAIN = "+12025550111"
DIRECT = "+12025550100"


def account_id(service: DialerService, provider: str) -> int:
    return next(v.id for v in service.accounts.list() if v.provider_id == provider)


def ringout_bodies(url: str) -> list[dict[str, Any]]:
    log = httpx.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
    return [r["body"] for r in log if r["method"] == "POST" and r["path"].endswith("/ring-out")]


def wait_call_over(qtbot: Any, win: Any) -> None:
    """The call was placed, shown live, and ended (the sandbox's +1 202 555 0006 answers, then hangs up)."""
    qtbot.waitUntil(lambda: win.call_live and win.dial_stack.currentWidget() is win.call_panel, timeout=10_000)
    qtbot.waitUntil(lambda: not win.call_panel.is_live, timeout=20_000)


def ok(dialog: SettingsDialog, qtbot: Any) -> None:
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def test_settings_chooser_lists_and_saves_the_default(qtbot: Any, gui_service: DialerService) -> None:
    rc, ci = account_id(gui_service, "ringcentral"), account_id(gui_service, "calledin")
    dialog = SettingsDialog(gui_service)
    qtbot.addWidget(dialog)
    dialog.show()
    assert set(dialog.caller_ids) == {rc, ci}  # Ringez and Ringostat cannot choose one: no chooser
    rc_field, ci_field = dialog.caller_ids[rc], dialog.caller_ids[ci]
    qtbot.waitUntil(lambda: rc_field.combo.count() == 3 and not ci_field.hint.text().startswith("Loading"),
                    timeout=10_000)
    assert not rc_field.combo.isEditable() and ci_field.combo.isEditable()
    assert "RingOut from Web" in rc_field.hint.text()
    rc_field.combo.setCurrentIndex(rc_field.combo.findData(MAIN))
    ci_field.combo.setEditText("+44 20 7946 0000")  # another country than my phone's: Called.in cannot
    ok(dialog, qtbot)
    assert dialog.isVisible() and "own phone's country" in dialog.error_label.text()
    assert gui_service.accounts.get(rc).caller_id is None  # nothing saved while one value is refused
    ci_field.combo.setEditText("+1 202 555 0122")
    with qtbot.waitSignal(dialog.settingsChanged):
        ok(dialog, qtbot)
    assert gui_service.accounts.get(rc).caller_id == MAIN
    assert gui_service.accounts.get(ci).caller_id == "+12025550122"

    again = SettingsDialog(gui_service)
    qtbot.addWidget(again)
    field = again.caller_ids[rc]
    assert field.value() == MAIN  # shown at once, before the list arrives
    qtbot.waitUntil(lambda: field.combo.count() == 3, timeout=10_000)
    assert field.value() == MAIN


def test_dial_row_choice_goes_into_the_call(qtbot: Any, window: Any, sandbox_url: str) -> None:
    picker = window.dial_page.accounts
    select_provider(window, "ringostat")
    assert not picker.caller_id.isVisible() and picker.caller_id_text() is None
    select_provider(window, "ringcentral")
    assert picker.caller_id.isVisible()
    qtbot.waitUntil(lambda: picker.caller_id.combo.findData(DIRECT) >= 0, timeout=10_000)
    picker.caller_id.combo.setCurrentIndex(picker.caller_id.combo.findData(DIRECT))
    field = window.dial_page.number
    field.clear()
    qtbot.keyClicks(field, "+1 202 555 0006")
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Return)
    wait_call_over(qtbot, window)
    assert len(ringout_bodies(sandbox_url)) == 1
    assert ringout_bodies(sandbox_url)[0]["callerId"] == {"phoneNumber": DIRECT}
    assert window.call_panel.active.plan.caller_id == DIRECT


def test_ringcentral_forwarding_numbers_are_offered_for_my_phone(qtbot: Any, window: Any,
                                                                 sandbox_url: str) -> None:
    picker = window.dial_page.accounts
    select_provider(window, "ringcentral")
    qtbot.waitUntil(picker.own_choices.isVisible, timeout=10_000)
    actions = picker.own_choices.menu().actions()
    assert [a.text().split()[0] for a in actions] == ["+12025550199", "+12025550142", "+12025550143"]
    actions[1].trigger()  # Home
    assert picker.own_number.text() == "+12025550142"
    assert window.service.settings.own_number == "+12025550142"
    select_provider(window, "ringostat")
    assert not picker.own_choices.isVisible()  # Ringostat lists no phones of yours
    select_provider(window, "ringcentral")
    qtbot.waitUntil(picker.own_choices.isVisible, timeout=10_000)
    field = window.dial_page.number
    field.clear()
    qtbot.keyClicks(field, "+1 202 555 0006")
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Return)
    wait_call_over(qtbot, window)
    body = ringout_bodies(sandbox_url)[0]
    assert body["from"] == {"phoneNumber": "+12025550142"} and "callerId" not in body
