"""Every provider x every call phase x every sandbox fault, through the real service and clients.

For each case: the sandbox never sees a second call, the asyncio loop never stalls over 50 ms, whatever
the user is told names what happened and what to do, and history holds exactly one finished row for the
call. ``python -m tests.reliability --full`` runs the whole matrix; CI runs one fault per phase and
provider (the faults rotate so every kind is covered).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from dialer.core.calls import LegRole, LegState, Origin
from dialer.providers.base import ProviderError
from dialer.service import ActiveCall, DialError, DialerService
from dialer.service.accounts import demo_credentials
from dialer.service.events import CallEvent

from . import _report
from ._harness import STALL_LIMIT_S, Heartbeat, fast_retries, message_problems, run
from .conftest import Box

TIME_SCALE = 0.05  # the sandbox runs 100x faster: poll 20x as often as in real life
OWN = "+14155559876"
OWN_SILENT = "+14155550005"  # the user's phone never answers: the call stays hang-up-able for 30 sim. s
ANSWERS = "+14155550006"  # answers, far end hangs up after 30 simulated seconds
RUNS = "+14155550100"  # answers, runs until hung up

PHASES: dict[str, dict[str, tuple[str, str]]] = {
    "ringez": {
        "sign-in": ("POST", "/api/v1/auth/login"),
        "start": ("POST", "/api/v1/calls/initiate"),
        "ringing": ("GET", "/api/v1/calls/*"),
        "connected": ("GET", "/api/v1/calls/*"),
        "hang-up": ("DELETE", "/api/v1/calls/*"),
        "dtmf": ("POST", "/api/v1/calls/*/actions"),
    },
    "ringcentral": {
        "sign-in": ("POST", "/restapi/oauth/token"),
        "start": ("POST", "*/ring-out"),
        "ringing": ("GET", "*/ring-out/*"),
        "connected": ("GET", "*/ring-out/*"),
        "hang-up": ("DELETE", "*/ring-out/*"),
    },
    "calledin": {"start": ("GET", "/api/clicktocall*")},
    "ringostat": {"start": ("POST", "/callback/outward_call")},
}
FAULTS: dict[str, dict[str, Any]] = {
    "latency": {"kind": "latency", "latency_ms": 200},
    "5xx": {"kind": "error", "status": 500},
    "429-burst": {"kind": "rate_limit", "times": 3, "retry_after": 0},
    "drop-before": {"kind": "drop_before"},
    "drop-after": {"kind": "drop_after"},
    "malformed-json": {"kind": "malformed_json"},
    "truncated-json": {"kind": "truncated_json"},
    "slow-body": {"kind": "slow_body", "chunk_size": 16, "chunk_delay_ms": 10},
}
ACCEPTED_ONLY = {"ringostat"}
FINISHED_STATES = {s.value for s in LegState} - {LegState.QUEUED.value, LegState.RINGING.value,
                                                 LegState.ANSWERED.value}


def _cases() -> list[Any]:
    pairs = [(p, phase) for p, phases in PHASES.items() for phase in phases]
    if _report.FULL:
        chosen = [(p, phase, f) for (p, phase), f in itertools.product(pairs, FAULTS)]
    else:
        names = list(FAULTS)
        chosen = [(p, phase, names[i % len(names)]) for i, (p, phase) in enumerate(pairs)]
    return [pytest.param(*c, id=f"{c[0]}-{c[1]}-{c[2]}") for c in chosen]


@dataclass
class Outcome:
    messages: list[str] = field(default_factory=list)
    placed: int = 0  # place() calls that got past the dial guard (each writes one history row)
    active: ActiveCall | None = None
    worst_lag: float = 0.0
    rows: list[Any] = field(default_factory=list)


async def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


def _connected(active: ActiveCall) -> bool:
    """Over, or answered as far as the provider reports: the destination answered, or (a Ringez bridge
    call, whose status is your phone's leg) your phone answered and the destination is not reported."""
    return (active.finished or active.leg_state(LegRole.DESTINATION) is LegState.ANSWERED
            or (active.leg_state(LegRole.SELF) is LegState.ANSWERED
                and active.leg_state(LegRole.DESTINATION) is LegState.UNKNOWN))


async def _run_case(box: Box, provider: str, phase: str, fault_name: str) -> Outcome:
    """One user's session under one fault (the sandbox's control calls run in a thread: they are the
    test's, not the app's, and must not count as loop stalls)."""
    method, path = PHASES[provider][phase]
    fault = {**FAULTS[fault_name], "method": method, "path": path}
    out = Outcome()
    service = await DialerService.open(demo_sandbox_url=box.url, time_scale=TIME_SCALE)
    # Measured from here: start-up (cold imports in threads) is the start-up benchmarks' business.
    heartbeat = Heartbeat()
    heartbeat.start()
    service.settings.own_number = OWN

    def on_event(event: CallEvent) -> None:
        if event.kind == "error" and event.message:
            out.messages.append(event.message)

    service.calls.subscribe(on_event)
    creds = demo_credentials(provider, (await asyncio.to_thread(box.credentials))[provider])
    try:
        if phase == "sign-in":
            await asyncio.to_thread(box.fault, **fault)
            try:
                await service.accounts.sign_in(provider, creds)
            except ProviderError as exc:
                out.messages.append(str(exc))
        await asyncio.to_thread(box.clear_faults)
        if not service.accounts.find(provider):
            await service.accounts.sign_in(provider, creds)  # the user tries again
        account = service.accounts.find(provider)[0]
        number = {"hang-up": RUNS, "dtmf": RUNS}.get(phase, ANSWERS)
        own = OWN_SILENT if phase == "hang-up" else OWN
        plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account.id, own_number=own)
        if phase in ("start", "ringing"):
            await asyncio.to_thread(box.fault, **fault)
        out.placed += 1
        try:
            active = await service.calls.place(plan, confirmed=True)
        except (ProviderError, DialError) as exc:
            out.messages.append(str(exc))
            active = None
        out.active = active
        if active is not None:
            if active.error:
                out.messages.append(active.error)
            if phase == "connected":
                await _wait_for(lambda: _connected(active))
                await asyncio.to_thread(box.fault, **fault)
            elif phase == "hang-up":
                await asyncio.to_thread(box.fault, **fault)
                try:
                    await service.calls.hang_up(active.id)
                except DialError as exc:
                    out.messages.append(str(exc))
                    await asyncio.to_thread(box.clear_faults)
                    if not active.finished:
                        try:
                            await service.calls.hang_up(active.id)  # the user presses it again
                        except DialError as again:  # RingCentral: a ringing RingOut cannot be canceled
                            out.messages.append(str(again))  # (its document); the user is told so
            elif phase == "dtmf":
                await _wait_for(lambda: _connected(active))
                while not active.finished and (await asyncio.to_thread(box.calls, provider))[0]["state"] != "answered":
                    await asyncio.sleep(0.01)  # keys go into a connected call (the sandbox's view of it)
                await asyncio.to_thread(box.fault, **fault)
                try:
                    await service.calls.send_dtmf(active.id, "5")
                except DialError as exc:
                    out.messages.append(str(exc))
                await asyncio.to_thread(box.clear_faults)
                await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=20)
            if active.error and active.error not in out.messages:
                out.messages.append(active.error)
        await asyncio.sleep(0.05)  # let a late status or balance refresh land
        out.rows = service.history.store.page(0, 100)
    finally:
        await service.aclose()
        await heartbeat.stop()
    out.worst_lag = heartbeat.worst
    return out


