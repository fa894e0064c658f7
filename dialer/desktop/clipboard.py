"""The phone number in the clipboard, for "call the number I just copied" (quick-call, tray).

Pure Python: the caller reads the clipboard text through Qt and passes it in, so this is testable
without a display. Only the first valid number counts; a copied ``tel:``/``callto:`` link counts too.
"""

from __future__ import annotations

from dialer.core import numbers, teluri
from dialer.i18n import N_

MAX_CLIPBOARD_CHARS = 10_000
"""Only the start of a large clipboard is searched (a pasted document should not stall the popup)."""

NO_NUMBER_MESSAGE = N_(
    "No phone number in the clipboard. Copy a number (for example +1 201 555 0123) or a tel: link, "
    "then try again; or type the number."
)
"""Shown translated: ``_(NO_NUMBER_MESSAGE)``."""


def number_from_clipboard_text(text: str | None, region: str | None) -> str | None:
    """The first phone number in ``text`` as E.164 (or a link's number), or None when there is none.

    ``region`` (ISO 3166 code, e.g. "US") reads national numbers such as "(201) 555-0123".
    """
    if not text:
        return None
    text = text[:MAX_CLIPBOARD_CHARS]
    stripped = text.strip()
    if stripped.lower().startswith(("tel:", "callto:")) and not any(ch.isspace() for ch in stripped[4:]):
        try:
            return teluri.parse(stripped).number
        except teluri.TelUriError:
            pass  # not a usable link: look for a number in the text instead
    found = numbers.find_numbers(text, region, limit=1)
    return found[0] if found else None
