"""Caller ID through the service and the sandbox (issue 11 item 9): the account default and the per-call
choice reach the plan and the provider request; nothing is sent when nothing was chosen."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dialer.core.calls import Origin
from dialer.service import AccountError, DialError, DialerService

from .conftest import OWN, Box, open_service, run

MAIN = "+12025550111"  # the sandbox extension's main number (CallerId feature)
DIRECT = "+12025550100"


def requests_of(box: Box, provider: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = httpx.get(f"{box.url}/_sandbox/requests", timeout=5).json()["requests"]
    return [r for r in log if r["provider"] == provider and r["method"] in ("POST", "GET")
            and (("ring-out" in r["path"] and r["method"] == "POST") or "clicktocall" in r["path"])]


async def _signed_in(sandbox_url: str, provider: str) -> tuple[DialerService, int]:
    service = await open_service(sandbox_url)
    views = await service.accounts.sign_in_demo(sandbox_url)
    return service, next(v.id for v in views if v.provider_id == provider)


def test_ringcentral_plan_carries_default_and_per_call_caller_id(sandbox_url: str, box: Box) -> None:
    async def body() -> tuple[list[str | None], list[str]]:
        service, acc = await _signed_in(sandbox_url, "ringcentral")
        try:
            choices = await service.accounts.caller_ids(acc)
            assert [c.number for c in choices.numbers] == [DIRECT, MAIN]
            seen: list[str | None] = []
            plan = service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc)
            seen.append(plan.caller_id)
            await service.calls.place(plan, confirmed=True)
            assert service.accounts.set_caller_id(acc, "+1 202 555 0111") == MAIN
            assert service.accounts.get(acc).caller_id == MAIN
            plan = service.calls.prepare("+14155550107", origin=Origin.WINDOW, account_id=acc)
            seen.append(plan.caller_id)
            await service.calls.place(plan, confirmed=True)
            plan = service.calls.prepare("+14155550108", origin=Origin.WINDOW, account_id=acc, caller_id=DIRECT)
            seen.append(plan.caller_id)
            await service.calls.place(plan, confirmed=True)
            plan = service.calls.prepare("+14155550109", origin=Origin.WINDOW, account_id=acc, caller_id="")
            seen.append(plan.caller_id)  # "" = the provider's default for this call
            own = [c.number for c in await service.accounts.own_numbers(acc)]
            return seen, own
        finally:
            await service.aclose()

    seen, own = run(body)
    assert seen == [None, MAIN, DIRECT, None]
    assert own[0] == "+12025550199"
    bodies = [r["body"] for r in requests_of(box, "ringcentral")]
    assert len(bodies) == 3
    assert "callerId" not in bodies[0]
    assert bodies[1]["callerId"] == {"phoneNumber": MAIN}
    assert bodies[2]["callerId"] == {"phoneNumber": DIRECT}
    assert all("playPrompt" not in b for b in bodies)  # the user never set it


def test_calledin_caller_id_is_checked_in_the_plan_and_sent(sandbox_url: str, box: Box) -> None:
    async def body() -> None:
        service, acc = await _signed_in(sandbox_url, "calledin")
        try:
            assert (await service.accounts.caller_ids(acc)).free_entry
            with pytest.raises(DialError, match=r"own phone's country \(\+1\)"):
                service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc,
                                      caller_id="+44 20 7946 0000")
            with pytest.raises(AccountError, match="own phone's country"):
                service.accounts.set_caller_id(acc, "+44 20 7946 0000", own_number=OWN)
            with pytest.raises(DialError, match="not a valid phone number"):
                service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc, caller_id="12")
            plan = service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc,
                                         caller_id="+12025550111")
            assert plan.caller_id == MAIN
            await service.calls.place(plan, confirmed=True)
        finally:
            await service.aclose()

    run(body)
    queries = [r["query"] for r in requests_of(box, "calledin")]
    assert len(queries) == 1 and "caller_id=2025550111" in queries[0]


def test_providers_without_caller_id_refuse_a_chosen_one(sandbox_url: str) -> None:
    async def body() -> None:
        service, acc = await _signed_in(sandbox_url, "ringez")
        try:
            with pytest.raises(DialError, match="cannot choose the caller ID"):
                service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc, caller_id=MAIN)
            with pytest.raises(AccountError, match="cannot choose the caller ID"):
                service.accounts.set_caller_id(acc, MAIN)
            with pytest.raises(AccountError, match="cannot choose the caller ID"):
                await service.accounts.caller_ids(acc)
            plan = service.calls.prepare("+14155550106", origin=Origin.WINDOW, account_id=acc)
            assert plan.caller_id is None
        finally:
            await service.aclose()

    run(body)
