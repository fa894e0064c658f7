"""Turning what the user typed, pasted or clicked into a :class:`CallPlan` (fast, synchronous, no network).

The order matters: the dial guard sees the raw text first, so a service code (``*21#``) or an emergency
number is refused with its own explanation before any "not a valid number" message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dialer.core import billing, numbers, safety, teluri
from dialer.core.calls import CallMode, Origin
from dialer.core.dtmf import DtmfError, postdial_for
from dialer.providers.base import Balance, ProviderError
from dialer.service import postdial as postdial_mod
from dialer.service.active import AccountView, CallPlan
from dialer.service.errors import DialError
from dialer.service.settings import Settings

RATE_TABLES: dict[str, billing.RateTable] = {"ringez": billing.RINGEZ_RATES}


@dataclass(frozen=True)
class _Target:
    number: str  # what to normalize
    postdial: str


def _split_uri(text: str) -> _Target:
    low = text.strip().lower()
    if not low.startswith(("tel:", "callto:")):
        return _Target(text, "")
    try:
        uri = teluri.parse(text)
    except teluri.TelUriError as exc:
        raise DialError(f"The link cannot be dialled: {exc}") from exc
    try:
        post = postdial_for(uri.extension, uri.postdial)
    except DtmfError as exc:
        raise DialError(f"The link's extension or key presses are not valid: {exc}") from exc
    return _Target(uri.dialable, post)


def now_utc() -> datetime:
    """The planner's clock (the night-time warning depends on it); tests pin it to a fixed moment."""
    return datetime.now(UTC)


