"""Ringez emulator over real loopback HTTP: auth, calls, billing, idempotency, DTMF, history, errors."""

from __future__ import annotations

import httpx
import pytest

from .helpers import advance, sandbox_call, wait_for

API = "/api/v1"
DEMO = {"email": "demo@ringez.test", "password": "ringez-demo-password"}
OWN = "+12025550123"


def login(client: httpx.Client) -> dict[str, str]:
    r = client.post(f"{API}/auth/login", json=DEMO)
    assert r.status_code == 200
    return {"X-Session-ID": r.json()["session_id"]}


def status_of(client: httpx.Client, headers: dict[str, str], call_id: str) -> dict:
    r = client.get(f"{API}/calls/{call_id}", headers=headers)
    assert r.status_code == 200
    return r.json()


def test_credentials_match_the_demo_user(client: httpx.Client) -> None:
    creds = client.get("/_sandbox/credentials").json()
    assert set(creds) == {"ringez", "ringcentral", "calledin", "ringostat"}
    assert creds["ringez"] == {**DEMO, "phone": OWN}  # the phone registered with the demo account
    assert set(creds["ringcentral"]) == {"client_id", "client_secret", "username", "password", "jwt", "redirect_uris"}
    assert set(creds["calledin"]) == {"api_key"}
    assert set(creds["ringostat"]) == {"auth_key", "project_id", "extension"}


