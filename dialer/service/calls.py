"""Placing and following calls: the part of the app that must never lose or double a call.

The rules this module keeps, in order of importance:

* One user action is one idempotency key. A request whose answer was lost (:class:`OutcomeUnknown`) is
  never sent again, except to a provider that honours the key (Ringez), and then with the same key.
* The history row is written before the request goes out and again on every change, so a crash loses
  nothing: :meth:`CallService.reconcile_unfinished` closes or resumes what was left open.
* Late or out-of-order status results cannot move a leg backwards (``core.calls.Leg.advance``).
* All calls are followed by one shared, bounded :class:`~dialer.service.poller.CallPoller`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from dialer.core import billing, numbers
from dialer.core.calls import Call, CallMode, LegRole, LegState, Origin
from dialer.core.safety import DialVerdict
from dialer.providers.base import (
    Balance,
    CallStatus,
    HangupSupport,
    LegReporting,
    NotSupported,
    OutcomeUnknown,
    PlacedNotFollowed,
    Provider,
    ProviderError,
    SignInRequired,
    StartCall,
)
from dialer.service import postdial as postdial_mod
from dialer.service.active import AccountView, ActiveCall, CallPlan
from dialer.service.errors import DialError
from dialer.service.events import CallEvent, EventHub, EventKind, Subscriber
from dialer.service.followlimit import FollowLimits, FollowWatch, span
from dialer.service.planner import RATE_TABLES, Planner
from dialer.service.poller import CallPoller
from dialer.store.history import HistoryRow, HistoryStore

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL_S = 1.0
OUTCOME_UNKNOWN_MESSAGE = (
    "The provider did not answer after the call request was sent, so the call may have been placed. "
    "Check your phone and the provider's call log before calling again."
)
IDEMPOTENT_PROVIDERS = frozenset({"ringez"})  # documented: the same key within 5 minutes returns the call
# The outcome of a call whose provider reports only the user's own leg (Ringez bridge) once that leg ended.
OWN_LEG_ENDED = "ended; destination not reported"


class ProviderSource(Protocol):
    """Where the call service gets a signed-in client for an account (the account service)."""

    def client(self, account_id: int) -> Provider: ...

    async def balance(self, account_id: int) -> Balance: ...


def new_idempotency_key() -> str:
    """A fresh key for one user action (time + randomness, as Ringez documents)."""
    return f"dialer_{int(time.time() * 1000)}_{secrets.token_hex(6)}"


def _now() -> datetime:
    return datetime.now(UTC)


def default_poll_interval(provider: Provider) -> float | None:
    """How often to ask ``provider`` for progress; None when it reports none (callback-only, none)."""
    reporting = provider.capabilities.leg_status
    if reporting not in (LegReporting.TWO_LEGS, LegReporting.ONE_STATUS):
        return None
    minimum = getattr(provider, "min_poll_interval", None)
    if callable(minimum):
        value = minimum()
        if isinstance(value, int | float):
            return max(float(value), DEFAULT_POLL_INTERVAL_S)
    return DEFAULT_POLL_INTERVAL_S


def _close_ended(call: Call) -> None:
    """The provider says the call is over without saying how: a leg seen answered ended after talking
    (completed); every other open leg ends "unknown" (never "completed" without evidence)."""
    for leg in call.legs:
        if leg.state.is_terminal:
            continue
        if leg.state is LegState.ANSWERED or (leg.state is LegState.UNKNOWN and leg.last_known is LegState.ANSWERED):
            leg.advance(LegState.COMPLETED)
        else:
            leg.advance(LegState.UNKNOWN)


def _ended_unknown_message(provider: str, raw: str | None) -> str:
    said = f" ({raw})" if raw else ""
    return (f"{provider} stopped reporting this call{said} before the destination was seen answering, so how "
            "it ended is not known. Check your phone's call log.")


def _is_over(call: Call) -> bool:
    """All legs ended, or the user's own phone ended before the destination was ever rung."""
    if call.is_finished:
        return True
    own = call.leg(LegRole.SELF)
    dest = call.leg(LegRole.DESTINATION)
    return (own is not None and own.state.is_terminal and dest is not None
            and dest.state in (LegState.QUEUED, LegState.UNKNOWN))


