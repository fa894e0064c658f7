"""The dial guard: decides, before any call is placed, whether to refuse, warn or ask for confirmation.

Rules (each one protects the user from a link or a paste they did not look at closely):

* Refused: service codes (a ``*``/``#`` next to a digit or another ``*``/``#`` in the dialled part,
  e.g. ``*21#`` call forwarding, ``#31#`` caller-ID hiding, ``*#06#``, ``*67``), emergency numbers (a web calling service is the wrong way to reach
  them: dial them on the phone itself) and text that holds no number.
* Warnings: premium-rate and shared-cost numbers, night time at the destination (22:00-07:00 local, in
  every time zone of the number), invalid numbers and numbers of unknown type.
* Confirmation: always for requests from outside the window (links, clipboard, CLI, tray, hand-off), when
  the user asked to always confirm, or when there is any warning.
* Extra step: premium-rate and shared-cost numbers need an explicit extra confirmation step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from dialer.core.calls import Origin
from dialer.core.numbers import NumberInfo, NumberType
from dialer.i18n import N_, _

NO_NUMBER = N_("There is no phone number to call here; check the number and try again.")
"""Kept in English in a verdict (the planner compares it); shown as ``_(NO_NUMBER)``."""
"""The refusal reason when ``info`` is None and nothing else applies (callers may compare with it)."""

NIGHT_START_HOUR = 22
NIGHT_END_HOUR = 7
_MAX_RAW = 2048


@dataclass(frozen=True)
class DialVerdict:
    refused: str | None = None
    warnings: tuple[str, ...] = ()
    needs_confirmation: bool = False
    needs_extra_step: bool = False

    @property
    def allowed(self) -> bool:
        return self.refused is None


_SCHEME = re.compile(r"^\s*(?:tel|callto):(?://)?", re.IGNORECASE)


def _number_part(raw_text: str) -> str:
    """The dialled part of the raw request: scheme, parameters and post-dial keys removed, %XX decoded."""
    text = _SCHEME.sub("", raw_text[:_MAX_RAW])
    text = unquote(text.split(";", 1)[0])
    # Post-dial keys after a pause right after a digit (",", "p", "w") are DTMF sent after answering.
    return re.split(r"(?<=\d)[,pPwW]", text, maxsplit=1)[0]


_DIAL_RUN = re.compile(r"[*#+0-9][*#+0-9 ().\-/]*")
_SEPARATORS = re.compile(r"[ ().\-/]")
# A * or # touching a digit or another * / #: "*21#", "#31#", "*#06#", "*67 ...", "**21*...".
# A lone "#123" (a ticket number in pasted text) is not one.
_SERVICE_MARK = re.compile(r"[0-9*#]#|\*[0-9*#]|[0-9#]\*")


def _is_service_code(number_part: str) -> bool:
    return any(
        _SERVICE_MARK.search(_SEPARATORS.sub("", run)) for run in _DIAL_RUN.findall(number_part)
    )


def _is_emergency(number_part: str, info: NumberInfo | None) -> bool:
    digits = "".join(ch for ch in number_part if ch.isascii() and ch.isdigit())
    if not digits or len(digits) > 6:
        return False
    region = info.region if info is not None and info.region else None
    regions = [region] if region else ["US", "GB"]
    try:
        return any(phonenumbers.is_emergency_number(digits, r) for r in regions)
    except Exception:  # phonenumbers must never break the guard
        return False


def _night_warning(info: NumberInfo, now: datetime | None) -> str | None:
    if not info.timezones:
        return None
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local_times: list[datetime] = []
    for name in info.timezones:
        try:
            local_times.append(moment.astimezone(ZoneInfo(name)))
        except (ZoneInfoNotFoundError, ValueError):
            return None
    if local_times and all(t.hour >= NIGHT_START_HOUR or t.hour < NIGHT_END_HOUR for t in local_times):
        first = local_times[0]
        return _("It is {time} at the destination ({zone}): night time there.").format(
            time=f"{first:%H:%M}", zone=info.timezones[0])
    return None


def check(
    info: NumberInfo | None,
    raw_text: str,
    origin: Origin,
    *,
    now: datetime | None = None,
    always_confirm: bool = False,
) -> DialVerdict:
    """The verdict for dialling ``info`` (None if the number could not be read) requested as ``raw_text``."""
    number_part = _number_part(raw_text)
    if _is_service_code(number_part):
        return DialVerdict(
            refused=(
                _("This is a phone service code (like *21# or #31#), which changes settings on your phone "
                  "or line; the dialer never sends service codes. Dial it on your phone if you mean it.")
            )
        )
    if _is_emergency(number_part, info):
        return DialVerdict(
            refused=_("This is an emergency number. Call it directly from your phone, not through a web calling "
                      "service.")
        )
    if info is None:
        return DialVerdict(refused=NO_NUMBER)

    warnings: list[str] = []
    extra_step = False
    country = info.country_name or _("its country")
    if not info.valid:
        warnings.append(_("This number does not look valid in {country}; check it before calling.").format(
            country=country))
    if info.number_type is NumberType.PREMIUM_RATE:
        warnings.append(_("Premium-rate number: calls to it can cost much more per minute."))
        extra_step = True
    elif info.number_type is NumberType.SHARED_COST:
        warnings.append(_("Shared-cost number: calls to it may cost more than a normal call."))
        extra_step = True
    elif info.number_type is NumberType.UNKNOWN and info.valid:
        warnings.append(_("The kind of this number is unknown; it may be charged differently."))
    night = _night_warning(info, now)
    if night is not None:
        warnings.append(night)

    return DialVerdict(
        refused=None,
        warnings=tuple(warnings),
        needs_confirmation=origin.is_external or always_confirm or bool(warnings),
        needs_extra_step=extra_step,
    )