class Planner:
    """Builds call plans from settings, accounts and the core rules."""

    def __init__(self, *, settings: Settings, accounts: Callable[[], list[AccountView]],
                 balance_of: Callable[[int], Balance | None],
                 contact_name: Callable[[str], str | None] = lambda _e164: None,
                 clock: Callable[[], datetime] | None = None,
                 check_caller_id: Callable[[int, str, str | None], None] | None = None) -> None:
        self._check_caller_id = check_caller_id
        self._clock = clock
        self._settings = settings
        self._accounts = accounts
        self._balance_of = balance_of
        self._contact_name = contact_name

    def prepare(self, number_text: str, *, origin: Origin, account_id: int | None = None,
                mode: CallMode | None = None, own_number: str | None = None,
                postdial: str | None = None, max_minutes: int | None = None,
                caller_id: str | None = None) -> CallPlan:
        """``caller_id``: the number the callee should see for this call ("" = the provider's default);
        ``None`` uses the account's saved default."""
        own = own_number if own_number is not None else self._settings.own_number
        region = self._settings.default_region or numbers.default_region(own)
        try:
            target = _split_uri(number_text)
        except DialError:
            early = safety.check(None, number_text, origin)  # a service code in a link: say so
            if early.refused and early.refused != safety.NO_NUMBER:
                raise DialError(early.refused) from None
            raise
        try:
            e164 = numbers.normalize(target.number, region)
            info = numbers.describe(e164)
        except numbers.InvalidNumber as exc:
            early = safety.check(None, number_text, origin)
            if early.refused and early.refused != safety.NO_NUMBER:
                raise DialError(early.refused) from exc
            raise DialError(str(exc)) from exc
        now = self._clock() if self._clock is not None else now_utc()
        verdict = safety.check(info, number_text, origin, now=now, always_confirm=self._settings.confirm_all)
        if verdict.refused:
            raise DialError(verdict.refused)

        account = self._pick_account(account_id)
        caps = account.capabilities
        chosen_mode = self._pick_mode(account, mode)
        own_e164: str | None = None
        if chosen_mode is CallMode.BRIDGE and account.rings_first:
            own = None  # the account rings its own number first (Ringostat's simple method): ours is not sent
        if chosen_mode is CallMode.BRIDGE and caps.needs_own_number:
            if not own:
                raise DialError(f"{caps.display_name} rings your own phone first: set your phone number in "
                                "Settings (or pass --from NUMBER) and try again.")
            try:
                own_e164 = numbers.normalize(own, region)
            except numbers.InvalidNumber as exc:
                raise DialError(f"Your own phone number is not valid: {exc}") from exc
        elif chosen_mode is CallMode.BRIDGE and own and not caps.rings_registered_phone:
            try:
                own_e164 = numbers.normalize(own, region)
            except numbers.InvalidNumber:
                own_e164 = None

        shown = self._pick_caller_id(account, caller_id, own_e164, region)
        post = target.postdial
        if postdial:
            post += postdial_mod.normalize(postdial)
        limit = max_minutes if max_minutes is not None else self._settings.max_minutes
        table = RATE_TABLES.get(caps.provider_id)
        rate = billing.rate_for(e164, table) if table is not None and caps.rates else None
        estimate = billing.estimate_cost(limit, rate) if rate is not None and limit else None
        balance = self._balance_of(account.id)
        if rate is not None and balance is not None and billing.covers(
                balance.minutes, balance.amount, rate, minutes=1) is False:
            where = f" at {caps.wallet_url}" if caps.wallet_url else ""
            verdict = replace(verdict, needs_confirmation=True, warnings=(
                *verdict.warnings,
                f"Your {caps.display_name} balance does not cover one minute of this call; top up{where} first."))
        return CallPlan(
            destination=e164, info=info, account=account, mode=chosen_mode, origin=origin,
            own_number=own_e164, postdial=post, verdict=verdict, caller_id=shown, max_minutes=limit,
            rate=rate, estimate_max=estimate, balance=balance,
            rings_first=(f"{account.rings_first}, then {info.international} is called."
                         if chosen_mode is CallMode.BRIDGE and account.rings_first
                         else _rings_first(chosen_mode, own_e164, info.international,
                                           registered=caps.display_name if caps.rings_registered_phone else "")),
            display_name=self._contact_name(e164),
        )

    def _pick_account(self, account_id: int | None) -> AccountView:
        accounts = self._accounts()
        if account_id is not None:
            found = next((a for a in accounts if a.id == account_id), None)
            if found is None:
                raise DialError("That account is not known any more; choose another account or sign in again.")
            if not found.signed_in:
                raise DialError(f"{found.display_name} is signed out; sign in again to call with it.")
            return found
        signed_in = [a for a in accounts if a.signed_in]
        if not signed_in:
            raise DialError("No account is signed in; sign in to a provider first "
                            "(Settings → Accounts, or `dialer login PROVIDER`).")
        default = self._settings.default_account_id
        return next((a for a in signed_in if a.id == default), signed_in[0])

    def _pick_caller_id(self, account: AccountView, caller_id: str | None, own: str | None,
                        region: str) -> str | None:
        caps = account.capabilities
        if caller_id is None:
            text = account.caller_id if caps.caller_id else None  # the account's saved default
        else:
            text = caller_id.strip()
            if text and not caps.caller_id:
                raise DialError(f"{caps.display_name} cannot choose the caller ID the person you call sees; "
                                "call without a caller ID or choose another account.")
        if not text:
            return None
        try:
            e164 = numbers.normalize(text, region)
        except numbers.InvalidNumber as exc:
            raise DialError(f"The caller ID is not a valid phone number: {exc}") from exc
        if self._check_caller_id is not None:
            try:
                self._check_caller_id(account.id, e164, own)
            except ProviderError as exc:
                raise DialError(exc.user_message) from exc
        return e164

    def _pick_mode(self, account: AccountView, mode: CallMode | None) -> CallMode:
        caps = account.capabilities
        if mode is not None:
            if mode not in caps.modes:
                raise DialError(f"{caps.display_name} cannot place {mode.value} calls; choose "
                                f"{' or '.join(sorted(m.value for m in caps.modes))}.")
            return mode
        preferred = self._settings.default_mode
        if preferred is not None and preferred in caps.modes:
            return preferred
        return CallMode.BRIDGE if CallMode.BRIDGE in caps.modes else next(iter(sorted(caps.modes)))


def _rings_first(mode: CallMode, own: str | None, destination: str, *, registered: str = "") -> str:
    if mode is CallMode.DIRECT:
        return f"{destination} is called directly; your phone does not ring."
    if registered:  # the provider rings the phone on the account; it never received a number from us
        return (f"The phone registered with your {registered} account rings first; answer it, "
                f"then {destination} is called.")
    if own:
        return f"Your phone ({numbers.format_international(own)}) rings first; answer it, then {destination} is called."
    return f"Your phone rings first; answer it, then {destination} is called."
