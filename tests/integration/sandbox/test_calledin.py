"""Called.in emulator: every return code 0-10 and the end-of-call callback to a local receiver."""

from __future__ import annotations

import httpx
import pytest

from .helpers import Receiver, advance, wait_for

URL = "/api/clicktocall/"
KEY = "sandbox-calledin-key"


def params(**overrides: str) -> dict[str, str]:
    base = {"api_key": KEY, "caller_phone_number": "2025550123", "caller_country_code": "1",
            "callee_phone_number": "2025550177", "callee_country_code": "1"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def call(client: httpx.Client, **overrides: str) -> str:
    r = client.get(URL, params=params(**overrides))
    assert r.status_code == 200
    return r.text


def test_success_places_a_bridge_call(client: httpx.Client) -> None:
    r = client.get(URL, params=params(max_duration="3", caller_id="2025550100", secret="abc"))
    assert r.text == "0" and r.headers["content-type"].startswith("text/plain")
    calls = client.get("/_sandbox/calls").json()["calls"]
    assert len(calls) == 1
    assert calls[0]["provider"] == "calledin" and calls[0]["from"] == "+12025550123"
    assert calls[0]["to"] == "+12025550177"
    assert [leg["role"] for leg in calls[0]["legs"]] == ["self", "destination"]
    assert client.get(URL.rstrip("/"), params=params(callee_phone_number="2025550178")).text == "0"


@pytest.mark.parametrize(("overrides", "code"), [
    ({"api_key": "nope"}, "1"),
    ({"api_key": None}, "1"),
    ({"api_key": "sandbox-calledin-nocredit"}, "2"),
    ({"callee_phone_number": "2025559999"}, "3"),
    ({"caller_phone_number": "202-555-0123"}, "4"),
    ({"callee_phone_number": "20255501"}, "4"),
    ({"callee_country_code": None}, "4"),
    ({"max_duration": "ten"}, "4"),
    ({"caller_id": "+1 202"}, "4"),
    ({"secret": "x" * 31}, "4"),
    ({"callback_url": "not a url"}, "4"),
    ({"api_key": "sandbox-calledin-disabled"}, "5"),
    ({"caller_phone_number": "9005550123"}, "7"),
    ({"caller_country_code": "91"}, "8"),
    ({"callee_phone_number": "9765550123"}, "9"),
    ({"callee_country_code": "49"}, "10"),
])
def test_error_codes(client: httpx.Client, overrides: dict[str, str], code: str) -> None:
    assert call(client, **overrides) == code
    assert client.get("/_sandbox/calls").json()["calls"] == []


def test_uk_numbers_are_supported(client: httpx.Client) -> None:
    assert call(client, callee_country_code="44", callee_phone_number="7911123456") == "0"
    assert call(client, callee_country_code="44", callee_phone_number="9011123456") == "9"


def test_flood_protection_per_number_per_minute(client: httpx.Client) -> None:
    assert call(client) == "0"
    assert call(client) == "6"
    assert call(client, callee_phone_number="2025550178") == "0"  # another number is fine
    advance(client, 61)
    assert call(client) == "0"


def test_callback_after_an_answered_call(client: httpx.Client, receiver: Receiver) -> None:
    assert call(client, callback_url=receiver.url, secret="s3cret", max_duration="2") == "0"
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["state"] == "answered")
    advance(client, 130)  # max_duration 2 minutes ends it
    wait_for(lambda: receiver.hits)
    hit = receiver.hits[0]
    assert hit == {"_path": "/called", "caller_phone_number": "2025550123", "callee_phone_number": "2025550177",
                   "minutes": "2", "secret": "s3cret", "answered": "1", "reason": ""}
    # the receiver logs the hit before it answers: wait for the sandbox to see the 200
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["callback"]["status"] == 200)


@pytest.mark.parametrize(("callee", "caller", "reason"), [
    ("2025550001", "2025550123", "5"),   # busy
    ("2025550002", "2025550123", "3"),   # ring timeout
    ("2025550003", "2025550123", "1"),   # hung up (rejected)
    ("2025550004", "2025550123", "8"),   # congestion
    ("2025550007", "2025550123", "0"),   # failed
    ("2025550177", "2025550005", "3"),   # my own phone never answers
])
def test_callback_reasons(client: httpx.Client, receiver: Receiver, callee: str, caller: str, reason: str) -> None:
    assert call(client, callback_url=receiver.url, callee_phone_number=callee, caller_phone_number=caller) == "0"
    wait_for(lambda: receiver.hits)
    hit = receiver.hits[0]
    assert (hit["answered"], hit["reason"], hit["minutes"], hit["secret"]) == ("0", reason, "0", "")


def test_callback_to_a_public_host_is_not_sent(client: httpx.Client) -> None:
    assert call(client, callback_url="http://example.com/cb", callee_phone_number="2025550001") == "0"
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["callback"])
    record = client.get("/_sandbox/calls").json()["calls"][0]["callback"]
    assert record["status"] is None and "loopback" in record["error"]


def test_credits_run_out(client: httpx.Client) -> None:
    assert call(client, max_duration="100") == "0"
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["state"] == "answered")
    advance(client, 101 * 60)  # 100 demo credit minutes used up
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["ended"])
    assert call(client, callee_phone_number="2025550178") == "2"


def test_api_key_is_masked_in_the_request_log(client: httpx.Client) -> None:
    call(client)
    entry = client.get("/_sandbox/requests").json()["requests"][-1]
    assert entry["provider"] == "calledin" and "api_key=%2A%2A%2A" in entry["query"] and KEY not in str(entry)
