"""One shared, bounded poller for every active call.

Why one task: fifty calls must not mean fifty timers hammering a provider's rate limits. A single driver
task keeps a due time per tracked call, starts at most ``max_in_flight`` status requests at once, never
polls a call again while its previous request is still out, and backs off a call (without dropping it)
when the provider says "slow down" (:class:`RateLimited`) or cannot be reached
(:class:`ProviderUnavailable`). The driver exits when nothing is tracked and restarts on the next
:meth:`CallPoller.track`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from dialer.providers.base import CallStatus, ProviderError, RateLimited

log = logging.getLogger(__name__)

TASK_NAME = "dialer-call-poller"
MAX_BACKOFF_S = 30.0

_R = TypeVar("_R")  # what a poll reports: a CallStatus or a ProviderError

Fetch = Callable[[], Awaitable[CallStatus]]
Interval = float | Callable[[], float]
OnStatus = Callable[[CallStatus], Awaitable[None]]
OnError = Callable[[ProviderError], Awaitable[None]]


@dataclass
class _Tracked:
    key: int
    fetch: Fetch
    interval_of: Callable[[], float]
    on_status: OnStatus
    on_error: OnError
    due: float
    failures: int = 0
    in_flight: bool = False


class CallPoller:
    """Polls tracked calls from one driver task with bounded concurrency."""

    def __init__(self, *, max_in_flight: int = 4, clock: Callable[[], float] = time.monotonic) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self._clock = clock
        self._tracked: dict[int, _Tracked] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._driver: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False

    # ----------------------------------------------------------------------------------------- public

    def track(self, key: int, fetch: Fetch, *, interval: Interval, on_status: OnStatus, on_error: OnError,
              first_delay: float | None = None) -> None:
        """Start polling ``key`` every ``interval`` seconds (first poll after ``first_delay``).

        ``interval`` may be a function: it is asked again after every poll (RingCentral stretches its
        interval when the rate-limit budget runs low).
        """
        if self._closed:
            raise RuntimeError("the poller is closed")
        interval_of: Callable[[], float] = interval if callable(interval) else (lambda: float(interval))
        delay = interval_of() if first_delay is None else first_delay
        self._tracked[key] = _Tracked(key, fetch, interval_of, on_status, on_error,
                                      due=self._clock() + max(delay, 0.0))
        self._ensure_driver()
        self._wake.set()

    def untrack(self, key: int) -> None:
        """Stop polling ``key`` (a request already out is let finish; its result is ignored)."""
        self._tracked.pop(key, None)
        self._wake.set()

    def poke(self, key: int) -> None:
        """Poll ``key`` as soon as possible (e.g. right after a hang-up)."""
        entry = self._tracked.get(key)
        if entry is not None:
            entry.due = self._clock()
            self._wake.set()

    def is_tracking(self, key: int) -> bool:
        return key in self._tracked

    @property
    def tracked_count(self) -> int:
        return len(self._tracked)

    @property
    def in_flight(self) -> int:
        return len(self._running)

    async def aclose(self) -> None:
        """Stop the driver and every request still out."""
        self._closed = True
        self._tracked.clear()
        tasks = [t for t in (self._driver, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._driver = None
        self._running.clear()

    # ---------------------------------------------------------------------------------------- driver

    def _ensure_driver(self) -> None:
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive(), name=TASK_NAME)

    async def _drive(self) -> None:
        while self._tracked or self._running:
            self._wake.clear()
            now = self._clock()
            next_due: float | None = None
            for entry in sorted(self._tracked.values(), key=lambda e: e.due):
                if entry.in_flight:
                    continue
                if entry.due <= now and len(self._running) < self.max_in_flight:
                    self._start(entry)
                elif entry.due > now:
                    next_due = entry.due if next_due is None else min(next_due, entry.due)
            timeout = None if next_due is None else max(next_due - self._clock(), 0.0)
            if timeout is None and not self._running and not self._tracked:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _start(self, entry: _Tracked) -> None:
        entry.in_flight = True
        task = asyncio.get_running_loop().create_task(self._poll(entry), name=f"{TASK_NAME}-request")
        self._running.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _poll(self, entry: _Tracked) -> None:
        try:
            status = await entry.fetch()
        except ProviderError as exc:  # RateLimited, ProviderUnavailable, ...: back off, keep tracking
            entry.failures += 1
            wait = self._backoff(entry)
            if isinstance(exc, RateLimited):
                wait = max(exc.retry_after or 0.0, wait)
            self._reschedule(entry, wait)
            await self._report(entry, entry.on_error, exc, "error")
            return
        except Exception:  # a client bug must not kill tracking of other calls
            log.exception("call status request failed")
            entry.failures += 1
            self._reschedule(entry, self._backoff(entry))
            return
        entry.failures = 0
        self._reschedule(entry, max(entry.interval_of(), 0.0))
        await self._report(entry, entry.on_status, status, "status")

    def _reschedule(self, entry: _Tracked, wait: float) -> None:
        """The request for `entry` is back: it may be polled again `wait` seconds from now."""
        entry.due = self._clock() + wait
        entry.in_flight = False

    async def _report(self, entry: _Tracked, handler: Callable[[_R], Awaitable[None]], value: _R,
                      what: str) -> None:
        """Hand `value` to `handler`, unless the call was untracked (or tracked anew) while the request was out.

        A failing handler is logged, never raised: it must not stop the polling of other calls.
        """
        if self._tracked.get(entry.key) is not entry:
            return
        try:
            await handler(value)
        except Exception:
            log.exception("call %s handler failed", what)

    @staticmethod
    def _backoff(entry: _Tracked) -> float:
        base = max(entry.interval_of(), 0.05)
        return float(min(base * (2 ** min(entry.failures, 10)), MAX_BACKOFF_S))
