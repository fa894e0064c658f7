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


@pytest.fixture(scope="session")
def sandbox_http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """One keep-alive client for control calls (creating an httpx client costs ~0.1 s)."""
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


@pytest.fixture
def sandbox_reset(sandbox: SandboxServer, sandbox_http: httpx.Client) -> SandboxServer:
    """Start the test from a clean sandbox (demo accounts only, no calls, no faults, default settings)."""
    sandbox_http.post("/_sandbox/reset").raise_for_status()
    return sandbox
