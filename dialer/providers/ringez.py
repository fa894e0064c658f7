"""Ringez (ringez.md): e-mail OTP / password sign-in, bridge and direct calls, one status per call.

Written from the provider document. Points the document leaves open and how this client reads them:

* ``check-email`` answer shape is not given: accepted as a bare JSON string or an object holding
  ``new_user``/``existing_user`` under ``status``/``result``/``user_status``/``type``, or ``exists: bool``.
* Error bodies are not documented: the message is taken from ``error``/``message``/``detail``.
  Insufficient balance is HTTP 402, or any 4xx whose text mentions balance/credit/minutes.
* Bridge mode: the document's request is only ``to_number`` (+ ``idempotency_key``) and its answer's
  ``from_number`` is Ringez's own number, so the phone rung first is the one registered with the Ringez
  account. The client sends no number of the user's (it has nowhere to go).
* ``status`` is one word for the call. In direct mode it is the destination's. In bridge mode it is read as
  the FIRST leg's, the user's phone (Twilio's parent call): "in-progress" means your phone answered and
  says nothing about the destination, whose leg stays "unknown"; a bridge call is never shown answered or
  completed at the destination from this status alone.
* An ``{"alreadyInitiated": true, "callSid": ...}`` answer lacks ``call_id``. The client reads ``GET /calls``
  (first 20 rows) and takes the row whose ``twilio_call_sid``/``call_sid``/``callSid`` equals the callSid,
  or else the only row to the same destination. The Twilio callSid is never used as a Ringez call id: when
  no row matches, :class:`PlacedNotFollowed` says the call was placed but cannot be followed.
* Error bodies: a machine ``code`` (``error_code``/``type``) is read when present; only a code about the
  number (``invalid_number``...) is "cannot call this number". A 404 on hang-up is reported, not swallowed.
"""

from __future__ import annotations

import re
import secrets as pysecrets
import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import httpx

from dialer.core.calls import CallMode, LegRole, LegState
from dialer.providers._common import HttpProvider
from dialer.providers.base import (
    AccountInfo,
    Balance,
    CallStatus,
    HistoryPage,
    InsufficientFunds,
    InvalidNumberError,
    NotSupported,
    OutcomeUnknown,
    PlacedNotFollowed,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedByProvider,
    ServerCall,
    SignInRequired,
    StartCall,
)
from dialer.providers.capabilities import RINGEZ, RINGEZ_RATES_TEXT, RINGEZ_WALLET_URL
from dialer.providers.http import RequestKind, json_body, json_object, retry_after_seconds, unexpected_shape
from dialer.providers.logmask import get_logger, register_secret

log = get_logger(__name__)

API = "/api/v1"
SESSION_SECRET = "session_id"
EMAIL_SETTING = "email"

# Ringez/Twilio status words -> the state of the destination leg.
STATUS_TO_STATE: Mapping[str, LegState] = {
    "queued": LegState.QUEUED,
    "initiated": LegState.QUEUED,
    "ringing": LegState.RINGING,
    "in-progress": LegState.ANSWERED,
    "completed": LegState.COMPLETED,
    "busy": LegState.BUSY,
    "no-answer": LegState.NO_ANSWER,
    "failed": LegState.FAILED,
    "canceled": LegState.CANCELED,
}

_DTMF_RE = re.compile(r"^[0-9*#wW]+$")
_FUNDS_WORDS = ("balance", "credit", "insufficient", "minutes left", "top up", "top-up")
# Error codes about the number itself (the only 400s that mean "cannot call this number").
_NUMBER_CODES = frozenset({"invalid_number", "invalid_phone", "invalid_phone_number", "invalid_to_number",
                           "unsupported_country", "unsupported_destination"})
NO_REGISTERED_PHONE = ("Ringez has no phone registered with your account, so a bridge call has no phone to "
                       "ring first. Add your phone in your Ringez account (ringez.com), or call in direct mode.")


def _state_of(status: str) -> LegState:
    return STATUS_TO_STATE.get(status.strip().lower(), LegState.UNKNOWN)


