"""RingCentral emulator under /restapi: OAuth (password, JWT, auth code + PKCE, refresh, revoke), RingOut,
RingCentral error shapes and rate-limit groups. Choices where the documents are silent: README.md."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from dialer.core.calls import LegRole, LegState

from .common import BadBody, is_e164, json_object, to_e164_loose
from .ratelimit import RateLimiter, Verdict
from .state import SandboxState
from .telephony import SimCall, SimLeg

CLIENT_ID = "sandbox-rc-client-id"
CLIENT_SECRET = "sandbox-rc-client-secret"
USERNAME = "+12025550100"
EXTENSION = "101"
PASSWORD = "sandbox-rc-password"
JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MDAwMDAxMDEiLCJpc3MiOiJzYW5kYm94In0.sandbox"
ACCOUNT_ID = "400000001"
EXTENSION_ID = "400000101"
FORWARDING_NUMBER = "+12025550199"  # the user's default forwarding number: used when `from` is omitted
FORWARDING_NUMBER_ID = "1"
SCOPE = "RingOut ReadAccounts"
CODE_TTL_S = 60
DEFAULT_ACCESS_TTL = 3600
DEFAULT_REFRESH_TTL = 604800

GRANT_PASSWORD = "password"
GRANT_JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_CODE = "authorization_code"
GRANT_REFRESH = "refresh_token"


def rc_error(status: int, code: str, message: str, parameter: str | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    err: dict[str, Any] = {"errorCode": code, "message": message}
    if parameter:
        err["parameterName"] = parameter
    return JSONResponse({**err, "errors": [dict(err)]}, status_code=status, headers=headers)


def oauth_error(status: int, error: str, description: str, code: str,
                headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description,
                         "errors": [{"errorCode": code, "message": description}]},
                        status_code=status, headers=headers)


@dataclass
class AccessToken:
    client_id: str
    owner: str
    expires_at: float
    refresh: str


@dataclass
class RefreshToken:
    client_id: str
    owner: str
    expires_at: float
    access: str
    used: bool = False
    public: bool = False


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str
    expires_at: float


class RingCentralState:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        self.limiter = RateLimiter(sandbox)
        self.reset()

    def reset(self) -> None:
        for task in getattr(self, "watchers", ()):
            task.cancel()
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.ringouts: dict[str, str] = {}  # ringout id -> sim call id
        self.watchers: set[asyncio.Task[None]] = set()
        self.limiter.reset()


def _leg_status(leg: SimLeg) -> str:
    state = leg.state
    if state in (LegState.QUEUED, LegState.RINGING, LegState.UNKNOWN):
        return "InProgress"
    if state is LegState.ANSWERED:
        return "Success"
    if state is LegState.COMPLETED:
        return "Finished" if leg.answered_at is not None else "Rejected"
    return {LegState.BUSY: "Busy", LegState.NO_ANSWER: "NoAnswer", LegState.REJECTED: "Rejected",
            LegState.CANCELED: "Rejected", LegState.FAILED: "GenericError"}[state]


# RingCentral-only scenarios (destination suffix), reported with the RingOut document's prose words
# (CannotReach, NoAnsweringMachine) which the OpenAPI enum lacks. See README.md.
CANNOT_REACH_SUFFIX = "0004"  # network failure: callStatus CannotReach
INTERNAL_FAILURE_SUFFIX = "0007"  # generic failure: callStatus NoAnsweringMachine ("internal server failure")
BRIDGE_FAILS_SUFFIX = "0008"  # the destination answers, then the legs cannot be connected (CannotReach)


def _suffix(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())[-4:]


def ringout_status(call: SimCall) -> dict[str, str]:
    own = call.leg(LegRole.SELF)
    dest = call.dest_leg
    caller = _leg_status(own) if own is not None else "Success"
    callee = _leg_status(dest)
    failed_word = call.data.get("rc_call_status")
    if isinstance(failed_word, str):
        return {"callStatus": failed_word, "callerStatus": call.data.get("rc_caller_status", caller),
                "calleeStatus": call.data.get("rc_callee_status", callee)}
    if call.connected_at is not None:
        overall = "Success"
    elif own is not None and own.state.is_terminal and caller != "Finished":
        overall = caller
    elif dest.state.is_terminal:
        overall = callee
        if dest.state is LegState.FAILED and _suffix(dest.number) == CANNOT_REACH_SUFFIX:
            overall = "CannotReach"
        elif dest.state is LegState.FAILED and _suffix(dest.number) == INTERNAL_FAILURE_SUFFIX:
            overall = "NoAnsweringMachine"
    else:
        overall = "InProgress"
    return {"callStatus": overall, "callerStatus": caller, "calleeStatus": callee}


def routes(sandbox: SandboxState) -> tuple[list[Route], RingCentralState]:
    st = RingCentralState(sandbox)
    clock = sandbox.clock

    def basic_client(request: Request) -> tuple[str, str] | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return ("", "")
        cid, _, secret = decoded.partition(":")
        return cid, secret

    async def form_of(request: Request) -> dict[str, str] | None:
        ctype = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" not in ctype:
            return None
        return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))

    def with_headers(response: Response, verdict: Verdict) -> Response:
        response.headers.update(verdict.headers())
        return response

    def too_many(verdict: Verdict) -> Response:
        return rc_error(429, "CMN-301", "Request rate exceeded", headers=verdict.headers())

    def issue(client_id: str, form: dict[str, str], *, public: bool) -> dict[str, Any]:
        s = sandbox.settings
        try:
            wanted = int(form.get("access_token_ttl") or DEFAULT_ACCESS_TTL)
        except ValueError:
            wanted = DEFAULT_ACCESS_TTL
        access_ttl = s.access_token_ttl or min(3600, max(600, wanted))
        try:
            wanted_r = int(form.get("refresh_token_ttl") or DEFAULT_REFRESH_TTL)
        except ValueError:
            wanted_r = DEFAULT_REFRESH_TTL
        refresh_ttl = s.refresh_token_ttl or min(DEFAULT_REFRESH_TTL, max(1, wanted_r))
        now = clock.now()
        access = "SBX-AT-" + secrets.token_urlsafe(24)
        refresh = "SBX-RT-" + secrets.token_urlsafe(24)
        st.access[access] = AccessToken(client_id, EXTENSION_ID, now + access_ttl, refresh)
        st.refresh[refresh] = RefreshToken(client_id, EXTENSION_ID, now + refresh_ttl, access, public=public)
        return {"access_token": access, "token_type": "bearer", "expires_in": access_ttl,
                "refresh_token": refresh, "refresh_token_expires_in": refresh_ttl, "scope": SCOPE,
                "owner_id": EXTENSION_ID, "endpoint_id": secrets.token_urlsafe(16)}

    async def token(request: Request) -> Response:
        basic = basic_client(request)
        form = await form_of(request)
        client_key = (basic[0] if basic else None) or (form or {}).get("client_id") or "anonymous"
        verdict = st.limiter.check(f"client:{client_key}", "auth")
        if not verdict.allowed:
            return too_many(verdict)
        if form is None:
            return with_headers(oauth_error(415, "invalid_request", "Unsupported Media Type: send "
                                            "application/x-www-form-urlencoded", "CMN-415"), verdict)
        return with_headers(grant(form, basic), verdict)

    def grant(form: dict[str, str], basic: tuple[str, str] | None) -> Response:
        confidential = False
        if basic is not None:
            cid, secret = basic
            if cid != CLIENT_ID or (secret and secret != CLIENT_SECRET):
                return oauth_error(401, "invalid_client", "Invalid client credentials", "OAU-146")
            confidential = bool(secret)
            if form.get("client_id") and form["client_id"] != cid:
                return oauth_error(401, "invalid_client", "Invalid client credentials", "OAU-146")
        else:
            cid = form.get("client_id", "")
            if cid != CLIENT_ID:
                return oauth_error(401, "invalid_client", "Invalid client credentials: send HTTP Basic "
                                   "client credentials or client_id", "OAU-146")
        grant_type = form.get("grant_type", "")
        if grant_type in (GRANT_PASSWORD, GRANT_JWT) and not confidential:
            return oauth_error(401, "invalid_client", "This grant needs the client secret (HTTP Basic)",
                               "OAU-146")
        if grant_type == GRANT_PASSWORD:
            username = form.get("username", "").strip()
            if (to_e164_loose(username) != USERNAME or form.get("password") != PASSWORD
                    or form.get("extension", EXTENSION) not in ("", EXTENSION)):
                return oauth_error(401, "invalid_grant", "Invalid resource owner credentials", "OAU-140")
            return JSONResponse(issue(cid, form, public=False))
        if grant_type == GRANT_JWT:
            if form.get("assertion") != JWT:
                return oauth_error(401, "invalid_grant", "Invalid resource owner credentials (JWT)", "OAU-140")
            return JSONResponse(issue(cid, form, public=False))
        if grant_type == GRANT_CODE:
            code = st.codes.get(form.get("code", ""))
            if code is None:
                return oauth_error(403, "invalid_grant", "Invalid authorization code", "OAU-106")
            if clock.now() > code.expires_at:
                del st.codes[form["code"]]
                return oauth_error(403, "invalid_grant", "Authorization code expired", "OAU-108")
            if code.client_id != cid:
                return oauth_error(403, "invalid_grant", "Authorization code was not issued for this app",
                                   "OAU-110")
            redirect_uri = form.get("redirect_uri", "")
            if redirect_uri != code.redirect_uri or redirect_uri not in sandbox.settings.rc_redirect_uris:
                return redirect_mismatch(403)
            verifier = form.get("code_verifier")
            if code.challenge is not None:
                if not verifier:
                    return oauth_error(400, "invalid_grant", "code_verifier is required", "OAU-114")
                if code.method == "S256":
                    digest = hashlib.sha256(verifier.encode()).digest()
                    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                else:
                    computed = verifier
                if not secrets.compare_digest(computed, code.challenge):
                    return oauth_error(400, "invalid_grant", "Code verifier does not match the code challenge",
                                       "OAU-114")
            elif not confidential:
                return oauth_error(401, "invalid_client", "A code issued without PKCE needs the client secret",
                                   "OAU-146")
            del st.codes[form["code"]]
            return JSONResponse(issue(cid, form, public=not confidential))
        if grant_type == GRANT_REFRESH:
            rt = st.refresh.get(form.get("refresh_token", ""))
            if rt is None or rt.used:
                return oauth_error(400, "invalid_grant", "Token is revoked or already used", "OAU-211")
            if clock.now() > rt.expires_at:
                return oauth_error(400, "invalid_grant", "Refresh token has expired", "OAU-212")
            if rt.client_id != cid:
                return oauth_error(400, "invalid_grant", "Token was issued to another app", "OAU-211")
            if not rt.public and not confidential:
                return oauth_error(401, "invalid_client", "This refresh token needs the client secret",
                                   "OAU-146")
            rt.used = True
            return JSONResponse(issue(cid, form, public=rt.public))
        return oauth_error(400, "invalid_request", "Unsupported grant type", "OAU-250")

    async def revoke(request: Request) -> Response:
        basic = basic_client(request)
        form = await form_of(request) or {}
        key = (basic[0] if basic else None) or form.get("client_id") or "anonymous"
        verdict = st.limiter.check(f"client:{key}", "auth")
        if not verdict.allowed:
            return too_many(verdict)
        tok = form.get("token", "")
        if tok in st.access:
            pair = st.access.pop(tok).refresh
            st.refresh.pop(pair, None)
        elif tok in st.refresh:
            pair = st.refresh.pop(tok).access
            st.access.pop(pair, None)
        return with_headers(Response(status_code=200), verdict)

    def authorize_page(params: dict[str, str]) -> HTMLResponse:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k not in ("approve", "deny"))
        return HTMLResponse(
            "<!doctype html><html><head><title>RingCentral sandbox: authorize</title></head><body>"
            "<h1>Sandbox sign-in</h1><p>The app <b>" + html.escape(params.get("client_id", "")) +
            "</b> asks to place RingOut calls for the demo user " + USERNAME + ".</p>"
            '<form method="post" action="/restapi/oauth/authorize">' + hidden +
            '<button name="approve" value="1">Approve</button> '
            '<button name="deny" value="1">Deny</button></form></body></html>')

    def redirect_mismatch(status: int) -> JSONResponse:
        registered = ", ".join(sandbox.settings.rc_redirect_uris)
        return oauth_error(status, "invalid_grant" if status == 403 else "invalid_request",
                           f"Redirect URIs do not match (registered for this app: {registered})", "OAU-109")

    def error_page(status: int, message: str) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><html><body><h1>Cannot sign in</h1><p>{html.escape(message)}</p>"
                            "</body></html>", status_code=status)

    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await form_of(request) or {})
        if params.get("client_id") != CLIENT_ID:
            return error_page(400, "OAU-146: unknown client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in sandbox.settings.rc_redirect_uris:
            # errors.md: /authorize answers HTTP 400 for an invalid redirect URI; the code is OAU-109.
            return redirect_mismatch(400)
        state_param = params.get("state", "")

        def back(extra: dict[str, str]) -> RedirectResponse:
            query = urlencode({**extra, **({"state": state_param} if state_param else {})})
            sep = "&" if urlparse(redirect_uri).query else "?"
            return RedirectResponse(redirect_uri + sep + query, status_code=302)

        if params.get("response_type") != "code":
            return back({"error": "unsupported_response_type", "error_description": "Use response_type=code"})
        method = params.get("code_challenge_method") or "plain"
        if params.get("code_challenge") and method not in ("plain", "S256"):
            return back({"error": "invalid_request", "error_description": "code_challenge_method must be S256"})
        if params.get("deny"):
            return back({"error": "access_denied", "error_description": "The user denied access"})
        if params.get("approve") not in ("1", "true", "yes"):
            return authorize_page(params)
        code = "SBX-CODE-" + secrets.token_urlsafe(18)
        st.codes[code] = AuthCode(CLIENT_ID, redirect_uri, params.get("code_challenge") or None, method,
                                  clock.now() + CODE_TTL_S)
        return back({"code": code, "expires_in": str(CODE_TTL_S)})

    def authenticate(request: Request) -> tuple[AccessToken | None, Response | None]:
        header = request.headers.get("authorization")
        if header is None:
            return None, rc_error(401, "OAU-123", "Invalid Authorization header value: [missing]: send "
                                  "'Authorization: Bearer <access token>'")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, rc_error(401, "OAU-134", "Invalid Authorization header: send 'Authorization: Bearer "
                                  "<access token>'")
        tok = st.access.get(value.strip())
        if tok is None:
            return None, rc_error(401, "OAU-129", "Access token corrupted or revoked: sign in again")
        if clock.now() > tok.expires_at:
            return None, rc_error(401, "OAU-128", "Access token expired: refresh it")
        return tok, None

    def check_path(request: Request) -> Response | None:
        acc = request.path_params["account_id"]
        ext = request.path_params["extension_id"]
        if acc not in ("~", ACCOUNT_ID):
            return rc_error(404, "CMN-102", "Resource for parameter [accountId] is not found", "accountId")
        if ext not in ("~", EXTENSION_ID):
            return rc_error(404, "CMN-102", "Resource for parameter [extensionId] is not found", "extensionId")
        return None

    def ringout_body(request: Request, ringout_id: str, call: SimCall) -> dict[str, Any]:
        # The address as the client wrote it (~ or ids, ring-out or ringout), like the document's example.
        base = str(request.base_url).rstrip("/")
        spelling = "ringout" if "/ringout" in request.url.path else "ring-out"
        acc, ext = request.path_params["account_id"], request.path_params["extension_id"]
        return {"id": ringout_id,
                "uri": f"{base}/restapi/v1.0/account/{acc}/extension/{ext}/{spelling}/{ringout_id}",
                "status": ringout_status(call)}

    def phone_of(value: Any, field: str) -> tuple[str | None, Response | None]:
        if not isinstance(value, dict) or not isinstance(value.get("phoneNumber"), str):
            return None, rc_error(400, "CMN-101", f"Parameter [{field}] value is invalid", field)
        number = to_e164_loose(value["phoneNumber"])
        if not is_e164(number):
            return None, rc_error(400, "CMN-101", f"Parameter [{field}.phoneNumber] value is invalid: use "
                                  "E.164, e.g. +16505551234", f"{field}.phoneNumber")
        return number, None

    async def guarded(request: Request, group: str) -> Verdict | Response:
        """The rate-limit verdict for an authenticated, well-addressed RingOut request, or the error answer."""
        tok, err = authenticate(request)
        if err is not None:
            return err
        assert tok is not None
        verdict = st.limiter.check(f"user:{tok.owner}:{tok.client_id}", group)
        if not verdict.allowed:
            return too_many(verdict)
        path_err = check_path(request)
        if path_err is not None:
            return with_headers(path_err, verdict)
        return verdict

    async def create_ringout(request: Request) -> Response:
        verdict = await guarded(request, "heavy")
        if isinstance(verdict, Response):
            return verdict
        try:
            data = await json_object(request)
        except BadBody as exc:
            return with_headers(rc_error(400, "CMN-103", f"JSON can't be parsed: {exc}"), verdict)
        if "to" not in data:
            return with_headers(rc_error(400, "CMN-101", "Parameter [to] value is invalid: it is required",
                                         "to"), verdict)
        to_number, e = phone_of(data["to"], "to")
        if e is not None:
            return with_headers(e, verdict)
        frm = data.get("from")
        if frm is None or (isinstance(frm, dict) and not frm.get("phoneNumber") and not frm.get("forwardingNumberId")):
            from_number: str | None = FORWARDING_NUMBER
        elif isinstance(frm, dict) and frm.get("forwardingNumberId") and not frm.get("phoneNumber"):
            if str(frm["forwardingNumberId"]) != FORWARDING_NUMBER_ID:
                return with_headers(rc_error(404, "CMN-102", "Resource for parameter [forwardingNumberId] "
                                             "is not found", "from.forwardingNumberId"), verdict)
            from_number = FORWARDING_NUMBER
        else:
            from_number, e = phone_of(frm, "from")
            if e is not None:
                return with_headers(e, verdict)
        if "callerId" in data:
            _cid, e = phone_of(data["callerId"], "callerId")
            if e is not None:
                return with_headers(e, verdict)
        if "playPrompt" in data and not isinstance(data["playPrompt"], bool):
            return with_headers(rc_error(400, "CMN-101", "Parameter [playPrompt] value is invalid",
                                         "playPrompt"), verdict)
        country = data.get("country")
        if country is not None and not (isinstance(country, dict) and isinstance(country.get("id", ""), str)):
            return with_headers(rc_error(400, "CMN-101", "Parameter [country] value is invalid", "country"),
                                verdict)
        assert to_number is not None and from_number is not None
        ringout_id = str(400000000 + sandbox.telephony.new_id())
        call_id = f"rc-{ringout_id}"
        call = sandbox.telephony.place(call_id=call_id, provider="ringcentral", mode="bridge",
                                       from_number=from_number, to_number=to_number,
                                       data={"ringout_id": ringout_id, "playPrompt": bool(data.get("playPrompt")),
                                             "callerId": _caller_id_of(data)})
        st.ringouts[ringout_id] = call_id
        if _suffix(to_number) == BRIDGE_FAILS_SUFFIX:
            bridge_fails(call)
        return with_headers(JSONResponse(ringout_body(request, ringout_id, call)), verdict)

    def bridge_fails(call: SimCall) -> None:
        """Scenario 0008: once the destination answers, RingCentral cannot connect the legs. The call is
        dropped and callStatus says CannotReach while both legs still report Success."""
        async def watch() -> None:
            while not call.ended and call.connected_at is None:
                await clock.sleep(0.1)
            if call.ended:
                return
            call.data.update(rc_call_status="CannotReach", rc_caller_status="Success",
                             rc_callee_status="Success")
            sandbox.telephony.hang_up(call, by="ringcentral")

        task = asyncio.get_running_loop().create_task(watch(), name=f"sandbox-rc-bridge-{call.id}")
        st.watchers.add(task)
        task.add_done_callback(st.watchers.discard)
        def stop_watching(_call: SimCall) -> None:  # the call ended (also at shutdown): nothing to watch
            task.cancel()

        call.end_listeners.append(stop_watching)

    def find(request: Request) -> tuple[str, SimCall | None]:
        ringout_id = request.path_params["ringout_id"]
        call = sandbox.telephony.calls.get(st.ringouts.get(ringout_id, ""))
        return ringout_id, call

    def not_found() -> Response:
        return rc_error(404, "CMN-102", "Resource for parameter [ringoutId] is not found", "ringoutId")

    async def get_ringout(request: Request) -> Response:
        verdict = await guarded(request, "light")
        if isinstance(verdict, Response):
            return verdict
        ringout_id, call = find(request)
        if call is None:
            return with_headers(not_found(), verdict)
        return with_headers(JSONResponse(ringout_body(request, ringout_id, call)), verdict)

    async def delete_ringout(request: Request) -> Response:
        """ringcentral-ringout.txt: "If the first leg of the call has been initiated, then the DELETE API will
        not terminate the call." Until then DELETE cancels it; either way the answer is the documented 204
        (the document names no error for the late case), so only a later GET shows what happened."""
        verdict = await guarded(request, "heavy")
        if isinstance(verdict, Response):
            return verdict
        _ringout_id, call = find(request)
        if call is None or call.ended:
            return with_headers(not_found(), verdict)
        own = call.leg(LegRole.SELF)
        if own is None or own.state is LegState.QUEUED:
            sandbox.telephony.hang_up(call)
        else:
            call.data["delete_ignored"] = call.data.get("delete_ignored", 0) + 1
        return with_headers(Response(status_code=204), verdict)

    number_routes = number_list_routes(guarded, with_headers)
    ro = "/restapi/v1.0/account/{account_id}/extension/{extension_id}"
    out: list[Route] = [*number_routes,
        Route("/restapi/oauth/token", token, methods=["POST"]),
        Route("/restapi/oauth/revoke", revoke, methods=["POST"]),
        Route("/restapi/oauth/authorize", authorize, methods=["GET", "POST"]),
    ]
    for name in ("ring-out", "ringout"):
        out += [
            Route(f"{ro}/{name}", create_ringout, methods=["POST"]),
            Route(f"{ro}/{name}/{{ringout_id}}", get_ringout, methods=["GET"]),
            Route(f"{ro}/{name}/{{ringout_id}}", delete_ringout, methods=["DELETE"]),
        ]
    return out, st


# ------------------------------------------------------------------------------ the extension's numbers
# GET .../forwarding-number (ForwardingNumberInfo records) and GET .../phone-number (UserPhoneNumberInfo
# records), both paged, both in the Light group (RingCentral's API reference). The demo extension has three
# forwarding numbers (the first is its default ``from``) and three phone numbers, two with the CallerId feature.

FORWARDING_NUMBERS: tuple[dict[str, Any], ...] = (
    {"id": FORWARDING_NUMBER_ID, "phoneNumber": FORWARDING_NUMBER, "label": "Mobile", "type": "Mobile",
     "features": ["CallFlip", "CallForwarding"], "flipNumber": "1"},
    {"id": "2", "phoneNumber": "+12025550142", "label": "Home", "type": "Home",
     "features": ["CallFlip", "CallForwarding"], "flipNumber": "2"},
    {"id": "3", "phoneNumber": "+12025550143", "label": "Work", "type": "Work",
     "features": ["CallForwarding"], "flipNumber": "3"},
)
DIRECT_NUMBER = USERNAME
MAIN_NUMBER = "+12025550111"
FAX_NUMBER = "+12025550122"
PHONE_NUMBERS: tuple[dict[str, Any], ...] = (
    {"id": 400000201, "phoneNumber": DIRECT_NUMBER, "usageType": "DirectNumber", "type": "VoiceFax",
     "paymentType": "Local", "location": "Washington, DC", "status": "Normal", "primary": False,
     "features": ["SmsSender", "CallerId"]},
    {"id": 400000202, "phoneNumber": MAIN_NUMBER, "usageType": "MainCompanyNumber", "type": "VoiceFax",
     "paymentType": "Local", "location": "Washington, DC", "status": "Normal", "primary": True,
     "label": "Sandbox Inc.", "features": ["CallerId"]},
    {"id": 400000203, "phoneNumber": FAX_NUMBER, "usageType": "CompanyFaxNumber", "type": "FaxOnly",
     "paymentType": "Local", "location": "Washington, DC", "status": "Normal", "primary": False,
     "features": []},
)
CALLER_ID_NUMBERS = (DIRECT_NUMBER, MAIN_NUMBER)  # the phone numbers with the CallerId feature
MAX_PER_PAGE = 1000


def page_of(request: Request, items: tuple[dict[str, Any], ...], resource: str
            ) -> dict[str, Any] | Response:
    """One page of ``items`` with RingCentral's ``paging`` and ``navigation`` (perPage capped at 1000)."""
    try:
        page = int(request.query_params.get("page", "1"))
        if page < 1:
            raise ValueError
    except ValueError:
        return rc_error(400, "CMN-101", "Parameter [page] value is invalid", "page")
    try:
        per_page = min(int(request.query_params.get("perPage", "100")), MAX_PER_PAGE)
        if per_page < 1:
            raise ValueError
    except ValueError:
        return rc_error(400, "CMN-101", "Parameter [perPage] value is invalid", "perPage")
    base = str(request.base_url).rstrip("/") + f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{EXTENSION_ID}"
    total = len(items)
    pages = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    chosen = items[start:start + per_page]

    def link(n: int) -> dict[str, str]:
        return {"uri": f"{base}/{resource}?page={n}&perPage={per_page}"}

    records = [{"uri": f"{base}/{resource}/{item['id']}", **item} for item in chosen]
    paging: dict[str, int] = {"page": page, "perPage": per_page, "totalPages": pages, "totalElements": total}
    if chosen:
        paging |= {"pageStart": start, "pageEnd": start + len(chosen) - 1}
    navigation = {"firstPage": link(1), "lastPage": link(pages)}
    if page < pages:
        navigation["nextPage"] = link(page + 1)
    if 1 < page <= pages:
        navigation["previousPage"] = link(page - 1)
    return {"uri": f"{base}/{resource}?page={page}&perPage={per_page}", "records": records,
            "paging": paging, "navigation": navigation}


