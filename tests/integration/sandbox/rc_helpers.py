"""RingCentral test helpers: logins and an openapi-core adapter for httpx exchanges."""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = Path(__file__).resolve().parents[2] / "fixtures" / "specs" / "ringcentral-ringout-subset.yaml"
CLIENT_ID = "sandbox-rc-client-id"
CLIENT_SECRET = "sandbox-rc-client-secret"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()}
RO = "/restapi/v1.0/account/~/extension/~/ring-out"


def password_form(**extra: str) -> dict[str, str]:
    return {"grant_type": "password", "username": "+12025550100", "extension": "101",
            "password": "sandbox-rc-password", **extra}


def login(client: httpx.Client, **extra: str) -> dict:
    r = client.post("/restapi/oauth/token", data=password_form(**extra), headers=BASIC)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


class _Req:
    """An httpx request seen by openapi-core, as if it was sent to the production host."""

    def __init__(self, request: httpx.Request) -> None:
        url = urlparse(str(request.url))
        self.host_url = "https://platform.ringcentral.com"
        self.path = re.sub(r"/ringout(/|$)", r"/ring-out\1", url.path)  # the spec names only the newer spelling
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "").split(";")[0]
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qs(url.query)),
                                            header=Headers(dict(request.headers)), cookie=ImmutableMultiDict())


class _Resp:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(dict(response.headers))


@cache
def spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


def validate(response: httpx.Response) -> None:
    """Fail unless the response matches the RingCentral OpenAPI subset (schema, enums, required fields)."""
    spec().validate_response(_Req(response.request), _Resp(response))


def error_code(response: httpx.Response) -> str:
    body = json.loads(response.content)
    assert body["errors"][0]["errorCode"] == body["errorCode"]
    return str(body["errorCode"])
