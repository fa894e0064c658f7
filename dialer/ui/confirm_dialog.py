"""Confirm a call before it is placed: what will be dialled, where, when it is there, and what it costs.

Always shown for calls that did not start in this window (a tel: link, the clipboard, the command line),
and for every call when the user asks for it in settings. Premium-rate and shared-cost numbers need an
explicit extra step: a checkbox that must be ticked before the Call button works.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialer.core import numbers
from dialer.core.calls import CallMode
from dialer.qt import QtCore, QtWidgets
from dialer.ui import icons
from dialer.ui.balance_widget import minutes_text, money

NIGHT_START, NIGHT_END = 22, 7
EXTRA_STEP_TEXT = "I understand this number may cost more"


def _type_words(number_type: Any) -> str:
    value = str(getattr(number_type, "value", number_type) or "")
    return {"fixed-line": "landline", "fixed-line-or-mobile": "landline or mobile", "toll-free": "toll-free",
            "premium-rate": "premium-rate", "shared-cost": "shared-cost", "voip": "internet phone (VoIP)",
            "unknown": "unknown kind of number"}.get(value, value.replace("-", " "))


def local_time_text(info: Any, now: datetime | None = None) -> tuple[str, bool]:
    """("14:05 (Tue)", is_night) at the destination, or ("", False) when unknown."""
    try:
        local = info.local_time(now)
    except Exception:  # missing zone data must not block a call
        local = None
    if local is None:
        return "", False
    night = local.hour >= NIGHT_START or local.hour < NIGHT_END
    return local.strftime("%H:%M (%a)"), night


class ConfirmDialog(QtWidgets.QDialog):
    """Built from a service ``CallPlan``; ``accepted`` means place it (``extra_confirmed`` tells the step)."""

    def __init__(self, plan: Any, parent: QtWidgets.QWidget | None = None, *, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        info = plan.info
        number = info.international if info is not None else plan.destination
        self.setObjectName("confirmDialog")
        self.setWindowTitle(f"Confirm call to {number}")
        self.setAccessibleName("Confirm call")
        self.setModal(True)
        self.setMinimumWidth(420)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(6)

        name = getattr(plan, "display_name", None)
        heading = QtWidgets.QLabel(self)
        heading.setObjectName("confirmNumber")
        heading.setAccessibleName("Number to call")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        heading.setText(number)
        heading.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        if name:
            who = QtWidgets.QLabel(name, self)
            who.setAccessibleName("Contact")
            layout.addWidget(who)

        form = QtWidgets.QFormLayout()
        form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        self.rows: dict[str, QtWidgets.QLabel] = {}

        def row(key: str, label: str, text: str) -> QtWidgets.QLabel:
            value = QtWidgets.QLabel(text, self)
            value.setObjectName(f"confirm_{key}")
            value.setAccessibleName(label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
            self.rows[key] = value
            return value

        if info is not None:
            from dialer.ui.number_field import flag_text

            where = " ".join(p for p in (flag_text(info.region), info.country_name) if p)
            if info.place and info.place != info.country_name:
                where += f" ({info.place})"
            row("country", "Country", where or "unknown")
            kind = _type_words(info.number_type)
            if info.carrier:
                kind += f" · {info.carrier}"
            row("type", "Type", kind)
            when, night = local_time_text(info, now)
            if when:
                label = row("local_time", "Local time there", when + ("  — it is night there" if night else ""))
                if night:
                    label.setProperty("role", "warning")
        rate = getattr(plan, "rate_per_minute", None)
        currency = getattr(plan, "currency", None)
        if rate is not None:
            text = f"{money(rate, currency)} per minute"
            estimate = getattr(plan, "estimate_max", None)
            if estimate is not None and getattr(plan, "max_minutes", None):
                text += f" · at most {money(estimate, currency)} for {plan.max_minutes} min"
            row("rate", "Rate", text)
        else:
            row("rate", "Rate", "not published by this provider")
        balance = getattr(plan, "balance", None)
        if balance is not None:
            parts = [p for p in (minutes_text(balance.minutes), money(balance.amount, balance.currency)) if p]
            row("balance", "Balance", " · ".join(parts) or "not reported")
        row("account", "Call with", plan.account.display_name)
        rings = getattr(plan, "rings_first", "") or (
            f"Your phone ({plan.own_number}) rings first" if plan.mode is CallMode.BRIDGE and plan.own_number
            else "The number is called directly")
        row("rings_first", "What happens", rings)
        if getattr(plan, "caller_id", None):
            shown = numbers.format_international(plan.caller_id)
            note = plan.account.capabilities.caller_id_note
            row("caller_id", "They will see", f"{shown}\n{note}" if note else shown)
        if plan.postdial:
            manual = getattr(plan, "postdial_is_manual", False)
            row("postdial", "Then sends", plan.postdial + (
                " — with a Send button once your phone answers (when the destination answers is not "
                "reported)" if manual else ""))
        layout.addLayout(form)

        self.warnings = QtWidgets.QLabel(self)
        self.warnings.setObjectName("confirmWarnings")
        self.warnings.setAccessibleName("Warnings")
        self.warnings.setProperty("role", "warning")
        self.warnings.setWordWrap(True)
        warnings = list(getattr(plan, "warnings", ()) or ())
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        layout.addWidget(self.warnings)

        self.extra = QtWidgets.QCheckBox(EXTRA_STEP_TEXT, self)
        self.extra.setObjectName("extraStep")
        self.extra.setAccessibleName(EXTRA_STEP_TEXT)
        self.extra.setVisible(bool(plan.needs_extra_step))
        layout.addWidget(self.extra)

        self.buttons = QtWidgets.QDialogButtonBox(self)
        self.call_button = QtWidgets.QPushButton(icons.icon("call", "#ffffff"), "Call", self)
        self.call_button.setObjectName("callButton")
        self.call_button.setAccessibleName("Call")
        self.buttons.addButton(self.call_button, QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.call_button.setDefault(True)
        self.call_button.setAutoDefault(True)
        self.cancel_button.setAutoDefault(False)
        self.extra.toggled.connect(self._update)
        self._update()
        self.call_button.setFocus()

    @property
    def extra_confirmed(self) -> bool:
        return not self.plan.needs_extra_step or self.extra.isChecked()

    def _update(self, *_args: object) -> None:
        allowed = not self.plan.needs_extra_step or self.extra.isChecked()
        self.call_button.setEnabled(allowed)
        self.call_button.setToolTip("" if allowed else "Tick the box above to confirm the extra cost.")

    def accept(self) -> None:
        if not self.call_button.isEnabled():
            return
        super().accept()
