"""`dialer call NUMBER`: confirm, place, follow the call to its end, exit with its outcome.

Exit codes: 0 the call completed (or, for a provider that reports no progress, the request was accepted;
or, where the provider reports only your own phone's leg (a Ringez bridge call), that leg ended normally;
or the call was passed to the running window, which asks to confirm it);
1 the call did not complete (busy, no answer, failed, refused by the provider); 2 the call was not placed
(bad number, no account, not confirmed); 3 the outcome is unknown (the request may have been placed, or
the provider stopped reporting: a status unchanged past the ring timeout, no end reported within the
call's max length plus a margin or 2 h, a Called.in callback that never came); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_NOT_PLACED, EXIT_UNKNOWN, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEFAULT_DTMF_DELAY_S = 15.0
RING_TIMEOUT_DEFAULT_S = 180.0  # dialer.service.followlimit.FollowLimits (not imported here: start-up cost)


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    p = sub.add_parser("call", help="place a call and follow it until it ends")
    p.add_argument("number", help="the number to call (any format, or a tel:/callto: link)")
    p.add_argument("--provider", help="which provider to use (default: your default account)")
    p.add_argument("--mode", choices=("bridge", "direct"), help="ring your phone first (bridge) or not")
    p.add_argument("--from", dest="own_number", metavar="MYNUMBER", help="your own phone, rung first in bridge mode (not sent to Ringez, which rings "
                        "the phone registered with your Ringez account)")
    p.add_argument("--caller-id", metavar="NUMBER",
                   help="the number the person you call sees, for this call (E.164, e.g. +12025550111; "
                        "RingCentral and Called.in only; list choices with `dialer caller-ids`; \"\" = the "
                        "provider's default)")
    p.add_argument("--dtmf", metavar="DIGITS", help="keys to send once answered (p or , = 2 s pause)")
    p.add_argument("--dtmf-delay", type=float, default=None, metavar="SECONDS",
                   help="when the provider does not report the destination answering (Ringez bridge calls: "
                        "only your phone's leg is reported), send the --dtmf keys this many seconds after "
                        f"your phone answers (default {DEFAULT_DTMF_DELAY_S:g})")
    p.add_argument("--max-minutes", type=int, metavar="N", help="end the call after N minutes if supported")
    p.add_argument("--ring-timeout", type=float, metavar="SECONDS",
                   help="stop following (exit 3, outcome unknown) when the status stays the same this long "
                        f"while ringing (default {RING_TIMEOUT_DEFAULT_S:g})")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument("--allow-premium", action="store_true",
                   help="with --yes: also place premium-rate and shared-cost numbers (the extra step)")
    p.add_argument("--json", action="store_true", help="print one JSON object per event")
    p.set_defaults(func=_call)


def _call(args: argparse.Namespace) -> int:
    handed = _hand_off(args)
    if handed is not None:
        return handed
    try:
        import asyncio  # here, not at module level: registering the commands must not import it

        return asyncio.run(_call_async(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _hand_off(args: argparse.Namespace) -> int | None:
    """Plain `dialer call NUMBER` while the window runs: the window asks to confirm and follows the call.

    Returns the exit code (0 handed over, 2 refused), or None to go on here: no instance runs, or an option
    only this command honours was given (--yes, --json, --provider, --mode, --from, --dtmf, ...), so
    scripts keep their behaviour whether or not the window is open.
    """
    if args.yes or args.json or args.allow_premium or any(
            value is not None for value in (args.provider, args.mode, args.own_number, args.dtmf, args.max_minutes,
                                            args.dtmf_delay, args.ring_timeout, args.caller_id)):
        return None
    from dialer.desktop import handoff, protocol

    number = args.number.strip()
    if number.lower().startswith(("tel:", "callto:")):
        action, payload = protocol.ACTION_OPEN_URI, {"uri": number}
    else:
        action, payload = protocol.ACTION_CALL, {"number": number}
    try:
        protocol.encode_request(action, payload)
    except protocol.ProtocolError:
        return None  # not a number the window takes: this command explains what is wrong with it
    try:
        handoff.send(action, payload)
    except handoff.NotRunning:
        return None
    except handoff.HandoffError as exc:
        _err(str(exc))
        return EXIT_NOT_PLACED
    print("Passed to the running dialer: confirm the call in its window.", file=sys.stderr)
    return EXIT_OK


def _err(message: str) -> None:
    print(f"dialer: {message}", file=sys.stderr)


def _emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _active_json(kind: str, active: Any, message: str) -> dict[str, Any]:
    return {
        "event": kind, "call_id": active.id, "provider": active.provider_id,
        "provider_call_id": active.provider_call_id,
        "legs": {leg.role.value: leg.state.value for leg in active.call.legs},
        "finished": active.finished, "outcome": active.outcome, "error": active.error,
        "duration_s": active.duration_s, "cost": None if active.cost is None else str(active.cost),
        "currency": active.currency, "message": message,
    }


def _plan_lines(plan: Any) -> list[str]:
    info = plan.info
    lines = [f"Call {info.international}" + (f" ({plan.display_name})" if plan.display_name else "")]
    where = ", ".join(p for p in (info.country_name, info.place if info.place != info.country_name else "") if p)
    lines.append(f"  Country:   {where or 'unknown'}")
    lines.append(f"  Type:      {info.number_type.value.replace('-', ' ')}"
                 + (f" ({info.carrier})" if info.carrier else ""))
    if plan.rate is not None:
        rate = f"  Rate:      {plan.rate.per_minute} {plan.rate.currency}/min"
        if plan.estimate_max is not None:
            rate += f" (at most {plan.estimate_max} {plan.rate.currency} for {plan.max_minutes} min)"
        lines.append(rate)
    else:
        lines.append("  Rate:      not published by this provider")
    lines.append(f"  Via:       {plan.account.display_name}, {plan.mode.value} mode")
    lines.append(f"  First:     {plan.rings_first}")
    if plan.caller_id:
        note = plan.account.capabilities.caller_id_note
        lines.append(f"  They see:  {plan.caller_id}" + (f" ({note})" if note else ""))
    if plan.postdial:
        lines.append(f"  Then keys: {plan.postdial}")
    lines.extend(f"  Warning:   {w}" for w in plan.warnings)
    return lines


def _confirm(plan: Any) -> bool:
    answer = input("Place this call? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        return False
    if plan.needs_extra_step:
        answer = input("This number may be expensive. Type CALL to place it anyway: ").strip()
        return answer == "CALL"
    return True


def _pick_account(service: Any, provider: str | None) -> int | None:
    if provider is None:
        return None
    views = [v for v in service.accounts.list() if v.provider_id == provider]
    signed = [v for v in views if v.signed_in]
    if not signed:
        from dialer.service import DialError

        raise DialError(f"No {provider} account is signed in; run `dialer login {provider}` first.")
    default = service.settings.default_account_id
    chosen: int = next((v.id for v in signed if v.id == default), signed[0].id)
    return chosen


def _exit_code(active: Any) -> int:
    from dialer.core.calls import LegState
    from dialer.service.calls import OWN_LEG_ENDED

    if active.outcome in ("request accepted", OWN_LEG_ENDED):
        return EXIT_OK
    state = active.call.outcome
    if state is LegState.COMPLETED:
        return EXIT_OK
    if state is LegState.UNKNOWN:
        return EXIT_UNKNOWN
    return EXIT_FAILED


async def _call_async(args: argparse.Namespace) -> int:
    from dialer.core.calls import CallMode, Origin
    from dialer.providers.base import ProviderError
    from dialer.service import DialError, DialerService, FollowLimits

    if args.ring_timeout is not None and not args.ring_timeout > 0:
        _err("--ring-timeout must be a number of seconds above 0.")
        return EXIT_NOT_PLACED
    limits = FollowLimits() if args.ring_timeout is None else FollowLimits(ring_timeout_s=args.ring_timeout)
    service = await DialerService.open(follow_limits=limits)
    try:
        try:
            plan = service.calls.prepare(
                args.number, origin=Origin.CLI, account_id=_pick_account(service, args.provider),
                mode=CallMode(args.mode) if args.mode else None, own_number=args.own_number,
                postdial=args.dtmf, max_minutes=args.max_minutes, caller_id=args.caller_id)
        except DialError as exc:
            _err(str(exc))
            return EXIT_NOT_PLACED
        if args.json:
            _emit_json({"event": "plan", "destination": plan.destination, "provider": plan.account.provider_id,
                        "mode": plan.mode.value, "rings_first": plan.rings_first, "warnings": list(plan.warnings),
                        "postdial": plan.postdial, "caller_id": plan.caller_id,
                        "rate": None if plan.rate is None else str(plan.rate.per_minute)})
        else:
            print("\n".join(_plan_lines(plan)), flush=True)
        if args.yes and plan.needs_extra_step and not args.allow_premium:
            _err(f"not placing the call: {plan.info.international} is a premium-rate or shared-cost number, "
                 "which needs an extra confirmation; add --allow-premium to --yes, or run without --yes to "
                 "confirm it yourself.")
            return EXIT_NOT_PLACED
        if not args.yes:
            if not sys.stdin.isatty():
                _err("not placing the call: confirmation is needed and there is no terminal to ask; "
                     "pass --yes to confirm from a script.")
                return EXIT_NOT_PLACED
            if not _confirm(plan):
                _err("call canceled.")
                return EXIT_NOT_PLACED

        if args.dtmf_delay is not None and args.dtmf_delay < 0:
            _err("--dtmf-delay must be 0 or more seconds.")
            return EXIT_NOT_PLACED
        delay = DEFAULT_DTMF_DELAY_S if args.dtmf_delay is None else args.dtmf_delay

        printed: list[str] = []

        def on_event(event: Any) -> None:
            if args.json:
                _emit_json(_active_json(event.kind, event.call, event.message))
            elif (event.kind != "started" or event.message) and printed[-1:] != [event.message]:
                printed.append(event.message)  # an error that ends the call comes as "error", then "finished"
                print(event.message, flush=True)
            if event.kind == "dtmf" and event.call.offered_dtmf and not event.call.finished:
                try:  # the destination's answer is not reported: send the keys after --dtmf-delay
                    service.calls.send_postdial(event.call_id, delay_s=delay)
                except DialError as exc:
                    _err(str(exc))

        service.calls.subscribe(on_event)
        try:
            active = await service.calls.place(plan, confirmed=True, extra_confirmed=True)
        except DialError as exc:
            _err(str(exc))
            return EXIT_NOT_PLACED
        except ProviderError as exc:
            _err(str(exc))
            wallet = getattr(exc, "wallet_url", None)
            if wallet:
                _err(f"Top up at {wallet}")
            return EXIT_FAILED
        interrupted = await _follow(service, active)
        if not args.json and active.error and active.outcome == "unknown":
            _err(active.error)
        return EXIT_INTERRUPTED if interrupted else _exit_code(active)
    finally:
        await service.aclose()


async def _follow(service: Any, active: Any) -> bool:
    """Wait for the end of the call; Ctrl-C hangs up where the provider can. True if interrupted."""
    import asyncio
    import contextlib
    import signal

    from dialer.service import DialError

    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    was_interrupted = False
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
    try:
        while not active.finished:
            waiter = asyncio.ensure_future(service.calls.wait_finished(active.id))
            stop = asyncio.ensure_future(interrupted.wait())
            await asyncio.wait({waiter, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if waiter.done():
                break
            waiter.cancel()
            interrupted.clear()
            was_interrupted = True
            print("Hanging up…", file=sys.stderr, flush=True)
            try:
                await service.calls.hang_up(active.id)
            except DialError as exc:
                _err(str(exc))
                return True
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
    return was_interrupted