def test_check_email_tells_new_from_existing(client: httpx.Client) -> None:
    assert client.post(f"{API}/auth/check-email", json={"email": DEMO["email"]}).json()["status"] == "existing_user"
    assert client.post(f"{API}/auth/check-email", json={"email": "new@x.test"}).json()["status"] == "new_user"
    bad = client.post(f"{API}/auth/check-email", json={"email": "nope"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_email"


def test_otp_signup_gives_five_free_minutes(client: httpx.Client) -> None:
    assert client.post(f"{API}/auth/send-otp", json={"email": "new@x.test"}).status_code == 200
    message = client.get("/_sandbox/outbox").json()["messages"][-1]
    assert message["to"] == "new@x.test" and len(message["code"]) == 6 and message["sent_at"]
    wrong = client.post(f"{API}/auth/verify-otp", json={"email": "new@x.test", "otp": "000000x"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_otp"
    r = client.post(f"{API}/auth/verify-otp", json={"email": "new@x.test", "otp": message["code"]})
    assert r.status_code == 200
    body = r.json()
    assert body["session_id"].startswith("sess_")
    assert body["user"] == {"email": "new@x.test", "balance_minutes": 5}
    me = client.get(f"{API}/auth/me", headers={"X-Session-ID": body["session_id"]}).json()
    assert me == {"balance_minutes": 5, "balance_usd": 0.0, "email": "new@x.test"}
    # a code is single-use
    again = client.post(f"{API}/auth/verify-otp", json={"email": "new@x.test", "otp": message["code"]})
    assert again.status_code == 400


def test_otp_expires_after_ten_minutes(client: httpx.Client) -> None:
    client.post(f"{API}/auth/send-otp", json={"email": "late@x.test"})
    code = client.get("/_sandbox/outbox").json()["messages"][-1]["code"]
    advance(client, 601)
    r = client.post(f"{API}/auth/verify-otp", json={"email": "late@x.test", "otp": code})
    assert r.status_code == 400 and r.json()["code"] == "otp_expired"


def test_login_and_session_errors(client: httpx.Client) -> None:
    bad = client.post(f"{API}/auth/login", json={**DEMO, "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_credentials" and bad.json()["error"]
    for headers in ({}, {"X-Session-ID": "sess_unknown"}):
        r = client.get(f"{API}/auth/me", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = client.post(f"{API}/calls/initiate", headers=headers, json={"to_number": "+12025550123"})
        assert r.status_code == 401
    assert client.get(f"{API}/auth/me", headers=login(client)).json()["balance_minutes"] == 60
    junk = client.post(f"{API}/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert junk.status_code == 400 and junk.json()["code"] == "invalid_json"


def test_bridge_call_rings_self_then_destination_and_bills_whole_minutes(client: httpx.Client) -> None:
    h = login(client)
    r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+919876543210"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"call_id", "status", "mode", "to_number", "from_number", "twilio_call_sid"}
    # from_number is Ringez's own number (ringez.md), not the user's; the registered phone rings first
    assert body["status"] == "initiated" and body["mode"] == "bridge" and body["from_number"] == "+17623713590"
    assert body["twilio_call_sid"].startswith("CA")
    call_id = body["call_id"]
    wait_for(lambda: all(leg["state"] == "answered" for leg in sandbox_call(client, call_id)["legs"]))
    legs = sandbox_call(client, call_id)["legs"]
    assert [(leg["role"], leg["number"]) for leg in legs] == [("self", OWN), ("destination", "+919876543210")]
    assert status_of(client, h, call_id)["status"] == "in-progress"
    advance(client, 150)  # 2.5 minutes of talk
    r = client.delete(f"{API}/calls/{call_id}", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "completed"
    final = status_of(client, h, call_id)
    assert final["status"] == "completed" and final["duration"] >= 150
    minutes = final["estimated_cost"]["minutes"]
    assert minutes == -(-final["duration"] // 60)
    assert final["estimated_cost"] == {"minutes": minutes, "amount": round(minutes * 0.08, 4), "currency": "USD"}
    wait_for(lambda: client.get(f"{API}/auth/me", headers=h).json()["balance_minutes"] == 60 - minutes)


@pytest.mark.parametrize(("number", "rate"), [("+12025550123", 0.05), ("+447911123456", 0.06),
                                              ("+61291234567", 0.10)])
def test_rates_by_destination(client: httpx.Client, number: str, rate: float) -> None:
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": number, "mode": "direct"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == "in-progress")
    advance(client, 61)
    client.delete(f"{API}/calls/{call_id}", headers=h)
    cost = status_of(client, h, call_id)["estimated_cost"]
    assert cost["amount"] == round(cost["minutes"] * rate, 4) and cost["minutes"] >= 2


def test_direct_call_has_only_the_destination_leg(client: httpx.Client) -> None:
    h = login(client)
    body = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"}).json()
    assert body["mode"] == "direct" and body["from_number"] == "+17623713590"
    assert [leg["role"] for leg in sandbox_call(client, body["call_id"])["legs"]] == ["destination"]


@pytest.mark.parametrize(("number", "status"), [("+12025550001", "busy"), ("+12025550002", "no-answer"),
                                                ("+12025550003", "busy"), ("+12025550004", "failed"),
                                                ("+12025550007", "failed")])
def test_failing_destinations_end_with_twilio_status(client: httpx.Client, number: str, status: str) -> None:
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": number, "mode": "direct"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == status)
    assert status_of(client, h, call_id)["estimated_cost"]["minutes"] == 0


@pytest.mark.parametrize("number", ["+12025550001", "+12025550002", "+12025550004"])
def test_bridge_status_follows_your_phone_not_the_destination(client: httpx.Client, number: str) -> None:
    """Bridge mode: status is the first leg's (your phone), like Twilio's parent call: a busy or unanswered
    destination still ends as "completed" for your phone's leg, after "in-progress" (your phone answered)."""
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": number}).json()["call_id"]
    seen: list[str] = []

    def ended() -> bool:
        word = status_of(client, h, call_id)["status"]
        if not seen or seen[-1] != word:
            seen.append(word)
        return word == "completed"
    wait_for(ended)
    assert seen[-1] == "completed" and set(seen) <= {"queued", "ringing", "in-progress", "completed"}
    legs = sandbox_call(client, call_id)["legs"]
    assert legs[1]["state"] in ("busy", "no-answer", "failed")  # the destination's fate is not in the status


def test_own_phone_that_never_answers(client: httpx.Client) -> None:
    """The 0005 scenario applies to the phone registered with the account (set through /_sandbox)."""
    r = client.post("/_sandbox/ringez/user", json={"email": DEMO["email"], "phone": "+12025550005"})
    assert r.status_code == 200 and r.json()["phone"] == "+12025550005"
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == "no-answer")
    legs = sandbox_call(client, call_id)["legs"]
    assert legs[0] == {**legs[0], "role": "self", "state": "no-answer"}
    assert legs[1]["state"] == "canceled"


def test_cancel_while_ringing(client: httpx.Client) -> None:
    client.post("/_sandbox/config", json={"speed": 10}).raise_for_status()  # rings 3 s: time to cancel
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h,
                          json={"to_number": "+12025550002", "mode": "direct"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == "ringing")
    assert client.delete(f"{API}/calls/{call_id}", headers=h).json()["status"] == "canceled"


def test_idempotency_window_is_five_minutes(client: httpx.Client) -> None:
    h = login(client)
    req = {"to_number": "+12025550123", "idempotency_key": "sess_x_1700000000000_abc"}
    first = client.post(f"{API}/calls/initiate", headers=h, json=req).json()
    dup = client.post(f"{API}/calls/initiate", headers=h, json=req)
    assert dup.status_code == 200 and dup.json() == {"alreadyInitiated": True, "callSid": first["twilio_call_sid"]}
    advance(client, 299)
    assert client.post(f"{API}/calls/initiate", headers=h, json=req).json()["alreadyInitiated"] is True
    assert len(client.get("/_sandbox/calls").json()["calls"]) == 1
    advance(client, 2)
    later = client.post(f"{API}/calls/initiate", headers=h, json=req).json()
    assert later["call_id"] != first["call_id"]
    assert len(client.get("/_sandbox/calls").json()["calls"]) == 2


def test_bad_numbers_and_no_registered_phone(client: httpx.Client) -> None:
    h = login(client)
    for to in ("12025550123", "+1 202 555 0123", "+1202", "", None):
        r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": to, "mode": "direct"})
        assert r.status_code == 400 and r.json()["code"] == "invalid_number"
    # a field the document does not have is ignored, not required and not used
    r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "from_number": "555"})
    assert r.status_code == 200
    assert sandbox_call(client, r.json()["call_id"])["legs"][0]["number"] == OWN
    client.post("/_sandbox/ringez/user", json={"email": DEMO["email"], "phone": None}).raise_for_status()
    r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123"})
    assert r.status_code == 400 and r.json()["code"] == "phone_not_registered" and "direct" in r.json()["error"]
    assert len(client.get("/_sandbox/calls").json()["calls"]) == 1


def test_insufficient_balance(client: httpx.Client) -> None:
    client.post(f"{API}/auth/send-otp", json={"email": "poor@x.test"})
    code = client.get("/_sandbox/outbox").json()["messages"][-1]["code"]
    h = {"X-Session-ID": client.post(f"{API}/auth/verify-otp", json={"email": "poor@x.test", "otp": code}).json()["session_id"]}
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == "in-progress")
    advance(client, 400)  # the 5 free minutes run out: the call is cut
    wait_for(lambda: status_of(client, h, call_id)["status"] == "completed")
    assert client.get(f"{API}/auth/me", headers=h).json()["balance_minutes"] == 0
    r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"})
    assert r.status_code == 402 and r.json()["code"] == "insufficient_balance" and "wallet" in r.json()["error"]


def test_dtmf(client: httpx.Client) -> None:
    client.post("/_sandbox/config", json={"speed": 10}).raise_for_status()  # the 0002 line rings 3 s
    h = login(client)
    ringing = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550002", "mode": "direct"}).json()["call_id"]
    early = client.post(f"{API}/calls/{ringing}/actions", headers=h, json={"action": "dtmf", "parameters": {"digits": "1"}})
    assert early.status_code == 409 and early.json()["code"] == "call_not_active"
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"}).json()["call_id"]
    wait_for(lambda: status_of(client, h, call_id)["status"] == "in-progress")
    ok = client.post(f"{API}/calls/{call_id}/actions", headers=h, json={"action": "dtmf", "parameters": {"digits": "12w*#"}})
    assert ok.status_code == 200 and ok.json()["digits"] == "12w*#"
    for digits in ("12a", "", "1 2"):
        bad = client.post(f"{API}/calls/{call_id}/actions", headers=h, json={"action": "dtmf", "parameters": {"digits": digits}})
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_digits"
    other = client.post(f"{API}/calls/{call_id}/actions", headers=h, json={"action": "transfer", "parameters": {}})
    assert other.status_code == 400 and other.json()["code"] == "unsupported_action"
    assert sandbox_call(client, call_id)["dtmf"] == ["12w*#"]


def test_unknown_call_is_404(client: httpx.Client) -> None:
    h = login(client)
    for method in ("GET", "DELETE"):
        r = client.request(method, f"{API}/calls/call_nope", headers=h)
        assert r.status_code == 404 and r.json()["code"] == "call_not_found"


def test_history_pagination(client: httpx.Client) -> None:
    h = login(client)
    ids = [client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550001", "mode": "direct"}).json()["call_id"]
           for _ in range(3)]
    page = client.get(f"{API}/calls", headers=h, params={"limit": 2, "offset": 0}).json()
    assert [c["call_id"] for c in page["calls"]] == ids[::-1][:2]
    assert page["pagination"]["total"] == 3 and page["pagination"]["has_more"] is True
    assert set(page["calls"][0]) == {"call_id", "to_number", "status", "duration", "cost", "started_at"}
    rest = client.get(f"{API}/calls", headers=h, params={"limit": 2, "offset": 2}).json()
    assert [c["call_id"] for c in rest["calls"]] == ids[:1] and rest["pagination"]["has_more"] is False
    assert client.get(f"{API}/calls", headers=h, params={"limit": "x"}).status_code == 400


def test_mode_must_be_bridge_or_direct(client: httpx.Client) -> None:
    h = login(client)
    r = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "conference"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_mode"


def test_hanging_up_twice_is_harmless(client: httpx.Client) -> None:
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"}).json()["call_id"]
    first = client.delete(f"{API}/calls/{call_id}", headers=h)
    second = client.delete(f"{API}/calls/{call_id}", headers=h)
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "canceled"


def test_another_users_call_is_not_visible(client: httpx.Client) -> None:
    h = login(client)
    call_id = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"}).json()["call_id"]
    client.post(f"{API}/auth/send-otp", json={"email": "other@x.test"})
    code = client.get("/_sandbox/outbox").json()["messages"][-1]["code"]
    other = {"X-Session-ID": client.post(f"{API}/auth/verify-otp", json={"email": "other@x.test", "otp": code}).json()["session_id"]}
    assert client.get(f"{API}/calls/{call_id}", headers=other).status_code == 404
    assert client.delete(f"{API}/calls/{call_id}", headers=other).status_code == 404
    assert client.get(f"{API}/calls", headers=other).json()["pagination"]["total"] == 0
