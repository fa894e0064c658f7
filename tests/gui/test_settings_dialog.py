"""Settings dialog: values persist across reopening (and a fresh service), a wrong own number is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialer.core.calls import CallMode
from dialer.qt import Qt, QtWidgets
from dialer.service.app import DialerService
from dialer.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import run


@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path) -> Iterator[DialerService]:
    svc = run(qtbot, DialerService.open(home=dialer_home))
    yield svc
    run(qtbot, svc.aclose())


def ok(dialog: SettingsDialog, qtbot: Any) -> None:
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def test_settings_persist_after_reopening(service: DialerService, qtbot: Any, dialer_home: Path) -> None:
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.own_number_edit, "020 7946 0958")
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("GB"))
    assert dialog.own_number_hint.text().startswith("✓ +44 20 7946 0958")
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData("direct"))
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.confirm_check.setChecked(True)
    dialog.max_minutes_spin.setValue(30)
    dialog.minimized_check.setChecked(True)
    with qtbot.waitSignal(dialog.settingsChanged):
        ok(dialog, qtbot)
    assert not dialog.isVisible()

    again = SettingsDialog(service)
    qtbot.addWidget(again)
    assert again.own_number_edit.text() == "+442079460958"
    assert again.region_combo.currentData() == "GB"
    assert again.mode_combo.currentData() == "direct"
    assert again.theme_combo.currentData() == "dark"
    assert again.confirm_check.isChecked()
    assert again.max_minutes_spin.value() == 30
    assert again.minimized_check.isChecked()

    # A fresh service on the same data folder reads the same values (they are stored, not cached).
    fresh = run(qtbot, DialerService.open(home=dialer_home))
    try:
        s = fresh.settings
        assert (s.own_number, s.default_region, s.default_mode, s.theme, s.confirm_all, s.max_minutes,
                s.start_minimized) == ("+442079460958", "GB", CallMode.DIRECT, "dark", True, 30, True)
    finally:
        run(qtbot, fresh.aclose())


def test_wrong_own_number_is_refused_in_place(service: DialerService, qtbot: Any) -> None:
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.own_number_edit, "+44 12")
    assert dialog.own_number_hint.text().startswith("⚠")
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    ok(dialog, qtbot)
    assert dialog.isVisible()
    assert dialog.error_label.isVisible() and "My phone number" in dialog.error_label.text()
    assert service.settings.own_number is None and service.settings.theme == "system"  # nothing saved


def test_cancel_changes_nothing_and_no_limit_is_stored_as_none(service: DialerService, qtbot: Any) -> None:
    service.settings.max_minutes = 10
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.max_minutes_spin.setValue(0)
    assert dialog.max_minutes_spin.text() == "No limit"
    dialog.reject()
    assert service.settings.max_minutes == 10
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    dialog.max_minutes_spin.setValue(0)
    dialog.accept()
    assert service.settings.max_minutes is None


def test_every_control_has_an_accessible_name(service: DialerService, qtbot: Any) -> None:
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    controls = [*dialog.findChildren(QtWidgets.QComboBox), *dialog.findChildren(QtWidgets.QLineEdit),
                *dialog.findChildren(QtWidgets.QCheckBox), *dialog.findChildren(QtWidgets.QSpinBox)]
    unnamed = [c for c in controls if not c.accessibleName() and c.parent() is not None
               and not isinstance(c.parent(), QtWidgets.QComboBox | QtWidgets.QAbstractSpinBox)]
    assert unnamed == []


def test_default_account_lists_signed_in_accounts(service: DialerService, qtbot: Any, sandbox_url: str) -> None:
    account = run(qtbot, service.accounts.sign_in("ringez", {"email": "demo@ringez.test",
                                                             "password": "ringez-demo-password"}))
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    index = dialog.account_combo.findData(account.id)
    assert index > 0 and dialog.account_combo.itemText(index) == "Ringez: demo@ringez.test"
    dialog.account_combo.setCurrentIndex(index)
    dialog.accept()
    assert service.settings.default_account_id == account.id
    again = SettingsDialog(service)
    qtbot.addWidget(again)
    assert again.account_combo.currentData() == account.id


def test_start_at_login_and_notifications_are_switches_the_user_controls(
        service: DialerService, qtbot: Any, tmp_path: Path) -> None:
    entry = tmp_path / "xdg-config" / "autostart" / "io.github.dialer.Dialer.desktop"
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.notifications_check.isChecked()  # on by default
    assert not dialog.autostart_check.isChecked() and not entry.exists()
    dialog.autostart_check.setChecked(True)
    dialog.notifications_check.setChecked(False)
    ok(dialog, qtbot)
    assert entry.is_file() and "--minimized" in entry.read_text(encoding="utf-8")
    assert service.settings.notifications is False

    again = SettingsDialog(service)
    qtbot.addWidget(again)
    assert again.autostart_check.isChecked()  # read back from the desktop's own folder
    assert not again.notifications_check.isChecked()
    again.autostart_check.setChecked(False)
    ok(again, qtbot)
    assert not entry.exists()
