"""Call orchestration rules, checked against a scripted provider (tests/unit/service/fakes.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from dialer.core.calls import LegRole, LegState
from dialer.core.safety import DialVerdict
from dialer.providers.base import (
    HangupSupport,
    LegReporting,
    OutcomeUnknown,
    ProviderUnavailable,
    RateLimited,
    StartCall,
)
from dialer.service.calls import CallService
from dialer.service.errors import DialError
from dialer.service.events import CallEvent
from dialer.service.poller import TASK_NAME, CallPoller
from dialer.store.accounts import AccountStore
from dialer.store.db import Database
from dialer.store.history import HistoryRow, HistoryStore

from .fakes import FakeProvider, FakeSource, caps, plan

T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await asyncio.wait_for(factory(), 20)

    return asyncio.run(main())


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    db = Database.open(tmp_path / "h.sqlite3")
    AccountStore(db).add("fake", "fake")  # account 1, which the plans use
    yield HistoryStore(db)
    db.close()


def service(history: HistoryStore, provider: FakeProvider, **kw: Any) -> CallService:
    kw.setdefault("poll_interval", lambda _p: 0.001)
    kw.setdefault("time_scale", 0.001)
    return CallService(history=history, providers=FakeSource(provider), **kw)


# --------------------------------------------------------------------------------------- confirmation


def test_a_call_that_needs_confirmation_is_refused_without_it(history: HistoryStore) -> None:
    provider = FakeProvider()
    svc = service(history, provider)
    p = plan(provider, verdict=DialVerdict(needs_confirmation=True))

    async def go() -> None:
        with pytest.raises(DialError, match="confirm"):
            await svc.place(p, confirmed=False)
        await svc.aclose()

    run(go)
    assert provider.requests == []
    assert history.count() == 0


def test_an_expensive_number_needs_the_extra_confirmation_too(history: HistoryStore) -> None:
    provider = FakeProvider()
    svc = service(history, provider)
    p = plan(provider, verdict=DialVerdict(needs_confirmation=True, needs_extra_step=True))

    async def go() -> str:
        with pytest.raises(DialError, match="second time"):
            await svc.place(p, confirmed=True)
        active = await svc.place(p, confirmed=True, extra_confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return str(active.outcome)

    assert run(go) == "completed"
    assert len(provider.requests) == 1


def test_a_refused_number_is_never_sent(history: HistoryStore) -> None:
    provider = FakeProvider()
    svc = service(history, provider)
    p = plan(provider, verdict=DialVerdict(refused="Service codes are never sent."))

    async def go() -> None:
        with pytest.raises(DialError, match="Service codes"):
            await svc.place(p, confirmed=True, extra_confirmed=True)
        await svc.aclose()

    run(go)
    assert provider.requests == []


# ---------------------------------------------------------------------------------------- idempotency


def test_each_place_has_its_own_key_and_an_idempotent_retry_reuses_it(history: HistoryStore) -> None:
    provider = FakeProvider(capabilities=caps("ringez"))
    provider.start_errors.append(OutcomeUnknown("answer lost"))
    svc = service(history, provider)

    async def go() -> None:
        first = await svc.place(plan(provider), confirmed=True)
        second = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(first.id)
        await svc.wait_finished(second.id)
        await svc.aclose()

    run(go)
    keys = [r.idempotency_key for r in provider.requests]
    assert len(keys) == 3  # first action sent twice (lost answer), second action once
    assert keys[0] == keys[1] and keys[0] is not None
    assert keys[2] != keys[0]


def test_a_lost_answer_is_never_sent_again_and_is_recorded_as_unknown(history: HistoryStore) -> None:
    provider = FakeProvider(capabilities=caps("ringostat"))
    provider.start_errors.append(OutcomeUnknown("answer lost"))
    svc = service(history, provider)
    events: list[CallEvent] = []
    svc.subscribe(events.append)

    async def go() -> int:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.aclose()
        return active.id

    row_id = run(go)
    assert len(provider.requests) == 1
    row = history.get(row_id)
    assert row is not None
    assert row.state == "unknown" and row.finished
    assert row.error is not None and "may have been placed" in row.error
    assert [e.kind for e in events] == ["started", "error", "finished"]


# ------------------------------------------------------------------------------------------- history


def test_the_history_row_exists_before_the_request_is_sent(history: HistoryStore) -> None:
    seen: list[HistoryRow] = []

    def check_history(request: StartCall) -> None:
        seen.extend(history.page(0, 10))

    provider = FakeProvider(on_start=check_history)
    svc = service(history, provider)

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()

    run(go)
    assert len(seen) == 1
    assert seen[0].state == "queued" and seen[0].provider_call_id is None and not seen[0].finished


def test_every_leg_change_is_in_the_history_row_when_the_event_arrives(history: HistoryStore) -> None:
    provider = FakeProvider()
    svc = service(history, provider)
    mismatches: list[str] = []
    legs_seen: list[dict[str, str]] = []

    def on_event(event: CallEvent) -> None:
        if event.kind not in ("leg", "finished"):
            return
        row = history.get(event.call_id)
        assert row is not None
        snapshot = {leg.role.value: leg.state.value for leg in event.call.call.legs}
        legs_seen.append(snapshot)
        if row.legs != snapshot:
            mismatches.append(f"{row.legs} != {snapshot}")

    svc.subscribe(on_event)

    async def go() -> int:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return active.id

    row_id = run(go)
    assert mismatches == []
    assert legs_seen[0] == {"self": "ringing", "destination": "queued"}
    assert legs_seen[-1] == {"self": "completed", "destination": "completed"}
    row = history.get(row_id)
    assert row is not None and row.finished and row.state == "completed"
    assert row.duration_s == 65 and row.cost is not None and str(row.cost) == "0.10"  # 2 billed minutes
    assert row.answered_at is not None and row.provider_call_id is not None


def test_stale_and_illegal_updates_do_not_move_legs_backwards(history: HistoryStore) -> None:
    provider = FakeProvider(script=[
        (LegState.ANSWERED, LegState.ANSWERED),
        (LegState.RINGING, LegState.RINGING),  # a late answer to an older request
        (LegState.ANSWERED, LegState.BUSY),  # illegal after answered
        (LegState.COMPLETED, LegState.COMPLETED),
    ])
    svc = service(history, provider)
    dest_states: list[LegState | None] = []
    svc.subscribe(lambda e: dest_states.append(e.call.leg_state(LegRole.DESTINATION)))

    async def go() -> str | None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return active.outcome

    assert run(go) == "completed"
    assert LegState.RINGING not in dest_states[dest_states.index(LegState.ANSWERED):]
    assert LegState.BUSY not in dest_states


# -------------------------------------------------------------------------------------------- poller


def test_fifty_calls_share_one_bounded_poller(history: HistoryStore) -> None:
    provider = FakeProvider(status_delay=0.002)
    poller = CallPoller(max_in_flight=3)
    svc = service(history, provider, poller=poller)
    poller_tasks: list[int] = []

    async def go() -> list[str | None]:
        calls = [await svc.place(plan(provider), confirmed=True) for _ in range(50)]
        poller_tasks.append(sum(1 for t in asyncio.all_tasks() if t.get_name() == TASK_NAME))
        done = [await svc.wait_finished(c.id) for c in calls]
        await svc.aclose()
        return [c.outcome for c in done]

    outcomes = run(go)
    assert outcomes == ["completed"] * 50
    assert poller_tasks == [1]
    assert 1 <= provider.max_in_flight <= 3


def test_rate_limits_and_outages_slow_the_poller_but_keep_the_call(history: HistoryStore) -> None:
    provider = FakeProvider()
    provider.status_errors.extend([RateLimited("slow down", retry_after=0.01), ProviderUnavailable("down")])
    svc = service(history, provider)
    kinds: list[str] = []
    svc.subscribe(lambda e: kinds.append(e.kind))

    async def go() -> str | None:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return active.outcome

    assert run(go) == "completed"
    assert kinds.count("error") == 2
    assert "finished" in kinds


# ---------------------------------------------------------------------------------------------- DTMF


def test_post_dial_keys_are_sent_only_after_the_destination_answers(history: HistoryStore) -> None:
    provider = FakeProvider(script=[
        (LegState.RINGING, LegState.QUEUED),
        (LegState.ANSWERED, LegState.RINGING),
        *[(LegState.ANSWERED, LegState.ANSWERED)] * 100,  # ~1 s of talk: plenty for 2.5 ms of pauses
        (LegState.COMPLETED, LegState.COMPLETED),
    ])
    svc = service(history, provider, time_scale=0.0005, poll_interval=lambda _p: 20.0)  # polls 10 ms apart
    polls_at_send: list[int] = []
    original = provider.send_dtmf

    async def send(call_id: str, digits: str) -> None:
        polls_at_send.append(provider.polls[call_id])
        await original(call_id, digits)

    provider.send_dtmf = send  # type: ignore[method-assign]

    async def go() -> None:
        active = await svc.place(plan(provider, postdial="p1234w#"), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()

    run(go)
    assert [d for _c, d in provider.dtmf_sent] == ["1234", "#"]
    assert all(n >= 3 for n in polls_at_send)  # the third status reported the answer


def test_post_dial_keys_can_be_canceled_before_they_are_sent(history: HistoryStore) -> None:
    provider = FakeProvider(script=[(LegState.ANSWERED, LegState.ANSWERED)])
    svc = service(history, provider, time_scale=1.0, poll_interval=lambda _p: 0.01)

    async def go() -> str:
        active = await svc.place(plan(provider, postdial="pp9"), confirmed=True)
        for _ in range(200):
            if active.pending_dtmf:
                break
            await asyncio.sleep(0.01)
        pending = active.pending_dtmf
        svc.cancel_postdial(active.id)
        await svc.hang_up(active.id)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return pending

    assert run(go) == "pp9"
    assert provider.dtmf_sent == []
    assert len(provider.hangups) == 1


# ----------------------------------------------------------------------------------- other providers


def test_a_provider_without_progress_reports_is_done_once_it_accepts(history: HistoryStore) -> None:
    provider = FakeProvider(capabilities=caps("ringostat", leg_status=LegReporting.NONE,
                                              hangup=HangupSupport.NEVER, dtmf=False))
    svc = service(history, provider)

    async def go() -> tuple[str | None, bool]:
        active = await svc.place(plan(provider), confirmed=True)
        with pytest.raises(DialError, match="phone"):
            await svc.hang_up(active.id)
        await svc.aclose()
        return active.outcome, active.finished

    assert run(go) == ("request accepted", True)
    assert provider.polls == {next(iter(provider.polls)): 0}


# ------------------------------------------------------------------------------------------ reconcile


def test_reconcile_closes_rows_a_crash_left_open(history: HistoryStore) -> None:
    from datetime import UTC, datetime

    provider = FakeProvider(script=[(LegState.COMPLETED, LegState.COMPLETED)])
    base = dict(provider="fake", account_id=None, display_name=None, destination="+12015550123", mode="bridge", origin="window",
                state="ringing", legs={"self": "answered", "destination": "ringing"},
                started_at=datetime.now(UTC))
    sent = history.add(HistoryRow(id=None, provider_call_id="call-x", **base))  # type: ignore[arg-type]
    lost = history.add(HistoryRow(id=None, provider_call_id=None, **{**base, "state": "queued"}))  # type: ignore[arg-type]
    history.update(sent, account_id=1)
    svc = service(history, provider)

    async def go() -> int:
        closed = await svc.reconcile_unfinished()
        await svc.aclose()
        return closed

    assert run(go) == 2
    done, unknown = history.get(sent), history.get(lost)
    assert done is not None and done.finished and done.state == "completed"
    assert unknown is not None and unknown.finished and unknown.state == "unknown"
    assert unknown.error is not None and "may have been placed" in unknown.error
    assert history.unfinished() == []


def test_a_lost_session_stops_following_and_says_so(history: HistoryStore) -> None:
    from dialer.providers.base import SignInRequired

    provider = FakeProvider()
    provider.status_errors.append(SignInRequired("Sign in to Fake again."))
    svc = service(history, provider)

    async def go() -> tuple[LegState, str | None]:
        active = await svc.place(plan(provider), confirmed=True)
        await svc.wait_finished(active.id)
        await svc.aclose()
        return active.call.outcome, active.error

    outcome, error = run(go)
    assert outcome is LegState.UNKNOWN
    assert error is not None and "Sign in to Fake again." in error and "check your phone" in error



def test_a_connected_ringout_is_ended_from_the_phone(history: HistoryStore) -> None:
    provider = FakeProvider(capabilities=caps("ringcentral", hangup=HangupSupport.BEFORE_CONNECT),
                            script=[(LegState.ANSWERED, LegState.ANSWERED)])
    svc = service(history, provider, poll_interval=lambda _p: 10.0)  # polls 10 ms apart

    async def go() -> None:
        active = await svc.place(plan(provider), confirmed=True)
        while active.answered_at is None:
            await asyncio.sleep(0.005)
        with pytest.raises(DialError, match="End it from your phone"):
            await svc.hang_up(active.id)
        await svc.aclose()

    run(go)
    assert provider.hangups == []
