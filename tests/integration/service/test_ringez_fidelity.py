"""Issue 11, Ringez: the call service with the real Ringez client against the sandbox over loopback.

Bridge calls send only what ringez.md shows (to_number + idempotency_key) and ring the phone registered with
the account; a bridge status is your phone's leg, never the destination's; post-dial keys then wait for the
user; duplicate answers that match no single call are "placed, but cannot be followed"; a hang-up 404 is
reported; a 400 is "cannot call this number" only when it is about the number.
"""

from __future__ import annotations

import asyncio

import pytest

from dialer.core.calls import CallMode, LegRole, LegState, Origin
from dialer.providers.base import InvalidNumberError, RejectedByProvider
from dialer.service import ActiveCall, DialError, DialerService
from dialer.service.calls import OWN_LEG_ENDED
from dialer.service.events import CallEvent

from .conftest import Box, open_service, run

INITIATE = "/api/v1/calls/initiate"
LIVE = "+14155550100"  # answers and runs until hung up


async def _ringez(sandbox_url: str, *, own_number: str | None = None) -> tuple[DialerService, int]:
    service = await open_service(sandbox_url)
    service.settings.own_number = own_number
    views = await service.accounts.sign_in_demo(sandbox_url)
    return service, next(v.id for v in views if v.provider_id == "ringez")


async def _place(service: DialerService, account_id: int, number: str, *, mode: CallMode | None = None,
                 postdial: str | None = None) -> ActiveCall:
    plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account_id, mode=mode,
                                 postdial=postdial)
    return await service.calls.place(plan, confirmed=True)


async def _until(check: object, what: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


def test_a_bridge_call_needs_no_own_number_and_sends_only_the_documents_fields(sandbox_url: str,
                                                                               box: Box) -> None:
    events: list[CallEvent] = []

    async def body() -> tuple[ActiveCall, object, str]:
        service, account_id = await _ringez(sandbox_url)  # no own number anywhere
        service.calls.subscribe(events.append)
        try:
            plan = service.calls.prepare("+14155550006", origin=Origin.WINDOW, account_id=account_id)
            assert plan.mode is CallMode.BRIDGE and plan.own_number is None
            active = await service.calls.place(plan, confirmed=True)
            await service.calls.wait_finished(active.id, timeout=20)
            return active, service.history.get(active.id), plan.rings_first
        finally:
            await service.aclose()

    active, row, rings_first = run(body)
    assert "phone registered with your Ringez account" in rings_first
    [sent] = box.requests(INITIATE)
    assert set(sent["body"]) == {"to_number", "idempotency_key"} and sent["body"]["to_number"] == "+14155550006"
    assert box.calls("ringez")[0]["legs"][0]["number"] == "+12025550123"  # the registered phone rang first
    # Ringez's status is your phone's leg: the destination is never shown answered or completed
    assert all(e.call.leg_state(LegRole.DESTINATION) not in (LegState.ANSWERED, LegState.COMPLETED)
               for e in events)
    assert active.leg_state(LegRole.SELF) is LegState.COMPLETED
    assert active.leg_state(LegRole.DESTINATION) is LegState.UNKNOWN
    assert active.outcome == OWN_LEG_ENDED and active.answered_at is None
    assert "does not report whether" in events[-1].message
    assert row.finished and row.state == "unknown" and row.error is None  # type: ignore[attr-defined]


def test_the_registered_phone_that_never_answers_is_the_outcome(sandbox_url: str, box: Box) -> None:
    box.ringez_phone("+14155550005")  # the 0005 scenario, on the phone registered with the account

    async def body() -> ActiveCall:
        service, account_id = await _ringez(sandbox_url)
        try:
            active = await _place(service, account_id, LIVE)
            await service.calls.wait_finished(active.id, timeout=20)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert active.call.outcome is LegState.NO_ANSWER and active.leg_state(LegRole.SELF) is LegState.NO_ANSWER
    assert box.calls("ringez")[0]["legs"][0]["number"] == "+14155550005"


def test_bridge_post_dial_keys_wait_for_the_users_send(sandbox_url: str, box: Box) -> None:
    async def body() -> tuple[str, list[str]]:
        service, account_id = await _ringez(sandbox_url)
        try:
            active = await _place(service, account_id, LIVE, postdial="22")
            await _until(lambda: active.offered_dtmf == "22", "the keys are offered once your phone answers")
            assert active.leg_state(LegRole.SELF) is LegState.ANSWERED and active.pending_dtmf == ""
            await _until(lambda: box.calls("ringez")[0]["state"] == "answered", "the destination connects")
            await asyncio.sleep(0.3)  # time in which blind sending would have happened
            before = [r["path"] for r in box.requests() if r["path"].endswith("/actions")]
            service.calls.send_postdial(active.id)  # the "Send 22" button
            assert active.offered_dtmf == ""
            await _until(lambda: box.calls("ringez")[0]["dtmf"], "the keys reach the call")
            with pytest.raises(DialError, match="no keys waiting"):
                service.calls.send_postdial(active.id)  # sent once, not twice
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=10)
            return active.outcome or "", before
        finally:
            await service.aclose()

    outcome, before = run(body)
    assert before == []  # nothing went out before the user pressed Send
    actions = [r for r in box.requests() if r["path"].endswith("/actions")]
    assert [r["body"] for r in actions] == [{"action": "dtmf", "parameters": {"digits": "22"}}]
    assert box.calls("ringez")[0]["dtmf"] == ["22"]
    assert outcome == OWN_LEG_ENDED