def legs_for(status: str, mode: CallMode) -> dict[LegRole, LegState]:
    """Spread Ringez's single status over the legs of the call.

    Direct calls have only the destination leg, and the status is its own. In bridge mode the status is the
    first leg's, the user's phone (like Twilio's parent call): before it answers the destination is still
    waiting; once it answers ("in-progress") and after it ends, the destination's state is not reported
    ("unknown"), never inferred.
    """
    state = _state_of(status)
    if mode is CallMode.DIRECT:
        return {LegRole.DESTINATION: state}
    if state in (LegState.QUEUED, LegState.RINGING):
        return {LegRole.SELF: state, LegRole.DESTINATION: LegState.QUEUED}
    return {LegRole.SELF: state, LegRole.DESTINATION: LegState.UNKNOWN}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str:
    """The machine-readable error code of an error body (``code``/``error_code``/``type``), lower case."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict):
        for key in ("code", "error_code", "type"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return str(error["code"]).strip().lower()
    return ""


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict):
        for key in ("error", "message", "detail", "msg"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
    if isinstance(body, str):
        return body
    return ""


def insufficient_funds_error() -> InsufficientFunds:
    return InsufficientFunds(
        f"Your Ringez balance is too low for this call. Add credits at {RINGEZ_WALLET_URL} "
        f"(PayPal or UPI), then try again. Rates: {RINGEZ_RATES_TEXT}.",
        wallet_url=RINGEZ_WALLET_URL, provider="Ringez")


class RingezProvider(HttpProvider):
    capabilities = RINGEZ

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._modes: dict[str, CallMode] = {}

    # ------------------------------------------------------------------------------------- sign-in

    def is_signed_in(self) -> bool:
        return bool(self._secret(SESSION_SECRET))

    async def check_email(self, email: str) -> Literal["new_user", "existing_user"]:
        """Whether ``email`` has an account: new users continue with an OTP, existing with a password."""
        response = await self._send("POST", f"{API}/auth/check-email", RequestKind.SAFE, json={"email": email})
        self._raise_for_error(response)
        body = json_body(response, self.name)
        candidates: list[Any] = [body]
        if isinstance(body, dict):
            candidates += [body.get(k) for k in ("status", "result", "user_status", "type", "state")]
            if isinstance(body.get("exists"), bool):
                candidates.append("existing_user" if body["exists"] else "new_user")
        for value in candidates:
            if value == "new_user":
                return "new_user"
            if value == "existing_user":
                return "existing_user"
        raise unexpected_shape(self.name, "new_user or existing_user", response)

    async def send_otp(self, email: str) -> None:
        """Ask Ringez to e-mail a one-time code (not retried once sent: a second mail may void the first)."""
        response = await self._send("POST", f"{API}/auth/send-otp", RequestKind.UNSAFE, json={"email": email})
        self._raise_for_error(response)

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """``{"email", "otp"}`` (new users, after :meth:`send_otp`) or ``{"email", "password"}``."""
        email = credentials.get("email", "").strip()
        register_secret(credentials.get("password"))  # never in a log line, not even a DEBUG one
        register_secret(credentials.get("otp"))
        if not email:
            raise SignInRequired("Enter the e-mail address of your Ringez account.", provider=self.name)
        if credentials.get("otp"):
            path, body = "verify-otp", {"email": email, "otp": credentials["otp"].strip()}
            kind = RequestKind.UNSAFE  # a code is single-use: a blind re-send would fail anyway
            wrong = "The code is wrong or has expired. Request a new code and enter it within a few minutes."
        elif credentials.get("password"):
            path, body = "login", {"email": email, "password": credentials["password"]}
            kind = RequestKind.SAFE
            wrong = "The e-mail or password is wrong. Check both and try again."
        else:
            raise SignInRequired("Enter the code Ringez e-mailed you, or your password.", provider=self.name)
        response = await self._send("POST", f"{API}/auth/{path}", kind, json=body)
        if response.status_code in (400, 401, 403, 404, 422):
            detail = _error_text(response)
            raise SignInRequired(wrong + (f" (Ringez: {detail})" if detail else ""), provider=self.name)
        self._raise_for_error(response)
        data = json_object(response, self.name)
        session = data.get("session_id")
        if not isinstance(session, str) or not session:
            raise unexpected_shape(self.name, "a session_id", response)
        self._store_secret(SESSION_SECRET, session)
        return AccountInfo(provider_id="ringez", label=email, settings={EMAIL_SETTING: email})

    async def sign_out(self) -> None:
        """Ringez documents no logout endpoint: forget the session locally."""
        self.secrets.delete_all(self.account_key)

    def _headers(self) -> dict[str, str]:
        session = self._secret(SESSION_SECRET)
        if not session:
            raise SignInRequired("Sign in to Ringez first.", provider=self.name)
        return {"X-Session-ID": session}

    # ---------------------------------------------------------------------------------------- errors

    def _raise_for_error(self, response: httpx.Response, *, creating: bool = False) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _error_text(response)
        suffix = f" (Ringez: {detail})" if detail else ""
        if status == 401:
            self.secrets.delete(self.account_key, SESSION_SECRET)
            raise SignInRequired("Your Ringez session has ended. Sign in again." + suffix, provider=self.name)
        if status == 402 or (400 <= status < 500 and any(w in detail.lower() for w in _FUNDS_WORDS)):
            raise insufficient_funds_error()
        if status == 429:
            raise RateLimited("Ringez is limiting requests. Wait a minute and try again." + suffix,
                              retry_after=retry_after_seconds(response), provider=self.name)
        code = _error_code(response)
        if creating and status in (400, 422):
            if code == "phone_not_registered":
                raise RejectedByProvider(NO_REGISTERED_PHONE + suffix, code=code, text=detail or None,
                                         provider=self.name)
            about_number = code in _NUMBER_CODES if code else "to_number" in detail.lower()
            if about_number:
                raise InvalidNumberError("Ringez cannot call this number. Check it and try again." + suffix,
                                         provider=self.name)
        if status >= 500:
            raise ProviderUnavailable(f"Ringez is having trouble (HTTP {status}). Try again later." + suffix,
                                      provider=self.name)
        raise RejectedByProvider(f"Ringez refused the request (HTTP {status})." + suffix,
                                 code=code or str(status), text=detail or None, provider=self.name)

    # --------------------------------------------------------------------------------------- account

    async def balance(self) -> Balance:
        response = await self._send("GET", f"{API}/auth/me", RequestKind.SAFE, headers=self._headers())
        self._raise_for_error(response)
        data = json_object(response, self.name)
        minutes = data.get("balance_minutes")
        usd = _decimal(data.get("balance_usd"))
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int | float)):
            raise unexpected_shape(self.name, "balance_minutes as a number", response)
        return Balance(minutes=float(minutes) if minutes is not None else None, amount=usd,
                       currency="USD" if usd is not None else None)

    # ----------------------------------------------------------------------------------------- calls

    def new_idempotency_key(self) -> str:
        """``<session>_<ms>_<random>`` as ringez.md suggests; one per user action."""
        session = self._secret(SESSION_SECRET) or "anon"
        return f"{session}_{int(time.time() * 1000)}_{pysecrets.token_hex(5)}"

    async def start_call(self, request: StartCall) -> CallStatus:
        """Place a call; lost answers, timeouts and 5xx are retried with the SAME idempotency key, so
        Ringez returns the original call instead of placing a second one (5-minute window)."""
        headers = self._headers()
        key = request.idempotency_key or self.new_idempotency_key()
        body: dict[str, Any] = {"to_number": request.destination, "idempotency_key": key}
        if request.mode is CallMode.DIRECT:
            body["mode"] = "direct"
        response = await self._send("POST", f"{API}/calls/initiate", RequestKind.IDEMPOTENT_CREATE,
                                    headers=headers, json=body)
        self._raise_for_error(response, creating=True)
        try:
            data = json_object(response, self.name)
        except ProviderUnavailable:
            # Ringez answered success but we cannot read the answer: the call probably exists.
            raise OutcomeUnknown(
                "The call may have been placed: Ringez's answer could not be read. Check your phone and the "
                "Ringez call history before trying again.", provider=self.name) from None
        if data.get("alreadyInitiated") is True:
            call_sid = data.get("callSid")
            found_id = await self._find_call_id(call_sid if isinstance(call_sid, str) else None,
                                                request.destination)
            log.info("Ringez returned the original call %s for a repeated request", found_id)
            self._modes[found_id] = request.mode
            return CallStatus(call_id=found_id, legs=legs_for("initiated", request.mode),
                              raw_status="alreadyInitiated", already_initiated=True)
        call_id = data.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            raise OutcomeUnknown(
                "The call may have been placed, but Ringez did not say which call it is. Check your phone "
                "and the Ringez call history before trying again.", provider=self.name)
        mode = CallMode.DIRECT if data.get("mode") == "direct" else request.mode
        self._modes[call_id] = mode
        status = data.get("status") if isinstance(data.get("status"), str) else "initiated"
        return CallStatus(call_id=call_id, legs=legs_for(str(status), mode), raw_status=str(status))

    async def _find_call_id(self, call_sid: str | None, destination: str) -> str:
        """The Ringez call id of the original call behind an ``alreadyInitiated`` answer.

        Matched by the callSid when the history rows carry one, else the only row to the same destination.
        Never the callSid itself (a Twilio id, not a Ringez call id): with no match, PlacedNotFollowed.
        """
        try:
            response = await self._send("GET", f"{API}/calls", RequestKind.SAFE, headers=self._headers(),
                                        params={"limit": 20, "offset": 0})
            self._raise_for_error(response)
            rows = json_object(response, self.name).get("calls")
        except ProviderError as exc:
            log.info("could not read Ringez history to match a duplicate call: %s", exc)
            rows = None
        if isinstance(rows, list):
            dicts = [r for r in rows if isinstance(r, dict) and isinstance(r.get("call_id"), str)]
            if call_sid:
                for row in dicts:
                    if call_sid in (row.get("twilio_call_sid"), row.get("call_sid"), row.get("callSid")):
                        return str(row["call_id"])
            same_number = [r for r in dicts if r.get("to_number") == destination]
            if len(same_number) == 1:
                return str(same_number[0]["call_id"])
        raise PlacedNotFollowed(
            "The call was placed, but cannot be followed: Ringez says this request was already placed "
            "(the same request within 5 minutes) without saying which of its calls it is. Check your phone "
            "and the Ringez call history.", provider=self.name)

    def note_call(self, call_id: str, mode: CallMode) -> None:
        """The status answer carries no mode, and reading it depends on the mode: remember it."""
        self._modes[call_id] = mode

    async def call_status(self, call_id: str) -> CallStatus:
        response = await self._send("GET", f"{API}/calls/{call_id}", RequestKind.SAFE, headers=self._headers())
        if response.status_code == 404:
            raise RejectedByProvider("Ringez no longer knows this call.", code="404", provider=self.name)
        self._raise_for_error(response)
        data = json_object(response, self.name)
        status = data.get("status")
        if not isinstance(status, str):
            raise unexpected_shape(self.name, "a call status", response)
        mode_word = data.get("mode")
        if mode_word in ("direct", "bridge"):
            mode = CallMode(mode_word)
        else:
            mode = self._modes.get(call_id, CallMode.BRIDGE)
        cost = data.get("estimated_cost")
        amount = _decimal(cost.get("amount")) if isinstance(cost, dict) else None
        currency = cost.get("currency") if isinstance(cost, dict) else None
        return CallStatus(call_id=call_id, legs=legs_for(status, mode), duration_s=_int(data.get("duration")),
                          cost=amount, currency=currency if isinstance(currency, str) else None,
                          raw_status=status)

    async def hang_up(self, call_id: str) -> None:
        response = await self._send("DELETE", f"{API}/calls/{call_id}", RequestKind.SAFE,
                                    headers=self._headers())
        if response.status_code == 404:
            detail = _error_text(response)
            raise RejectedByProvider(
                "Ringez does not know this call (HTTP 404), so it could not be ended from the app. If your "
                "phone is still ringing or connected, hang up on the phone."
                + (f" (Ringez: {detail})" if detail else ""), code="404", text=detail or None,
                provider=self.name)
        self._raise_for_error(response)

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        if not _DTMF_RE.match(digits):
            raise NotSupported("Key presses may only contain 0-9, *, # and w (a short pause).",
                               provider=self.name)
        body = {"action": "dtmf", "parameters": {"digits": digits}}
        response = await self._send("POST", f"{API}/calls/{call_id}/actions", RequestKind.UNSAFE,
                                    headers=self._headers(), json=body)
        self._raise_for_error(response)

    async def server_history(self, limit: int = 50, offset: int = 0) -> HistoryPage:
        response = await self._send("GET", f"{API}/calls", RequestKind.SAFE, headers=self._headers(),
                                    params={"limit": limit, "offset": offset})
        self._raise_for_error(response)
        data = json_object(response, self.name)
        rows = data.get("calls")
        if not isinstance(rows, list):
            raise unexpected_shape(self.name, "a list of calls", response)
        calls = []
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("call_id"), str):
                raise unexpected_shape(self.name, "calls with a call_id", response)
            calls.append(ServerCall(
                call_id=row["call_id"], destination=str(row.get("to_number") or ""),
                state=_state_of(str(row.get("status") or "")), duration_s=_int(row.get("duration")),
                cost=_decimal(row.get("cost")), started_at=_datetime(row.get("started_at"))))
        page = data.get("pagination")
        total = _int(page.get("total")) if isinstance(page, dict) else None
        has_more = bool(page.get("has_more")) if isinstance(page, dict) else False
        return HistoryPage(calls=calls, total=total, has_more=has_more)
