"""How money and times read in the user's language: one place, through QLocale.

``money(Decimal("12"), "INR")`` is "₹12.00" in English and "12,00 ₹" in German; ``money(..., "UAH")`` uses
"₴". The symbol comes from the currency, the pattern (symbol before or after, separators) from the locale.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dialer.qt import QtCore

# The currencies the providers bill in, and a few their users hold. Unknown codes are shown as the code.
SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "UAH": "₴", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$",
    "JPY": "¥", "CNY": "CN¥", "CHF": "CHF", "PLN": "zł", "RUB": "₽", "BRL": "R$", "MXN": "MX$", "ILS": "₪",
    "KRW": "₩", "TRY": "₺", "PHP": "₱", "NGN": "₦", "VND": "₫", "THB": "฿", "SEK": "kr", "NOK": "kr",
    "DKK": "kr", "CZK": "Kč", "HUF": "Ft", "ZAR": "R", "SGD": "S$", "HKD": "HK$", "AED": "AED",
}


def currency_symbol(code: str | None) -> str:
    if not code:
        return ""
    return SYMBOLS.get(code.upper(), code.upper())


def money(amount: Decimal | float | None, currency: str | None, *, locale: QtCore.QLocale | None = None,
          decimals: int | None = None) -> str:
    """``amount`` in ``currency`` as the user's locale writes money; "" when the amount is unknown.

    Two decimals, or more when a small amount (a per-minute rate such as 0.005) needs them.
    """
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if decimals is None:
        decimals = 2
        while decimals < 4 and value != 0 and abs(value) < 1 and value != round(value, decimals):
            decimals += 1
    loc = locale or QtCore.QLocale()
    return str(loc.toCurrencyString(float(value), currency_symbol(currency), decimals))


def date_time(when: datetime, *, locale: QtCore.QLocale | None = None) -> str:
    """A moment in the user's time zone, in the locale's short date and time."""
    loc = locale or QtCore.QLocale()
    local = when.astimezone()
    moment = QtCore.QDateTime(QtCore.QDate(local.year, local.month, local.day),
                              QtCore.QTime(local.hour, local.minute, local.second))
    return str(loc.toString(moment, QtCore.QLocale.FormatType.ShortFormat))
