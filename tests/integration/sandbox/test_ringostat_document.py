"""ringostat.txt, replayed verbatim against the sandbox: the simple method's Node.js request, the extended
method's JSON-RPC body exactly as the Node.js sample sends it, and the documented 400/401/403 errors.

The document gives no success body for either method; the sandbox's (README) is only checked for being
JSON with the JSON-RPC ``id`` echoed, which the document promises ("used to match the request with the
response").
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .helpers import sandbox_call

KEY = "sandbox-ringostat-auth-key"  # the sandbox's key, standing in for 'unique_auth_key_string'
NO_ACCESS_KEY = "sandbox-ringostat-no-access"

# Simple method, Node.js example: config + body, verbatim.
SIMPLE_PATH = "/callback/outward_call"
SIMPLE_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Auth-key": "unique_auth_key_string"}
SIMPLE_BODY = b"extension=380441112233&destination=380671112233"

# Extended method, Node.js example: the template literal exactly as printed in the document.
EXTENDED_PATH = "/a/v2"
EXTENDED_LITERAL = r"""{
"jsonrpc": "2.0",
"id": 777,
"method": "Api\\V2\\Callback.external",
"params": {
"callee_type": "default",
"caller_type": "default",
"caller": "380671112233",
"callee": "380632223344",
"manager_dst": 1,
"direction": "out",
"projectId": "11111",
"clientIp": "10.10.10.10",
"utmSource": "ringostat",
"utmMedium": "referral",
"utmCampaign": "extended_callback",
"utmTerm": "test_api_request",
"utmContent": "content",
"clientId": "111111111.2222222222",
"clientUserAgent": "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/68.0.3440.106 Safari/537.36"
}
}"""
# What Node.js writes: a JavaScript template literal turns "\\" into "\", so the bytes on the wire carry
# "Api\V2\Callback.external" (not valid JSON escapes). The sample's headers have only Auth-key.
EXTENDED_SENT = EXTENDED_LITERAL.replace("\\\\", "\\").encode()
EXTENDED_HEADERS = {"Auth-key": "unique_auth_key_string"}
# The "Request Headers" table: content-type application/json; the body as valid JSON.
EXTENDED_JSON = json.loads(EXTENDED_LITERAL)


def with_key(headers: dict[str, str], key: str | None = KEY) -> dict[str, str]:
    out = {k: v for k, v in headers.items() if k != "Auth-key"}
    if key is not None:
        out["Auth-key"] = key
    return out


def calls(client: httpx.Client) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = client.get("/_sandbox/calls").json()["calls"]
    return result


def test_the_simple_method_sample_connects_the_project_number_and_the_destination(client: httpx.Client) -> None:
    r = client.post(SIMPLE_PATH, content=SIMPLE_BODY, headers=with_key(SIMPLE_HEADERS))
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, dict)
    (call,) = calls(client)
    # "Extension — the phone number to call from"; "Destination — the phone number ... to call"
    assert (call["from"], call["to"]) == ("+380441112233", "+380671112233")
    sent = [e for e in client.get("/_sandbox/requests").json()["requests"] if e["path"] == SIMPLE_PATH]
    assert sent[-1]["body"] == SIMPLE_BODY.decode() and sent[-1]["method"] == "POST"


def test_the_simple_method_sample_with_its_placeholder_key_is_unauthorized(client: httpx.Client) -> None:
    r = client.post(SIMPLE_PATH, content=SIMPLE_BODY, headers=SIMPLE_HEADERS)
    assert r.status_code == 401  # "the HTTP Auth-Key header is missing or incorrect"
    assert calls(client) == []


@pytest.mark.parametrize(("key", "body", "status"), [
    (None, SIMPLE_BODY, 401),                                              # Auth-key missing
    (NO_ACCESS_KEY, SIMPLE_BODY, 403),                                     # access denied
    (KEY, b"destination=380671112233", 400),                               # a parameter missing
    (KEY, b"extension=380441112233", 400),                                 # a parameter missing
    (KEY, b"extension=380449999999&destination=380671112233", 400),        # not a number of the project
    (KEY, b"extension=manager_sip&destination=380671112233", 400),         # a SIP login is not an extension
])
def test_the_simple_method_errors(client: httpx.Client, key: str | None, body: bytes, status: int) -> None:
    r = client.post(SIMPLE_PATH, content=body, headers=with_key(SIMPLE_HEADERS, key))
    assert r.status_code == status
    assert calls(client) == []


def test_the_simple_method_destination_may_be_a_sip_login(client: httpx.Client) -> None:
    # "Destination — the phone number or SIP account login to call"
    r = client.post(SIMPLE_PATH, content=b"extension=380441112233&destination=manager_sip",
                    headers=with_key(SIMPLE_HEADERS))
    assert r.status_code == 200 and calls(client)[0]["to"] == "sip:manager_sip"


def test_the_extended_method_sample_as_node_sends_it(client: httpx.Client) -> None:
    assert b"Api\\V2\\Callback.external" in EXTENDED_SENT and b"\\\\" not in EXTENDED_SENT
    r = client.post(EXTENDED_PATH, content=EXTENDED_SENT, headers=with_key(EXTENDED_HEADERS))
    assert r.status_code == 200
    answer = r.json()
    assert answer["jsonrpc"] == "2.0" and answer["id"] == 777 and "error" not in answer
    (call,) = calls(client)
    # manager_dst 1 with direction out: "the call will first go to callee, after picking up ... caller"
    assert (call["from"], call["to"]) == ("+380632223344", "+380671112233")


def test_the_extended_method_body_as_the_headers_table_describes_it(client: httpx.Client) -> None:
    r = client.post(EXTENDED_PATH, json=EXTENDED_JSON, headers={"content-type": "application/json",
                                                                  "Auth-key": KEY})
    assert r.status_code == 200 and r.json()["id"] == 777
    assert len(calls(client)) == 1


def test_the_extended_method_sample_with_its_placeholder_key_is_unauthorized(client: httpx.Client) -> None:
    r = client.post(EXTENDED_PATH, content=EXTENDED_SENT, headers=EXTENDED_HEADERS)
    assert r.status_code == 401
    assert calls(client) == []


def _without(name: str) -> bytes:
    params = {k: v for k, v in EXTENDED_JSON["params"].items() if k != name}
    return json.dumps({**EXTENDED_JSON, "params": params}).encode()


def _with(**params: object) -> bytes:
    return json.dumps({**EXTENDED_JSON, "params": {**EXTENDED_JSON["params"], **params}}).encode()


@pytest.mark.parametrize(("key", "body", "status"), [
    (KEY, _without("caller"), 400),                   # "one of the parameters is missing"
    (KEY, _without("callee"), 400),
    (KEY, _without("projectId"), 400),
    (KEY, _with(caller="12"), 400),                   # "caller or callee are not valid"
    (KEY, _with(callee="!"), 400),
    (KEY, b"[object Object]", 400),                   # "the JavaScript object ... not converted to a JSON string"
    (None, EXTENDED_SENT, 401),                       # "the HTTP Auth-Key header is missing or incorrect"
    ("wrong-key", EXTENDED_SENT, 401),
    (NO_ACCESS_KEY, EXTENDED_SENT, 403),              # "access denied, incorrect HTTP Auth-Key header"
])
def test_the_extended_method_errors(client: httpx.Client, key: str | None, body: bytes, status: int) -> None:
    r = client.post(EXTENDED_PATH, content=body, headers=with_key(EXTENDED_HEADERS, key))
    assert r.status_code == status
    assert calls(client) == []


def test_the_forwarding_scheme_example(client: httpx.Client) -> None:
    # "callee_type": "scheme", "callee": the scheme ID, "caller": the client's number
    r = client.post(EXTENDED_PATH, content=_with(callee_type="scheme", callee="12345", caller="380671112233"),
                    headers=with_key(EXTENDED_HEADERS))
    assert r.status_code == 200
    call = sandbox_call(client, r.json()["result"]["call_id"])
    assert "scheme:12345" in (call["from"], call["to"])


@pytest.mark.parametrize(("direction", "manager_dst", "first"), [
    ("out", 0, "+380671112233"),  # out, 0: "first go to the direction specified in caller"
    ("out", 1, "+380632223344"),  # out, 1: "first go to callee"
    ("in", 1, "+380671112233"),   # in, 1: "first go to the direction specified in caller"
    ("in", 0, "+380632223344"),   # in, 0: "first go to callee"
])
def test_who_rings_first_per_direction_and_manager_dst(client: httpx.Client, direction: str, manager_dst: int,
                                                       first: str) -> None:
    r = client.post(EXTENDED_PATH, content=_with(direction=direction, manager_dst=manager_dst),
                    headers=with_key(EXTENDED_HEADERS))
    assert r.status_code == 200
    assert calls(client)[0]["from"] == first
