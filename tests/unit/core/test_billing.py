"""Prices: whole minutes rounded up, the Ringez per-country rates, and balance checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dialer.core import billing
from dialer.core.billing import RINGEZ_RATES, Rate, RateTable


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (-3, 0), (1, 1), (59, 1), (60, 1), (61, 2), (150, 3)])
def test_billed_minutes_round_up(seconds: int, minutes: int) -> None:
    assert billing.billed_minutes(seconds) == minutes


@pytest.mark.parametrize(
    ("e164", "per_minute"),
    [
        ("+12015550123", "0.05"),  # USA
        ("+919876543210", "0.08"),  # India
        ("+442079460958", "0.06"),  # UK
        ("+4930123456", "0.17"),  # anything else: Starter plan rate
        ("+16135550123", "0.17"),  # Canada shares +1 but is not the USA
        ("garbage", "0.17"),
    ],
)
def test_ringez_rates(e164: str, per_minute: str) -> None:
    assert billing.rate_for(e164, RINGEZ_RATES) == Rate(Decimal(per_minute), "USD")


def test_longest_prefix_wins_over_region() -> None:
    table = RateTable(
        default=Rate(Decimal("1"), "EUR"),
        by_prefix={"+1": Rate(Decimal("0.10"), "EUR"), "1900": Rate(Decimal("2.50"), "EUR")},
        by_region={"US": Rate(Decimal("0.05"), "EUR")},
    )
    assert table.rate_for("+19005550191").per_minute == Decimal("2.50")
    assert table.rate_for("+12015550123").per_minute == Decimal("0.10")
    assert table.rate_for("+442079460958").per_minute == Decimal("1")


def test_ringez_doc_example_two_and_a_half_minutes_cost_three() -> None:
    rate = billing.rate_for("+12015550123", RINGEZ_RATES)
    assert billing.cost_so_far(150, rate) == Decimal("0.15")
    assert billing.estimate_cost(3, Rate(Decimal("0.17"), "USD")) == Decimal("0.51")
    assert billing.estimate_cost(0, rate) == Decimal("0.00")


@pytest.mark.parametrize(
    ("minutes_left", "amount", "needed", "expected"),
    [
        (5.0, None, 1, True),
        (0.0, None, 1, False),
        (2.5, None, 3, False),
        (0.0, Decimal("100"), 1, False),  # minutes are what Ringez reports: they win
        (None, Decimal("0.05"), 1, True),
        (None, Decimal("0.04"), 1, False),
        (None, Decimal("0.10"), 3, False),
        (None, None, 1, None),
    ],
)
def test_covers(minutes_left: float | None, amount: Decimal | None, needed: int, expected: bool | None) -> None:
    rate = Rate(Decimal("0.05"), "USD")
    assert billing.covers(minutes_left, amount, rate, needed) is expected
