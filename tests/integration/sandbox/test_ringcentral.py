"""RingCentral emulator over loopback HTTP: OAuth grants, PKCE, refresh/expiry/revoke, RingOut, errors,
rate limits, and conformance to the RingCentral OpenAPI subset."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from .helpers import advance, sandbox_call, wait_for
from .rc_helpers import BASIC, CLIENT_ID, RO, bearer, error_code, login, password_form, validate

JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MDAwMDAxMDEiLCJpc3MiOiJzYW5kYm94In0.sandbox"
TOKEN = "/restapi/oauth/token"
REDIRECT = "http://127.0.0.1:53682/callback"


def ringout(client: httpx.Client, tokens: dict, to: str = "+12025550123", **body: object) -> httpx.Response:
    return client.post(RO, headers=bearer(tokens), json={"from": {"phoneNumber": "+12025550188"},
                                                        "to": {"phoneNumber": to}, **body})


def status(client: httpx.Client, tokens: dict, ringout_id: str, *, spec_enum: bool = True) -> dict:
    """The RingOut's status; ``spec_enum=False`` for the RingOut document's prose words (CannotReach,
    NoAnsweringMachine), which the OpenAPI enum lacks."""
    r = client.get(f"{RO}/{ringout_id}", headers=bearer(tokens))
    assert r.status_code == 200
    if spec_enum:
        validate(r)
    return r.json()["status"]


def test_password_login_returns_spec_token(client: httpx.Client) -> None:
    r = client.post(TOKEN, data=password_form(), headers=BASIC)
    assert r.status_code == 200
    validate(r)
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == 604800 and body["owner_id"]
    assert r.headers["X-Rate-Limit-Group"] == "auth"


def test_jwt_login(client: httpx.Client) -> None:
    r = client.post(TOKEN, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": JWT},
                    headers=BASIC)
    assert r.status_code == 200
    validate(r)
    bad = client.post(TOKEN, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": "nope"}, headers=BASIC)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_grant"


def test_token_endpoint_errors_use_oauth_shape(client: httpx.Client) -> None:
    wrong_pw = client.post(TOKEN, data=password_form(password="x"), headers=BASIC)
    assert wrong_pw.status_code == 401
    assert wrong_pw.json()["error"] == "invalid_grant" and wrong_pw.json()["error_description"]
    assert wrong_pw.json()["errors"][0]["errorCode"] == "OAU-140"
    bad_secret = {"Authorization": "Basic " + base64.b64encode(f"{CLIENT_ID}:wrong".encode()).decode()}
    r = client.post(TOKEN, data=password_form(), headers=bad_secret)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = client.post(TOKEN, data=password_form(client_id=CLIENT_ID))  # password grant without the secret
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=BASIC)
    assert r.status_code == 400 and r.json() == {**r.json(), "error": "invalid_request",
                                                 "error_description": "Unsupported grant type"}
    r = client.post(TOKEN, json=password_form(), headers=BASIC)
    assert r.status_code == 415


def test_refresh_tokens_are_single_use(client: httpx.Client) -> None:
    tokens = login(client)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    first = client.post(TOKEN, data=form, headers=BASIC)
    assert first.status_code == 200
    validate(first)
    assert first.json()["access_token"] != tokens["access_token"]
    again = client.post(TOKEN, data=form, headers=BASIC)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    newer = client.post(TOKEN, data={"grant_type": "refresh_token",
                                     "refresh_token": first.json()["refresh_token"]}, headers=BASIC)
    assert newer.status_code == 200


def test_access_token_expires_and_refresh_token_too(client: httpx.Client) -> None:
    tokens = login(client)
    assert ringout(client, tokens).status_code == 200
    advance(client, 3601)
    r = client.get(f"{RO}/1", headers=bearer(tokens))
    assert r.status_code == 401 and error_code(r) == "OAU-128"
    refreshed = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                            headers=BASIC)
    assert refreshed.status_code == 200
    advance(client, 604801)
    late = client.post(TOKEN, data={"grant_type": "refresh_token",
                                    "refresh_token": refreshed.json()["refresh_token"]}, headers=BASIC)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


def test_access_token_ttl_is_configurable(client: httpx.Client) -> None:
    assert login(client, access_token_ttl="100")["expires_in"] == 600  # clamped to 600-3600 like RingCentral
    client.post("/_sandbox/config", json={"access_token_ttl": 2}).raise_for_status()
    tokens = login(client)
    assert tokens["expires_in"] == 2
    advance(client, 3)
    assert client.get(f"{RO}/1", headers=bearer(tokens)).status_code == 401


def test_revoke(client: httpx.Client) -> None:
    tokens = login(client)
    r = client.post("/restapi/oauth/revoke", data={"token": tokens["access_token"]}, headers=BASIC)
    assert r.status_code == 200
    gone = client.get(f"{RO}/1", headers=bearer(tokens))
    assert gone.status_code == 401 and error_code(gone) == "OAU-129"
    refresh = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                          headers=BASIC)
    assert refresh.status_code == 400  # the pair is revoked together
    assert client.post("/restapi/oauth/revoke", data={"token": "unknown"}, headers=BASIC).status_code == 200


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(b"v" * 32).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(client: httpx.Client, challenge: str, **extra: str) -> httpx.Response:
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "state": "st-42",
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    return client.get("/restapi/oauth/authorize", params=params)


def test_pkce_authorization_code_flow(client: httpx.Client) -> None:
    verifier, challenge = pkce_pair()
    page = authorize(client, challenge)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"] and "Approve" in page.text
    approved = authorize(client, challenge, approve="1")
    assert approved.status_code == 302
    location = urlparse(approved.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st-42"] and query["expires_in"] == ["60"]
    code = query["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "client_id": CLIENT_ID}
    wrong = client.post(TOKEN, data={**exchange, "code_verifier": "not-the-verifier"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = client.post(TOKEN, data=exchange)
    assert missing.status_code == 400
    ok = client.post(TOKEN, data={**exchange, "code_verifier": verifier})  # public client: no Basic header
    assert ok.status_code == 200
    validate(ok)
    assert ringout(client, ok.json()).status_code == 200
    reused = client.post(TOKEN, data={**exchange, "code_verifier": verifier})
    assert reused.status_code == 403 and reused.json()["errors"][0]["errorCode"] == "OAU-106"
    # a public client refreshes with client_id in the body
    refreshed = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                         "refresh_token": ok.json()["refresh_token"]})
    assert refreshed.status_code == 200


def test_authorize_by_form_post_and_denial(client: httpx.Client) -> None:
    _verifier, challenge = pkce_pair()
    form = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "state": "s1",
            "code_challenge": challenge, "code_challenge_method": "S256"}
    approved = client.post("/restapi/oauth/authorize", data={**form, "approve": "1"})
    assert approved.status_code == 302 and "code=" in approved.headers["location"]
    denied = client.post("/restapi/oauth/authorize", data={**form, "deny": "1"})
    query = parse_qs(urlparse(denied.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s1"]


@pytest.mark.parametrize("redirect", ["https://evil.example/cb", "http://192.168.1.5:8080/cb",
                                      "http://example.com/cb", "ftp://127.0.0.1/cb",
                                      # loopback, but not exactly the registered URI
                                      "http://127.0.0.1:53683/callback", "http://localhost:53682/callback",
                                      "http://127.0.0.1:53682/callback/", "http://127.0.0.1:53682/other", ""])
def test_authorize_accepts_only_the_registered_redirect_uri(client: httpx.Client, redirect: str) -> None:
    r = authorize(client, "x", approve="1", redirect_uri=redirect)
    assert r.status_code == 400 and "location" not in r.headers
    assert r.json()["errors"][0] == {"errorCode": "OAU-109", "message": r.json()["error_description"]}
    assert r.json()["error_description"].startswith("Redirect URIs do not match")


def test_registered_redirect_uris_are_published_and_configurable(client: httpx.Client) -> None:
    assert client.get("/_sandbox/credentials").json()["ringcentral"]["redirect_uris"] == [REDIRECT]
    other = "http://127.0.0.1:40001/cb"
    client.post("/_sandbox/config", json={"rc_redirect_uris": [REDIRECT, other]}).raise_for_status()
    assert client.get("/_sandbox/credentials").json()["ringcentral"]["redirect_uris"] == [REDIRECT, other]
    assert authorize(client, "x", approve="1", redirect_uri=other).status_code == 302


def test_code_errors(client: httpx.Client) -> None:
    verifier, challenge = pkce_pair()

    def fresh_code() -> str:
        return parse_qs(urlparse(authorize(client, challenge, approve="1").headers["location"]).query)["code"][0]
    base = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code_verifier": verifier}
    mismatch = client.post(TOKEN, data={**base, "code": fresh_code(), "redirect_uri": "http://127.0.0.1:1/x"})
    assert mismatch.status_code == 403 and mismatch.json()["errors"][0]["errorCode"] == "OAU-109"
    code = fresh_code()
    advance(client, 61)
    expired = client.post(TOKEN, data={**base, "code": code, "redirect_uri": REDIRECT})
    assert expired.status_code == 403 and expired.json()["errors"][0]["errorCode"] == "OAU-108"


def test_ringout_connects_and_matches_the_spec(client: httpx.Client) -> None:
    tokens = login(client)
    r = ringout(client, tokens, playPrompt=True, callerId={"phoneNumber": "+16505551234"}, country={"id": "1"})
    assert r.status_code == 200
    validate(r)
    body = r.json()
    assert isinstance(body["id"], str) and body["uri"].endswith(f"/ring-out/{body['id']}")
    assert body["status"]["callStatus"] == "InProgress"
    assert r.headers["X-Rate-Limit-Group"] == "heavy"
    seen: list[dict] = []

    def connected() -> bool:
        seen.append(status(client, tokens, body["id"]))
        return seen[-1]["callStatus"] == "Success"
    wait_for(connected)
    assert seen[-1] == {"callStatus": "Success", "callerStatus": "Success", "calleeStatus": "Success"}
    assert {"callStatus": "InProgress", "callerStatus": "Success", "calleeStatus": "InProgress"} in seen or \
        seen[0]["callStatus"] == "InProgress"
    sim = sandbox_call(client, f"rc-{body['id']}")
    assert sim["provider"] == "ringcentral" and sim["from"] == "+12025550188"
    assert [leg["role"] for leg in sim["legs"]] == ["self", "destination"]
    # after the first leg is set up, DELETE answers 204 as documented but does not end the call
    late = client.delete(f"{RO}/{body['id']}", headers=bearer(tokens))
    assert late.status_code == 204
    assert status(client, tokens, body["id"])["callStatus"] == "Success"
    advance(client, 3700)  # the call runs into the 60-minute cap: legs finish (and the token expires)
    tokens = login(client)
    wait_for(lambda: status(client, tokens, body["id"])["calleeStatus"] == "Finished")
    assert status(client, tokens, body["id"]) == {"callStatus": "Success", "callerStatus": "Finished",
                                                  "calleeStatus": "Finished"}


def test_cancel_before_connect(client: httpx.Client) -> None:
    client.post("/_sandbox/config", json={"speed": 1}).raise_for_status()  # real time: 3.5 s until answered
    tokens = login(client)
    ringout_id = ringout(client, tokens, to="+12025550123").json()["id"]
    r = client.delete(f"{RO}/{ringout_id}", headers=bearer(tokens))
    assert r.status_code == 204 and r.content == b""  # the spec's DELETE response has no body
    assert status(client, tokens, ringout_id) == {"callStatus": "Rejected", "callerStatus": "Rejected",
                                                  "calleeStatus": "Rejected"}
    assert sandbox_call(client, f"rc-{ringout_id}")["state"] == "canceled"
    again = client.delete(f"{RO}/{ringout_id}", headers=bearer(tokens))
    assert again.status_code == 404 and error_code(again) == "CMN-102"


def test_delete_once_the_first_leg_rings_answers_204_and_the_call_goes_on(client: httpx.Client) -> None:
    """ringcentral-ringout.txt: "If the first leg of the call has been initiated, then the DELETE API will
    not terminate the call." """
    client.post("/_sandbox/config", json={"speed": 1}).raise_for_status()
    tokens = login(client)
    ringout_id = ringout(client, tokens, to="+12025550123").json()["id"]
    wait_for(lambda: sandbox_call(client, f"rc-{ringout_id}")["legs"][0]["state"] == "ringing")
    r = client.delete(f"{RO}/{ringout_id}", headers=bearer(tokens))
    assert r.status_code == 204
    assert status(client, tokens, ringout_id)["callStatus"] == "InProgress"
    sim = sandbox_call(client, f"rc-{ringout_id}")
    assert not sim["ended"] and sim["legs"][0]["state"] == "ringing"


