"""What a hand-off asks the running app to do, once the wire request is validated and its link parsed.

Kept apart from :mod:`dialer.desktop.protocol` so the client (which runs on every link click) never pays
for ``dataclasses`` or the telephony core.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialer.core import teluri
from dialer.core.calls import Origin
from dialer.desktop import protocol


@dataclass(frozen=True)
class HandoffRequest:
    """A request for the app: fill in ``number_text`` and open the confirmation (NEVER call from it).

    ``number_text`` is already parsed, so it holds no URI syntax; ``uri`` is the original link for
    ``open-uri`` (empty otherwise); ``tel`` is the parsed link, for its extension, post-dial digits and
    phone-context.
    """

    action: str
    number_text: str
    uri: str
    origin: Origin
    tel: teluri.TelUri | None = None


def to_handoff_request(request: protocol.Request) -> HandoffRequest:
    """Interpret a validated request; ``tel:``/``callto:`` links are parsed by
    :func:`dialer.core.teluri.parse`, so only a real phone number reaches the number field.

    Raises :class:`~dialer.desktop.protocol.ProtocolError` for a link that is not a phone number.
    """
    if request.action == protocol.ACTION_OPEN_URI:
        uri = request.args["uri"]
        try:
            parsed = teluri.parse(uri)
        except ValueError as exc:  # TelUriError is a ValueError
            raise protocol.ProtocolError(f"not a valid phone link: {exc}") from None
        if not parsed.number or not set(parsed.number) <= protocol.NUMBER_CHARS:
            raise protocol.ProtocolError("the link holds no phone number")
        return HandoffRequest(action=request.action, number_text=parsed.number, uri=uri,
                              origin=Origin.TEL_LINK, tel=parsed)
    if request.action == protocol.ACTION_CALL:
        return HandoffRequest(action=request.action, number_text=request.args["number"], uri="",
                              origin=Origin.HANDOFF)
    return HandoffRequest(action=request.action, number_text="", uri="", origin=Origin.HANDOFF)


def decode(line: bytes) -> HandoffRequest:
    """Validate and interpret one request line; raises ProtocolError for anything else."""
    return to_handoff_request(protocol.decode_request(line))
