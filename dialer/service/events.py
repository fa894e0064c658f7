"""Plain call events and a tiny publish/subscribe hub (no Qt: the UI adapts these into signals).

Subscribers are called synchronously on the asyncio thread, in subscription order. A failing subscriber is
logged and skipped, so one broken view can never stop a call from being followed or recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dialer.service.active import ActiveCall

log = logging.getLogger(__name__)

EventKind = Literal["started", "leg", "dtmf", "finished", "error", "balance"]


@dataclass(frozen=True)
class CallEvent:
    """Something happened to a call. ``call`` is a snapshot taken when the event was emitted."""

    kind: EventKind
    call_id: int
    call: ActiveCall
    message: str = ""


Subscriber = Callable[[CallEvent], None]


class EventHub:
    """Fan-out of :class:`CallEvent` to subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add ``callback``; returns a function that removes it again (safe to call twice)."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, event: CallEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a broken subscriber must not break call tracking
                log.exception("call event subscriber failed on %s", event.kind)
