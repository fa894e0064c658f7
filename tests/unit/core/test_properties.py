"""Property tests: every example number round-trips, and no input makes the parsers raise a foreign error."""

from __future__ import annotations

import contextlib
import unicodedata

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.core import dtmf, numbers, safety, teluri
from dialer.core.calls import Origin
from dialer.core.numbers import AsYouTypeFormatter, InvalidNumber
from dialer.core.teluri import TelUriError

_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
]


def _all_examples() -> list[tuple[str, str]]:
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                out.append((region, phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)))
    return out


EXAMPLES = _all_examples()


def test_every_example_number_of_every_region_and_type_round_trips() -> None:
    """Exhaustive (a few thousand numbers): E.164 in -> the same E.164 out, valid, in its region."""
    assert len(EXAMPLES) > 1000
    failures = []
    for region, e164 in EXAMPLES:
        got = numbers.normalize(e164)
        if got != e164:
            failures.append((region, e164, got))
        info = numbers.describe(e164)
        if not info.valid or info.e164 != e164:
            failures.append((region, e164, info))
    assert failures == []


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES))
def test_example_numbers_in_national_format_with_their_region(example: tuple[str, str]) -> None:
    region, e164 = example
    national = numbers.format_national(e164)
    assert numbers.normalize(national, region) == e164
    assert numbers.normalize(numbers.format_international(e164)) == e164


_DIGIT_SCRIPTS = [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10]  # Arabic-Indic, Persian, Devanagari, ...


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EXAMPLES), st.sampled_from(_DIGIT_SCRIPTS))
def test_example_numbers_written_in_other_digit_scripts(example: tuple[str, str], zero: int) -> None:
    _, e164 = example
    foreign = "+" + "".join(chr(zero + int(d)) for d in e164[1:])
    assert numbers.normalize(foreign) == e164


_TELISH = st.from_regex(
    r"\A(?:tel:|TEL:|callto:|callto://)?[+ ]?[0-9().\- *#a-zA-Z%]{0,30}"
    r"(?:;[a-zA-Z-]{0,12}(?:=[0-9a-zA-Z+.%\-#*]{0,15})?){0,4}\Z",
    fullmatch=True,
)
_NUMBERISH = st.from_regex(r"\A(?:\+|00|011)?[0-9٠-٩０-９ ()\-.]{0,25}(?: ?(?:ext|x|#)\.? ?[0-9]{0,6})?\Z",
                           fullmatch=True)
_ANY = st.one_of(st.text(max_size=80), _TELISH, _NUMBERISH)
_REGIONS = st.one_of(st.none(), st.sampled_from(["US", "GB", "IN", "DE", "ZZ", "001", "", "xx"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY, _REGIONS)
def test_normalize_and_describe_raise_only_invalid_number(text: str, region: str | None) -> None:
    for call in (numbers.normalize, numbers.describe):
        with contextlib.suppress(InvalidNumber):
            call(text, region)


@settings(max_examples=400, deadline=None)
@given(_ANY)
def test_teluri_parse_raises_only_teluri_error(text: str) -> None:
    try:
        uri = teluri.parse(text)
    except TelUriError:
        return
    # Whatever parses round-trips through the canonical form.
    again = teluri.parse(uri.to_uri())
    assert (again.number, again.is_global, again.extension, again.isub, again.postdial, again.phone_context) == (
        uri.number, uri.is_global, uri.extension, uri.isub, uri.postdial, uri.phone_context)


@settings(max_examples=300, deadline=None)
@given(_ANY, st.integers(min_value=-5, max_value=100), st.sampled_from(["US", "GB", "IN", "ZZ", "", "xx", "001"]))
def test_as_you_type_never_raises_and_keeps_dial_characters(text: str, caret: int, region: str) -> None:
    shown, new_caret = AsYouTypeFormatter(region).format(text, caret)
    assert 0 <= new_caret <= len(shown)
    dial = set("0123456789+*#")
    # The formatter only adds separators: every + digit * # the user typed is still there, in order.
    kept = "".join(c for c in shown if c in dial)
    folded = unicodedata.normalize("NFKC", text)
    typed = "".join(
        c if c in dial else str(unicodedata.decimal(c))
        for c in folded
        if c in dial or unicodedata.decimal(c, None) is not None
    )
    assert kept == typed


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["US", "GB", None]))
def test_find_numbers_never_raises(text: str, region: str | None) -> None:
    found = numbers.find_numbers(text, region)
    assert all(n.startswith("+") for n in found)


def test_overlong_inputs_are_refused_cleanly() -> None:
    with pytest.raises(InvalidNumber, match="too long"):
        numbers.normalize("1" * 5000)
    with pytest.raises(TelUriError, match="too long"):
        teluri.parse("tel:+1" + "2" * 3000)


@settings(max_examples=200, deadline=None)
@given(_ANY, st.sampled_from(list(Origin)))
def test_dial_guard_never_raises_and_external_always_confirms(text: str, origin: Origin) -> None:
    info = None
    with contextlib.suppress(InvalidNumber):
        info = numbers.describe(text, "US")
    verdict = safety.check(info, text, origin)
    if verdict.refused is None and origin.is_external:
        assert verdict.needs_confirmation


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_dtmf_plan_raises_only_dtmf_error(text: str) -> None:
    try:
        steps = dtmf.plan(text)
    except dtmf.DtmfError:
        return
    assert all(step.digits and set(step.digits) <= set(dtmf.VALID) for step in steps)
    assert all(step.delay_before_s >= 0 for step in steps)
