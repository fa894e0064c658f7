"""The Called.in client against the sandbox: every answer code, the signed final callback, faults."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlsplit

import pytest

from dialer.core.calls import LegRole, LegState
from dialer.providers.base import (
    InsufficientFunds,
    InvalidNumberError,
    OutcomeUnknown,
    ProviderUnavailable,
    RateLimited,
    SignInRequired,
    StartCall,
)
from dialer.providers.calledin import CallbackRejected, CalledInProvider, parse_callback

from .conftest import Sandbox, Sleeps, run_with

OWN = "+14155559876"
NORMAL = "+14155550100"
# Sandbox test data (its documented demo accounts and number plan).
DISABLED_KEY = "sandbox-calledin-disabled"
NO_CREDIT_KEY = "sandbox-calledin-nocredit"


class CallbackCatcher:
    """A loopback HTTP endpoint standing in for the service's callback listener."""

    def __init__(self) -> None:
        self.queries: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/calledin"
        return self.url

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        target = head.split(b" ")[1].decode()
        await self.queries.put(dict(parse_qsl(urlsplit(target).query, keep_blank_values=True)))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def signed_in(p: object, key: str) -> CalledInProvider:
    assert isinstance(p, CalledInProvider)
    await p.sign_in({"api_key": key})
    return p


def test_accepted_call_is_queued_and_placed_with_split_numbers(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        assert provider.is_signed_in()
        status = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN, max_minutes=3))
        assert dict(status.legs) == {LegRole.SELF: LegState.QUEUED, LegRole.DESTINATION: LegState.QUEUED}
        await provider.sign_out()
        assert not provider.is_signed_in()

    run_with("calledin", sandbox_url, body)
    call = box.calls()[0]
    assert (call["from"], call["to"]) == (OWN, NORMAL)


@pytest.mark.parametrize(("number", "answered", "state"), [
    ("+14155550001", False, LegState.BUSY),
    ("+14155550002", False, LegState.NO_ANSWER),
    ("+14155550003", False, LegState.REJECTED),
    ("+14155550004", False, LegState.FAILED),
    ("+14155550006", True, LegState.COMPLETED),
])
def test_final_callback_is_verified_and_mapped(sandbox_url: str, creds: dict, box: Sandbox, number: str,
                                                answered: bool, state: LegState) -> None:

    async def body(p: object) -> None:
        catcher = CallbackCatcher()
        url = await catcher.start()
        provider = await signed_in(p, creds["calledin"]["api_key"])
        provider.settings["callback_url"] = url
        status = await provider.start_call(StartCall(destination=number, own_number=OWN))
        secret = provider.expected_secret(status.call_id)
        assert secret and len(secret) <= 30
        query = await asyncio.wait_for(catcher.queries.get(), 10)
        await catcher.close()
        result = parse_callback(query, secret)
        assert result.answered is answered and result.reason is state
        assert result.legs[LegRole.DESTINATION] is state
        with pytest.raises(CallbackRejected):
            parse_callback({**query, "secret": "forged"}, secret)

    run_with("calledin", sandbox_url, body)


@pytest.mark.parametrize(("key", "own", "number", "error", "words"), [
    ("wrong-key", OWN, NORMAL, SignInRequired, "did not accept the api_key"),
    (DISABLED_KEY, OWN, NORMAL, SignInRequired, "disabled"),
    (NO_CREDIT_KEY, OWN, NORMAL, InsufficientFunds, "no call credits"),
    (None, OWN, "+14155559999", InvalidNumberError, "Do-Not-Call"),
    (None, "+19005550123", NORMAL, InvalidNumberError, "area code of your phone number"),
    (None, "+919876543210", NORMAL, InvalidNumberError, "country of your phone number"),
    (None, OWN, "+19005550123", InvalidNumberError, r"area code of \+19005550123"),
    (None, OWN, "+919876543210", InvalidNumberError, r"country of \+919876543210"),
])
def test_answer_codes_become_clear_errors(sandbox_url: str, creds: dict, box: Sandbox, key: str | None, own: str,
                                          number: str, error: type[Exception], words: str) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, key or creds["calledin"]["api_key"])
        with pytest.raises(error, match=words):
            await provider.start_call(StartCall(destination=number, own_number=own))

    run_with("calledin", sandbox_url, body)
    assert box.calls() == []


def test_flood_protection_asks_to_wait_a_minute(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        with pytest.raises(RateLimited) as info:
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        assert info.value.retry_after == 60

    run_with("calledin", sandbox_url, body)


def test_lost_answer_is_outcome_unknown_and_not_resent(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="drop_after", provider="calledin", path="/api/clicktocall/*")

    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        with pytest.raises(OutcomeUnknown, match="Check your phone"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("calledin", sandbox_url, body)
    assert len(box.calls()) == 1


def test_unreadable_success_answer_is_outcome_unknown(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="malformed_json", provider="calledin", path="/api/clicktocall/*")

    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        with pytest.raises(OutcomeUnknown):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("calledin", sandbox_url, body)
    assert len(box.calls()) == 1


def test_server_error_page_is_provider_unavailable(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="error", provider="calledin", path="/api/clicktocall/*", status=503, body="<html>down</html>",
              times=10)

    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        with pytest.raises(ProviderUnavailable):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("calledin", sandbox_url, body)
    assert box.calls() == []


def test_429_burst_is_waited_out_and_places_one_call(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="rate_limit", provider="calledin", path="/api/clicktocall/*", times=2, retry_after=2)
    sleeps = Sleeps()

    async def body(p: object) -> None:
        provider = await signed_in(p, creds["calledin"]["api_key"])
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("calledin", sandbox_url, body, sleep=sleeps)
    assert len(box.calls()) == 1 and len(sleeps.calls) == 2
