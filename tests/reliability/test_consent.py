"""No call from outside the window without the user's confirmation; service codes never; expensive numbers
only after the extra step. The sandbox's own call list (/_sandbox/calls) is the witness on every path."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.core.calls import Origin
from dialer.desktop import protocol, requests
from dialer.service import DialError, DialerService
from dialer.service.accounts import demo_credentials

from . import _report
from ._cli import cli_env, dialer, login
from ._harness import run
from .conftest import Box

OWN = "+14155559876"
NUMBER = "+14155550006"
EXTERNAL = [o for o in Origin if o.is_external]
SERVICE_CODES = ["*21#", "#31#", "*#06#", "*21*+14155550006#", "#31#+14155550006", "**21*14155550006#"]
PREMIUM = "+19002530000"
SHARED_COST = "+33810123456"


def _table() -> None:
    _report.ensure("Consent", "paths tested", "unconsented calls", "service codes placed",
                   "expensive calls without the extra step")


def _as_origin(text: str, origin: Origin) -> str:
    """How the request text looks on its way in (a link for tel: links)."""
    if origin is Origin.TEL_LINK:
        return "tel:" + text.replace("#", "%23")
    return text


async def _signed_in_service(box: Box) -> tuple[DialerService, int]:
    service = await DialerService.open(demo_sandbox_url=box.url, time_scale=0.05)
    service.settings.own_number = OWN
    creds = (await asyncio.to_thread(box.credentials))["ringez"]
    view = await service.accounts.sign_in("ringez", demo_credentials("ringez", creds))
    return service, view.id


@pytest.mark.parametrize("origin", EXTERNAL, ids=[o.value for o in EXTERNAL])
def test_external_requests_are_not_placed_without_confirmation(box: Box, origin: Origin) -> None:
    _table()

    async def body() -> str:
        service, account = await _signed_in_service(box)
        try:
            plan = service.calls.prepare(_as_origin(NUMBER, origin), origin=origin, account_id=account)
            assert plan.needs_confirmation
            with pytest.raises(DialError) as refused:
                await service.calls.place(plan, confirmed=False)
            return str(refused.value)
        finally:
            await service.aclose()

    message = run(body)
    _report.add("Consent", "paths tested")
    _report.add("Consent", "unconsented calls", len(box.calls()))
    assert "confirm" in message
    assert box.calls() == []


@pytest.mark.parametrize("origin", list(Origin), ids=[o.value for o in Origin])
def test_service_codes_are_refused_from_everywhere(box: Box, origin: Origin) -> None:
    _table()

    async def body() -> list[str]:
        service, account = await _signed_in_service(box)
        reasons = []
        try:
            for code in SERVICE_CODES:
                with pytest.raises(DialError) as refused:
                    service.calls.prepare(_as_origin(code, origin), origin=origin, account_id=account)
                reasons.append(str(refused.value))
        finally:
            await service.aclose()
        return reasons

    reasons = run(body)
    _report.add("Consent", "paths tested", len(SERVICE_CODES))
    _report.add("Consent", "service codes placed", len(box.calls()))
    assert box.calls() == []
    assert all("service code" in r.lower() or "code" in r.lower() for r in reasons), reasons


@pytest.mark.parametrize("number", [PREMIUM, SHARED_COST], ids=["premium-rate", "shared-cost"])
def test_expensive_numbers_need_the_extra_step(box: Box, number: str) -> None:
    _table()

    async def body() -> tuple[str, int]:
        service, account = await _signed_in_service(box)
        try:
            plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account)
            assert plan.needs_confirmation and plan.needs_extra_step
            with pytest.raises(DialError) as refused:
                await service.calls.place(plan, confirmed=True)
            seen_before = len(await asyncio.to_thread(box.calls))
            active = await service.calls.place(plan, confirmed=True, extra_confirmed=True)
            await service.calls.hang_up(active.id)
            return str(refused.value), seen_before
        finally:
            await service.aclose()

    message, seen_before = run(body)
    _report.add("Consent", "paths tested")
    _report.add("Consent", "expensive calls without the extra step", seen_before)
    assert seen_before == 0 and "second time" in message
    assert len(box.calls()) == 1  # the extra step, and only it, lets the call through


def test_cli_without_terminal_or_yes_places_nothing(box: Box, tmp_path: Path) -> None:
    _table()
    env = cli_env(box, tmp_path)
    login(env, box, "ringez")
    results = [
        ("no --yes, no terminal", dialer(env, "call", NUMBER, "--from", OWN, stdin=None), "--yes"),
        ("no --yes, piped 'y'", dialer(env, "call", NUMBER, "--from", OWN, stdin="y\n"), "--yes"),
        ("tel: link, no --yes", dialer(env, "call", "tel:" + NUMBER, "--from", OWN, stdin=None), "--yes"),
        ("premium with --yes", dialer(env, "call", PREMIUM, "--from", OWN, "--yes"), "--allow-premium"),
        ("shared-cost with --yes", dialer(env, "call", SHARED_COST, "--from", OWN, "--yes"), "--allow-premium"),
    ]
    results += [(f"service code {code}", dialer(env, "call", code, "--from", OWN, "--yes"), "code")
                for code in SERVICE_CODES[:3]]
    _report.add("Consent", "paths tested", len(results))
    _report.add("Consent", "unconsented calls", len(box.calls()))
    for name, done, hint in results:
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert hint in done.stderr, (name, done.stderr)
    assert box.calls() == []


def test_handoff_requests_only_fill_in_the_number(box: Box) -> None:
    """Every valid hand-off becomes a plan that needs confirmation; without it nothing is placed."""
    _table()
    lines = [
        protocol.encode_request("open-uri", {"uri": "tel:" + NUMBER}),
        protocol.encode_request("open-uri", {"uri": "callto:" + NUMBER}),
        protocol.encode_request("call", {"number": NUMBER}),
        protocol.encode_request("call", {"number": "+1 415 555 0006,,123#"}),
    ]

    async def body() -> list[str]:
        service, account = await _signed_in_service(box)
        messages = []
        try:
            for line in lines:
                request = requests.decode(line)
                plan = service.calls.prepare(request.uri or request.number_text, origin=request.origin,
                                             account_id=account)
                assert plan.needs_confirmation
                with pytest.raises(DialError) as refused:
                    await service.calls.place(plan, confirmed=False)
                messages.append(str(refused.value))
        finally:
            await service.aclose()
        return messages

    messages = run(body)
    _report.add("Consent", "paths tested", len(lines))
    _report.add("Consent", "unconsented calls", len(box.calls()))
    assert all("confirm" in m for m in messages)
    assert box.calls() == []
