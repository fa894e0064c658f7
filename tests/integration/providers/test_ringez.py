"""The Ringez client against the sandbox: sign-in flows, scenarios, hang-up, DTMF, balance, faults."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dialer.core.calls import CallMode, LegRole, LegState
from dialer.providers.base import (
    InsufficientFunds,
    InvalidNumberError,
    PlacedNotFollowed,
    ProviderUnavailable,
    RejectedByProvider,
    SignInRequired,
    StartCall,
)
from dialer.providers.ringez import RingezProvider
from dialer.providers.secretstore import MemorySecretStore

from .conftest import Sandbox, Sleeps, run_with, wait_for, wait_until_final

REGISTERED = "+12025550123"  # the phone registered with the sandbox's demo account (rung first in bridge mode)


async def _sign_in(provider: object, creds: dict[str, dict[str, str]]) -> RingezProvider:
    assert isinstance(provider, RingezProvider)
    await provider.sign_in({"email": creds["ringez"]["email"], "password": creds["ringez"]["password"]})
    return provider


def test_password_sign_in_stores_the_session_and_reads_the_balance(sandbox_url: str, creds: dict) -> None:
    store = MemorySecretStore()

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        assert provider.is_signed_in()
        assert store.get("acct-1", "session_id")
        assert await provider.check_email(creds["ringez"]["email"]) == "existing_user"
        balance = await provider.balance()
        assert balance.minutes is not None and balance.minutes > 0
        await provider.sign_out()
        assert not provider.is_signed_in()

    run_with("ringez", sandbox_url, body, secrets=store)


def test_wrong_password_asks_to_check_it(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        assert isinstance(p, RingezProvider)
        with pytest.raises(SignInRequired, match="password is wrong"):
            await p.sign_in({"email": creds["ringez"]["email"], "password": "nope"})
        assert not p.is_signed_in()

    run_with("ringez", sandbox_url, body)


def test_new_user_signs_in_with_the_emailed_code(sandbox_url: str, box: Sandbox) -> None:
    email = "newcomer@example.test"

    async def body(p: object) -> None:
        assert isinstance(p, RingezProvider)
        assert await p.check_email(email) == "new_user"
        await p.send_otp(email)
        code = next(m["code"] for m in reversed(box.outbox()) if m["to"] == email)
        with pytest.raises(SignInRequired, match="code is wrong"):
            await p.sign_in({"email": email, "otp": "000000" if code != "000000" else "111111"})
        info = await p.sign_in({"email": email, "otp": code})
        assert info.label == email
        assert (await p.balance()).minutes == 5  # the documented free minutes

    run_with("ringez", sandbox_url, body)


@pytest.mark.parametrize(("number", "state"), [
    ("+14155550001", LegState.BUSY),
    ("+14155550002", LegState.NO_ANSWER),
    ("+14155550003", LegState.BUSY),  # Ringez/Twilio words have no "rejected": a declined call reads busy
    ("+14155550004", LegState.FAILED),
    ("+14155550007", LegState.FAILED),
])
def test_scenarios_map_to_the_destination_leg(sandbox_url: str, creds: dict, number: str,
                                               state: LegState) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=number, mode=CallMode.DIRECT,
                                                      idempotency_key=f"k-{number}"))
        assert set(started.legs) == {LegRole.DESTINATION}
        final = await wait_until_final(provider, started.call_id)
        assert final.legs[LegRole.DESTINATION] is state  # direct mode: the status is the destination's

    run_with("ringez", sandbox_url, body)


def test_answered_call_takes_dtmf_and_hangs_up(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550100", mode=CallMode.DIRECT,
                                                      idempotency_key="k-answer"))
        answered = await wait_for(provider, started.call_id, LegState.ANSWERED)
        assert answered.raw_status == "in-progress"
        await provider.send_dtmf(started.call_id, "12#")
        await provider.hang_up(started.call_id)
        final = await wait_until_final(provider, started.call_id)
        assert final.legs[LegRole.DESTINATION] in (LegState.COMPLETED, LegState.CANCELED)
        await provider.hang_up(started.call_id)  # hanging up an ended call is harmless
        history = await provider.server_history(limit=10)
        assert any(c.call_id == started.call_id for c in history.calls)

    run_with("ringez", sandbox_url, body)
    sandbox_call = box.calls()[0]
    assert "12#" in "".join(sandbox_call["dtmf"]) or sandbox_call["dtmf"] == ["12#"]


def test_direct_call_has_only_the_destination_leg(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550001", mode=CallMode.DIRECT,
                                                      idempotency_key="k-direct"))
        final = await wait_until_final(provider, started.call_id)
        assert dict(final.legs) == {LegRole.DESTINATION: LegState.BUSY}

    run_with("ringez", sandbox_url, body)
    assert box.calls()[0]["mode"] == "direct"


def test_lost_answer_is_retried_with_the_same_key_and_places_one_call(sandbox_url: str, creds: dict,
                                                                      box: Sandbox) -> None:
    box.fault(kind="drop_after", provider="ringez", path="/api/v1/calls/initiate", method="POST")

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-drop"))
        assert started.already_initiated
        status = await provider.call_status(started.call_id)  # the id found for the duplicate answer works
        assert status.call_id == started.call_id

    run_with("ringez", sandbox_url, body)
    calls = box.calls()
    assert len(calls) == 1
    # the call's Ringez id, never the Twilio callSid of the duplicate answer
    assert calls[0]["id"].startswith("call_")


def test_timeout_on_initiate_still_places_exactly_one_call(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="latency", provider="ringez", path="/api/v1/calls/initiate", method="POST", latency_ms=600)

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-slow"))
        assert started.call_id
        await asyncio.sleep(0.8)  # let the slow first request finish inside the sandbox

    run_with("ringez", sandbox_url, body, timeout=httpx.Timeout(5.0, read=0.3))
    assert len(box.calls()) == 1


def test_rate_limit_burst_is_waited_out(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="rate_limit", provider="ringez", path="/api/v1/auth/me", times=2, retry_after=2)
    sleeps = Sleeps()

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        assert (await provider.balance()).minutes is not None

    run_with("ringez", sandbox_url, body, sleep=sleeps)
    assert len(sleeps.calls) == 2 and all(s >= 2 for s in sleeps.calls)


def test_server_errors_are_retried_for_reads(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="error", provider="ringez", path="/api/v1/auth/me", status=502, times=2)

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        assert (await provider.balance()).minutes is not None

    run_with("ringez", sandbox_url, body)


@pytest.mark.parametrize("kind", ["malformed_json", "truncated_json"])
def test_unreadable_answers_become_provider_unavailable(sandbox_url: str, creds: dict, box: Sandbox,
                                                        kind: str) -> None:
    box.fault(kind=kind, provider="ringez", path="/api/v1/auth/me", times=5)

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        with pytest.raises(ProviderUnavailable, match="could not read"):
            await provider.balance()

    run_with("ringez", sandbox_url, body)


def test_low_balance_points_to_the_wallet_with_rates(sandbox_url: str, box: Sandbox) -> None:
    email = "spender@example.test"

    async def body(p: object) -> None:
        assert isinstance(p, RingezProvider)
        await p.send_otp(email)
        code = next(m["code"] for m in reversed(box.outbox()) if m["to"] == email)
        await p.sign_in({"email": email, "otp": code})
        first = await p.start_call(StartCall(destination="+14155550100", mode=CallMode.DIRECT,
                                             idempotency_key="k-spend"))
        await wait_for(p, first.call_id, LegState.ANSWERED)
        box.advance(6 * 60)  # the 5 free minutes run out
        await wait_until_final(p, first.call_id)
        assert (await p.balance()).minutes == 0
        with pytest.raises(InsufficientFunds) as info:
            await p.start_call(StartCall(destination="+14155550100", mode=CallMode.DIRECT,
                                         idempotency_key="k-broke"))
        assert info.value.wallet_url == "https://ringez.com/wallet"
        assert "India: $0.08/min" in str(info.value)

    run_with("ringez", sandbox_url, body)


def test_expired_session_asks_to_sign_in_again(sandbox_url: str) -> None:
    store = MemorySecretStore()
    store.set("acct-1", "session_id", "sess_not_a_real_session")

    async def body(p: object) -> None:
        assert isinstance(p, RingezProvider)
        with pytest.raises(SignInRequired, match="Sign in again"):
            await p.balance()
        assert not p.is_signed_in()

    run_with("ringez", sandbox_url, body, secrets=store)


# ------------------------------------------------------------------- issue 11: the document's bridge call


def test_bridge_request_is_the_documents_and_rings_the_registered_phone(sandbox_url: str, creds: dict,
                                                                        box: Sandbox) -> None:
    """The bridge request is only to_number + idempotency_key, whatever own number the app knows."""
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550100", own_number="+14155559876",
                                                      idempotency_key="k-doc"))
        answered = await wait_for(provider, started.call_id, LegState.ANSWERED)
        # "in-progress" in bridge mode: your phone answered; the destination is not reported
        assert answered.raw_status == "in-progress"
        assert dict(answered.legs) == {LegRole.SELF: LegState.ANSWERED, LegRole.DESTINATION: LegState.UNKNOWN}
        await provider.hang_up(started.call_id)
        final = await wait_for(provider, started.call_id, LegState.COMPLETED)
        assert dict(final.legs) == {LegRole.SELF: LegState.COMPLETED, LegRole.DESTINATION: LegState.UNKNOWN}

    run_with("ringez", sandbox_url, body)
    sent = [r for r in box.requests() if r["path"] == "/api/v1/calls/initiate"]
    assert len(sent) == 1 and set(sent[0]["body"]) == {"to_number", "idempotency_key"}
    assert sent[0]["body"]["to_number"] == "+14155550100"
    assert box.calls()[0]["legs"][0] == {**box.calls()[0]["legs"][0], "role": "self", "number": REGISTERED}


@pytest.mark.parametrize("number", ["+14155550001", "+14155550002"])
def test_a_failing_destination_is_never_reported_from_the_bridge_status(sandbox_url: str, creds: dict,
                                                                        number: str) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=number, idempotency_key=f"k-{number}"))
        final = await wait_for(provider, started.call_id, LegState.COMPLETED)
        assert final.legs[LegRole.SELF] is LegState.COMPLETED
        assert final.legs[LegRole.DESTINATION] is LegState.UNKNOWN  # not "completed", not guessed

    run_with("ringez", sandbox_url, body)


def test_duplicate_that_matches_no_single_call_is_placed_not_followed(sandbox_url: str, creds: dict,
                                                                      box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-one"))
        await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-two"))
        with pytest.raises(PlacedNotFollowed, match="placed, but cannot be followed"):
            await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-one"))

    run_with("ringez", sandbox_url, body)
    assert len(box.calls()) == 2  # the repeated request placed nothing new


def test_hang_up_of_an_unknown_call_is_reported(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        with pytest.raises(RejectedByProvider, match="does not know this call") as info:
            await provider.hang_up("call_does_not_exist")
        assert info.value.code == "404" and "hang up on the phone" in str(info.value)

    run_with("ringez", sandbox_url, body)


def test_a_400_is_about_the_number_only_when_its_code_says_so(sandbox_url: str, creds: dict,
                                                              box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        with pytest.raises(InvalidNumberError, match="cannot call this number"):  # the sandbox's invalid_number
            await provider.start_call(StartCall(destination="+1202", mode=CallMode.DIRECT, idempotency_key="k-a"))
        for code, text in (("invalid_request", "idempotency_key must be a string and to_number is required"),
                           ("invalid_json", "The request body could not be read. Send JSON.")):
            box.fault(kind="error", provider="ringez", path="/api/v1/calls/initiate", status=400,
                      body={"error": text, "code": code})
            with pytest.raises(RejectedByProvider) as info:
                await provider.start_call(StartCall(destination="+14155550100", idempotency_key=f"k-{code}"))
            assert not isinstance(info.value, InvalidNumberError)
            assert "refused the request (HTTP 400)" in str(info.value) and text in str(info.value)
            assert info.value.code == code

    run_with("ringez", sandbox_url, body)


def test_an_account_without_a_registered_phone_is_told_how_to_fix_it(sandbox_url: str, creds: dict,
                                                                     box: Sandbox) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/ringez/user", json={"email": creds["ringez"]["email"], "phone": None},
               timeout=5).raise_for_status()

    async def body(p: object) -> None:
        provider = await _sign_in(p, creds)
        with pytest.raises(RejectedByProvider, match="no phone registered") as info:
            await provider.start_call(StartCall(destination="+14155550100", idempotency_key="k-nophone"))
        assert not isinstance(info.value, InvalidNumberError) and "direct mode" in str(info.value)

    run_with("ringez", sandbox_url, body)
    assert box.calls() == []
