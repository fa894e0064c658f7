"""Ringostat emulator: simple form callback and the extended JSON-RPC callback, with 400/401/403."""

from __future__ import annotations

import json

import httpx
import pytest

from .helpers import sandbox_call, wait_for

KEY = "sandbox-ringostat-auth-key"
METHOD = "Api\\V2\\Callback.external"


def simple(client: httpx.Client, headers: dict[str, str] | None = None, **form: str) -> httpx.Response:
    return client.post("/callback/outward_call", data=form, headers={"Auth-key": KEY} if headers is None else headers)


def rpc(client: httpx.Client, params: dict, *, key: str | None = KEY, **body: object) -> httpx.Response:
    payload = {"jsonrpc": "2.0", "id": 777, "method": METHOD, "params": params, **body}
    headers = {"Auth-key": key} if key is not None else {}
    return client.post("/a/v2", json=payload, headers=headers)


FULL = {"callee_type": "default", "caller_type": "default", "caller": "380671112233", "callee": "380632223344",
        "manager_dst": 1, "direction": "out", "projectId": "11111", "clientIp": "10.10.10.10",
        "utmSource": "ringostat", "utmMedium": "referral", "utmCampaign": "extended_callback",
        "utmTerm": "test_api_request", "utmContent": "content", "clientId": "111111111.2222222222",
        "clientUserAgent": "Mozilla/5.0"}


def test_simple_callback_rings_extension_then_destination(client: httpx.Client) -> None:
    r = simple(client, extension="380441112233", destination="380671112233")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    call = sandbox_call(client, r.json()["call_id"])
    assert call["provider"] == "ringostat" and call["from"] == "+380441112233" and call["to"] == "+380671112233"
    wait_for(lambda: sandbox_call(client, r.json()["call_id"])["state"] == "answered")
    sip = simple(client, extension="380441112233", destination="manager_sip")
    assert sip.status_code == 200 and sandbox_call(client, sip.json()["call_id"])["to"] == "sip:manager_sip"


@pytest.mark.parametrize(("headers", "form", "status"), [
    ({}, {"extension": "380441112233", "destination": "380671112233"}, 401),
    ({"Auth-key": "wrong"}, {"extension": "380441112233", "destination": "380671112233"}, 401),
    ({"Auth-key": "sandbox-ringostat-no-access"}, {"extension": "380441112233", "destination": "380671112233"}, 403),
    ({"Auth-key": KEY}, {"destination": "380671112233"}, 400),
    ({"Auth-key": KEY}, {"extension": "380449999999", "destination": "380671112233"}, 400),
    ({"Auth-key": KEY}, {"extension": "380441112233"}, 400),
    ({"Auth-key": KEY}, {"extension": "380441112233", "destination": "12"}, 400),
])
def test_simple_callback_errors(client: httpx.Client, headers: dict, form: dict, status: int) -> None:
    r = simple(client, headers=headers, **form)
    assert r.status_code == status and r.json()["message"]
    assert client.get("/_sandbox/calls").json()["calls"] == []


def test_simple_callback_needs_a_form(client: httpx.Client) -> None:
    r = client.post("/callback/outward_call", json={"extension": "380441112233", "destination": "380671112233"},
                    headers={"Auth-key": KEY})
    assert r.status_code == 400


def test_extended_callback_with_every_parameter(client: httpx.Client) -> None:
    r = rpc(client, FULL)
    assert r.status_code == 200
    body = r.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 777 and body["result"]["status"] == "ok"
    call = sandbox_call(client, body["result"]["call_id"])
    # direction out + manager_dst 1: the callee (employee) is rung first
    assert call["from"] == "+380632223344" and call["to"] == "+380671112233"


@pytest.mark.parametrize(("direction", "manager_dst", "first"), [
    ("out", 0, "+380671112233"), ("out", 1, "+380632223344"), ("in", 1, "+380671112233"), ("in", 0, "+380632223344"),
])
def test_leg_order(client: httpx.Client, direction: str, manager_dst: int, first: str) -> None:
    r = rpc(client, {**FULL, "direction": direction, "manager_dst": manager_dst})
    assert sandbox_call(client, r.json()["result"]["call_id"])["from"] == first


def test_scheme_callee(client: httpx.Client) -> None:
    r = rpc(client, {"callee_type": "scheme", "caller_type": "default", "callee": "12345",
                     "caller": "380671112233", "projectId": "11111"})
    assert r.status_code == 200
    call = sandbox_call(client, r.json()["result"]["call_id"])
    assert "scheme:12345" in (call["from"], call["to"])


def test_documented_sample_body_with_bare_backslashes_is_accepted(client: httpx.Client) -> None:
    raw = ('{"jsonrpc": "2.0", "id": 5, "method": "Api\\V2\\Callback.external", '
           '"params": {"caller": "380671112233", "callee": "380632223344", "projectId": "11111"}}')
    r = client.post("/a/v2", content=raw.encode(), headers={"Auth-key": KEY})
    assert r.status_code == 200 and r.json()["id"] == 5


@pytest.mark.parametrize(("change", "status"), [
    ({"params": {k: v for k, v in FULL.items() if k != "caller"}}, 400),
    ({"params": {k: v for k, v in FULL.items() if k != "callee"}}, 400),
    ({"params": {k: v for k, v in FULL.items() if k != "projectId"}}, 400),
    ({"params": {**FULL, "caller": "12"}}, 400),
    ({"params": {**FULL, "direction": "sideways"}}, 400),
    ({"params": {**FULL, "manager_dst": 2}}, 400),
    ({"params": {**FULL, "callee_type": "queue"}}, 400),
    ({"params": {**FULL, "clientIp": "not-an-ip"}}, 400),
    ({"params": {**FULL, "utmSource": 5}}, 400),
    ({"method": "Api\\V2\\Other.method"}, 400),
    ({"jsonrpc": "1.0"}, 400),
    ({"params": {**FULL, "projectId": "99999"}}, 403),
])
def test_extended_callback_errors(client: httpx.Client, change: dict, status: int) -> None:
    params = change.pop("params", FULL)
    r = rpc(client, params, **change)
    assert r.status_code == status and r.json()["error"]["message"]
    assert client.get("/_sandbox/calls").json()["calls"] == []


def test_extended_callback_auth_errors(client: httpx.Client) -> None:
    assert rpc(client, FULL, key=None).status_code == 401
    assert rpc(client, FULL, key="wrong").status_code == 401
    assert rpc(client, FULL, key="sandbox-ringostat-no-access").status_code == 403
    r = client.post("/a/v2", content=b"{not json", headers={"Auth-key": KEY})
    assert r.status_code == 400
    r = client.post("/a/v2", content=json.dumps({"jsonrpc": "2.0", "id": 1, "method": METHOD,
                                                 "params": FULL}).encode(), headers={"Auth-key": KEY})
    assert r.status_code == 200  # no Content-Type header, as in the Node.js sample