class CallService:
    """Places calls, follows them, records them, and tells subscribers."""

    def __init__(self, *, history: HistoryStore, providers: ProviderSource,
                 poller: CallPoller | None = None,
                 poll_interval: Callable[[Provider], float | None] = default_poll_interval,
                 time_scale: float = 1.0,
                 callbacks_enabled: Callable[[], bool] = lambda: False,
                 planner: Planner | None = None,
                 account_view: Callable[[int], AccountView] | None = None,
                 follow_limits: FollowLimits | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self._planner = planner
        self._account_view = account_view
        self._history = history
        self._providers = providers
        self._poller = poller if poller is not None else CallPoller()
        self._poll_interval = poll_interval
        self._time_scale = time_scale
        self._callbacks_enabled = callbacks_enabled
        self._hub = EventHub()
        self._active: dict[int, ActiveCall] = {}
        self._done: dict[int, asyncio.Event] = {}
        self._clients: dict[int, Provider] = {}
        self._postdial: dict[int, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.last_balance: dict[int, Balance] = {}
        self._watch = FollowWatch(follow_limits or FollowLimits(), self._follow_expired, clock)
        self._gave_up: set[int] = set()  # calls ended "unknown" at a follow limit

    # --------------------------------------------------------------------------------------- events

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self._hub.subscribe(callback)

    def _emit(self, kind: EventKind, active: ActiveCall, message: str = "") -> None:
        self._hub.emit(CallEvent(kind, active.id, active.snapshot(), message))

    # ---------------------------------------------------------------------------------------- query

    def active(self) -> list[ActiveCall]:
        """Calls still being followed, oldest first."""
        return [c for c in self._active.values() if not c.finished]

    def get(self, call_id: int) -> ActiveCall | None:
        return self._active.get(call_id)

    async def wait_finished(self, call_id: int, timeout: float | None = None) -> ActiveCall:
        """Wait until the call is finished (raises TimeoutError after ``timeout`` seconds)."""
        active = self._require(call_id)
        event = self._done.setdefault(call_id, asyncio.Event())
        if not active.finished:
            await asyncio.wait_for(event.wait(), timeout)
        return active

    @property
    def poller(self) -> CallPoller:
        return self._poller

    # ---------------------------------------------------------------------------------------- place

    def prepare(self, number_text: str, *, origin: Origin, account_id: int | None = None,
                mode: CallMode | None = None, own_number: str | None = None,
                postdial: str | None = None, max_minutes: int | None = None,
                caller_id: str | None = None) -> CallPlan:
        """Read the number (tel:/callto: links too), run the dial guard, pick account and mode.

        Fast and offline; raises :class:`DialError` with the reason when the call cannot be made.
        """
        if self._planner is None:
            raise DialError("Calls cannot be prepared: the dialer is not fully started.")
        return self._planner.prepare(number_text, origin=origin, account_id=account_id, mode=mode,
                                     own_number=own_number, postdial=postdial, max_minutes=max_minutes,
                                     caller_id=caller_id)

    async def place(self, plan: CallPlan, *, confirmed: bool, extra_confirmed: bool = False) -> ActiveCall:
        """Place the call the user confirmed and start following it.

        Raises :class:`DialError` before anything is sent (not confirmed, refused, not signed in), and the
        provider's own error (:class:`ProviderError` subclasses: insufficient funds, rejected...) when the
        provider refused; both leave a finished history row for a request that went out. A lost answer
        does not raise: the returned call is finished with ``outcome`` "unknown" and ``error`` saying the
        call may have been placed.
        """
        if plan.verdict.refused:
            raise DialError(plan.verdict.refused)
        if plan.needs_confirmation and not confirmed:
            raise DialError("This call needs your confirmation before it is placed; check the number and "
                            "confirm it.")
        if plan.needs_extra_step and not (confirmed and extra_confirmed):
            raise DialError("This number can be expensive or special; confirm it a second time to call it.")
        caps = plan.account.capabilities
        if plan.mode not in caps.modes:
            raise DialError(f"{caps.display_name} cannot place {plan.mode.value} calls; choose another mode "
                            "or account.")
        provider = self._providers.client(plan.account.id)
        key = new_idempotency_key()
        request = StartCall(destination=plan.destination, mode=plan.mode, own_number=plan.own_number,
                            caller_id=plan.caller_id, max_minutes=plan.max_minutes, idempotency_key=key)
        try:
            provider.check_call(request)  # the document's own rules: refused before anything is sent
        except ProviderError as exc:
            raise DialError(exc.user_message) from exc
        call = Call.new(plan.destination, plan.mode)
        started = _now()
        row = HistoryRow(
            id=None, provider=caps.provider_id, account_id=plan.account.id, provider_call_id=None,
            destination=plan.destination, display_name=plan.display_name, mode=plan.mode.value,
            origin=plan.origin.value, state=LegState.QUEUED.value, legs=_legs(call), started_at=started,
        )
        row_id = self._history.add(row)
        active = ActiveCall(id=row_id, plan=plan, call=call, started_at=started)
        self._active[row_id] = active
        self._clients[row_id] = provider
        self._done[row_id] = asyncio.Event()
        self._emit("started", active, f"Calling {plan.info.international}…")
        try:
            status = await self._start(provider, request)
        except PlacedNotFollowed as exc:
            log.warning("call placed but not identifiable (row %s): %s", row_id, exc)
            self._end_without_status(active, LegState.UNKNOWN, exc.user_message)
            return active
        except OutcomeUnknown as exc:
            log.warning("call request answer lost (row %s): %s", row_id, exc)
            self._end_without_status(active, LegState.UNKNOWN, OUTCOME_UNKNOWN_MESSAGE)
            return active
        except ProviderError as exc:
            self._end_without_status(active, LegState.FAILED, exc.user_message)
            raise
        except BaseException:
            # Cancelled or a client bug while the request was out: it may have gone through.
            self._end_without_status(active, LegState.UNKNOWN, OUTCOME_UNKNOWN_MESSAGE)
            raise
        active.provider_call_id = status.call_id
        self._history.update(row_id, provider_call_id=status.call_id)
        await self._on_status(active, status)
        if not active.finished:
            self._follow(active, provider)
        return active

    async def _start(self, provider: Provider, request: StartCall) -> CallStatus:
        try:
            return await provider.start_call(request)
        except OutcomeUnknown:
            if provider.capabilities.provider_id not in IDEMPOTENT_PROVIDERS:
                raise
            # The provider returns the original call for the same key: asking again cannot double it.
            return await provider.start_call(request)

    def _follow(self, active: ActiveCall, provider: Provider) -> None:
        reporting = provider.capabilities.leg_status
        polled = reporting in (LegReporting.TWO_LEGS, LegReporting.ONE_STATUS)
        interval = self._poll_interval(provider) if polled else None
        if interval is not None:
            scale = self._time_scale

            def interval_of() -> float:
                value = self._poll_interval(provider)
                return (value if value is not None else DEFAULT_POLL_INTERVAL_S) * scale

            call_id = active.provider_call_id
            assert call_id is not None

            async def fetch() -> CallStatus:
                return await provider.call_status(call_id)

            async def on_status(status: CallStatus) -> None:
                await self._on_status(active, status)

            async def on_error(exc: ProviderError) -> None:
                if isinstance(exc, NotSupported):
                    self._poller.untrack(active.id)
                    self._accepted_only(active)
                    return
                if isinstance(exc, SignInRequired):
                    # Polling cannot recover without the user: stop, and say what is known.
                    self._poller.untrack(active.id)
                    self._end_without_status(
                        active, LegState.UNKNOWN,
                        f"The call's progress can no longer be followed: {exc.user_message} "
                        "The call itself may still be running; check your phone.")
                    return
                self._emit("error", active, f"Could not get the call's progress: {exc.user_message} "
                                            "Still trying.")

            self._poller.track(active.id, fetch, interval=interval_of,
                               on_status=on_status, on_error=on_error)
            self._watch.start(active.id, follow_s=self._follow_s(active), ringing=lambda: _is_ringing(active))
            return
        if (provider.capabilities.leg_status is LegReporting.CALLBACK_ONLY and self._callbacks_enabled()):
            # finished by handle_calledin_callback() when the provider calls back, or at the follow limit
            self._watch.start(active.id, follow_s=self._follow_s(active), ringing=lambda: False)
            return
        self._accepted_only(active)

    def _follow_s(self, active: ActiveCall) -> float:
        return self._watch.limits.follow_s(active.plan.max_minutes)

    def _follow_expired(self, call_id: int, why: str) -> None:
        """The watch's deadline passed: end the call as unknown and say why, in the user's terms."""
        active = self._active.get(call_id)
        if active is None or active.finished:
            return
        caps = active.capabilities
        name = caps.display_name
        if why == "ring":
            waiting = next((leg for leg in active.call.legs if leg.state in (LegState.QUEUED, LegState.RINGING)),
                           active.call.legs[-1])
            who = "your phone" if waiting.role is LegRole.SELF else active.plan.info.international
            how_long = span(self._watch.limits.ring_timeout_s)
            seen = (f"reported {who} as ringing for {how_long} without any change"
                    if waiting.state is LegState.RINGING else
                    f"reported no progress for {how_long} (the call was still waiting to ring {who})")
            message = (f"{name} {seen}, so the app stopped following the call and its outcome is unknown. "
                       "Check your phone, and the provider's call log, before calling again.")
        elif why == "hangup":
            message = (f"The hang-up was sent, but {name} has not reported the call ended after "
                       f"{span(self._watch.limits.after_hangup_s)}, so its outcome is unknown. If your phone still "
                       "rings or the call is still on, decline it or hang up on your phone.")
        elif caps.leg_status is LegReporting.CALLBACK_ONLY:
            message = (f"{name} did not report how the call ended within {span(self._follow_s(active))}, so its "
                       "outcome is unknown. Check your phone and the provider's call log, and check that the "
                       "callback URL reaches this computer.")
        else:
            limit = (f"its maximum length of {active.plan.max_minutes} min plus {span(self._watch.limits.margin_s)}"
                     if active.plan.max_minutes else "the longest time a call is followed")
            message = (f"The app followed this call for {span(self._follow_s(active))} ({limit}) and {name} "
                       "never reported its end, so the outcome is unknown. The call may still be running: check "
                       "your phone and the provider's call log.")
        log.warning("call %s: stopped following it (%s limit reached)", call_id, why)
        self._end_without_status(active, LegState.UNKNOWN, message, end_known=False)
        self._gave_up.add(call_id)

    def _accepted_only(self, active: ActiveCall) -> None:
        """The provider accepted the request and will tell us nothing more: the app's part is done."""
        active.outcome = "request accepted"
        message = active.accepted_words()
        self._finish(active, message=message, state=active.call.outcome, accepted_only=True)

    # -------------------------------------------------------------------------------- state changes

    async def _on_status(self, active: ActiveCall, status: CallStatus) -> None:
        if active.finished:
            return
        changed = False
        for role, state in status.legs.items():
            leg = active.call.leg(role)
            if leg is None and active.plan.mode is CallMode.DIRECT and role is LegRole.SELF:
                continue
            if leg is not None and leg.advance(state):
                changed = True
        if status.duration_s is not None:
            active.duration_s = status.duration_s
        if status.cost is not None:
            active.cost, active.currency = status.cost, status.currency
        dest = active.call.leg(LegRole.DESTINATION)
        fields: dict[str, object] = {}
        if dest is not None and dest.state is LegState.ANSWERED and active.answered_at is None:
            active.answered_at = _now()
            active._answered_mono = time.monotonic()
            fields["answered_at"] = active.answered_at
            self._start_postdial(active)
        if status.ended and not _is_over(active.call):
            _close_ended(active.call)
            if active.call.outcome is LegState.UNKNOWN:
                active.error = _ended_unknown_message(active.capabilities.display_name, status.raw_status)
                self._emit("error", active, active.error)
            self._finish(active)
            return
        own = active.call.leg(LegRole.SELF)
        if (active.plan.postdial_is_manual and active.plan.postdial and not active._postdial_offered
                and own is not None and own.state is LegState.ANSWERED):
            self._offer_postdial(active)
        if _is_over(active.call):
            self._finish(active)
            return
        if changed:
            self._watch.changed(active.id)
            fields.update(state=active.call.outcome.value, legs=_legs(active.call))
            self._history.update(active.id, **fields)
            self._emit("leg", active, _describe_legs(active))
        elif fields:
            self._history.update(active.id, **fields)

    def _end_without_status(self, active: ActiveCall, state: LegState, error: str, *,
                            end_known: bool = True) -> None:
        for leg in active.call.legs:
            leg.advance(state)
        active.error = error
        self._emit("error", active, error)
        self._finish(active, message=error, state=state, end_known=end_known)

    def _finish(self, active: ActiveCall, *, message: str = "", state: LegState | None = None,
                accepted_only: bool = False, end_known: bool = True) -> None:
        """Close the call. ``end_known=False``: the app gave up following it, so no length is made up."""
        if active.finished:
            return
        self._poller.untrack(active.id)
        self._watch.stop(active.id)
        self.cancel_postdial(active.id, quiet=True)
        outcome = state if state is not None else active.call.outcome
        own = active.call.leg(LegRole.SELF)
        dest = active.call.leg(LegRole.DESTINATION)
        own_leg_only = (state is None and not accepted_only and outcome is LegState.UNKNOWN and own is not None
                        and own.state is LegState.COMPLETED and dest is not None
                        and dest.state is LegState.UNKNOWN)
        if own_leg_only and not message:
            message = (f"Call ended. Your phone answered; {active.capabilities.display_name} does not report "
                       f"whether {active.plan.info.international} answered.")
        active.offered_dtmf = ""
        active.ended_at = _now()
        active._ended_mono = time.monotonic()
        if active.duration_s is None and active._answered_mono is not None and end_known:
            active.duration_s = round(active._ended_mono - active._answered_mono)
        if active.cost is None and active.answered_at is not None and end_known:
            active.cost = _estimate(active)
            active.currency = active.plan.currency if active.cost is not None else None
        active.finished = True
        if own_leg_only:
            active.outcome = OWN_LEG_ENDED
        elif not accepted_only:
            active.outcome = outcome.label
        self._history.update(
            active.id, state=outcome.value, legs=_legs(active.call), ended_at=active.ended_at,
            duration_s=active.duration_s, cost=active.cost, currency=active.currency, error=active.error,
            finished=True, answered_at=active.answered_at, provider_call_id=active.provider_call_id,
        )
        self._emit("finished", active, message or f"Call {active.outcome}.")
        done = self._done.get(active.id)
        if done is not None:
            done.set()
        if not accepted_only and active.provider_call_id is not None and active.capabilities.balance:
            self._spawn(self._refresh_balance(active))

    async def _refresh_balance(self, active: ActiveCall) -> None:
        try:
            balance = await self._providers.balance(active.plan.account.id)
        except ProviderError as exc:
            log.info("balance refresh failed: %s", exc)
            return
        self.last_balance[active.plan.account.id] = balance
        self._emit("balance", active, _balance_text(balance))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------------------- user controls

    def _require(self, call_id: int) -> ActiveCall:
        active = self._active.get(call_id)
        if active is None:
            raise DialError("That call is not known any more; it has already ended.")
        return active

    async def hang_up(self, call_id: int) -> None:
        """End the call where the provider can; the final state arrives like any other change."""
        active = self._require(call_id)
        caps = active.capabilities
        if caps.hangup is HangupSupport.NEVER:
            raise DialError(caps.hangup_note or f"{caps.display_name} cannot end a call from the app; "
                                                "hang up on your phone.")
        if active.finished:
            return
        if caps.hangup is HangupSupport.BEFORE_CONNECT and active.answered_at is not None:
            raise DialError(caps.hangup_note or "Once connected, this call is ended from your phone.")
        if active.provider_call_id is None:
            raise DialError("The call request is still on its way; try again in a moment.")
        self.cancel_postdial(call_id, quiet=True)
        provider = self._clients[call_id]
        try:
            await provider.hang_up(active.provider_call_id)
        except ProviderError as exc:
            raise DialError(exc.user_message) from exc
        if self._poller.is_tracking(call_id):
            self._poller.poke(call_id)
            self._watch.hung_up(call_id)  # the end must now come soon, or the user is told
        else:
            for leg in active.call.legs:
                leg.advance(LegState.CANCELED)
            self._finish(active)

    async def send_dtmf(self, call_id: int, digits: str) -> None:
        """Send key presses into the connected call."""
        active = self._require(call_id)
        if active.finished:
            raise DialError("The call has ended; key presses can only go into a connected call.")
        if not active.capabilities.dtmf:
            raise DialError(f"{active.capabilities.display_name} cannot send key presses (DTMF) into a call.")
        cleaned = postdial_mod.validate(digits)
        if active.provider_call_id is None:
            raise DialError("The call is not connected yet; wait until it is answered.")
        try:
            await self._clients[call_id].send_dtmf(active.provider_call_id, cleaned)
        except ProviderError as exc:
            raise DialError(exc.user_message) from exc
        self._emit("dtmf", active, f"Sent {cleaned}")

    def _start_postdial(self, active: ActiveCall) -> None:
        digits = active.plan.postdial
        if not digits or active.id in self._postdial or active.plan.postdial_is_manual:
            return
        if not active.capabilities.dtmf:
            self._emit("error", active, f"{active.capabilities.display_name} cannot send the extension "
                                        f"{digits}; dial it yourself on your phone.")
            return
        active.pending_dtmf = digits
        task = asyncio.get_running_loop().create_task(self._run_postdial(active), name="dialer-postdial")
        self._postdial[active.id] = task
        task.add_done_callback(lambda _t: self._postdial.pop(active.id, None))

    def _offer_postdial(self, active: ActiveCall) -> None:
        """Your phone answered, but when the destination answers is not reported: keys wait for the user."""
        active._postdial_offered = True
        if not active.capabilities.dtmf:
            return
        active.offered_dtmf = active.plan.postdial
        self._emit("dtmf", active, f"Your phone answered. {active.capabilities.display_name} does not report "
                                   f"when {active.plan.info.international} answers: send {active.offered_dtmf} "
                                   "once you hear it.")

    def send_postdial(self, call_id: int, *, delay_s: float = 0.0) -> None:
        """Send the post-dial keys the user was offered (the "Send 22" button; the CLI's --dtmf-delay).

        Starts sending after ``delay_s`` seconds and returns at once; progress and failures arrive as
        events. Raises DialError when there is nothing to send.
        """
        active = self._require(call_id)
        if active.finished:
            raise DialError("The call has ended; key presses can only go into a connected call.")
        if not active.offered_dtmf or active.id in self._postdial:
            raise DialError("There are no keys waiting to be sent for this call.")
        active.offered_dtmf = ""
        active.pending_dtmf = active.plan.postdial
        task = asyncio.get_running_loop().create_task(self._run_postdial(active, delay_s=delay_s, manual=True),
                                                      name="dialer-postdial")
        self._postdial[active.id] = task
        task.add_done_callback(lambda _t: self._postdial.pop(active.id, None))
        self._emit("dtmf", active, f"Sending {active.plan.postdial} in {delay_s:g} s…" if delay_s
                   else f"Sending {active.plan.postdial}…")

    async def _run_postdial(self, active: ActiveCall, *, delay_s: float = 0.0, manual: bool = False) -> None:
        provider = self._clients[active.id]
        call_id = active.provider_call_id
        assert call_id is not None
        if delay_s:
            await asyncio.sleep(delay_s)
        sent_any = False
        for step in postdial_mod.steps(active.plan.postdial):
            if step.wait_s:
                await asyncio.sleep(step.wait_s * self._time_scale)
            if step.digits:
                try:
                    await provider.send_dtmf(call_id, step.digits)
                except ProviderError as exc:
                    active.pending_dtmf = ""
                    if manual and not sent_any and not active.finished:
                        active.offered_dtmf = active.plan.postdial  # nothing went out: the user may retry
                    self._emit("error", active, f"Could not send {step.digits}: {exc.user_message}")
                    return
                sent_any = True
            active.pending_dtmf = step.remaining
            self._emit("dtmf", active, f"Sent {step.digits}" if step.digits else "Waiting…")

    def cancel_postdial(self, call_id: int, *, quiet: bool = False) -> None:
        """Stop sending the remaining post-dial digits."""
        task = self._postdial.pop(call_id, None)
        active = self._active.get(call_id)
        if task is not None and not task.done():
            task.cancel()
        if active is not None and active.pending_dtmf:
            active.pending_dtmf = ""
            if not quiet:
                self._emit("dtmf", active, "Remaining key presses canceled.")

    # ---------------------------------------------------------------------------------- callbacks

    def handle_calledin_callback(self, query: Mapping[str, str]) -> bool:
        """Finish the Called.in call whose per-call secret the callback carries; False if none matches."""
        from dialer.providers.calledin import CallbackRejected, parse_callback

        for active in list(self._active.values()):
            late = active.id in self._gave_up  # ended "unknown" at its follow limit: the real result is welcome
            if (active.finished and not late) or active.provider_id != "calledin" or active.provider_call_id is None:
                continue
            expected = getattr(self._clients[active.id], "expected_secret", None)
            secret = expected(active.provider_call_id) if callable(expected) else None
            if not isinstance(secret, str) or not secret:
                continue
            try:
                result = parse_callback(query, secret)
            except CallbackRejected:
                continue
            if result.answered:
                active.answered_at = active.answered_at or _now()
                active.duration_s = result.minutes * 60
                for each in active.call.legs:
                    each.advance(LegState.ANSWERED)
            for role, state in result.legs.items():
                leg = active.call.leg(role)
                if leg is not None:
                    leg.advance(state)
            if late:
                self._late_result(active)
            else:
                self._finish(active)
            return True
        log.info("ignored a Called.in callback that matches no active call")
        return False

    def _late_result(self, active: ActiveCall) -> None:
        """A call the app stopped following got its final report after all: the record tells the truth."""
        self._gave_up.discard(active.id)
        active.outcome, active.error = active.call.outcome.label, None
        self._history.update(active.id, state=active.call.outcome.value, legs=_legs(active.call), error=None,
                             answered_at=active.answered_at, duration_s=active.duration_s)
        self._emit("finished", active, f"{active.capabilities.display_name} reported the call's end late: "
                                       f"{active.outcome}.")

    # ---------------------------------------------------------------------------------- reconcile

    async def reconcile_unfinished(self) -> int:
        """Settle the rows a previous run left open (call once at start-up); returns how many were closed.

        Each row's call is asked of its provider: a call that has ended is finished with its outcome; a
        call still running is followed again like a new one (events, history); anything that cannot be
        checked is marked unknown with the reason.
        """
        closed = 0
        for row in self._history.unfinished():
            if row.id is None or row.id in self._active:
                continue
            reason, resumed = await self._reconcile_row(row)
            if resumed:
                continue
            if reason is not None:
                self._history.update(row.id, state=LegState.UNKNOWN.value, error=reason, finished=True,
                                     ended_at=row.ended_at or _now())
            closed += 1
        return closed

    async def _reconcile_row(self, row: HistoryRow) -> tuple[str | None, bool]:
        """Finish or resume ``row``: (reason it can only be marked unknown, whether it is followed again)."""
        assert row.id is not None
        if row.provider_call_id is None:
            return ("The app stopped while the call request was on its way, so the call may have been "
                    "placed. Check your phone or the provider's call log."), False
        if row.account_id is None:
            return "The account of this call was removed, so its outcome cannot be checked.", False
        try:
            provider = self._providers.client(row.account_id)
            provider.note_call(row.provider_call_id, CallMode(row.mode))
            status = await provider.call_status(row.provider_call_id)
        except NotSupported:
            return "This provider does not report call progress, so the outcome is not known.", False
        except (ProviderError, DialError) as exc:
            return f"The outcome could not be checked after a restart: {exc}", False
        call = Call.new(row.destination, CallMode(row.mode))
        for leg in call.legs:
            leg.advance(LegState(row.legs.get(leg.role.value, LegState.QUEUED.value)))
        for role, state in status.legs.items():
            found = call.leg(role)
            if found is not None:
                found.advance(state)
        if status.ended and not _is_over(call):
            _close_ended(call)
            if call.outcome is LegState.UNKNOWN:
                return _ended_unknown_message(provider.capabilities.display_name, status.raw_status), False
        if not _is_over(call) and not status.ended:
            if self._resume(row, call, provider):
                return None, True
            return ("The call was still in progress when the app restarted; its final outcome is not "
                    "known."), False
        self._history.update(row.id, state=call.outcome.value, legs=_legs(call), finished=True,
                             duration_s=status.duration_s, cost=status.cost, currency=status.currency,
                             ended_at=row.ended_at or _now())
        return None, False

    def _resume(self, row: HistoryRow, call: Call, provider: Provider) -> bool:
        """Follow a call from a previous run again; False when there is not enough to rebuild it."""
        if self._account_view is None or row.id is None or row.account_id is None:
            return False
        try:
            account = self._account_view(row.account_id)
            info = numbers.describe(row.destination)
            origin = Origin(row.origin)
        except (ValueError, DialError):
            return False
        table = RATE_TABLES.get(account.provider_id)
        plan = CallPlan(destination=row.destination, info=info, account=account, mode=call.mode,
                        origin=origin, own_number=None, postdial="", verdict=DialVerdict(),
                        rate=billing.rate_for(row.destination, table) if table is not None else None,
                        display_name=row.display_name)
        active = ActiveCall(id=row.id, plan=plan, call=call, started_at=row.started_at,
                            provider_call_id=row.provider_call_id, answered_at=row.answered_at)
        if row.answered_at is not None:
            active._answered_mono = time.monotonic() - max((_now() - row.answered_at).total_seconds(), 0.0)
        self._active[row.id] = active
        self._clients[row.id] = provider
        self._done[row.id] = asyncio.Event()
        self._history.update(row.id, state=call.outcome.value, legs=_legs(call))
        self._emit("started", active, f"Following the call to {info.international} again after a restart.")
        self._follow(active, provider)
        return True

    # -------------------------------------------------------------------------------------- close

    async def aclose(self) -> None:
        for task in list(self._postdial.values()) + list(self._background):
            task.cancel()
        for task in list(self._postdial.values()) + list(self._background):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._poller.aclose()
        await self._watch.aclose()


def _is_ringing(active: ActiveCall) -> bool:
    """Whether the ring timeout applies: nobody answered yet, or the destination is reported ringing."""
    legs = active.call.legs
    dest = active.call.leg(LegRole.DESTINATION)
    if dest is not None and dest.state is LegState.RINGING:
        return True
    return (not any(leg.state is LegState.ANSWERED for leg in legs)
            and any(leg.state in (LegState.QUEUED, LegState.RINGING) for leg in legs))


def _legs(call: Call) -> dict[str, str]:
    return {leg.role.value: leg.state.value for leg in call.legs}


def _describe_legs(active: ActiveCall) -> str:
    parts = []
    for leg in active.call.legs:
        who = "your phone" if leg.role is LegRole.SELF else active.plan.info.international
        parts.append(f"{who}: {leg.state.label}")
    return ", ".join(parts)


def _estimate(active: ActiveCall) -> Decimal | None:
    rate = active.plan.rate
    if rate is None or active.duration_s is None:
        return None
    return billing.cost_so_far(active.duration_s, rate)


def _balance_text(balance: Balance) -> str:
    if balance.minutes is not None:
        return f"Balance: {balance.minutes:g} minutes"
    if balance.amount is not None:
        return f"Balance: {balance.amount} {balance.currency or ''}".strip()
    return "Balance updated"
