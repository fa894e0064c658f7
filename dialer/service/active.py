"""What the UI sees of a call: the prepared plan before dialling, and the live call after.

Both are plain dataclasses. :class:`ActiveCall` is mutated only by the call service on the asyncio thread;
events carry a :meth:`ActiveCall.snapshot` so a subscriber may keep what it received.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from dialer.core import billing
from dialer.core.billing import Rate
from dialer.core.calls import Call, CallMode, LegRole, LegState, Origin
from dialer.core.safety import DialVerdict
from dialer.providers.base import Balance, Capabilities, LegReporting

if TYPE_CHECKING:
    from dialer.core.numbers import NumberInfo


@dataclass(frozen=True)
class AccountView:
    """A signed-in (or remembered) account as the UI lists it."""

    id: int
    provider_id: str
    label: str
    capabilities: Capabilities
    signed_in: bool
    detail: str = ""  # the account's own choices in words (Provider.describe_account)
    rings_first: str | None = None  # set when the account, not the own number, decides what rings first
    caller_id: str | None = None  # the account's default caller ID (E.164), when the user chose one

    @property
    def display_name(self) -> str:
        return f"{self.capabilities.display_name} ({self.label})"


@dataclass(frozen=True)
class CallPlan:
    """Everything decided before a call is placed; shown in the confirmation dialog."""

    destination: str  # E.164
    info: NumberInfo
    account: AccountView
    mode: CallMode
    origin: Origin
    own_number: str | None
    postdial: str  # DTMF to send once the destination answers ("" for none)
    verdict: DialVerdict
    caller_id: str | None = None
    max_minutes: int | None = None
    rate: Rate | None = None
    estimate_max: Decimal | None = None  # cost of a call of max_minutes
    balance: Balance | None = None
    rings_first: str = ""  # which phone rings first, in words
    display_name: str | None = None  # the contact's name, if known

    @property
    def needs_confirmation(self) -> bool:
        return self.verdict.needs_confirmation

    @property
    def needs_extra_step(self) -> bool:
        return self.verdict.needs_extra_step

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.verdict.warnings

    @property
    def postdial_is_manual(self) -> bool:
        """Post-dial keys wait for the user: the provider reports only the user's own leg of this call (a
        Ringez bridge call), so when the destination answers is never known and keys are not sent blindly."""
        return self.mode is CallMode.BRIDGE and self.account.capabilities.leg_status is LegReporting.ONE_STATUS

    @property
    def estimate_per_minute(self) -> Decimal | None:
        return None if self.rate is None else self.rate.per_minute

    @property
    def rate_per_minute(self) -> Decimal | None:
        return self.estimate_per_minute

    @property
    def currency(self) -> str | None:
        return None if self.rate is None else self.rate.currency


@dataclass
class ActiveCall:
    """A call being followed (or just finished). ``id`` is the local history row id."""

    id: int
    plan: CallPlan
    call: Call
    started_at: datetime
    provider_call_id: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: int | None = None
    cost: Decimal | None = None
    currency: str | None = None
    pending_dtmf: str = ""
    offered_dtmf: str = ""  # post-dial keys waiting for the user's "Send" (destination answer not reported)
    outcome: str | None = None  # plain words once finished
    error: str | None = None
    finished: bool = False
    _answered_mono: float | None = field(default=None, repr=False)
    _ended_mono: float | None = field(default=None, repr=False)
    _postdial_offered: bool = field(default=False, repr=False)  # offered_dtmf was set once (never twice)

    @property
    def provider_id(self) -> str:
        return self.plan.account.provider_id

    @property
    def capabilities(self) -> Capabilities:
        return self.plan.account.capabilities

    def leg_state(self, role: LegRole) -> LegState | None:
        leg = self.call.leg(role)
        return None if leg is None else leg.state

    def elapsed_s(self) -> float:
        """Seconds since the destination answered (0 before), frozen when the call ends."""
        if self.duration_s is not None and self.finished:
            return float(self.duration_s)
        if self._answered_mono is None:
            return 0.0
        end = self._ended_mono if self._ended_mono is not None else time.monotonic()
        return max(end - self._answered_mono, 0.0)

    def cost_so_far(self) -> Decimal | None:
        """Reported cost once known, else the estimate from the rate (billed per started minute)."""
        if self.cost is not None:
            return self.cost
        rate = self.plan.rate
        if rate is None:
            return None
        return billing.cost_so_far(int(self.elapsed_s() + 0.999), rate)

    def accepted_words(self) -> str:
        """What to say when the provider accepted the call and will report nothing more."""
        name = self.capabilities.display_name
        # Ringostat's simple method rings the project's number, not the user's own phone
        first = f"the phone {name} calls first" if self.plan.account.rings_first else "your phone"
        return f"{name} accepted the call and reports no progress; {first} should ring shortly."

    def snapshot(self) -> ActiveCall:
        return replace(self, call=copy.deepcopy(self.call))
