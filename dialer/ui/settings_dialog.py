"""Preferences: default account and call mode, my number, default region, theme, safety, start-up.

Nothing is written until the user clicks OK; then every value goes to ``service.settings`` and
``settingsChanged`` is emitted so the shell can re-theme, re-plan calls and so on. My phone number is
checked with :mod:`dialer.core.numbers` before anything is saved: a wrong number would make every bridge
call ring the wrong phone, so the dialog refuses it and says why, in place.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from typing import Any

from dialer import i18n
from dialer.core import numbers
from dialer.core.calls import CallMode
from dialer.desktop import autostart
from dialer.qt import QtCore, QtWidgets, Signal
from dialer.ui import theme
from dialer.ui.caller_id import CallerIdField

MODE_TEXT = {
    CallMode.BRIDGE: "Ring my phone first, then the number (bridge)",
    CallMode.DIRECT: "Call the number directly (automated calls)",
}
THEMES = (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark"))

def _error_style() -> str:
    """Red that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().hangup};"



def _region_names() -> list[tuple[str, str]]:
    """(code, "Country (code)") for every region phone numbers know, sorted by name."""
    import phonenumbers

    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QtCore.QLocale.codeToTerritory(code)
        name = QtCore.QLocale.territoryToString(territory) if territory.value else code
        out.append((code, f"{name} ({code})"))
    return sorted(out, key=lambda item: item[1].casefold())


