"""Money and times as each language writes them (₹, ₴, €; symbol before or after; separators)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from dialer.qt import QtCore
from dialer.ui.formatting import date_time, money


@pytest.mark.parametrize(("name", "amount", "currency", "expected"), [
    ("en_US", "12", "INR", "₹12.00"),
    ("de_DE", "12", "INR", "12,00\u00a0₹"),
    ("uk_UA", "3.5", "UAH", "3,50\u00a0₴"),
    ("en_IN", "3.5", "UAH", "₴3.50"),
    ("es_ES", "1234.5", "EUR", "1234,50\u00a0€"),
    ("en_US", "0.005", "USD", "$0.005"),  # a per-minute rate keeps its third decimal
    ("en_US", "3", "XYZ", "XYZ3.00"),  # an unknown currency shows its code
])
def test_money_reads_as_the_locale_writes_it(qapp: Any, name: str, amount: str, currency: str,
                                            expected: str) -> None:
    text = money(Decimal(amount), currency, locale=QtCore.QLocale(name))
    assert text.replace(" ", "\u00a0") == expected


def test_unknown_money_is_empty_not_zero(qapp: Any) -> None:
    assert money(None, "USD") == ""


def test_dates_follow_the_locale(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        moment = datetime(2026, 11, 24, 16, 5, tzinfo=UTC)
        assert date_time(moment, locale=QtCore.QLocale("de_DE")) == "24.11.26 16:05"
        assert date_time(moment, locale=QtCore.QLocale("en_US")).replace("\u202f", " ") == "11/24/26 4:05 PM"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
