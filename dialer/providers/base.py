"""The one interface every provider client implements, its declared capabilities, and its errors.

The UI, the CLI and the call service read :class:`Capabilities` instead of guessing what a provider can do
(e.g. the Hang up button is disabled with a tooltip when ``hangup`` is ``HangupSupport.NEVER``).
Every documented provider error is translated into one of the :class:`ProviderError` subclasses below, each
carrying a message a user understands: what happened and what to do.

This module must stay free of httpx and other heavy imports: the UI reads capabilities at start-up.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from dialer.core.calls import CallMode, LegRole, LegState


class SignInKind(StrEnum):
    EMAIL_OTP = "email-otp"
    PASSWORD = "password"
    API_KEY = "api-key"
    OAUTH_BROWSER = "oauth-browser"
    JWT = "jwt"


class LegReporting(StrEnum):
    TWO_LEGS = "two-legs"  # status of each leg (RingCentral RingOut)
    ONE_STATUS = "one-status"  # one status for the whole call (Ringez)
    CALLBACK_ONLY = "callback-only"  # only a final callback (Called.in)
    NONE = "none"  # nothing after the request is accepted (Ringostat)


class HangupSupport(StrEnum):
    ANY_TIME = "any-time"
    BEFORE_CONNECT = "before-connect"  # RingOut: DELETE cancels only before the call connects
    NEVER = "never"


@dataclass(frozen=True)
class Capabilities:
    provider_id: str  # "ringez" | "ringcentral" | "calledin" | "ringostat"
    display_name: str
    sign_in: frozenset[SignInKind]
    modes: frozenset[CallMode]
    leg_status: LegReporting
    hangup: HangupSupport
    dtmf: bool
    balance: bool
    server_history: bool
    rates: bool  # the provider publishes per-destination rates we can estimate costs with
    max_duration: bool  # a call length limit can be sent with the request
    caller_id: bool  # a caller ID can be chosen
    needs_own_number: bool  # bridge calls need the user's own phone number
    wallet_url: str | None = None  # where the user tops up (opened in the browser)
    hangup_note: str = ""  # shown as a tooltip when hang-up is limited, e.g. "end it from your phone"
    # Bridge calls ring the phone registered with the provider account (the app sends no number of yours).
    rings_registered_phone: bool = False
    caller_id_note: str = ""  # a caveat shown next to a chosen caller ID (RingCentral: an account setting wins)


# ----------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Balance:
    minutes: float | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class StartCall:
    """What the service asks a provider to place. Numbers are E.164 already (core.numbers.normalize)."""

    destination: str
    mode: CallMode = CallMode.BRIDGE
    own_number: str | None = None  # the user's phone, rung first in bridge mode
    caller_id: str | None = None
    max_minutes: int | None = None
    idempotency_key: str | None = None  # one per user action; the same for every retry of that action


@dataclass(frozen=True)
class CallStatus:
    """A snapshot of a call as the provider reports it, already mapped onto the core model."""

    call_id: str  # the provider's id for the call
    legs: Mapping[LegRole, LegState]
    duration_s: int | None = None
    cost: Decimal | None = None
    currency: str | None = None
    raw_status: str | None = None  # the provider's own word, for logs and the details view
    already_initiated: bool = False  # Ringez answered an idempotent retry with the original call
    # The provider says the call is over but not how (RingCentral NoSessionFound, a 404 on a poll): legs
    # still open end as "unknown", except a leg seen answered, which ended after talking (completed).
    ended: bool = False


@dataclass(frozen=True)
class ServerCall:
    """One row of the provider's own call history (Ringez)."""

    call_id: str
    destination: str
    state: LegState
    duration_s: int | None
    cost: Decimal | None
    started_at: datetime | None


@dataclass(frozen=True)
class HistoryPage:
    calls: Sequence[ServerCall]
    total: int | None
    has_more: bool


@dataclass(frozen=True)
class NumberChoice:
    """A phone number of the user's account that can be chosen (for ``from`` or as the caller ID)."""

    number: str  # E.164
    label: str = ""  # the provider's name for it ("Mobile", "Direct number"), for display
    ref: str | None = None  # the provider's id of that number (RingCentral forwardingNumberId), if any


@dataclass(frozen=True)
class CallerIdChoices:
    """What may be shown to the callee: a list from the provider, or free entry (Called.in)."""

    numbers: Sequence[NumberChoice] = ()
    free_entry: bool = False  # any number passing :meth:`Provider.check_caller_id` may be typed
    note: str = ""  # a caveat for the user (e.g. an account setting may override the choice)


