"""Per-minute prices, rounding and "do I have enough credit" checks.

Providers bill whole minutes, rounded up (Ringez: "A 2-minute 30-second call = 3 minutes charged").
Money is :class:`~decimal.Decimal`, never float.

:data:`RINGEZ_RATES` holds the per-country rates the Ringez document quotes (USA $0.05, India $0.08,
UK $0.06). For every other destination the document gives no rate, so the default is the Starter plan's
$0.17/min -- the highest USD plan rate, so an estimate errs on the side of "costs more".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dialer.core.numbers import region_of


@dataclass(frozen=True)
class Rate:
    per_minute: Decimal
    currency: str


@dataclass(frozen=True)
class RateTable:
    """Rates by E.164 prefix (``"+1900"``: the longest matching prefix wins), then by region
    (``"GB"``, the number's ISO region), then the default.

    Prefix keys may also be written without the ``+``.
    """

    default: Rate
    by_prefix: Mapping[str, Rate] = field(default_factory=dict)
    by_region: Mapping[str, Rate] = field(default_factory=dict)

    def rate_for(self, e164: str) -> Rate:
        digits = "".join(ch for ch in e164 if ch.isascii() and ch.isdigit())
        best: tuple[int, Rate] | None = None
        for prefix, rate in self.by_prefix.items():
            key = prefix.lstrip("+")
            if key and digits.startswith(key) and (best is None or len(key) > best[0]):
                best = (len(key), rate)
        if best is not None:
            return best[1]
        if self.by_region:
            region = region_of(e164)
            if region is not None and region in self.by_region:
                return self.by_region[region]
        return self.default


RINGEZ_RATES = RateTable(
    default=Rate(Decimal("0.17"), "USD"),
    by_region={
        "US": Rate(Decimal("0.05"), "USD"),
        "IN": Rate(Decimal("0.08"), "USD"),
        "GB": Rate(Decimal("0.06"), "USD"),
    },
)


def billed_minutes(seconds: int) -> int:
    """Whole minutes charged: rounded up (150 s -> 3, 60 s -> 1, 61 s -> 2, 0 s -> 0)."""
    if seconds <= 0:
        return 0
    return -(-int(seconds) // 60)


def rate_for(e164: str, table: RateTable) -> Rate:
    return table.rate_for(e164)


_CENT = Decimal("0.01")


def estimate_cost(minutes: int, rate: Rate) -> Decimal:
    """Price of ``minutes`` billed minutes, rounded to the cent."""
    return (rate.per_minute * max(0, minutes)).quantize(_CENT, rounding=ROUND_HALF_UP)


def cost_so_far(seconds: int, rate: Rate) -> Decimal:
    """What a call of ``seconds`` costs now (the running minute counts in full)."""
    return estimate_cost(billed_minutes(seconds), rate)


def covers(
    balance_minutes: float | None,
    balance_amount: Decimal | None,
    rate: Rate,
    minutes: int = 1,
) -> bool | None:
    """Whether the balance pays for ``minutes`` at ``rate``; None when the balance is unknown.

    A balance in minutes (Ringez reports minutes) is used first; else an amount in the rate's currency.
    """
    if balance_minutes is not None:
        return balance_minutes >= minutes
    if balance_amount is not None:
        return balance_amount >= rate.per_minute * minutes
    return None
