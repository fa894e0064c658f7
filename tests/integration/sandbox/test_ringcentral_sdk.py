"""The official `ringcentral` Python SDK, pointed at the sandbox, works end to end."""

from __future__ import annotations

import warnings

import httpx
import pytest
from ringcentral import SDK

from .helpers import wait_for

RO = "/restapi/v1.0/account/~/extension/~/ring-out"


@pytest.fixture
def creds(client: httpx.Client) -> dict[str, str]:
    return client.get("/_sandbox/credentials").json()["ringcentral"]


def test_sdk_jwt_login_ringout_poll_to_final_state(sandbox_url: str, creds: dict[str, str]) -> None:
    platform = SDK(creds["client_id"], creds["client_secret"], sandbox_url).platform()
    platform.login(jwt=creds["jwt"])
    assert platform.logged_in()
    resp = platform.post(RO, {"from": {"phoneNumber": "+12025550123"}, "to": {"phoneNumber": "+12025550001"},
                              "playPrompt": False})
    ringout_id = resp.json_dict()["id"]
    assert resp.json().status.callStatus == "InProgress"
    assert resp.response().headers["X-Rate-Limit-Group"] == "heavy"

    def final() -> dict | None:
        status = platform.get(f"{RO}/{ringout_id}").json_dict()["status"]
        return status if status["callStatus"] != "InProgress" else None
    assert wait_for(final) == {"callStatus": "Busy", "callerStatus": "Finished", "calleeStatus": "Busy"}
    platform.refresh()
    assert platform.get(f"{RO}/{ringout_id}").json_dict()["id"] == ringout_id
    platform.logout()


def test_sdk_password_login_and_cancel_before_connect(client: httpx.Client, sandbox_url: str,
                                                      creds: dict[str, str]) -> None:
    client.post("/_sandbox/config", json={"speed": 1}).raise_for_status()  # the own phone rings 3.5 s
    platform = SDK(creds["client_id"], creds["client_secret"], sandbox_url).platform()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns that password login is deprecated
        platform.login(username=creds["username"], extension="101", password=creds["password"])
    resp = platform.post(RO, {"from": {"phoneNumber": "+12025550123"}, "to": {"phoneNumber": "+12025550177"}})
    ringout_id = resp.json_dict()["id"]
    assert platform.delete(f"{RO}/{ringout_id}").response().status_code == 204
    assert platform.get(f"{RO}/{ringout_id}").json_dict()["status"]["callerStatus"] == "Rejected"


def test_sdk_sees_api_errors(sandbox_url: str, creds: dict[str, str]) -> None:
    platform = SDK(creds["client_id"], "wrong-secret", sandbox_url).platform()
    with pytest.raises(Exception) as info:
        platform.login(jwt=creds["jwt"])
    assert info.value.api_response().response().status_code == 401
