from __future__ import annotations

from pathlib import Path

import pytest

from dialer.store.contacts import Contact, ContactNumber, ContactStore
from dialer.store.exporting import export_vcard
from dialer.store.importing import ContactImportError, import_file
from tests.unit.store.conftest import FIXTURES


def _by_name(store: ContactStore) -> dict[str, Contact]:
    return {c.name: c for c in store.list_all()}


def test_apple_card_labels_flags_and_notes(contacts: ContactStore) -> None:
    report = import_file(contacts, FIXTURES / "apple-contacts.vcf")
    assert (report.added, report.merged, report.skipped) == (2, 0, [])
    johnny = _by_name(contacts)["Johnny Appleseed"]
    assert [(n.label, n.e164) for n in johnny.numbers] == [
        ("mobile", "+14089961010"), ("iPhone", "+442079460958"), ("work", None)]
    assert johnny.note == "Met at WWDC. Prefers, texts."
    # The number without a country code is kept exactly as written, and reported.
    assert johnny.numbers[2].raw == "(555) 010-0188" and not johnny.numbers[2].valid
    assert report.flagged == [("Johnny Appleseed: (555) 010-0188",
                               "no country code: kept as written; add +country code or set a default region")]
    assert "Blue Bottle Coffee" in _by_name(contacts)


def test_default_region_resolves_national_numbers(contacts: ContactStore) -> None:
    report = import_file(contacts, FIXTURES / "android.vcf", default_region="ES")
    sofia = _by_name(contacts)["Sofía Gómez"]  # quoted-printable UTF-8 name
    assert [n.e164 for n in sofia.numbers] == ["+34612345678", "+34911234567"]
    # Mom's number is written the French way: not a Spanish number, so it is kept as written and flagged.
    assert _by_name(contacts)["Mom"].numbers[0].raw == "0612345678"
    assert report.flagged == [("Mom: 0612345678", "not a valid phone number: kept as written"),
                              ("Voicemail: *86", "not a valid phone number: kept as written")]


def test_a_card_sharing_a_number_is_merged_not_duplicated(contacts: ContactStore) -> None:
    import_file(contacts, FIXTURES / "apple-contacts.vcf")
    report = import_file(contacts, FIXTURES / "google-contacts.vcf")
    # Kwame's work number is Johnny's iPhone number: his card is merged into Johnny's contact.
    assert (report.added, report.merged) == (1, 1)
    johnny = _by_name(contacts)["Johnny Appleseed"]
    assert "+233244123456" in [n.e164 for n in johnny.numbers]
    assert [n.e164 for n in johnny.numbers].count("+442079460958") == 1
    assert "Kwame Mensah" not in _by_name(contacts)
    # Importing the same file again changes nothing.
    again = import_file(contacts, FIXTURES / "google-contacts.vcf")
    assert (again.added, again.merged) == (0, 2) and contacts.count() == 3


def test_outlook_21_and_thunderbird_40_cards(contacts: ContactStore) -> None:
    import_file(contacts, FIXTURES / "outlook.vcf")
    report = import_file(contacts, FIXTURES / "thunderbird-4.0.vcf")
    book = _by_name(contacts)
    assert [(n.label, n.e164) for n in book["Jürgen Müller"].numbers] == [
        ("work", "+4930901820"), ("mobile", "+4915123456789"), ("work fax", "+49309018299 9".replace(" ", ""))]
    okafor = book["Olumide Okafor"].numbers
    assert okafor[0].e164 == "+2348031234567" and okafor[0].label == "mobile"
    assert okafor[1].raw == "+1-555-555-5555;ext=5555"  # tel: URI with extension, kept as written
    assert "Dr. Hiroshi Tanaka" in book  # N without FN
    assert "Acme Plumbing" in book  # ORG only
    assert ("Dr. Hiroshi Tanaka: 03-1234-5678",
            "no country code: kept as written; add +country code or set a default region") in report.flagged


def test_malformed_file_imports_nothing_and_names_the_line(contacts: ContactStore) -> None:
    contacts.add(Contact(None, "Existing", [ContactNumber.parse("+44 20 7946 0999")]))
    with pytest.raises(ContactImportError, match=r"line 9 \(card 2\).*THIS LINE HAS NO COLON"):
        import_file(contacts, FIXTURES / "malformed.vcf")
    assert [c.name for c in contacts.list_all()] == ["Existing"]


def test_unclosed_card_is_an_error(contacts: ContactStore, tmp_path: Path) -> None:
    path = tmp_path / "cut.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\nTEL:+44 20 7946 0001\n")
    with pytest.raises(ContactImportError, match="never closed"):
        import_file(contacts, path)
    assert contacts.count() == 0


