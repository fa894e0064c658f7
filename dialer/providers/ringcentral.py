"""RingCentral RingOut (ringcentral-ringout.txt, research-notes §1, ringcentral-ringout-subset.yaml).

Sign-in: JWT (recommended), password (deprecated by RingCentral, refused when MFA is on) or the browser
(authorization code + PKCE through :mod:`dialer.providers.oauth_loopback`). Client credentials come from
the secret store (``client_secret``), then the account settings (``client_id``/``client_secret``), then
``DIALER_RINGCENTRAL_CLIENT_ID`` / ``DIALER_RINGCENTRAL_CLIENT_SECRET``. Without a secret the app acts as
a public (PKCE) client: ``client_id`` goes in the form body, no Basic header.

Tokens live in ONE secret entry (``tokens``, JSON: access/refresh token and their expiry times), so a new
pair replaces the old one in a single write. Refresh tokens are single-use, so the refresh is careful:

1. before the refresh request, a ``refresh_started`` marker is written;
2. the refresh request is never re-sent blindly (RequestKind.UNSAFE);
3. the answer is written (new pair, one write), then the marker is removed, then the token is used.

If the app dies or the answer is lost between 2 and 3, the old pair and the marker remain. The next
refresh re-sends the old refresh token: if RingCentral did not process the first one it simply works;
if it did, RingCentral answers ``invalid_grant`` and the client signs in again with the stored JWT
credential (JWT sign-in), or asks the user to sign in again (other kinds), explaining the interruption.
Access tokens are refreshed proactively 60 s before expiry (RingCentral advises against refreshing on
401); a 401 with a token error (OAU-123/128/129/134/149) still triggers one refresh and one re-send of a
read or a cancel, never of a RingOut POST (no idempotency key: the user is told to place the call again).

Outcomes need evidence: a failing ``callStatus`` fails the call whatever the callee leg says, and a
RingOut RingCentral no longer knows (NoSessionFound, Invalid, 404) is reported as over without an
outcome (:attr:`CallStatus.ended`); the service calls it "unknown" unless the destination was seen
answering. The browser sign-in uses one fixed redirect URI (``redirect_uri`` setting, default
``http://127.0.0.1:53682/callback``) since RingCentral matches it exactly. Rate-limit headers are kept
per group; status polls are paced by the Light group only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from dialer.core import numbers
from dialer.core.calls import LegRole, LegState
from dialer.providers._common import HttpProvider
from dialer.providers.base import (
    AccountInfo,
    CallerIdChoices,
    CallStatus,
    InsufficientFunds,
    InvalidNumberError,
    NotSupported,
    NumberChoice,
    OutcomeUnknown,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedByProvider,
    SignInRequired,
    StartCall,
)
from dialer.providers.capabilities import RINGCENTRAL, RINGCENTRAL_CALLER_ID_NOTE, RINGCENTRAL_REDIRECT_URI
from dialer.providers.http import (
    RateBudgets,
    RequestKind,
    json_object,
    placed_maybe_message,
    retry_after_seconds,
    unexpected_shape,
)
from dialer.providers.logmask import get_logger, register_secret
from dialer.providers.oauth_loopback import LoopbackRedirect, authorize_url, new_pkce

log = get_logger(__name__)

TOKEN_PATH = "/restapi/oauth/token"
REVOKE_PATH = "/restapi/oauth/revoke"
RINGOUT_PATH = "/restapi/v1.0/account/~/extension/~/ring-out"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

TOKENS_SECRET = "tokens"
JWT_SECRET = "jwt"
REFRESH_MARKER = "refresh_started"
CLIENT_SECRET = "client_secret"

REFRESH_MARGIN_S = 60.0
MIN_POLL_INTERVAL_S = 2.0
POLL_GROUP = "light"  # the rate-limit group a RingOut status read spends
LOW_REMAINING = 10

LEG_STATES: Mapping[str, LegState] = {
    "InProgress": LegState.RINGING,
    "Success": LegState.ANSWERED,
    "Finished": LegState.COMPLETED,
    "Busy": LegState.BUSY,
    "NoAnswer": LegState.NO_ANSWER,
    "Rejected": LegState.REJECTED,
    "GenericError": LegState.FAILED,
    "InternationalDisabled": LegState.FAILED,
    "DestinationBlocked": LegState.FAILED,
    "NotEnoughFunds": LegState.FAILED,
    "NoSuchUser": LegState.FAILED,
    "CannotReach": LegState.FAILED,
    "NoAnsweringMachine": LegState.FAILED,
    # "RingOut session state is unknown due to internal failure" / the session is gone: how it ended is
    # not reported (see legs_from_status).
    "Invalid": LegState.UNKNOWN,
    "NoSessionFound": LegState.UNKNOWN,
}
# callStatus words of a RingOut that has not failed; every other documented word is a failure, except
# these two, which say that the outcome is no longer known.
_GOING_WORDS = frozenset({"InProgress", "Success", "Finished"})
_GONE_WORDS = frozenset({"NoSessionFound", "Invalid"})
# 401 codes that mean "this access token (or its header) is not valid": refresh once, then retry.
# OAU-123 "Invalid Authorization header value", OAU-134 "Invalid Authorization header" (errors.md).
_TOKEN_ERRORS = frozenset({"OAU-123", "OAU-128", "OAU-129", "OAU-134", "OAU-149", "OAU-213"})
DEFAULT_REDIRECT_URI = RINGCENTRAL_REDIRECT_URI

RINGCENTRAL_CANCEL_FAILED = (
    "RingCentral did not cancel the call: once your phone has started ringing, a RingOut cannot be canceled "
    "from the app. Decline the call on your phone (or hang up there if you answered).")
RINGCENTRAL_ANSWERED_NOTE = (
    "RingCentral cannot end a RingOut that is already connected: hang up on your phone to end the call.")
RINGCENTRAL_CANCEL_UNCHECKED = (
    "The cancel request was sent to RingCentral, but whether it worked could not be checked. If your phone "
    "is still ringing or the call goes on, decline or hang up on your phone")


def redirect_mismatch_message(redirect_uri: str | None) -> str:
    """What to do when RingCentral refuses the redirect URI (OAU-109 "Redirect URIs do not match")."""
    which = f"the redirect URI {redirect_uri}" if redirect_uri else "the redirect URI"
    return (f"RingCentral refused {which}: it must exactly match a redirect URI registered for your app "
            "(OAU-109 \"Redirect URIs do not match\"). Register it in your app's settings in the RingCentral "
            "Developer Console, or enter the registered one as the redirect URI (sign-in dialog, or "
            f"`dialer login ringcentral --redirect-uri URI`). The default is {DEFAULT_REDIRECT_URI}.")


def leg_state(word: str | None) -> LegState:
    return LEG_STATES.get(word or "", LegState.UNKNOWN)


def legs_from_status(status: Mapping[str, Any]) -> tuple[dict[LegRole, LegState], bool]:
    """Map RingOut's ``callStatus``/``callerStatus``/``calleeStatus`` onto the two legs; also whether
    RingCentral says the RingOut is over without saying how (``NoSessionFound``, ``Invalid``).

    The destination is dialled only after the user's phone answers, so while the caller leg is still
    InProgress the callee's InProgress means "waiting", not "ringing". A failing ``callStatus``
    (CannotReach, NoAnsweringMachine, GenericError, Busy...) fails the call whatever the callee leg
    says: a callee "Success" under a failed call is never shown as a completed call. A leg still open
    when the whole call failed is closed: the user's leg takes the call's failure, the destination is
    canceled (never rung) unless the user's phone had answered, then it failed. When the user's leg
    ended without being answered, the destination was never dialled whatever word RingCentral gives it
    ("Rejected" is used for a leg dropped because of the first one): it becomes CANCELED so the outcome
    names the user's leg. An unknown ``callStatus`` word changes nothing: the leg words are used and the
    call is followed on.
    """
    call_word = status.get("callStatus")
    self_state = leg_state(status.get("callerStatus"))
    dest_state = leg_state(status.get("calleeStatus"))
    if dest_state is LegState.RINGING and self_state in (LegState.RINGING, LegState.UNKNOWN):
        dest_state = LegState.QUEUED
    if call_word in _GONE_WORDS:
        return {LegRole.SELF: self_state, LegRole.DESTINATION: dest_state}, True
    if isinstance(call_word, str) and call_word in LEG_STATES and call_word not in _GOING_WORDS:
        whole = leg_state(call_word)
        self_answered = self_state in (LegState.ANSWERED, LegState.COMPLETED)
        if self_answered:
            self_state = LegState.COMPLETED
        elif not self_state.is_terminal:
            self_state = whole
        if dest_state in (LegState.ANSWERED, LegState.COMPLETED):
            dest_state = whole  # the callee was reached, yet the call failed: failed, never completed
        elif not dest_state.is_terminal:
            dest_state = whole if self_answered else LegState.CANCELED
    if self_state.is_terminal and self_state is not LegState.COMPLETED and dest_state in (
            LegState.REJECTED, LegState.CANCELED, LegState.QUEUED, LegState.RINGING, LegState.UNKNOWN):
        dest_state = LegState.CANCELED
    return {LegRole.SELF: self_state, LegRole.DESTINATION: dest_state}, False


@dataclass(frozen=True)
class RcError:
    status: int
    code: str | None
    message: str
    parameter: str | None
    oauth_error: str | None


def parse_error(response: httpx.Response) -> RcError:
    """Read both RingCentral error shapes (top-level errorCode and ``errors[]``) and RFC 6749 errors."""
    code: str | None = None
    message = ""
    parameter: str | None = None
    oauth_error: str | None = None
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        raw_code = body.get("errorCode") or first.get("errorCode")
        code = raw_code if isinstance(raw_code, str) else None
        raw_message = body.get("message") or first.get("message") or body.get("error_description")
        message = raw_message if isinstance(raw_message, str) else ""
        raw_param = body.get("parameterName") or first.get("parameterName")
        parameter = raw_param if isinstance(raw_param, str) else None
        raw_oauth = body.get("error")
        oauth_error = raw_oauth if isinstance(raw_oauth, str) else None
    return RcError(response.status_code, code, message, parameter, oauth_error)


@dataclass
class Tokens:
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    refresh_expires_at: float | None
    token_type: str = "bearer"

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> Tokens | None:
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError):
            return None


class RingCentralProvider(HttpProvider):
    capabilities = RINGCENTRAL

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock: Callable[[], float] = time.time
        self._token_lock = asyncio.Lock()
        self.budgets = RateBudgets()

    # -------------------------------------------------------------------------------- credentials

    def _client_credentials(self) -> tuple[str, str | None]:
        client_id = self.settings.get("client_id") or os.environ.get("DIALER_RINGCENTRAL_CLIENT_ID", "")
        secret = (self._secret(CLIENT_SECRET) or self.settings.get("client_secret")
                  or os.environ.get("DIALER_RINGCENTRAL_CLIENT_SECRET") or None)
        register_secret(secret)
        if not client_id:
            raise SignInRequired(
                "RingCentral needs the app's client ID: enter it in the account settings (client_id) or set "
                "DIALER_RINGCENTRAL_CLIENT_ID.", provider=self.name)
        return client_id, secret

    def _tokens(self) -> Tokens | None:
        text = self._secret(TOKENS_SECRET)
        tokens = Tokens.from_json(text) if text else None
        if tokens is not None:
            register_secret(tokens.access_token)
            register_secret(tokens.refresh_token)
        return tokens

    def is_signed_in(self) -> bool:
        tokens = self._tokens()
        if tokens is None:
            return False
        now = self.clock()
        if tokens.access_expires_at > now:
            return True
        refresh_ok = tokens.refresh_token is not None and (tokens.refresh_expires_at or 0) > now
        return refresh_ok or bool(self._secret(JWT_SECRET))

    # ---------------------------------------------------------------------------------- sign-in

    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """``{"jwt"}``, ``{"username", "password"[, "extension"]}`` or
        ``{"code", "redirect_uri", "code_verifier"}`` (the browser flow, see :meth:`sign_in_browser`)."""
        if credentials.get("client_secret"):
            self._store_secret(CLIENT_SECRET, credentials["client_secret"])
        if credentials.get("jwt"):
            jwt = credentials["jwt"].strip()
            register_secret(jwt)
            await self._grant({"grant_type": JWT_GRANT, "assertion": jwt}, RequestKind.SAFE)
            self._store_secret(JWT_SECRET, jwt)
            label = "JWT sign-in"
        elif credentials.get("username") and credentials.get("password"):
            register_secret(credentials["password"])
            form = {"grant_type": "password", "username": credentials["username"],
                    "password": credentials["password"]}
            if credentials.get("extension"):
                form["extension"] = credentials["extension"]
            await self._grant(form, RequestKind.SAFE)
            label = credentials["username"]
        elif credentials.get("code"):
            form = {"grant_type": "authorization_code", "code": credentials["code"],
                    "redirect_uri": credentials.get("redirect_uri", ""),
                    "code_verifier": credentials.get("code_verifier", "")}
            await self._grant(form, RequestKind.UNSAFE, client_id_in_body=True)
            label = "browser sign-in"
        else:
            raise SignInRequired("Give a RingCentral JWT credential, or a username and password.",
                                 provider=self.name)
        return AccountInfo(provider_id="ringcentral", label=label,
                           settings={"client_id": self._client_credentials()[0]})

    def redirect_uri(self) -> str:
        """The redirect URI of the browser sign-in: the ``redirect_uri`` setting, else the default. RingCentral
        wants it to match a URI registered for the app exactly, so it is never chosen at random."""
        return (self.settings.get("redirect_uri") or "").strip() or DEFAULT_REDIRECT_URI

    async def sign_in_browser(self, open_browser: Callable[[str], Awaitable[None] | None], *,
                              client_secret: str | None = None, timeout: float = 300.0) -> AccountInfo:
        """Authorization code + PKCE: listen on the redirect URI, open the browser, exchange the code.

        A ``client_secret`` (confidential apps) is kept in the secret store and sent with the code exchange.
        Before the browser opens, the authorize address is read once without following redirects: when
        RingCentral already refuses the redirect URI there (OAU-109/OAU-113), the user gets that reason
        at once instead of a browser error page and a long wait."""
        client_id, _ = self._client_credentials()
        redirect_uri = self.redirect_uri()
        pkce = new_pkce()
        listener = LoopbackRedirect(redirect_uri=redirect_uri, provider=self.name)
        await listener.start()
        try:
            url = authorize_url(str(self.client.base_url), client_id=client_id, redirect_uri=redirect_uri,
                                state=listener.state, code_challenge=pkce.challenge)
            await self._check_redirect_accepted(url, redirect_uri)
            opened = open_browser(url)
            if opened is not None:
                await opened
            code = await listener.wait_for_code(timeout)
        finally:
            await listener.close()
        register_secret(code)
        credentials = {"code": code, "redirect_uri": redirect_uri, "code_verifier": pkce.verifier}
        if client_secret:
            credentials["client_secret"] = client_secret
        return await self.sign_in(credentials)

    async def _check_redirect_accepted(self, url: str, redirect_uri: str) -> None:
        try:
            response = await self.client.get(url, headers={"Accept": "text/html,application/json"})
        except httpx.HTTPError as exc:
            log.info("RingCentral authorize pre-check failed (ignored): %s", type(exc).__name__)
            return
        if response.status_code in (400, 403) and parse_error(response).code in ("OAU-109", "OAU-113"):
            raise SignInRequired(redirect_mismatch_message(redirect_uri), provider=self.name)

    async def _grant(self, form: dict[str, str], kind: RequestKind, *, client_id_in_body: bool = False) -> Tokens:
        client_id, secret = self._client_credentials()
        headers = {"Accept": "application/json"}
        if secret:
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
            register_secret(basic)
            headers["Authorization"] = f"Basic {basic}"
        if not secret or client_id_in_body:
            form = {**form, "client_id": client_id}
        response = await self._send("POST", TOKEN_PATH, kind, data=form, headers=headers)
        if response.status_code >= 400:
            raise self._error(response, signing_in=True)
        data = json_object(response, self.name)
        access = data.get("access_token")
        expires_in = data.get("expires_in")
        if not isinstance(access, str) or not access or not isinstance(expires_in, int | float):
            raise unexpected_shape(self.name, "an access token", response)
        refresh = data.get("refresh_token")
        refresh_in = data.get("refresh_token_expires_in")
        now = self.clock()
        tokens = Tokens(
            access_token=access,
            access_expires_at=now + float(expires_in),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            refresh_expires_at=now + float(refresh_in) if isinstance(refresh_in, int | float) else None,
            token_type=str(data.get("token_type") or "bearer"),
        )
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        self._store_secret(TOKENS_SECRET, tokens.to_json())  # one write: the pair is replaced atomically
        return tokens

    async def _access_token(self, *, force_refresh: bool = False) -> str:
        async with self._token_lock:
            tokens = self._tokens()
            if tokens is None:
                raise SignInRequired("Sign in to RingCentral first.", provider=self.name)
            now = self.clock()
            if not force_refresh and tokens.access_expires_at - REFRESH_MARGIN_S > now:
                return tokens.access_token
            return (await self._renew(tokens)).access_token

    async def _renew(self, tokens: Tokens) -> Tokens:
        now = self.clock()
        interrupted = bool(self._secret(REFRESH_MARKER))
        if tokens.refresh_token and (tokens.refresh_expires_at is None or tokens.refresh_expires_at > now):
            self._store_secret(REFRESH_MARKER, str(now))
            try:
                fresh = await self._grant({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                                          RequestKind.UNSAFE)
            except SignInRequired:
                log.info("RingCentral refresh token refused%s", " after an interrupted refresh" if interrupted
                         else "")
            else:
                self.secrets.delete(self.account_key, REFRESH_MARKER)
                return fresh
        jwt = self._secret(JWT_SECRET)
        if jwt:
            fresh = await self._grant({"grant_type": JWT_GRANT, "assertion": jwt}, RequestKind.SAFE)
            self.secrets.delete(self.account_key, REFRESH_MARKER)
            return fresh
        self.secrets.delete(self.account_key, TOKENS_SECRET)
        self.secrets.delete(self.account_key, REFRESH_MARKER)
        why = ("an earlier renewal was interrupted" if interrupted else "your RingCentral sign-in has expired")
        raise SignInRequired(f"Sign in to RingCentral again: {why}.", provider=self.name)

    async def sign_out(self) -> None:
        """Revoke the tokens (errors ignored, never retried, as RingCentral advises), then forget them."""
        tokens = self._tokens()
        if tokens is not None:
            try:
                client_id, secret = self._client_credentials()
                headers: dict[str, str] = {}
                form = {"token": tokens.refresh_token or tokens.access_token}
                if secret:
                    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
                    headers["Authorization"] = f"Basic {basic}"
                else:
                    form["client_id"] = client_id
                await self._send("POST", REVOKE_PATH, RequestKind.UNSAFE, data=form, headers=headers)
            except ProviderError as exc:
                log.info("RingCentral token revoke failed (ignored): %s", exc)
        self.secrets.delete_all(self.account_key)

    # ------------------------------------------------------------------------------- rate limits

    def _on_response(self, response: httpx.Response) -> None:
        """Keep the rate-limit headers per group (X-Rate-Limit-Group). Without the header the group is the
        one the API reference gives the request: token and revoke Auth, a RingOut read Light, a RingOut
        create or cancel Heavy."""
        try:
            request: httpx.Request | None = response.request
        except RuntimeError:  # a response built without its request
            request = None
        default: str | None = None
        if request is not None and request.url.path.startswith("/restapi/oauth/"):
            default = "auth"
        elif request is not None:
            default = "light" if request.method == "GET" else "heavy"
        self.budgets.update(response, default_group=default)

    def min_poll_interval(self) -> float:
        """Seconds to wait between status polls: >= 2 s, stretched only when the Light budget (the one a
        poll spends) runs low; Heavy (call creation) and Auth (sign-in) budgets have their own counters."""
        return self.budgets.pace(POLL_GROUP, minimum=MIN_POLL_INTERVAL_S, low=LOW_REMAINING)

    # ------------------------------------------------------------------------------------ errors

    def _error(self, response: httpx.Response, *, signing_in: bool = False, creating: bool = False) -> ProviderError:
        err = parse_error(response)
        code = err.code or ""
        said = f" (RingCentral {code}: {err.message})" if code or err.message else ""
        name = self.name
        if err.status == 429 or code in ("CMN-301", "CMN-302", "CMN-303"):
            retry = retry_after_seconds(response)
            return RateLimited(f"RingCentral is limiting requests. Wait {round(retry or 60)} seconds and try "
                               "again." + said, retry_after=retry, provider=name)
        if code == "OAU-140" or (signing_in and err.oauth_error == "invalid_grant" and not code):
            return SignInRequired("The RingCentral username, password or JWT was not accepted. Check them "
                                  "and sign in again." + said, provider=name)
        if code == "OAU-146" or err.oauth_error == "invalid_client":
            return SignInRequired("RingCentral did not accept the app's client ID/secret. Check them in the "
                                  "account settings." + said, provider=name)
        if code == "OAU-168":
            return SignInRequired("Your RingCentral account requires multi-factor sign-in, which password "
                                  "sign-in cannot do. Use JWT or browser sign-in." + said, provider=name)
        if code == "OAU-147":
            return SignInRequired("Your RingCentral account is locked after failed sign-ins. Wait or ask your "
                                  "administrator, then sign in again." + said, provider=name)
        if code in ("OAU-109", "OAU-113"):
            return SignInRequired(redirect_mismatch_message(None) + said, provider=name)
        if code in ("OAU-106", "OAU-108", "OAU-110"):
            return SignInRequired("The browser sign-in could not be completed (the sign-in code was invalid "
                                  "or expired). Start it again." + said, provider=name)
        if code.startswith("OAU-") or err.status == 401 or (signing_in and err.status in (400, 403)):
            return SignInRequired("Sign in to RingCentral again." + said, provider=name)
        if code == "CMN-101" or (creating and err.status == 400):
            parameter = (err.parameter or "").lower()
            if creating or "phone" in parameter or parameter in ("to", "from"):
                return InvalidNumberError("RingCentral did not accept a phone number of this call. Check the "
                                          "number and your own phone number (E.164)." + said, provider=name)
        if code == "CMN-109":
            return NotSupported("RingOut is not available for your RingCentral account or app. Ask your "
                                "administrator to enable the RingOut permission." + said, provider=name)
        if "NotEnoughFunds" in err.message:
            return InsufficientFunds("Your RingCentral account has no funds for this call." + said,
                                     provider=name)
        if err.status >= 500 or code == "CMN-201":
            return ProviderUnavailable("RingCentral is having trouble. Try again in a few minutes." + said,
                                       provider=name)
        return RejectedByProvider(f"RingCentral refused the request (HTTP {err.status})." + said,
                                  code=code or str(err.status), text=err.message or None, provider=name)

    async def _api(self, method: str, path: str, kind: RequestKind, **kwargs: Any) -> httpx.Response:
        """Send an API request with the access token. A 401 naming an invalid token or Authorization header
        (OAU-123/128/129/134/149) leads to one token refresh and one retry, except for a call-creating
        request: RingOut has no idempotency key, so it is never sent twice; the user is told to place
        the call again (nothing was placed: RingCentral refused the request)."""
        token = await self._access_token()
        response = await self._send(method, path, kind, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.status_code == 401 and parse_error(response).code in _TOKEN_ERRORS | {None}:
            token = await self._access_token(force_refresh=True)
            if kind is RequestKind.CALL_CREATE:
                err = parse_error(response)
                said = f" (RingCentral {err.code}: {err.message})" if err.code else ""
                raise RejectedByProvider(
                    "RingCentral refused the call request because it did not accept the sign-in token; "
                    "nothing was placed. The sign-in has been renewed: place the call again." + said,
                    code=err.code or "401", text=err.message or None, provider=self.name)
            response = await self._send(method, path, kind, headers={"Authorization": f"Bearer {token}"},
                                        **kwargs)
        return response

    # ------------------------------------------------------------------------------------- calls

    def _status_of(self, response: httpx.Response) -> CallStatus:
        data = json_object(response, self.name)
        status = data.get("status")
        call_id = data.get("id")
        if not isinstance(status, dict) or not isinstance(call_id, str | int) or isinstance(call_id, bool):
            raise unexpected_shape(self.name, "a RingOut id and status", response)
        raw = status.get("callStatus")
        legs, ended = legs_from_status(status)
        return CallStatus(call_id=str(call_id), legs=legs, ended=ended,
                          raw_status=f"{raw}/{status.get('callerStatus')}/{status.get('calleeStatus')}")

    async def start_call(self, request: StartCall) -> CallStatus:
        """Create a RingOut. Never re-sent once sent (no idempotency key): a lost answer is OutcomeUnknown."""
        body: dict[str, Any] = {"to": {"phoneNumber": request.destination}, **self._play_prompt()}
        if request.own_number:
            body["from"] = {"phoneNumber": request.own_number}
        if request.caller_id:
            body["callerId"] = {"phoneNumber": request.caller_id}
        response = await self._api("POST", RINGOUT_PATH, RequestKind.CALL_CREATE, json=body)
        if response.status_code >= 400:
            raise self._error(response, creating=True)
        try:
            return self._status_of(response)
        except ProviderUnavailable:
            raise OutcomeUnknown(placed_maybe_message(self.name), provider=self.name) from None

    async def call_status(self, call_id: str) -> CallStatus:
        """The RingOut's status. A 404 / CMN-102 means RingCentral no longer knows the session: the call is
        over, and how it ended is not reported (``ended`` with unknown legs)."""
        response = await self._api("GET", f"{RINGOUT_PATH}/{call_id}", RequestKind.SAFE)
        err = parse_error(response) if response.status_code >= 400 else None
        if err is not None and (err.status == 404 or err.code == "CMN-102"):
            gone = {LegRole.SELF: LegState.UNKNOWN, LegRole.DESTINATION: LegState.UNKNOWN}
            return CallStatus(call_id=call_id, legs=gone, ended=True,
                              raw_status=f"HTTP {err.status} {err.code or ''}".strip())
        if response.status_code >= 400:
            raise self._error(response)
        return self._status_of(response)

    async def hang_up(self, call_id: str) -> None:
        """Cancel the RingOut, then read its status once to see whether that worked.

        RingCentral's DELETE answers 204 but "if the first leg of the call has been initiated, then the
        DELETE API will not terminate the call" (ringcentral-ringout.txt). When the call goes on, the user
        is told to decline or hang up on the phone (:class:`NotSupported` with that message)."""
        response = await self._api("DELETE", f"{RINGOUT_PATH}/{call_id}", RequestKind.SAFE)
        if response.status_code >= 400 and response.status_code != 404 and parse_error(response).code != "CMN-102":
            err = self._error(response)
            if isinstance(err, RejectedByProvider):
                raise NotSupported(RINGCENTRAL_CANCEL_FAILED, provider=self.name)
            raise err
        try:
            status = await self.call_status(call_id)
        except ProviderError as exc:
            raise NotSupported(f"{RINGCENTRAL_CANCEL_UNCHECKED} ({exc})", provider=self.name) from exc
        if status.ended or all(state.is_terminal for state in status.legs.values()):
            return
        if any(state is LegState.ANSWERED for state in status.legs.values()):
            raise NotSupported(RINGCENTRAL_ANSWERED_NOTE, provider=self.name)
        raise NotSupported(RINGCENTRAL_CANCEL_FAILED, provider=self.name)

    # ------------------------------------------------------------------------- choosable numbers
    # The extension's forwarding numbers (for RingOut's ``from``) and its phone numbers whose features
    # include "CallerId" (for ``callerId``): GET .../forwarding-number and .../phone-number, both in the
    # Light group, both paged (``paging``/``navigation``), both needing the ReadAccounts app permission.

    def _play_prompt(self) -> dict[str, bool]:
        """``playPrompt`` only when the user set it (account setting ``play_prompt``); else RingCentral's
        own default applies."""
        value = (self.settings.get("play_prompt") or "").strip().lower()
        if value in ("true", "1", "yes", "on"):
            return {"playPrompt": True}
        if value in ("false", "0", "no", "off"):
            return {"playPrompt": False}
        return {}

    async def _list_records(self, path: str, what: str) -> list[Mapping[str, Any]]:
        records: list[Mapping[str, Any]] = []
        for page in range(1, LIST_MAX_PAGES + 1):
            response = await self._api("GET", path, RequestKind.SAFE,
                                       params={"page": page, "perPage": LIST_PAGE_SIZE})
            if response.status_code == 403:
                raise NotSupported(f"RingCentral does not let this app read your {what} (the app needs the "
                                   "ReadAccounts permission). Type the number instead." + _said(response),
                                   provider=self.name)
            if response.status_code >= 400:
                raise self._error(response)
            data = json_object(response, self.name)
            batch = data.get("records")
            if not isinstance(batch, list):
                raise unexpected_shape(self.name, f"a list of {what}", response)
            records += [r for r in batch if isinstance(r, dict)]
            navigation = data.get("navigation")
            paging = data.get("paging")
            total = paging.get("totalPages") if isinstance(paging, dict) else None
            has_next = isinstance(navigation, dict) and isinstance(navigation.get("nextPage"), dict)
            if not (has_next or (isinstance(total, int) and page < total)):
                break
        return records

    @staticmethod
    def _choice(record: Mapping[str, Any], label: str) -> NumberChoice | None:
        raw = record.get("phoneNumber")
        if not isinstance(raw, str):
            return None
        try:
            e164 = numbers.normalize(raw if raw.startswith("+") else "+" + raw, None)
        except numbers.InvalidNumber:
            log.info("RingCentral listed a number the app cannot read; skipped")
            return None
        ref = record.get("id")
        return NumberChoice(number=e164, label=label, ref=str(ref) if isinstance(ref, str | int) else None)

    async def own_numbers(self) -> list[NumberChoice]:
        """The extension's forwarding numbers: RingOut may ring any of them first (or any other number)."""
        found: list[NumberChoice] = []
        for record in await self._list_records(FORWARDING_NUMBERS_PATH, "forwarding numbers"):
            label = record.get("label") or record.get("type") or ""
            choice = self._choice(record, str(label))
            if choice is not None and choice.number not in {c.number for c in found}:
                found.append(choice)
        return found

    async def caller_ids(self) -> CallerIdChoices:
        """The extension's phone numbers whose ``features`` include "CallerId" (status Normal or unset)."""
        found: list[NumberChoice] = []
        for record in await self._list_records(PHONE_NUMBERS_PATH, "phone numbers"):
            features = record.get("features")
            if not isinstance(features, list) or "CallerId" not in features:
                continue
            if record.get("status") not in (None, "Normal"):
                continue
            usage = str(record.get("usageType") or "")
            words = _USAGE_WORDS.get(usage, usage)
            label = " — ".join(str(p) for p in (record.get("label"), words) if p)
            choice = self._choice(record, label)
            if choice is not None and choice.number not in {c.number for c in found}:
                found.append(choice)
        return CallerIdChoices(numbers=found, free_entry=False, note=RINGCENTRAL_CALLER_ID_NOTE)


FORWARDING_NUMBERS_PATH = "/restapi/v1.0/account/~/extension/~/forwarding-number"
PHONE_NUMBERS_PATH = "/restapi/v1.0/account/~/extension/~/phone-number"
LIST_PAGE_SIZE = 100
LIST_MAX_PAGES = 10  # 1,000 numbers: more than any extension has
_USAGE_WORDS: Mapping[str, str] = {
    "MainCompanyNumber": "main company number",
    "AdditionalCompanyNumber": "company number",
    "CompanyNumber": "company number",
    "DirectNumber": "direct number",
    "ForwardedNumber": "forwarded number",
    "ForwardedCompanyNumber": "forwarded company number",
    "BusinessMobileNumber": "business mobile number",
}


def _said(response: httpx.Response) -> str:
    err = parse_error(response)
    return f" (RingCentral {err.code}: {err.message})" if err.code else ""
