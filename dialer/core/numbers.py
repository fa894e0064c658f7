"""Phone numbers as people paste them, turned into E.164 and described for the UI.

Everything goes through ``phonenumbers`` (libphonenumber's metadata; place names, carriers and time zones
through :mod:`dialer.core.places`, which gives libphonenumber's answers without its 100 MB of data), wrapped so that callers only ever see
:class:`InvalidNumber` with a message that names the cause and the fix. Input is pre-cleaned first:
Unicode compatibility forms (full-width digits, ``＋``) and every Unicode decimal digit (Arabic-Indic,
Devanagari, ...) become ASCII, and a leading ``00``/``011`` international prefix is read as ``+`` when
there is no default region to interpret it.
"""

from __future__ import annotations

import locale
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.phonenumbermatcher import Leniency

from dialer.core import places

MAX_INPUT_CHARS = 1000
"""Longer input is refused outright: nobody pastes a 1000-character phone number."""

_FIND_MAX_CHARS = 20_000  # clipboard text scanned by find_numbers
_LANG = "en"


class InvalidNumber(ValueError):
    """The text is not a usable phone number; the message says why and what to do."""


class NumberType(StrEnum):
    MOBILE = "mobile"
    FIXED_LINE = "fixed-line"
    FIXED_LINE_OR_MOBILE = "fixed-line-or-mobile"
    TOLL_FREE = "toll-free"
    PREMIUM_RATE = "premium-rate"
    SHARED_COST = "shared-cost"
    VOIP = "voip"
    PERSONAL = "personal"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"


_TYPE_MAP: dict[int, NumberType] = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
    PhoneNumberType.VOIP: NumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PERSONAL,
    PhoneNumberType.PAGER: NumberType.PAGER,
    PhoneNumberType.UAN: NumberType.UAN,
    PhoneNumberType.VOICEMAIL: NumberType.VOICEMAIL,
}


# --------------------------------------------------------------------------------------------- cleaning


def _ascii_digits(text: str) -> str:
    """NFKC-fold (full-width forms) and turn every Unicode decimal digit into its ASCII digit."""
    folded = unicodedata.normalize("NFKC", text)
    out = []
    for ch in folded:
        if ch.isdigit() and not ch.isascii():
            value = unicodedata.decimal(ch, None)
            out.append(str(value) if value is not None else ch)
        else:
            out.append(ch)
    return "".join(out)


_IDD_AT_START = re.compile(r"^([^\d+]*?)(?<![\d+])(?:00|011)(?=[\s.\-()/]*[1-9])")


def _clean(text: str, region: str | None) -> str:
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidNumber(
            f"The text is too long to be a phone number ({len(text)} characters); paste only the number."
        )
    cleaned = _ascii_digits(text).strip()
    if region is None:
        # Without a region, 00 / 011 can only be an international prefix.
        cleaned = _IDD_AT_START.sub(r"\1+", cleaned, count=1)
    return cleaned


def _region_arg(region: str | None) -> str | None:
    if region is None:
        return None
    code = region.strip().upper()
    # An unknown region (a typo, "ZZ") reads like no region: then only +/00 numbers work, and say so.
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _country(number: PhoneNumber) -> str:
    """Country name for messages, from the country calling code (works for invalid numbers too)."""
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    if not region or region in ("ZZ", "001"):
        return f"country code +{number.country_code}"
    return places.region_display_name(region, _LANG) or region


# ----------------------------------------------------------------------------------------------- parsing


def _first_match(text: str, region: str | None, leniency: int) -> PhoneNumber | None:
    try:
        for match in PhoneNumberMatcher(text[:_FIND_MAX_CHARS], region or "ZZ", leniency=leniency):
            number: PhoneNumber = match.number
            return number
    except Exception:  # phonenumbers internals must never leak to callers
        return None
    return None


def _parse_error(exc: NumberParseException, region: str | None, text: str) -> InvalidNumber:
    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        if region is None and "+" not in text:
            return InvalidNumber(
                "The number has no country code and no default region is set; "
                "write it with + and the country code (e.g. +44 20 7946 0958) or choose a region."
            )
        return InvalidNumber("Unknown country code; check the digits after the + sign.")
    if kind == NumberParseException.NOT_A_NUMBER:
        return InvalidNumber("No phone number found in the text; type or paste the digits of the number.")
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return InvalidNumber("The number is too short; check that no digits are missing.")
    if kind == NumberParseException.TOO_LONG:
        return InvalidNumber("The number is too long; check for extra digits.")
    return InvalidNumber("No phone number found in the text; type or paste the digits of the number.")


