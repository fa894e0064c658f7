from __future__ import annotations

import pytest

from dialer.store.contacts import Contact, ContactNumber, ContactStore


def _num(raw: str, label: str = "", region: str | None = None) -> ContactNumber:
    return ContactNumber.parse(raw, label, region)


@pytest.fixture
def book(contacts: ContactStore) -> ContactStore:
    contacts.add(Contact(None, "John Smith", [_num("+1 415 555 0123", "mobile"), _num("020 7946 0000", "home", "GB")]))
    contacts.add(Contact(None, "Zoë Ørsted", [_num("+44 20 7946 0958", "work")]))
    contacts.add(Contact(None, "Jöhnny Appleseed", [_num("+1 408 996 1010", "mobile")]))
    contacts.add(Contact(None, "Mary-Jane O'Brien", [_num("+353 1 234 5678")], favourite=True))
    return contacts


def test_numbers_are_normalised_and_invalid_ones_kept_as_written() -> None:
    good = _num("020 7946 0958", "work", "GB")
    assert (good.e164, good.valid, good.raw) == ("+442079460958", True, "020 7946 0958")
    local = _num("555-0100")
    assert (local.e164, local.valid, local.raw) == (None, False, "555-0100")
    assert local.display == "555-0100"


def test_add_get_update_delete_round_trip(contacts: ContactStore) -> None:
    cid = contacts.add(Contact(None, "Ada Lovelace", [_num("+44 20 7946 0001", "home")], note="math"))
    got = contacts.get(cid)
    assert got is not None
    assert (got.name, got.note, [n.e164 for n in got.numbers]) == ("Ada Lovelace", "math", ["+442079460001"])
    got.name = "Ada King"
    got.favourite = True
    got.numbers.append(_num("+1 202 456 1111", "work"))
    contacts.update(got)
    again = contacts.get(cid)
    assert again is not None and again.name == "Ada King" and again.favourite
    assert [n.label for n in again.numbers] == ["home", "work"]
    assert [c.name for c in contacts.favourites()] == ["Ada King"]
    assert [m.name for m in contacts.search("king")] == ["Ada King", "Ada King"]
    assert contacts.search("lovelace") == [] and contacts.search("ada lo") == []
    assert [m.name for m in contacts.search("ada ki")] == ["Ada King", "Ada King"]
    contacts.delete(cid)
    assert contacts.get(cid) is None and contacts.count() == 0


def test_list_all_is_in_name_order_and_pages(book: ContactStore) -> None:
    names = [c.name for c in book.list_all()]
    assert names == ["John Smith", "Jöhnny Appleseed", "Mary-Jane O'Brien", "Zoë Ørsted"]  # folded order
    assert [c.name for c in book.list_all(limit=2, offset=1)] == ["Jöhnny Appleseed", "Mary-Jane O'Brien"]
    assert book.count() == 4


def test_name_search_ignores_case_and_accents_and_matches_any_word_prefix(book: ContactStore) -> None:
    assert {m.name for m in book.search("zoe")} == {"Zoë Ørsted"}
    assert {m.name for m in book.search("ORST")} == {"Zoë Ørsted"}
    assert {m.name for m in book.search("johnn")} == {"Jöhnny Appleseed"}
    assert {m.name for m in book.search("brien")} == {"Mary-Jane O'Brien"}
    assert {m.name for m in book.search("jo sm")} == {"John Smith"}
    assert book.search("mith") == []  # prefix of a word, not any substring
    matches = book.search("smith")
    assert [(m.number, m.label, m.matched_by) for m in matches] == [
        ("+14155550123", "mobile", "name"), ("+442079460000", "home", "name")]


def test_digits_search_numbers_by_substring(book: ContactStore) -> None:
    matches = book.search("7946")
    assert {(m.name, m.number) for m in matches} == {("Zoë Ørsted", "+442079460958"),
                                                       ("John Smith", "+442079460000")}
    assert all(m.matched_by == "number" for m in matches)
    # The digits as the user wrote them (national format) also match.
    assert [m.number for m in book.search("020 7946 0")] == ["+442079460000"]
    assert [m.name for m in book.search("+1 408")] == ["Jöhnny Appleseed"]


