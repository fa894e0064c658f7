"""No call is followed for ever, through the real clients and the sandbox: a status that never changes, a
call never reported ended, a Called.in callback that never comes. The limits are shortened by injection
(``DialerService.open(follow_limits=...)``); the sandbox is slowed (``/_sandbox/config speed``) to freeze a
call's status."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dialer.core.calls import LegState, Origin
from dialer.service import ActiveCall, CallEvent, DialerService, FollowLimits
from dialer.store.history import HistoryRow

from .conftest import OWN, TIME_SCALE, Box, run

ANSWERS = "+14155550100"  # answers and runs until hung up (60 simulated minutes)
BUSY = "+14155550001"
FROZEN_SPEED = 0.0001  # one simulated second takes almost three hours: nothing moves during the test


async def _follow(sandbox_url: str, provider: str, number: str, limits: FollowLimits,
                  callback_url: str | None = None) -> tuple[ActiveCall, HistoryRow | None]:
    """Place a call to ``number`` and wait until the app stops following it: (the call, its history row)."""
    service = await DialerService.open(demo_sandbox_url=sandbox_url, time_scale=TIME_SCALE, follow_limits=limits)
    try:
        service.settings.own_number = OWN
        if callback_url is not None:
            service.settings.set("calledin_callback_url", callback_url)
        views = await service.accounts.sign_in_demo(sandbox_url)
        account_id = next(v.id for v in views if v.provider_id == provider)
        plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account_id, max_minutes=None)
        active = await service.calls.place(plan, confirmed=True)
        await service.calls.wait_finished(active.id)
        return active, service.history.store.get(active.id)
    finally:
        await service.aclose()


@pytest.mark.parametrize("provider", ["ringez", "ringcentral"])
def test_a_status_that_never_changes_ends_unknown_after_the_ring_timeout(sandbox_url: str, box: Box,
                                                                         provider: str) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/config", json={"speed": FROZEN_SPEED}, timeout=5).raise_for_status()
    active, row = run(lambda: _follow(sandbox_url, provider, ANSWERS, FollowLimits(ring_timeout_s=0.5)))
    assert active.call.outcome is LegState.UNKNOWN and active.outcome == "unknown"
    assert active.error is not None and "stopped following the call" in active.error and "Check your phone" in active.error
    assert row is not None and row.finished and row.state == "unknown" and row.error == active.error
    assert row.provider_call_id == active.provider_call_id and row.ended_at is not None
    assert row.answered_at is None
    (call,) = box.calls(provider)
    assert not call["ended"]  # the provider still shows it: the app only says it stopped following


@pytest.mark.parametrize("provider", ["ringez", "ringcentral"])
def test_a_call_never_reported_ended_stops_at_the_follow_limit(sandbox_url: str, box: Box, provider: str) -> None:
    limits = FollowLimits(unset_s=1.0, ring_timeout_s=60.0)
    active, row = run(lambda: _follow(sandbox_url, provider, ANSWERS, limits))
    assert active.call.outcome is LegState.UNKNOWN
    assert active.error is not None and "never reported its end" in active.error
    assert "may still be running" in active.error
    assert row is not None and row.finished and row.state == "unknown" and row.error == active.error
    assert box.calls(provider)[0]["state"] == "answered"  # still running at the provider


def test_a_calledin_callback_that_never_comes_ends_unknown(sandbox_url: str, box: Box) -> None:
    # The user's public callback URL does not reach this computer (nothing listens on port 9).
    dead = "http://127.0.0.1:9/calledin/callback"
    limits = FollowLimits(margin_s=1.0, unset_s=1.0, ring_timeout_s=0.01)
    active, row = run(lambda: _follow(sandbox_url, "calledin", BUSY, limits, callback_url=dead))
    assert active.call.outcome is LegState.UNKNOWN
    assert active.error is not None and "Called.in did not report how the call ended" in active.error
    assert "callback URL" in active.error
    assert row is not None and row.finished and row.state == "unknown" and row.error == active.error
    (call,) = box.calls("calledin")
    assert call["ended"] and call["callback"]["url"] == dead
    assert call["callback"]["status"] is None  # sent by Called.in, never reached the app


def test_a_calledin_result_arriving_after_the_limit_still_corrects_the_record(sandbox_url: str, box: Box) -> None:
    """The app gave up waiting, then Called.in's callback came: the history row gets the reported outcome."""
    limits = FollowLimits(margin_s=0.05, unset_s=0.05, ring_timeout_s=0.01)

    async def body() -> tuple[ActiveCall, HistoryRow | None, list[str]]:
        service = await DialerService.open(demo_sandbox_url=sandbox_url, time_scale=TIME_SCALE, follow_limits=limits)
        try:
            service.settings.own_number = OWN
            views = await service.accounts.sign_in_demo(sandbox_url)
            account_id = next(v.id for v in views if v.provider_id == "calledin")
            messages: list[str] = []
            late = asyncio.Event()

            def on_event(event: CallEvent) -> None:
                if event.kind == "finished":
                    messages.append(event.message)
                    if "late" in event.message:
                        late.set()

            service.calls.subscribe(on_event)
            # answers, then the far end hangs up after 30 simulated seconds (0.3 s here)
            plan = service.calls.prepare("+14155550006", origin=Origin.WINDOW, account_id=account_id,
                                         max_minutes=None)
            active = await service.calls.place(plan, confirmed=True)
            await service.calls.wait_finished(active.id)
            assert active.call.outcome is LegState.UNKNOWN  # gave up first
            await late.wait()
            return active, service.history.store.get(active.id), messages
        finally:
            await service.aclose()

    active, row, messages = run(body)
    assert active.call.outcome is LegState.COMPLETED and active.error is None
    assert row is not None and row.finished and row.state == "completed" and row.error is None
    assert row.answered_at is not None and row.duration_s == 60  # Called.in reports whole minutes
    assert "did not report how the call ended" in messages[0]
    assert messages[-1] == "Called.in reported the call's end late: completed."
