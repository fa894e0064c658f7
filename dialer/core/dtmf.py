"""Touch-tone (DTMF) keys sent after the call is answered: extensions, PINs, phone menus.

A post-dial string mixes keys and pauses. The pause characters and their lengths are our choice
(the providers only take keys, and Ringez documents ``w`` as "wait 0.5 seconds"):

* ``p`` or ``,`` -- pause :data:`PAUSE_S` (2 s), the classic dial-string pause, long enough for a
  menu or an extension prompt to start;
* ``w`` -- wait :data:`WAIT_S` (0.5 s), as in the Ringez documentation.

:func:`plan` turns such a string into groups of keys with the wait before each group, so the service
sends each group and waits in between with asyncio (never sleeping a thread).
"""

from __future__ import annotations

from dataclasses import dataclass

from dialer.i18n import _

VALID = "0123456789*#ABCD"
PAUSE_S = 2.0
WAIT_S = 0.5
PAUSES: dict[str, float] = {"p": PAUSE_S, ",": PAUSE_S, "w": WAIT_S}
_IGNORED = frozenset(" \t-.()/")


class DtmfError(ValueError):
    """The key string has a character a phone keypad cannot send."""


@dataclass(frozen=True)
class DtmfStep:
    digits: str
    delay_before_s: float


def validate(digits: str, *, allow_pauses: bool = True) -> str:
    """Normalized key string: spaces and ``- . ( ) /`` removed, A-D upper-case, pauses lower-case.

    Raises DtmfError naming the first bad character (and pauses when ``allow_pauses`` is False).
    """
    out: list[str] = []
    for position, ch in enumerate(digits, start=1):
        if ch in _IGNORED:
            continue
        if ch.isascii() and ch.upper() in VALID:
            out.append(ch.upper())
        elif ch.lower() in PAUSES:
            if not allow_pauses:
                raise DtmfError(_("Pauses ({key} at position {position}) cannot be sent as a key; remove it.").format(
                    key=repr(ch), position=position))
            out.append(ch.lower())
        else:
            raise DtmfError(
                _("{key} at position {position} is not a phone key; use only 0-9 * # A-D "
                  "(and p , w for pauses).").format(key=repr(ch), position=position)
            )
    if not out:
        raise DtmfError(_("There are no keys to send; type digits, * or #."))
    return "".join(out)


def plan(digits: str) -> list[DtmfStep]:
    """Split a post-dial string into key groups, each with the wait before it.

    ``"pp1234w#"`` -> ``[DtmfStep("1234", 4.0), DtmfStep("#", 0.5)]``. Trailing pauses are dropped
    (nothing follows them); an empty string gives an empty plan.
    """
    if not digits.strip():
        return []
    normalized = validate(digits)
    steps: list[DtmfStep] = []
    delay = 0.0
    group = ""
    for ch in normalized:
        if ch in PAUSES:
            if group:
                steps.append(DtmfStep(group, delay))
                group, delay = "", 0.0
            delay += PAUSES[ch]
        else:
            group += ch
    if group:
        steps.append(DtmfStep(group, delay))
    return steps


def postdial_for(extension: str | None, postdial: str | None) -> str:
    """One post-dial string: the extension becomes a pause then its digits, followed by ``postdial``.

    Returns '' when there is nothing to send after answering.
    """
    parts = ""
    if extension:
        parts += "p" + validate(extension, allow_pauses=False)
    if postdial and postdial.strip():
        parts += validate(postdial)
    return parts
