"""The call service with the real provider clients against the sandbox: every provider and scenario,
hang-up, DTMF, sign-in, low balance, lost answers, crash recovery, server history."""

from __future__ import annotations

import asyncio

import pytest

from dialer.core.calls import CallMode, LegRole, LegState, Origin
from dialer.providers.base import InsufficientFunds
from dialer.service import ActiveCall, DialError, DialerService
from dialer.service.calls import OWN_LEG_ENDED

from .conftest import OWN, Box, open_service, run

NUMBER = "+1415555{}"
POLLED = ("ringez", "ringcentral")


async def _service_for(provider: str, sandbox_url: str) -> tuple[DialerService, int]:
    service = await open_service(sandbox_url)
    views = await service.accounts.sign_in_demo(sandbox_url)
    account = next(v for v in views if v.provider_id == provider)
    return service, account.id


async def _call(service: DialerService, account_id: int, number: str, *, own: str = OWN,
                postdial: str | None = None, mode: CallMode | None = None) -> ActiveCall:
    plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account_id, own_number=own,
                                 postdial=postdial, mode=mode)
    return await service.calls.place(plan, confirmed=True)


# (provider, suffix of the destination, own number) -> outcomes accepted
SCENARIOS = [
    ("0006", OWN, {LegState.COMPLETED}),  # answered, the far end hangs up after 30 s
    ("0001", OWN, {LegState.BUSY}),
    ("0002", OWN, {LegState.NO_ANSWER}),
    ("0003", OWN, {LegState.REJECTED, LegState.BUSY}),  # Ringez's words have no "rejected"
    ("0004", OWN, {LegState.FAILED}),
    ("0100", "+14155550005", {LegState.NO_ANSWER}),  # the user's own phone never answers
]


@pytest.mark.parametrize("provider", [*POLLED, "calledin"])
@pytest.mark.parametrize(("suffix", "own", "outcomes"), SCENARIOS,
                         ids=["answered", "busy", "no-answer", "rejected", "network", "own-phone-silent"])
def test_every_scenario_ends_with_its_outcome_in_history(sandbox_url: str, box: Box, provider: str, suffix: str,
                                                         own: str, outcomes: set[LegState]) -> None:
    # Ringez reports the destination only in direct mode (in bridge mode its status is your phone's), and
    # rings the phone registered with the account, not a number the app sends.
    mode = CallMode.DIRECT if provider == "ringez" and suffix != "0100" else None
    if provider == "ringez":
        box.ringez_phone(own)

    async def body() -> tuple[ActiveCall, object]:
        service, account_id = await _service_for(provider, sandbox_url)
        try:
            active = await _call(service, account_id, NUMBER.format(suffix), own=own, mode=mode)
            await service.calls.wait_finished(active.id, timeout=20)
            return active, service.history.get(active.id)
        finally:
            await service.aclose()

    active, row = run(body)
    assert active.call.outcome in outcomes, active
    assert row is not None and row.finished  # type: ignore[attr-defined]
    assert row.state == active.call.outcome.value  # type: ignore[attr-defined]
    if suffix == "0100":
        assert active.leg_state(LegRole.SELF) is LegState.NO_ANSWER
    if suffix == "0006" and provider == "ringez":
        assert row.cost is not None  # type: ignore[attr-defined]


def test_ringostat_is_done_when_it_accepts(sandbox_url: str, box: Box) -> None:
    async def body() -> ActiveCall:
        service, account_id = await _service_for("ringostat", sandbox_url)
        try:
            active = await _call(service, account_id, NUMBER.format("0006"))
            with pytest.raises(DialError, match="hang up on your phone"):
                await service.calls.hang_up(active.id)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert active.finished and active.outcome == "request accepted"
    assert len(box.calls("ringostat")) == 1


def test_hang_up_ends_a_ringez_call(sandbox_url: str, box: Box) -> None:
    async def body() -> ActiveCall:
        service, account_id = await _service_for("ringez", sandbox_url)
        try:
            active = await _call(service, account_id, NUMBER.format("0100"))
            while active.leg_state(LegRole.SELF) is not LegState.ANSWERED:
                await asyncio.sleep(0.05)
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=10)
            return active
        finally:
            await service.aclose()

    active = run(body)
    # bridge mode: Ringez reports your phone's leg only, so the destination's outcome stays unknown
    assert active.leg_state(LegRole.SELF) is LegState.COMPLETED and active.outcome == OWN_LEG_ENDED
    assert box.calls("ringez")[0]["ended"]