def test_digits_search_names_by_t9(book: ContactStore) -> None:
    t9 = book.search("5646")  # J-O-H-N
    assert {m.name for m in t9} == {"John Smith", "Jöhnny Appleseed"}
    assert all(m.matched_by == "t9" for m in t9)
    assert {m.name for m in book.search("27753")} == {"Jöhnny Appleseed"}  # "apple", a later word


def test_favourites_rank_first(contacts: ContactStore) -> None:
    for i in range(5):
        contacts.add(Contact(None, f"Maria Garcia {i}", [_num(f"+34 612 34 56 7{i}")]))
    contacts.add(Contact(None, "Marta Zurich", [_num("+41 44 668 18 00")], favourite=True))
    assert contacts.search("mar")[0].name == "Marta Zurich"
    assert contacts.search("627")[0].name == "Marta Zurich"  # T9 for "mar"


def test_whole_name_prefix_ranks_before_later_word_matches(contacts: ContactStore) -> None:
    contacts.add(Contact(None, "Anna Bell", [_num("+44 20 7946 0001")]))
    contacts.add(Contact(None, "Bella Swan", [_num("+44 20 7946 0002")]))
    assert [m.name for m in contacts.search("bel")] == ["Bella Swan", "Anna Bell"]


def test_search_respects_the_limit(contacts: ContactStore) -> None:
    contacts.add_many(Contact(None, f"Sam Lee {i}", [_num(f"+44 20 7946 {i:04d}")]) for i in range(30))
    assert len(contacts.search("sam", limit=7)) == 7
    assert len(contacts.search("7946", limit=7)) == 7
    assert contacts.search("") == [] and contacts.search("   ") == []


def test_find_by_number(book: ContactStore) -> None:
    found = book.find_by_number("+442079460958")
    assert found is not None and found.name == "Zoë Ørsted"
    assert book.find_by_number("+15550000000") is None


def test_contacts_without_numbers_still_show_up_in_search(contacts: ContactStore) -> None:
    contacts.add(Contact(None, "Acme Plumbing", []))
    assert [(m.name, m.number) for m in contacts.search("acme")] == [("Acme Plumbing", "")]


def test_cyrillic_names_are_found_by_their_keypad_digits(contacts: ContactStore) -> None:
    from dialer.store.contacts import Contact, ContactNumber

    contacts.add(Contact(None, "Олена Шевченко", [ContactNumber.parse("+380671112233")]))
    contacts.add(Contact(None, "Їжак Юлія", [ContactNumber.parse("+380504445566")]))
    assert [m.name for m in contacts.search("5435")] == ["Олена Шевченко"]  # О-л-е-н on a Ukrainian keypad
    assert [m.name for m in contacts.search("9449")] == ["Їжак Юлія"]  # Ю-л-і-я
    assert {m.matched_by for m in contacts.search("5435")} == {"t9"}


def test_contacts_saved_before_cyrillic_keypads_are_respelled_once(contacts: ContactStore) -> None:
    from dialer.store.contacts import WORD_INDEX_KEY, Contact, ContactNumber

    contacts.add(Contact(None, "Олена Шевченко", [ContactNumber.parse("+380671112233")]))
    contacts.add(Contact(None, "Ada King", [ContactNumber.parse("+442079460958")]))
    # What an older version stored: no T9 words for the Cyrillic name, and no index version.
    contacts.db.execute("DELETE FROM contact_words WHERE kind = 't' AND contact_id = "
                        "(SELECT id FROM contacts WHERE name = 'Олена Шевченко')")
    contacts.db.execute("DELETE FROM settings WHERE key = ?", (WORD_INDEX_KEY,))
    assert contacts.search("5435") == []
    assert contacts.ensure_word_index() == 1  # only the non-ASCII name is re-spelled
    assert [m.name for m in contacts.search("5435")] == ["Олена Шевченко"]
    assert contacts.ensure_word_index() == 0  # done once