@dataclass(frozen=True)
class AccountInfo:
    """Who is signed in (non-secret; safe to store in SQLite and show)."""

    provider_id: str
    label: str  # e-mail, extension, key hint
    settings: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- errors


class ProviderError(Exception):
    """Base of every provider error. ``str(err)`` is a message for the user: cause and fix."""

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider

    @property
    def user_message(self) -> str:
        return str(self)


class SignInRequired(ProviderError):
    """No session, or the session/token/key is no longer valid. Fix: sign in again."""


class InsufficientFunds(ProviderError):
    def __init__(self, message: str, *, wallet_url: str | None = None, provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.wallet_url = wallet_url


class InvalidNumberError(ProviderError):
    """The provider refused the number itself (format, country not supported, do-not-call list)."""


class RateLimited(ProviderError):
    def __init__(self, message: str, *, retry_after: float | None = None, provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """Network failure, timeout, 5xx, or a response we could not read: nothing was placed."""


class OutcomeUnknown(ProviderError):
    """A call-creating request was sent but its answer was lost: the call may have been placed.

    Never retried automatically (unless the provider honours an idempotency key): the user decides.
    """


class PlacedNotFollowed(ProviderError):
    """The provider says the call was placed but not which call it is, so its progress cannot be followed."""


class NotSupported(ProviderError):
    """This provider cannot do that (e.g. DTMF on Called.in)."""


class RejectedByProvider(ProviderError):
    def __init__(self, message: str, *, code: str | None = None, text: str | None = None,
                 provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.code = code
        self.text = text


# ------------------------------------------------------------------------------------------ interface


class Provider(abc.ABC):
    """An async client for one account at one provider.

    Implementations take an injected ``httpx.AsyncClient`` (see ``providers/http.py``) and a secret store;
    they never touch SQLite or Qt. Methods a provider cannot support raise :class:`NotSupported`.
    """

    capabilities: Capabilities

    @abc.abstractmethod
    async def sign_in(self, credentials: Mapping[str, str]) -> AccountInfo:
        """Complete a sign-in with the given credentials (keys depend on the sign-in kind)."""

    @abc.abstractmethod
    async def sign_out(self) -> None:
        """Forget (and revoke where possible) every secret of this account."""

    @abc.abstractmethod
    def is_signed_in(self) -> bool:
        """Whether a usable secret is present (no network)."""

    async def balance(self) -> Balance:
        raise NotSupported("This provider does not report a balance.")

    def describe_account(self) -> str:
        """This account's own choices in words (e.g. Ringostat's method), for account lists; "" for none."""
        return ""

    def rings_first(self) -> str | None:
        """Which phone rings first, in words, when the account decides it rather than the user's own number
        (then the own number is not sent); None otherwise."""
        return None

    def check_call(self, request: StartCall) -> None:
        """Refuse (InvalidNumberError) what the provider's document rules out, before anything is sent."""
        return None

    @abc.abstractmethod
    async def start_call(self, request: StartCall) -> CallStatus:
        """Place a call. May raise OutcomeUnknown: then the call may exist and must not be re-sent."""

    def note_call(self, call_id: str, mode: CallMode) -> None:
        """Be told the mode of a call this client did not place itself (followed again after a restart)."""
        return None

    async def call_status(self, call_id: str) -> CallStatus:
        raise NotSupported("This provider does not report call progress.")

    async def hang_up(self, call_id: str) -> None:
        raise NotSupported("This provider cannot end a call from the app.")

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        raise NotSupported("This provider cannot send key presses (DTMF) into a call.")

    async def server_history(self, limit: int = 50, offset: int = 0) -> HistoryPage:
        raise NotSupported("This provider does not keep a call history.")

    # Choosable numbers (an optional capability: ``capabilities.caller_id`` says whether a caller ID can be
    # chosen at all). Both list calls reach the network; the UI runs them in the background.

    async def own_numbers(self) -> Sequence[NumberChoice]:
        """The numbers of the account that may be rung first (RingCentral: the forwarding numbers)."""
        raise NotSupported("This provider does not list your phone numbers.")

    async def caller_ids(self) -> CallerIdChoices:
        """The numbers that may be shown to the callee."""
        raise NotSupported("This provider does not let you choose the caller ID.")

    def check_caller_id(self, caller_id: str, own_number: str | None) -> None:
        """Raise :class:`InvalidNumberError` when this provider cannot send ``caller_id`` (E.164); no network."""
        if not self.capabilities.caller_id:
            raise NotSupported(f"{self.capabilities.display_name} cannot choose the caller ID the callee sees.")

    async def aclose(self) -> None:
        """Release network resources (the injected client is owned by the caller)."""
        return None
