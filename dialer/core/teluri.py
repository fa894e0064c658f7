"""``tel:`` (RFC 3966, RFC 4715 ISDN subaddress, RFC 2806 ``postd``) and ``callto:`` links.

Links come from web pages and other programs, so nothing in them is trusted: any input either parses into
a :class:`TelUri` or raises :class:`TelUriError` with the reason; nothing else escapes.

Choices beyond the RFC text (for links found in the wild):

* ``callto:`` (Skype/NetMeeting style) is accepted with or without ``//``; spaces are allowed there and
  a local number needs no ``phone-context``. A ``callto:`` user name (letters) is refused.
* ``tel://`` is read like ``tel:``; spaces (also ``%20``) are treated as visual separators.
* Dial-string pauses written inline after the number (``tel:+12015550123,,1234`` or ``...p1234``) become
  the ``postdial`` part, the same as ``;postd=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from dialer.i18n import _

MAX_URI_CHARS = 2048


class TelUriError(ValueError):
    """The link is not a usable tel:/callto: URI; the message says why."""


@dataclass(frozen=True)
class TelUri:
    number: str  # E.164 for global numbers; the local digits (no separators) otherwise
    is_global: bool
    phone_context: str | None = None
    extension: str | None = None
    isub: str | None = None
    isub_encoding: str | None = None
    postdial: str | None = None
    params: tuple[tuple[str, str | None], ...] = ()
    scheme: str = "tel"

    @property
    def dialable(self) -> str:
        """The number to hand to ``numbers.normalize``: a local number under a ``+`` phone-context gets
        that prefix (RFC 3966 5.1.5: ``tel:7946-0958;phone-context=+44-20`` is ``+4420 79460958``);
        a global number, or a local one under a domain context, is the number itself.
        """
        if not self.is_global and self.phone_context is not None and self.phone_context.startswith("+"):
            return self.phone_context + self.number
        return self.number

    def to_uri(self) -> str:
        """Canonical ``tel:`` form: ext and isub first, then phone-context, then the rest sorted by name.

        This is the RFC 3966 section 3 order; ``isub-encoding``, ``postd`` and unknown parameters count as
        "other parameters" and are sorted lexicographically. A local ``callto:`` number without a
        phone-context has no valid ``tel:`` form, so it stays ``callto:``.
        """
        scheme = "tel" if self.is_global or self.phone_context is not None else "callto"
        parts = [f"{scheme}:{self.number.replace('#', '%23')}"]
        if self.extension is not None:
            parts.append(f"ext={self.extension}")
        if self.isub is not None:
            parts.append(f"isub={_encode(self.isub)}")
        if self.phone_context is not None:
            parts.append(f"phone-context={self.phone_context}")
        others: list[tuple[str, str | None]] = list(self.params)
        if self.isub_encoding is not None:
            others.append(("isub-encoding", self.isub_encoding))
        if self.postdial is not None:
            others.append(("postd", self.postdial))
        for name, value in sorted(others, key=lambda item: item[0]):
            parts.append(name if value is None else f"{name}={_encode(value)}")
        return ";".join(parts)


# Characters allowed unencoded in a parameter value (paramchar), besides alphanumerics.
_PARAM_SAFE = "[]/:&+$-_.!~*'()"
_SEPARATORS = re.compile(r"[-.() ]")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_PNAME = re.compile(r"^[A-Za-z0-9-]+$")
_DOMAIN = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?\.?$"
)
_POSTDIAL = re.compile(r"^[0-9*#abcdpw,]+$")
_LOCAL = re.compile(r"^[0-9a-f*#]+$")
_INLINE_PAUSE = re.compile(r"[,pw]")


def _encode(value: str) -> str:
    return quote(value, safe=_PARAM_SAFE)


def _decode(text: str) -> str:
    """Percent-decode (UTF-8); a stray ``%`` is an error."""
    if "%" in _PCT.sub("", text):
        raise TelUriError(_("The link has a broken percent-encoding (a % not followed by two hex digits)."))
    raw = bytearray()
    pos = 0
    for match in _PCT.finditer(text):
        raw += text[pos : match.start()].encode("utf-8", "surrogatepass")
        raw.append(int(match.group(1), 16))
        pos = match.end()
    raw += text[pos:].encode("utf-8", "surrogatepass")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TelUriError(_("The link has percent-encoded bytes that are not valid UTF-8 text.")) from None


def _strip_scheme(uri: str) -> tuple[str, str]:
    lowered = uri[:9].lower()
    for scheme in ("callto", "tel"):
        if lowered.startswith(scheme + ":"):
            rest = uri[len(scheme) + 1 :]
            if rest.startswith("//"):
                rest = rest[2:]
            return scheme, rest
    raise TelUriError(_("Not a phone link: it must start with tel: or callto:."))


def _global_digits(text: str, what: str) -> str:
    digits = _SEPARATORS.sub("", text[1:])
    if not digits or not digits.isascii() or not digits.isdigit():
        raise TelUriError(_("The number must be + followed by digits (separators - . ( ) allowed).") if what == "number"
                          else _("The phone-context number must be + followed by digits (separators - . ( ) "
                                 "allowed)."))
    return "+" + digits


def _context(value: str) -> str:
    if value.startswith("+"):
        return _global_digits(value, "phone-context number")
    domain = value.lower()
    if not domain.isascii() or not _DOMAIN.match(domain):
        raise TelUriError(_("The phone-context must be a domain name or a + number."))
    return domain


def _subscriber(text: str, scheme: str) -> tuple[str, bool, str | None]:
    """(number, is_global, inline postdial) from the part before the first ``;``."""
    cleaned = text.strip()
    if not cleaned:
        raise TelUriError(_("The link contains no phone number."))
    low = cleaned.lower()
    inline: str | None = None
    # Pauses after the number: split at the first , p or w that follows a digit.
    cut = _INLINE_PAUSE.search(low, 1)
    if cut is not None and low[: cut.start()].rstrip(" -.()")[-1:].isdigit():
        inline = _SEPARATORS.sub("", low[cut.start() :])
        if not _POSTDIAL.match(inline):
            raise TelUriError(_("The dialling pauses after the number may contain only digits, * # A-D and p w ,."))
        cleaned = cleaned[: cut.start()]
    if cleaned.startswith("+"):
        return _global_digits(cleaned, "number"), True, inline
    local = _SEPARATORS.sub("", cleaned).lower()
    if not local:
        raise TelUriError(_("The link contains no phone number."))
    if not local.isascii() or not _LOCAL.match(local):
        if scheme == "callto":
            raise TelUriError(_("This callto: link names a user, not a phone number; it cannot be dialled."))
        raise TelUriError(_("The number may contain only digits, * and # (and separators - . ( ))."))
    return local, False, inline


def parse(uri: str) -> TelUri:
    """Parse a ``tel:`` or ``callto:`` URI (see the module docstring for what is accepted)."""
    if not isinstance(uri, str):
        raise TelUriError(_("The link must be text."))
    if len(uri) > MAX_URI_CHARS:
        raise TelUriError(_("The link is too long ({length} characters; at most {limit}).").format(
            length=len(uri), limit=MAX_URI_CHARS))
    try:
        return _parse(uri.strip())
    except TelUriError:
        raise
    except Exception as exc:  # contract: only TelUriError escapes
        raise TelUriError(_("The link could not be read ({error}).").format(error=type(exc).__name__)) from None


def _parse(uri: str) -> TelUri:
    scheme, rest = _strip_scheme(uri)
    pieces = rest.split(";")
    subscriber = _decode(pieces[0])
    number, is_global, postdial = _subscriber(subscriber, scheme)

    seen: set[str] = set()
    extension = isub = isub_encoding = context = None
    params: list[tuple[str, str | None]] = []
    for piece in pieces[1:]:
        if not piece:
            raise TelUriError(_("The link has an empty parameter (;;)."))
        raw_name, eq, raw_value = piece.partition("=")
        name = _decode(raw_name).lower()
        if not _PNAME.match(name):
            raise TelUriError(_("Bad parameter name {name}: only letters, digits and - are allowed.").format(
                name=repr(name)))
        if name in seen:
            raise TelUriError(_("The parameter {name} appears more than once.").format(name=repr(name)))
        seen.add(name)
        value = _decode(raw_value) if eq else None
        if value == "":
            raise TelUriError(_("The parameter {name} has an empty value.").format(name=repr(name)))
        if name in ("ext", "isub", "phone-context", "postd", "isub-encoding") and value is None:
            raise TelUriError(_("The parameter {name} needs a value ({key}=...).").format(name=repr(name), key=name))
        if name == "ext":
            ext = _SEPARATORS.sub("", value or "")
            if not ext or not ext.isascii() or not ext.isdigit():
                raise TelUriError(_("The extension (ext=) may contain only digits."))
            extension = ext
        elif name == "isub":
            isub = value
        elif name == "isub-encoding":
            isub_encoding = (value or "").lower()
        elif name == "phone-context":
            context = _context(value or "")
        elif name == "postd":
            if postdial is not None:
                raise TelUriError(_("The link has dialling pauses both after the number and in postd=."))
            post = _SEPARATORS.sub("", (value or "").lower())
            if not post or not _POSTDIAL.match(post):
                raise TelUriError(_("postd= may contain only digits, * # A-D and the pauses p w."))
            postdial = post
        else:
            params.append((name, value))

    if postdial is not None:
        postdial = re.sub(r"[abcd]", lambda m: m.group(0).upper(), postdial)
    if not is_global and context is None and scheme == "tel":
        raise TelUriError(
            _("A local number in a tel: link needs a phone-context (e.g. ;phone-context=+1-201); "
              "or write the number in international form with +.")
        )
    return TelUri(
        number=number,
        is_global=is_global,
        phone_context=context,
        extension=extension,
        isub=isub,
        isub_encoding=isub_encoding,
        postdial=postdial,
        params=tuple(params),
        scheme=scheme,
    )
