"""What a user pastes into the dial field becomes the right E.164 number, or a clear reason why not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialer.core import numbers
from dialer.core.numbers import AsYouTypeFormatter, InvalidNumber, NumberType


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+91 98765 43210", None, "+919876543210"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("(201) 555-0123", "us", "+12015550123"),
        ("00 44 20 7946 0958", None, "+442079460958"),
        ("00 44 20 7946 0958", "DE", "+442079460958"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("011 44 20 7946 0958", "CA", "+442079460958"),
        ("011 44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("1-800-FLOWERS", "US", "+18003569377"),
        ("+1 800 FLOWERS", None, "+18003569377"),
        ("+١٢٠١٥٥٥٠١٢٣", None, "+12015550123"),  # Arabic-Indic digits
        ("+۹۱ ۹۸۷۶۵ ۴۳۲۱۰", None, "+919876543210"),  # Extended Arabic-Indic (Persian) digits
        ("＋４４ ２０ ７９４６ ０９５８", None, "+442079460958"),  # full-width
        ("call me at +44 20 7946 0958 tomorrow", None, "+442079460958"),
        ("call +1 201-555-0123 now", "US", "+12015550123"),
        ("Phone: (201) 555-0123, ask for Bob", "US", "+12015550123"),
        ("  +12015550123  ", None, "+12015550123"),
        ("+1.201.555.0123", None, "+12015550123"),
        ("tel +1 201 555 0123", None, "+12015550123"),
    ],
)
def test_normalize_accepts_what_people_paste(text: str, region: str | None, expected: str) -> None:
    assert numbers.normalize(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region", "words"),
    [
        ("12", "US", "too short"),
        ("+1 201 555 01", None, "too short"),
        ("+44 20 7946 09588888888", None, "too long"),
        ("x" * 1001, None, "too long"),
        ("+999 1234 5678", None, "unknown country code"),
        ("hello there", None, "no phone number"),
        ("", "US", "no phone number"),
        ("(201) 555-0123", None, "no country code and no default region"),
        ("(201) 555-0123", "XX", "no country code and no default region"),
        ("+1 555 010 0000", None, "not a valid number in united states"),
        ("+44 20 1234 567", None, "not a valid number in united kingdom"),
    ],
)
def test_normalize_refuses_with_the_cause(text: str, region: str | None, words: str) -> None:
    with pytest.raises(InvalidNumber) as err:
        numbers.normalize(text, region)
    assert words in str(err.value).lower()


def test_invalid_number_is_a_value_error() -> None:
    assert issubclass(InvalidNumber, ValueError)


def test_non_strict_keeps_possible_but_unassigned_numbers() -> None:
    assert numbers.normalize("+1 555 010 0000", strict=False) == "+15550100000"
    with pytest.raises(InvalidNumber, match="too short"):
        numbers.normalize("+1 201 555 01", strict=False)


def test_describe_london_landline() -> None:
    info = numbers.describe("+44 20 7946 0958")
    assert info.e164 == "+442079460958"
    assert info.valid
    assert info.region == "GB"
    assert info.country_name == "United Kingdom"
    assert info.place == "London"
    assert info.number_type is NumberType.FIXED_LINE
    assert info.timezones == ("Europe/London",)
    assert info.international == "+44 20 7946 0958"
    assert info.national == "020 7946 0958"


def test_describe_mobile_has_carrier_and_no_place_that_repeats_the_country() -> None:
    info = numbers.describe("+91 98765 43210")
    assert info.number_type is NumberType.MOBILE
    assert info.carrier != ""
    assert info.place != "India"


def test_describe_invalid_number_is_flagged_not_refused() -> None:
    info = numbers.describe("+1 555 010 0000")
    assert not info.valid
    assert info.e164 == "+15550100000"
    assert info.number_type is NumberType.UNKNOWN


def test_describe_refuses_text_without_number() -> None:
    with pytest.raises(InvalidNumber):
        numbers.describe("no digits here")


def test_describe_toll_free_and_premium() -> None:
    assert numbers.describe("+1 800 356 9377").number_type is NumberType.TOLL_FREE
    assert numbers.describe("+44 909 879 0000").number_type is NumberType.PREMIUM_RATE


def test_local_time_in_destination_zone() -> None:
    info = numbers.describe("+44 20 7946 0958")
    local = info.local_time(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert local is not None
    assert (local.hour, str(local.tzinfo)) == (13, "Europe/London")  # BST in July
    naive = info.local_time(datetime(2026, 1, 1, 12, 0))
    assert naive is not None and naive.hour == 12  # naive means UTC; GMT in January


def test_local_time_unknown_without_zone() -> None:
    info = numbers.NumberInfo(
        e164="+80012345678", valid=True, region=None, country_name="", place="",
        number_type=NumberType.TOLL_FREE, carrier="", timezones=(), international="", national="",
    )
    assert info.local_time() is None


# ---------------------------------------------------------------------------------------- as you type


@pytest.mark.parametrize(
    ("region", "text", "caret", "expected", "expected_caret"),
    [
        ("US", "2015550123", 10, "(201) 555-0123", 14),
        ("US", "2015550123", 3, "(201) 555-0123", 4),  # caret after "201"
        ("US", "2015550123", 0, "(201) 555-0123", 0),
        ("US", "(201) 555-01234", 9, "20155501234", 6),  # too many digits: plain, caret after 555
        ("GB", "+442079460958", 3, "+44 20 7946 0958", 3),
        ("GB", "+44 20 7946 0958", 8, "+44 20 7946 0958", 8),  # after "20 7": unchanged
        ("GB", "+44 20 7946 0958", 7, "+44 20 7946 0958", 6),  # after a space: snaps to the digit before
        ("US", "*21#", 4, "*21#", 4),
        ("US", "", 0, "", 0),
        ("GB", "02079460958", 11, "020 7946 0958", 13),
        ("US", "2a0b1", 5, "201", 3),  # other characters dropped
        ("US", "٢٠١٥٥٥٠١٢٣", 10, "(201) 555-0123", 14),
    ],
)
def test_as_you_type_keeps_caret_after_same_digit(
    region: str, text: str, caret: int, expected: str, expected_caret: int
) -> None:
    assert AsYouTypeFormatter(region).format(text, caret) == (expected, expected_caret)


def test_as_you_type_deleting_a_digit_in_the_middle() -> None:
    fmt = AsYouTypeFormatter("US")
    shown, _ = fmt.format("2015550123", 10)
    # user deletes the "5" before "-0123" (backspace at index 9 of "(201) 555-0123")
    edited = shown[:8] + shown[9:]
    assert edited == "(201) 55-0123"
    assert fmt.format(edited, 8) == ("(201) 550-123", 8)


def test_as_you_type_caret_out_of_range_is_clamped() -> None:
    assert AsYouTypeFormatter("US").format("201", 99) == ("201", 3)
    assert AsYouTypeFormatter("US").format("201", -5) == ("201", 0)


# --------------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("own", "locale_name", "expected"),
    [
        ("+919876543210", "en_GB.UTF-8", "IN"),
        (None, "en_GB.UTF-8", "GB"),
        (None, "de_DE", "DE"),
        (None, "pt-BR", "BR"),
        ("not a number", "fr_FR@euro", "FR"),
        (None, "C", "US"),
        (None, "xx_QQ", "US"),
    ],
)
def test_default_region(own: str | None, locale_name: str, expected: str) -> None:
    assert numbers.default_region(own, locale_name) == expected


def test_default_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbers.locale, "getlocale", lambda: (None, None))
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_AU.UTF-8")
    assert numbers.default_region() == "AU"


def test_find_numbers_in_order_without_duplicates() -> None:
    text = "Office +44 20 7946 0958, cell (201) 555-0123; again +44 20 7946 0958. Ref 12345."
    assert numbers.find_numbers(text, "US") == ["+442079460958", "+12015550123"]
    assert numbers.find_numbers(text, "US", limit=1) == ["+442079460958"]
    assert numbers.find_numbers(text) == ["+442079460958"]  # no region: only + numbers
    assert numbers.find_numbers("nothing to see", "US") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("José", "5673"), ("FLOWERS", "3569377"), ("Zoë 42!", "96342"), ("Ünïcödé", "8642633"), ("", "")],
)
def test_t9_digits(text: str, expected: str) -> None:
    assert numbers.t9_digits(text) == expected


def test_digits_only() -> None:
    assert numbers.digits_only("+١ (201) ５５５-0123") == "12015550123"
    assert numbers.digits_only("abc") == ""


def test_formatting_helpers() -> None:
    assert numbers.format_international("+442079460958") == "+44 20 7946 0958"
    assert numbers.format_national("+442079460958") == "020 7946 0958"
    assert numbers.format_national("garbage") == "garbage"
    assert numbers.region_of("+12015550123") == "US"
    assert numbers.region_of("+80012345678") is None
    assert numbers.region_of("garbage") is None


def test_flag() -> None:
    assert numbers.flag("GB") == "🇬🇧"
    assert numbers.flag("us") == "🇺🇸"
    assert numbers.flag(None) == ""
    assert numbers.flag("001") == ""


@pytest.mark.parametrize("region", ["US", "GB", "IN", "JP"])
def test_00_prefix_works_whatever_the_region(region: str) -> None:
    assert numbers.normalize("00 44 20 7946 0958", region) == "+442079460958"
    assert numbers.normalize("00 1 201 555 0123", region) == "+12015550123"


def test_region_reading_wins_when_valid() -> None:
    # 0113 is Leeds in the UK, not 011 + country code 3
    assert numbers.normalize("0113 496 0000", "GB") == "+441134960000"
