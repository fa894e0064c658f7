"""Every request example of ringcentral-ringout.txt ("Making Calls Using RingOut"), replayed verbatim
against the sandbox, and the documented answer shape checked (and validated against the OpenAPI subset).

The sandbox may never demand more than the document: the document's own requests must work as written.
The examples below are copied from the document; the create body keeps the document's ``/* ... */``
remarks, which are stripped the way a reader of the document would before sending it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from .helpers import sandbox_call, wait_for
from .rc_helpers import bearer, error_code, login, validate

# "The two-legged RingOut call can be created via the following request:"
CREATE_REQUEST = """\
POST /restapi/v1.0/account/~/extension/~/ringout
Content-Type: application/json
Authorization: Bearer <access-token>
{
"from": {"phoneNumber": "13445554444"}, /* from parameter is optional if there is a default number in user's forwarding numbers */
"to": {"phoneNumber": "13455553434"}, /* to parameter is required */
"playPrompt": true /* optional field */
}"""
# The SDK samples (JavaScript, Python, Ruby; PHP's '/account/~/...' gets the SDK's /restapi/v1.0 prefix).
SDK_PATH = "/restapi/v1.0/account/~/extension/~/ring-out"
SDK_BODY = {"from": {"phoneNumber": "13445554444"}, "to": {"phoneNumber": "13455553434"}, "playPrompt": True}
# "Polling Call Status"
POLL_REQUEST = "GET/restapi/v1.0/account/~/extension/~/ringout/234343434"
# "How to cancel a RingOut in progress"
DELETE_REQUEST = "DELETE /restapi/v1.0/account/~/extension/~/ringout/234343434"
DOC_ID = "234343434"
# "The response can be as follows:"
DOC_RESPONSE = {"id": 234343434, "uri": "/restapi/v1.0/account/~/extension/~/ringout/234343434",
                "status": {"callStatus": "Success", "callerStatus": "Success", "calleeStatus": "Success"}}
# The vocabulary of the document's tables (callStatus; callerStatus / calleeStatus).
DOC_CALL_STATUS = {"InProgress", "Success", "CannotReach", "NoAnsweringMachine"}
DOC_LEG_STATUS = {"InProgress", "Busy", "NoAnswer", "Rejected", "Success", "Finished", "GenericError",
                  "InternationalDisabled", "NoSessionFound", "Invalid"}
SPEC_STATUS = {"Invalid", "Success", "InProgress", "Busy", "NoAnswer", "Rejected", "GenericError", "Finished",
               "InternationalDisabled", "DestinationBlocked", "NotEnoughFunds", "NoSuchUser"}


def _parse_create(text: str) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    """Method, path, headers and JSON body of the document's create example."""
    lines = text.splitlines()
    method, path = lines[0].split(" ", 1)
    body_at = next(i for i, line in enumerate(lines) if line.startswith("{"))
    headers = {name.strip(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:body_at])}
    body_text = re.sub(r"/\*.*?\*/", "", "\n".join(lines[body_at:]))
    return method, path, headers, json.loads(body_text)


def _send_create(client: httpx.Client, tokens: dict) -> tuple[httpx.Response, str]:
    method, path, headers, body = _parse_create(CREATE_REQUEST)
    headers["Authorization"] = headers["Authorization"].replace("<access-token>", tokens["access_token"])
    response = client.request(method, path, headers=headers, content=json.dumps(body))
    return response, path


def _documented_shape(body: dict[str, Any], path: str) -> None:
    """The answer has the document's fields: id, uri (the RingOut's address), status with three words."""
    assert set(body) == set(DOC_RESPONSE)
    assert set(body["status"]) == set(DOC_RESPONSE["status"])
    assert str(body["id"]).isdigit()  # the document shows a number, the OpenAPI spec a string: see README
    assert body["uri"].endswith(f"{path}/{body['id']}")
    for key, word in body["status"].items():
        vocabulary = DOC_CALL_STATUS if key == "callStatus" else DOC_LEG_STATUS
        assert word in vocabulary | SPEC_STATUS, (key, word)


def test_the_documents_parsed_example_is_what_the_sdk_samples_send() -> None:
    method, path, headers, body = _parse_create(CREATE_REQUEST)
    assert (method, path, body) == ("POST", "/restapi/v1.0/account/~/extension/~/ringout", SDK_BODY)
    assert headers == {"Content-Type": "application/json", "Authorization": "Bearer <access-token>"}


def test_create_exactly_as_documented(client: httpx.Client) -> None:
    tokens = login(client)
    response, path = _send_create(client, tokens)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    validate(response)
    body = response.json()
    _documented_shape(body, path)
    sim = sandbox_call(client, f"rc-{body['id']}")
    assert (sim["from"], sim["to"]) == ("+13445554444", "+13455553434")  # E.164 of the document's digits


@pytest.mark.parametrize("path", [SDK_PATH, "/restapi/v1.0/account/~/extension/~/ringout"])
def test_create_as_the_sdk_samples_do_on_both_paths(client: httpx.Client, path: str) -> None:
    tokens = login(client)
    response = client.post(path, headers=bearer(tokens), json=SDK_BODY)
    assert response.status_code == 200
    validate(response)
    _documented_shape(response.json(), path)
    # 'print "Call placed. Call status: " + resp.json().status.callStatus'
    assert response.json()["status"]["callStatus"] in ("InProgress", "Success")


