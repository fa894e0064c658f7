"""A scripted in-memory provider for unit tests of the call service's orchestration logic only.

Integration tests use the real provider clients against the sandbox; this fake exists so the service's own
rules (confirmation, idempotency, history writes, poller bounds, DTMF timing) can be checked precisely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from dialer.core import numbers
from dialer.core.billing import Rate
from dialer.core.calls import CallMode, LegRole, LegState, Origin
from dialer.core.safety import DialVerdict
from dialer.providers.base import (
    AccountInfo,
    Balance,
    CallStatus,
    Capabilities,
    HangupSupport,
    LegReporting,
    Provider,
    ProviderError,
    SignInKind,
    StartCall,
)
from dialer.service.active import AccountView, CallPlan

DEST = "+12015550123"
OWN = "+12015550199"

S, D = LegRole.SELF, LegRole.DESTINATION


def caps(provider_id: str = "fake", *, leg_status: LegReporting = LegReporting.TWO_LEGS,
         hangup: HangupSupport = HangupSupport.ANY_TIME, dtmf: bool = True) -> Capabilities:
    return Capabilities(
        provider_id=provider_id, display_name=provider_id.title(), sign_in=frozenset({SignInKind.API_KEY}),
        modes=frozenset({CallMode.BRIDGE, CallMode.DIRECT}), leg_status=leg_status, hangup=hangup,
        dtmf=dtmf, balance=True, server_history=False, rates=True, max_duration=True, caller_id=False,
        needs_own_number=True, hangup_note="End it from your phone.",
    )


def status(call_id: str, own: LegState | None, dest: LegState, **kw: object) -> CallStatus:
    legs: dict[LegRole, LegState] = {D: dest}
    if own is not None:
        legs[S] = own
    return CallStatus(call_id=call_id, legs=legs, **kw)  # type: ignore[arg-type]


@dataclass
class FakeProvider(Provider):
    capabilities: Capabilities = field(default_factory=caps)
    # statuses returned by successive call_status() calls of each call (the last one repeats)
    script: Sequence[tuple[LegState | None, LegState]] = (
        (LegState.RINGING, LegState.QUEUED),
        (LegState.ANSWERED, LegState.RINGING),
        (LegState.ANSWERED, LegState.ANSWERED),
        (LegState.COMPLETED, LegState.COMPLETED),
    )
    start_errors: list[ProviderError] = field(default_factory=list)  # raised by the next start_call()s
    status_errors: list[ProviderError] = field(default_factory=list)
    status_delay: float = 0.0
    on_start: Callable[[StartCall], None] | None = None
    requests: list[StartCall] = field(default_factory=list)
    dtmf_sent: list[tuple[str, str]] = field(default_factory=list)
    hangups: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    duration_s: int = 65

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        return AccountInfo(self.capabilities.provider_id, "fake")

    async def sign_out(self) -> None:
        return None

    def is_signed_in(self) -> bool:
        return True

    async def balance(self) -> Balance:
        return Balance(minutes=10)

    async def start_call(self, request: StartCall) -> CallStatus:
        self.requests.append(request)
        if self.on_start is not None:
            self.on_start(request)
        if self.start_errors:
            raise self.start_errors.pop(0)
        call_id = f"call-{request.idempotency_key}"
        self.polls.setdefault(call_id, 0)
        return status(call_id, LegState.QUEUED if request.mode is CallMode.BRIDGE else None, LegState.QUEUED)

    async def call_status(self, call_id: str) -> CallStatus:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.status_delay:
                await asyncio.sleep(self.status_delay)
            if self.status_errors:
                raise self.status_errors.pop(0)
            index = self.polls.get(call_id, 0)
            self.polls[call_id] = index + 1
            own, dest = self.script[min(index, len(self.script) - 1)]
            done = dest.is_terminal
            return status(call_id, own, dest, duration_s=self.duration_s if done else None)
        finally:
            self.in_flight -= 1

    async def hang_up(self, call_id: str) -> None:
        self.hangups.append(call_id)
        self.script = [(LegState.COMPLETED, LegState.CANCELED)]
        self.polls[call_id] = 0

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        self.dtmf_sent.append((call_id, digits))


class FakeSource:
    """Hands the call service the same fake client for every account."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider

    def client(self, account_id: int) -> Provider:
        return self.provider

    async def balance(self, account_id: int) -> Balance:
        return await self.provider.balance()


def plan(provider: FakeProvider, *, verdict: DialVerdict | None = None, postdial: str = "",
         mode: CallMode = CallMode.BRIDGE, origin: Origin = Origin.WINDOW) -> CallPlan:
    account = AccountView(id=1, provider_id=provider.capabilities.provider_id, label="fake",
                          capabilities=provider.capabilities, signed_in=True)
    return CallPlan(
        destination=DEST, info=numbers.describe(DEST), account=account, mode=mode, origin=origin,
        own_number=OWN if mode is CallMode.BRIDGE else None, postdial=postdial,
        verdict=verdict or DialVerdict(), rate=Rate(Decimal("0.05"), "USD"),
    )


def with_caps(provider: FakeProvider, **kw: object) -> FakeProvider:
    return replace(provider, capabilities=caps(**kw))  # type: ignore[arg-type]