@pytest.mark.parametrize(("to", "expected"), [
    ("+12025550001", {"callStatus": "Busy", "callerStatus": "Finished", "calleeStatus": "Busy"}),
    ("+12025550002", {"callStatus": "NoAnswer", "callerStatus": "Finished", "calleeStatus": "NoAnswer"}),
    ("+12025550003", {"callStatus": "Rejected", "callerStatus": "Finished", "calleeStatus": "Rejected"}),
    # the RingOut document's prose words (not in the OpenAPI enum)
    ("+12025550004", {"callStatus": "CannotReach", "callerStatus": "Finished", "calleeStatus": "GenericError"}),
    ("+12025550007", {"callStatus": "NoAnsweringMachine", "callerStatus": "Finished",
                      "calleeStatus": "GenericError"}),
    ("+12025550008", {"callStatus": "CannotReach", "callerStatus": "Success", "calleeStatus": "Success"}),
])
def test_failed_ringouts(client: httpx.Client, to: str, expected: dict) -> None:
    tokens = login(client)
    ringout_id = ringout(client, tokens, to=to).json()["id"]
    in_spec = expected["callStatus"] not in ("CannotReach", "NoAnsweringMachine")
    wait_for(lambda: status(client, tokens, ringout_id, spec_enum=in_spec) == expected)
    wait_for(lambda: sandbox_call(client, f"rc-{ringout_id}")["ended"])


