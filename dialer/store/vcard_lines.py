"""One vCard read line by line with vobject's grammar, decoding only the properties a contact uses.

``vobject.readComponents`` builds a full object tree for every line of a card (photos, addresses, e-mail,
UIDs...) and runs its behaviour machinery over all of it: ~0.5 ms a card, most of a 10,000-card address
book's first sync. A contact needs eight properties. This reader unfolds the card as vobject does, checks
every line against vobject's own line grammar (``vobject.base.line_re``, so a card vobject refuses is
refused here too), and decodes just those eight properties the way vobject's behaviours would (text
unescaping and the first comma-separated value; structured N and ORG). The result is the ``contents``
mapping vobject would give for them; a differential test (tests/unit/store/test_vcard_lines.py) holds it
to that over generated and real-world cards.

Whatever is not a plain single card (quoted-printable or base64 values, nested components, a second card,
a line vobject cannot parse) returns ``None``, and the caller reads the card with vobject itself, which
also words the error for a broken card.
"""

from __future__ import annotations

from typing import Any

#: The properties a contact is made of. Inside a VCARD vobject decodes these as text (unescaped, first
#: comma-separated value), and N and ORG as structured fields.
_TEXT = frozenset({"FN", "NICKNAME", "TEL", "NOTE", "X-ABLABEL", "X-DIALER-FAVOURITE"})
_STRUCTURED = frozenset({"N", "ORG"})
_NAME_ORDER = ("family", "given", "additional", "prefix", "suffix")


class Card:
    """The part of a vobject VCARD component a contact reads: ``contents`` by lower-case name."""

    __slots__ = ("contents", "name")

    def __init__(self) -> None:
        self.name = "VCARD"
        self.contents: dict[str, list[Line]] = {}


class Line:
    """One decoded property, shaped like vobject's ``ContentLine`` (group, params, singletonparams, value)."""

    __slots__ = ("group", "name", "params", "singletonparams", "value")

    def __init__(self, name: str, group: str | None, params: dict[str, list[str]], singletons: list[str],
                 value: Any) -> None:
        self.name = name
        self.group = group
        self.params = params
        self.singletonparams = singletons
        self.value = value


def read(text: str) -> Card | None:
    """The card in ``text`` (newlines already ``\\n``), or ``None`` when vobject must read it."""
    if "quoted-printable" in text.lower():
        return None  # vCard 2.1 soft line breaks and decoding: vobject's job
    from vobject.base import line_re, parseParams

    card = Card()
    state = "before"
    for line in _logical_lines(text):
        match = line_re.match(line)
        if match is None:
            return None
        name = match.group("name").replace("_", "-").upper()  # vobject: "_" for "-" (Lotus Notes)
        value = match.group("value")
        if name in ("BEGIN", "END"):
            if name == "BEGIN" and state == "before" and value.upper() == "VCARD":
                state = "inside"
            elif name == "END" and state == "inside" and value.upper() == "VCARD":
                state = "after"
            else:
                return None  # nested components, a second card, a stray END: vobject decides
            continue
        if state != "inside":
            return None
        if name not in _TEXT and name not in _STRUCTURED:
            continue  # photos, addresses, e-mail...: not part of a contact here, never decoded
        params: dict[str, list[str]] = {}
        singletons: list[str] = []
        for param in parseParams(match.group("params")):
            if len(param) == 1:
                singletons += param
            else:
                params.setdefault(param[0].upper(), []).extend(param[1:])
        if "ENCODING" in params or "CHARSET" in params or any(s.upper() == "BASE64" for s in singletons):
            return None  # base64 or a declared charset: vobject's job
        decoded: Any
        if name in _TEXT:
            decoded = _text_values(value, ",")[0]
        elif name == "N":
            from vobject.vcard import Name

            decoded = Name(**dict(zip(_NAME_ORDER, _fields(value), strict=False)))
        else:
            decoded = _fields(value)
        card.contents.setdefault(name.lower(), []).append(
            Line(name, match.group("group"), params, singletons, decoded))
    return card if state == "after" else None


def _logical_lines(text: str) -> list[str]:
    """vobject's unfolding (``getLogicalLines`` without quoted-printable): a line that starts with a space
    or tab continues the one before, minus that one character; a blank line ends a logical line."""
    lines: list[str] = []
    current = ""
    for raw in text.split("\n"):
        if raw.rstrip() == "":
            if current:
                lines.append(current)
            current = ""
        elif raw[0] in " \t":
            current += raw[1:]
        else:
            if current:
                lines.append(current)
            current = raw
    if current:
        lines.append(current)
    return lines


def _text_values(value: str, separator: str) -> list[str]:
    """vobject's ``stringToTextValues``: split on ``separator`` and undo backslash escapes."""
    if "\\" in value:
        from vobject.icalendar import stringToTextValues

        return list(stringToTextValues(value, listSeparator=separator))
    parts = value.split(separator)
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # vobject drops one empty value after a trailing separator
    return parts


def _fields(value: str) -> list[Any]:
    """vobject's ``splitFields``: ``;``-separated fields, each a string or a list of ``,``-separated values."""
    if "\\" in value:
        from vobject.vcard import splitFields

        return list(splitFields(value))
    fields: list[Any] = []
    for field in _text_values(value, ";"):
        values = _text_values(field, ",")
        fields.append(values[0] if len(values) == 1 else values)
    return fields
