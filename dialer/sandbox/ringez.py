"""Ringez emulator under /api/v1 (see README.md for the choices where ringez.md is silent).

Errors are ``{"error": "<what went wrong and how to fix it>", "code": "<snake_case>"}``.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dialer.core.calls import LegState

from .common import BadBody, is_e164, json_object
from .state import SandboxState, iso
from .telephony import SimCall

DEMO_EMAIL = "demo@ringez.test"
DEMO_PASSWORD = "ringez-demo-password"
DEMO_BALANCE_MINUTES = 60
DEMO_PHONE = "+12025550123"  # the phone registered with the demo account: bridge calls ring it first
FREE_MINUTES = 5
IDEMPOTENCY_WINDOW_S = 5 * 60
OTP_TTL_S = 10 * 60
RINGEZ_CALLER_ID = "+17623713590"  # Ringez's own number, answered as from_number (ringez.md)
RATES_BY_COUNTRY_CODE = {"1": 0.05, "91": 0.08, "44": 0.06}
DEFAULT_RATE = 0.10
DTMF_DIGITS = re.compile(r"^[0-9*#w]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Twilio-like status words for the Ringez `status` field, read from the call's FIRST leg (in bridge mode
# the user's phone, like Twilio's parent call; in direct mode the destination).
_STATUS = {
    LegState.QUEUED: "queued",
    LegState.RINGING: "ringing",
    LegState.ANSWERED: "in-progress",
    LegState.COMPLETED: "completed",
    LegState.BUSY: "busy",
    LegState.NO_ANSWER: "no-answer",
    LegState.REJECTED: "busy",  # Twilio reports a declined call as busy
    LegState.FAILED: "failed",
    LegState.CANCELED: "canceled",
    LegState.UNKNOWN: "queued",
}


def rate_for(number: str) -> float:
    digits = number.lstrip("+")
    for cc in sorted(RATES_BY_COUNTRY_CODE, key=len, reverse=True):
        if digits.startswith(cc):
            return RATES_BY_COUNTRY_CODE[cc]
    return DEFAULT_RATE


@dataclass
class RingezUser:
    email: str
    password: str | None
    balance_minutes: int
    balance_usd: float = 0.0
    phone: str | None = None  # the phone registered with the account (rung first in bridge mode)
    call_ids: list[str] = field(default_factory=list)
    idempotency: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # key -> (call, sid, at)


class RingezState:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        self.reset()

    def reset(self) -> None:
        self.users: dict[str, RingezUser] = {
            DEMO_EMAIL: RingezUser(DEMO_EMAIL, DEMO_PASSWORD, DEMO_BALANCE_MINUTES, 3.0, DEMO_PHONE)}
        self.sessions: dict[str, str] = {}
        self.otps: dict[str, tuple[str, float]] = {}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status)


def routes(sandbox: SandboxState) -> tuple[list[Route], RingezState]:
    st = RingezState(sandbox)
    clock = sandbox.clock

    async def body_or_error(request: Request) -> dict[str, Any] | Response:
        try:
            return await json_object(request)
        except BadBody as exc:
            return _error(400, "invalid_json", f"The request body could not be read ({exc}). Send JSON.")

    def email_of(data: dict[str, Any]) -> str | None:
        email = data.get("email")
        if isinstance(email, str) and EMAIL.match(email.strip()):
            return email.strip().lower()
        return None

    def user_of(request: Request) -> RingezUser | None:
        sid = request.headers.get("x-session-id", "")
        email = st.sessions.get(sid)
        return st.users.get(email) if email else None

    def unauthorized() -> JSONResponse:
        return _error(401, "unauthorized", "Missing or unknown session. Log in again (X-Session-ID header).")

    def signed_in(user: RingezUser) -> JSONResponse:
        """The answer to a successful login or OTP check: a new session for `user`."""
        sid = "sess_" + secrets.token_hex(12)
        st.sessions[sid] = user.email
        return JSONResponse({"session_id": sid,
                             "user": {"email": user.email, "balance_minutes": user.balance_minutes}})

    async def email_or_error(request: Request) -> str | Response:
        """The request's e-mail address (check-email, send-otp), or the 400 answer saying what is wrong."""
        data = await body_or_error(request)
        if isinstance(data, Response):
            return data
        email = email_of(data)
        if email is None:
            return _error(400, "invalid_email", "That is not an email address. Check the spelling.")
        return email

    async def check_email(request: Request) -> Response:
        email = await email_or_error(request)
        if isinstance(email, Response):
            return email
        return JSONResponse({"status": "existing_user" if email in st.users else "new_user", "email": email})

    async def send_otp(request: Request) -> Response:
        email = await email_or_error(request)
        if isinstance(email, Response):
            return email
        code = f"{secrets.randbelow(10**6):06d}"
        st.otps[email] = (code, clock.now() + OTP_TTL_S)
        sandbox.send_otp(email, code)
        return JSONResponse({"success": True, "message": f"A 6-digit code was sent to {email}."})

    async def verify_otp(request: Request) -> Response:
        data = await body_or_error(request)
        if isinstance(data, Response):
            return data
        email = email_of(data)
        otp = str(data.get("otp", "")).strip()
        if email is None or not otp:
            return _error(400, "invalid_request", "Send both 'email' and the 6-digit 'otp'.")
        sent = st.otps.get(email)
        if sent is None or sent[0] != otp:
            return _error(400, "invalid_otp", "That code is not right. Check the email or ask for a new code.")
        if clock.now() > sent[1]:
            del st.otps[email]
            return _error(400, "otp_expired", "That code has expired. Ask for a new code.")
        del st.otps[email]
        user = st.users.get(email)
        if user is None:
            user = st.users[email] = RingezUser(email, None, FREE_MINUTES)
        return signed_in(user)

    async def login(request: Request) -> Response:
        data = await body_or_error(request)
        if isinstance(data, Response):
            return data
        email = email_of(data)
        user = st.users.get(email or "")
        password = data.get("password")
        if user is None or user.password is None or password != user.password:
            return _error(401, "invalid_credentials", "Wrong email or password. Check them, or sign in "
                          "with an emailed code instead.")
        return signed_in(user)

    async def me(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return unauthorized()
        return JSONResponse({"balance_minutes": user.balance_minutes, "balance_usd": user.balance_usd,
                             "email": user.email})

    def bill(user: RingezUser) -> Any:
        def on_end(call: SimCall) -> None:
            minutes = math.ceil(call.talk_seconds(clock.sim_now()) / 60)
            call.data["billed_minutes"] = minutes
            user.balance_minutes = max(0, user.balance_minutes - minutes)
        return on_end

    async def initiate(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return unauthorized()
        data = await body_or_error(request)
        if isinstance(data, Response):
            return data
        to_number = data.get("to_number")
        if not is_e164(to_number):
            return _error(400, "invalid_number", "The number to call must be in international format, "
                          "e.g. +919876543210.")
        mode = data.get("mode", "bridge")
        if mode not in ("bridge", "direct"):
            return _error(400, "invalid_mode", "mode must be 'bridge' (default) or 'direct'.")
        if mode == "bridge" and user.phone is None:
            return _error(400, "phone_not_registered", "Bridge mode rings the phone registered with your "
                          "account first, and this account has none. Add your phone at ringez.com, or use "
                          "mode 'direct'.")
        key = data.get("idempotency_key")
        if key is not None and not isinstance(key, str):
            return _error(400, "invalid_request", "idempotency_key must be a string.")
        now = clock.now()
        if key:
            seen = user.idempotency.get(key)
            if seen is not None and now - seen[2] < IDEMPOTENCY_WINDOW_S:
                return JSONResponse({"alreadyInitiated": True, "callSid": seen[1]})
        if user.balance_minutes < 1:
            return _error(402, "insufficient_balance", "You have 0 minutes left. Add credits at "
                          "https://ringez.com/wallet, then try again.")
        assert isinstance(to_number, str)
        call_id = "call_" + secrets.token_hex(8)
        sid = "CA" + secrets.token_hex(16)
        first = user.phone if mode == "bridge" and user.phone is not None else RINGEZ_CALLER_ID
        sandbox.telephony.place(
            call_id=call_id, provider="ringez", mode=mode, from_number=first, to_number=to_number,
            max_duration_s=user.balance_minutes * 60.0,
            data={"sid": sid, "rate": rate_for(to_number), "user": user.email},
            end_listeners=[bill(user)],
        )
        user.call_ids.append(call_id)
        if key:
            user.idempotency[key] = (call_id, sid, now)
        return JSONResponse({"call_id": call_id, "status": "initiated", "mode": mode, "to_number": to_number,
                             "from_number": RINGEZ_CALLER_ID, "twilio_call_sid": sid})

    def own_call(request: Request) -> SimCall | Response:
        """The call named in the path if it is the signed-in user's, else the 401 or 404 answer."""
        user = user_of(request)
        if user is None:
            return unauthorized()
        call = sandbox.telephony.calls.get(request.path_params["call_id"])
        if call is None or call.provider != "ringez" or call.data.get("user") != user.email:
            return _error(404, "call_not_found", "No such call on this account. Check the call id.")
        return call

    def status_word(call: SimCall) -> str:
        """The call's status: its first leg's (bridge: the user's phone; direct: the destination)."""
        return _STATUS[call.legs[0].state]

    def cost(call: SimCall) -> tuple[int, int, float]:
        seconds = call.talk_seconds(clock.sim_now())
        minutes = math.ceil(seconds / 60)
        return seconds, minutes, round(minutes * float(call.data["rate"]), 4)

    async def call_status(request: Request) -> Response:
        call = own_call(request)
        if isinstance(call, Response):
            return call
        seconds, minutes, amount = cost(call)
        return JSONResponse({"call_id": call.id, "status": status_word(call), "duration": seconds,
                             "estimated_cost": {"minutes": minutes, "amount": amount, "currency": "USD"}})

    async def end_call(request: Request) -> Response:
        call = own_call(request)
        if isinstance(call, Response):
            return call
        sandbox.telephony.hang_up(call)
        return JSONResponse({"call_id": call.id, "status": status_word(call)})

    async def actions(request: Request) -> Response:
        call = own_call(request)
        if isinstance(call, Response):
            return call
        data = await body_or_error(request)
        if isinstance(data, Response):
            return data
        if data.get("action") != "dtmf":
            return _error(400, "unsupported_action", "The only supported action is 'dtmf'.")
        params = data.get("parameters")
        digits = params.get("digits") if isinstance(params, dict) else None
        if not isinstance(digits, str) or not DTMF_DIGITS.match(digits):
            return _error(400, "invalid_digits", "digits may only contain 0-9, *, # and w (wait 0.5 s).")
        if call.state is not LegState.ANSWERED:
            return _error(409, "call_not_active", "Keys can only be sent while the call is connected.")
        call.dtmf.append(digits)
        return JSONResponse({"success": True, "call_id": call.id, "action": "dtmf", "digits": digits})

    async def history(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return unauthorized()
        try:
            limit = int(request.query_params.get("limit", "10"))
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            return _error(400, "invalid_request", "limit and offset must be whole numbers.")
        if limit < 1 or limit > 100 or offset < 0:
            return _error(400, "invalid_request", "limit must be 1-100 and offset 0 or more.")
        calls = [sandbox.telephony.calls[c] for c in reversed(user.call_ids) if c in sandbox.telephony.calls]
        page = calls[offset:offset + limit]
        items = []
        for call in page:
            seconds, _minutes, amount = cost(call)
            items.append({"call_id": call.id, "to_number": call.to_number, "status": status_word(call),
                          "duration": seconds, "cost": amount,
                          "started_at": iso(call.created_wall)})
        return JSONResponse({"calls": items,
                             "pagination": {"total": len(calls), "limit": limit, "offset": offset,
                                            "has_more": offset + len(page) < len(calls)}})

    async def control_user(request: Request) -> Response:
        """``POST /_sandbox/ringez/user``: create or change a Ringez user (e-mail, password, phone, minutes)."""
        try:
            data = await json_object(request)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        email = email_of(data)
        if email is None:
            return JSONResponse({"error": "email must be an e-mail address"}, status_code=400)
        phone = data.get("phone")
        if phone is not None and not is_e164(phone):
            return JSONResponse({"error": "phone must be E.164 (e.g. +12025550005) or null"}, status_code=400)
        password = data.get("password")
        minutes = data.get("balance_minutes")
        if (password is not None and not isinstance(password, str)) or (
                minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int))):
            return JSONResponse({"error": "password must be a string, balance_minutes a whole number"},
                                status_code=400)
        user = st.users.get(email)
        if user is None:
            user = st.users[email] = RingezUser(email, None, FREE_MINUTES)
        if "phone" in data:
            user.phone = phone
        if password is not None:
            user.password = password
        if minutes is not None:
            user.balance_minutes = minutes
        return JSONResponse({"email": user.email, "phone": user.phone, "balance_minutes": user.balance_minutes,
                             "has_password": user.password is not None})

    base = "/api/v1"
    return [
        Route(f"{base}/auth/check-email", check_email, methods=["POST"]),
        Route(f"{base}/auth/send-otp", send_otp, methods=["POST"]),
        Route(f"{base}/auth/verify-otp", verify_otp, methods=["POST"]),
        Route(f"{base}/auth/login", login, methods=["POST"]),
        Route(f"{base}/auth/me", me, methods=["GET"]),
        Route(f"{base}/calls/initiate", initiate, methods=["POST"]),
        Route(f"{base}/calls", history, methods=["GET"]),
        Route(f"{base}/calls/{{call_id}}", call_status, methods=["GET"]),
        Route(f"{base}/calls/{{call_id}}", end_call, methods=["DELETE"]),
        Route(f"{base}/calls/{{call_id}}/actions", actions, methods=["POST"]),
        Route("/_sandbox/ringez/user", control_user, methods=["POST"]),
    ], st
