"""Post-dial key presses: the service's view of ``core.dtmf`` (validation errors become DialError)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dialer.core import dtmf
from dialer.service.errors import DialError


@dataclass(frozen=True)
class Step:
    """Wait ``wait_s``, send ``digits``; ``remaining`` is what is left to send after this step."""

    wait_s: float
    digits: str
    remaining: str


def validate(digits: str) -> str:
    """Keys for a live call (no pauses): normalized, or DialError naming the bad character."""
    try:
        return dtmf.validate(digits, allow_pauses=False)
    except dtmf.DtmfError as exc:
        raise DialError(str(exc)) from exc


def normalize(postdial: str) -> str:
    """A post-dial string (keys and pauses), normalized; '' for none."""
    if not postdial.strip():
        return ""
    try:
        return dtmf.validate(postdial)
    except dtmf.DtmfError as exc:
        raise DialError(f"The keys to send after answering are not valid: {exc}") from exc


def steps(postdial: str) -> Iterator[Step]:
    plan = dtmf.plan(postdial)
    remaining = [s.digits for s in plan]
    for index, step in enumerate(plan):
        yield Step(step.delay_before_s, step.digits, " ".join(remaining[index + 1:]))