def test_create_without_the_optional_fields(client: httpx.Client) -> None:
    """'from' is optional with a default forwarding number, 'playPrompt' is optional; 'to' is required."""
    tokens = login(client)
    response = client.post("/restapi/v1.0/account/~/extension/~/ringout", headers=bearer(tokens),
                           json={"to": {"phoneNumber": "13455553434"}})
    assert response.status_code == 200
    missing_to = client.post("/restapi/v1.0/account/~/extension/~/ringout", headers=bearer(tokens),
                             json={"from": {"phoneNumber": "13445554444"}})
    assert missing_to.status_code == 400  # "If this field is missing from the request, the 400 Bad Request"
    for bad in ("", "not-a-number"):
        invalid = client.post("/restapi/v1.0/account/~/extension/~/ringout", headers=bearer(tokens),
                              json={"to": {"phoneNumber": bad}})
        assert invalid.status_code == 400  # "phoneNumber specified in the field is empty or invalid"


@pytest.mark.parametrize("spelling", ["ringout", "ring-out"])
def test_poll_as_documented_until_the_successful_flow_is_seen(client: httpx.Client, spelling: str) -> None:
    """"InProgress > Success > Finished" for a successful call, polled with the document's GET."""
    tokens = login(client)
    created, _path = _send_create(client, tokens)
    ringout_id = str(created.json()["id"])
    method, doc_path = POLL_REQUEST.split("/", 1)
    path = "/" + doc_path.replace(DOC_ID, ringout_id).replace("/ringout/", f"/{spelling}/")
    seen: list[dict[str, str]] = []

    def poll() -> bool:
        response = client.request(method, path, headers=bearer(tokens))
        assert response.status_code == 200
        validate(response)
        _documented_shape(response.json(), path.rsplit("/", 1)[0])
        seen.append(response.json()["status"])
        return seen[-1] == DOC_RESPONSE["status"]

    wait_for(poll)
    assert seen[0]["callStatus"] == "InProgress"
    client.post("/_sandbox/clock/advance", json={"seconds": 3700}).raise_for_status()  # the call's 60-min cap
    tokens = login(client)
    wait_for(lambda: client.get(path, headers=bearer(tokens)).json()["status"]["calleeStatus"] == "Finished")


def test_the_documents_literal_id_is_not_found(client: httpx.Client) -> None:
    tokens = login(client)
    method, doc_path = POLL_REQUEST.split("/", 1)
    response = client.request(method, "/" + doc_path, headers=bearer(tokens))
    assert response.status_code == 404 and error_code(response) == "CMN-102"


@pytest.mark.parametrize("spelling", ["ringout", "ring-out"])
def test_delete_right_after_create_cancels_with_204(client: httpx.Client, spelling: str) -> None:
    """"If you initiate a RingOut and immediately call the DELETE RingOut endpoint, the call would get
    terminated ... If successful, the platform will respond with a 204." """
    client.post("/_sandbox/config", json={"speed": 1}).raise_for_status()  # the first leg starts after 0.5 s
    tokens = login(client)
    created, _path = _send_create(client, tokens)
    ringout_id = str(created.json()["id"])
    method, path = DELETE_REQUEST.split(" ", 1)
    response = client.request(method, path.replace(DOC_ID, ringout_id).replace("/ringout/", f"/{spelling}/"),
                              headers=bearer(tokens))
    assert response.status_code == 204 and response.content == b""
    assert sandbox_call(client, f"rc-{ringout_id}")["state"] == "canceled"


def test_delete_after_the_first_leg_started_answers_204_but_the_call_goes_on(client: httpx.Client) -> None:
    """"If the first leg of the call has been initiated, then the DELETE API will not terminate the call." """
    client.post("/_sandbox/config", json={"speed": 1}).raise_for_status()
    tokens = login(client)
    created, _path = _send_create(client, tokens)
    ringout_id = str(created.json()["id"])
    wait_for(lambda: sandbox_call(client, f"rc-{ringout_id}")["legs"][0]["state"] == "ringing")
    method, path = DELETE_REQUEST.split(" ", 1)
    response = client.request(method, path.replace(DOC_ID, ringout_id), headers=bearer(tokens))
    assert response.status_code == 204
    sim = sandbox_call(client, f"rc-{ringout_id}")
    assert not sim["ended"] and sim["state"] == "ringing"
    poll = client.get(path.replace(DOC_ID, ringout_id), headers=bearer(tokens))
    assert poll.json()["status"]["callStatus"] == "InProgress"


@pytest.mark.parametrize(("to", "call_status"), [("13455550004", "CannotReach"),
                                                 ("13455550007", "NoAnsweringMachine")])
def test_the_documents_failure_words_are_emitted(client: httpx.Client, to: str, call_status: str) -> None:
    """CannotReach and NoAnsweringMachine come from the document's table (the OpenAPI enum lacks them)."""
    tokens = login(client)
    created = client.post("/restapi/v1.0/account/~/extension/~/ringout", headers=bearer(tokens),
                          json={"from": {"phoneNumber": "13445554444"}, "to": {"phoneNumber": to}})
    path = f"/restapi/v1.0/account/~/extension/~/ringout/{created.json()['id']}"
    wait_for(lambda: client.get(path, headers=bearer(tokens)).json()["status"]["callStatus"] == call_status)
    _documented_shape(client.get(path, headers=bearer(tokens)).json(), path.rsplit("/", 1)[0])
