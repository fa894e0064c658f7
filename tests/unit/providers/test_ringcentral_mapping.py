"""RingOut status words -> legs, error bodies -> errors, poll pacing: the tables, case by case."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dialer.core.calls import Call, CallMode, LegRole, LegState
from dialer.providers.base import (
    InvalidNumberError,
    NotSupported,
    ProviderUnavailable,
    RateLimited,
    RejectedByProvider,
    SignInRequired,
)
from dialer.providers.http import make_client
from dialer.providers.ringcentral import RingCentralProvider, legs_from_status, parse_error
from dialer.providers.secretstore import MemorySecretStore

S, D = LegRole.SELF, LegRole.DESTINATION


@pytest.mark.parametrize(("call", "caller", "callee", "self_state", "dest_state"), [
    ("InProgress", "InProgress", "InProgress", LegState.RINGING, LegState.QUEUED),
    ("InProgress", "Success", "InProgress", LegState.ANSWERED, LegState.RINGING),
    ("Success", "Success", "Success", LegState.ANSWERED, LegState.ANSWERED),
    ("Success", "Finished", "Finished", LegState.COMPLETED, LegState.COMPLETED),
    ("CannotReach", "Success", "Busy", LegState.COMPLETED, LegState.BUSY),
    ("CannotReach", "Success", "NoAnswer", LegState.COMPLETED, LegState.NO_ANSWER),
    ("CannotReach", "NoAnswer", "InProgress", LegState.NO_ANSWER, LegState.CANCELED),
    ("CannotReach", "NoAnswer", "Rejected", LegState.NO_ANSWER, LegState.CANCELED),
    ("CannotReach", "Busy", "InProgress", LegState.BUSY, LegState.CANCELED),
    # ringcentral-js#12. A failing callStatus fails the call whatever the callee says (was COMPLETED).
    ("CannotReach", "GenericError", "Success", LegState.FAILED, LegState.FAILED),
    ("CannotReach", "Success", "Success", LegState.COMPLETED, LegState.FAILED),
    ("CannotReach", "Finished", "Finished", LegState.COMPLETED, LegState.FAILED),
    ("NoAnsweringMachine", "Success", "Success", LegState.COMPLETED, LegState.FAILED),
    ("GenericError", "Success", "Success", LegState.COMPLETED, LegState.FAILED),
    ("NoAnsweringMachine", "InProgress", "InProgress", LegState.FAILED, LegState.CANCELED),
    ("CannotReach", "Success", "InternationalDisabled", LegState.COMPLETED, LegState.FAILED),
    ("InProgress", "Success", "Rejected", LegState.ANSWERED, LegState.REJECTED),
])
def test_ringout_statuses_map_to_both_legs(call: str, caller: str, callee: str, self_state: LegState,
                                           dest_state: LegState) -> None:
    legs, ended = legs_from_status({"callStatus": call, "callerStatus": caller, "calleeStatus": callee})
    assert legs == {S: self_state, D: dest_state} and not ended


@pytest.mark.parametrize("word", ["NoSessionFound", "Invalid"])
def test_a_session_gone_or_invalid_is_ended_with_unknown_legs(word: str) -> None:
    """Was: NoSessionFound meant "completed" for both legs. Now the outcome is not known."""
    legs, ended = legs_from_status({"callStatus": word, "callerStatus": word, "calleeStatus": word})
    assert ended and legs == {S: LegState.UNKNOWN, D: LegState.UNKNOWN}


def test_own_phone_not_answering_is_the_outcome() -> None:
    legs, _ended = legs_from_status({"callStatus": "CannotReach", "callerStatus": "NoAnswer",
                                     "calleeStatus": "Rejected"})
    call = Call.new("+14155550100", CallMode.BRIDGE)
    for role, state in legs.items():
        leg = call.leg(role)
        assert leg is not None
        leg.advance(state)
    assert call.is_finished and call.outcome is LegState.NO_ANSWER


def test_unknown_words_are_unknown_not_errors() -> None:
    assert legs_from_status({"callStatus": "Weird", "callerStatus": "Odd"}) == (
        {S: LegState.UNKNOWN, D: LegState.UNKNOWN}, False)
    # an unknown callStatus word neither fails nor ends the call: the leg words still count
    assert legs_from_status({"callStatus": "Weird", "callerStatus": "Success", "calleeStatus": "Success"}) == (
        {S: LegState.ANSWERED, D: LegState.ANSWERED}, False)


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_both_error_shapes_are_read() -> None:
    top = _response(404, {"errorCode": "CMN-102", "message": "not found", "parameterName": "ringOutId",
                          "errors": [{"errorCode": "CMN-102", "message": "not found"}]})
    nested = _response(400, {"errors": [{"errorCode": "CMN-101", "message": "bad", "parameterName": "to"}]})
    oauth = _response(400, {"error": "invalid_grant", "error_description": "used",
                            "errors": [{"errorCode": "OAU-211", "message": "used"}]})
    assert (parse_error(top).code, parse_error(top).parameter) == ("CMN-102", "ringOutId")
    assert (parse_error(nested).code, parse_error(nested).parameter) == ("CMN-101", "to")
    assert (parse_error(oauth).code, parse_error(oauth).oauth_error) == ("OAU-211", "invalid_grant")
    assert parse_error(httpx.Response(500, text="<html>")).code is None


def _provider() -> RingCentralProvider:
    client = make_client("https://platform.ringcentral.com",
                         transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    return RingCentralProvider(account_key="a", secrets=MemorySecretStore(), settings={"client_id": "c"},
                               client=client)


@pytest.mark.parametrize(("status", "body", "error", "words"), [
    (429, {"errorCode": "CMN-301", "message": "Request rate exceeded"}, RateLimited, "limiting"),
    (401, {"errorCode": "OAU-140", "message": "x"}, SignInRequired, "username, password or JWT"),
    (401, {"errorCode": "OAU-146", "message": "x"}, SignInRequired, "client ID/secret"),
    (401, {"errorCode": "OAU-168", "message": "x"}, SignInRequired, "multi-factor"),
    (400, {"errorCode": "OAU-147", "message": "x"}, SignInRequired, "locked"),
    (403, {"errorCode": "OAU-109", "message": "x"}, SignInRequired, "Redirect URIs do not match"),
    (403, {"errorCode": "OAU-106", "message": "x"}, SignInRequired, "browser sign-in"),
    (401, {"errorCode": "OAU-128", "message": "x"}, SignInRequired, "Sign in to RingCentral again"),
    (400, {"errorCode": "CMN-101", "message": "x", "parameterName": "to.phoneNumber"}, InvalidNumberError, "number"),
    (403, {"errorCode": "CMN-109", "message": "x"}, NotSupported, "RingOut permission"),
    (503, {"errorCode": "CMN-201", "message": "x"}, ProviderUnavailable, "trouble"),
    (409, {"errorCode": "XYZ-1", "message": "x"}, RejectedByProvider, "refused"),
])
def test_error_codes_map_to_user_errors(status: int, body: object, error: type[Exception], words: str) -> None:
    provider = _provider()
    err = provider._error(_response(status, body, {"Retry-After": "12"}))
    assert isinstance(err, error) and words in str(err)
    if isinstance(err, RateLimited):
        assert err.retry_after == 12
    asyncio.run(provider.client.aclose())


@pytest.mark.parametrize(("remaining", "window", "interval"), [
    (None, None, 2.0), ("40", "60", 2.0), ("6", "60", 10.0), ("0", "60", 60.0), ("1", "30", 30.0),
])
def test_poll_interval_stretches_as_the_budget_runs_low(remaining: str | None, window: str | None,
                                                        interval: float) -> None:
    provider = _provider()
    headers = {}
    if remaining is not None:
        headers["X-Rate-Limit-Remaining"] = remaining
    if window is not None:
        headers["X-Rate-Limit-Window"] = window
    poll = httpx.Request("GET", "https://platform.ringcentral.com/restapi/v1.0/account/~/extension/~/ring-out/1")
    provider._on_response(httpx.Response(200, headers={**headers, "X-Rate-Limit-Group": "light"}, request=poll))
    assert provider.min_poll_interval() == interval
    asyncio.run(provider.client.aclose())


def test_only_the_light_budget_paces_polls() -> None:
    """Was: the last response of any group set the pace, so one RingOut POST (Heavy, 10 per minute) or a
    sign-in (Auth, 5 per minute) slowed every poll to 6-60 s."""
    provider = _provider()
    base = "https://platform.ringcentral.com"
    create = httpx.Request("POST", f"{base}/restapi/v1.0/account/~/extension/~/ring-out")
    token = httpx.Request("POST", f"{base}/restapi/oauth/token")
    poll = httpx.Request("GET", f"{base}/restapi/v1.0/account/~/extension/~/ring-out/1")
    low = {"X-Rate-Limit-Remaining": "1", "X-Rate-Limit-Window": "60"}
    provider._on_response(httpx.Response(200, headers={**low, "X-Rate-Limit-Group": "heavy"}, request=create))
    provider._on_response(httpx.Response(200, headers={**low, "X-Rate-Limit-Group": "auth"}, request=token))
    assert provider.min_poll_interval() == 2.0
    provider._on_response(httpx.Response(200, headers={"X-Rate-Limit-Remaining": "45", "X-Rate-Limit-Window": "60",
                                                       "X-Rate-Limit-Group": "light"}, request=poll))
    assert provider.min_poll_interval() == 2.0
    # no group header: the request decides (a GET of a RingOut is Light)
    provider._on_response(httpx.Response(200, headers={"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Window": "60"},
                                         request=poll))
    assert provider.min_poll_interval() == 60.0
    asyncio.run(provider.client.aclose())
