"""Ringostat callback API (ringostat.txt): connect two numbers; nothing is reported afterwards.

Two documented methods:

* simple: ``POST /callback/outward_call`` form ``extension=<project number>&destination=<number>``,
  header ``Auth-key``. Used when no own number is given: the project's extension is connected to the
  destination.
* extended: ``POST /a/v2`` JSON-RPC 2.0 ``Api\\V2\\Callback.external``. Used when the user's own number is
  given (bridge): ``callee`` = the user's phone ("the employee"), ``caller`` = the destination ("the
  customer"), ``manager_dst: 1`` so the user's phone rings first, ``direction: "out"``, both types
  ``default`` (phone numbers). The setting ``method`` = ``simple``/``extended`` forces one.

Numbers are sent as digits without ``+`` (the documents' examples). 400 -> the number/parameters,
401/403 -> the Auth-key. A call create is never re-sent once it reached the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import httpx

from dialer.core.calls import LegRole, LegState
from dialer.providers._common import HttpProvider
from dialer.providers.base import (
    AccountInfo,
    CallStatus,
    InvalidNumberError,
    OutcomeUnknown,
    ProviderUnavailable,
    RejectedByProvider,
    SignInRequired,
    StartCall,
)
from dialer.providers.capabilities import RINGOSTAT
from dialer.providers.http import RequestKind, json_body, placed_maybe_message

SIMPLE_PATH = "/callback/outward_call"
EXTENDED_PATH = "/a/v2"
EXTENDED_METHOD = "Api\\V2\\Callback.external"
AUTH_KEY_SECRET = "auth_key"


def _digits(number: str) -> str:
    return number.lstrip("+").strip()


class RingostatProvider(HttpProvider):
    capabilities = RINGOSTAT

    def is_signed_in(self) -> bool:
        return bool(self._secret(AUTH_KEY_SECRET))

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """``{"auth_key", "project_id", "extension"}``; only auth_key is secret. Not checked online
        (Ringostat has no read-only endpoint for it); a wrong key shows up on the first call."""
        key = credentials.get("auth_key", "").strip()
        if not key:
            raise SignInRequired("Enter your Ringostat Auth-key (project settings → Integration).",
                                 provider=self.name)
        self._store_secret(AUTH_KEY_SECRET, key)
        for field in ("project_id", "extension"):
            if credentials.get(field):
                self.settings[field] = credentials[field].strip()
        settings = {k: self.settings[k] for k in ("project_id", "extension") if self.settings.get(k)}
        return AccountInfo(provider_id="ringostat", label=f"project {settings.get('project_id', '?')}",
                           settings=settings)

    async def sign_out(self) -> None:
        self.secrets.delete_all(self.account_key)

    async def start_call(self, request: StartCall) -> CallStatus:
        key = self._secret(AUTH_KEY_SECRET)
        if not key:
            raise SignInRequired("Sign in to Ringostat first (enter your Auth-key).", provider=self.name)
        method = self.settings.get("method") or ("extended" if request.own_number else "simple")
        headers = {"Auth-key": key}
        if method == "extended":
            response = await self._extended(request, headers)
        else:
            extension = self.settings.get("extension")
            if not extension:
                raise InvalidNumberError("Ringostat needs the project's phone number (extension) in the account "
                                         "settings.", provider=self.name)
            form = {"extension": _digits(extension), "destination": _digits(request.destination)}
            response = await self._send("POST", SIMPLE_PATH, RequestKind.CALL_CREATE, data=form, headers=headers)
            self._raise_for_status(response)
        legs = {LegRole.DESTINATION: LegState.QUEUED}
        if request.own_number or method == "simple":
            legs[LegRole.SELF] = LegState.QUEUED
        return CallStatus(call_id=f"ringostat-{uuid.uuid4().hex}", legs=legs, raw_status="accepted")

    async def _extended(self, request: StartCall, headers: dict[str, str]) -> httpx.Response:
        project_id = self.settings.get("project_id")
        if not project_id:
            raise InvalidNumberError("Ringostat needs the project ID in the account settings.", provider=self.name)
        if not request.own_number:
            raise InvalidNumberError("Set your own phone number: Ringostat rings it first.", provider=self.name)
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": EXTENDED_METHOD,
            "params": {
                "callee_type": "default",
                "caller_type": "default",
                "caller": _digits(request.destination),
                "callee": _digits(request.own_number),
                "manager_dst": 1,
                "direction": "out",
                "projectId": project_id,
                "clientIp": "127.0.0.1",
            },
        }
        response = await self._send("POST", EXTENDED_PATH, RequestKind.CALL_CREATE, json=body, headers=headers)
        self._raise_for_status(response)
        if not response.content.strip():
            return response  # the success body is not documented; an empty 2xx is an acceptance
        try:
            answer = json_body(response, self.name)
        except ProviderUnavailable:
            # Ringostat answered 2xx but the body is unreadable: the call may exist.
            raise OutcomeUnknown(placed_maybe_message(self.name), provider=self.name) from None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            error = answer["error"]
            message = str(error.get("message") or "")
            raise RejectedByProvider(f"Ringostat refused the call: {message or 'no reason given'}.",
                                     code=str(error.get("code")), text=message or None, provider=self.name)
        return response

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        said = _message_of(response)
        suffix = f" (Ringostat: {said})" if said else ""
        if status < 400:
            if said and _is_error_body(response):
                raise RejectedByProvider("Ringostat refused the call." + suffix, text=said, provider=self.name)
            return
        if status in (401, 403):
            raise SignInRequired("Ringostat did not accept the Auth-key (or it has no access to this project). "
                                 "Check the Auth-key and project ID, then sign in again." + suffix,
                                 provider=self.name)
        if status == 400:
            raise InvalidNumberError("Ringostat refused the request: a parameter is missing or a number is not "
                                     "valid. Check the numbers and the project settings." + suffix,
                                     provider=self.name)
        raise RejectedByProvider(f"Ringostat refused the request (HTTP {status})." + suffix, code=str(status),
                                 text=said or None, provider=self.name)


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _message_of(response: httpx.Response) -> str:
    """The reason in an error body: ``{"message"}`` (simple method) or ``{"error": {"message"}}`` (JSON-RPC)."""
    body = _json_or_none(response)
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    message = body.get("message")
    return message if isinstance(message, str) else ""


def _is_error_body(response: httpx.Response) -> bool:
    body = _json_or_none(response)
    return isinstance(body, dict) and (body.get("status") == "error" or isinstance(body.get("error"), dict))