def test_own_phone_not_answering(client: httpx.Client) -> None:
    tokens = login(client)
    r = client.post(RO, headers=bearer(tokens), json={"from": {"phoneNumber": "+12025550005"},
                                                      "to": {"phoneNumber": "+12025550123"}})
    wait_for(lambda: status(client, tokens, r.json()["id"])["callerStatus"] == "NoAnswer")
    assert status(client, tokens, r.json()["id"])["callStatus"] == "NoAnswer"


def test_ringout_request_errors(client: httpx.Client) -> None:
    tokens = login(client)
    h = bearer(tokens)
    r = client.post(RO, headers=h, json={"from": {"phoneNumber": "+12025550188"}})
    assert r.status_code == 400 and r.json()["errors"][0]["parameterName"] == "to"
    r = client.post(RO, headers=h, json={"to": {"phoneNumber": "+1416-721-5424"}})
    assert r.status_code == 400 and error_code(r) == "CMN-101" and r.json()["parameterName"] == "to.phoneNumber"
    r = client.post(RO, headers=h, json={"to": [{"phoneNumber": "+14167215424"}]})
    assert r.status_code == 400
    r = client.post(RO, headers=h, content=b"{oops", )
    assert r.status_code == 400 and error_code(r) == "CMN-103"
    r = client.get(f"{RO}/999", headers=h)
    assert r.status_code == 404 and error_code(r) == "CMN-102"
    r = client.get("/restapi/v1.0/account/123/extension/~/ring-out/1", headers=h)
    assert r.status_code == 404
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        r = client.post(RO, headers=headers, json={"to": {"phoneNumber": "+12025550123"}})
        assert r.status_code == 401 and error_code(r).startswith("OAU-")
    assert client.get("/_sandbox/calls").json()["calls"] == []


