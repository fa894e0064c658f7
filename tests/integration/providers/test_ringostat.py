"""The Ringostat client against the sandbox: simple and extended methods, key errors, faults."""

from __future__ import annotations

import pytest

from dialer.core.calls import LegRole, LegState
from dialer.providers.base import (
    InvalidNumberError,
    NotSupported,
    OutcomeUnknown,
    ProviderUnavailable,
    SignInRequired,
    StartCall,
)
from dialer.providers.ringostat import RingostatProvider

from .conftest import Sandbox, Sleeps, run_with

OWN = "+14155559876"
NORMAL = "+14155550100"


async def signed_in(p: object, creds: dict, **override: str) -> RingostatProvider:
    assert isinstance(p, RingostatProvider)
    info = await p.sign_in({**creds["ringostat"], **override})
    assert info.settings["project_id"] == (override.get("project_id") or creds["ringostat"]["project_id"])
    return p


def test_simple_method_connects_the_project_number(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds)
        assert provider.is_signed_in()
        status = await provider.start_call(StartCall(destination=NORMAL))
        assert status.legs[LegRole.DESTINATION] is LegState.QUEUED
        with pytest.raises(NotSupported):
            await provider.call_status(status.call_id)
        with pytest.raises(NotSupported):
            await provider.hang_up(status.call_id)

    run_with("ringostat", sandbox_url, body)
    call = box.calls()[0]
    assert call["to"] == NORMAL and call["from"].lstrip("+") == creds["ringostat"]["extension"]


def test_extended_method_rings_my_phone_first(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method="extended")
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringostat", sandbox_url, body)
    call = box.calls()[0]
    assert (call["from"], call["to"]) == (OWN, NORMAL)


def test_an_own_number_never_switches_the_simple_method(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    """The old client picked the extended method whenever an own number (set for other providers) existed."""
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method="simple")
        assert provider.settings["method"] == "simple"
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringostat", sandbox_url, body)
    sent = [r for r in box.requests() if r["path"] in ("/callback/outward_call", "/a/v2")]
    assert [r["path"] for r in sent] == ["/callback/outward_call"]
    call = box.calls()[0]
    assert call["from"].lstrip("+") == creds["ringostat"]["extension"] and call["to"] == NORMAL


def test_the_extended_method_without_an_own_number_sends_nothing(sandbox_url: str, creds: dict,
                                                                 box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method="extended")
        with pytest.raises(InvalidNumberError, match="own phone"):
            await provider.start_call(StartCall(destination=NORMAL))

    run_with("ringostat", sandbox_url, body)
    assert box.calls() == [] and box.requests() == []


@pytest.mark.parametrize(("extension", "why"), [("", "needs the extension"), ("manager_01", "not a SIP login")])
def test_the_simple_method_needs_a_project_number_as_extension(sandbox_url: str, creds: dict, extension: str,
                                                               why: str) -> None:
    async def body(p: object) -> None:
        assert isinstance(p, RingostatProvider)
        with pytest.raises(SignInRequired, match=why):
            await p.sign_in({**creds["ringostat"], "method": "simple", "extension": extension})
        assert not p.is_signed_in()

    run_with("ringostat", sandbox_url, body)


@pytest.mark.parametrize(("method", "own"), [("simple", None), ("extended", OWN)])
def test_wrong_auth_key_asks_to_check_it(sandbox_url: str, creds: dict, method: str, own: str | None) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, auth_key="not-the-key", method=method)
        with pytest.raises(SignInRequired, match="Auth-key"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=own))

    run_with("ringostat", sandbox_url, body)


def test_key_of_another_project_is_refused(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, project_id="99999", method="extended")
        with pytest.raises(SignInRequired, match="project"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringostat", sandbox_url, body)
    assert box.calls() == []


@pytest.mark.parametrize(("method", "own"), [("simple", None), ("extended", OWN)])
def test_invalid_number_is_reported(sandbox_url: str, creds: dict, method: str, own: str | None) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method=method)
        with pytest.raises(InvalidNumberError):
            await provider.start_call(StartCall(destination="12 34!", own_number=own))

    run_with("ringostat", sandbox_url, body)


@pytest.mark.parametrize(("path", "method", "own"), [("/callback/outward_call", "simple", None),
                                                     ("/a/v2", "extended", OWN)])
def test_lost_answer_is_outcome_unknown_with_one_call(sandbox_url: str, creds: dict, box: Sandbox, path: str,
                                                      method: str, own: str | None) -> None:
    box.fault(kind="drop_after", provider="ringostat", path=path)

    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method=method)
        with pytest.raises(OutcomeUnknown, match="may have been placed"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=own))

    run_with("ringostat", sandbox_url, body)
    assert len(box.calls()) == 1


def test_unreadable_extended_answer_is_outcome_unknown(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="malformed_json", provider="ringostat", path="/a/v2")

    async def body(p: object) -> None:
        provider = await signed_in(p, creds, method="extended")
        with pytest.raises(OutcomeUnknown):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringostat", sandbox_url, body)
    assert len(box.calls()) == 1


def test_unavailable_service_places_nothing(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="error", provider="ringostat", path="/callback/outward_call", status=503, times=10)

    async def body(p: object) -> None:
        provider = await signed_in(p, creds)
        with pytest.raises(ProviderUnavailable):
            await provider.start_call(StartCall(destination=NORMAL))

    run_with("ringostat", sandbox_url, body)
    assert box.calls() == []


def test_429_burst_is_waited_out_and_places_one_call(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="rate_limit", provider="ringostat", path="/callback/outward_call", times=2, retry_after=1)
    sleeps = Sleeps()

    async def body(p: object) -> None:
        provider = await signed_in(p, creds)
        await provider.start_call(StartCall(destination=NORMAL))

    run_with("ringostat", sandbox_url, body, sleep=sleeps)
    assert len(box.calls()) == 1 and len(sleeps.calls) == 2
