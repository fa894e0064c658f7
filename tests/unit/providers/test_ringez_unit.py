"""Ringez details the sandbox does not vary: status spreading, other answer shapes, duplicate matching."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dialer.core.calls import CallMode, LegRole, LegState
from dialer.providers.base import (
    NotSupported,
    OutcomeUnknown,
    PlacedNotFollowed,
    ProviderUnavailable,
    StartCall,
)
from dialer.providers.http import make_client
from dialer.providers.ringez import RingezProvider, legs_for
from dialer.providers.secretstore import MemorySecretStore

S, D = LegRole.SELF, LegRole.DESTINATION


@pytest.mark.parametrize(("status", "bridge", "direct"), [
    ("queued", {S: LegState.QUEUED, D: LegState.QUEUED}, LegState.QUEUED),
    ("initiated", {S: LegState.QUEUED, D: LegState.QUEUED}, LegState.QUEUED),
    ("ringing", {S: LegState.RINGING, D: LegState.QUEUED}, LegState.RINGING),
    # bridge: the status is your phone's (the first leg); the destination is never inferred from it
    ("in-progress", {S: LegState.ANSWERED, D: LegState.UNKNOWN}, LegState.ANSWERED),
    ("completed", {S: LegState.COMPLETED, D: LegState.UNKNOWN}, LegState.COMPLETED),
    ("busy", {S: LegState.BUSY, D: LegState.UNKNOWN}, LegState.BUSY),
    ("no-answer", {S: LegState.NO_ANSWER, D: LegState.UNKNOWN}, LegState.NO_ANSWER),
    ("failed", {S: LegState.FAILED, D: LegState.UNKNOWN}, LegState.FAILED),
    ("canceled", {S: LegState.CANCELED, D: LegState.UNKNOWN}, LegState.CANCELED),
    ("teleported", {S: LegState.UNKNOWN, D: LegState.UNKNOWN}, LegState.UNKNOWN),
])
def test_one_status_is_spread_over_the_legs(status: str, bridge: dict[LegRole, LegState],
                                            direct: LegState) -> None:
    assert legs_for(status, CallMode.BRIDGE) == bridge
    assert legs_for(status, CallMode.DIRECT) == {D: direct}


def run(handler: Callable[[httpx.Request], httpx.Response], body: Callable[[RingezProvider], Any]) -> Any:
    async def go() -> Any:
        async with make_client("https://ringez-api.vercel.app", transport=httpx.MockTransport(handler)) as client:
            store = MemorySecretStore()
            store.set("a", "session_id", "sess_unit")
            provider = RingezProvider(account_key="a", secrets=store, settings={}, client=client)
            return await body(provider)

    return asyncio.run(go())


@pytest.mark.parametrize(("answer", "expected"), [
    ("new_user", "new_user"),
    ({"status": "existing_user"}, "existing_user"),
    ({"result": "new_user"}, "new_user"),
    ({"exists": True}, "existing_user"),
])
def test_check_email_reads_the_plausible_answer_shapes(answer: object, expected: str) -> None:
    result = run(lambda r: httpx.Response(200, json=answer), lambda p: p.check_email("x@example.test"))
    assert result == expected


@pytest.mark.parametrize("answer", [{"nothing": 1}, [1, 2], 42])
def test_check_email_with_an_unexpected_shape_is_provider_unavailable(answer: object) -> None:
    with pytest.raises(ProviderUnavailable, match="unexpected form"):
        run(lambda r: httpx.Response(200, json=answer), lambda p: p.check_email("x@example.test"))


def _duplicate_then_history(rows: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/calls/initiate"):
            return httpx.Response(200, json={"alreadyInitiated": True, "callSid": "CA42"})
        return httpx.Response(200, json={"calls": rows, "pagination": {"total": len(rows), "has_more": False}})

    return handler


@pytest.mark.parametrize(("rows", "found"), [
    ([{"call_id": "c1", "to_number": "+1415", "twilio_call_sid": "CA1"},
      {"call_id": "c2", "to_number": "+1415", "twilio_call_sid": "CA42"}], "c2"),
    ([{"call_id": "only", "to_number": "+1415", "started_at": "2026-01-02T00:00:00Z"},
      {"call_id": "other", "to_number": "+44", "started_at": "2026-01-03T00:00:00Z"}], "only"),
])
def test_duplicate_answer_is_matched_to_the_original_call(rows: list[dict[str, Any]], found: str) -> None:
    status = run(_duplicate_then_history(rows),
                 lambda p: p.start_call(StartCall(destination="+1415", idempotency_key="k")))
    assert status.already_initiated and status.call_id == found


@pytest.mark.parametrize("rows", [
    [],  # nothing to match: the Twilio callSid is never taken for a Ringez call id
    [{"call_id": "old", "to_number": "+1415", "started_at": "2026-01-01T00:00:00Z"},
     {"call_id": "new", "to_number": "+1415", "started_at": "2026-01-02T00:00:00Z"}],  # which one? unknown
])
def test_duplicate_answer_without_a_sure_match_is_placed_not_followed(rows: list[dict[str, Any]]) -> None:
    with pytest.raises(PlacedNotFollowed, match="placed, but cannot be followed"):
        run(_duplicate_then_history(rows), lambda p: p.start_call(StartCall(destination="+1415", idempotency_key="k")))


def test_success_without_call_id_is_outcome_unknown() -> None:
    with pytest.raises(OutcomeUnknown):
        run(lambda r: httpx.Response(200, json={"status": "initiated"}),
            lambda p: p.start_call(StartCall(destination="+1415", idempotency_key="k")))


def test_request_carries_session_key_and_mode() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"call_id": "c9", "status": "initiated", "mode": "direct"})

    status = run(handler, lambda p: p.start_call(StartCall(destination="+1415", mode=CallMode.DIRECT)))
    body = json.loads(seen[0].content)
    assert seen[0].headers["X-Session-ID"] == "sess_unit"
    assert body["mode"] == "direct" and body["to_number"] == "+1415"
    assert body["idempotency_key"].startswith("sess_unit_")  # generated when the service gave none
    assert dict(status.legs) == {D: LegState.QUEUED}


def test_dtmf_rejects_characters_a_phone_cannot_send() -> None:
    with pytest.raises(NotSupported, match="0-9"):
        run(lambda r: httpx.Response(200, json={}), lambda p: p.send_dtmf("c1", "12a"))
