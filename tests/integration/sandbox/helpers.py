"""Shared helpers for the sandbox tests: wait for a call state without fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def wait_for(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.01) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value {value!r})")
        time.sleep(interval)


def sandbox_call(client: httpx.Client, call_id: str) -> dict[str, Any]:
    calls = client.get("/_sandbox/calls").json()["calls"]
    return next(c for c in calls if c["id"] == call_id)


def advance(client: httpx.Client, seconds: float) -> None:
    client.post("/_sandbox/clock/advance", json={"seconds": seconds}).raise_for_status()