def test_direct_post_dial_keys_still_go_automatically(sandbox_url: str, box: Box) -> None:
    async def body() -> str:
        service, account_id = await _ringez(sandbox_url)
        try:
            active = await _place(service, account_id, LIVE, postdial="22", mode=CallMode.DIRECT)
            await _until(lambda: box.calls("ringez")[0]["dtmf"], "the keys are sent on answer")
            offered = active.offered_dtmf
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=10)
            return offered
        finally:
            await service.aclose()

    assert run(body) == ""
    assert box.calls("ringez")[0]["dtmf"] == ["22"]


def test_a_duplicate_answer_that_matches_no_single_call_is_placed_but_not_followed(sandbox_url: str,
                                                                                   box: Box) -> None:
    async def body() -> tuple[ActiveCall, object]:
        service, account_id = await _ringez(sandbox_url)
        try:
            for _ in range(2):  # two earlier calls to the same number: history cannot tell which is which
                earlier = await _place(service, account_id, LIVE, mode=CallMode.DIRECT)
                await service.calls.hang_up(earlier.id)
                await service.calls.wait_finished(earlier.id, timeout=10)
            box.fault(kind="drop_after", provider="ringez", path=INITIATE)  # placed, answer lost
            active = await _place(service, account_id, LIVE, mode=CallMode.DIRECT)
            return active, service.history.get(active.id)
        finally:
            await service.aclose()

    active, row = run(body)
    assert len(box.calls("ringez")) == 3  # the retry with the same key placed nothing new
    assert active.finished and active.call.outcome is LegState.UNKNOWN
    assert active.error is not None and "placed, but cannot be followed" in active.error
    assert active.provider_call_id is None  # the Twilio callSid is not taken for the Ringez call id
    assert row.finished and row.state == "unknown"  # type: ignore[attr-defined]
    assert "placed, but cannot be followed" in row.error  # type: ignore[attr-defined]
    assert row.provider_call_id is None  # type: ignore[attr-defined]


def test_a_hang_up_that_gets_404_is_reported(sandbox_url: str, box: Box) -> None:
    async def body() -> ActiveCall:
        service, account_id = await _ringez(sandbox_url)
        try:
            active = await _place(service, account_id, LIVE, mode=CallMode.DIRECT)
            await _until(lambda: active.leg_state(LegRole.DESTINATION) is LegState.ANSWERED, "the call connects")
            box.fault(kind="error", provider="ringez", path="/api/v1/calls/*", method="DELETE", status=404,
                      body={"error": "No such call on this account. Check the call id.", "code": "call_not_found"})
            with pytest.raises(DialError, match="does not know this call") as info:
                await service.calls.hang_up(active.id)
            assert "hang up on the phone" in str(info.value)
            assert not active.finished  # still followed: nothing says it ended
            await service.calls.hang_up(active.id)  # the fault was one-shot: now it ends
            await service.calls.wait_finished(active.id, timeout=10)
            return active
        finally:
            await service.aclose()

    assert run(body).call.outcome is LegState.COMPLETED


@pytest.mark.parametrize(("code", "about_number"), [("invalid_request", False), ("invalid_json", False),
                                                    ("invalid_number", True)])
def test_a_400_names_the_number_only_when_it_is_about_the_number(sandbox_url: str, box: Box, code: str,
                                                                 about_number: bool) -> None:
    async def body() -> tuple[Exception, object]:
        service, account_id = await _ringez(sandbox_url)
        try:
            box.fault(kind="error", provider="ringez", path=INITIATE, status=400,
                      body={"error": f"The request was refused ({code}).", "code": code})
            with pytest.raises(RejectedByProvider if not about_number else InvalidNumberError) as info:
                await _place(service, account_id, LIVE)
            return info.value, service.history.page(0, 1)[0]
        finally:
            await service.aclose()

    error, row = run(body)
    assert isinstance(error, InvalidNumberError) is about_number
    assert ("cannot call this number" in str(error)) is about_number
    assert f"({code})" in str(error)
    assert row.finished and row.state == "failed" and row.error == str(error)  # type: ignore[attr-defined]
