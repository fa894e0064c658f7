"""Called.in's number rule (calledin.txt: "10-digit phone number ... no spaces or dashes"), checked offline."""

from __future__ import annotations

import pytest

from dialer.providers.base import InvalidNumberError
from dialer.providers.calledin import national_number


@pytest.mark.parametrize(("e164", "expected"), [
    ("+12025550123", ("1", "2025550123")),    # North America: always 10
    ("+447911123456", ("44", "7911123456")),  # a UK mobile: 10 national digits
    ("+442079460958", ("44", "2079460958")),  # London: 10
])
def test_ten_national_digits_are_sent_as_they_are(e164: str, expected: tuple[str, str]) -> None:
    assert national_number(e164, "the number to call") == expected


@pytest.mark.parametrize(("e164", "digits"), [
    ("+33123456789", 9),     # France
    ("+4930123456", 8),      # Berlin
    ("+61412345678", 9),     # an Australian mobile
    ("+8613812345678", 11),  # a Chinese mobile
])
def test_other_lengths_are_refused_naming_the_number_and_why(e164: str, digits: int) -> None:
    with pytest.raises(InvalidNumberError) as caught:
        national_number(e164, "the number to call")
    text = str(caught.value)
    assert "the number to call" in text and "exactly 10 digits after the country code" in text
    assert f"this one has {digits}" in text and "Use another provider" in text
