"""Every request example in ringez.md, replayed VERBATIM against the sandbox, with the documented answers.

Bodies, paths and query strings are copied from the document (/work/shared/providers/ringez.md). What the
document cannot fix for us: the host (the sandbox's), the X-Session-ID (the one the sandbox issued to the
document's example user), the OTP (read from /_sandbox/outbox: "123456" is the document's placeholder) and
the call id in status/DELETE/actions paths (the one the sandbox answered). The document's example user
you@example.com gets a password (for the login example) and a registered phone through /_sandbox/ringez/user.
So the sandbox can never again demand more than the document shows.
"""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import sandbox_call, wait_for

API = "/api/v1"
EMAIL = "you@example.com"
JSON = {"Content-Type": "application/json"}

# The request bodies exactly as ringez.md shows them.
CHECK_EMAIL = '{"email": "you@example.com"}'
SEND_OTP = '{"email": "you@example.com"}'
VERIFY_OTP = '{\n"email": "you@example.com",\n"otp": "123456"\n}'
LOGIN = '{\n"email": "you@example.com",\n"password": "your-password"\n}'
INITIATE_BRIDGE = '{\n"to_number": "+919876543210",\n"idempotency_key": "sess_abc123xyz_1700000000000_xyz789"\n}'
INITIATE_DIRECT = '{\n"to_number": "+919876543210",\n"mode": "direct"\n}'
DTMF = ['{\n"action": "dtmf",\n"parameters": {\n"digits": "1"\n}\n}',
        '{"action": "dtmf", "parameters": {"digits": "1234"}}',
        '{"action": "dtmf", "parameters": {"digits": "w"}}']


def _shape(value: Any, expected: dict[str, type | tuple[type, ...]]) -> None:
    """``value`` is an object with at least these fields, each of the documented JSON type."""
    assert isinstance(value, dict), value
    for name, kind in expected.items():
        assert name in value, f"{name} missing from {value}"
        assert isinstance(value[name], kind) and not (kind is not bool and isinstance(value[name], bool)), \
            f"{name}={value[name]!r} is not {kind}"


NUMBER = (int, float)


def _signed_up(client: httpx.Client) -> dict[str, str]:
    """check-email, send-otp, verify-otp as the Quick Start shows; returns the session header."""
    r = client.post(f"{API}/auth/check-email", headers=JSON, content=CHECK_EMAIL)
    assert r.status_code == 200
    assert "new_user" in r.text  # the document: `new_user` -> continue to OTP verification
    r = client.post(f"{API}/auth/send-otp", headers=JSON, content=SEND_OTP)
    assert r.status_code == 200
    code = next(m["code"] for m in reversed(client.get("/_sandbox/outbox").json()["messages"]) if m["to"] == EMAIL)
    r = client.post(f"{API}/auth/verify-otp", headers=JSON, content=VERIFY_OTP.replace("123456", code))
    assert r.status_code == 200
    body = r.json()
    _shape(body, {"session_id": str, "user": dict})
    _shape(body["user"], {"email": str, "balance_minutes": NUMBER})
    assert body["user"] == {"email": EMAIL, "balance_minutes": 5}  # "New accounts get 5 free minutes"
    return {"X-Session-ID": body["session_id"]}


def test_quick_start_sign_up_login_and_balance(client: httpx.Client) -> None:
    _signed_up(client)
    r = client.post(f"{API}/auth/check-email", headers=JSON, content=CHECK_EMAIL)
    assert "existing_user" in r.text  # now registered: `existing_user` -> login with password
    client.post("/_sandbox/ringez/user", json={"email": EMAIL, "password": "your-password"}).raise_for_status()
    r = client.post(f"{API}/auth/login", headers=JSON, content=LOGIN)
    assert r.status_code == 200
    session = r.json()["session_id"]
    assert isinstance(session, str) and session
    r = client.get(f"{API}/auth/me", headers={"X-Session-ID": session})
    assert r.status_code == 200
    me = r.json()
    _shape(me, {"balance_minutes": NUMBER, "balance_usd": NUMBER, "email": str})
    assert me["email"] == EMAIL and me["balance_minutes"] == 5 and me["balance_usd"] == 0