def number_list_routes(guarded: Callable[[Request, str], Awaitable[Verdict | Response]],
                       with_headers: Callable[[Response, Verdict], Response]) -> list[Route]:
    async def listing(request: Request, items: tuple[dict[str, Any], ...], resource: str) -> Response:
        verdict = await guarded(request, "light")
        if isinstance(verdict, Response):
            return verdict
        body = page_of(request, items, resource)
        if isinstance(body, Response):
            return with_headers(body, verdict)
        return with_headers(JSONResponse(body), verdict)

    async def forwarding_numbers(request: Request) -> Response:
        return await listing(request, FORWARDING_NUMBERS, "forwarding-number")

    async def phone_numbers(request: Request) -> Response:
        wanted = request.query_params.getlist("usageType")
        items = tuple(n for n in PHONE_NUMBERS if not wanted or n["usageType"] in wanted)
        items = tuple({**n, "country": {"id": "1", "uri": f"{str(request.base_url).rstrip('/')}"
                                        "/restapi/v1.0/dictionary/country/1", "name": "United States"}}
                      for n in items)
        return await listing(request, items, "phone-number")

    ro = "/restapi/v1.0/account/{account_id}/extension/{extension_id}"
    return [Route(f"{ro}/forwarding-number", forwarding_numbers, methods=["GET"]),
            Route(f"{ro}/phone-number", phone_numbers, methods=["GET"])]


def _caller_id_of(data: dict[str, Any]) -> str:
    caller = data.get("callerId")
    number = caller.get("phoneNumber") if isinstance(caller, dict) else None
    return to_e164_loose(number) if isinstance(number, str) else ""
