"""Called.in click-to-call (calledin.txt): ``GET /api/clicktocall/`` answered by a bare number 0-10.

The request that places the call is a GET, so it is sent as RequestKind.CALL_CREATE: never re-sent once
it reached the server. Called.in reports nothing while the call runs; only the final callback (when a
``callback_url`` is configured in the account settings) tells how it ended. :func:`parse_callback`
checks that callback's ``secret`` (a random value per call, at most 30 characters, compared in constant
time) so another page cannot forge a result.

A non-numeric answer is ProviderUnavailable when its HTTP status is an error, but OutcomeUnknown when
it is a 2xx (the request was accepted by the server and may have placed the call).

Numbers are sent as the documented country code + national number (split from E.164 with phonenumbers).
The api_key travels in the query string, as documented; it is registered for log masking and our logs
never include query strings.
"""

from __future__ import annotations

import hmac
import secrets as pysecrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from dialer.core.calls import LegRole, LegState
from dialer.core.numbers import format_international
from dialer.providers._common import HttpProvider
from dialer.providers.base import (
    AccountInfo,
    CallerIdChoices,
    CallStatus,
    InsufficientFunds,
    InvalidNumberError,
    OutcomeUnknown,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedByProvider,
    SignInRequired,
    StartCall,
)
from dialer.providers.capabilities import CALLEDIN
from dialer.providers.http import RequestKind, placed_maybe_message

CLICK_TO_CALL_PATH = "/api/clicktocall/"
API_KEY_SECRET = "api_key"
SECRET_MAX_LEN = 30
CALLER_ID_DIGITS = 10
CALLER_ID_NOTE = "Called.in shows this number to the person you call; without one they see your own number."

# Callback ``reason`` codes for an unanswered call.
REASON_STATES: Mapping[str, LegState] = {
    "0": LegState.FAILED,  # failed (not busy or congested)
    "1": LegState.REJECTED,  # hung up
    "3": LegState.NO_ANSWER,  # ring timeout
    "5": LegState.BUSY,
    "8": LegState.FAILED,  # congestion
}


class CallbackRejected(ProviderError):
    """A callback whose secret does not match the call: ignored (possibly forged)."""


@dataclass(frozen=True)
class CallbackResult:
    answered: bool
    minutes: int
    reason: LegState  # COMPLETED when answered, else the mapped reason
    caller_number: str | None = None
    callee_number: str | None = None

    @property
    def legs(self) -> dict[LegRole, LegState]:
        if self.answered:
            return {LegRole.SELF: LegState.COMPLETED, LegRole.DESTINATION: LegState.COMPLETED}
        # Which leg failed is not reported; the final state is given to both so the call finishes.
        return {LegRole.SELF: self.reason, LegRole.DESTINATION: self.reason}


def parse_callback(query: Mapping[str, str], expected_secret: str) -> CallbackResult:
    """Read Called.in's final callback; raises :class:`CallbackRejected` unless the secret matches."""
    given = query.get("secret", "")
    if not expected_secret or not hmac.compare_digest(given.encode(), expected_secret.encode()):
        raise CallbackRejected("Ignored a Called.in call result that did not carry this call's secret.",
                               provider="Called.in")
    answered = query.get("answered", "").strip() == "1"
    try:
        minutes = max(0, int(query.get("minutes", "0").strip() or "0"))
    except ValueError:
        minutes = 0
    reason = LegState.COMPLETED if answered else REASON_STATES.get(query.get("reason", "").strip(),
                                                                    LegState.FAILED)
    return CallbackResult(answered=answered, minutes=minutes, reason=reason,
                          caller_number=query.get("caller_phone_number") or None,
                          callee_number=query.get("callee_phone_number") or None)