def test_post_dial_keys_and_live_keys_reach_the_call(sandbox_url: str, box: Box) -> None:
    async def body() -> None:
        service, account_id = await _service_for("ringez", sandbox_url)
        try:
            active = await _call(service, account_id, NUMBER.format("0100"), postdial="12w#",
                                 mode=CallMode.DIRECT)  # direct: "in-progress" is the destination's
            while active.pending_dtmf or active.leg_state(LegRole.DESTINATION) is not LegState.ANSWERED:
                await asyncio.sleep(0.05)
            await service.calls.send_dtmf(active.id, "9")
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=10)
        finally:
            await service.aclose()

    run(body)
    assert "".join(box.calls("ringez")[0]["dtmf"]).replace(",", "") == "12#9"


def test_ringez_sign_in_with_the_emailed_code(sandbox_url: str, box: Box) -> None:
    email = "new.person@example.test"

    async def body() -> list[str]:
        service = await open_service(sandbox_url)
        try:
            assert await service.accounts.ringez_check_email(email) == "new_user"
            await service.accounts.ringez_send_otp(email)
            code = next(m["code"] for m in reversed(box.outbox()) if m["to"] == email)
            view = await service.accounts.sign_in("ringez", {"email": email, "otp": code})
            assert view.signed_in and view.label == email
            assert (await service.accounts.balance(view.id)).minutes == 5
            return [v.label for v in service.accounts.list()]
        finally:
            await service.aclose()

    assert run(body) == [email]


def test_an_empty_balance_is_refused_with_the_wallet(sandbox_url: str, box: Box) -> None:
    email = "spender@example.test"

    async def body() -> None:
        service = await open_service(sandbox_url)
        try:
            await service.accounts.ringez_send_otp(email)
            code = next(m["code"] for m in reversed(box.outbox()) if m["to"] == email)
            view = await service.accounts.sign_in("ringez", {"email": email, "otp": code})
            first = await _call(service, view.id, NUMBER.format("0100"), mode=CallMode.DIRECT)
            while first.leg_state(LegRole.DESTINATION) is not LegState.ANSWERED:
                await asyncio.sleep(0.05)
            box.advance(6 * 60)  # the 5 free minutes run out
            await service.calls.wait_finished(first.id, timeout=10)
            with pytest.raises(InsufficientFunds) as info:
                await _call(service, view.id, NUMBER.format("0100"), mode=CallMode.DIRECT)
            assert info.value.wallet_url == service.accounts.wallet_url(view.id)
            row = service.history.page(0, 1)[0]
            assert row.finished and row.state == "failed" and row.error
        finally:
            await service.aclose()

    run(body)


@pytest.mark.parametrize(("provider", "path"), [
    ("ringez", "/api/v1/calls/initiate"),
    ("ringcentral", "*ring-out"),
    ("calledin", "/api/clicktocall*"),
    ("ringostat", "/callback/outward_call"),  # the demo account's saved method; an own number never switches it
])
def test_a_lost_answer_never_places_a_second_call(sandbox_url: str, box: Box, provider: str,
                                                  path: str) -> None:
    async def body() -> ActiveCall:
        service, account_id = await _service_for(provider, sandbox_url)
        box.fault(kind="drop_after", provider=provider, path=path)
        try:
            active = await _call(service, account_id, NUMBER.format("0001"))
            if provider == "ringez":
                await service.calls.wait_finished(active.id, timeout=10)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert len(box.calls(provider)) == 1
    if provider == "ringez":  # the idempotency key makes the retry safe: the one call is followed
        assert active.provider_call_id == box.calls(provider)[0]["id"]
        assert active.leg_state(LegRole.SELF) is LegState.COMPLETED and active.outcome == OWN_LEG_ENDED
    else:
        assert active.finished and active.call.outcome is LegState.UNKNOWN
        assert active.error is not None and "may have been placed" in active.error


