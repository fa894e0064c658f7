"""The balance line: minutes and money where the provider reports them, a refresh button, "Top up".

Refreshed after each call and when the user asks (no polling timer). Providers without balances say so
plainly instead of showing nothing. The widget holds no service reference: the main window fetches and
calls :meth:`BalanceWidget.show_balance` / :meth:`show_unsupported` / :meth:`show_error`.
"""

from __future__ import annotations

from dialer.i18n import _, ngettext
from dialer.qt import QtCore, QtWidgets
from dialer.ui import icons

TYPE_CHECKING = False  # not typing's: typing loads after the first paint (dialer.ui docstring)
if TYPE_CHECKING:
    from decimal import Decimal
    from typing import Any

LOW_MINUTES = 5.0
LOW_AMOUNT = "1.00"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money(amount: Decimal | float | None, currency: str | None) -> str:
    """``$1.25`` / ``1.25 CHF``; empty for None."""
    if amount is None:
        return ""
    from decimal import Decimal

    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    symbol = _SYMBOLS.get((currency or "").upper())
    if symbol:
        return f"-{symbol}{-value}" if value < 0 else f"{symbol}{value}"
    return f"{value} {currency}".strip() if currency else f"{value}"


def minutes_text(minutes: float | None) -> str:
    if minutes is None:
        return ""
    whole = int(minutes)
    return ngettext("{n} minute", "{n} minutes", whole).format(n=whole)


def is_low(balance: Any) -> bool:
    minutes = getattr(balance, "minutes", None)
    amount = getattr(balance, "amount", None)
    if minutes is not None and minutes < LOW_MINUTES:
        return True
    from decimal import Decimal

    return amount is not None and Decimal(str(amount)) < Decimal(LOW_AMOUNT)


class BalanceWidget(QtWidgets.QFrame):
    refreshRequested = QtCore.Signal()
    topUpRequested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("balanceWidget")
        self.setAccessibleName(_("Balance"))
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel(_("Balance: —"), self)
        self.label.setObjectName("balanceLabel")
        self.label.setAccessibleName(_("Balance"))
        self.label.setProperty("textInteractionFlags", "TextSelectableByMouse")  # by name: see dialer.qt on Qt
        self.warning = QtWidgets.QLabel(self)
        self.warning.setObjectName("lowBalance")
        self.warning.setProperty("role", "warning")
        self.warning.setAccessibleName(_("Low balance warning"))
        self.warning.hide()
        self.refresh = QtWidgets.QToolButton(self)
        self.refresh.setObjectName("refreshBalance")
        self.refresh.setIcon(icons.icon("refresh"))
        self.refresh.setToolTip(_("Refresh the balance"))
        self.refresh.setAccessibleName(_("Refresh balance"))
        self.refresh.clicked.connect(self.refreshRequested)
        self.top_up = QtWidgets.QPushButton(icons.icon("wallet"), _("Top up"), self)
        self.top_up.setObjectName("topUpButton")
        self.top_up.setAccessibleName(_("Top up"))
        self.top_up.setToolTip(_("Open the provider's page to add credit (in your browser)"))
        self.top_up.clicked.connect(self.topUpRequested)
        self.top_up.hide()
        row.addWidget(self.label, 1)
        row.addWidget(self.warning)
        row.addWidget(self.refresh)
        row.addWidget(self.top_up)
        self.balance: Any = None

    def retint(self) -> None:
        self.refresh.setIcon(icons.icon("refresh"))
        self.top_up.setIcon(icons.icon("wallet"))

    def show_none(self) -> None:
        self.balance = None
        self.label.setText(_("Balance: sign in to see it"))
        self.warning.hide()
        self.refresh.setEnabled(False)
        self.top_up.hide()

    def show_loading(self) -> None:
        self.label.setText(_("Balance: checking…"))
        self.refresh.setEnabled(False)

    def show_unsupported(self, provider_name: str, wallet_url: str | None = None) -> None:
        self.balance = None
        self.label.setText(_("{provider} does not report a balance.").format(provider=provider_name))
        self.warning.hide()
        self.refresh.setEnabled(False)
        self.top_up.setVisible(bool(wallet_url))

    def show_error(self, message: str) -> None:
        self.label.setText(_("Balance: unavailable"))
        self.label.setToolTip(message)
        self.refresh.setEnabled(True)

    def show_balance(self, balance: Any, wallet_url: str | None = None) -> None:
        self.balance = balance
        parts = [p for p in (minutes_text(getattr(balance, "minutes", None)),
                             money(getattr(balance, "amount", None), getattr(balance, "currency", None))) if p]
        self.label.setText(_("Balance: {amount}").format(amount=" · ".join(parts) if parts else _("not reported")))
        self.label.setToolTip("")
        low = is_low(balance)
        self.warning.setText(_("Low balance") if low else "")
        self.warning.setToolTip(_("Top up soon: a call may stop when the credit runs out.") if low else "")
        self.warning.setVisible(low)
        self.refresh.setEnabled(True)
        self.top_up.setVisible(bool(wallet_url))