def split_e164(number: str, which: str) -> tuple[str, str]:
    """(country code, national number) of an E.164 number, or InvalidNumberError naming ``which``."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise InvalidNumberError(f"The {which} {number!r} is not a full international number "
                                 "(+ and country code).", provider="Called.in") from None
    return str(parsed.country_code), phonenumbers.national_significant_number(parsed)


NATIONAL_DIGITS = 10  # caller_/callee_phone_number: "10-digit phone number ... no spaces or dashes"


def national_number(number: str, which: str) -> tuple[str, str]:
    """(country code, 10-digit national number) of ``number``, or InvalidNumberError saying why not."""
    country, national = split_e164(number, which)
    if len(national) != NATIONAL_DIGITS or not national.isdigit():
        shown = format_international(number)
        raise InvalidNumberError(
            f"Called.in cannot call {shown} ({which}): it takes only numbers with exactly {NATIONAL_DIGITS} "
            f"digits after the country code (like 5552104427), and this one has {len(national)} "
            f"({national} after +{country}). Use another provider for this number.", provider="Called.in")
    return country, national


class CalledInProvider(HttpProvider):
    capabilities = CALLEDIN

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._call_secrets: dict[str, str] = {}

    def is_signed_in(self) -> bool:
        return bool(self._secret(API_KEY_SECRET))

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """Store the api_key. Called.in has no endpoint to check a key without placing a call: a wrong
        key shows up as "invalid api_key" on the first call."""
        key = credentials.get("api_key", "").strip()
        if not key:
            raise SignInRequired("Enter your Called.in api_key.", provider=self.name)
        self._store_secret(API_KEY_SECRET, key)
        return AccountInfo(provider_id="calledin", label=f"api key …{key[-4:]}")

    async def sign_out(self) -> None:
        self.secrets.delete_all(self.account_key)

    def expected_secret(self, call_id: str) -> str | None:
        """The callback secret of a call placed by this client (for :func:`parse_callback`)."""
        return self._call_secrets.get(call_id)

    def check_call(self, request: StartCall) -> None:
        """Both numbers must have 10 national digits (calledin.txt), checked before anything is sent."""
        self._numbers(request)

    def _numbers(self, request: StartCall) -> tuple[tuple[str, str], tuple[str, str]]:
        if not request.own_number:
            raise InvalidNumberError("Called.in rings your own phone first: set your phone number.",
                                     provider=self.name)
        return (national_number(request.own_number, "your phone number"),
                national_number(request.destination, "the number to call"))

    async def start_call(self, request: StartCall) -> CallStatus:
        key = self._secret(API_KEY_SECRET)
        if not key:
            raise SignInRequired("Sign in to Called.in first (enter your api_key).", provider=self.name)
        (caller_cc, caller_nat), (callee_cc, callee_nat) = self._numbers(request)
        params: dict[str, str] = {
            "api_key": key,
            "caller_phone_number": caller_nat,
            "caller_country_code": caller_cc,
            "callee_phone_number": callee_nat,
            "callee_country_code": callee_cc,
        }
        if request.max_minutes:
            params["max_duration"] = str(request.max_minutes)
        if request.caller_id:
            self.check_caller_id(request.caller_id, request.own_number)
            params["caller_id"] = split_e164(request.caller_id, "caller ID")[1]
        call_id = f"calledin-{uuid.uuid4().hex}"
        callback_url = self.settings.get("callback_url")
        secret = pysecrets.token_hex(SECRET_MAX_LEN // 2)
        if callback_url:
            params["callback_url"] = callback_url
            params["secret"] = secret
        response = await self._send("GET", CLICK_TO_CALL_PATH, RequestKind.CALL_CREATE, params=params)
        if response.status_code >= 500:
            raise ProviderUnavailable(f"Called.in is having trouble (HTTP {response.status_code}). "
                                      "Try again later.", provider=self.name)
        text = response.text.strip()
        if not text.isdigit():
            if response.is_success:
                # A 2xx Called.in could not explain: it may well have accepted (and placed) the call.
                raise OutcomeUnknown(placed_maybe_message(self.name), provider=self.name)
            raise ProviderUnavailable(
                f"Called.in sent an answer the app could not read (HTTP {response.status_code}). "
                "Try again later.", provider=self.name)
        self._raise_for_code(int(text), request)
        if callback_url:
            self._call_secrets[call_id] = secret
        return CallStatus(call_id=call_id, legs={LegRole.SELF: LegState.QUEUED,
                                                 LegRole.DESTINATION: LegState.QUEUED}, raw_status="0")

    # ---------------------------------------------------------------------------------- caller ID
    # calledin.txt: "caller_id: you can specify the caller id to appear. The default caller id is the
    # caller_phone_number (ex: 5552223333)". It travels without a country code, so the app accepts only a
    # number of the same country as the user's phone (caller_country_code), with 10 digits like the example.

    async def caller_ids(self) -> CallerIdChoices:
        return CallerIdChoices(free_entry=True, note=CALLER_ID_NOTE)

    def check_caller_id(self, caller_id: str, own_number: str | None) -> None:
        cc, national = split_e164(caller_id, "caller ID")
        own_cc = split_e164(own_number, "your phone number")[0] if own_number else None
        if own_cc is not None and cc != own_cc:
            raise InvalidNumberError(
                f"Called.in sends the caller ID without a country code, so it must be a number of your own "
                f"phone's country (+{own_cc}); {caller_id} is in +{cc}. Choose a +{own_cc} number or leave "
                "the caller ID empty.", provider=self.name)
        if len(national) != CALLER_ID_DIGITS:
            raise InvalidNumberError(
                f"Called.in takes a 10-digit caller ID (like 5552223333 after the country code); {caller_id} "
                f"has {len(national)} digits. Choose another number or leave the caller ID empty.",
                provider=self.name)

    def _raise_for_code(self, code: int, request: StartCall) -> None:
        name = self.name
        if code == 0:
            return
        if code == 1:
            raise SignInRequired("Called.in did not accept the api_key. Check it and sign in again.", provider=name)
        if code == 5:
            raise SignInRequired("Your Called.in api_key is disabled. Contact Called.in or use another key.",
                                 provider=name)
        if code == 2:
            raise InsufficientFunds("Your Called.in account has no call credits. Buy credits, then try again.",
                                    provider=name)
        if code == 3:
            raise InvalidNumberError(f"{request.destination} is on the Do-Not-Call list; Called.in will not call it.",
                                     provider=name)
        if code == 4:
            raise RejectedByProvider("Called.in says the request was badly formed. Check both numbers and the "
                                     "settings.", code="4", text="badly formed request", provider=name)
        if code == 6:
            raise RateLimited("Called.in flood protection: wait one minute before calling this number again.",
                              retry_after=60.0, provider=name)
        not_supported = {
            7: f"Called.in does not support the area code of your phone number {request.own_number}.",
            8: f"Called.in does not support the country of your phone number {request.own_number}.",
            9: f"Called.in does not support the area code of {request.destination}.",
            10: f"Called.in does not support the country of {request.destination}.",
        }
        if code in not_supported:
            raise InvalidNumberError(not_supported[code], provider=name)
        raise RejectedByProvider(f"Called.in answered with the unknown code {code}.", code=str(code),
                                 provider=name)
