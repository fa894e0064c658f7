"""The dial guard: what is refused, what warns, and when the user must confirm."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialer.core import safety
from dialer.core.calls import Origin
from dialer.core.numbers import describe

NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
LONDON = "+44 20 7946 0958"


def test_plain_number_from_window_goes_straight_through() -> None:
    verdict = safety.check(describe(LONDON), LONDON, Origin.WINDOW, now=NOON_UTC)
    assert verdict == safety.DialVerdict(refused=None, warnings=(), needs_confirmation=False,
                                         needs_extra_step=False)
    assert verdict.allowed


@pytest.mark.parametrize("origin", [o for o in Origin if o is not Origin.WINDOW])
def test_every_external_origin_needs_confirmation(origin: Origin) -> None:
    verdict = safety.check(describe(LONDON), f"tel:{LONDON}", origin, now=NOON_UTC)
    assert verdict.allowed and verdict.needs_confirmation and verdict.warnings == ()


def test_always_confirm_setting() -> None:
    verdict = safety.check(describe(LONDON), LONDON, Origin.WINDOW, now=NOON_UTC, always_confirm=True)
    assert verdict.needs_confirmation


@pytest.mark.parametrize(
    "raw",
    ["*21#", "#31#", "*#06#", "**21*+12015550123#", "#31#+12015550123", "tel:*21%23;phone-context=+44",
     "tel:%2A%2306%23;phone-context=example.com", "callto://*21#", "*67 201 555 0123", "#100#",
     "Please dial *21# now", "Press #31# then +44 20 7946 0958"],
)
def test_service_codes_are_refused(raw: str) -> None:
    verdict = safety.check(None, raw, Origin.TEL_LINK)
    assert not verdict.allowed
    assert verdict.refused is not None and "service code" in verdict.refused


def test_hash_in_post_dial_keys_is_not_a_service_code() -> None:
    raw = "tel:+442079460958;postd=pp1234#"
    assert safety.check(describe(LONDON), raw, Origin.WINDOW, now=NOON_UTC).allowed
    assert safety.check(describe(LONDON), "+442079460958,,1234#", Origin.WINDOW, now=NOON_UTC).allowed


def test_a_lone_hash_number_in_pasted_text_is_not_a_service_code() -> None:
    raw = "Ticket #123: call +44 20 7946 0958"
    assert safety.check(describe(raw), raw, Origin.CLIPBOARD, now=NOON_UTC).allowed


@pytest.mark.parametrize(("raw", "region"), [("911", "US"), ("112", "DE"), ("999", "GB")])
def test_emergency_numbers_are_refused_with_advice(raw: str, region: str) -> None:
    verdict = safety.check(describe(raw, region), raw, Origin.WINDOW)
    assert verdict.refused is not None and "emergency" in verdict.refused
    assert "from your phone" in verdict.refused


def test_no_number_is_refused() -> None:
    verdict = safety.check(None, "hello", Origin.CLIPBOARD)
    assert verdict.refused == safety.NO_NUMBER


@pytest.mark.parametrize(("number", "word"), [("+44 909 879 0000", "Premium-rate"), ("+49 180 1 2345", "Shared-cost")])
def test_costly_numbers_warn_and_need_an_extra_step(number: str, word: str) -> None:
    verdict = safety.check(describe(number), number, Origin.WINDOW, now=NOON_UTC)
    assert verdict.allowed
    assert any(word in w for w in verdict.warnings)
    assert verdict.needs_confirmation and verdict.needs_extra_step


@pytest.mark.parametrize(
    ("utc_hour", "night"),
    [(21, False), (22, True), (23, True), (3, True), (6, True), (7, False), (12, False)],
)
def test_night_time_at_destination(utc_hour: int, night: bool) -> None:
    now = datetime(2026, 1, 15, utc_hour, 30, tzinfo=UTC)  # London is on UTC in January
    verdict = safety.check(describe(LONDON), LONDON, Origin.WINDOW, now=now)
    night_warnings = [w for w in verdict.warnings if "night" in w]
    assert bool(night_warnings) is night
    assert verdict.needs_confirmation is night
    if night:
        assert f"{utc_hour:02d}:30" in night_warnings[0] and "Europe/London" in night_warnings[0]


def test_night_uses_the_destination_zone_not_ours() -> None:
    # 03:30 UTC is 22:30 in New York the evening before (EST, UTC-5)
    verdict = safety.check(describe("+1 201 555 0123"), "+12015550123", Origin.WINDOW,
                           now=datetime(2026, 1, 15, 3, 30, tzinfo=UTC))
    assert any("22:30" in w for w in verdict.warnings)


def test_invalid_number_warns() -> None:
    verdict = safety.check(describe("+1 555 010 0000"), "+1 555 010 0000", Origin.WINDOW, now=NOON_UTC)
    assert verdict.allowed
    assert any("does not look valid" in w for w in verdict.warnings)
    assert verdict.needs_confirmation and not verdict.needs_extra_step
