"""Shared pieces of the reliability tests: a loop-lag heartbeat, fast retries, message checks."""

from __future__ import annotations

import asyncio
import gc
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import pytest

from dialer.providers import registry
from dialer.providers.http import RetryPolicy

T = TypeVar("T")
STALL_LIMIT_S = 0.050
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.02, max_delay=0.2, max_retry_after=30.0)
# What a user-visible error must never look like: a Python or HTTP library talking.
_INTERNALS = re.compile(r"Traceback|Error\(|httpx|JSONDecodeError|KeyError|NoneType|\bself\b|<[a-z_.]+ object")
# A message says what to do: one of these phrases (case-insensitive).
_ADVICE = ("try again", "check", "wait", "sign in", "later", "top up", "confirm", "your phone", "call log",
           "still trying", "hang up", "choose", "set ")


class Heartbeat:
    """A task that wakes every 5 ms and records how late it woke: the asyncio loop's worst stall."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.period)
            self.worst = max(self.worst, time.perf_counter() - before - self.period)

    def start(self) -> None:
        # The test session's own heap (a thousand tests' worth of objects) is collected and frozen first:
        # a full garbage collection of it is a pytest artefact, not a stall of the flow under test. What
        # the flow itself allocates is still collected, and counted, as usual.
        gc.collect()
        gc.freeze()
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        gc.unfreeze()


@contextmanager
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every provider client built in this test waits milliseconds, not seconds, between retries
    (the accelerated-clock counterpart of the sandbox's speed; Retry-After is still honoured)."""
    original = registry.create

    def create(provider_id: str, **kwargs: Any) -> Any:
        client = original(provider_id, **kwargs)
        if hasattr(client, "_policy"):
            client._policy = FAST_RETRIES
        return client

    monkeypatch.setattr(registry, "create", create)
    yield


def message_problems(text: str | None) -> list[str]:
    """Why ``text`` is not a good user-visible message (empty list when it is)."""
    if not text or not text.strip():
        return ["empty message"]
    problems = []
    if _INTERNALS.search(text):
        problems.append(f"shows internals: {text!r}")
    if not any(word in text.lower() for word in _ADVICE):
        problems.append(f"does not say what to do: {text!r}")
    return problems


def run(body: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
    async def main() -> T:
        if os.environ.get("DIALER_RELIABILITY_DEBUG_STALLS"):  # log what blocked the loop, and where
            loop = asyncio.get_running_loop()
            loop.set_debug(True)
            loop.slow_callback_duration = STALL_LIMIT_S / 2
        return await asyncio.wait_for(body(), timeout)

    return asyncio.run(main())
