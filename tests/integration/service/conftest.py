"""Service integration fixtures: the real provider clients over loopback HTTP against the sandbox.

Every test starts from a clean sandbox, with the DIALER_*_URL overrides pointing at it. ``Box`` drives the
sandbox's control routes (faults, calls seen, e-mailed codes, the simulated clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from dialer.service import DialerService

T = TypeVar("T")
URL_VARS = ("DIALER_RINGEZ_URL", "DIALER_RINGCENTRAL_URL", "DIALER_CALLEDIN_URL", "DIALER_RINGOSTAT_URL",
            "DIALER_SANDBOX_URL")
TIME_SCALE = 0.2  # the sandbox runs 100x faster: poll five times as often as in real life
OWN = "+14155559876"  # the user's own phone in bridge mode


class Box:
    def __init__(self, url: str) -> None:
        self.url = url

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=spec, timeout=5).raise_for_status()

    def calls(self, provider: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/calls", timeout=5).json()["calls"]
        return [c for c in calls if provider is None or c["provider"] == provider]

    def outbox(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/outbox", timeout=5).json()["messages"]
        return messages

    def advance(self, seconds: float) -> None:
        httpx.post(f"{self.url}/_sandbox/clock/advance", json={"seconds": seconds}, timeout=5).raise_for_status()

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/requests", timeout=5).json()["requests"]
        return [r for r in log if path is None or r["path"] == path]

    def ringez_phone(self, phone: str | None, email: str = "demo@ringez.test") -> None:
        """Set the phone registered with a Ringez account (the one its bridge calls ring first)."""
        httpx.post(f"{self.url}/_sandbox/ringez/user", json={"email": email, "phone": phone},
                   timeout=5).raise_for_status()


@pytest.fixture(autouse=True)
def box(sandbox_reset: Any, sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Box]:
    for name in URL_VARS:
        monkeypatch.setenv(name, sandbox_url)
    yield Box(sandbox_url)


def run(body: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
    async def main() -> T:
        return await asyncio.wait_for(body(), timeout)

    return asyncio.run(main())


async def open_service(sandbox_url: str, home: Path | None = None) -> DialerService:
    service = await DialerService.open(home=home, demo_sandbox_url=sandbox_url, time_scale=TIME_SCALE)
    service.settings.own_number = OWN
    return service
