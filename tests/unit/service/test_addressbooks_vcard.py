"""Write-back edits a synced card in place: the fields the app shows change, every other field stays."""

from __future__ import annotations

from dialer.service.addressbooks import edit_vcard
from dialer.store.contacts import Contact, ContactNumber
from dialer.store.importing import parse_card

APPLE = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc-123\r\nFN:Ann Smith\r\nN:Smith;Ann;;;\r\n"
         "item1.TEL;type=pref:+44 20 7946 0958\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\n"
         "EMAIL;TYPE=INTERNET:ann@example.org\r\nBDAY:1980-02-03\r\nNOTE:old note\r\nEND:VCARD\r\n")


def test_a_new_number_and_name_keep_uid_email_birthday_and_the_apple_label() -> None:
    contact = Contact(1, "Ann Smith-Jones", [ContactNumber.parse("+44 20 7946 0958", "mobile"),
                                             ContactNumber.parse("+1 212 555 0123", "work")], note="old note")
    text = edit_vcard(APPLE, contact)
    for kept in ("UID:abc-123", "ann@example.org", "BDAY:1980-02-03", "item1.X-ABLabel:_$!<Mobile>!$_",
                 "item1.TEL;TYPE=pref:+44 20 7946 0958"):
        assert kept.lower() in text.lower()  # property names may come back upper-cased
    parsed = parse_card(text)
    assert parsed.name == "Ann Smith-Jones"
    assert parsed.numbers == [("mobile", "+44 20 7946 0958"), ("work", "+12125550123")]
    assert "N:Smith-Jones;Ann;;;" in text


def test_removing_a_number_and_the_note() -> None:
    text = edit_vcard(APPLE, Contact(1, "Ann Smith", [], note=""))
    parsed = parse_card(text)
    assert parsed.numbers == [] and parsed.note == ""
    assert "N:Smith;Ann;;;" in text  # unchanged name: N as it was
