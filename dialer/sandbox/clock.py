"""The sandbox clock: two views of one controllable time.

* ``now()`` is protocol time (token lifetimes, the Ringez idempotency window, rate-limit windows, Called.in
  flood protection, OTP expiry). It runs at real speed, so a session-wide sandbox at speed 100 does not
  expire a one-hour token in 36 s.
* ``sim_now()`` is telephony time (ringing, answering, call duration). It runs ``speed`` times faster than
  real time so a whole call flow takes well under a second in tests.

``advance(seconds)`` jumps both views forward at once: tests use it to step over the 5-minute idempotency
window or a token's lifetime deterministically, and sleeping call flows wake up at once.
"""

from __future__ import annotations

import asyncio
import time


class SandboxClock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._epoch = time.time()
        self._t0 = time.monotonic()
        self._sim_base = 0.0  # sim seconds accumulated before the last speed change
        self._sim_t0 = self._t0
        self._offset = 0.0  # seconds added by advance()
        self._waiters: set[asyncio.Event] = set()

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        now = time.monotonic()
        self._sim_base += (now - self._sim_t0) * self._speed
        self._sim_t0 = now
        self._speed = speed
        self._wake()

    def now(self) -> float:
        """Protocol time as a Unix timestamp (real time plus every advance())."""
        return self._epoch + (time.monotonic() - self._t0) + self._offset

    def sim_now(self) -> float:
        """Telephony time in seconds since the sandbox started (accelerated by ``speed``)."""
        return self._sim_base + (time.monotonic() - self._sim_t0) * self._speed + self._offset

    def sim_to_wall(self, sim: float) -> float:
        """A Unix timestamp for a telephony instant (for created_at / started_at fields)."""
        return self._epoch + sim

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        self._wake()

    def _wake(self) -> None:
        for event in list(self._waiters):
            event.set()

    async def sleep(self, sim_seconds: float) -> None:
        """Sleep ``sim_seconds`` of telephony time; returns early when advance() jumps past the target."""
        target = self.sim_now() + sim_seconds
        while True:
            remaining = target - self.sim_now()
            if remaining <= 0:
                return
            event = asyncio.Event()
            self._waiters.add(event)
            try:
                await asyncio.wait_for(event.wait(), timeout=remaining / self._speed)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(event)