def _parse(text: str, region: str | None) -> PhoneNumber:
    """Find the phone number in ``text`` (raises InvalidNumber only if there is none at all)."""
    return _parse_valid(text, region)[0]


def _parse_valid(text: str, region: str | None) -> tuple[PhoneNumber, bool]:
    """The number in ``text`` and whether it is valid (one validation: the costly part of parsing)."""
    reg = _region_arg(region)
    cleaned = _clean(text, reg)
    try:
        number = _parse_cleaned(cleaned, reg)
    except InvalidNumber:
        alternative = _idd_alternative(cleaned, reg)
        if alternative is not None:
            return alternative, True
        raise
    if not phonenumbers.is_valid_number(number):
        alternative = _idd_alternative(cleaned, reg)
        if alternative is not None:
            return alternative, True
        return number, False
    return number, True


def _idd_alternative(cleaned: str, reg: str | None) -> PhoneNumber | None:
    """``00 44 ...`` typed with a region whose international prefix is not 00 (e.g. US): if reading the
    leading 00/011 as ``+`` gives a valid number while the region's reading did not, that is what was meant.
    """
    if reg is None:
        return None
    swapped = _IDD_AT_START.sub(r"\1+", cleaned, count=1)
    if swapped == cleaned:
        return None
    try:
        number = _parse_cleaned(swapped, None)
    except InvalidNumber:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _parse_cleaned(cleaned: str, reg: str | None) -> PhoneNumber:
    has_letters = any(ch.isalpha() for ch in cleaned)
    if has_letters:
        # Surrounding words ("call me at ... tomorrow"): a valid number in the text wins over vanity letters.
        found = _first_match(cleaned, reg, Leniency.VALID)
        if found is not None:
            return found
    try:
        number: PhoneNumber = phonenumbers.parse(cleaned, reg)
    except NumberParseException as exc:
        if has_letters:
            found = _first_match(cleaned, reg, Leniency.POSSIBLE)
            if found is not None:
                return found
        raise _parse_error(exc, reg, cleaned) from None
    except Exception:  # any phonenumbers bug becomes our error
        raise InvalidNumber("No phone number found in the text; type or paste the digits of the number.") from None
    if has_letters and not phonenumbers.is_valid_number(number):
        found = _first_match(cleaned, reg, Leniency.POSSIBLE)
        if found is not None:
            return found
    return number


def _check_possible(number: PhoneNumber) -> None:
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.IS_POSSIBLE:
        return
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise InvalidNumber("Unknown country code; check the digits after the + sign.")
    if reason == ValidationResult.TOO_SHORT:
        raise InvalidNumber("The number is too short; check that no digits are missing.")
    if reason == ValidationResult.TOO_LONG:
        raise InvalidNumber("The number is too long; check for extra digits.")
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        raise InvalidNumber("The number is too short: it works only locally; add the area code.")
    country = _country(number)
    raise InvalidNumber(
        f"The number has the wrong number of digits for {country}; check the digits and the country code."
    )


def _e164(number: PhoneNumber) -> str:
    result: str = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return result


def normalize(text: str, region: str | None = None, *, strict: bool = True) -> str:
    """Return the E.164 form (``+12015550123``) of the number in ``text``, or raise InvalidNumber.

    ``region`` (ISO 3166 code, e.g. ``"US"``) is how national numbers are read. With ``strict`` (the
    default) the number must be valid in its country; ``strict=False`` also accepts numbers that have a
    possible length but are not assigned (the store keeps such numbers, flagged).
    """
    e164, valid, country = _normalized(text, region)
    if strict and not valid:
        raise InvalidNumber(f"This is not a valid number in {country}; check the digits and the country code.")
    return e164


def normalize_checked(text: str, region: str | None = None) -> tuple[str, bool]:
    """``(E.164, valid)`` for a number of a possible length, in one parse; InvalidNumber otherwise.

    What ``normalize(strict=False)`` returns, and whether ``normalize(strict=True)`` would accept it.
    """
    e164, valid, _country_name = _normalized(text, region)
    return e164, valid


def _normalized(text: str, region: str | None) -> tuple[str, bool, str]:
    try:
        number, valid = _parse_valid(text, region)
        if valid:
            return _e164(number), True, ""
        _check_possible(number)
        return _e164(number), False, _country(number)
    except InvalidNumber:
        raise
    except Exception:  # contract: only InvalidNumber escapes
        raise InvalidNumber("No phone number found in the text; type or paste the digits of the number.") from None