@pytest.mark.parametrize(("provider", "phase", "fault_name"), _cases())
def test_fault_case(box: Box, monkeypatch: pytest.MonkeyPatch, provider: str, phase: str,
                    fault_name: str) -> None:
    _report.ensure("Fault matrix", "cases", "duplicates", "stalls", "lost records", "unclear messages")
    with fast_retries(monkeypatch):
        out = run(lambda: _run_case(box, provider, phase, fault_name))
    seen = box.calls(provider)
    problems = [p for m in out.messages for p in message_problems(m)]
    duplicates = max(0, len(seen) - 1)
    stalled = out.worst_lag > STALL_LIMIT_S
    lost = max(0, len(seen) - len(out.rows))
    _report.add("Fault matrix", "cases")
    _report.add("Fault matrix", "duplicates", duplicates)
    _report.add("Fault matrix", "stalls", int(stalled))
    _report.add("Fault matrix", "lost records", lost)
    _report.add("Fault matrix", "unclear messages", len(problems))

    assert duplicates == 0, f"the sandbox saw {len(seen)} calls for one user action"
    assert not stalled, f"the event loop stalled {out.worst_lag * 1000:.0f} ms"
    assert len(out.rows) == out.placed, f"{len(out.rows)} history rows for {out.placed} placed call(s)"
    assert lost == 0, "a call the provider received has no history row"
    accepted_only = provider in ACCEPTED_ONLY  # the provider reports no progress: "request accepted"
    for row in out.rows:
        assert row.finished, row
        assert (row.state in FINISHED_STATES or row.state == LegState.UNKNOWN.value
                or (accepted_only and row.state == LegState.QUEUED.value)), row
    if seen and out.rows and out.rows[0].state != LegState.UNKNOWN.value:
        assert out.rows[0].provider_call_id, "a placed call's row must name the provider's call"
    assert not problems, problems
