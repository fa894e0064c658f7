"""One call model for every provider.

A call has legs: for bridge / RingOut / callback calls the user's own phone (``LegRole.SELF``) rings first
and then the destination (``LegRole.DESTINATION``); a direct call has only the destination leg. Every
provider's raw status words are mapped onto :class:`LegState` by the provider modules, so the service and
the UI only ever see these states. Terminal states never change back: a late or out-of-order poll result
cannot resurrect a finished leg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dialer.i18n import N_


class LegRole(StrEnum):
    SELF = "self"  # the user's own phone, rung first in bridge mode
    DESTINATION = "destination"


class LegState(StrEnum):
    QUEUED = "queued"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def label(self) -> str:
        """Plain words for the UI and the CLI, in English: show them as ``_(state.label)``."""
        return _LABELS[self]


TERMINAL_STATES = frozenset(
    {
        LegState.COMPLETED,
        LegState.BUSY,
        LegState.NO_ANSWER,
        LegState.REJECTED,
        LegState.FAILED,
        LegState.CANCELED,
    }
)

_LABELS = {  # English (stored and compared as is); shown translated: ``_(state.label)``
    LegState.QUEUED: N_("waiting"),
    LegState.RINGING: N_("ringing"),
    LegState.ANSWERED: N_("answered"),
    LegState.COMPLETED: N_("completed"),
    LegState.BUSY: N_("busy"),
    LegState.NO_ANSWER: N_("no answer"),
    LegState.REJECTED: N_("rejected"),
    LegState.FAILED: N_("failed"),
    LegState.CANCELED: N_("canceled"),
    LegState.UNKNOWN: N_("unknown"),
}

# Allowed forward moves. UNKNOWN (a status we could not map, or a lost connection) may move anywhere
# non-backwards; terminal states go nowhere.
_ALLOWED: dict[LegState, frozenset[LegState]] = {
    LegState.QUEUED: frozenset(set(LegState) - {LegState.QUEUED}),
    LegState.RINGING: frozenset(set(LegState) - {LegState.QUEUED, LegState.RINGING}),
    LegState.ANSWERED: frozenset(
        {LegState.COMPLETED, LegState.FAILED, LegState.CANCELED, LegState.UNKNOWN}
    ),
    LegState.UNKNOWN: frozenset(set(LegState) - {LegState.UNKNOWN}),
}


def can_transition(old: LegState, new: LegState) -> bool:
    """Whether a leg may move from ``old`` to ``new`` (same state is a no-op, not a transition)."""
    if old.is_terminal:
        return False
    return new in _ALLOWED.get(old, frozenset())


class IllegalTransition(ValueError):
    """A state change that the model forbids (e.g. completed -> ringing)."""


@dataclass
class Leg:
    role: LegRole
    state: LegState = LegState.QUEUED
    # The last state before any UNKNOWN, so that a lost connection (-> UNKNOWN) followed by a stale poll
    # cannot move an answered leg back to ringing.
    last_known: LegState | None = field(default=None, repr=False, compare=False)

    def advance(self, new: LegState) -> bool:
        """Move to ``new`` if allowed. Returns True if the state changed; ignores stale updates."""
        if new == self.state or not can_transition(self.state, new):
            return False
        if (
            self.state is LegState.UNKNOWN
            and self.last_known is not None
            and new is not self.last_known
            and not can_transition(self.last_known, new)
        ):
            return False
        if new is not LegState.UNKNOWN:
            self.last_known = new
        self.state = new
        return True


class CallMode(StrEnum):
    BRIDGE = "bridge"  # ring the user's phone first, then the destination
    DIRECT = "direct"  # call the destination directly (automated calls)


class Origin(StrEnum):
    """Where a call request came from. Anything but WINDOW needs the user's confirmation."""

    WINDOW = "window"
    TEL_LINK = "tel-link"
    CLIPBOARD = "clipboard"
    CLI = "cli"
    TRAY = "tray"
    HANDOFF = "handoff"

    @property
    def is_external(self) -> bool:
        return self is not Origin.WINDOW


@dataclass
class Call:
    """A call as the app tracks it, independent of provider."""

    destination: str  # E.164
    mode: CallMode
    legs: list[Leg] = field(default_factory=list)

    @classmethod
    def new(cls, destination: str, mode: CallMode) -> Call:
        roles = [LegRole.DESTINATION] if mode is CallMode.DIRECT else [LegRole.SELF, LegRole.DESTINATION]
        return cls(destination=destination, mode=mode, legs=[Leg(r) for r in roles])

    def leg(self, role: LegRole) -> Leg | None:
        return next((leg for leg in self.legs if leg.role is role), None)

    @property
    def is_finished(self) -> bool:
        return all(leg.state.is_terminal for leg in self.legs)

    @property
    def outcome(self) -> LegState:
        """The state that best describes the whole call for history and the outcome line.

        In bridge mode a failure of the user's own leg is the outcome (the destination was never rung);
        otherwise the destination leg decides.
        """
        own = self.leg(LegRole.SELF)
        dest = self.leg(LegRole.DESTINATION)
        own_failed = own is not None and own.state.is_terminal and own.state is not LegState.COMPLETED
        dest_untouched = dest is None or dest.state in (LegState.QUEUED, LegState.UNKNOWN, LegState.CANCELED)
        if own is not None and own_failed and dest_untouched:
            return own.state
        return dest.state if dest is not None else LegState.UNKNOWN
