"""Called.in click-to-call emulator: GET /api/clicktocall/ answering a bare numeric code (0-10), and a
GET to ``callback_url`` when the call ends. Choices where calledin.txt is silent: README.md."""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dialer.core.calls import LegState

from .server_utils import is_loopback_host
from .state import SandboxState
from .telephony import SimCall

API_KEY = "sandbox-calledin-key"
DISABLED_KEY = "sandbox-calledin-disabled"
NO_CREDIT_KEY = "sandbox-calledin-nocredit"
DEMO_CREDIT_MINUTES = 100
SUPPORTED_COUNTRY_CODES = {"1", "44"}
UNSUPPORTED_AREA_CODES = {"1": ("900", "976"), "44": ("9",)}  # premium-rate ranges
DO_NOT_CALL_SUFFIX = "9999"
FLOOD_WINDOW_S = 60.0
CALLBACK_TIMEOUT_S = 5.0
DIGITS = re.compile(r"^\d+$")

OK, INVALID_KEY, NO_CREDITS, DO_NOT_CALL, MALFORMED, DISABLED, FLOOD = 0, 1, 2, 3, 4, 5, 6
CALLER_AREA, CALLER_COUNTRY, CALLEE_AREA, CALLEE_COUNTRY = 7, 8, 9, 10

# Why a call was not answered -> Called.in reason code
_REASONS = {"busy": 5, "no-answer": 3, "rejected": 1, "network": 8, "failed": 0, "canceled": 0, "hangup": 1}


@dataclass
class CalledInKey:
    key: str
    enabled: bool
    credit_minutes: int


class CalledInState:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        self.reset()

    def reset(self) -> None:
        self.keys = {
            API_KEY: CalledInKey(API_KEY, True, DEMO_CREDIT_MINUTES),
            DISABLED_KEY: CalledInKey(DISABLED_KEY, False, DEMO_CREDIT_MINUTES),
            NO_CREDIT_KEY: CalledInKey(NO_CREDIT_KEY, True, 0),
        }
        self.last_call_to: dict[str, float] = {}


def _code(value: int) -> Response:
    return PlainTextResponse(str(value))


def routes(sandbox: SandboxState) -> tuple[list[Route], CalledInState]:
    st = CalledInState(sandbox)
    clock = sandbox.clock

    def callback_allowed(url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            return False
        return sandbox.settings.public or is_loopback_host(parsed.hostname)

    def on_end(key: CalledInKey, params: dict[str, str]) -> object:
        async def finish(call: SimCall) -> None:
            minutes = math.ceil(call.talk_seconds(clock.sim_now()) / 60)
            key.credit_minutes = max(0, key.credit_minutes - minutes)
            url = params.get("callback_url")
            if not url:
                return
            answered = call.connected_at is not None
            cause = ""
            if not answered:
                failing = next((leg for leg in call.legs
                                if leg.state not in (LegState.COMPLETED, LegState.CANCELED)), None)
                cause = failing.cause if failing is not None else "canceled"
            query = {
                "caller_phone_number": params["caller_phone_number"],
                "callee_phone_number": params["callee_phone_number"],
                "minutes": str(minutes), "secret": params.get("secret", ""),
                "answered": "1" if answered else "0",
                "reason": "" if answered else str(_REASONS.get(cause, 0)),
            }
            record: dict[str, object] = {"url": url, "params": query, "status": None, "error": None}
            call.data["callback"] = record
            if not callback_allowed(url):
                record["error"] = "not sent: callbacks go only to loopback hosts unless the sandbox is public"
                return
            asyncio.get_running_loop().create_task(send(url, query, record))
        return finish

    async def send(url: str, query: dict[str, str], record: dict[str, object]) -> None:
        try:
            async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_S, trust_env=False) as client:
                response = await client.get(url, params=query)
            record["status"] = response.status_code
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"

    async def click_to_call(request: Request) -> Response:
        p = {k: v.strip() for k, v in request.query_params.items()}
        key = st.keys.get(p.get("api_key", ""))
        if key is None:
            return _code(INVALID_KEY)
        if not key.enabled:
            return _code(DISABLED)
        required = ("caller_phone_number", "caller_country_code", "callee_phone_number", "callee_country_code")
        if any(not DIGITS.match(p.get(name, "")) for name in required):
            return _code(MALFORMED)
        if len(p["caller_phone_number"]) != 10 or len(p["callee_phone_number"]) != 10:
            return _code(MALFORMED)
        if not 1 <= len(p["caller_country_code"]) <= 3 or not 1 <= len(p["callee_country_code"]) <= 3:
            return _code(MALFORMED)
        max_duration = p.get("max_duration", "")
        if max_duration and (not DIGITS.match(max_duration) or int(max_duration) < 1):
            return _code(MALFORMED)
        if p.get("caller_id") and not DIGITS.match(p["caller_id"]):
            return _code(MALFORMED)
        if len(p.get("secret", "")) > 30:
            return _code(MALFORMED)
        url = p.get("callback_url", "")
        if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).hostname):
            return _code(MALFORMED)
        if p["caller_country_code"] not in SUPPORTED_COUNTRY_CODES:
            return _code(CALLER_COUNTRY)
        if p["callee_country_code"] not in SUPPORTED_COUNTRY_CODES:
            return _code(CALLEE_COUNTRY)
        if p["caller_phone_number"].startswith(UNSUPPORTED_AREA_CODES[p["caller_country_code"]]):
            return _code(CALLER_AREA)
        if p["callee_phone_number"].startswith(UNSUPPORTED_AREA_CODES[p["callee_country_code"]]):
            return _code(CALLEE_AREA)
        if any(p[n].endswith(DO_NOT_CALL_SUFFIX) for n in ("caller_phone_number", "callee_phone_number")):
            return _code(DO_NOT_CALL)
        now = clock.now()
        callee = p["callee_country_code"] + p["callee_phone_number"]
        if now - st.last_call_to.get(callee, -1e12) < FLOOD_WINDOW_S:
            return _code(FLOOD)
        if key.credit_minutes < 1:
            return _code(NO_CREDITS)
        st.last_call_to[callee] = now
        limit_s = key.credit_minutes * 60.0
        if max_duration:
            limit_s = min(limit_s, int(max_duration) * 60.0)
        call_id = f"calledin-{sandbox.telephony.new_id()}"
        sandbox.telephony.place(
            call_id=call_id, provider="calledin", mode="bridge",
            from_number="+" + p["caller_country_code"] + p["caller_phone_number"], to_number="+" + callee,
            max_duration_s=limit_s, data={"caller_id": p.get("caller_id", "")},
            end_listeners=[on_end(key, p)],  # type: ignore[list-item]
        )
        return _code(OK)

    return [Route("/api/clicktocall/", click_to_call, methods=["GET"]),
            Route("/api/clicktocall", click_to_call, methods=["GET"])], st
