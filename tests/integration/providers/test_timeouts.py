"""Timeouts on every provider: reads are retried, call creates without an idempotency key never are."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dialer.providers.base import OutcomeUnknown, Provider, StartCall

from .conftest import Sandbox, run_with

SHORT = httpx.Timeout(5.0, read=0.3)
OWN = "+14155559876"
NORMAL = "+14155550100"


@pytest.mark.parametrize(("provider_id", "path", "own"), [
    ("calledin", "/api/clicktocall/*", OWN),
    ("ringostat", "/callback/outward_call", None),
    ("ringostat", "/a/v2", OWN),
])
def test_slow_create_is_outcome_unknown_and_sent_once(sandbox_url: str, creds: dict, box: Sandbox,
                                                      provider_id: str, path: str, own: str | None) -> None:
    box.fault(kind="latency", provider=provider_id, path=path, latency_ms=600)

    async def body(p: Provider) -> None:
        extended = {"method": "extended"} if path == "/a/v2" else {}  # Ringostat's method is chosen at sign-in
        await p.sign_in({**creds[provider_id], **extended})
        with pytest.raises(OutcomeUnknown, match="may have been placed"):
            await p.start_call(StartCall(destination=NORMAL, own_number=own))
        await asyncio.sleep(0.8)  # let the sandbox finish the slow request

    run_with(provider_id, sandbox_url, body, timeout=SHORT)
    sent = [r for r in box.requests() if r["provider"] == provider_id]
    assert len(sent) == 1
    assert len(box.calls()) <= 1


def test_slow_read_is_retried(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: Provider) -> None:
        await p.sign_in(creds["ringez"])
        box.fault(kind="latency", provider="ringez", path="/api/v1/auth/me", latency_ms=600)
        assert (await p.balance()).minutes is not None

    run_with("ringez", sandbox_url, body, timeout=SHORT)
    reads = [r for r in box.requests() if r["path"] == "/api/v1/auth/me"]
    assert len(reads) == 2
