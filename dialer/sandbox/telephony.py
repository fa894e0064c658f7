"""Simulated telephony: calls with legs that ring, answer, fail and hang up on the sandbox clock.

A bridge call (Ringez bridge, RingOut, Called.in, Ringostat) rings the user's own phone first (role
``self``), then the destination; a direct call has only the destination leg. Each call runs as one asyncio
task in the server loop. Outcomes are chosen deterministically by the last four digits of the numbers
(see ``SCENARIOS``), so tests and demos can ask for a busy line or an unanswered phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dialer.core.calls import LegRole, LegState

from .clock import SandboxClock

# Timings in telephony seconds (accelerated by the clock's speed).
QUEUED_S = 0.5  # provider picks the call up and starts dialing
SELF_RING_S = 3.0  # the user's phone rings this long before they answer
DEST_RING_S = 4.0  # the destination rings this long before it answers
NO_ANSWER_S = 30.0  # ring timeout
DEFAULT_CAP_S = 60 * 60.0  # a call with no limit is cut after 60 minutes

# Destination number suffix -> (outcome, seconds until it happens)
DEST_OUTCOMES: dict[str, tuple[str, float]] = {
    "0001": ("busy", 1.0),
    "0002": ("no-answer", NO_ANSWER_S),
    "0003": ("rejected", 3.0),
    "0004": ("network", 0.5),
    "0006": ("answer-then-hangup", DEST_RING_S),
    "0007": ("failed", 1.0),
}
SELF_NO_ANSWER_SUFFIX = "0005"
REMOTE_HANGUP_AFTER_S = 30.0

SCENARIOS: list[dict[str, str]] = [
    {"match": "any other destination", "outcome": "both legs answer; the call runs until hung up, "
     "until max_duration / the balance runs out, or for 60 simulated minutes"},
    {"match": "destination ends 0001", "outcome": "busy (destination leg busy after 1 s)"},
    {"match": "destination ends 0002", "outcome": "no answer (destination rings 30 s, then no-answer)"},
    {"match": "destination ends 0003", "outcome": "rejected (destination declines after 3 s)"},
    {"match": "destination ends 0004", "outcome": "network failure / congestion (failed after 0.5 s)"},
    {"match": "from / own / caller number (Ringez: the phone registered with the account) ends 0005",
     "outcome": "your own phone never answers "
     "(self leg no-answer after 30 s; the destination is never dialed)"},
    {"match": "destination ends 0006", "outcome": "answers, then the far end hangs up after 30 s"},
    {"match": "destination ends 0007", "outcome": "generic failure (failed after 1 s, not busy/congested)"},
    {"match": "destination ends 0008 (RingCentral)", "outcome": "the destination answers, then RingCentral "
     "cannot connect the legs: callStatus CannotReach while both legs still read Success"},
]

_FAIL_STATES = {
    "busy": LegState.BUSY,
    "no-answer": LegState.NO_ANSWER,
    "rejected": LegState.REJECTED,
    "network": LegState.FAILED,
    "failed": LegState.FAILED,
}


def _suffix(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[-4:]


@dataclass
class SimLeg:
    role: LegRole
    number: str
    state: LegState = LegState.QUEUED
    cause: str = ""  # why it ended: busy, no-answer, rejected, network, failed, hangup, canceled, limit
    answered_at: float | None = None
    ended_at: float | None = None

    def move(self, state: LegState, sim_time: float, cause: str = "") -> None:
        if self.state.is_terminal:
            return
        self.state = state
        if state is LegState.ANSWERED:
            self.answered_at = sim_time
        if state.is_terminal:
            self.ended_at = sim_time
            self.cause = cause or state.value


EndListener = Callable[["SimCall"], Awaitable[None] | None]


@dataclass
class SimCall:
    id: str
    provider: str
    mode: str  # "bridge" or "direct"
    from_number: str
    to_number: str
    created_at: float
    legs: list[SimLeg]
    created_wall: float = 0.0  # protocol-clock Unix time, for created_at / started_at fields
    max_duration_s: float | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    end_cause: str = ""
    dtmf: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # provider-specific extras (ids, billing...)
    end_listeners: list[EndListener] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def leg(self, role: LegRole) -> SimLeg | None:
        return next((leg for leg in self.legs if leg.role is role), None)

    @property
    def self_leg(self) -> SimLeg | None:
        return self.leg(LegRole.SELF)

    @property
    def dest_leg(self) -> SimLeg:
        leg = self.leg(LegRole.DESTINATION)
        assert leg is not None
        return leg

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def state(self) -> LegState:
        """One word for the whole call, in LegState values."""
        if all(leg.state.is_terminal for leg in self.legs):
            if self.connected_at is not None:
                return LegState.COMPLETED
            for leg in self.legs:
                if leg.state is not LegState.COMPLETED:
                    return leg.state
            return LegState.COMPLETED
        if self.connected_at is not None:
            return LegState.ANSWERED
        if any(leg.state in (LegState.RINGING, LegState.ANSWERED) for leg in self.legs):
            return LegState.RINGING
        return LegState.QUEUED

    def talk_seconds(self, sim_now: float) -> int:
        """Connected (billable) time in whole seconds."""
        if self.connected_at is None:
            return 0
        end = self.ended_at if self.ended_at is not None else sim_now
        return max(0, int(end - self.connected_at))


class Telephony:
    """Owns every simulated call; creates one asyncio task per call."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.calls: dict[str, SimCall] = {}
        self._ids = itertools.count(1)

    def new_id(self) -> int:
        return next(self._ids)

    def place(
        self,
        *,
        call_id: str,
        provider: str,
        mode: str,
        from_number: str,
        to_number: str,
        max_duration_s: float | None = None,
        data: dict[str, Any] | None = None,
        end_listeners: list[EndListener] | None = None,
    ) -> SimCall:
        legs = [SimLeg(LegRole.DESTINATION, to_number)]
        if mode == "bridge":
            legs.insert(0, SimLeg(LegRole.SELF, from_number))
        call = SimCall(
            id=call_id, provider=provider, mode=mode, from_number=from_number, to_number=to_number,
            created_at=self.clock.sim_now(), created_wall=self.clock.now(), legs=legs, max_duration_s=max_duration_s,
            data=dict(data or {}), end_listeners=list(end_listeners or []),
        )
        self.calls[call_id] = call
        call.task = asyncio.get_running_loop().create_task(self._run(call), name=f"sandbox-call-{call_id}")
        return call

    async def _run(self, call: SimCall) -> None:
        clock = self.clock
        try:
            await clock.sleep(QUEUED_S)
            own = call.self_leg
            if own is not None:
                own.move(LegState.RINGING, clock.sim_now())
                if _suffix(own.number) == SELF_NO_ANSWER_SUFFIX:
                    await clock.sleep(NO_ANSWER_S)
                    own.move(LegState.NO_ANSWER, clock.sim_now(), "no-answer")
                    call.dest_leg.move(LegState.CANCELED, clock.sim_now(), "canceled")
                    return
                await clock.sleep(SELF_RING_S)
                own.move(LegState.ANSWERED, clock.sim_now())
                await clock.sleep(QUEUED_S)
            dest = call.dest_leg
            dest.move(LegState.RINGING, clock.sim_now())
            outcome, after = DEST_OUTCOMES.get(_suffix(dest.number), ("answer", DEST_RING_S))
            await clock.sleep(after)
            if outcome in _FAIL_STATES:
                dest.move(_FAIL_STATES[outcome], clock.sim_now(), outcome)
                if own is not None:
                    own.move(LegState.COMPLETED, clock.sim_now(), "hangup")
                return
            dest.move(LegState.ANSWERED, clock.sim_now())
            call.connected_at = clock.sim_now()
            limit = call.max_duration_s if call.max_duration_s is not None else DEFAULT_CAP_S
            cause = "limit"
            if outcome == "answer-then-hangup" and limit > REMOTE_HANGUP_AFTER_S:
                limit, cause = REMOTE_HANGUP_AFTER_S, "remote-hangup"
            await clock.sleep(limit)
            end = min(clock.sim_now(), call.connected_at + limit)  # an advance() may overshoot the limit
            for leg in call.legs:
                leg.move(LegState.COMPLETED, end, cause)
        except asyncio.CancelledError:
            pass
        finally:
            await self._finish(call)

    def hang_up(self, call: SimCall, *, by: str = "api") -> None:
        """End the call now: ringing/queued legs are canceled, answered legs completed."""
        if call.ended:
            return
        now = self.clock.sim_now()
        for leg in call.legs:
            if leg.state is LegState.ANSWERED:
                leg.move(LegState.COMPLETED, now, "hangup")
            else:
                leg.move(LegState.CANCELED, now, "canceled")
        call.data["hung_up_by"] = by
        if call.task is not None and not call.task.done():
            call.task.cancel()

    async def _finish(self, call: SimCall) -> None:
        if call.ended:
            return
        now = self.clock.sim_now()
        for leg in call.legs:  # a cancelled flow may leave legs open
            leg.move(LegState.CANCELED if leg.state is not LegState.ANSWERED else LegState.COMPLETED, now,
                     "canceled" if leg.state is not LegState.ANSWERED else "hangup")
        ends = [leg.ended_at for leg in call.legs if leg.ended_at is not None]
        call.ended_at = max(ends) if ends else now
        call.end_cause = next((leg.cause for leg in reversed(call.legs) if leg.cause), "")
        for listener in call.end_listeners:
            with contextlib.suppress(Exception):
                result = listener(call)
                if result is not None:
                    await result

    async def shutdown(self) -> None:
        tasks = [c.task for c in self.calls.values() if c.task is not None and not c.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def reset(self) -> None:
        for call in self.calls.values():
            if call.task is not None and not call.task.done():
                call.end_listeners.clear()
                call.task.cancel()
        self.calls.clear()
