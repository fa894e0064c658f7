"""The fast vCard reader gives exactly what vobject gives for a contact, and leaves vobject every odd card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.store import vcard_lines
from dialer.store.importing import ContactImportError, _from_card, parse_card

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcards"


def _by_vobject(text: str) -> object:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    [card] = list(vobject.readComponents(text, ignoreUnreadable=False))
    return _from_card(card, "the card")


def _fast(text: str) -> object:
    card = vcard_lines.read(text.replace("\r\n", "\n").replace("\r", "\n"))
    assert card is not None, "the fast reader should read this card itself"
    return _from_card(card, "the card")


def _cards_of(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return re.findall(r"BEGIN:VCARD\n.*?END:VCARD\n?", text, flags=re.S | re.I)


@pytest.mark.parametrize("name", ["android.vcf", "apple-contacts.vcf", "google-contacts.vcf", "outlook.vcf",
                                  "thunderbird-4.0.vcf"])
def test_real_exports_read_the_same_as_vobject(name: str) -> None:
    cards = _cards_of(FIXTURES / name)
    assert cards
    for text in cards:
        assert parse_card(text) == _by_vobject(text)


_TEXT_CHARS = st.lists(st.sampled_from([*"abcXYZ éЖन 0189+-()", ",", ";", "\\", "\\n", "\\,", "\\;", "\\\\",
                                        ":", '"']), max_size=12).map("".join)
_PARAMS = st.sampled_from(["", ";TYPE=CELL", ";type=cell,voice", ";CELL", ";TYPE=work;TYPE=FAX", ";type=HOME",
                           ";TYPE=iPhone", ";VALUE=uri", ";PREF=1", ";type=pref;type=CELL"])


@st.composite
def _cards(draw: st.DrawFn) -> str:
    lines = ["BEGIN:VCARD", "VERSION:" + draw(st.sampled_from(["2.1", "3.0", "4.0"]))]
    if draw(st.booleans()):
        lines.append("FN:" + draw(_TEXT_CHARS))
    if draw(st.booleans()):
        lines.append("N:" + draw(_TEXT_CHARS))
    if draw(st.booleans()):
        lines.append("ORG:" + draw(_TEXT_CHARS))
    if draw(st.booleans()):
        lines.append("NICKNAME:" + draw(_TEXT_CHARS))
    for index in range(draw(st.integers(0, 3))):
        group = draw(st.sampled_from(["", f"item{index}.", f"ITEM{index}."]))
        lines.append(f"{group}TEL{draw(_PARAMS)}:" + draw(st.sampled_from(
            ["+1 415 555 0100", "tel:+44-20-7946-0018;ext=12", "(0)30 1234567", "555,123", "+91 98765 43210"])))
        if group and draw(st.booleans()):
            lines.append(f"{group}X-ABLabel:" + draw(st.sampled_from(["_$!<Mobile>!$_", "Office", "Oma,Opa"])))
    if draw(st.booleans()):
        lines.append("NOTE:" + draw(_TEXT_CHARS))
    if draw(st.booleans()):
        lines.append("X-DIALER-FAVOURITE:" + draw(st.sampled_from(["1", "0", " 1 "])))
    if draw(st.booleans()):
        lines.append("EMAIL;TYPE=INTERNET:someone@example.com")
    if draw(st.booleans()):
        lines.append("ADR;TYPE=HOME:;;1 Main St;Springfield;;12345;USA")
    if draw(st.booleans()):
        lines.insert(2, "PHOTO;ENCODING=b;TYPE=JPEG:" + "QUJD" * draw(st.integers(1, 40)))
    lines.append("END:VCARD")
    folded = []
    for line in lines:
        width = draw(st.sampled_from([0, 0, 5, 11, 75]))
        if width and len(line) > width:
            parts = [line[i:i + width] for i in range(0, len(line), width)]
            folded.append(parts[0] + "".join("\n" + draw(st.sampled_from([" ", "\t"])) + p for p in parts[1:]))
        else:
            folded.append(line)
    return draw(st.sampled_from(["\n", "\r\n"])).join(folded) + "\n"


@settings(max_examples=400, deadline=None)
@given(_cards())
def test_generated_cards_read_the_same_as_vobject(text: str) -> None:
    try:
        expected = _by_vobject(text)
    except Exception:  # vobject refuses it: so must the app (through vobject, with its message)
        with pytest.raises(ContactImportError):
            parse_card(text)
        return
    assert parse_card(text) == expected
    card = vcard_lines.read(text.replace("\r\n", "\n"))
    if card is not None:
        assert _from_card(card, "the card") == expected


@pytest.mark.parametrize("text", [
    "BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen\nTEL:+4930123456\nEND:VCARD\n",
    "BEGIN:VCARD\nVERSION:3.0\nFN;ENCODING=b:SsO8cmdlbg==\nEND:VCARD\n",
    "BEGIN:VCARD\nVERSION:3.0\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\nEND:VCARD\n",
    "BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD\n",
    "BEGIN:VCARD\nVERSION:3.0\nthis line has no colon\nEND:VCARD\n",
    "BEGIN:VCARD\nVERSION:3.0\nFN:no end\n",
])
def test_odd_cards_are_left_to_vobject(text: str) -> None:
    assert vcard_lines.read(text) is None


def test_a_plain_card_is_read_without_vobject_objects() -> None:
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Smith\\, John\nN:Smith;John;;;\nitem1.TEL;type=CELL:+1 415 555 0100\n"
            "item1.X-ABLabel:_$!<Mobile>!$_\nNOTE:line one\\nline two\nEND:VCARD\n")
    card = vcard_lines.read(text)
    assert card is not None
    parsed = _from_card(card, "the card")
    assert (parsed.name, parsed.numbers, parsed.note) == ("Smith, John", [("mobile", "+1 415 555 0100")],
                                                          "line one\nline two")
    assert parsed == _by_vobject(text)