# ---------------------------------------------------------------------------------------------- describe


@dataclass(frozen=True)
class NumberInfo:
    """What the UI shows about a number before dialling it."""

    e164: str
    valid: bool
    region: str | None
    country_name: str
    place: str
    number_type: NumberType
    carrier: str
    timezones: tuple[str, ...]
    international: str
    national: str

    def local_time(self, now: datetime | None = None) -> datetime | None:
        """The current time at the destination (first time zone), or None if unknown.

        A naive ``now`` is taken as UTC.
        """
        if not self.timezones:
            return None
        try:
            zone = ZoneInfo(self.timezones[0])
        except (ZoneInfoNotFoundError, ValueError):
            return None
        moment = now if now is not None else datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone)


def _info(number: PhoneNumber) -> NumberInfo:
    valid = bool(phonenumbers.is_valid_number(number))
    region = phonenumbers.region_code_for_number(number)
    if region in (None, "ZZ"):
        region = None
    country_name = places.country_name_for_number(number, _LANG) if region != "001" else ""
    place = ""
    carrier_name = ""
    if valid:
        place = places.description_for_valid_number(number, _LANG, region=region) or ""
        if place == country_name:  # the geocoder falls back to the country: no finer place known
            place = ""
        carrier_name = places.carrier_name_for_number(number, _LANG) or ""
    zones = tuple(z for z in places.time_zones_for_number(number) if z != "Etc/Unknown")
    number_type = _TYPE_MAP.get(phonenumbers.number_type(number), NumberType.UNKNOWN)
    return NumberInfo(
        e164=_e164(number),
        valid=valid,
        region=region,
        country_name=country_name or "",
        place=place,
        number_type=number_type,
        carrier=carrier_name,
        timezones=zones,
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
    )


def describe(text: str, region: str | None = None) -> NumberInfo:
    """Everything known about the number in ``text``; raises InvalidNumber only if there is no number.

    Invalid-but-parseable numbers come back with ``valid=False`` so the UI can say so.
    """
    try:
        return _info(_parse(text, region))
    except InvalidNumber:
        raise
    except Exception:  # contract: only InvalidNumber escapes
        raise InvalidNumber("No phone number found in the text; type or paste the digits of the number.") from None


# ----------------------------------------------------------------------------------------- as you type


_DIAL_CHARS = frozenset("0123456789+*#")
_FORMAT_MAX = 64  # longer content is returned as plain dial characters


class AsYouTypeFormatter:
    """Formats the dial-pad field as the user types, keeping the caret after the same dial character.

    Stateless between calls: each :meth:`format` re-formats the whole field content from scratch, so
    edits in the middle, deletions and pastes all work the same way. Only ``0-9 + * #`` are kept
    (Unicode digits count as digits); any other character is dropped.
    """

    def __init__(self, region: str) -> None:
        self.region = (region or "ZZ").strip().upper() or "ZZ"

    def format(self, text: str, caret: int) -> tuple[str, int]:
        """Return ``(formatted, new_caret)``. ``caret`` is an index into ``text`` (clamped)."""
        caret = max(0, min(caret, len(text)))
        before = _ascii_digits(text[:caret])
        dial = "".join(ch for ch in _ascii_digits(text) if ch in _DIAL_CHARS)
        kept_before = sum(1 for ch in before if ch in _DIAL_CHARS)
        formatted = self._format_dial(dial)
        return formatted, self._caret_after(formatted, kept_before)

    def _format_dial(self, dial: str) -> str:
        if not dial or len(dial) > _FORMAT_MAX:
            return dial
        try:
            formatter = phonenumbers.AsYouTypeFormatter(self.region)
            out = ""
            for ch in dial:
                out = formatter.input_digit(ch)
        except Exception:  # fall back to the plain characters
            return dial
        # Only trust the result if it kept every dial character in order.
        if "".join(ch for ch in out if ch in _DIAL_CHARS) != dial:
            return dial
        result: str = out
        return result

    @staticmethod
    def _caret_after(formatted: str, kept: int) -> int:
        if kept <= 0:
            return 0
        seen = 0
        for index, ch in enumerate(formatted):
            if ch in _DIAL_CHARS:
                seen += 1
                if seen == kept:
                    return index + 1
        return len(formatted)