def test_from_defaults_to_forwarding_number_and_legacy_path(client: httpx.Client) -> None:
    tokens = login(client)
    r = client.post("/restapi/v1.0/account/~/extension/~/ringout", headers=bearer(tokens),
                    json={"to": {"phoneNumber": "13455553434"}})
    assert r.status_code == 200
    sim = sandbox_call(client, f"rc-{r.json()['id']}")
    assert sim["from"] == "+12025550199" and sim["to"] == "+13455553434"
    r = client.post(RO, headers=bearer(tokens), json={"from": {"forwardingNumberId": "1"},
                                                      "to": {"phoneNumber": "+13455553434"}})
    assert r.status_code == 200


def test_heavy_rate_limit_429(client: httpx.Client) -> None:
    tokens = login(client)
    remaining = []
    for _ in range(10):
        r = ringout(client, tokens, to="+12025550001")
        assert r.status_code == 200
        remaining.append(int(r.headers["X-Rate-Limit-Remaining"]))
        assert r.headers["X-Rate-Limit-Limit"] == "10" and r.headers["X-Rate-Limit-Window"] == "60"
    assert remaining == list(range(9, -1, -1))
    limited = ringout(client, tokens, to="+12025550001")
    assert limited.status_code == 429 and error_code(limited) == "CMN-301"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-Rate-Limit-Group"] == "heavy"
    # a Light request (poll) is in another group and still passes
    assert client.get(f"{RO}/{remaining and '400000001'}", headers=bearer(tokens)).headers["X-Rate-Limit-Group"] == "light"
    advance(client, 61)
    assert ringout(client, tokens, to="+12025550001").status_code == 200
    assert len(client.get("/_sandbox/calls").json()["calls"]) == 11