class SettingsDialog(QtWidgets.QDialog):
    """Edit ``service.settings``; applied on OK (``accept``), which also emits ``settingsChanged``."""

    settingsChanged = Signal()

    def __init__(self, service: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._settings = service.settings
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(480)

        self.account_combo = QtWidgets.QComboBox()
        self.account_combo.setAccessibleName("Default account")
        self.mode_combo = QtWidgets.QComboBox()
        self.mode_combo.setAccessibleName("Default call mode")
        for mode, text in MODE_TEXT.items():
            self.mode_combo.addItem(text, mode.value)
        self.own_number_edit = QtWidgets.QLineEdit()
        self.own_number_edit.setAccessibleName("My phone number")
        self.own_number_edit.setPlaceholderText("+44 7700 900123")
        self.own_number_hint = QtWidgets.QLabel()
        self.own_number_hint.setWordWrap(True)
        self.own_number_hint.setAccessibleName("My phone number check")
        self.region_combo = QtWidgets.QComboBox()
        self.region_combo.setAccessibleName("Default country for numbers without a country code")
        self.region_combo.addItem("Automatic (from my number or the system)", None)
        for code, name in _region_names():
            self.region_combo.addItem(name, code)
        self.theme_combo = QtWidgets.QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for value, text in THEMES:
            self.theme_combo.addItem(text, value)
        self.confirm_check = QtWidgets.QCheckBox("Ask me before &every call, even ones I start in this window")
        self.confirm_check.setAccessibleName("Confirm every call")
        self.max_minutes_spin = QtWidgets.QSpinBox()
        self.max_minutes_spin.setAccessibleName("Longest call in minutes")
        self.max_minutes_spin.setRange(0, 24 * 60)
        self.max_minutes_spin.setSuffix(" min")
        self.max_minutes_spin.setSpecialValueText("No limit")
        self.max_minutes_spin.setToolTip("Providers that support it end the call after this many minutes.")
        self.max_minutes_spin.setMaximumWidth(self.fontMetrics().horizontalAdvance("0000 min") * 2)
        self.minimized_check = QtWidgets.QCheckBox("Start &minimized to the tray")
        self.minimized_check.setAccessibleName("Start minimized to the tray")
        self.language_combo = QtWidgets.QComboBox()
        self.language_combo.setAccessibleName("Language")
        self.language_combo.addItem("Same as the system", None)
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setToolTip("Used from the next start.")
        self.autostart_check = QtWidgets.QCheckBox("Start Dialer when I &log in")
        self.autostart_check.setAccessibleName("Start Dialer when I log in")
        self.autostart_check.setToolTip("It starts in the tray, ready for links and quick calls.")
        self.notifications_check = QtWidgets.QCheckBox("&Notify me when a call ends while I am elsewhere")
        self.notifications_check.setAccessibleName("Desktop notifications")
        self.notifications_check.setToolTip("Also when the balance runs low. Click one to see the call in History.")
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet(_error_style())
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Settings error")
        self.error_label.hide()
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel)

        calls = QtWidgets.QGroupBox("Calls")
        calls_form = QtWidgets.QFormLayout(calls)
        calls_form.addRow("Default &account:", self.account_combo)
        calls_form.addRow("Default &mode:", self.mode_combo)
        calls_form.addRow("My &phone number:", self.own_number_edit)
        calls_form.addRow("", self.own_number_hint)
        calls_form.addRow("Default &country:", self.region_combo)
        safety = QtWidgets.QGroupBox("Safety")
        safety_form = QtWidgets.QFormLayout(safety)
        safety_form.addRow(self.confirm_check)
        safety_form.addRow("&Longest call:", self.max_minutes_spin)
        self.caller_ids: dict[int, CallerIdField] = {}  # account id -> its caller-ID chooser
        self.caller_box = QtWidgets.QGroupBox("Caller ID: the number the person you call sees")
        # A box layout, not a form: QFormLayout clips word-wrapped notes whose text arrives later.
        self._caller_rows = QtWidgets.QVBoxLayout(self.caller_box)
        self.caller_box.hide()
        looks = QtWidgets.QGroupBox("Appearance and start-up")
        looks_form = QtWidgets.QFormLayout(looks)
        looks_form.addRow("&Theme:", self.theme_combo)
        looks_form.addRow("&Language:", self.language_combo)
        looks_form.addRow(self.minimized_check)
        looks_form.addRow(self.autostart_check)
        looks_form.addRow(self.notifications_check)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(calls)
        layout.addWidget(self.caller_box)
        layout.addWidget(safety)
        layout.addWidget(looks)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        chain = [self.account_combo, self.mode_combo, self.own_number_edit, self.region_combo,
                 self.confirm_check, self.max_minutes_spin, self.theme_combo, self.language_combo, self.minimized_check,
                 self.autostart_check, self.notifications_check, *self.buttons.buttons()]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

        self.own_number_edit.textChanged.connect(self._check_own_number)
        self.region_combo.currentIndexChanged.connect(self._check_own_number)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.load()

    # ---------------------------------------------------------------------------------------- values

    def _accounts(self) -> list[Any]:
        try:
            return list(self._service.accounts.list())
        except Exception:
            return []

    def load(self) -> None:
        """Fill the controls from the stored settings."""
        s = self._settings
        self.account_combo.clear()
        self.account_combo.addItem("The first signed-in account", None)
        for account in self._accounts():
            caps = getattr(account, "capabilities", None)
            provider = getattr(caps, "display_name", account.provider_id)
            suffix = "" if getattr(account, "signed_in", True) else " (signed out)"
            self.account_combo.addItem(f"{provider}: {account.label}{suffix}", account.id)
        self._select(self.account_combo, s.default_account_id)
        mode = s.default_mode
        self._select(self.mode_combo, mode.value if mode is not None else CallMode.BRIDGE.value)
        self.own_number_edit.setText(s.own_number or "")
        self._select(self.region_combo, s.default_region)
        self._select(self.theme_combo, s.theme if s.theme in {t for t, _ in THEMES} else "system")
        self.confirm_check.setChecked(bool(s.confirm_all))
        self.max_minutes_spin.setValue(int(s.max_minutes or 0))
        self.minimized_check.setChecked(bool(s.start_minimized))
        self.notifications_check.setChecked(bool(s.notifications))
        self.autostart_check.setChecked(autostart.is_enabled())
        self._select(self.language_combo, i18n.chosen_language(environ={}))
        self._check_own_number()
        self._load_caller_ids()

    def _load_caller_ids(self) -> None:
        """One chooser per signed-in account that can show a chosen caller ID; lists load in the background."""
        accounts = [a for a in self._accounts() if getattr(a, "signed_in", True)
                    and getattr(getattr(a, "capabilities", None), "caller_id", False)]
        for account in accounts:
            field = self.caller_ids.get(account.id)
            if field is None:
                field = CallerIdField(self.caller_box, accessible_name=f"Caller ID for {account.display_name}")
                self.caller_ids[account.id] = field
                if self.caller_ids.keys() - {account.id}:
                    self._caller_rows.addSpacing(8)
                label = QtWidgets.QLabel(f"{account.display_name}:", self.caller_box)
                label.setBuddy(field.combo)
                self._caller_rows.addWidget(label)
                self._caller_rows.addWidget(field)
                self._caller_rows.addWidget(field.hint)
            field.load(functools.partial(self._service.accounts.caller_ids, account.id),
                       getattr(account, "caller_id", None))
        self.caller_box.setVisible(bool(accounts))

    @staticmethod
    def _select(combo: QtWidgets.QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def _region(self) -> str | None:
        data = self.region_combo.currentData()
        return str(data) if data else None

    def own_number(self) -> tuple[str | None, str]:
        """(E.164 or None, problem). An empty field is allowed (no number), a wrong one is not."""
        text = self.own_number_edit.text().strip()
        if not text:
            return None, ""
        try:
            return numbers.normalize(text, self._region()), ""
        except ValueError as exc:
            return None, str(exc)

    def _check_own_number(self) -> None:
        e164, problem = self.own_number()
        if problem:
            self.own_number_hint.setStyleSheet(_error_style())
            self.own_number_hint.setText(f"⚠ {problem}")
        elif e164:
            self.own_number_hint.setStyleSheet("")
            text = e164
            with contextlib.suppress(ValueError):
                text = numbers.format_international(e164)
            self.own_number_hint.setText(f"✓ {text}")
        else:
            self.own_number_hint.setStyleSheet("")
            self.own_number_hint.setText("Bridge calls ring this phone first.")

    # ----------------------------------------------------------------------------------------- apply

    def apply(self) -> bool:
        """Write every value; False (and an error in place) if my number is not a valid number."""
        e164, problem = self.own_number()
        if problem:
            self.error_label.setText(f"My phone number: {problem}")
            self.error_label.show()
            self.own_number_edit.setFocus()
            self.own_number_edit.selectAll()
            return False
        s = self._settings
        try:
            chosen = {account_id: self._service.accounts.checked_caller_id(
                account_id, field.value(), region=self._region(), own_number=e164)
                for account_id, field in self.caller_ids.items()}  # all checked first: a refused one saves none
            for account_id, caller_id in chosen.items():
                self._service.accounts.set_caller_id(account_id, caller_id, own_number=e164)
            s.own_number = e164
            s.default_region = self._region()
            account = self.account_combo.currentData()
            s.default_account_id = int(account) if account is not None else None
            s.default_mode = CallMode(self.mode_combo.currentData())
            s.theme = str(self.theme_combo.currentData())
            s.confirm_all = self.confirm_check.isChecked()
            s.max_minutes = self.max_minutes_spin.value() or None
            s.start_minimized = self.minimized_check.isChecked()
            s.notifications = self.notifications_check.isChecked()
            language = self.language_combo.currentData()
            if language != i18n.chosen_language(environ={}):
                i18n.save_choice(str(language) if language else None)
            if self.autostart_check.isChecked() != autostart.is_enabled():
                autostart.set_enabled(self.autostart_check.isChecked())
        except autostart.AutostartError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        except Exception as exc:
            self.error_label.setText(f"Could not save the settings: {exc}")
            self.error_label.show()
            return False
        self.error_label.hide()
        self.settingsChanged.emit()
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(520, super().sizeHint().height())

