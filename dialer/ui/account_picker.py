"""Which account places the call, how (ring my phone first, or direct), and the user's own number.

Only accounts the user signed in to are listed. The "Ring my phone first" choice appears only where the
provider offers both bridge and direct calls; the own-number field only where bridge calls need it.
Accounts are duck-typed service ``AccountView`` objects (id, provider_id, label, capabilities, signed_in).
"""

from __future__ import annotations

from dialer.qt import QtCore, QtWidgets
from dialer.ui.caller_id import CallerIdField, WidgetLife

TYPE_CHECKING = False  # not typing's: typing loads after the first paint (dialer.ui docstring)
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Coroutine, Sequence
    from typing import Any


class AccountPicker(QtWidgets.QWidget):
    accountChanged = QtCore.Signal(object)  # the AccountView, or None
    ownNumberEdited = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountPicker")
        self._accounts: list[Any] = []
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setAccessibleName("Account to call with")
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(18)
        self.combo.currentIndexChanged.connect(self._on_account)
        form.addRow("Call with", self.combo)
        self.ring_first = QtWidgets.QCheckBox("Ring my phone first", self)
        self.ring_first.setAccessibleName("Ring my phone first")
        self.ring_first.setToolTip("Your phone rings first; when you answer, the other number is dialled.")
        self.ring_first.toggled.connect(self._update_own_visibility)
        form.addRow("", self.ring_first)
        self.own_row = QtWidgets.QWidget(self)
        own_layout = QtWidgets.QHBoxLayout(self.own_row)
        own_layout.setContentsMargins(0, 0, 0, 0)
        self.own_number = QtWidgets.QLineEdit(self.own_row)
        self.own_number.setAccessibleName("Your phone number")
        self.own_number.setPlaceholderText("Your phone number, e.g. +1 415 555 0100")
        self.own_number.editingFinished.connect(lambda: self.ownNumberEdited.emit(self.own_number.text().strip()))
        own_layout.addWidget(self.own_number, 1)
        # The account's own numbers that may ring first (RingCentral's forwarding numbers), when it lists them.
        self.own_choices = QtWidgets.QToolButton(self.own_row)
        self.own_choices.setText("Phones")
        self.own_choices.setAccessibleName("Choose one of your account's phones")
        self.own_choices.setToolTip("Ring one of the phones your account knows (its forwarding numbers)")
        self.own_choices.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.own_choices.setMenu(QtWidgets.QMenu(self.own_choices))
        self.own_choices.hide()
        own_layout.addWidget(self.own_choices)
        self.own_label = QtWidgets.QLabel("My phone", self)
        self.own_label.setBuddy(self.own_number)
        form.addRow(self.own_label, self.own_row)
        self.caller_id = CallerIdField(self, accessible_name="Caller ID for this call")
        self.caller_id.combo.setToolTip("The number the person you call sees, for this call (the account's "
                                        "default is set in Settings).")
        self.caller_label = QtWidgets.QLabel("They see", self)
        self.caller_label.setBuddy(self.caller_id.combo)
        form.addRow(self.caller_label, self.caller_id)
        form.addRow("", self.caller_id.hint)
        self.empty = QtWidgets.QLabel("No account yet: sign in or try the demo.", self)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        form.addRow(self.empty)
        self._form = form
        self._life = WidgetLife()
        self.destroyed.connect(self._life.end)
        self.set_accounts([])

    # -- data ---------------------------------------------------------------------------------------
    def set_accounts(self, accounts: Sequence[Any], selected_id: int | None = None) -> None:
        current = self.current_account()
        keep = selected_id if selected_id is not None else (current.id if current is not None else None)
        self._accounts = [a for a in accounts if getattr(a, "signed_in", True)]
        self.combo.blockSignals(True)
        self.combo.clear()
        for account in self._accounts:
            self.combo.addItem(account.display_name, account.id)
        index = next((i for i, a in enumerate(self._accounts) if a.id == keep), 0)
        if self._accounts:
            self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        has = bool(self._accounts)
        self.combo.setVisible(has)
        self._form.labelForField(self.combo).setVisible(has)
        self.empty.setVisible(not has)
        self._on_account()

    def set_own_number(self, number: str | None) -> None:
        self.own_number.setText(number or "")

    def current_account(self) -> Any | None:
        index = self.combo.currentIndex()
        if 0 <= index < len(self._accounts):
            return self._accounts[index]
        return None

    def current_mode(self) -> Any:
        """The CallMode the call will use (None without an account)."""
        from dialer.core.calls import CallMode

        account = self.current_account()
        if account is None:
            return None
        modes = account.capabilities.modes
        if CallMode.BRIDGE in modes and CallMode.DIRECT in modes:
            return CallMode.BRIDGE if self.ring_first.isChecked() else CallMode.DIRECT
        return CallMode.BRIDGE if CallMode.BRIDGE in modes else CallMode.DIRECT

    def set_own_choices(self, choices: Sequence[Any]) -> None:
        """Offer these numbers (``NumberChoice``: number, label) for "My phone"; empty hides the button."""
        menu = self.own_choices.menu()
        menu.clear()
        for choice in choices:
            action = menu.addAction(f"{choice.number}  {choice.label}".rstrip())
            action.triggered.connect(lambda _checked=False, number=choice.number: self._choose_own(number))
        self.own_choices.setVisible(bool(choices))

    def load_own_choices(self, account_id: int, fetch: Callable[[], Awaitable[Sequence[Any]]], *,
                         spawn: Callable[[Coroutine[Any, Any, None]], asyncio.Future[None]]) -> None:
        """Fetch the account's own phones in the background and offer them while it is still chosen."""
        life = self._life
        if life.task is not None and not life.task.done():
            life.task.cancel()

        async def run() -> None:
            from dialer.providers.base import ProviderError
            from dialer.service.errors import ServiceError

            try:
                choices = await fetch()
            except (ProviderError, ServiceError):  # most providers list none; typing stays possible
                return
            if not life.alive:
                return
            current = self.current_account()
            if current is not None and current.id == account_id:
                self.set_own_choices(choices)

        life.task = spawn(run())

    def _choose_own(self, number: str) -> None:
        self.own_number.setText(number)
        self.ownNumberEdited.emit(number)

    def caller_id_text(self) -> str | None:
        """The caller ID chosen for this call ("" = the provider's default), or None where the account
        cannot choose one."""
        account = self.current_account()
        if account is None or not account.capabilities.caller_id:
            return None
        return self.caller_id.value()

    def wants_caller_ids(self) -> bool:
        """Whether the current account's caller-ID row is shown (its list should be loaded)."""
        account = self.current_account()
        return account is not None and bool(account.capabilities.caller_id)

    def own_number_text(self) -> str | None:
        text = self.own_number.text().strip()
        return text or None

    # -- view ---------------------------------------------------------------------------------------
    def _on_account(self, *_args: object) -> None:
        account = self.current_account()
        if account is None:
            self.ring_first.setVisible(False)
        else:
            from dialer.core.calls import CallMode  # only with an account: not before the first paint

            modes = account.capabilities.modes
            both = CallMode.BRIDGE in modes and CallMode.DIRECT in modes
            self.ring_first.setVisible(both)
            if not both:
                self.ring_first.setChecked(CallMode.BRIDGE in modes)
            elif not self.ring_first.isChecked():
                self.ring_first.setChecked(True)
        self._update_own_visibility()
        self.set_own_choices([])  # the new account's own list, if any, arrives later
        shows = self.wants_caller_ids()
        self.caller_id.setVisible(shows)
        self.caller_label.setVisible(shows)
        self.caller_id.hint.setVisible(shows and bool(self.caller_id.hint.text()))
        if shows:
            self.caller_id.set_saved(getattr(account, "caller_id", None))
        self.accountChanged.emit(account)

    def _update_own_visibility(self, *_args: object) -> None:
        account = self.current_account()
        show = account is not None and account.capabilities.needs_own_number
        if show:
            from dialer.core.calls import CallMode  # only with an account: not before the first paint

            show = self.current_mode() is CallMode.BRIDGE
        self.own_number.setVisible(show)
        self.own_row.setVisible(show)
        self.own_label.setVisible(show)
