"""No call is followed for ever: a bounded follow time per call and a ring timeout.

* **Follow limit.** A call is followed at most its maximum length plus a margin (ringing both phones and a
  late report), or :attr:`FollowLimits.unset_s` (2 h) when it has no maximum. A provider whose status
  never turns final, or a Called.in callback that never comes, then ends the call as "unknown".
* **Ring timeout.** While nobody has answered (or the destination is reported ringing), a status that
  stays the same for :attr:`FollowLimits.ring_timeout_s` ends the call as "unknown" too: a real phone
  stops ringing long before that.
* **After a hang-up** the provider accepted, the end must be reported within
  :attr:`FollowLimits.after_hangup_s`; else the call ends as "unknown" and the user is told to end it on
  the phone.

Time is read from an injected clock (default: the running event loop's ``time()``), never from the wall
clock, so tests drive it with tiny limits. One driver task serves every watched call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

TASK_NAME = "dialer-follow-limit"


@dataclass(frozen=True)
class FollowLimits:
    """How long a call is followed (seconds)."""

    margin_s: float = 600.0  # added to the call's max length: both phones ringing, a late final report
    unset_s: float = 2 * 60 * 60.0  # a call with no max length
    ring_timeout_s: float = 180.0  # no change while ringing (no phone rings three minutes)
    after_hangup_s: float = 60.0  # a hang-up was accepted: the end must be reported within this

    def follow_s(self, max_minutes: int | None) -> float:
        """The longest time a call with this max length (None/0: none) is followed."""
        if max_minutes:
            return max_minutes * 60.0 + self.margin_s
        return self.unset_s


def span(seconds: float) -> str:
    """``7200`` -> "2 h", ``660`` -> "11 min", ``45`` -> "45 s" (for messages)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{max(math.ceil(seconds), 1)} s" if seconds >= 1 else f"{seconds:.2g} s"


@dataclass
class _Watched:
    deadline: float  # the follow limit, absolute clock time
    last_change: float
    ringing: Callable[[], bool]  # whether the ring timeout applies now
    why: str = "follow"  # what the deadline is: "follow" or "hangup"


Expired = Callable[[int, str], None]  # (key, "follow" | "ring" | "hangup")


class FollowWatch:
    """Calls ``on_expire(key, why)`` when a watched call passes its follow limit or its ring timeout."""

    def __init__(self, limits: FollowLimits, on_expire: Expired,
                 clock: Callable[[], float] | None = None) -> None:
        self.limits = limits
        self._on_expire = on_expire
        self._clock = clock
        self._watched: dict[int, _Watched] = {}
        self._wake = asyncio.Event()
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def start(self, key: int, *, follow_s: float, ringing: Callable[[], bool]) -> None:
        """Watch ``key`` from now: at most ``follow_s`` seconds; ``ringing()`` says if the ring timeout applies."""
        now = self.now()
        self._watched[key] = _Watched(deadline=now + follow_s, last_change=now, ringing=ringing)
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive(), name=TASK_NAME)
        self._wake.set()

    def changed(self, key: int) -> None:
        """A leg of ``key`` changed: the ring timeout starts again."""
        entry = self._watched.get(key)
        if entry is not None:
            entry.last_change = self.now()
            self._wake.set()

    def hung_up(self, key: int) -> None:
        """A hang-up was accepted: the end must now be reported within ``after_hangup_s``."""
        entry = self._watched.get(key)
        if entry is not None:
            deadline = self.now() + self.limits.after_hangup_s
            if deadline < entry.deadline:
                entry.deadline, entry.why = deadline, "hangup"
            entry.ringing = lambda: False
            self._wake.set()

    def stop(self, key: int) -> None:
        self._watched.pop(key, None)
        self._wake.set()

    def is_watching(self, key: int) -> bool:
        return key in self._watched

    def poke(self) -> None:
        """Look at the clock again now (after an injected clock moved)."""
        self._wake.set()

    def _due(self, entry: _Watched) -> tuple[float, str]:
        ring_due = entry.last_change + self.limits.ring_timeout_s
        if entry.ringing() and ring_due < entry.deadline:
            return ring_due, "ring"
        return entry.deadline, entry.why

    async def _drive(self) -> None:
        while self._watched:
            self._wake.clear()
            now = self.now()
            next_due: float | None = None
            for key, entry in list(self._watched.items()):
                due, why = self._due(entry)
                if due <= now:
                    self._watched.pop(key, None)
                    try:
                        self._on_expire(key, why)
                    except Exception:  # one call's bug must not stop the others' deadlines
                        log.exception("ending call %s at its follow limit failed", key)
                else:
                    next_due = due if next_due is None else min(next_due, due)
            if next_due is None:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(next_due - self.now(), 0.0))

    async def aclose(self) -> None:
        self._watched.clear()
        if self._driver is not None:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._driver
            self._driver = None