# ----------------------------------------------------------------------------------------------- helpers


def region_of(e164: str) -> str | None:
    """ISO region of an E.164 number, or None (unparseable, or a non-geographic number)."""
    try:
        number = phonenumbers.parse(_ascii_digits(e164)[:MAX_INPUT_CHARS], None)
    except Exception:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region not in ("ZZ", "001") else None


def _locale_region(locale_name: str | None) -> str | None:
    name = locale_name
    if name is None:
        try:
            name = locale.getlocale()[0]
        except ValueError:
            name = None
        if not name:
            name = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    if not name:
        return None
    base = re.split(r"[.@]", name, maxsplit=1)[0]
    parts = re.split(r"[_-]", base)
    if len(parts) < 2:
        return None
    code = parts[-1].upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def default_region(own_number: str | None = None, locale_name: str | None = None) -> str:
    """The region for reading national numbers: the user's own number's, else the locale's, else US."""
    if own_number:
        try:
            number = _parse(own_number, None)
            if phonenumbers.is_valid_number(number):
                region = phonenumbers.region_code_for_number(number)
                if region and region not in ("ZZ", "001"):
                    return str(region)
        except Exception:  # a bad own number just falls through to the locale
            pass
    return _locale_region(locale_name) or "US"


def find_numbers(text: str, region: str | None = None, limit: int = 10) -> list[str]:
    """E.164 of the valid phone numbers in free text, in order of appearance, without duplicates."""
    found: list[str] = []
    if limit <= 0:
        return found
    reg = _region_arg(region) or "ZZ"
    try:
        cleaned = _ascii_digits(text[:_FIND_MAX_CHARS])
        for match in PhoneNumberMatcher(cleaned, reg, leniency=Leniency.VALID):
            e164 = _e164(match.number)
            if e164 not in found:
                found.append(e164)
                if len(found) >= limit:
                    break
    except Exception:  # whatever was found so far is still useful
        pass
    return found


_T9 = {
    **dict.fromkeys("abc", "2"),
    **dict.fromkeys("def", "3"),
    **dict.fromkeys("ghi", "4"),
    **dict.fromkeys("jkl", "5"),
    **dict.fromkeys("mno", "6"),
    **dict.fromkeys("pqrs", "7"),
    **dict.fromkeys("tuv", "8"),
    **dict.fromkeys("wxyz", "9"),
    # Cyrillic keypads (Russian and Ukrainian phones, GOST/ITU E.161 layout). After NFKD, й ї ё are и і е.
    **dict.fromkeys("абвгґ", "2"),
    **dict.fromkeys("деєжз", "3"),
    **dict.fromkeys("иікл", "4"),
    **dict.fromkeys("мноп", "5"),
    **dict.fromkeys("рсту", "6"),
    **dict.fromkeys("фхцч", "7"),
    **dict.fromkeys("шщъы", "8"),
    **dict.fromkeys("ьэюя", "9"),
}


def t9_digits(text: str) -> str:
    """Letters as dial-pad digits (accents folded: "José" -> "5673"); digits kept; anything else dropped."""
    out = []
    for ch in unicodedata.normalize("NFKD", _ascii_digits(text)):
        low = ch.lower()
        if low in _T9:
            out.append(_T9[low])
        elif ch.isascii() and ch.isdigit():
            out.append(ch)
    return "".join(out)


def digits_only(text: str) -> str:
    """Only the digits of ``text``, as ASCII (Arabic-Indic, full-width etc. converted)."""
    return "".join(ch for ch in _ascii_digits(text) if ch.isascii() and ch.isdigit())


def _format(e164: str, fmt: int) -> str:
    try:
        number = phonenumbers.parse(_ascii_digits(e164)[:MAX_INPUT_CHARS], None)
        result: str = phonenumbers.format_number(number, fmt)
        return result
    except Exception:  # show what we have rather than fail a list view
        return e164


def format_international(e164: str) -> str:
    """``+44 20 7946 0958``; unparseable input is returned unchanged (for display only)."""
    return _format(e164, PhoneNumberFormat.INTERNATIONAL)


def format_national(e164: str) -> str:
    """``020 7946 0958``; unparseable input is returned unchanged (for display only)."""
    return _format(e164, PhoneNumberFormat.NATIONAL)


def flag(region: str | None) -> str:
    """The flag emoji of a two-letter region code ('' for None or anything else)."""
    if not region or len(region) != 2 or not region.isascii() or not region.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in region.upper())