def test_a_failure_while_storing_rolls_back_the_whole_import(contacts: ContactStore) -> None:
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_file(contacts, FIXTURES / "thunderbird-4.0.vcf", progress=progress)
    assert contacts.count() == 0 and calls == [1, 2]


def test_google_csv_with_multiple_values_and_org_only_rows(contacts: ContactStore) -> None:
    report = import_file(contacts, FIXTURES / "google-contacts.csv")
    book = _by_name(contacts)
    assert report.added == 3
    assert [(n.label, n.e164) for n in book["Aisha Haddad"].numbers] == [
        ("mobile", "+971501234567"), ("mobile", "+97141234567"), ("work", "+442079460777")]
    assert [n.raw for n in book["Chloé Côté"].numbers] == ["+1 514-555-0147"]
    assert "Joe's Pizza" in book


@pytest.mark.parametrize("fixture", ["plain-no-header.csv", "plain-header.csv"])
def test_plain_name_number_csv(contacts: ContactStore, fixture: str) -> None:
    report = import_file(contacts, FIXTURES / fixture)
    assert report.added == 2 and report.skipped == []
    assert all(n.valid for c in contacts.list_all() for n in c.numbers)


def test_csv_rows_without_a_number_are_skipped_with_a_reason(contacts: ContactStore, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,number\nNo Phone,\nReal One,+44 20 7946 0321\n")
    report = import_file(contacts, path)
    assert report.added == 1 and report.skipped == [("No Phone", "no phone number")]


def test_export_then_import_round_trips(contacts: ContactStore, tmp_path: Path) -> None:
    import_file(contacts, FIXTURES / "apple-contacts.vcf")
    import_file(contacts, FIXTURES / "google-contacts.vcf")
    import_file(contacts, FIXTURES / "outlook.vcf")
    first = contacts.get(1)
    assert first is not None
    first.favourite = True
    first.numbers.append(ContactNumber.parse("+44 7700 900123", "Boat; summer only"))
    contacts.update(first)
    path = tmp_path / "out.vcf"
    assert export_vcard(contacts, path) == contacts.count()
    text = path.read_bytes().decode("utf-8")
    assert "TEL;TYPE=CELL:+14089961010" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))

    from dialer.store.db import Database

    other = ContactStore(Database.open(tmp_path / "other.sqlite3"))
    import_file(other, path)

    def shape(store: ContactStore) -> list[tuple[str, bool, str, list[tuple[str, str, str | None]]]]:
        return [(c.name, c.favourite, c.note, [(n.label, n.raw if not n.valid else "", n.e164) for n in c.numbers])
                for c in store.list_all()]

    assert shape(other) == shape(contacts)
    other.db.close()


def test_outlook_csv_in_windows_1252(contacts: ContactStore) -> None:
    report = import_file(contacts, FIXTURES / "outlook-windows-1252.csv")
    book = _by_name(contacts)
    assert [(n.label, n.e164) for n in book["Renée Lefèvre"].numbers] == [
        ("work", "+33142685301"), ("mobile", "+33698765432")]
    assert report.added == 1 and report.skipped == [("Sean O'Brien", "no phone number")]


def test_folded_lines_are_unfolded(contacts: ContactStore) -> None:
    import_file(contacts, FIXTURES / "google-contacts.vcf")
    note = _by_name(contacts)["Zoë Ørsted-Lefèvre"].note
    assert note.endswith("doit donc être pliée par Google.")


def test_a_ukrainian_outlook_csv_in_cp1251_keeps_its_cyrillic_names(contacts: ContactStore, tmp_path: Path) -> None:
    path = tmp_path / "outlook-uk.csv"
    path.write_bytes("First Name,Last Name,Mobile Phone\nОлена,Шевченко,+380 67 111 2233\n"
                     "Ігор,Їжак,+380 50 444 5566\n".encode("cp1251"))
    report = import_file(contacts, path)
    assert report.added == 2
    assert {c.name for c in contacts.list_all()} == {"Олена Шевченко", "Ігор Їжак"}


def test_a_western_outlook_csv_in_cp1252_still_reads_as_cp1252(contacts: ContactStore, tmp_path: Path) -> None:
    path = tmp_path / "outlook-de.csv"
    path.write_bytes("First Name,Last Name,Mobile Phone\nJürgen,Müller,+49 151 23456789\n"
                     "Renée,Côté,+1 514 555 0147\n".encode("cp1252"))
    import_file(contacts, path)
    assert {c.name for c in contacts.list_all()} == {"Jürgen Müller", "Renée Côté"}


def test_utf16_without_a_byte_order_mark_is_read_as_utf16(contacts: ContactStore, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("name,number\nΖωή Παππά,+30 21 0123 4567\n".encode("utf-16-le"))
    import_file(contacts, path)
    assert [c.name for c in contacts.list_all()] == ["Ζωή Παππά"]