def test_calls_as_the_document_makes_them(client: httpx.Client) -> None:
    headers = _signed_up(client)
    # the bridge call rings "your phone": the one registered with the account (account data, not a field)
    client.post("/_sandbox/ringez/user", json={"email": EMAIL, "phone": "+12025550123"}).raise_for_status()

    r = client.post(f"{API}/calls/initiate", headers={**headers, **JSON}, content=INITIATE_BRIDGE)
    assert r.status_code == 200, r.text
    call = r.json()
    _shape(call, {"call_id": str, "status": str, "mode": str, "to_number": str, "from_number": str,
                  "twilio_call_sid": str})
    assert call["status"] == "initiated" and call["mode"] == "bridge" and call["to_number"] == "+919876543210"
    assert call["from_number"] == "+17623713590"  # Ringez's own number, as in the document's answer
    call_id = call["call_id"]

    # the same key within 5 minutes: the Duplicate Call answer, and no second call
    r = client.post(f"{API}/calls/initiate", headers={**headers, **JSON}, content=INITIATE_BRIDGE)
    assert r.status_code == 200
    assert r.json() == {"alreadyInitiated": True, "callSid": call["twilio_call_sid"]}
    assert len(client.get("/_sandbox/calls").json()["calls"]) == 1

    # Check Call Status
    r = client.get(f"{API}/calls/{call_id}", headers=headers)
    assert r.status_code == 200
    status = r.json()
    _shape(status, {"call_id": str, "status": str, "duration": NUMBER, "estimated_cost": dict})
    _shape(status["estimated_cost"], {"minutes": NUMBER, "amount": NUMBER, "currency": str})
    assert status["call_id"] == call_id and status["estimated_cost"]["currency"] == "USD"

    # Navigate Phone Menus (DTMF), once the call is connected
    wait_for(lambda: sandbox_call(client, call_id)["state"] == "answered")
    assert client.get(f"{API}/calls/{call_id}", headers=headers).json()["status"] == "in-progress"
    for body in DTMF:
        r = client.post(f"{API}/calls/{call_id}/actions", headers={**headers, **JSON}, content=body)
        assert r.status_code == 200, r.text
    assert sandbox_call(client, call_id)["dtmf"] == ["1", "1234", "w"]

    # End a Call Early
    r = client.delete(f"{API}/calls/{call_id}", headers=headers)
    assert r.status_code == 200
    assert client.get(f"{API}/calls/{call_id}", headers=headers).json()["status"] == "completed"

    # Force Direct Mode (the document's example has no idempotency key)
    r = client.post(f"{API}/calls/initiate", headers={**headers, **JSON}, content=INITIATE_DIRECT)
    assert r.status_code == 200, r.text
    direct = r.json()
    _shape(direct, {"call_id": str, "status": str, "mode": str, "to_number": str, "from_number": str,
                    "twilio_call_sid": str})
    assert direct["mode"] == "direct" and direct["call_id"] != call_id
    client.delete(f"{API}/calls/{direct['call_id']}", headers=headers)

    # Call History
    r = client.get(f"{API}/calls?limit=10&offset=0", headers=headers)
    assert r.status_code == 200
    history = r.json()
    _shape(history, {"calls": list, "pagination": dict})
    _shape(history["pagination"], {"total": NUMBER, "has_more": bool})
    assert history["pagination"]["total"] == 2 and history["pagination"]["has_more"] is False
    for row in history["calls"]:
        _shape(row, {"call_id": str, "to_number": str, "status": str, "duration": NUMBER, "cost": NUMBER,
                     "started_at": str})
        assert row["started_at"].endswith("Z")
    assert {row["call_id"] for row in history["calls"]} == {call_id, direct["call_id"]}


def test_a_bridge_call_without_a_registered_phone_says_what_to_do(client: httpx.Client) -> None:
    """Where the document is silent (an account with no phone): a 400 naming the fix, no call placed."""
    headers = _signed_up(client)
    r = client.post(f"{API}/calls/initiate", headers={**headers, **JSON}, content=INITIATE_BRIDGE)
    assert r.status_code == 400 and r.json()["code"] == "phone_not_registered"
    assert client.get("/_sandbox/calls").json()["calls"] == []
    r = client.post(f"{API}/calls/initiate", headers={**headers, **JSON}, content=INITIATE_DIRECT)
    assert r.status_code == 200  # direct mode rings no phone of yours
