"""The call model: legs only move forward, and the outcome names what the user experienced."""

from __future__ import annotations

import pytest

from dialer.core.calls import (
    TERMINAL_STATES,
    Call,
    CallMode,
    Leg,
    LegRole,
    LegState,
    Origin,
    can_transition,
)


def test_new_bridge_call_has_own_leg_first() -> None:
    call = Call.new("+12015550123", CallMode.BRIDGE)
    assert [leg.role for leg in call.legs] == [LegRole.SELF, LegRole.DESTINATION]
    assert all(leg.state is LegState.QUEUED for leg in call.legs)
    assert not call.is_finished


def test_new_direct_call_has_only_destination() -> None:
    call = Call.new("+12015550123", CallMode.DIRECT)
    assert [leg.role for leg in call.legs] == [LegRole.DESTINATION]
    assert call.leg(LegRole.SELF) is None


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATES))
def test_terminal_states_never_change(terminal: LegState) -> None:
    leg = Leg(LegRole.DESTINATION, terminal)
    for new in LegState:
        assert not leg.advance(new)
    assert leg.state is terminal


def test_forward_path() -> None:
    leg = Leg(LegRole.DESTINATION)
    assert leg.advance(LegState.RINGING)
    assert not leg.advance(LegState.RINGING)  # same state: no change reported
    assert leg.advance(LegState.ANSWERED)
    assert leg.advance(LegState.COMPLETED)
    assert leg.state is LegState.COMPLETED


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (LegState.RINGING, LegState.QUEUED),
        (LegState.ANSWERED, LegState.RINGING),
        (LegState.ANSWERED, LegState.BUSY),
        (LegState.ANSWERED, LegState.NO_ANSWER),
        (LegState.COMPLETED, LegState.RINGING),
    ],
)
def test_backward_or_impossible_moves_are_ignored(old: LegState, new: LegState) -> None:
    assert not can_transition(old, new)
    leg = Leg(LegRole.DESTINATION, old)
    assert not leg.advance(new)
    assert leg.state is old


def test_lost_connection_then_stale_poll_cannot_unanswer_a_leg() -> None:
    leg = Leg(LegRole.DESTINATION)
    leg.advance(LegState.RINGING)
    leg.advance(LegState.ANSWERED)
    assert leg.advance(LegState.UNKNOWN)  # connection lost
    assert not leg.advance(LegState.RINGING)  # a late poll result from before the answer
    assert leg.state is LegState.UNKNOWN
    assert leg.advance(LegState.ANSWERED)  # back to what we knew
    assert leg.advance(LegState.COMPLETED)


def test_unknown_from_the_start_may_go_anywhere_forward() -> None:
    leg = Leg(LegRole.DESTINATION, LegState.UNKNOWN)
    assert leg.advance(LegState.RINGING)
    assert leg.advance(LegState.UNKNOWN)
    assert leg.advance(LegState.NO_ANSWER)


def test_labels_are_plain_words() -> None:
    assert LegState.NO_ANSWER.label == "no answer"
    assert LegState.QUEUED.label == "waiting"
    assert all(state.label for state in LegState)


def test_outcome_when_own_phone_is_busy_in_bridge_mode() -> None:
    call = Call.new("+12015550123", CallMode.BRIDGE)
    own = call.leg(LegRole.SELF)
    assert own is not None
    own.advance(LegState.BUSY)
    assert call.outcome is LegState.BUSY  # the destination was never rung


def test_outcome_is_destination_once_it_was_rung() -> None:
    call = Call.new("+12015550123", CallMode.BRIDGE)
    own, dest = call.leg(LegRole.SELF), call.leg(LegRole.DESTINATION)
    assert own is not None and dest is not None
    own.advance(LegState.ANSWERED)
    dest.advance(LegState.RINGING)
    dest.advance(LegState.NO_ANSWER)
    own.advance(LegState.COMPLETED)
    assert call.outcome is LegState.NO_ANSWER
    assert call.is_finished


def test_direct_call_outcome() -> None:
    call = Call.new("+12015550123", CallMode.DIRECT)
    assert call.outcome is LegState.QUEUED
    dest = call.leg(LegRole.DESTINATION)
    assert dest is not None
    dest.advance(LegState.COMPLETED)
    assert call.outcome is LegState.COMPLETED and call.is_finished


def test_only_the_window_is_internal() -> None:
    assert not Origin.WINDOW.is_external
    assert all(origin.is_external for origin in Origin if origin is not Origin.WINDOW)
