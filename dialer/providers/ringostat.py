"""Ringostat callback API (ringostat.txt): connect two numbers; nothing is reported afterwards.

Two documented methods; which one an account uses is the user's choice at sign-in, saved in the account's
settings as ``method`` (never switched by an own number set for other providers):

* ``simple``: ``POST /callback/outward_call`` form ``extension=<project number>&destination=<number>``,
  header ``Auth-key``. The extension is a phone number of the project, connected to it as "incoming"
  (Virtual PBX -> Connect phone numbers), not a SIP login: Ringostat calls from it (it rings wherever the
  project forwards that number), then the destination. The user's own number is not sent.
* ``extended``: ``POST /a/v2`` JSON-RPC 2.0 ``Api\\V2\\Callback.external`` with the project ID: ``callee``
  = the user's own phone ("the employee"), ``caller`` = the destination ("the customer"), ``manager_dst:
  1`` so the user's phone rings first, ``direction: "out"``, both types ``default`` (phone numbers).

An account saved before the choice existed uses ``simple`` when it has an extension, else ``extended``.
Numbers are sent as digits without ``+`` (the documents' examples). 400 -> the number/parameters,
401/403 -> the Auth-key. A call create is never re-sent once it reached the server.
"""

from __future__ import annotations

import re
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
SIMPLE, EXTENDED = "simple", "extended"
METHODS = (SIMPLE, EXTENDED)
METHOD_WORDS = {
    SIMPLE: "simple method: Ringostat calls from the project's phone number (the extension), then the number you dial",
    EXTENDED: "extended method: Ringostat rings your own phone first, then the number you dial",
}
EXTENSION_HELP = ("the extension is a phone number of your project, connected to it as \"incoming\" "
                  "(Virtual PBX → Connect phone numbers), e.g. 380441112233; not a SIP login")
_PHONE_DIGITS = re.compile(r"^\d{7,15}$")


def _digits(number: str) -> str:
    return number.lstrip("+").strip()


def method_of(settings: Mapping[str, str]) -> str:
    """The account's saved method; an account saved before the choice: simple if it has an extension."""
    saved = settings.get("method", "")
    if saved in METHODS:
        return saved
    return SIMPLE if settings.get("extension") else EXTENDED


def check_extension(extension: str) -> str:
    """The project number as digits, or SignInRequired explaining what the extension is."""
    digits = re.sub(r"[\s()\-.]", "", extension).lstrip("+")
    if not _PHONE_DIGITS.match(digits):
        raise SignInRequired(f"{extension!r} is not a phone number: {EXTENSION_HELP}.", provider="Ringostat")
    return digits


class RingostatProvider(HttpProvider):
    capabilities = RINGOSTAT

    def is_signed_in(self) -> bool:
        return bool(self._secret(AUTH_KEY_SECRET))

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """``{"auth_key", "method", "project_id", "extension"}``; only auth_key is secret. ``method`` is
        ``simple`` (needs the extension) or ``extended`` (needs the project ID); without one, simple when an
        extension is given. Not checked online (Ringostat has no read-only endpoint for it); a wrong key
        shows up on the first call."""
        key = credentials.get("auth_key", "").strip()
        if not key:
            raise SignInRequired("Enter your Ringostat Auth-key (project settings → Integration).",
                                 provider=self.name)
        given = {f: credentials.get(f, "").strip() for f in ("method", "project_id", "extension")}
        method = given["method"] or (SIMPLE if given["extension"] else "")
        if method not in METHODS:
            raise SignInRequired("Choose how Ringostat connects your calls: the simple method (with the "
                                 "project's phone number as extension) or the extended method (with the "
                                 "project ID).", provider=self.name)
        if given["extension"]:
            given["extension"] = check_extension(given["extension"])
        if method == SIMPLE and not given["extension"]:
            raise SignInRequired(f"The simple method needs the extension: {EXTENSION_HELP}.", provider=self.name)
        if method == EXTENDED and not given["project_id"]:
            raise SignInRequired("The extended method needs your Ringostat project ID.", provider=self.name)
        self._store_secret(AUTH_KEY_SECRET, key)
        self.settings.update({f: v for f, v in given.items() if v}, method=method)
        settings = {k: self.settings[k] for k in ("method", "project_id", "extension") if self.settings.get(k)}
        label = (f"project {given['project_id']}" if given["project_id"]
                 else f"extension {given['extension']}")
        return AccountInfo(provider_id="ringostat", label=label, settings=settings)

    def describe_account(self) -> str:
        method = method_of(self.settings)
        detail = METHOD_WORDS[method]
        if method == SIMPLE and self.settings.get("extension"):
            detail += f" (extension {self.settings['extension']})"
        return detail

    def rings_first(self) -> str | None:
        if method_of(self.settings) != SIMPLE:
            return None
        extension = self.settings.get("extension") or "?"
        return (f"Ringostat calls from your project's number {extension} first (it rings wherever the project "
                "forwards it); answer there")

    def check_call(self, request: StartCall) -> None:
        if method_of(self.settings) == SIMPLE:
            if not self.settings.get("extension"):
                raise InvalidNumberError(f"Ringostat's simple method needs the extension: {EXTENSION_HELP}. "
                                         "Sign in to Ringostat again with it.", provider=self.name)
            return
        if not self.settings.get("project_id"):
            raise InvalidNumberError("Ringostat's extended method needs the project ID: sign in to Ringostat "
                                     "again with it.", provider=self.name)
        if not request.own_number:
            raise InvalidNumberError("Ringostat's extended method rings your own phone first: set your phone "
                                     "number in Settings (or pass --from NUMBER).", provider=self.name)

    async def sign_out(self) -> None:
        self.secrets.delete_all(self.account_key)

    async def start_call(self, request: StartCall) -> CallStatus:
        key = self._secret(AUTH_KEY_SECRET)
        if not key:
            raise SignInRequired("Sign in to Ringostat first (enter your Auth-key).", provider=self.name)
        self.check_call(request)
        headers = {"Auth-key": key}
        if method_of(self.settings) == EXTENDED:
            response = await self._extended(request, headers)
        else:  # the own number, if any, is not sent: the project's number is called first
            form = {"extension": _digits(self.settings["extension"]), "destination": _digits(request.destination)}
            response = await self._send("POST", SIMPLE_PATH, RequestKind.CALL_CREATE, data=form, headers=headers)
            self._raise_for_status(response)
        legs = {LegRole.SELF: LegState.QUEUED, LegRole.DESTINATION: LegState.QUEUED}
        return CallStatus(call_id=f"ringostat-{uuid.uuid4().hex}", legs=legs, raw_status="accepted")

    async def _extended(self, request: StartCall, headers: dict[str, str]) -> httpx.Response:
        project_id = self.settings["project_id"]
        assert request.own_number is not None  # check_call
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
