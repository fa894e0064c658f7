"""Integration fixtures: one real sandbox server (loopback HTTP, accelerated clock) for the whole session.

``sandbox`` is the running :class:`dialer.sandbox.SandboxServer` (speed 100: a call rings and connects in
well under a second); ``sandbox_url`` its base URL; ``sandbox_reset`` wipes calls, sessions, tokens,
faults, rate-limit counters and settings before a test (add it to a test or make it autouse in your
folder's conftest).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialer.sandbox import SandboxServer, start_in_thread

SANDBOX_SPEED = 100.0


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = start_in_thread(speed=SANDBOX_SPEED)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sandbox_url(sandbox: SandboxServer) -> str:
    return sandbox.url


@pytest.fixture
def sandbox_reset(sandbox: SandboxServer) -> SandboxServer:
    """Start the test from a clean sandbox (demo accounts only, no calls, no faults, default settings)."""
    response = httpx.post(f"{sandbox.url}/_sandbox/reset", timeout=5)
    response.raise_for_status()
    return sandbox
