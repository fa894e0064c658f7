"""Observation and control under /_sandbox/ (never logged, never faulted)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .common import BadBody, json_object
from .faults import FaultBook
from .state import RC_REDIRECT_URIS, SandboxState, iso
from .telephony import SCENARIOS


def credentials(state: SandboxState | None = None) -> dict[str, Any]:
    from . import calledin, ringcentral, ringez, ringostat

    redirect_uris = list(state.settings.rc_redirect_uris) if state is not None else list(RC_REDIRECT_URIS)
    return {
        "ringez": {"email": ringez.DEMO_EMAIL, "password": ringez.DEMO_PASSWORD, "phone": ringez.DEMO_PHONE},
        "ringcentral": {"client_id": ringcentral.CLIENT_ID, "client_secret": ringcentral.CLIENT_SECRET,
                        "username": ringcentral.USERNAME, "password": ringcentral.PASSWORD,
                        "jwt": ringcentral.JWT, "redirect_uris": redirect_uris},
        "calledin": {"api_key": calledin.API_KEY},
        "ringostat": {"auth_key": ringostat.AUTH_KEY, "project_id": ringostat.PROJECT_ID,
                      "extension": ringostat.EXTENSION},
    }


def routes(state: SandboxState, faults: FaultBook) -> list[Route]:
    clock = state.clock

    async def outbox(request: Request) -> Response:
        return JSONResponse({"messages": list(state.outbox)})

    async def calls(request: Request) -> Response:
        items = []
        for call in state.telephony.calls.values():
            items.append({
                "id": call.id, "provider": call.provider, "mode": call.mode, "from": call.from_number,
                "to": call.to_number, "state": call.state.value,
                "legs": [{"role": leg.role.value, "state": leg.state.value, "number": leg.number,
                          "cause": leg.cause} for leg in call.legs],
                "created_at": iso(call.created_wall),
                "talk_seconds": call.talk_seconds(clock.sim_now()), "dtmf": list(call.dtmf),
                "ended": call.ended, "end_cause": call.end_cause,
                "callback": call.data.get("callback"),
            })
        return JSONResponse({"calls": items})

    async def requests_log(request: Request) -> Response:
        return JSONResponse({"requests": list(state.requests)})

    async def reset(request: Request) -> Response:
        state.reset()
        faults.reset()
        return JSONResponse({"reset": True})

    async def scenarios(request: Request) -> Response:
        return JSONResponse({"scenarios": SCENARIOS})

    async def creds(request: Request) -> Response:
        return JSONResponse(credentials(state))

    async def add_fault(request: Request) -> Response:
        try:
            data = await json_object(request)
            specs = data.get("faults", [data])
            added = [faults.add(spec).as_dict() for spec in specs]
        except (BadBody, ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": added}, status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [f.as_dict() for f in faults.faults]})

    async def clear_faults(request: Request) -> Response:
        faults.reset()
        return JSONResponse({"faults": []})

    async def get_clock(request: Request) -> Response:
        return JSONResponse({"now": clock.now(), "now_iso": iso(clock.now()), "sim_now": clock.sim_now(),
                             "speed": clock.speed})

    async def advance(request: Request) -> Response:
        try:
            data = await json_object(request)
            clock.advance(float(data.get("seconds", 0)))
        except (BadBody, ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return await get_clock(request)

    async def config(request: Request) -> Response:
        if request.method == "POST":
            try:
                data = await json_object(request)
                s = state.settings
                if "access_token_ttl" in data:
                    s.access_token_ttl = None if data["access_token_ttl"] is None else int(data["access_token_ttl"])
                if "refresh_token_ttl" in data:
                    s.refresh_token_ttl = (None if data["refresh_token_ttl"] is None
                                           else int(data["refresh_token_ttl"]))
                if "rate_limits" in data:
                    s.rate_limits.update({str(k).lower(): int(v) for k, v in dict(data["rate_limits"]).items()})
                if "rate_window_s" in data:
                    s.rate_window_s = int(data["rate_window_s"])
                if "rc_redirect_uris" in data:
                    s.rc_redirect_uris = [str(uri) for uri in data["rc_redirect_uris"]]
                if "speed" in data:
                    clock.set_speed(float(data["speed"]))
            except (BadBody, ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({**state.settings.as_dict(), "speed": clock.speed})

    return [
        Route("/_sandbox/outbox", outbox, methods=["GET"]),
        Route("/_sandbox/calls", calls, methods=["GET"]),
        Route("/_sandbox/requests", requests_log, methods=["GET"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/scenarios", scenarios, methods=["GET"]),
        Route("/_sandbox/credentials", creds, methods=["GET"]),
        Route("/_sandbox/faults", add_fault, methods=["POST"]),
        Route("/_sandbox/faults", list_faults, methods=["GET"]),
        Route("/_sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/_sandbox/clock", get_clock, methods=["GET"]),
        Route("/_sandbox/clock/advance", advance, methods=["POST"]),
        Route("/_sandbox/config", config, methods=["GET", "POST"]),
    ]
