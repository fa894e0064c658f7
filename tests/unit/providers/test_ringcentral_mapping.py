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
    ("CannotReach", "GenericError", "Success", LegState.FAILED, LegState.COMPLETED),  # ringcentral-js#12
    ("NoAnsweringMachine", "InProgress", "InProgress", LegState.FAILED, LegState.CANCELED),
    ("CannotReach", "Success", "InternationalDisabled", LegState.COMPLETED, LegState.FAILED),
    ("InProgress", "Success", "Rejected", LegState.ANSWERED, LegState.REJECTED),
])
def test_ringout_statuses_map_to_both_legs(call: str, caller: str, callee: str, self_state: LegState,
                                           dest_state: LegState) -> None:
    legs = legs_from_status({"callStatus": call, "callerStatus": caller, "calleeStatus": callee})
    assert legs == {S: self_state, D: dest_state}


def test_own_phone_not_answering_is_the_outcome() -> None:
    legs = legs_from_status({"callStatus": "CannotReach", "callerStatus": "NoAnswer", "calleeStatus": "Rejected"})
    call = Call.new("+14155550100", CallMode.BRIDGE)
    for role, state in legs.items():
        leg = call.leg(role)
        assert leg is not None
        leg.advance(state)
    assert call.is_finished and call.outcome is LegState.NO_ANSWER


def test_unknown_words_are_unknown_not_errors() -> None:
    assert legs_from_status({"callStatus": "Weird", "callerStatus": "Odd"}) == {S: LegState.UNKNOWN,
                                                                                 D: LegState.UNKNOWN}


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
    (403, {"errorCode": "OAU-109", "message": "x"}, SignInRequired, "browser sign-in"),
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
    provider._on_response(httpx.Response(200, headers=headers))
    assert provider.min_poll_interval() == interval
    asyncio.run(provider.client.aclose())
