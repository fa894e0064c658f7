"""The number in the clipboard, for quick-call."""

from __future__ import annotations

import pytest

from dialer.desktop.clipboard import NO_NUMBER_MESSAGE, number_from_clipboard_text


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("Call me at (201) 555-0123 tomorrow", "US", "+12015550123"),
        ("+44 20 7946 0000", None, "+442079460000"),
        ("tel:+1-201-555-0123", None, "+12015550123"),
        ("  callto:+442079460000\n", None, "+442079460000"),
        ("first +1 201 555 0123, then +44 20 7946 0000", None, "+12015550123"),
    ],
)
def test_the_first_number_is_found(text: str, region: str | None, expected: str) -> None:
    assert number_from_clipboard_text(text, region) == expected


@pytest.mark.parametrize("text", ["", None, "hello world", "tel:not-a-number", "12", "x" * 50_000])
def test_no_number(text: str | None) -> None:
    assert number_from_clipboard_text(text, "US") is None


def test_message_tells_the_user_what_to_do() -> None:
    assert "No phone number in the clipboard" in NO_NUMBER_MESSAGE
    assert "Copy" in NO_NUMBER_MESSAGE
