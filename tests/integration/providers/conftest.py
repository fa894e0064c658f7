"""Helpers for running the provider clients against the real sandbox over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from dialer.core.calls import LegState
from dialer.providers import registry
from dialer.providers.base import CallStatus, Provider
from dialer.providers.http import DEFAULT_TIMEOUT, make_client
from dialer.providers.secretstore import MemorySecretStore

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _clean_sandbox(sandbox_reset: Any) -> None:
    """Every provider integration test starts from a clean sandbox."""


@pytest.fixture
def creds(sandbox_url: str) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()
    return data


class Sandbox:
    """Control-plane calls a test makes while a provider client runs."""

    def __init__(self, url: str) -> None:
        self.url = url

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/calls", timeout=5).json()["calls"]
        return calls

    def requests(self) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/requests", timeout=5).json()["requests"]
        return log

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=spec, timeout=5).raise_for_status()

    def outbox(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/outbox", timeout=5).json()["messages"]
        return messages

    def advance(self, seconds: float) -> None:
        httpx.post(f"{self.url}/_sandbox/clock/advance", json={"seconds": seconds}, timeout=5).raise_for_status()

    def config(self, **settings: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/config", json=settings, timeout=5).raise_for_status()


@pytest.fixture
def box(sandbox_url: str) -> Sandbox:
    return Sandbox(sandbox_url)


class Sleeps:
    """An injected sleep: records what the client would wait and yields without waiting the full time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))


def run_with(provider_id: str, sandbox_url: str, body: Callable[[Provider], Awaitable[T]], *,
             settings: dict[str, str] | None = None, secrets: MemorySecretStore | None = None,
             sleep: Sleeps | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> T:
    """Build a client for ``provider_id`` pointed at the sandbox and run ``body`` with it."""

    async def go() -> T:
        async with make_client(sandbox_url, timeout=timeout) as client:
            provider = registry.create(provider_id, account_key="acct-1", secrets=secrets or MemorySecretStore(),
                                       settings=settings or {}, client=client, sleep=sleep or Sleeps())
            return await body(provider)

    return asyncio.run(go())


async def wait_until_final(provider: Provider, call_id: str, *, timeout: float = 10.0) -> CallStatus:
    """Poll until every leg is final (the sandbox runs 100x faster than real time)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await provider.call_status(call_id)
        if all(state.is_terminal for state in status.legs.values()):
            return status
        if loop.time() > deadline:
            raise AssertionError(f"call did not finish: {status}")
        await asyncio.sleep(0.05)


async def wait_for(provider: Provider, call_id: str, wanted: LegState, *, timeout: float = 10.0) -> CallStatus:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await provider.call_status(call_id)
        if wanted in status.legs.values():
            return status
        if loop.time() > deadline:
            raise AssertionError(f"never reached {wanted}: {status}")
        await asyncio.sleep(0.05)


def arun(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
