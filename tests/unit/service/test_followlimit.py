"""No call is followed for ever: the follow limit and the ring timeout, on an injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from dialer.core.calls import LegState
from dialer.providers.base import HangupSupport, LegReporting
from dialer.service.calls import CallService
from dialer.service.followlimit import FollowLimits, FollowWatch, span
from dialer.store.accounts import AccountStore
from dialer.store.db import Database
from dialer.store.history import HistoryStore

from .fakes import FakeProvider, FakeSource, caps, plan

T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await asyncio.wait_for(factory(), 20)

    return asyncio.run(main())


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    db = Database.open(tmp_path / "h.sqlite3")
    AccountStore(db).add("fake", "fake")
    yield HistoryStore(db)
    db.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_follow_time_is_the_max_length_plus_a_margin_or_two_hours() -> None:
    limits = FollowLimits()
    assert limits.follow_s(None) == limits.follow_s(0) == 7200.0
    assert limits.follow_s(5) == 5 * 60 + limits.margin_s
    assert (span(7200), span(660), span(45), span(0.2)) == ("2 h", "11 min", "45 s", "0.2 s")


def test_the_cli_help_names_the_same_default_ring_timeout() -> None:
    from dialer.cli.call_cmd import RING_TIMEOUT_DEFAULT_S

    assert FollowLimits().ring_timeout_s == RING_TIMEOUT_DEFAULT_S


def test_the_watch_reads_only_the_injected_clock() -> None:
    clock = Clock()
    expired: list[tuple[int, str]] = []
    ringing = {1: True, 2: False}

    async def go() -> None:
        watch = FollowWatch(FollowLimits(margin_s=0, unset_s=100.0, ring_timeout_s=30.0),
                            lambda key, why: expired.append((key, why)), clock)
        watch.start(1, follow_s=100.0, ringing=lambda: ringing[1])
        watch.start(2, follow_s=100.0, ringing=lambda: ringing[2])
        await asyncio.sleep(0.01)
        assert expired == []  # real time passing moves nothing
        clock.now += 20
        watch.changed(1)  # a leg changed at 1020: the ring timeout starts again
        clock.now += 29
        watch.poke()
        await asyncio.sleep(0.01)
        assert expired == []
        clock.now += 2  # 31 s after the last change, still ringing
        watch.poke()
        await asyncio.sleep(0.01)
        assert expired == [(1, "ring")]
        clock.now += 50  # 101 s after the start: call 2 (answered, not ringing) hits its follow limit
        watch.poke()
        await asyncio.sleep(0.01)
        assert expired == [(1, "ring"), (2, "follow")]
        assert not watch.is_watching(1) and not watch.is_watching(2)
        await watch.aclose()

    run(go)


def service(history: HistoryStore, provider: FakeProvider, limits: FollowLimits) -> CallService:
    return CallService(history=history, providers=FakeSource(provider), poll_interval=lambda _p: 0.001,
                       time_scale=0.001, follow_limits=limits, callbacks_enabled=lambda: True)


def test_a_call_stuck_ringing_ends_unknown_after_the_ring_timeout(history: HistoryStore) -> None:
    provider = FakeProvider(script=[(LegState.RINGING, LegState.QUEUED)])  # the status never changes
    svc = service(history, provider, FollowLimits(ring_timeout_s=0.05))

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        assert not svc.poller.is_tracking(active.id)
        await svc.aclose()
        assert active.outcome == "unknown" and active.call.outcome is LegState.UNKNOWN
        assert active.error is not None and "your phone as ringing" in active.error
        assert "Check your phone" in active.error and "provider's call log" in active.error
        row = history.get(active.id)
        assert row is not None and row.finished and row.state == "unknown" and row.error == active.error
        assert row.ended_at is not None and row.duration_s is None and row.cost is None

    run(go)


def test_an_answered_call_never_reported_ended_stops_at_the_follow_limit(history: HistoryStore) -> None:
    provider = FakeProvider(script=[(LegState.ANSWERED, LegState.ANSWERED)])  # connected, never ends
    svc = service(history, provider, FollowLimits(unset_s=0.2, ring_timeout_s=0.01))

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        assert active.answered_at is not None  # the ring timeout did not apply once answered
        assert active.call.outcome is LegState.UNKNOWN
        assert active.error is not None and "never reported its end" in active.error
        assert "may still be running" in active.error
        row = history.get(active.id)
        assert row is not None and row.finished and row.state == "unknown"
        assert row.answered_at is not None and row.duration_s is None  # no made-up length or cost
        assert row.cost is None

    run(go)


def test_a_callback_that_never_comes_ends_unknown(history: HistoryStore) -> None:
    provider = FakeProvider(capabilities=caps("calledin", leg_status=LegReporting.CALLBACK_ONLY,
                                              hangup=HangupSupport.NEVER, dtmf=False))
    svc = service(history, provider, FollowLimits(unset_s=0.1, ring_timeout_s=0.01))

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        assert not active.finished  # waiting for the callback, and not by the ring timeout
        await svc.wait_finished(active.id)
        await svc.aclose()
        assert active.call.outcome is LegState.UNKNOWN
        assert active.error is not None and "did not report how the call ended" in active.error
        assert "callback URL" in active.error
        row = history.get(active.id)
        assert row is not None and row.finished and row.state == "unknown"

    run(go)


def test_a_call_that_ends_in_time_is_not_touched(history: HistoryStore) -> None:
    provider = FakeProvider()  # rings, answers, completes
    svc = service(history, provider, FollowLimits(unset_s=5.0, ring_timeout_s=5.0))

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        assert active.call.outcome is LegState.COMPLETED and active.error is None

    run(go)


class DeafProvider(FakeProvider):
    """Accepts the hang-up request, but its status never turns final."""

    async def hang_up(self, call_id: str) -> None:
        self.hangups.append(call_id)


def test_a_hang_up_whose_effect_never_shows_ends_unknown_telling_the_user(history: HistoryStore) -> None:
    provider = DeafProvider(script=[(LegState.ANSWERED, LegState.ANSWERED)])
    svc = service(history, provider, FollowLimits(unset_s=60.0, ring_timeout_s=60.0, after_hangup_s=0.05))

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        while active.answered_at is None:
            await asyncio.sleep(0.005)
        await svc.hang_up(active.id)
        await svc.wait_finished(active.id)
        await svc.aclose()
        assert provider.hangups == [active.provider_call_id]
        assert active.call.outcome is LegState.UNKNOWN
        assert active.error is not None and "The hang-up was sent" in active.error
        assert "hang up on your phone" in active.error
        row = history.get(active.id)
        assert row is not None and row.finished and row.state == "unknown"

    run(go)


def test_a_call_that_never_leaves_the_queue_says_no_progress_was_reported(history: HistoryStore) -> None:
    provider = FakeProvider(script=[(LegState.QUEUED, LegState.QUEUED)])
    svc = service(history, provider, FollowLimits(ring_timeout_s=0.05))

    async def go() -> str | None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return active.error

    error = run(go)
    assert error is not None and error.startswith("Fake reported no progress for")
    assert "still waiting to ring your phone" in error
