"""The RingCentral RingOut client against the sandbox: sign-in kinds, tokens, legs, hang-up, limits."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from dialer.core.calls import LegRole, LegState
from dialer.providers.base import (
    InvalidNumberError,
    NotSupported,
    OutcomeUnknown,
    ProviderUnavailable,
    RejectedByProvider,
    SignInRequired,
    StartCall,
)
from dialer.providers.oauth_loopback import BrowserSignInFailed
from dialer.providers.ringcentral import REFRESH_MARKER, TOKENS_SECRET, RingCentralProvider, Tokens
from dialer.providers.secretstore import MemorySecretStore

from .conftest import Sandbox, Sleeps, run_with, wait_for, wait_until_final

OWN = "+14155559876"
NORMAL = "+14155550100"


def settings_of(creds: dict) -> dict[str, str]:
    rc = creds["ringcentral"]
    return {"client_id": rc["client_id"], "client_secret": rc["client_secret"]}


async def jwt_sign_in(p: object, creds: dict) -> RingCentralProvider:
    assert isinstance(p, RingCentralProvider)
    await p.sign_in({"jwt": creds["ringcentral"]["jwt"]})
    return p


def test_jwt_sign_in_and_a_full_call(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        assert provider.is_signed_in()
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        assert set(started.legs) == {LegRole.SELF, LegRole.DESTINATION}
        answered = await wait_for(provider, started.call_id, LegState.ANSWERED)
        assert answered.legs[LegRole.SELF] is LegState.ANSWERED
        assert provider.min_poll_interval() >= 2.0

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    call = box.calls()[0]
    assert call["provider"] == "ringcentral" and call["to"] == NORMAL and call["from"] == OWN


def test_password_sign_in(sandbox_url: str, creds: dict) -> None:
    rc = creds["ringcentral"]

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        info = await p.sign_in({"username": rc["username"], "password": rc["password"]})
        assert info.label == rc["username"] and p.is_signed_in()
        with pytest.raises(SignInRequired, match="username, password or JWT was not accepted"):
            await p.sign_in({"username": rc["username"], "password": "wrong"})

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_wrong_client_secret_names_the_app_credentials(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        with pytest.raises(SignInRequired, match="client ID/secret"):
            await jwt_sign_in(p, creds)

    settings = {**settings_of(creds), "client_secret": "bad"}
    run_with("ringcentral", sandbox_url, body, settings=settings)


def test_missing_client_id_is_explained(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        with pytest.raises(SignInRequired, match="DIALER_RINGCENTRAL_CLIENT_ID"):
            await jwt_sign_in(p, creds)

    run_with("ringcentral", sandbox_url, body, settings={})


def test_browser_sign_in_with_pkce(sandbox_url: str, creds: dict) -> None:
    visited: list[str] = []

    async def browser(url: str) -> None:
        visited.append(url)
        async with httpx.AsyncClient(follow_redirects=True) as user_agent:
            await user_agent.get(url + "&approve=1")

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        info = await p.sign_in_browser(browser, timeout=10)
        assert info.label == "browser sign-in" and p.is_signed_in()
        started = await p.start_call(StartCall(destination=NORMAL, own_number=OWN))
        assert started.call_id

    # a public (PKCE) client: no secret
    run_with("ringcentral", sandbox_url, body, settings={"client_id": creds["ringcentral"]["client_id"]})
    assert "code_challenge_method=S256" in visited[0]


def test_browser_sign_in_denied(sandbox_url: str, creds: dict) -> None:
    async def browser(url: str) -> None:
        async with httpx.AsyncClient(follow_redirects=True) as user_agent:
            await user_agent.get(url + "&deny=1")

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        with pytest.raises(BrowserSignInFailed, match="access"):
            await p.sign_in_browser(browser, timeout=10)
        assert not p.is_signed_in()

    run_with("ringcentral", sandbox_url, body, settings={"client_id": creds["ringcentral"]["client_id"]})


@pytest.mark.parametrize(("own", "number", "self_state", "dest_state"), [
    (OWN, "+14155550001", None, LegState.BUSY),
    (OWN, "+14155550002", None, LegState.NO_ANSWER),
    (OWN, "+14155550003", None, LegState.REJECTED),
    (OWN, "+14155550004", None, LegState.FAILED),
    (OWN, "+14155550007", None, LegState.FAILED),
    ("+14155550005", NORMAL, LegState.NO_ANSWER, None),
])
def test_scenarios_reach_the_right_leg(sandbox_url: str, creds: dict, own: str, number: str,
                                       self_state: LegState | None, dest_state: LegState | None) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=number, own_number=own))
        final = await wait_until_final(provider, started.call_id)
        if self_state is not None:
            assert final.legs[LegRole.SELF] is self_state
            assert final.legs[LegRole.DESTINATION] in (LegState.CANCELED, LegState.QUEUED, self_state,
                                                       LegState.COMPLETED)
        if dest_state is not None:
            assert final.legs[LegRole.DESTINATION] is dest_state

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_hang_up_before_connect_cancels(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550002", own_number="+14155550005"))
        await provider.hang_up(started.call_id)
        final = await wait_until_final(provider, started.call_id)
        assert LegState.ANSWERED not in final.legs.values()

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert box.calls()[0]["ended"]


def test_hang_up_after_answer_says_end_it_from_your_phone(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        await wait_for(provider, started.call_id, LegState.ANSWERED)
        with pytest.raises(NotSupported, match="hang up on your phone"):
            await provider.hang_up(started.call_id)

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_invalid_number_is_reported_as_such(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        with pytest.raises(InvalidNumberError):
            await provider.start_call(StartCall(destination="12", own_number=OWN))

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_access_token_is_refreshed_before_expiry_and_the_new_pair_is_stored(sandbox_url: str, creds: dict) -> None:
    store = MemorySecretStore()

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        before = Tokens.from_json(store.get("acct-1", TOKENS_SECRET) or "")
        assert before is not None
        provider.clock = lambda: before.access_expires_at - 30  # inside the refresh margin
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        after = Tokens.from_json(store.get("acct-1", TOKENS_SECRET) or "")
        assert after is not None and started.call_id
        assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
        assert store.get("acct-1", REFRESH_MARKER) is None

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds), secrets=store)


@pytest.mark.parametrize("with_jwt", [True, False])
def test_refresh_interrupted_before_store(sandbox_url: str, creds: dict, with_jwt: bool) -> None:
    """A crash after RingCentral consumed the refresh token but before the new pair was stored: JWT
    accounts recover silently, others are asked to sign in again with the reason."""
    store = MemorySecretStore()
    rc = creds["ringcentral"]

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        if with_jwt:
            await p.sign_in({"jwt": rc["jwt"]})
        else:
            await p.sign_in({"username": rc["username"], "password": rc["password"]})
        old_blob = store.get("acct-1", TOKENS_SECRET) or ""
        old = Tokens.from_json(old_blob)
        assert old is not None
        p.clock = lambda: old.access_expires_at + 1
        await p.start_call(StartCall(destination=NORMAL, own_number=OWN))  # refreshes: old pair consumed
        # the crash: the store still holds the old pair and the in-flight marker
        store.set("acct-1", TOKENS_SECRET, old_blob)
        store.set("acct-1", REFRESH_MARKER, str(time.time()))
        if with_jwt:
            started = await p.start_call(StartCall(destination=NORMAL, own_number=OWN))
            assert started.call_id and store.get("acct-1", REFRESH_MARKER) is None
        else:
            with pytest.raises(SignInRequired, match="interrupted"):
                await p.start_call(StartCall(destination=NORMAL, own_number=OWN))
            assert not p.is_signed_in()

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds), secrets=store)


def test_sign_out_revokes_the_tokens(sandbox_url: str, creds: dict) -> None:
    store = MemorySecretStore()
    tokens: list[Tokens] = []

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        found = Tokens.from_json(store.get("acct-1", TOKENS_SECRET) or "")
        assert found is not None
        tokens.append(found)
        await provider.sign_out()
        assert not provider.is_signed_in() and store.items == {}

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds), secrets=store)
    refused = httpx.get(f"{sandbox_url}/restapi/v1.0/account/~/extension/~/ring-out/1",
                        headers={"Authorization": f"Bearer {tokens[0].access_token}"})
    assert refused.status_code == 401


def test_lost_answer_to_ringout_is_outcome_unknown_with_one_call(sandbox_url: str, creds: dict,
                                                                 box: Sandbox) -> None:
    box.fault(kind="drop_after", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out",
              method="POST")

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        with pytest.raises(OutcomeUnknown, match="may have been placed"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert len(box.calls()) == 1


def test_unreadable_ringout_answer_is_outcome_unknown(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="malformed_json", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out",
              method="POST")

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        with pytest.raises(OutcomeUnknown):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert len(box.calls()) == 1


def test_unavailable_service_places_nothing(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="error", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out",
              method="POST", status=503, times=10)

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        with pytest.raises(ProviderUnavailable):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert box.calls() == []


def test_429_burst_on_polling_is_waited_out_and_slows_polling(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    sleeps = Sleeps()

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        box.fault(kind="rate_limit", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out/*",
                  method="GET", times=2, retry_after=3)
        status = await provider.call_status(started.call_id)
        assert status.call_id == started.call_id
        assert sleeps.calls[:2] == [3.0, 3.0] or all(s >= 3 for s in sleeps.calls[:2])

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds), sleep=sleeps)


def test_low_remaining_budget_stretches_the_poll_interval(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.config(rate_limits={"light": 5})

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        for _ in range(3):
            await provider.call_status(started.call_id)
        assert provider.min_poll_interval() > 2.0

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_malformed_status_answer_is_provider_unavailable(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        box.fault(kind="truncated_json", provider="ringcentral",
                  path="/restapi/v1.0/account/~/extension/~/ring-out/*", method="GET", times=10)
        with pytest.raises(ProviderUnavailable):
            await provider.call_status(started.call_id)

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_token_expired_early_on_the_server_renews_the_token_but_never_resends_the_ringout(
        sandbox_url: str, creds: dict, box: Sandbox) -> None:
    """The server's clock jumps past the access token's life while the client still trusts it: the 401
    (OAU-128) to the RingOut POST renews the token, but the POST is not sent again (RingOut has no
    idempotency key); the user is told nothing was placed. Was: one refresh and an automatic re-send."""
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        box.advance(2 * 3600)
        with pytest.raises(RejectedByProvider, match=r"nothing was placed.*place the call again"):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        assert box.calls() == []
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))  # the user's retry
        assert started.call_id

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert len(box.calls()) == 1
    ringouts = [r["status"] for r in box.requests() if r["path"].endswith("/ring-out") and r["method"] == "POST"]
    assert ringouts == [401, 200]


@pytest.mark.parametrize("with_jwt", [True, False])
def test_expired_refresh_token(sandbox_url: str, creds: dict, box: Sandbox, with_jwt: bool) -> None:
    rc = creds["ringcentral"]

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        if with_jwt:
            await p.sign_in({"jwt": rc["jwt"]})
        else:
            await p.sign_in({"username": rc["username"], "password": rc["password"]})
        box.advance(8 * 24 * 3600)  # past the one-week refresh token
        if with_jwt:  # the stored JWT credential signs in again without asking the user for anything
            with pytest.raises(RejectedByProvider, match="nothing was placed"):  # the POST is never re-sent
                await p.start_call(StartCall(destination=NORMAL, own_number=OWN))
            assert (await p.start_call(StartCall(destination=NORMAL, own_number=OWN))).call_id
        else:
            with pytest.raises(SignInRequired, match="sign-in has expired"):
                await p.start_call(StartCall(destination=NORMAL, own_number=OWN))
            assert not p.is_signed_in()

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert len(box.calls()) == (1 if with_jwt else 0)


def test_timeout_on_ringout_create_is_outcome_unknown(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    box.fault(kind="latency", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out",
              method="POST", latency_ms=600)

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        with pytest.raises(OutcomeUnknown):
            await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        await asyncio.sleep(0.8)

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds),
             timeout=httpx.Timeout(5.0, read=0.3))
    assert len(box.calls()) <= 1  # never a second call from the app


def test_server_errors_on_polling_are_retried(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        box.fault(kind="error", provider="ringcentral", path="/restapi/v1.0/account/~/extension/~/ring-out/*",
                  method="GET", status=500, times=2)
        assert (await provider.call_status(started.call_id)).call_id == started.call_id

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_no_secret_reaches_the_logs(sandbox_url: str, creds: dict, caplog: pytest.LogCaptureFixture) -> None:
    store = MemorySecretStore()
    rc = creds["ringcentral"]

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        provider.clock = lambda: time.time() + 10_000  # force a refresh too
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        await provider.sign_out()

    with caplog.at_level(logging.DEBUG):
        run_with("ringcentral", sandbox_url, body, settings=settings_of(creds), secrets=store)
    assert "HTTP Request" in caplog.text  # httpx did log every request
    for secret in (rc["jwt"], rc["client_secret"]):
        assert secret not in caplog.text


# ------------------------------------------------------------------ provider fidelity (issue 11, RingCentral)

RO_PATH = "/restapi/v1.0/account/~/extension/~/ring-out"


def test_a_failing_call_status_fails_the_destination_although_the_callee_said_success(
        sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination="+14155550008", own_number=OWN))
        final = await wait_until_final(provider, started.call_id)
        assert final.raw_status == "CannotReach/Success/Success"
        assert final.legs == {LegRole.SELF: LegState.COMPLETED, LegRole.DESTINATION: LegState.FAILED}
        assert not final.ended

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


@pytest.mark.parametrize("answer", ["404", "NoSessionFound", "Invalid"])
def test_a_session_gone_is_ended_without_an_outcome(sandbox_url: str, creds: dict, box: Sandbox,
                                                    answer: str) -> None:
    """Was: 404 / CMN-102 and NoSessionFound were reported as two completed legs."""
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        if answer == "404":
            box.fault(kind="error", provider="ringcentral", path=f"{RO_PATH}/*", method="GET", status=404,
                      body={"errorCode": "CMN-102", "message": "Resource for parameter [ringoutId] is not found",
                            "errors": [{"errorCode": "CMN-102", "message": "not found"}]})
        else:
            box.fault(kind="error", provider="ringcentral", path=f"{RO_PATH}/*", method="GET", status=200,
                      body={"id": started.call_id, "uri": "x", "status": {
                          "callStatus": answer, "callerStatus": answer, "calleeStatus": answer}})
        status = await provider.call_status(started.call_id)
        assert status.ended
        assert status.legs == {LegRole.SELF: LegState.UNKNOWN, LegRole.DESTINATION: LegState.UNKNOWN}

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))


def test_hang_up_while_the_first_leg_rings_checks_and_says_decline_on_the_phone(sandbox_url: str, creds: dict,
                                                                                 box: Sandbox) -> None:
    box.config(speed=0.5)

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while box.calls()[0]["legs"][0]["state"] != "ringing" and loop.time() < deadline:
            await asyncio.sleep(0.02)
        with pytest.raises(NotSupported, match="Decline the call on your phone"):
            await provider.hang_up(started.call_id)

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    assert not box.calls()[0]["ended"]
    log = [(r["method"], r["status"]) for r in box.requests() if r["path"].startswith(RO_PATH + "/")]
    assert log[-2:] == [("DELETE", 204), ("GET", 200)]  # the effect was checked with one more poll


@pytest.mark.parametrize("code", ["OAU-123", "OAU-134"])
def test_invalid_authorization_header_codes_refresh_once_and_retry_the_read(sandbox_url: str, creds: dict,
                                                                            box: Sandbox, code: str) -> None:
    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)
        started = await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))
        box.fault(kind="error", provider="ringcentral", path=f"{RO_PATH}/*", method="GET", status=401,
                  body={"errorCode": code, "message": "Invalid Authorization header",
                        "errors": [{"errorCode": code, "message": "Invalid Authorization header"}]})
        assert (await provider.call_status(started.call_id)).call_id == started.call_id

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
    log = box.requests()
    assert [r["status"] for r in log if r["method"] == "GET"] == [401, 200]
    assert len([r for r in log if r["path"] == "/restapi/oauth/token" and "refresh_token" in r["body"]]) == 1


def test_the_sandbox_itself_names_a_missing_or_foreign_authorization_header(sandbox_url: str) -> None:
    url = f"{sandbox_url}{RO_PATH}/1"
    missing = httpx.get(url)
    foreign = httpx.get(url, headers={"Authorization": "Basic abc"})
    assert (missing.status_code, missing.json()["errorCode"]) == (401, "OAU-123")
    assert (foreign.status_code, foreign.json()["errorCode"]) == (401, "OAU-134")


def test_browser_sign_in_listens_on_the_exact_redirect_uri(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redirect = f"http://127.0.0.1:{port}/exact/path"
    box.config(rc_redirect_uris=[redirect])
    landed: list[str] = []

    async def browser(url: str) -> None:
        async with httpx.AsyncClient(follow_redirects=True) as user_agent:
            page = await user_agent.get(url + "&approve=1")
            landed.append(str(page.url).split("?")[0])

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        assert p.redirect_uri() == redirect
        await p.sign_in_browser(browser, timeout=10)
        assert p.is_signed_in()

    run_with("ringcentral", sandbox_url, body,
             settings={"client_id": creds["ringcentral"]["client_id"], "redirect_uri": redirect})
    assert landed == [redirect]


def test_browser_sign_in_default_redirect_uri_is_the_documented_one(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        assert p.redirect_uri() == "http://127.0.0.1:53682/callback"

    run_with("ringcentral", sandbox_url, body, settings={"client_id": creds["ringcentral"]["client_id"]})


def test_a_wrong_redirect_uri_is_refused_with_oau_109_and_no_browser(sandbox_url: str, creds: dict) -> None:
    opened: list[str] = []

    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        with pytest.raises(SignInRequired, match=r"OAU-109 \"Redirect URIs do not match\""):
            await p.sign_in_browser(opened.append, timeout=10)

    run_with("ringcentral", sandbox_url, body, settings={"client_id": creds["ringcentral"]["client_id"],
                                                         "redirect_uri": "http://localhost:53682/callback"})
    assert opened == []


def test_a_code_exchanged_with_another_redirect_uri_is_oau_109(sandbox_url: str, creds: dict) -> None:
    async def real(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        async with httpx.AsyncClient() as agent:
            page = await agent.get(f"{sandbox_url}/restapi/oauth/authorize", params={
                "response_type": "code", "client_id": creds["ringcentral"]["client_id"],
                "redirect_uri": "http://127.0.0.1:53682/callback", "approve": "1", "code_challenge": "abc",
                "code_challenge_method": "plain"})
        code = page.headers["location"].split("code=")[1].split("&")[0]
        with pytest.raises(SignInRequired, match=r"OAU-109"):
            await p.sign_in({"code": code, "redirect_uri": "http://127.0.0.1:53683/callback",
                             "code_verifier": "abc"})

    run_with("ringcentral", sandbox_url, real, settings={"client_id": creds["ringcentral"]["client_id"]})


def test_a_heavy_budget_running_out_leaves_the_poll_pace_alone(sandbox_url: str, creds: dict,
                                                               box: Sandbox) -> None:
    box.config(rate_limits={"heavy": 1, "auth": 1})

    async def body(p: object) -> None:
        provider = await jwt_sign_in(p, creds)  # Auth: 0 left
        await provider.start_call(StartCall(destination=NORMAL, own_number=OWN))  # Heavy: 0 left
        assert provider.budgets.get("heavy") is not None and provider.budgets.get("auth") is not None
        assert provider.min_poll_interval() == 2.0

    run_with("ringcentral", sandbox_url, body, settings=settings_of(creds))