def test_auth_rate_limit(client: httpx.Client) -> None:
    for _ in range(5):
        login(client)
    r = client.post(TOKEN, data=password_form(), headers=BASIC)
    assert r.status_code == 429 and error_code(r) == "CMN-301" and r.headers["Retry-After"]
    assert r.headers["X-Rate-Limit-Group"] == "auth"


def test_rate_limits_are_configurable(client: httpx.Client) -> None:
    client.post("/_sandbox/config", json={"rate_limits": {"light": 2}}).raise_for_status()
    tokens = login(client)
    codes = [client.get(f"{RO}/1", headers=bearer(tokens)).status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_each_group_has_its_own_counter(client: httpx.Client) -> None:
    """Sign-ins (Auth) and RingOut creation (Heavy) never spend the Light budget of status reads."""
    client.post("/_sandbox/config", json={"rate_limits": {"auth": 2, "heavy": 1, "light": 3}}).raise_for_status()
    tokens = login(client)
    login(client)
    assert client.post(TOKEN, data=password_form(), headers=BASIC).status_code == 429  # Auth spent
    created = ringout(client, tokens)
    assert created.headers["X-Rate-Limit-Group"] == "heavy" and created.headers["X-Rate-Limit-Remaining"] == "0"
    assert ringout(client, tokens).status_code == 429  # Heavy spent
    reads = [client.get(f"{RO}/{created.json()['id']}", headers=bearer(tokens)) for _ in range(3)]
    assert [(r.status_code, r.headers["X-Rate-Limit-Group"], r.headers["X-Rate-Limit-Remaining"]) for r in reads] == [
        (200, "light", "2"), (200, "light", "1"), (200, "light", "0")]
    cancel = client.delete(f"{RO}/{created.json()['id']}", headers=bearer(tokens))
    assert cancel.status_code == 429 and cancel.headers["X-Rate-Limit-Group"] == "heavy"  # DELETE is Heavy too
