"""Reliability fixtures: one accelerated sandbox in a thread for the whole run, and the figure tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dialer.sandbox import SandboxServer, start_in_thread

from . import _report

SANDBOX_SPEED = 100.0
URL_VARS = ("DIALER_RINGEZ_URL", "DIALER_RINGCENTRAL_URL", "DIALER_CALLEDIN_URL", "DIALER_RINGOSTAT_URL",
            "DIALER_SANDBOX_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    text = _report.render()
    if text:
        terminalreporter.section("reliability figures")
        terminalreporter.write_line(text)


class Box:
    """The sandbox's control routes (calls seen, faults, requests log, credentials)."""

    def __init__(self, url: str, http: httpx.Client) -> None:
        self.url = url
        self.http = http

    def reset(self) -> None:
        self.http.post("/_sandbox/reset").raise_for_status()

    def fault(self, **spec: Any) -> None:
        self.http.post("/_sandbox/faults", json=spec).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/_sandbox/faults").raise_for_status()

    def calls(self, provider: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.http.get("/_sandbox/calls").json()["calls"]
        return [c for c in calls if provider is None or c["provider"] == provider]

    def requests(self) -> list[dict[str, Any]]:
        data = self.http.get("/_sandbox/requests").json()
        found: list[dict[str, Any]] = data["requests"] if isinstance(data, dict) else data
        return found

    def credentials(self) -> dict[str, dict[str, str]]:
        creds: dict[str, dict[str, str]] = self.http.get("/_sandbox/credentials").json()
        return creds


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = start_in_thread(speed=SANDBOX_SPEED)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sandbox_http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


@pytest.fixture
def box(sandbox: SandboxServer, sandbox_http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> Box:
    """A clean sandbox (no calls, faults or sessions) with every provider client pointed at it."""
    for name in URL_VARS:
        monkeypatch.setenv(name, sandbox.url)
    result = Box(sandbox.url, sandbox_http)
    result.reset()
    return result