def test_reconcile_finishes_what_a_crash_left_open(sandbox_url: str, box: Box) -> None:
    async def first_run() -> int:
        service, account_id = await _service_for("ringez", sandbox_url)
        active = await _call(service, account_id, NUMBER.format("0006"), mode=CallMode.DIRECT)
        await service.aclose()  # the app "crashes": nothing finishes the row
        return active.id

    row_id = run(first_run)
    while not box.calls("ringez")[0]["ended"]:
        box.advance(10)

    async def second_run() -> tuple[int, object, int]:
        service = await open_service(sandbox_url)
        try:
            assert [r.id for r in service.history.store.unfinished()] == [row_id]
            closed = await service.calls.reconcile_unfinished()
            return closed, service.history.get(row_id), len(service.history.store.unfinished())
        finally:
            await service.aclose()

    closed, row, left = run(second_run)
    assert closed == 1 and left == 0
    assert row.finished and row.state == "completed"  # type: ignore[attr-defined]


def test_server_history_merges_without_duplicates(sandbox_url: str, box: Box) -> None:
    async def body() -> tuple[int, int, int, int]:
        service, account_id = await _service_for("ringez", sandbox_url)
        try:
            for suffix in ("0001", "0004"):
                active = await _call(service, account_id, NUMBER.format(suffix))
                await service.calls.wait_finished(active.id, timeout=10)
            before = service.history.count()
            first = await service.history.sync_server_history(account_id)
            second = await service.history.sync_server_history(account_id)
            return before, first, second, service.history.count()
        finally:
            await service.aclose()

    before, first, second, after = run(body)
    assert before == 2 and first == 0 and second == 0 and after == 2
    assert len(box.calls("ringez")) == 2


def test_ringcentral_browser_sign_in_then_a_call(sandbox_url: str, box: Box) -> None:
    import httpx

    client_id = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringcentral"]["client_id"]
    visits: list[asyncio.Task[None]] = []

    async def user_approves(url: str) -> None:
        async with httpx.AsyncClient(follow_redirects=True) as user_agent:
            await user_agent.get(url + "&approve=1")

    def open_browser(url: str) -> None:  # like QDesktopServices.openUrl: returns at once
        visits.append(asyncio.get_running_loop().create_task(user_approves(url)))

    async def body() -> ActiveCall:
        service = await open_service(sandbox_url)
        try:
            view = await service.accounts.sign_in_browser("ringcentral", {"client_id": client_id}, open_browser)
            assert view.signed_in and view.provider_id == "ringcentral"
            active = await _call(service, view.id, NUMBER.format("0001"))
            await service.calls.wait_finished(active.id, timeout=20)
            return active
        finally:
            await service.aclose()

    assert run(body).call.outcome is LegState.BUSY
    assert len(visits) == 1


def test_demo_mode_signs_in_everywhere_and_can_call(sandbox_url: str) -> None:
    async def body() -> tuple[list[str], str | None, LegState]:
        service = await DialerService.open(demo_sandbox_url=sandbox_url, time_scale=0.2)
        try:
            views = await service.start_demo()
            plan = service.calls.prepare(NUMBER.format("0004"), origin=Origin.WINDOW)
            active = await service.calls.place(plan, confirmed=True)
            await service.calls.wait_finished(active.id, timeout=20)
            return sorted(v.provider_id for v in views), service.settings.own_number, active.call.outcome
        finally:
            await service.aclose()

    providers, own, outcome = run(body)
    assert providers == ["calledin", "ringcentral", "ringez", "ringostat"]
    # the demo's default account is Ringez, in bridge mode: its status is your phone's leg only
    assert own is not None and outcome is LegState.UNKNOWN


def test_reconcile_follows_a_call_that_is_still_running(sandbox_url: str, box: Box) -> None:
    async def first_run() -> int:
        service, account_id = await _service_for("ringez", sandbox_url)
        active = await _call(service, account_id, NUMBER.format("0100"), mode=CallMode.DIRECT)  # until hung up
        while active.leg_state(LegRole.DESTINATION) is not LegState.ANSWERED:
            await asyncio.sleep(0.05)
        await service.aclose()  # the app "crashes" mid-call
        return active.id

    row_id = run(first_run)

    async def second_run() -> tuple[int, list[str], ActiveCall]:
        service = await open_service(sandbox_url)
        kinds: list[str] = []
        service.calls.subscribe(lambda e: kinds.append(e.kind))
        try:
            closed = await service.calls.reconcile_unfinished()
            [active] = service.calls.active()
            assert active.id == row_id and active.answered_at is not None
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=10)
            return closed, kinds, active
        finally:
            await service.aclose()

    closed, kinds, active = run(second_run)
    assert closed == 0 and kinds[0] == "started" and "finished" in kinds
    assert active.call.outcome in (LegState.COMPLETED, LegState.CANCELED)
    assert box.calls("ringez")[0]["ended"]
