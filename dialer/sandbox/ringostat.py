"""Ringostat callback emulator: the simple ``POST /callback/outward_call`` (form) and the extended
``POST /a/v2`` JSON-RPC ``Api\\V2\\Callback.external``. Choices where ringostat.txt is silent: README.md."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .state import SandboxState

AUTH_KEY = "sandbox-ringostat-auth-key"
FORBIDDEN_KEY = "sandbox-ringostat-no-access"  # a real key whose project has no API access: 403
PROJECT_ID = "11111"
EXTENSION = "380441112233"  # the number connected to the demo project as "incoming"
PROJECT_NUMBERS = {EXTENSION, "380441112234"}
METHOD = "Api\\V2\\Callback.external"
PHONE = re.compile(r"^\+?[1-9]\d{9,14}$")
SIP_LOGIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.@-]{1,63}$")
_BAD_ESCAPE = re.compile(r'\\(?![\\"/bfnrtu])')


class RingostatState:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox

    def reset(self) -> None:
        """Nothing of its own: calls live in the telephony engine."""


def _party(value: Any) -> str | None:
    """A phone number ('+'-less digits allowed) -> E.164; a SIP login -> 'sip:login'; else None."""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text: str = value
    text = text.strip()
    if PHONE.match(text):
        return text if text.startswith("+") else "+" + text
    if SIP_LOGIN.match(text):
        return "sip:" + text
    return None


def routes(sandbox: SandboxState) -> tuple[list[Route], RingostatState]:
    st = RingostatState(sandbox)

    def key_problem(request: Request) -> tuple[int, str] | None:
        key = request.headers.get("auth-key")
        if not key:
            return 401, "The Auth-key header is missing: add your project's Auth-key."
        if key == FORBIDDEN_KEY:
            return 403, "Access denied for this Auth-key: the project has no API access."
        if key != AUTH_KEY:
            return 401, "The Auth-key is not right: copy it again from the Ringostat project settings."
        return None

    def place(first: str, second: str, data: dict[str, Any]) -> str:
        call_id = f"ringostat-{sandbox.telephony.new_id()}"
        sandbox.telephony.place(call_id=call_id, provider="ringostat", mode="bridge", from_number=first,
                                to_number=second, data=data)
        return call_id

    async def outward_call(request: Request) -> Response:
        problem = key_problem(request)
        if problem is not None:
            return JSONResponse({"status": "error", "message": problem[1]}, status_code=problem[0])
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return JSONResponse({"status": "error", "message": "Send the form as "
                                 "application/x-www-form-urlencoded."}, status_code=400)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        ext = form.get("extension", "").strip().lstrip("+")
        if not ext:
            return JSONResponse({"status": "error", "message": "Parameter 'extension' is missing."},
                                status_code=400)
        if ext not in PROJECT_NUMBERS:
            return JSONResponse({"status": "error", "message": "The extension must be a number connected to "
                                 "the project as incoming (Virtual PBX -> Connect phone numbers)."},
                                status_code=400)
        dest = _party(form.get("destination"))
        if dest is None:
            return JSONResponse({"status": "error", "message": "Parameter 'destination' is missing or is not "
                                 "a phone number / SIP login."}, status_code=400)
        call_id = place("+" + ext, dest, {"api": "simple"})
        return JSONResponse({"status": "ok", "call_id": call_id})

    def rpc_error(status: int, rpc_id: Any, code: int, message: str) -> JSONResponse:
        return JSONResponse({"jsonrpc": "2.0", "id": rpc_id, "error": {"code": code, "message": message}},
                            status_code=status)

    async def external(request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            try:  # the documented Node.js sample sends "Api\V2\..." with bare backslashes: accept it
                body = json.loads(_BAD_ESCAPE.sub(r"\\\\", raw))
            except ValueError:
                body = None
        rpc_id = body.get("id") if isinstance(body, dict) else None
        problem = key_problem(request)
        if problem is not None:
            return rpc_error(problem[0], rpc_id, -32001 if problem[0] == 401 else -32003, problem[1])
        if not isinstance(body, dict):
            return rpc_error(400, None, -32700, "The body is not a JSON object (parse error).")
        if body.get("jsonrpc") != "2.0" or "id" not in body:
            return rpc_error(400, rpc_id, -32600, "Invalid request: jsonrpc must be \"2.0\" and id is required.")
        if body.get("method") != METHOD:
            return rpc_error(400, rpc_id, -32601, f"Method not found: use {METHOD}.")
        params = body.get("params")
        if not isinstance(params, dict):
            return rpc_error(400, rpc_id, -32602, "params must be an object.")
        project = params.get("projectId")
        if project is None or str(project).strip() == "":
            return rpc_error(400, rpc_id, -32602, "Parameter 'projectId' is missing.")
        if str(project) != PROJECT_ID:
            return rpc_error(403, rpc_id, -32003, "Access denied: this Auth-key does not belong to project "
                             f"{project}.")
        for name in ("caller", "callee"):
            if params.get(name) in (None, ""):
                return rpc_error(400, rpc_id, -32602, f"Parameter '{name}' is missing.")
        callee_type = params.get("callee_type", "default")
        caller_type = params.get("caller_type", "default")
        if callee_type not in ("default", "scheme") or caller_type != "default":
            return rpc_error(400, rpc_id, -32602, "callee_type must be 'default' or 'scheme'; caller_type "
                             "'default'.")
        caller = _party(params["caller"])
        if callee_type == "scheme":
            callee = f"scheme:{params['callee']}" if re.match(r"^\d+$", str(params["callee"])) else None
        else:
            callee = _party(params["callee"])
        if caller is None or callee is None:
            bad = "caller" if caller is None else "callee"
            return rpc_error(400, rpc_id, -32602, f"Parameter '{bad}' is not a valid phone number / SIP "
                             "login / scheme id.")
        direction = params.get("direction", "out")
        if direction not in ("in", "out"):
            return rpc_error(400, rpc_id, -32602, "direction must be 'in' or 'out'.")
        try:
            manager_dst = int(params.get("manager_dst", 0))
        except (TypeError, ValueError):
            manager_dst = -1
        if manager_dst not in (0, 1):
            return rpc_error(400, rpc_id, -32602, "manager_dst must be 0 or 1.")
        client_ip = params.get("clientIp")
        if client_ip is not None:
            try:
                ipaddress.ip_address(str(client_ip))
            except ValueError:
                return rpc_error(400, rpc_id, -32602, "clientIp must be an IP address.")
        for name in ("utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent", "clientId",
                     "clientUserAgent"):
            if name in params and not isinstance(params[name], str):
                return rpc_error(400, rpc_id, -32602, f"Parameter '{name}' must be a string.")
        caller_first = (manager_dst == 0) if direction == "out" else (manager_dst == 1)
        first, second = (caller, callee) if caller_first else (callee, caller)
        extras = {k: params[k] for k in ("utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent",
                                         "clientId", "clientUserAgent", "clientIp") if k in params}
        call_id = place(first, second, {"api": "extended", "direction": direction, "manager_dst": manager_dst,
                                        "callee_type": callee_type, **extras})
        return JSONResponse({"jsonrpc": "2.0", "id": rpc_id, "result": {"status": "ok", "call_id": call_id}})

    return [Route("/callback/outward_call", outward_call, methods=["POST"]),
            Route("/a/v2", external, methods=["POST"])], st
